//! Sync runs and connection checks: when a connection last synced, with what
//! result, and whether its vendor answered.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{ConnectionId, Timestamp};

text_enum!(
    SyncMode, "mode" {
        /// Everything the vendor lists; what is no longer listed is removed.
        Full = "full",
        /// Only what changed since the last run, where the vendor can tell.
        Incremental = "incremental",
    }
);

text_enum!(
    SyncState, "state" {
        Running = "running",
        Done = "done",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncRun {
    #[ts(type = "number")]
    pub id: i64,
    pub connection_id: ConnectionId,
    pub mode: SyncMode,
    pub state: SyncState,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    #[ts(type = "number")]
    pub agents: i64,
    #[ts(type = "number")]
    pub teams: i64,
    #[ts(type = "number")]
    pub targets: i64,
    /// The newest vendor time seen; the next incremental run starts there.
    pub high_water: Option<Timestamp>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// One call that told us whether a vendor answered (a test or a sync).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectionCheck {
    #[ts(type = "number")]
    pub id: i64,
    pub connection_id: ConnectionId,
    pub at: Timestamp,
    /// `ok`, or the error's code (`unauthorized`, `unreachable`, ...).
    pub outcome: String,
    pub message: String,
    #[ts(type = "number | null")]
    pub latency_ms: Option<i64>,
}
