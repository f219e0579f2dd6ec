//! Taking one operation for sending, sending it, and recording its answer.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::json;
use switchboard_domain::change::Change;
use switchboard_domain::code::{ErrorCode, ResultCode};
use switchboard_domain::job::{Operation, OperationState};
use switchboard_domain::{ConnectionId, JobId, OperationId, TargetId, Timestamp};
use switchboard_store::operations::Outcome;
use switchboard_store::{jobs, operations};
use switchboard_vendors::{Adapter, HttpOptions, VendorError};

use crate::claims::SEND_LIMIT;
use crate::outcome::{self, Sent};
use crate::{EngineError, Workspace};

use super::cache::cache_done;
use super::{OperationResult, id_set, left, names_of, not_recorded, result_of, settle};

/// What an item of a paused job says.
pub(crate) const PAUSED: &str = "paused by the manager: it goes out when the job is resumed";

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
        // A job's changes to one target go in order; changes to different
        // targets (a bulk job's items) do not wait for each other.
        let mut blocked: HashSet<(JobId, Option<TargetId>)> = HashSet::new();
        // Jobs the manager paused: nothing more of theirs goes out.
        let mut paused: HashSet<JobId> = HashSet::new();
        for (index, op) in ops.iter().enumerate() {
            if paused.contains(&op.job_id) {
                results.push(left(op, op.state, ResultCode::Paused, PAUSED));
                continue;
            }
            if held.contains(&op.connection_id) || blocked.contains(&(op.job_id, op.target_id)) {
                blocked.insert((op.job_id, op.target_id));
                results.push(left(
                    op,
                    op.state,
                    ResultCode::Waiting,
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
                        self.note_waiting(waiting, e.code(), e.to_string()).await?;
                        if matches!(e, EngineError::Keychain(_)) {
                            return Err(e);
                        }
                        held.insert(op.connection_id);
                        blocked.insert((op.job_id, op.target_id));
                        results.push(left(op, OperationState::Queued, e.code(), &e.to_string()));
                        continue;
                    }
                }
            }
            let Some(claimed) = self.claim(op).await? else {
                let now = self.operation(op.id).await?.0;
                blocked.insert((op.job_id, op.target_id));
                if now.state == OperationState::Queued && self.is_paused(op.job_id).await? {
                    paused.insert(op.job_id);
                    results.push(left(op, now.state, ResultCode::Paused, PAUSED));
                    continue;
                }
                let why = match now.state {
                    OperationState::Cancelled => "cancelled by the manager before it went out",
                    OperationState::Sending => {
                        "being sent by another Switchboard (the app or a command) right now"
                    }
                    OperationState::Queued => {
                        "waiting: an earlier change to the same target goes first, or another Switchboard is about to send it"
                    }
                    _ => "already settled by another Switchboard",
                };
                results.push(left(op, now.state, ResultCode::Elsewhere, why));
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
                    blocked.insert((op.job_id, op.target_id));
                }
                OperationState::Conflict | OperationState::Unknown => {
                    blocked.insert((op.job_id, op.target_id));
                }
                _ => {}
            }
            let vendor = adapter.vendor();
            let recorded = self
                .record(&claimed, &sent, adapter.capabilities().several_assignees)
                .await
                .map_err(|e| not_recorded(e, vendor))?;
            if recorded {
                results.push(result_of(op, sent, vendor));
            } else {
                results.push(left(
                    op,
                    OperationState::Sending,
                    ResultCode::Elsewhere,
                    "sent, but another Switchboard took this change over meanwhile; its result is the one kept",
                ));
            }
        }
        Ok(results)
    }

    /// Whether the manager paused the job.
    async fn is_paused(&self, job: JobId) -> Result<bool, EngineError> {
        self.on_store(
            move |store| Ok(store.read(|db| Ok(jobs::get(db, job)?.paused_at.is_some()))?),
        )
        .await
    }

    /// Takes the operation for this process (see `operations::claim`); an
    /// operation held by an owner that has ended is taken over. `None` when it
    /// is not ours to send now.
    async fn claim(&self, op: &Operation) -> Result<Option<Operation>, EngineError> {
        let owner = self.owner.clone();
        let id = op.id;
        self.group
            .write(move |db| {
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
            })
            .await
    }

    /// Notes why changes wait (they stay queued, free for anyone to send).
    async fn note_waiting(
        &self,
        ids: Vec<OperationId>,
        code: ErrorCode,
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
                ResultCode::Unconfirmed,
                format!(
                    "sent, not confirmed: {} gave no answer within {} minutes",
                    adapter.vendor(),
                    SEND_LIMIT.as_secs() / 60
                ),
            )
        })
    }

    async fn send_within(&self, adapter: &Adapter, op: &Operation, recheck: bool) -> Sent {
        // A move reads the target itself: to know what is left, and to stop in
        // conflict if someone else took it.
        if matches!(op.request, Change::Move { .. }) {
            return self.send_move(adapter, op).await;
        }
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
            Change::Move { .. } => return self.send_move(adapter, op).await,
            Change::SetStatus { .. } => {
                return match self.send_status(adapter, op).await {
                    Ok(response) => {
                        // How many agents changed, and how many the vendor kept (with its reasons).
                        let (code, message) =
                            crate::status_change::summary(Some(&response)).unzip();
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
                            ErrorCode::NotFound,
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
        self.group
            .write(move |db| {
                let mut outcome =
                    Outcome::new(sent.state, Timestamp::now()).response(sent.response.as_ref());
                outcome.error = sent.code.clone().zip(sent.message.as_deref());
                outcome.next_attempt_at = sent.next_attempt_at;
                if !operations::finish(db, op.id, owner.id(), outcome)? {
                    return Ok(false);
                }
                // A job stays queued while any of its items waits: it is
                // settled (its items counted) only when this was the last,
                // not after each of a bulk job's 10,000.
                if !operations::any_waiting(db, op.job_id)? {
                    settle(db, op.job_id)?;
                }
                if sent.state == OperationState::Done {
                    cache_done(db, &op, sent.response.as_ref(), several_assignees)?;
                }
                Ok(true)
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
        let before = id_set(before);
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
                ErrorCode::NotFound,
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
                        ResultCode::Conflict,
                        format!(
                            "Assignees changed at the vendor since you asked: then {}, now {}.",
                            words.0, words.1
                        ),
                    )
                })
            }
        }
    }
}
