//! Agent statuses as observed over time: one row per stretch an agent spent in one
//! status, so time-in-status is a sum and gaps (when nobody watched) stay visible.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{AgentId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatusSample {
    #[ts(type = "number")]
    pub id: i64,
    pub agent_id: AgentId,
    /// The vendor's status id where it has one (CCAI Platform: 0 Available, -2 Break, ...).
    pub status_vendor_id: Option<String>,
    pub status_name: String,
    pub started_at: Timestamp,
    /// The last time the app saw the agent in this status. After it, and before
    /// `ended_at` or the next sample, the status is unknown.
    pub last_seen_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub source: StatusSource,
}

text_enum!(
    StatusSource, "source" {
        Poll = "poll",
        /// The app's own change, confirmed by the vendor.
        App = "app",
        Sync = "sync",
    }
);
