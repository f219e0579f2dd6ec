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

/// A job with its items counted by state, off an index (no item is read).
fn summary(db: &rusqlite::Connection, job: Job) -> switchboard_store::Result<JobSummary> {
    let counts = operations::state_counts(db, job.id)?;
    Ok(JobSummary {
        items: counts.iter().map(|(_, n)| n).sum(),
        by_state: counts
            .into_iter()
            .map(|(s, n)| (s.as_str().to_owned(), n))
            .collect(),
        job,
    })
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
                    .map(|job| summary(db, job))
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
                Ok((summary(db, job)?, operations::list_by_job(db, id)?))
            })?)
        })
        .await
    }

    /// How a job stands now.
    pub async fn job_progress(&self, id: JobId) -> Result<JobProgress, EngineError> {
        // Polled while a job runs: counts off an index and the troubled items
        // alone, never every item.
        let (summary, trouble) = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let summary = summary(db, jobs::get(db, id)?)?;
                    let trouble = operations::list_by_job_in(
                        db,
                        id,
                        &[
                            OperationState::Failed,
                            OperationState::Conflict,
                            OperationState::Unknown,
                            OperationState::Cancelled,
                        ],
                        200,
                    )?;
                    Ok((summary, trouble))
                })?)
            })
            .await?;
        let count = |s: OperationState| summary.by_state.get(s.as_str()).copied().unwrap_or(0);
        let remaining = count(OperationState::Queued) + count(OperationState::Sending);
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
