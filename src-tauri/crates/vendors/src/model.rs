//! What adapters return, in Switchboard's terms. Vendor ids are kept as text.

use switchboard_domain::Timestamp;
use switchboard_domain::target::TargetKind;

/// Who the credentials belong to, as far as the vendor says.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountInfo {
    pub name: Option<String>,
    /// Whether the team is online, where the vendor says (HelpCrunch's
    /// `teamOnline`, for the whole account).
    pub team_online: Option<bool>,
}

impl AccountInfo {
    pub fn named(name: Option<String>) -> Self {
        Self {
            name,
            team_online: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAgent {
    pub vendor_id: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Option<String>,
    pub active: bool,
    pub status: Option<RemoteStatus>,
    /// The vendor ids of the teams or departments the agent belongs to, when the
    /// agent listing says so.
    pub team_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteStatus {
    /// The vendor's status id, where statuses have ids (match by it, not by name).
    pub id: Option<String>,
    pub name: String,
    pub since: Option<Timestamp>,
}

/// One record of a vendor's own activity log (CCAI Platform): a login, a
/// logout, a status change, or a chat or call offered to an agent or picked up.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRecord {
    /// The record's id at the vendor.
    pub vendor_id: String,
    pub agent_vendor_id: String,
    /// The agent's status from `started_at` (`since` is `started_at`).
    pub status: Option<RemoteStatus>,
    pub started_at: Timestamp,
    /// `None` while the status lasts.
    pub ended_at: Option<Timestamp>,
    /// As the vendor names it: `login`, `logout`, `status_change`,
    /// `chat_notification_offered`, `chat_picked_up`, …
    pub activity: String,
    /// The chat or call the record is about.
    pub contact_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTeam {
    pub vendor_id: String,
    pub name: String,
    pub parent_vendor_id: Option<String>,
    /// Members, when the team listing names them (HelpCrunch departments).
    pub member_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTarget {
    pub kind: TargetKind,
    pub vendor_id: String,
    pub name: Option<String>,
    /// Digits only, country code first.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub last_activity_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// The current assignees, when the listing includes them.
    pub assignees: Option<Vec<RemoteAssignee>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAssignee {
    /// The vendor's id for the agent (for Splashify, the email).
    pub agent_vendor_id: String,
    pub until: Option<Timestamp>,
    pub notes: Option<String>,
}

/// One page of a listing and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
    /// How many there are in all, where the vendor says.
    pub total: Option<u64>,
}

/// Where a listing goes on. Opaque to callers: hand back what a page returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Offset(u64),
    Page(u32),
    Url(String),
}

/// A status a tenant has, with whether the API may set it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusOption {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
    /// Defined by the platform (CCAI Platform ids <= 0), not the tenant.
    pub system: bool,
    /// The API can move agents into it.
    pub settable: bool,
    /// Switchboard offers it: settable, and the vendor's rules allow setting it
    /// from here (CCAI Platform: Available and the tenant's own, never a custom
    /// one that shares its name with a system status).
    pub offered: bool,
}

/// One agent's outcome of a status change. `changed` is false when the vendor kept
/// the agent's status, and `message` then says why in the vendor's words.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusResult {
    pub agent_vendor_id: String,
    pub name: Option<String>,
    pub previous: String,
    pub current: String,
    pub changed: bool,
    pub message: Option<String>,
}
