//! What agents are assigned to: a Pingup client, a Vambe contact, a HelpCrunch chat,
//! a Splashify conversation (addressed by the customer's phone).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{ConnectionId, TargetId, Timestamp};

text_enum!(
    TargetKind, "kind" {
        Client = "client",
        Contact = "contact",
        Chat = "chat",
        Conversation = "conversation",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Target {
    pub id: TargetId,
    pub connection_id: ConnectionId,
    pub kind: TargetKind,
    pub vendor_id: String,
    pub name: Option<String>,
    /// Digits only, country code first, when known.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The vendor's own state word (HelpCrunch `opened`, Vambe `UNATTENDED`, ...).
    pub status: Option<String>,
    pub last_activity_at: Option<Timestamp>,
    pub synced_at: Option<Timestamp>,
}
