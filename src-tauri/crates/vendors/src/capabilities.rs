use serde::Serialize;
use switchboard_domain::target::TargetKind;
use ts_rs::TS;

/// What one vendor can do. The UI and the engine ask this instead of matching on
/// vendor names, so a sixth vendor needs no changes outside its own module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct Capabilities {
    /// What agents are assigned to on this platform; `None` where nothing is.
    pub target_kind: Option<TargetKind>,
    /// The vendor has an endpoint that lists agents (else: added by hand or CSV).
    pub list_agents: bool,
    pub list_teams: bool,
    pub list_targets: bool,
    /// Targets can be listed from a point in time on.
    pub incremental_targets: bool,
    /// One target's current assignees can be read (refresh, conflict checks).
    pub read_assignees: bool,
    /// A target can hold several agents at once.
    pub several_assignees: bool,
    /// Several agents can be assigned in one call.
    pub assign_many_in_one_call: bool,
    /// Assigning can replace the existing agents instead of adding.
    pub replace: bool,
    /// A target can be unassigned.
    pub release: bool,
    /// An assignment can carry an expiry.
    pub expiry: bool,
    /// An assignment can carry notes.
    pub notes: bool,
    /// Agents are addressed by email rather than by id.
    pub agents_by_email: bool,
    pub read_statuses: bool,
    /// Agents can be listed by when their status last changed, so a poll reads
    /// only the agents whose status changed since the last read.
    pub status_changes_since: bool,
    /// The vendor keeps a log of every agent's statuses (the time nobody was
    /// watching included), read from a point in time on.
    pub activity_log: bool,
    pub set_statuses: bool,
    /// Whole teams can be moved to a status in one call.
    pub set_team_statuses: bool,
    /// The vendor says whether the team as a whole is online (HelpCrunch).
    pub team_online: bool,
}

impl Capabilities {
    pub(crate) const NONE: Capabilities = Capabilities {
        target_kind: None,
        list_agents: false,
        list_teams: false,
        list_targets: false,
        incremental_targets: false,
        read_assignees: false,
        several_assignees: false,
        assign_many_in_one_call: false,
        replace: false,
        release: false,
        expiry: false,
        notes: false,
        agents_by_email: false,
        read_statuses: false,
        status_changes_since: false,
        activity_log: false,
        set_statuses: false,
        set_team_statuses: false,
        team_online: false,
    };
}
