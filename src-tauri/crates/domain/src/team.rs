//! A team (CCAI Platform) or department (HelpCrunch) on one connection.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ConnectionId, TeamId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Team {
    pub id: TeamId,
    pub connection_id: ConnectionId,
    pub vendor_id: String,
    pub name: String,
    /// The vendor id of the parent team, where the vendor nests teams (CCAI Platform).
    pub parent_vendor_id: Option<String>,
    pub synced_at: Option<Timestamp>,
}
