//! Sending journaled operations. Each is marked `sending` (committed) just before
//! its call and finished with the vendor's answer; an unreachable vendor leaves
//! it queued. A queued change is re-checked against the vendor first where the
//! vendor can say who holds the target now: if someone else changed it since the
//! manager asked, the operation stops in `conflict` for the manager to decide.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::job::{JobState, Operation, OperationKind, OperationState, QueueCounts};
use switchboard_domain::{ConnectionId, JobId, OperationId, Timestamp, ValidationError};
use switchboard_store::{agents, assignments, jobs, operations};
use switchboard_vendors::{Adapter, HttpOptions, VendorError};

use crate::assign::{OperationResult, expected_after, id_set, strings};
use crate::{EngineError, Workspace};

/// A `sending` operation this old, not being sent by this process, was cut off
/// (a crash, a killed command) and is sent again. At start-up every one is.
pub const INTERRUPTED_AFTER: Duration = Duration::from_secs(5 * 60);

/// The operations this process is sending now, so the background sender, a
/// "send now" and a fresh assignment never send the same one twice at once.
#[derive(Debug, Default, Clone)]
pub struct InFlight(Arc<Mutex<HashSet<OperationId>>>);

impl InFlight {
    /// Takes the operation for sending until the claim is dropped; `None` when
    /// someone in this process already has it.
    pub fn claim(&self, id: OperationId) -> Option<Claim> {
        let fresh = self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
        fresh.then(|| Claim {
            set: self.clone(),
            id,
        })
    }
}

/// An operation taken for sending; given back when dropped, even when the future
/// sending it is abandoned.
#[derive(Debug)]
pub struct Claim {
    set: InFlight,
    id: OperationId,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.set
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

/// Advice for the vendor messages a manager can act on.
pub(crate) fn hint(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    let h = if m.contains("conversation not found") {
        "The customer has not written yet: once they message your WhatsApp number, assign again."
    } else if m.contains("agent inactive") {
        "The agent's access is disabled in Splashify Pro (Settings → Team): reactivate them or choose another agent."
    } else if m.contains("not found or not authorized") {
        "Pingup does not know this agent id for your business: check it in Pingup's dashboard."
    } else if m == "agent not found" {
        "The vendor no longer knows this agent: update the agent list (sync, or import them again) and choose again."
    } else if m.contains("team member not found") {
        "Vambe does not know this team member any more: sync the connection and choose again."
    } else if m.contains("changed at the vendor") {
        "Someone changed this target since you asked: apply your change anyway, or drop it."
    } else {
        return None;
    };
    Some(h.to_owned())
}

/// A job's state from its operations' states.
pub(crate) fn job_state(states: &[OperationState]) -> JobState {
    let count = |s: OperationState| states.iter().filter(|r| **r == s).count();
    let waiting = count(OperationState::Queued)
        + count(OperationState::Sending)
        + count(OperationState::Conflict);
    if waiting > 0 {
        JobState::Queued
    } else if count(OperationState::Cancelled) == states.len() {
        JobState::Cancelled
    } else if count(OperationState::Failed) + count(OperationState::Cancelled) == states.len() {
        JobState::Failed
    } else if count(OperationState::Failed) + count(OperationState::Cancelled) > 0 {
        JobState::Partial
    } else {
        JobState::Done
    }
}

/// Sets a job's state from its operations' and returns it.
pub(crate) fn settle(db: &rusqlite::Connection, job: JobId) -> switchboard_store::Result<JobState> {
    let states: Vec<OperationState> = operations::list_by_job(db, job)?
        .into_iter()
        .map(|o| o.state)
        .collect();
    let state = job_state(&states);
    jobs::set_state(db, job, state, Timestamp::now())?;
    Ok(state)
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

/// How one send ended.
struct Sent {
    state: OperationState,
    code: Option<String>,
    message: Option<String>,
}

impl Sent {
    fn result(self, op: &Operation) -> OperationResult {
        OperationResult {
            operation_id: op.id,
            agent_names: op.agent_names.clone(),
            state: self.state,
            hint: self.message.as_deref().and_then(hint),
            error_code: self.code,
            message: self.message,
        }
    }
}

fn names_of(db: &rusqlite::Connection, op: &Operation, ids: &BTreeSet<String>) -> String {
    if ids.is_empty() {
        return "nobody".into();
    }
    ids.iter()
        .map(|id| {
            agents::find_by_vendor_id(db, op.connection_id, id)
                .ok()
                .flatten()
                .map(|a| a.name)
                .unwrap_or_else(|| id.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Workspace {
    /// Sends operations this process has claimed, in order, and releases them.
    /// With `recheck`, queued ones are first re-checked against the vendor (not
    /// for changes the manager has just made: they were checked against what
    /// the manager saw).
    pub(crate) async fn send_claimed(
        &self,
        claimed: Vec<(Operation, Claim)>,
        recheck: bool,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let (ops, _claims): (Vec<Operation>, Vec<Claim>) = claimed.into_iter().unzip();
        let mut results = Vec::new();
        let mut adapters: HashMap<ConnectionId, Adapter> = HashMap::new();
        let mut unreachable: HashSet<ConnectionId> = HashSet::new();
        let mut failure = None;
        for op in &ops {
            if failure.is_some() || unreachable.contains(&op.connection_id) {
                // Left queued: the vendor did not answer the previous one.
                results.push(OperationResult {
                    operation_id: op.id,
                    agent_names: op.agent_names.clone(),
                    state: op.state,
                    error_code: Some("unreachable".into()),
                    message: Some("waiting: the vendor did not answer".into()),
                    hint: None,
                });
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) =
                adapters.entry(op.connection_id)
            {
                match self.adapter(op.connection_id, HttpOptions::default()).await {
                    Ok((_, adapter)) => {
                        slot.insert(adapter);
                    }
                    Err(e) => {
                        // No key or no connection: the change waits, and says why.
                        results.push(OperationResult {
                            operation_id: op.id,
                            agent_names: op.agent_names.clone(),
                            state: op.state,
                            error_code: serde_json::to_value(e.code())
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned)),
                            message: Some(e.to_string()),
                            hint: None,
                        });
                        continue;
                    }
                }
            }
            let sent = self.send(&adapters[&op.connection_id], op, recheck).await;
            match sent {
                Ok(sent) => {
                    if sent.state == OperationState::Queued {
                        unreachable.insert(op.connection_id);
                    }
                    results.push(sent.result(op));
                }
                Err(e) => failure = Some(e),
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(results),
        }
    }

    /// Sends one journaled operation. A queued one is first re-checked where the
    /// vendor can read the target; then it is marked sending (committed before
    /// the call), sent, and finished with the answer; a done change also updates
    /// the cache. Unreachable vendors leave it queued.
    async fn send(
        &self,
        adapter: &Adapter,
        op: &Operation,
        recheck: bool,
    ) -> Result<Sent, EngineError> {
        let caps = adapter.capabilities();
        if recheck
            && op.state == OperationState::Queued
            && caps.read_assignees
            && let (Some(target), Some(before)) = (&op.target_vendor_id, &op.before)
            && let Some(sent) = self.check_conflict(adapter, op, target, before).await?
        {
            return Ok(sent);
        }
        let id = op.id;
        self.on_store(move |store| {
            Ok(store.write(|db| operations::mark_sending(db, id, Timestamp::now()))?)
        })
        .await?;
        let target = op.target_vendor_id.clone().unwrap_or_default();
        let req = &op.request;
        let vendor_agents = strings(req.get("agents"));
        let until = req["until"].as_i64().map(Timestamp);
        let notes = req["notes"].as_str().map(str::to_owned);
        let replace = req["replace"].as_bool().unwrap_or(false);
        let answer: Result<Option<serde_json::Value>, VendorError> = match op.kind {
            OperationKind::Assign => adapter
                .assign(&target, &vendor_agents, until, notes.as_deref(), replace)
                .await
                .map(|()| None),
            OperationKind::Release => adapter.release(&target).await.map(|()| None),
            OperationKind::SetStatus => self.send_status(adapter, op).await.map(Some),
        };
        let response = answer.as_ref().ok().cloned().flatten();
        let sent = match &answer {
            // A status change says how many agents changed and how many the
            // vendor kept (with its reasons).
            Ok(_) => {
                let (code, message) = crate::statuses::summary(response.as_ref()).unzip();
                Sent {
                    state: OperationState::Done,
                    code,
                    message,
                }
            }
            // Unreachable: the change waits in the queue rather than failing.
            Err(e) if e.is_unreachable() => Sent {
                state: OperationState::Queued,
                code: Some("unreachable".to_owned()),
                message: Some(e.to_string()),
            },
            Err(e) => Sent {
                state: OperationState::Failed,
                code: Some(vendor_code(e).to_owned()),
                message: Some(vendor_message(e)),
            },
        };
        let several = caps.several_assignees && !replace;
        let (op, state, c, m) = (
            op.clone(),
            sent.state,
            sent.code.clone(),
            sent.message.clone(),
        );
        self.on_store(move |store| {
            Ok(store.write(|db| {
                operations::finish(
                    db,
                    op.id,
                    state,
                    response.as_ref(),
                    c.as_deref().zip(m.as_deref()),
                    Timestamp::now(),
                )?;
                if op.kind == OperationKind::SetStatus {
                    if let Some(results) =
                        response.as_ref().filter(|_| state == OperationState::Done)
                    {
                        crate::statuses::record_changes(
                            db,
                            op.connection_id,
                            &op.request,
                            results,
                        )?;
                    }
                    return Ok(());
                }
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
                if targets_exists(db, target_id)? {
                    match op.kind {
                        OperationKind::Release => {
                            assignments::replace_for_target(db, target_id, &[])?
                        }
                        _ if several => rows.iter().try_for_each(|r| assignments::upsert(db, r))?,
                        _ => assignments::replace_for_target(db, target_id, &rows)?,
                    }
                }
                Ok(())
            })?)
        })
        .await?;
        Ok(sent)
    }

    /// Re-reads the target; `Some` when the operation must not be sent now
    /// (changed behind the manager's back, gone, or unreachable).
    async fn check_conflict(
        &self,
        adapter: &Adapter,
        op: &Operation,
        target: &str,
        before: &serde_json::Value,
    ) -> Result<Option<Sent>, EngineError> {
        let before = id_set(Some(before));
        let after = expected_after(op.kind, &op.request, &before, adapter.capabilities());
        let (state, code, message, response) = match adapter.target(target).await {
            Err(e) if e.is_unreachable() => {
                return Ok(Some(Sent {
                    state: OperationState::Queued,
                    code: Some("unreachable".into()),
                    message: Some(e.to_string()),
                }));
            }
            // Reading failed for another reason: the send will say more.
            Err(_) => return Ok(None),
            Ok(None) => (
                OperationState::Failed,
                "not_found".to_owned(),
                format!("{} no longer has this {}", adapter.vendor(), target),
                None,
            ),
            Ok(Some(remote)) => {
                let now: BTreeSet<String> = remote
                    .assignees
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| a.agent_vendor_id)
                    .collect();
                if now == before || now == after {
                    return Ok(None);
                }
                let store = self.store().clone();
                let (o, b, n) = (op.clone(), before.clone(), now.clone());
                let words = tokio::task::spawn_blocking(move || {
                    store
                        .read(|db| Ok((names_of(db, &o, &b), names_of(db, &o, &n))))
                        .unwrap_or_default()
                })
                .await?;
                (
                    OperationState::Conflict,
                    "conflict".to_owned(),
                    format!(
                        "Assignees changed at the vendor since you asked: then {}, now {}.",
                        words.0, words.1
                    ),
                    Some(json!({"current": now})),
                )
            }
        };
        let (id, job, c, m) = (op.id, op.job_id, code.clone(), message.clone());
        self.on_store(move |store| {
            Ok(store.write(|db| {
                operations::finish(
                    db,
                    id,
                    state,
                    response.as_ref(),
                    Some((&c, &m)),
                    Timestamp::now(),
                )?;
                settle(db, job)?;
                Ok(())
            })?)
        })
        .await?;
        Ok(Some(Sent {
            state,
            code: Some(code),
            message: Some(message),
        }))
    }

    /// Sets a job's state from its operations' and returns it.
    pub(crate) async fn settle_job(&self, job: JobId) -> Result<JobState, EngineError> {
        self.on_store(move |store| Ok(store.write(|db| settle(db, job))?))
            .await
    }

    /// Sends every change that waits: queued ones (their vendor was unreachable;
    /// each re-checked first where the vendor can say), and ones found `sending`
    /// that no one is sending (Switchboard or a command stopped during the call;
    /// every vendor's assign call is idempotent, so sending again cannot apply
    /// anything twice) last touched before `interrupted_before`. Connections that
    /// still cannot be reached keep theirs queued.
    pub async fn send_queued(
        &self,
        interrupted_before: Timestamp,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let waiting = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let mut all: Vec<Operation> =
                        operations::list_in_state(db, OperationState::Sending)?
                            .into_iter()
                            .filter(|o| o.updated_at <= interrupted_before)
                            .collect();
                    all.extend(operations::list_in_state(db, OperationState::Queued)?);
                    all.sort_by_key(|o| o.id);
                    Ok(all)
                })?)
            })
            .await?;
        // A change past its "send by" time (statuses go stale) is dropped, and
        // says so, rather than sent late.
        let now = Timestamp::now();
        let (expired, waiting): (Vec<Operation>, Vec<Operation>) =
            waiting.into_iter().partition(|o| {
                o.state == OperationState::Queued && o.not_after.is_some_and(|t| t <= now)
            });
        let mut dropped = Vec::new();
        for op in expired {
            let Some(_claim) = self.in_flight.claim(op.id) else {
                continue;
            };
            let (id, job) = (op.id, op.job_id);
            self.on_store(move |store| {
                Ok(store.write(|db| {
                    operations::finish(
                        db,
                        id,
                        OperationState::Cancelled,
                        None,
                        Some((
                            "expired",
                            "not sent in the time allowed (statuses go stale), so dropped",
                        )),
                        Timestamp::now(),
                    )?;
                    settle(db, job)
                })?)
            })
            .await?;
            dropped.push(OperationResult {
                operation_id: op.id,
                agent_names: op.agent_names.clone(),
                state: OperationState::Cancelled,
                error_code: Some("expired".into()),
                message: Some(
                    "not sent in the time allowed (statuses go stale), so dropped".into(),
                ),
                hint: None,
            });
        }
        let claimed: Vec<(Operation, Claim)> = waiting
            .into_iter()
            .filter_map(|o| self.in_flight.claim(o.id).map(|c| (o, c)))
            .collect();
        let mut job_ids: Vec<JobId> = Vec::new();
        for (op, _) in &claimed {
            if !job_ids.contains(&op.job_id) {
                job_ids.push(op.job_id);
            }
        }
        let mut results = self.send_claimed(claimed, true).await?;
        for job in job_ids {
            self.settle_job(job).await?;
        }
        results.extend(dropped);
        Ok(results)
    }

    /// One operation and the cached agents it was for.
    pub async fn operation(
        &self,
        id: OperationId,
    ) -> Result<(Operation, Vec<switchboard_domain::AgentId>), EngineError> {
        self.on_store(move |store| {
            Ok(store.read(|db| Ok((operations::get(db, id)?, operations::agents_of(db, id)?)))?)
        })
        .await
    }

    /// How many changes wait.
    pub async fn queue_counts(&self) -> Result<QueueCounts, EngineError> {
        self.on_store(|store| Ok(store.read(operations::queue_counts)?))
            .await
    }

    /// Cancels a change that waits (queued, or stopped in conflict).
    pub async fn cancel_operation(&self, id: OperationId) -> Result<OperationState, EngineError> {
        let Some(_claim) = self.in_flight.claim(id) else {
            return Err(being_sent());
        };
        let result = self
            .on_store(move |store| {
                Ok(store.write(|db| {
                    let op = operations::get(db, id)?;
                    Ok(match op.state {
                        OperationState::Queued | OperationState::Conflict => {
                            operations::finish(
                                db,
                                id,
                                OperationState::Cancelled,
                                op.response.as_ref(),
                                Some(("cancelled", "cancelled by the manager")),
                                Timestamp::now(),
                            )?;
                            settle(db, op.job_id)?;
                            Ok(OperationState::Cancelled)
                        }
                        other => Err(other),
                    })
                })?)
            })
            .await;
        match result? {
            Ok(state) => Ok(state),
            Err(OperationState::Sending) => Err(being_sent()),
            Err(state) => Err(ValidationError::new(
                "operation",
                format!("this change is {state}; only waiting changes can be cancelled"),
            )
            .into()),
        }
    }

    /// Sends a waiting or failed change again now. A change in conflict is sent
    /// with `apply_anyway`: the assignees now at the vendor become its "before".
    pub async fn retry_operation(
        &self,
        id: OperationId,
        apply_anyway: bool,
    ) -> Result<OperationResult, EngineError> {
        let Some(claim) = self.in_flight.claim(id) else {
            return Err(being_sent());
        };
        let prepared = self
            .on_store(move |store| {
                Ok(store.write(|db| {
                    let op = operations::get(db, id)?;
                    let before = match op.state {
                        OperationState::Conflict if apply_anyway => {
                            op.response.as_ref().and_then(|r| r.get("current")).cloned()
                        }
                        OperationState::Conflict => {
                            return Ok(Err(
                                "this change conflicts: apply it anyway, or cancel it".to_owned()
                            ));
                        }
                        OperationState::Queued | OperationState::Failed => None,
                        other => {
                            return Ok(Err(format!(
                                "this change is {other}; only waiting or failed changes can be sent again"
                            )));
                        }
                    };
                    operations::requeue(db, id, before.as_ref(), Timestamp::now())?;
                    settle(db, op.job_id)?;
                    Ok(Ok(operations::get(db, id)?))
                })?)
            })
            .await;
        let op = match prepared? {
            Ok(op) => op,
            Err(message) => return Err(ValidationError::new("operation", message).into()),
        };
        let job = op.job_id;
        let mut results = self.send_claimed(vec![(op, claim)], true).await?;
        self.settle_job(job).await?;
        results
            .pop()
            .ok_or_else(|| EngineError::Internal("the change was not sent".into()))
    }

    /// Sends waiting changes every `every` while `keep_going` says so, calling
    /// `sent` after each round that sent anything. Rounds with nothing queued
    /// cost one small query.
    pub async fn run_sender(
        &self,
        every: Duration,
        keep_going: impl Fn() -> bool,
        sent: impl Fn(&[OperationResult]),
    ) {
        while keep_going() {
            tokio::time::sleep(every).await;
            let _ = self.flush_calls().await;
            let waiting = self.queue_counts().await.unwrap_or_default();
            if waiting.queued + waiting.sending == 0 {
                continue;
            }
            let cutoff = Timestamp(Timestamp::now().0 - INTERRUPTED_AFTER.as_millis() as i64);
            match self.send_queued(cutoff).await {
                Ok(results) if !results.is_empty() => sent(&results),
                Ok(_) => {}
                Err(e) => tracing::warn!("sending queued changes: {e}"),
            }
        }
    }
}

fn being_sent() -> EngineError {
    ValidationError::new(
        "operation",
        "this change is being sent right now; wait for its result",
    )
    .into()
}

fn targets_exists(
    db: &rusqlite::Connection,
    id: switchboard_domain::TargetId,
) -> switchboard_store::Result<bool> {
    match switchboard_store::targets::get(db, id) {
        Ok(_) => Ok(true),
        Err(switchboard_store::StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
