//! Who a target is assigned to, as last seen at the vendor or as last set by us.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{AgentId, TargetId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Assignment {
    pub target_id: TargetId,
    /// The vendor's id of the assignee; kept even when the agent is not in the cache.
    pub agent_vendor_id: String,
    /// The cached agent, when we know it.
    pub agent_id: Option<AgentId>,
    /// Pingup's `dt_until`: when the assignment expires.
    pub until: Option<Timestamp>,
    /// Pingup's `ds_notes`.
    pub notes: Option<String>,
    pub source: AssignmentSource,
    pub observed_at: Timestamp,
}

text_enum!(
    AssignmentSource, "source" {
        /// Read from the vendor during a sync or refresh.
        Vendor = "vendor",
        /// Written after the vendor confirmed a change the app sent.
        App = "app",
    }
);
