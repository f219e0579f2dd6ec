//! Assigning agents to a target, journaled. Every change is an operation in a job,
//! written as queued before anything is sent, marked sending (and committed) just
//! before the call, and finished with the vendor's answer. A change that cannot
//! reach its vendor goes back to the queue instead of failing.

use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::job::{Job, JobKind, JobState, Operation, OperationKind, OperationState};
use switchboard_domain::{AgentId, JobId, OperationId, TargetId, Timestamp, ValidationError};
use switchboard_store::{agents, assignments, connections, jobs, operations, targets};
use switchboard_vendors::{Adapter, HttpOptions, VendorError};
use ts_rs::TS;

use crate::{EngineError, Workspace};

/// The longest notes Switchboard sends with an assignment.
pub const NOTES_MAX: usize = 2_000;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AssignRequest {
    pub target_id: TargetId,
    pub agents: Vec<AgentId>,
    /// Pingup: when the assignment expires; none means Pingup's default, 2143-06-23.
    #[serde(default)]
    pub until: Option<Timestamp>,
    /// Pingup: notes sent with the assignment.
    #[serde(default)]
    pub notes: Option<String>,
    /// Vambe: make these the contact's only agents instead of adding them.
    #[serde(default)]
    pub replace: bool,
}

/// How one operation of a job ended (or why it waits).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct OperationResult {
    pub operation_id: OperationId,
    pub agent_names: Vec<String>,
    pub state: OperationState,
    pub error_code: Option<String>,
    /// The vendor's own words on failure.
    pub message: Option<String>,
    /// What the manager can do about it, where we know.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobOutcome {
    pub job_id: JobId,
    pub state: JobState,
    pub results: Vec<OperationResult>,
}

/// Advice for the vendor messages a manager can act on.
fn hint(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    let h = if m.contains("conversation not found") {
        "The customer has not written yet: once they message your WhatsApp number, assign again."
    } else if m.contains("agent inactive") {
        "The agent's access is disabled in Splashify Pro (Settings → Team): reactivate them or choose another agent."
    } else if m.contains("not found or not authorized") {
        "Pingup does not know this agent id for your business: check it in Pingup's dashboard."
    } else if m.contains("team member not found") {
        "Vambe does not know this team member any more: sync the connection and choose again."
    } else {
        return None;
    };
    Some(h.to_owned())
}

struct Planned {
    operation: Operation,
    agent_names: Vec<String>,
}

impl Workspace {
    /// Validates the request, journals it, sends it, and reports each operation.
    pub async fn assign(&self, request: AssignRequest) -> Result<JobOutcome, EngineError> {
        let store = self.store().clone();
        let origin = self.origin;
        let req = request.clone();
        // Check everything before anything enters the journal.
        let (connection, planned, job) = tokio::task::spawn_blocking(move || -> Result<_, EngineError> {
            let target = store.read(|db| targets::get(db, req.target_id))?;
            let connection = store.read(|db| connections::get(db, target.connection_id))?;
            let caps = switchboard_vendors::capabilities(connection.vendor);
            if req.agents.is_empty() {
                return Err(ValidationError::new("agents", "choose at least one agent").into());
            }
            let mut chosen = Vec::new();
            for id in &req.agents {
                let agent = store.read(|db| agents::get(db, *id))?;
                if agent.connection_id != connection.id {
                    return Err(ValidationError::new("agents", format!("{} is not an agent of {}", agent.name, connection.display_name)).into());
                }
                if !agent.active {
                    return Err(ValidationError::new("agents", format!("{} is inactive on {}", agent.name, connection.vendor)).into());
                }
                if !chosen.iter().any(|a: &switchboard_domain::agent::Agent| a.id == agent.id) {
                    chosen.push(agent);
                }
            }
            if let Some(until) = req.until {
                if !caps.expiry {
                    return Err(ValidationError::new("until", format!("{} assignments have no expiry", connection.vendor)).into());
                }
                if until <= Timestamp::now() {
                    return Err(ValidationError::new("until", "the expiry is in the past; choose a later date or none").into());
                }
            }
            if let Some(notes) = &req.notes {
                if !caps.notes {
                    return Err(ValidationError::new("notes", format!("{} assignments have no notes", connection.vendor)).into());
                }
                if notes.chars().count() > NOTES_MAX {
                    return Err(ValidationError::new("notes", format!("use at most {NOTES_MAX} characters")).into());
                }
            }
            if req.replace && !caps.replace {
                return Err(ValidationError::new("replace", format!("{} cannot replace agents", connection.vendor)).into());
            }
            if !caps.several_assignees && chosen.len() > 1 {
                return Err(ValidationError::new("agents", format!("a {} target holds one agent; choose one", connection.vendor)).into());
            }
            let before: Vec<String> = store.read(|db| assignments::list_by_target(db, target.id))?.into_iter().map(|a| a.agent_vendor_id).collect();
            let now = Timestamp::now();
            let label = target.name.clone().or(target.phone.clone()).unwrap_or_else(|| target.vendor_id.clone());
            let names: Vec<String> = chosen.iter().map(|a| a.name.clone()).collect();
            let job = Job {
                id: JobId::new(),
                kind: JobKind::Assign,
                title: format!("Assign {} to {label}", names.join(", ")),
                state: JobState::Running,
                origin,
                created_at: now,
                updated_at: now,
                finished_at: None,
            };
            // Pingup takes everyone in one call; the others one call per agent.
            let groups: Vec<Vec<&switchboard_domain::agent::Agent>> =
                if caps.assign_many_in_one_call { vec![chosen.iter().collect()] } else { chosen.iter().map(|a| vec![a]).collect() };
            let planned: Vec<Planned> = groups
                .into_iter()
                .enumerate()
                .map(|(i, group)| {
                    let vendor_agents: Vec<String> = group.iter().map(|a| a.vendor_id.clone()).collect();
                    // Replacing: the first call replaces, the rest add.
                    let replace = req.replace && i == 0;
                    Planned {
                        operation: Operation {
                            id: OperationId(0),
                            job_id: job.id,
                            connection_id: connection.id,
                            kind: OperationKind::Assign,
                            target_id: Some(target.id),
                            target_vendor_id: Some(target.vendor_id.clone()),
                            target_label: Some(label.clone()),
                            request: json!({"agents": vendor_agents, "until": req.until, "notes": req.notes, "replace": replace}),
                            before: Some(json!(before)),
                            state: OperationState::Queued,
                            attempts: 0,
                            response: None,
                            error_code: None,
                            error_message: None,
                            not_after: None,
                            created_at: now,
                            updated_at: now,
                            finished_at: None,
                        },
                        agent_names: group.iter().map(|a| a.name.clone()).collect(),
                    }
                })
                .collect();
            // The job and all its operations are written before anything is sent.
            let planned = store.write(|db| {
                jobs::insert(db, &job)?;
                planned
                    .into_iter()
                    .map(|mut p| {
                        p.operation.id = operations::insert(db, &p.operation)?;
                        Ok(p)
                    })
                    .collect::<switchboard_store::Result<Vec<_>>>()
            })?;
            Ok((connection, planned, job))
        })
        .await??;

        let (_, adapter) = self.adapter(connection.id, HttpOptions::default()).await?;
        let mut results = Vec::new();
        for p in planned {
            let (state, code, message) = self.send(&adapter, &p.operation).await?;
            results.push(OperationResult {
                operation_id: p.operation.id,
                agent_names: p.agent_names,
                state,
                hint: message.as_deref().and_then(hint),
                error_code: code,
                message,
            });
        }
        let state = self.settle_job(job.id).await?;
        Ok(JobOutcome {
            job_id: job.id,
            state,
            results,
        })
    }

    /// Sends one journaled operation: marks it sending (committed before the call),
    /// calls the vendor, and records the answer; a done change is also written to
    /// the cache. Unreachable vendors leave it queued.
    async fn send(
        &self,
        adapter: &Adapter,
        op: &Operation,
    ) -> Result<(OperationState, Option<String>, Option<String>), EngineError> {
        let id = op.id;
        let store = self.store().clone();
        tokio::task::spawn_blocking(move || {
            store.write(|db| operations::mark_sending(db, id, Timestamp::now()))
        })
        .await??;
        let target = op.target_vendor_id.clone().unwrap_or_default();
        let req = &op.request;
        let vendor_agents: Vec<String> = req["agents"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let until = req["until"].as_i64().map(Timestamp);
        let notes = req["notes"].as_str().map(str::to_owned);
        let replace = req["replace"].as_bool().unwrap_or(false);
        let sent = match op.kind {
            OperationKind::Assign => {
                adapter
                    .assign(&target, &vendor_agents, until, notes.as_deref(), replace)
                    .await
            }
            OperationKind::Release => adapter.release(&target).await,
            OperationKind::SetStatus => Err(VendorError::invalid(
                "kind",
                "status changes are not sent from here",
            )),
        };
        let (state, code, message) = match &sent {
            Ok(()) => (OperationState::Done, None, None),
            // Unreachable: the change waits in the queue rather than failing.
            Err(e) if e.is_unreachable() => (
                OperationState::Queued,
                Some("unreachable".to_owned()),
                Some(e.to_string()),
            ),
            Err(e) => (
                OperationState::Failed,
                Some(vendor_code(e).to_owned()),
                Some(vendor_message(e)),
            ),
        };
        let several = adapter.capabilities().several_assignees && !replace;
        let (store, op, c, m) = (
            self.store().clone(),
            op.clone(),
            code.clone(),
            message.clone(),
        );
        tokio::task::spawn_blocking(move || {
            store.write(|db| {
                operations::finish(
                    db,
                    op.id,
                    state,
                    None,
                    c.as_deref().zip(m.as_deref()),
                    Timestamp::now(),
                )?;
                let Some(target_id) = op.target_id.filter(|_| state == OperationState::Done) else {
                    return Ok(());
                };
                // The cache shows what the vendor now holds.
                let now = Timestamp::now();
                let mut rows = Vec::new();
                for vendor_id in &vendor_agents {
                    rows.push(Assignment {
                        target_id,
                        agent_vendor_id: vendor_id.clone(),
                        agent_id: agents::find_by_vendor_id(db, op.connection_id, vendor_id)?
                            .map(|a| a.id),
                        until,
                        notes: notes.clone(),
                        source: AssignmentSource::App,
                        observed_at: now,
                    });
                }
                match op.kind {
                    OperationKind::Release => assignments::replace_for_target(db, target_id, &[])?,
                    _ if several => rows.iter().try_for_each(|r| assignments::upsert(db, r))?,
                    _ => assignments::replace_for_target(db, target_id, &rows)?,
                }
                Ok(())
            })
        })
        .await??;
        Ok((state, code, message))
    }

    /// Sets a job's state from its operations' and returns it.
    async fn settle_job(&self, job: JobId) -> Result<JobState, EngineError> {
        let store = self.store().clone();
        Ok(tokio::task::spawn_blocking(move || {
            store.write(|db| {
                let states: Vec<OperationState> = operations::list_by_job(db, job)?
                    .into_iter()
                    .map(|o| o.state)
                    .collect();
                let state = job_state(&states);
                jobs::set_state(db, job, state, Timestamp::now())?;
                Ok(state)
            })
        })
        .await??)
    }

    /// Sends every change that waits: queued ones (their vendor was unreachable)
    /// and ones found `sending` (Switchboard stopped during the call; the vendors'
    /// assign calls are idempotent, so sending again cannot apply anything twice).
    /// Connections that still cannot be reached keep theirs queued.
    pub async fn send_queued(&self) -> Result<Vec<OperationResult>, EngineError> {
        let store = self.store().clone();
        let waiting = tokio::task::spawn_blocking(move || {
            store.read(|db| {
                let mut all = operations::list_in_state(db, OperationState::Sending)?;
                all.extend(operations::list_in_state(db, OperationState::Queued)?);
                all.sort_by_key(|o| o.id);
                Ok(all)
            })
        })
        .await??;
        let mut results = Vec::new();
        let mut jobs_touched = Vec::new();
        let mut adapters: std::collections::HashMap<switchboard_domain::ConnectionId, Adapter> =
            Default::default();
        for op in waiting {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                adapters.entry(op.connection_id)
            {
                match self.adapter(op.connection_id, HttpOptions::default()).await {
                    Ok((_, adapter)) => {
                        slot.insert(adapter);
                    }
                    // The connection is gone or has no key: leave its changes be.
                    Err(_) => continue,
                }
            }
            let (state, code, message) = self.send(&adapters[&op.connection_id], &op).await?;
            if !jobs_touched.contains(&op.job_id) {
                jobs_touched.push(op.job_id);
            }
            results.push(OperationResult {
                operation_id: op.id,
                agent_names: Vec::new(),
                state,
                hint: message.as_deref().and_then(hint),
                error_code: code,
                message,
            });
        }
        for job in jobs_touched {
            self.settle_job(job).await?;
        }
        Ok(results)
    }
}

fn job_state(states: &[OperationState]) -> JobState {
    let count = |s: OperationState| states.iter().filter(|r| **r == s).count();
    if count(OperationState::Queued) + count(OperationState::Sending) > 0 {
        JobState::Queued
    } else if count(OperationState::Failed) == states.len() {
        JobState::Failed
    } else if count(OperationState::Failed) > 0 {
        JobState::Partial
    } else {
        JobState::Done
    }
}

fn vendor_code(e: &VendorError) -> &'static str {
    match e {
        VendorError::Unauthorized { .. } | VendorError::Forbidden { .. } => "unauthorized",
        VendorError::NotFound { .. } => "not_found",
        VendorError::RateLimited { .. } => "rate_limited",
        VendorError::InvalidInput { .. } => "invalid_input",
        VendorError::Transport { .. } | VendorError::Tls { .. } | VendorError::Timeout { .. } => {
            "unreachable"
        }
        VendorError::Vendor { .. } | VendorError::Unexpected { .. } => "vendor_error",
    }
}

/// The vendor's own words, without our field prefix.
fn vendor_message(e: &VendorError) -> String {
    match e {
        VendorError::InvalidInput { message, .. } | VendorError::NotFound { message, .. } => {
            message.clone()
        }
        other => other.to_string(),
    }
}
