//! The journal. Every change the app sends to a vendor, one click or ten thousand,
//! is an operation in a job, written before anything leaves the machine.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{ConnectionId, JobId, OperationId, TargetId, Timestamp};

text_enum!(
    JobKind, "kind" {
        Assign = "assign",
        Release = "release",
        SetStatus = "set_status",
        Reassign = "reassign",
        /// An assignment plan imported from CSV.
        Plan = "plan",
        /// A cover's work handed over, or back.
        Cover = "cover",
        Sync = "sync",
    }
);

text_enum!(
    JobState, "state" {
        Queued = "queued",
        Running = "running",
        Done = "done",
        /// Finished with some operations failed.
        Partial = "partial",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// Who started a job: the window or a script.
    Origin, "origin" {
        App = "app",
        Cli = "cli",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    /// What the manager asked for, in their words ("Assign team Night to Acme Ltd").
    pub title: String,
    pub state: JobState,
    pub origin: Origin,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Paused by the manager: its items not sent yet wait until it is resumed.
    #[serde(default)]
    pub paused_at: Option<Timestamp>,
}

/// Operation kinds live with the changes they name.
pub use crate::change::OperationKind;

text_enum!(
    OperationState, "state" {
        /// Waiting to be sent (the connection may be unreachable).
        Queued = "queued",
        /// Written before the call; found in this state after a crash, it is re-sent.
        Sending = "sending",
        Done = "done",
        Failed = "failed",
        /// The target changed at the vendor since the manager asked; the manager decides.
        Conflict = "conflict",
        /// Sent, not confirmed: the vendor answered in words we cannot read and the
        /// target could not be read back. The manager checks or resends it.
        Unknown = "unknown",
        Cancelled = "cancelled",
    }
);

impl OperationState {
    /// States an operation never leaves.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OperationState::Done | OperationState::Failed | OperationState::Cancelled
        )
    }

    /// States that wait for the manager rather than for a vendor.
    pub fn needs_decision(self) -> bool {
        matches!(self, OperationState::Conflict | OperationState::Unknown)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Operation {
    pub id: OperationId,
    pub job_id: JobId,
    pub connection_id: ConnectionId,
    pub kind: OperationKind,
    pub target_id: Option<TargetId>,
    /// The vendor's id of the target (also kept when the target is not cached).
    pub target_vendor_id: Option<String>,
    /// What the manager saw when asking (a name or phone), so history reads well later.
    pub target_label: Option<String>,
    /// The agents' names as the manager saw them, so history reads well later.
    pub agent_names: Vec<String>,
    /// What is asked of the vendor: the agents and options, exactly as sent.
    pub request: crate::change::Change,
    /// The assignees (or statuses) before the change, as known when it was made.
    #[ts(type = "unknown")]
    pub before: Option<serde_json::Value>,
    pub state: OperationState,
    pub attempts: u32,
    /// The vendor's answer on success.
    #[ts(type = "unknown")]
    pub response: Option<serde_json::Value>,
    #[ts(type = "string | null")]
    pub error_code: Option<crate::code::ResultCode>,
    /// The vendor's own message on failure, for the manager.
    pub error_message: Option<String>,
    /// A queued change older than this is dropped rather than sent (statuses go stale).
    pub not_after: Option<Timestamp>,
    /// A queued change is not tried again before this (the vendor asked us to wait).
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// One operation as History shows it, with its job and connection.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HistoryRow {
    pub operation: Operation,
    pub job_title: String,
    pub origin: Origin,
    /// `None` once the connection has been removed (history outlives it).
    pub connection_name: Option<String>,
    pub vendor: Option<crate::Vendor>,
    /// With `group_jobs`: this row stands for its whole bulk job (a
    /// reassignment, its undo), whose items open with a `job_id` query.
    pub group: Option<JobGroup>,
}

/// A bulk job as one History row: how many items it has, by state.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobGroup {
    pub kind: JobKind,
    pub items: u32,
    pub by_state: std::collections::BTreeMap<String, u32>,
}

/// What History asks for. Every filter is optional; pages are newest first.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[serde(default)]
pub struct HistoryQuery {
    pub connection_id: Option<ConnectionId>,
    pub agent_id: Option<crate::AgentId>,
    /// Operations for any of this person's agents.
    pub person_id: Option<crate::PersonId>,
    pub target_id: Option<TargetId>,
    pub job_id: Option<JobId>,
    /// Any of these states; empty means all.
    pub states: Vec<OperationState>,
    /// Made at or after this time.
    pub from: Option<Timestamp>,
    /// Made before this time.
    pub to: Option<Timestamp>,
    /// Words of the target, the agents' names or the vendor's message.
    pub search: Option<String>,
    /// The page after this operation (the previous page's `next`).
    pub after: Option<OperationId>,
    /// Rows per page (at most 500; 0 means 100).
    pub limit: u32,
    /// A bulk job's items as one row (its newest item matching the filters
    /// stands for it), unless the query asks for one job.
    pub group_jobs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    /// Pass as `after` for the next page; `None` on the last one.
    pub next: Option<OperationId>,
}

/// How many changes wait, for the navigation's badge and the queue panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
pub struct QueueCounts {
    pub queued: u32,
    pub sending: u32,
    pub conflict: u32,
    /// Sent, not confirmed: the manager checks or resends them.
    pub unknown: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_done_failed_and_cancelled_are_final() {
        let finals: Vec<_> = OperationState::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(finals, ["done", "failed", "cancelled"]);
    }
}
