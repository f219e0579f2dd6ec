//! Jobs as a whole: the recent ones with how their items stand, one job's
//! items, and sending a job's failed items again (in the same job).

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use switchboard_domain::job::{Job, Operation, OperationState};
use switchboard_domain::{JobId, Timestamp, ValidationError};
use switchboard_store::{jobs, operations};
use ts_rs::TS;

use crate::journal::OperationResult;
use crate::{EngineError, Workspace};

/// How long a job's lease holds unless renewed; it is renewed every
/// [`RENEW_EVERY`] while the job runs.
const JOB_LEASE: Duration = Duration::from_secs(5 * 60);
const RENEW_EVERY: Duration = Duration::from_secs(60);

/// What a job's lease refusal says.
pub const WORKED_ELSEWHERE: &str =
    "another Switchboard (the window or a command) is working this job right now; it goes on there";

/// A job with how its items stand, and the items that did not end done (with
/// the vendor's words), for the window to watch while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobProgress {
    pub summary: JobSummary,
    /// Items failed, in conflict, not confirmed or cancelled (at most 200).
    pub trouble: Vec<Operation>,
    /// Items not sent yet (queued or being sent).
    pub remaining: u32,
}

/// A job and how many of its items are in each state.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobSummary {
    pub job: Job,
    pub items: u32,
    pub by_state: BTreeMap<String, u32>,
}

fn summary(job: Job, ops: &[Operation]) -> JobSummary {
    let mut by_state = BTreeMap::new();
    for op in ops {
        *by_state.entry(op.state.as_str().to_owned()).or_insert(0) += 1;
    }
    JobSummary {
        job,
        items: ops.len() as u32,
        by_state,
    }
}

impl Workspace {
    /// Takes (or renews) the job's lease for this Switchboard: one process
    /// works a job at a time. A holder that has ended, or whose lease lapsed,
    /// is taken over.
    pub(crate) async fn lease_job(&self, id: JobId) -> Result<(), EngineError> {
        let owner = self.owner.clone();
        self.on_store(move |store| {
            let holder = store.read(|db| jobs::lease(db, id))?;
            let ended = holder.map(|(h, _)| h).filter(|h| owner.has_ended(h));
            let now = Timestamp::now();
            let until = Timestamp(now.0 + JOB_LEASE.as_millis() as i64);
            let taken = store
                .write(|db| jobs::take_lease(db, id, owner.id(), now, until, ended.as_deref()))?;
            if taken {
                Ok(())
            } else {
                Err(ValidationError::new("job", WORKED_ELSEWHERE).into())
            }
        })
        .await
    }

    /// Runs `work` holding the job's lease, renewed while it runs, and lets go
    /// of it after.
    pub(crate) async fn leased<T>(
        &self,
        id: JobId,
        work: impl Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        self.lease_job(id).await?;
        let renew = Box::pin(async {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                if let Err(e) = self.lease_job(id).await {
                    tracing::warn!("job {id}: the lease was not renewed: {e}");
                }
            }
        });
        let result = match futures_util::future::select(Box::pin(work), renew).await {
            futures_util::future::Either::Left((result, _)) => result,
            futures_util::future::Either::Right(((), _)) => {
                Err(EngineError::Internal("the lease renewal stopped".into()))
            }
        };
        let owner = self.owner.clone();
        let _ = self
            .on_store(move |store| Ok(store.write(|db| jobs::release_lease(db, id, owner.id()))?))
            .await;
        result
    }

    /// The most recent jobs, newest first.
    pub async fn jobs(&self, limit: u32) -> Result<Vec<JobSummary>, EngineError> {
        self.on_store(move |store| {
            Ok(store.read(|db| {
                jobs::list_recent(db, limit)?
                    .into_iter()
                    .map(|job| {
                        let ops = operations::list_by_job(db, job.id)?;
                        Ok(summary(job, &ops))
                    })
                    .collect()
            })?)
        })
        .await
    }

    /// One job with every item.
    pub async fn job(&self, id: JobId) -> Result<(JobSummary, Vec<Operation>), EngineError> {
        self.on_store(move |store| {
            Ok(store.read(|db| {
                let job = jobs::get(db, id)?;
                let ops = operations::list_by_job(db, id)?;
                Ok((summary(job, &ops), ops))
            })?)
        })
        .await
    }

    /// How a job stands now.
    pub async fn job_progress(&self, id: JobId) -> Result<JobProgress, EngineError> {
        let (summary, ops) = self.job(id).await?;
        let remaining = ops
            .iter()
            .filter(|o| matches!(o.state, OperationState::Queued | OperationState::Sending))
            .count() as u32;
        let trouble = ops
            .into_iter()
            .filter(|o| {
                matches!(
                    o.state,
                    OperationState::Failed
                        | OperationState::Conflict
                        | OperationState::Unknown
                        | OperationState::Cancelled
                )
            })
            .take(200)
            .collect();
        Ok(JobProgress {
            summary,
            trouble,
            remaining,
        })
    }

    /// Sends the job's failed and unconfirmed items again, in the same job;
    /// what it did is left alone.
    pub async fn retry_failed(&self, id: JobId) -> Result<Vec<OperationResult>, EngineError> {
        let (_, ops) = self.job(id).await?;
        let mut results = Vec::new();
        for op in ops
            .into_iter()
            .filter(|o| matches!(o.state, OperationState::Failed | OperationState::Unknown))
        {
            results.push(self.retry_operation(op.id, false).await?);
        }
        Ok(results)
    }

    /// Sends what a job still has waiting (after a crash, or a vendor that was
    /// away): each connection's items side by side. A move cut off half-way
    /// goes on from where it stopped.
    pub async fn resume_job(&self, id: JobId) -> Result<Vec<OperationResult>, EngineError> {
        self.leased(id, async {
            let (_, ops) = self.job(id).await?;
            let waiting: Vec<Operation> = ops
                .into_iter()
                .filter(|o| matches!(o.state, OperationState::Queued | OperationState::Sending))
                .collect();
            let results = self.send_by_connection(waiting, id).await?;
            self.settle_job(id).await?;
            Ok(results)
        })
        .await
    }
}
