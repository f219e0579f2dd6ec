//! Agent statuses: read from the platforms that have them (CCAI Platform), kept
//! as intervals, shown on the status board, and changed for agents and whole
//! teams through the journal like every other change.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchboard_domain::browse::TeamRow;
use switchboard_domain::change::Change;
use switchboard_domain::job::{Job, JobKind, JobState, Operation, OperationKind, OperationState};
use switchboard_domain::status::{BoardAgent, PollState, TenantStatus};
use switchboard_domain::{
    AgentId, ConnectionId, JobId, OperationId, TeamId, Timestamp, ValidationError,
};
use switchboard_store::{
    agent_activity, agents, board, browse, connections, operations, status_polls, status_samples,
    tenant_statuses,
};
use switchboard_vendors::{HttpOptions, StatusOption, VendorError};
use ts_rs::TS;

use crate::journal::{OperationResult, Planned, journal};
pub use crate::status_change::AgentStatusResult;
use crate::{EngineError, Workspace};

/// Status intervals older than this are deleted (about 13 months: a year of
/// dashboards, compared with the same month last year).
pub const STATUS_HISTORY_KEPT: Duration = Duration::from_secs(400 * 24 * 3600);

/// A queued status change older than this is dropped rather than sent, unless
/// the manager chose otherwise: statuses go stale fast.
pub const DEFAULT_DROP_AFTER_MINUTES: u32 = 15;

/// Everything the status board shows, from the cache only.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusBoard {
    pub agents: Vec<BoardAgent>,
    pub teams: Vec<TeamRow>,
    pub statuses: Vec<TenantStatus>,
    pub polls: Vec<PollState>,
    pub now: Timestamp,
}

/// What one read of a connection's statuses did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PollReport {
    pub connection_id: ConnectionId,
    pub agents: u32,
    /// Agents whose status changed since the last read.
    pub changed: u32,
    pub requests: u32,
    pub took_ms: u32,
    /// Only the agents whose status changed were read; the others were
    /// vouched for by the vendor's filter.
    pub changes_only: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct SetStatusRequest {
    pub connection_id: ConnectionId,
    /// The status's id in the tenant (matched by id, never by name).
    pub status_id: String,
    #[serde(default)]
    pub agents: Vec<AgentId>,
    #[serde(default)]
    pub teams: Vec<TeamId>,
    /// If the vendor cannot be reached, drop the change after this many minutes
    /// instead of sending it late (default 15).
    #[serde(default)]
    pub drop_after_minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusOutcome {
    pub job_id: JobId,
    pub state: JobState,
    pub operation: OperationResult,
    pub agents: Vec<AgentStatusResult>,
}

/// The tenant's statuses as cached; which are offered is the vendor's rule.
pub(crate) fn tenant_list(connection: ConnectionId, list: Vec<StatusOption>) -> Vec<TenantStatus> {
    list.into_iter()
        .map(|s| TenantStatus {
            connection_id: connection,
            offered: s.offered,
            vendor_id: s.id,
            name: s.name,
            color: s.color,
            system: s.system,
        })
        .collect()
}

pub(crate) fn vendor(vendor: switchboard_domain::Vendor) -> impl Fn(VendorError) -> EngineError {
    move |source| EngineError::Vendor { vendor, source }
}

fn invalid(field: &str, message: impl Into<String>) -> EngineError {
    ValidationError::new(field, message).into()
}

impl Workspace {
    /// The board: every agent with their current status, teams, the tenants'
    /// statuses and how fresh each connection's statuses are.
    pub async fn status_board(&self) -> Result<StatusBoard, EngineError> {
        self.on_store(|store| {
            Ok(store.read(|db| {
                let polls = connections::list(db)?
                    .into_iter()
                    .filter(|c| {
                        let caps = switchboard_vendors::capabilities(c.vendor);
                        caps.read_statuses || caps.team_online
                    })
                    .map(|c| {
                        Ok(status_polls::get(db, c.id)?.unwrap_or(PollState {
                            connection_id: c.id,
                            last_ok_at: None,
                            agents: 0,
                            requests: 0,
                            took_ms: 0,
                            last_error: None,
                            last_error_at: None,
                            team_online: None,
                        }))
                    })
                    .collect::<switchboard_store::Result<Vec<_>>>()?;
                Ok(StatusBoard {
                    agents: board::agents(db)?,
                    teams: browse::teams(db, None)?,
                    statuses: tenant_statuses::list_all(db)?,
                    polls,
                    now: Timestamp::now(),
                })
            })?)
        })
        .await
    }

    /// Reads the tenant's status list from the vendor into the cache.
    pub async fn refresh_status_list(
        &self,
        connection: ConnectionId,
    ) -> Result<Vec<TenantStatus>, EngineError> {
        let (c, adapter) = self.adapter(connection, HttpOptions::default()).await?;
        let list = adapter.statuses().await.map_err(vendor(c.vendor))?;
        let list = tenant_list(connection, list);
        let saved = list.clone();
        self.on_store(move |store| {
            Ok(store
                .write(|db| tenant_statuses::replace(db, connection, &saved, Timestamp::now()))?)
        })
        .await?;
        Ok(list)
    }

    /// Deletes status intervals that ended before the kept history, and the
    /// activity log's events from then; returns how many intervals.
    pub async fn prune_status_history(&self) -> Result<usize, EngineError> {
        let before = Timestamp(Timestamp::now().0 - STATUS_HISTORY_KEPT.as_millis() as i64);
        self.on_store(move |store| {
            Ok(store.write(|db| {
                agent_activity::delete_before(db, before)?;
                status_samples::delete_before(db, before)
            })?)
        })
        .await
    }

    /// Moves agents and whole teams to a status, journaled and sent in one call;
    /// reports each agent as the vendor confirmed it.
    pub async fn set_status(
        &self,
        request: SetStatusRequest,
    ) -> Result<StatusOutcome, EngineError> {
        let connection = self
            .on_store(
                move |store| Ok(store.read(|db| connections::get(db, request.connection_id))?),
            )
            .await?;
        if !switchboard_vendors::capabilities(connection.vendor).set_statuses {
            return Err(invalid(
                "connection",
                format!("{} has no agent statuses to set", connection.vendor),
            ));
        }
        let id = connection.id;
        let mut list = self
            .on_store(move |store| Ok(store.read(|db| tenant_statuses::list(db, id))?))
            .await?;
        if !list.iter().any(|s| s.vendor_id == request.status_id) {
            // Not cached (yet): ask the vendor; offline, the cache is all we have.
            if let Ok(fresh) = self.refresh_status_list(id).await {
                list = fresh;
            }
        }
        let status = list
            .iter()
            .find(|s| s.vendor_id == request.status_id.trim())
            .cloned()
            .ok_or_else(|| {
                invalid(
                    "status",
                    format!(
                        "{} has no status with id {}; choose one of: {}",
                        connection.display_name,
                        request.status_id,
                        list.iter()
                            .filter(|s| s.offered)
                            .map(|s| format!("{} ({})", s.name, s.vendor_id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        if !status.offered {
            return Err(invalid(
                "status",
                format!(
                    "{}; choose Available or a custom status",
                    status.why_not_offered()
                ),
            ));
        }
        let drop_after = request
            .drop_after_minutes
            .unwrap_or(DEFAULT_DROP_AFTER_MINUTES);
        if !(1..=24 * 60).contains(&drop_after) {
            return Err(invalid(
                "drop_after_minutes",
                "choose between 1 minute and 24 hours (1440 minutes)",
            ));
        }
        if request.agents.is_empty() && request.teams.is_empty() {
            return Err(invalid("agents", "choose at least one agent or team"));
        }
        let origin = self.origin;
        let owner = self.owner.clone();
        let (ops, job) = self
            .on_store(move |store| {
                let (chosen, teams, members) = store.read(|db| {
                    let mut chosen = Vec::new();
                    for a in &request.agents {
                        chosen.push(agents::get(db, *a)?);
                    }
                    let mut teams = Vec::new();
                    let mut members = Vec::new();
                    for t in &request.teams {
                        let team = switchboard_store::teams::get(db, *t)?;
                        members.extend(switchboard_store::teams::list_members(db, *t)?);
                        teams.push(team);
                    }
                    Ok((chosen, teams, members))
                })?;
                if let Some(a) = chosen.iter().find(|a| a.connection_id != connection.id) {
                    return Err(invalid(
                        "agents",
                        format!("{} is not an agent of {}", a.name, connection.display_name),
                    ));
                }
                if let Some(t) = teams.iter().find(|t| t.connection_id != connection.id) {
                    return Err(invalid(
                        "teams",
                        format!("{} is not a team of {}", t.name, connection.display_name),
                    ));
                }
                let now = Timestamp::now();
                let mut names: Vec<String> = teams.iter().map(|t| t.name.clone()).collect();
                names.extend(chosen.iter().map(|a| a.name.clone()));
                let label = names.join(", ");
                let job = Job {
                    id: JobId::new(),
                    kind: JobKind::SetStatus,
                    title: format!("Set {} for {label}", status.name),
                    state: JobState::Running,
                    origin,
                    created_at: now,
                    updated_at: now,
                    finished_at: None,
                    paused_at: None,
                };
                let mut agent_ids: Vec<AgentId> = chosen.iter().map(|a| a.id).collect();
                for m in members {
                    if !agent_ids.contains(&m) {
                        agent_ids.push(m);
                    }
                }
                let before: Value = store.read(|db| {
                    let mut map = serde_json::Map::new();
                    for a in &agent_ids {
                        if let Some(s) =
                            status_samples::latest(db, *a)?.filter(|s| s.ended_at.is_none())
                        {
                            map.insert(a.0.to_string(), json!(s.status_name));
                        }
                    }
                    Ok(Value::Object(map))
                })?;
                let operation = Operation {
                    id: OperationId(0),
                    job_id: job.id,
                    connection_id: connection.id,
                    kind: OperationKind::SetStatus,
                    target_id: None,
                    target_vendor_id: None,
                    // A status change's subject is the status: History shows
                    // "Set status Training" for the agents and teams, and a
                    // search for "Training" finds it.
                    target_label: Some(status.name.clone()),
                    agent_names: chosen
                        .iter()
                        .map(|a| a.name.clone())
                        .chain(teams.iter().map(|t| format!("team {}", t.name)))
                        .collect(),
                    request: Change::SetStatus {
                        status_id: status.vendor_id.clone(),
                        status_name: status.name.clone(),
                        agents: chosen.iter().map(|a| a.vendor_id.clone()).collect(),
                        teams: teams.iter().map(|t| t.vendor_id.clone()).collect(),
                    },
                    before: Some(before),
                    state: OperationState::Queued,
                    attempts: 0,
                    response: None,
                    error_code: None,
                    error_message: None,
                    not_after: Some(Timestamp(now.0 + i64::from(drop_after) * 60_000)),
                    next_attempt_at: None,
                    created_at: now,
                    updated_at: now,
                    finished_at: None,
                };
                let ops = journal(
                    store,
                    &job,
                    vec![Planned {
                        operation,
                        agent_ids,
                    }],
                    None,
                    &owner,
                )?;
                Ok((ops, job))
            })
            .await?;
        let mut results = self.send_fresh(ops, job.id).await?;
        let state = self.settle_job(job.id).await?;
        let operation = results
            .pop()
            .ok_or_else(|| EngineError::Internal("the status change was not sent".into()))?;
        let op_id = operation.operation_id;
        let agents = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let op = operations::get(db, op_id)?;
                    let list: Vec<AgentStatusResult> = op
                        .response
                        .and_then(|r| serde_json::from_value(r).ok())
                        .unwrap_or_default();
                    Ok(list)
                })?)
            })
            .await?;
        Ok(StatusOutcome {
            job_id: job.id,
            state,
            operation,
            agents,
        })
    }
}
