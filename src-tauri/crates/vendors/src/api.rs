//! The one trait every vendor's client implements. A method the vendor has no
//! endpoint for answers "unsupported" by default (naming the vendor and the
//! field), and the vendor's [`Capabilities`](crate::Capabilities) say so up front,
//! so callers ask those instead of calling to find out.

use async_trait::async_trait;
use switchboard_domain::{Timestamp, Vendor};

use crate::{
    AccountInfo, ActivityRecord, Cursor, Page, RemoteAgent, RemoteTarget, RemoteTeam, StatusOption,
    StatusResult, VendorError,
};

/// One assignment as every vendor receives it; each vendor sends what it can of
/// it (its capabilities say which parts).
#[derive(Debug, Clone, Copy)]
pub struct AssignCall<'a> {
    /// Vendor ids (Splashify Pro: emails), none blank.
    pub agents: &'a [String],
    pub until: Option<Timestamp>,
    pub notes: Option<&'a str>,
    /// Replace the target's agents instead of adding.
    pub replace: bool,
}

impl AssignCall<'_> {
    /// The one agent of a vendor that takes one per call.
    pub(crate) fn one(&self, vendor: Vendor) -> Result<&str, VendorError> {
        match self.agents {
            [agent] => Ok(agent.as_str()),
            [] => Err(VendorError::invalid("agents", "choose an agent")),
            _ => Err(VendorError::invalid(
                "agents",
                format!("{vendor} takes one agent per call"),
            )),
        }
    }
}

fn unsupported<T>(field: &str, message: String) -> Result<T, VendorError> {
    Err(VendorError::invalid(field, message))
}

/// What Switchboard asks of a vendor. The names are the same for every vendor;
/// the vendor's module says how its API does each.
#[async_trait]
pub trait VendorApi: Send + Sync {
    fn vendor(&self) -> Vendor;

    /// The vendor's cheapest read: proves the base URL and the credentials.
    async fn check(&self) -> Result<AccountInfo, VendorError>;

    /// One page of agents (`capabilities.list_agents`).
    async fn agents(&self, _cursor: Option<&Cursor>) -> Result<Page<RemoteAgent>, VendorError> {
        unsupported("agents", format!("{} cannot list agents", self.vendor()))
    }

    /// One page of the agents whose status changed at or after `since` (the
    /// vendor's clock), oldest change first (`capabilities.status_changes_since`).
    async fn agents_changed_since(
        &self,
        _since: Timestamp,
        _cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteAgent>, VendorError> {
        unsupported(
            "agents",
            format!(
                "{} cannot list agents by when their status changed",
                self.vendor()
            ),
        )
    }

    /// One page of the vendor's activity log from `since` (its clock), oldest
    /// first (`capabilities.activity_log`).
    async fn activity_log(
        &self,
        _since: Timestamp,
        _cursor: Option<&Cursor>,
    ) -> Result<Page<ActivityRecord>, VendorError> {
        unsupported(
            "activity",
            format!("{} keeps no activity log", self.vendor()),
        )
    }

    /// Teams or departments (`capabilities.list_teams`).
    async fn teams(&self) -> Result<Vec<RemoteTeam>, VendorError> {
        unsupported("teams", format!("{} has no teams", self.vendor()))
    }

    /// One page of targets, changed since `since` where the vendor can tell
    /// (`capabilities.list_targets`, `incremental_targets`).
    async fn targets(
        &self,
        _since: Option<Timestamp>,
        _cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        unsupported("target", format!("{} cannot list targets", self.vendor()))
    }

    /// One target with its assignees (`capabilities.read_assignees`); `None`
    /// when the vendor has none with this id.
    async fn target(&self, _id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        unsupported(
            "target",
            format!("{} cannot read one target", self.vendor()),
        )
    }

    /// Assigns agents to a target. `Ok(Some(target))` when the answer says what
    /// the target now holds; `Ok(None)` on a success that says only that.
    /// `VendorError::Unexpected` with a 2xx status: the call succeeded in words
    /// we cannot read, so the change may or may not have been applied.
    async fn assign(
        &self,
        _target: &str,
        _call: AssignCall<'_>,
    ) -> Result<Option<RemoteTarget>, VendorError> {
        unsupported(
            "target",
            format!("{} has nothing to assign agents to", self.vendor()),
        )
    }

    /// Unassigns a target (`capabilities.release`); answers as `assign` does.
    async fn release(&self, _target: &str) -> Result<Option<RemoteTarget>, VendorError> {
        unsupported(
            "target",
            format!("{} has no way to unassign", self.vendor()),
        )
    }

    /// The tenant's agent statuses (`capabilities.read_statuses`).
    async fn statuses(&self) -> Result<Vec<StatusOption>, VendorError> {
        unsupported("status", format!("{} has no agent statuses", self.vendor()))
    }

    /// Moves agents, and every agent of the teams, to `status`, with one result
    /// per agent (`capabilities.set_statuses`).
    async fn set_status(
        &self,
        _status: &StatusOption,
        _tenant: &[StatusOption],
        _agents: &[String],
        _teams: &[String],
    ) -> Result<Vec<StatusResult>, VendorError> {
        unsupported(
            "status",
            format!("{} has no agent statuses to set", self.vendor()),
        )
    }
}
