//! Read models for the dashboards: time in status, timelines, workload, health
//! and mismatches. All computed from SQLite only, so they work offline.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::status::StatusSource;
use crate::{AgentId, ConnectionId, PersonId, TargetId, TeamId, Timestamp, Vendor};

/// Whose statuses a chart covers.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Scope {
    Person(PersonId),
    Team(TeamId),
    Agent(AgentId),
    /// Every agent with a status.
    Everyone,
}

#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct StatusChartQuery {
    pub scope: Scope,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Bucket length: a day for time per day, an hour (or less) for the share
    /// over time.
    pub bucket_ms: i64,
}

/// Time spent in one status.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusTime {
    pub status_vendor_id: Option<String>,
    pub name: String,
    #[ts(type = "number")]
    pub ms: i64,
}

/// One bucket of time: how much of it each status took, summed over the scope's
/// agents, and how much nobody watched.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusBucket {
    pub start: Timestamp,
    pub statuses: Vec<StatusTime>,
    #[ts(type = "number")]
    pub unknown_ms: i64,
    /// How much of the known time comes from the vendor's activity log (time
    /// Switchboard did not watch itself, or where the log corrected it).
    #[ts(type = "number")]
    pub from_log_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusChart {
    pub agents: u32,
    pub buckets: Vec<StatusBucket>,
}

/// One stretch of a timeline. Between stretches, nobody watched.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Segment {
    pub start: Timestamp,
    pub end: Timestamp,
    pub status_vendor_id: Option<String>,
    pub name: String,
    /// Watched by Switchboard (`poll`, `app`, `sync`), or read from the
    /// vendor's activity log (`log`).
    pub source: StatusSource,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AgentTimeline {
    pub agent_id: AgentId,
    pub name: String,
    pub segments: Vec<Segment>,
}

/// One agent's logins and logouts on one day, from the vendor's activity log.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LoginDay {
    pub agent_id: AgentId,
    pub name: String,
    /// The day's start (the caller's days: the query's `from` plus whole days).
    pub day: Timestamp,
    pub logins: u32,
    pub logouts: u32,
    pub first_login: Option<Timestamp>,
    pub last_logout: Option<Timestamp>,
}

/// How long offered chats or calls waited to be picked up, for an agent or a team.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PickupTimes {
    /// An agent's, or a team's (`team_id` set), name.
    pub name: String,
    pub agent_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
    /// `chat` or `call`.
    pub channel: String,
    /// Offers in the range, and how many of them were picked up.
    pub offered: u32,
    pub picked_up: u32,
    /// From offered to picked up, over those picked up.
    #[ts(type = "number | null")]
    pub median_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub p90_ms: Option<i64>,
}

/// What the vendor's activity log says besides statuses, over a range.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ActivitySummary {
    /// Agents in the scope with a log at all (only they have figures).
    pub agents_with_log: u32,
    pub days: Vec<LoginDay>,
    /// Per agent, then per team, busiest first.
    pub agents: Vec<PickupTimes>,
    pub teams: Vec<PickupTimes>,
}

/// A person's open assignments on each platform, and changes still waiting.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PersonLoad {
    pub person_id: Option<PersonId>,
    pub name: String,
    pub by_vendor: Vec<(Vendor, u32)>,
    pub total: u32,
    /// Assignments queued for them, not yet at the vendor.
    pub waiting: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct UnassignedCount {
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub vendor: Vendor,
    pub targets: u32,
    pub unassigned: u32,
}

/// An assignment that ends soon (Pingup's `dt_until`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Expiring {
    pub target_id: TargetId,
    pub target_name: String,
    pub connection_name: String,
    pub agent_name: String,
    pub until: Timestamp,
}

/// How a connection has been doing lately.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionHealth {
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub vendor: Vendor,
    pub last_sync_at: Option<Timestamp>,
    pub last_sync_state: Option<String>,
    /// Calls in the window asked for, how many failed (no answer, credentials
    /// refused (401, 403), 429 or 5xx), and how long they took.
    pub calls: u32,
    pub errors: u32,
    pub p50_ms: Option<u32>,
    pub p95_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Workload {
    pub people: Vec<PersonLoad>,
    pub unassigned: Vec<UnassignedCount>,
    pub expiring: Vec<Expiring>,
    pub health: Vec<ConnectionHealth>,
}

/// Someone away on the status platform who still owns open work elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Mismatch {
    pub person_id: Option<PersonId>,
    pub name: String,
    pub status: String,
    pub since: Timestamp,
    /// The agents (elsewhere) with open targets, and how many each.
    pub owners: Vec<(AgentId, String, u32)>,
    pub open: u32,
}
