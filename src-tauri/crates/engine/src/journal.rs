//! Sending journaled operations. Each is taken for sending by a compare-and-set
//! in SQLite (`sending`, with this process as its owner and a lease), committed
//! before its call, and finished with the vendor's answer by its owner only; so
//! the window, any number of commands and cron never send one operation twice,
//! and a job's operations go out in order. An operation whose owner ended (a
//! crash, a killed command) or whose lease lapsed is taken over and sent again:
//! every vendor's assign call is idempotent.
//!
//! A queued change is re-checked against the vendor first where the vendor can
//! say who holds the target now: if someone else changed it since the manager
//! asked, the operation stops in `conflict` for the manager to decide. What an
//! answer means (done, failed, waiting, unknown) is `outcome.rs`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use serde_json::json;
use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::change::Change;
use switchboard_domain::job::{JobState, Operation, OperationKind, OperationState, QueueCounts};
use switchboard_domain::{ConnectionId, JobId, OperationId, Timestamp, ValidationError};
use switchboard_store::operations::Outcome;
use switchboard_store::{StoreError, agents, assignments, jobs, operations};
use switchboard_vendors::{Adapter, HttpOptions, VendorError};

use crate::assign::{OperationResult, id_set};
use crate::claims::SEND_LIMIT;
use crate::outcome::{self, Sent, hint};
use crate::{EngineError, Workspace};

/// A job's state from its operations' states.
pub(crate) fn job_state(states: &[OperationState]) -> JobState {
    let count = |s: OperationState| states.iter().filter(|r| **r == s).count();
    let waiting = count(OperationState::Queued)
        + count(OperationState::Sending)
        + count(OperationState::Conflict)
        + count(OperationState::Unknown);
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

fn result_of(op: &Operation, sent: Sent) -> OperationResult {
    OperationResult {
        operation_id: op.id,
        agent_names: op.agent_names.clone(),
        state: sent.state,
        hint: sent.message.as_deref().and_then(hint),
        error_code: sent.code,
        message: sent.message,
    }
}

/// A result for an operation left as it is, and why.
fn left(op: &Operation, state: OperationState, code: &str, message: &str) -> OperationResult {
    OperationResult {
        operation_id: op.id,
        agent_names: op.agent_names.clone(),
        state,
        error_code: Some(code.into()),
        message: Some(message.into()),
        hint: None,
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

/// The database refused to record what a vendor already did: say so, and that
/// nothing is lost.
fn not_recorded(e: EngineError, vendor: switchboard_domain::Vendor) -> EngineError {
    EngineError::Unrecorded(format!(
        "{vendor} received the change, but Switchboard could not record its answer ({e}). \
         Nothing is lost: the change stays 'sending', and the next `switchboard queue send` \
         (or the app) sends it again, which the vendor takes once, and records it"
    ))
}

impl Workspace {
    /// Sends these journaled operations, in order: each is claimed first (and
    /// left alone when another Switchboard has it, or an earlier change of its
    /// job still waits). With `recheck`, a queued one is first re-checked
    /// against the vendor (not changes the manager has just made: they were
    /// checked against what the manager saw).
    pub(crate) async fn send_ops(
        &self,
        ops: Vec<Operation>,
        recheck: bool,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let mut results = Vec::new();
        let mut adapters: HashMap<ConnectionId, Adapter> = HashMap::new();
        // Connections that did not answer, or asked us to wait: the rest of
        // theirs wait too. Jobs with a change still waiting: their later ones wait.
        let mut held: HashSet<ConnectionId> = HashSet::new();
        let mut blocked: HashSet<JobId> = HashSet::new();
        for (index, op) in ops.iter().enumerate() {
            if held.contains(&op.connection_id) || blocked.contains(&op.job_id) {
                blocked.insert(op.job_id);
                results.push(left(
                    op,
                    op.state,
                    "waiting",
                    "waiting: an earlier change to the same vendor or of the same request has not gone out yet",
                ));
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
                        // No keychain, no key, no connection: its changes wait and say why.
                        let waiting: Vec<OperationId> = ops[index..]
                            .iter()
                            .filter(|o| o.connection_id == op.connection_id)
                            .map(|o| o.id)
                            .collect();
                        self.note_waiting(waiting, e.code_str(), e.to_string())
                            .await?;
                        if matches!(e, EngineError::Keychain(_)) {
                            return Err(e);
                        }
                        held.insert(op.connection_id);
                        blocked.insert(op.job_id);
                        results.push(left(
                            op,
                            OperationState::Queued,
                            e.code_str(),
                            &e.to_string(),
                        ));
                        continue;
                    }
                }
            }
            let Some(claimed) = self.claim(op).await? else {
                let now = self.operation(op.id).await?.0;
                blocked.insert(op.job_id);
                let why = match now.state {
                    OperationState::Sending => {
                        "being sent by another Switchboard (the app or a command) right now"
                    }
                    OperationState::Queued => {
                        "waiting: an earlier change of the same request goes first, or another Switchboard is about to send it"
                    }
                    _ => "already settled by another Switchboard",
                };
                results.push(left(op, now.state, "elsewhere", why));
                continue;
            };
            let adapter = &adapters[&op.connection_id];
            // Only a change that waited is re-checked: one cut off mid-call may
            // already be at the vendor, and is sent again as it is.
            let recheck = recheck && op.state == OperationState::Queued;
            let sent = self.send(adapter, &claimed, recheck).await;
            match sent.state {
                OperationState::Queued => {
                    held.insert(op.connection_id);
                    blocked.insert(op.job_id);
                }
                OperationState::Conflict | OperationState::Unknown => {
                    blocked.insert(op.job_id);
                }
                _ => {}
            }
            let vendor = adapter.vendor();
            let recorded = self
                .record(&claimed, &sent, adapter.capabilities().several_assignees)
                .await
                .map_err(|e| not_recorded(e, vendor))?;
            if recorded {
                results.push(result_of(op, sent));
            } else {
                results.push(left(
                    op,
                    OperationState::Sending,
                    "elsewhere",
                    "sent, but another Switchboard took this change over meanwhile; its result is the one kept",
                ));
            }
        }
        Ok(results)
    }

    /// Takes the operation for this process (see `operations::claim`); an
    /// operation held by an owner that has ended is taken over. `None` when it
    /// is not ours to send now.
    async fn claim(&self, op: &Operation) -> Result<Option<Operation>, EngineError> {
        let owner = self.owner.clone();
        let id = op.id;
        self.on_store(move |store| {
            Ok(store.write(|db| {
                if operations::claim(db, id, owner.claim(), None)? {
                    return Ok(Some(operations::get(db, id)?));
                }
                let holder = operations::claimed_by(db, id)?;
                if let Some(other) = holder.filter(|o| owner.has_ended(o))
                    && operations::claim(db, id, owner.claim(), Some(&other))?
                {
                    tracing::info!("operation {id}: its sender ({other}) ended; sending it again");
                    return Ok(Some(operations::get(db, id)?));
                }
                Ok(None)
            })?)
        })
        .await
    }

    /// Notes why changes wait (they stay queued, free for anyone to send).
    async fn note_waiting(
        &self,
        ids: Vec<OperationId>,
        code: &'static str,
        message: String,
    ) -> Result<(), EngineError> {
        self.on_store(move |store| {
            Ok(store.write(|db| {
                for id in ids {
                    let outcome = Outcome::new(OperationState::Queued, Timestamp::now())
                        .error(code, &message);
                    operations::settle_waiting(db, id, outcome)?;
                }
                Ok(())
            })?)
        })
        .await
    }

    /// Sends one operation this process has claimed and says how it ended
    /// (nothing is written here). A queued one is first re-checked where the
    /// vendor can read the target. A success is confirmed from the vendor's
    /// answer, or by reading the target back when the answer cannot be read.
    async fn send(&self, adapter: &Adapter, op: &Operation, recheck: bool) -> Sent {
        let limit = tokio::time::timeout(SEND_LIMIT, self.send_within(adapter, op, recheck)).await;
        limit.unwrap_or_else(|_| {
            Sent::with(
                OperationState::Unknown,
                "unconfirmed",
                format!(
                    "sent, not confirmed: {} gave no answer within {} minutes",
                    adapter.vendor(),
                    SEND_LIMIT.as_secs() / 60
                ),
            )
        })
    }

    async fn send_within(&self, adapter: &Adapter, op: &Operation, recheck: bool) -> Sent {
        let caps = adapter.capabilities();
        let vendor = adapter.vendor();
        if recheck
            && caps.read_assignees
            && let (Some(target), Some(before)) = (&op.target_vendor_id, &op.before)
            && let Some(sent) = self.check_conflict(adapter, op, target, before).await
        {
            return sent;
        }
        let target = op.target_vendor_id.clone().unwrap_or_default();
        let (vendor_agents, replace) = match &op.request {
            Change::Assign {
                agents, replace, ..
            } => (agents.clone(), *replace),
            _ => (Vec::new(), false),
        };
        let answer = match &op.request {
            Change::Assign {
                agents,
                until,
                notes,
                replace,
            } => {
                adapter
                    .assign(&target, agents, *until, notes.as_deref(), *replace)
                    .await
            }
            Change::Release => adapter.release(&target).await,
            Change::SetStatus { .. } => {
                return match self.send_status(adapter, op).await {
                    Ok(response) => {
                        // How many agents changed, and how many the vendor kept (with its reasons).
                        let (code, message) = crate::statuses::summary(Some(&response)).unzip();
                        Sent {
                            code,
                            message,
                            ..Sent::done(Some(response))
                        }
                    }
                    Err(e) => match outcome::unreadable_success(&e) {
                        Some((status, excerpt)) => outcome::unconfirmed(
                            vendor,
                            status,
                            excerpt,
                            "the board's next read shows where each agent is",
                        ),
                        None => outcome::from_error(vendor, &e),
                    },
                };
            }
        };
        let asked: BTreeSet<String> = vendor_agents.iter().cloned().collect();
        let exclusive = !caps.several_assignees || replace;
        match answer {
            Ok(Some(now)) => outcome::judged(vendor, op.kind, &asked, exclusive, &now, false),
            Ok(None) => Sent::done(None),
            Err(e) => match outcome::unreadable_success(&e) {
                Some((status, excerpt)) if caps.read_assignees => {
                    match adapter.target(&target).await {
                        Ok(Some(now)) => {
                            outcome::judged(vendor, op.kind, &asked, exclusive, &now, true)
                        }
                        Ok(None) => Sent::with(
                            OperationState::Failed,
                            "not_found",
                            format!("{vendor} no longer has this {target}"),
                        ),
                        Err(read) => outcome::unconfirmed(
                            vendor,
                            status,
                            excerpt,
                            &format!("reading it back failed ({read})"),
                        ),
                    }
                }
                Some((status, excerpt)) => outcome::unconfirmed(
                    vendor,
                    status,
                    excerpt,
                    &format!("{vendor} cannot be asked who holds it"),
                ),
                None => outcome::from_error(vendor, &e),
            },
        }
    }

    /// Writes how a claimed operation ended, as its owner, with the cache and
    /// the job. `false` when this process no longer held it.
    async fn record(
        &self,
        op: &Operation,
        sent: &Sent,
        several_assignees: bool,
    ) -> Result<bool, EngineError> {
        let owner = self.owner.clone();
        let (op, sent) = (op.clone(), sent.clone());
        self.on_store(move |store| {
            Ok(store.write(|db| {
                let mut outcome =
                    Outcome::new(sent.state, Timestamp::now()).response(sent.response.as_ref());
                outcome.error = sent.code.as_deref().zip(sent.message.as_deref());
                outcome.next_attempt_at = sent.next_attempt_at;
                if !operations::finish(db, op.id, owner.id(), outcome)? {
                    return Ok(false);
                }
                settle(db, op.job_id)?;
                if sent.state == OperationState::Done {
                    cache_done(db, &op, sent.response.as_ref(), several_assignees)?;
                }
                Ok(true)
            })?)
        })
        .await
    }

    /// Re-reads the target; `Some` when the operation must not be sent now
    /// (changed behind the manager's back, gone, or unreachable).
    async fn check_conflict(
        &self,
        adapter: &Adapter,
        op: &Operation,
        target: &str,
        before: &serde_json::Value,
    ) -> Option<Sent> {
        let before = id_set(Some(before));
        let after = op
            .request
            .expected_after(&before, adapter.capabilities().several_assignees);
        match adapter.target(target).await {
            Err(e) if e.is_unreachable() || matches!(e, VendorError::RateLimited { .. }) => {
                Some(outcome::from_error(adapter.vendor(), &e))
            }
            // Reading failed for another reason: the send will say more.
            Err(_) => None,
            Ok(None) => Some(Sent::with(
                OperationState::Failed,
                "not_found",
                format!("{} no longer has this {}", adapter.vendor(), target),
            )),
            Ok(Some(remote)) => {
                let now = outcome::assignee_ids(&remote);
                if now == before || now == after {
                    return None;
                }
                let store = self.store().clone();
                let (o, b, n) = (op.clone(), before.clone(), now.clone());
                let words = tokio::task::spawn_blocking(move || {
                    store
                        .read(|db| Ok((names_of(db, &o, &b), names_of(db, &o, &n))))
                        .unwrap_or_default()
                })
                .await
                .unwrap_or_default();
                Some(Sent {
                    response: Some(json!({"current": now})),
                    ..Sent::with(
                        OperationState::Conflict,
                        "conflict",
                        format!(
                            "Assignees changed at the vendor since you asked: then {}, now {}.",
                            words.0, words.1
                        ),
                    )
                })
            }
        }
    }

    /// Sets a job's state from its operations' and returns it.
    pub(crate) async fn settle_job(&self, job: JobId) -> Result<JobState, EngineError> {
        self.on_store(move |store| Ok(store.write(|db| settle(db, job))?))
            .await
    }

    /// Sends every change that waits: queued ones (their vendor was unreachable;
    /// each re-checked first where the vendor can say; not before a time the
    /// vendor asked us to wait for), and ones found `sending` whose sender has
    /// ended or whose lease lapsed (a crash, a killed command: every vendor's
    /// assign call is idempotent, so sending again applies nothing twice).
    /// Changes another Switchboard is sending are left to it. Connections that
    /// still cannot be reached keep theirs queued.
    pub async fn send_queued(&self) -> Result<Vec<OperationResult>, EngineError> {
        let now = Timestamp::now();
        let waiting = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let mut all: Vec<Operation> =
                        operations::list_in_state(db, OperationState::Sending)?;
                    all.extend(
                        operations::list_in_state(db, OperationState::Queued)?
                            .into_iter()
                            .filter(|o| o.next_attempt_at.is_none_or(|t| t <= now)),
                    );
                    all.sort_by_key(|o| o.id);
                    Ok(all)
                })?)
            })
            .await?;
        // A change past its "send by" time (statuses go stale) is dropped, and
        // says so, rather than sent late.
        let (expired, waiting): (Vec<Operation>, Vec<Operation>) =
            waiting.into_iter().partition(|o| {
                o.state == OperationState::Queued && o.not_after.is_some_and(|t| t <= now)
            });
        const STALE: &str = "not sent in the time allowed (statuses go stale), so dropped";
        let mut dropped = Vec::new();
        for op in expired {
            let (id, job) = (op.id, op.job_id);
            let ended = self
                .on_store(move |store| {
                    Ok(store.write(|db| {
                        let outcome = Outcome::new(OperationState::Cancelled, Timestamp::now())
                            .error("expired", STALE);
                        let ended = operations::settle_waiting(db, id, outcome)?;
                        settle(db, job)?;
                        Ok(ended)
                    })?)
                })
                .await?;
            if ended {
                dropped.push(left(&op, OperationState::Cancelled, "expired", STALE));
            }
        }
        let mut job_ids: Vec<JobId> = Vec::new();
        for op in &waiting {
            if !job_ids.contains(&op.job_id) {
                job_ids.push(op.job_id);
            }
        }
        let mut results = self.send_ops(waiting, true).await?;
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

    /// Cancels a change that waits (queued, in conflict, or unconfirmed).
    pub async fn cancel_operation(&self, id: OperationId) -> Result<OperationState, EngineError> {
        let result = self
            .on_store(move |store| {
                Ok(store.write(|db| {
                    let op = operations::get(db, id)?;
                    let outcome = Outcome::new(OperationState::Cancelled, Timestamp::now())
                        .error("cancelled", "cancelled by the manager");
                    if operations::settle_waiting(db, id, outcome)? {
                        settle(db, op.job_id)?;
                        return Ok(Ok(OperationState::Cancelled));
                    }
                    Ok(Err(op.state))
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

    /// Sends a waiting, failed or unconfirmed change again now. A change in
    /// conflict is sent with `apply_anyway`: the assignees now at the vendor
    /// become its "before".
    pub async fn retry_operation(
        &self,
        id: OperationId,
        apply_anyway: bool,
    ) -> Result<OperationResult, EngineError> {
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
                        OperationState::Queued | OperationState::Failed | OperationState::Unknown => None,
                        OperationState::Sending => return Ok(Err(BEING_SENT.to_owned())),
                        other => {
                            return Ok(Err(format!(
                                "this change is {other}; only waiting, failed or unconfirmed changes can be sent again"
                            )));
                        }
                    };
                    if !operations::requeue(db, id, before.as_ref(), Timestamp::now())? {
                        return Ok(Err(BEING_SENT.to_owned()));
                    }
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
        let mut results = self.send_ops(vec![op], true).await?;
        self.settle_job(job).await?;
        match results.pop() {
            Some(r) if r.error_code.as_deref() == Some("elsewhere") => Err(ValidationError::new(
                "operation",
                r.message.unwrap_or_else(|| BEING_SENT.to_owned()),
            )
            .into()),
            Some(r) => Ok(r),
            None => Err(EngineError::Internal("the change was not sent".into())),
        }
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
            match self.send_queued().await {
                // Changes left to another Switchboard are not news.
                Ok(results)
                    if results
                        .iter()
                        .any(|r| r.error_code.as_deref() != Some("elsewhere")) =>
                {
                    sent(&results)
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("sending queued changes: {e}"),
            }
        }
    }
}

const BEING_SENT: &str = "this change is being sent right now; wait for its result";

fn being_sent() -> EngineError {
    ValidationError::new("operation", BEING_SENT).into()
}

/// The cache shows what the vendor now holds after a done change.
fn cache_done(
    db: &rusqlite::Connection,
    op: &Operation,
    response: Option<&serde_json::Value>,
    several_assignees: bool,
) -> switchboard_store::Result<()> {
    if op.kind == OperationKind::SetStatus {
        if let Some(results) = response {
            crate::statuses::record_changes(db, op.connection_id, &op.request, results)?;
        }
        return Ok(());
    }
    let Some(target_id) = op.target_id else {
        return Ok(());
    };
    if !targets_exists(db, target_id)? {
        return Ok(());
    }
    let Change::Assign {
        agents: asked,
        until,
        notes,
        replace,
    } = &op.request
    else {
        // A release leaves nobody; a status change has no target.
        return match op.request {
            Change::Release => assignments::replace_for_target(db, target_id, &[]),
            _ => Ok(()),
        };
    };
    let several = several_assignees && !replace;
    let now = Timestamp::now();
    let mut rows = Vec::new();
    for vendor_id in asked {
        rows.push(Assignment {
            target_id,
            agent_id: agents::find_by_vendor_id(db, op.connection_id, vendor_id)?.map(|a| a.id),
            agent_vendor_id: vendor_id.clone(),
            until: *until,
            notes: notes.clone(),
            source: AssignmentSource::App,
            observed_at: now,
        });
    }
    if several {
        rows.iter().try_for_each(|r| assignments::upsert(db, r))
    } else {
        assignments::replace_for_target(db, target_id, &rows)
    }
}

fn targets_exists(
    db: &rusqlite::Connection,
    id: switchboard_domain::TargetId,
) -> switchboard_store::Result<bool> {
    match switchboard_store::targets::get(db, id) {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
