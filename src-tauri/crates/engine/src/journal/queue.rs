//! What waits: sending it, cancelling it, retrying it, and the background sender.

use std::collections::BTreeSet;
use std::time::Duration;

use switchboard_domain::code::{ErrorCode, ResultCode};
use switchboard_domain::job::{JobState, Operation, OperationState, QueueCounts};
use switchboard_domain::{JobId, OperationId, Timestamp, ValidationError};
use switchboard_store::operations::Outcome;
use switchboard_store::{jobs, operations};

use crate::{EngineError, Workspace};

use super::{OperationResult, left, settle};

impl Workspace {
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
        let owner = self.owner.clone();
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
                    // A job someone works (another running Switchboard, or a
                    // task of this one) is left to them; a paused job's
                    // items not on their way yet wait for its resume.
                    let jobs_seen: BTreeSet<JobId> = all.iter().map(|o| o.job_id).collect();
                    let mut elsewhere = BTreeSet::new();
                    for job in jobs_seen {
                        if jobs::get(db, job)?.paused_at.is_some() {
                            let ops = all.iter().filter(|o| o.job_id == job);
                            if ops.clone().all(|o| o.state == OperationState::Queued) {
                                elsewhere.insert(job);
                                continue;
                            }
                        }
                        if let Some((holder, until)) = jobs::lease(db, job)?
                            && until > now
                            && !owner.has_ended(&holder)
                        {
                            elsewhere.insert(job);
                        }
                    }
                    all.retain(|o| !elsewhere.contains(&o.job_id));
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
                            .error(ResultCode::Expired, STALE);
                        let ended = operations::settle_waiting(db, id, outcome)?;
                        settle(db, job)?;
                        Ok(ended)
                    })?)
                })
                .await?;
            if ended {
                dropped.push(left(
                    &op,
                    OperationState::Cancelled,
                    ResultCode::Expired,
                    STALE,
                ));
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
                        .error(ErrorCode::Cancelled, "cancelled by the manager");
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
            Some(r) if r.error_code == Some(ResultCode::Elsewhere) => Err(ValidationError::new(
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
            let _ = self.end_expired_assignments().await;
            let waiting = self.queue_counts().await.unwrap_or_default();
            if waiting.queued + waiting.sending == 0 {
                continue;
            }
            match self.send_queued().await {
                // Changes left to another Switchboard are not news.
                Ok(results)
                    if results
                        .iter()
                        .any(|r| r.error_code != Some(ResultCode::Elsewhere)) =>
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
