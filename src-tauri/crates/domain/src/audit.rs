//! What the manager did that is not a vendor change: connections added or removed,
//! secrets replaced, people linked by hand. Never holds a secret.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::job::Origin;
use crate::{ConnectionId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: Timestamp,
    pub origin: Origin,
    /// A dotted verb, e.g. `connection.created`, `secret.replaced`.
    pub action: String,
    pub connection_id: Option<ConnectionId>,
    pub summary: String,
}
