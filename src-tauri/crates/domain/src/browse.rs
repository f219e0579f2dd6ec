//! Read models for the browse views (People, Agents, Teams, Targets): rows joined
//! across tables, as the views show them. All read from the local cache only.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::agent::PersonLink;
use crate::target::Target;
use crate::{AgentId, ConnectionId, PersonId, TeamId, Timestamp, Vendor};

/// An agent as it appears under a person.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AgentRef {
    pub id: AgentId,
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub vendor: Vendor,
    pub is_demo: bool,
    pub vendor_id: String,
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
    pub link: PersonLink,
    #[ts(type = "number")]
    pub assignments: i64,
}

/// An agent with the person it belongs to, for the Agents view.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AgentRow {
    pub agent: AgentRef,
    pub person_id: PersonId,
    pub person_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PersonRow {
    pub id: PersonId,
    pub display_name: String,
    pub email: Option<String>,
    pub agents: Vec<AgentRef>,
    /// Targets assigned to any of the person's agents, on every platform.
    #[ts(type = "number")]
    pub assignments: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TeamRow {
    pub id: TeamId,
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub vendor: Vendor,
    pub vendor_id: String,
    pub name: String,
    pub parent_vendor_id: Option<String>,
    pub members: Vec<AgentId>,
}

/// An assignee as the Targets view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AssigneeRef {
    pub agent_vendor_id: String,
    pub agent_id: Option<AgentId>,
    pub name: Option<String>,
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TargetRow {
    pub target: Target,
    pub connection_name: String,
    pub vendor: Vendor,
    pub is_demo: bool,
    pub assignees: Vec<AssigneeRef>,
}

/// What the Targets view asks for.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[serde(default)]
pub struct TargetQuery {
    /// Words of a name, email, vendor id, or a phone number (from its country code).
    pub search: Option<String>,
    pub connection_id: Option<ConnectionId>,
    /// `true`: only unassigned; `false`: only assigned; absent: both.
    pub unassigned: Option<bool>,
    /// Only targets assigned to this agent.
    pub agent_id: Option<AgentId>,
    /// Only targets assigned to one of this person's agents.
    pub person_id: Option<crate::PersonId>,
    /// Last active at or after this time.
    pub active_after: Option<crate::Timestamp>,
    /// Last active before this time (or never).
    pub active_before: Option<crate::Timestamp>,
    /// With an assignment that expires by this time (Pingup's `dt_until`).
    pub expiring_before: Option<crate::Timestamp>,
    /// Only this target.
    pub target_id: Option<crate::TargetId>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TargetPage {
    pub rows: Vec<TargetRow>,
    /// How many match in all.
    #[ts(type = "number")]
    pub total: i64,
}
