//! Jobs as a whole: the recent ones with how their items stand, one job's
//! items, and sending a job's failed items again (in the same job).

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use switchboard_domain::code::ErrorCode;
use switchboard_domain::job::{Job, Operation, OperationState};
use switchboard_domain::{ConnectionId, JobId, Timestamp, ValidationError, Vendor};
use switchboard_store::{connections, jobs, operations};
use ts_rs::TS;

use crate::journal::{OperationResult, settle};
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
    pub trouble: Vec<Trouble>,
    /// Items not sent yet (queued or being sent).
    pub remaining: u32,
    /// The same, platform by platform.
    pub connections: Vec<ConnectionProgress>,
    /// Items ended per second lately (over the last 15 s, or since the job began).
    pub per_second: f64,
    /// What is left at that pace; none while nothing moves (paused, or waiting
    /// for a vendor).
    pub seconds_left: Option<u32>,
    /// Why the job waits for this computer (the disk is full, the keychain is
    /// locked), while it does: it goes on by itself once it can.
    pub stalled: Option<Stall>,
}

/// What a job waits for on this computer, in words, with its code
/// (`disk_full`, `keychain_locked`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Stall {
    pub code: crate::ErrorCode,
    pub message: String,
}

/// An item that did not end done, with what the manager can do about it
/// where Switchboard knows (from the vendor's words).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Trouble {
    pub operation: Operation,
    pub fix: Option<String>,
}

/// How a job's items on one connection stand.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionProgress {
    pub connection_id: ConnectionId,
    pub name: String,
    pub vendor: Vendor,
    pub by_state: BTreeMap<String, u32>,
    /// Items not sent yet (queued or being sent).
    pub remaining: u32,
    /// Why its items wait, when they do (the vendor's words, or "paused").
    pub waiting: Option<String>,
}

/// The window over which a job's pace is measured.
const PACE_WINDOW_MS: i64 = 15_000;

/// A job and how many of its items are in each state.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobSummary {
    pub job: Job,
    pub items: u32,
    pub by_state: BTreeMap<String, u32>,
}

/// A job with its items counted by state, off an index (no item is read).
pub(crate) fn summary(
    db: &rusqlite::Connection,
    job: Job,
) -> switchboard_store::Result<JobSummary> {
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
        // Polled while a job runs: counts in one pass over the job's rows and
        // the troubled items alone, never every item.
        let now = Timestamp::now();
        let (summary, trouble, connections, window, ended) = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let job = jobs::get(db, id)?;
                    let window = (now.0 - job.created_at.0).clamp(1_000, PACE_WINDOW_MS);
                    let since = Timestamp(now.0 - window);
                    let mut rows: BTreeMap<ConnectionId, ConnectionProgress> = BTreeMap::new();
                    let mut ended = 0;
                    for (c, state, n, recent) in operations::tally_by_connection(db, id, since)? {
                        ended += recent;
                        let row = match rows.entry(c) {
                            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                            std::collections::btree_map::Entry::Vacant(e) => {
                                let conn = connections::get(db, c)?;
                                e.insert(ConnectionProgress {
                                    connection_id: c,
                                    name: conn.display_name,
                                    vendor: conn.vendor,
                                    by_state: BTreeMap::new(),
                                    remaining: 0,
                                    waiting: None,
                                })
                            }
                        };
                        row.by_state.insert(state.as_str().to_owned(), n);
                        if matches!(state, OperationState::Queued | OperationState::Sending) {
                            row.remaining += n;
                        }
                    }
                    // Why a connection's items wait: the newest word on one of them.
                    for row in rows.values_mut().filter(|r| r.remaining > 0) {
                        row.waiting = if job.paused_at.is_some() {
                            Some("paused".to_owned())
                        } else {
                            operations::waiting_reason(db, id, row.connection_id)?
                        };
                    }
                    let summary = summary(db, job)?;
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
                    let trouble = trouble
                        .into_iter()
                        .map(|operation| {
                            let vendor = rows.get(&operation.connection_id).map(|r| r.vendor);
                            let fix = vendor
                                .zip(operation.error_message.as_deref())
                                .and_then(|(v, m)| crate::outcome::hint(v, m));
                            Trouble { operation, fix }
                        })
                        .collect::<Vec<_>>();
                    Ok((
                        summary,
                        trouble,
                        rows.into_values().collect::<Vec<_>>(),
                        window,
                        ended,
                    ))
                })?)
            })
            .await?;
        let count = |s: OperationState| summary.by_state.get(s.as_str()).copied().unwrap_or(0);
        let remaining = count(OperationState::Queued) + count(OperationState::Sending);
        let per_second = f64::from(ended) * 1000.0 / window as f64;
        let seconds_left = (per_second > 0.0 && summary.job.paused_at.is_none())
            .then(|| (f64::from(remaining) / per_second).ceil() as u32);
        let stalled = self.stall_of(id);
        Ok(JobProgress {
            seconds_left: seconds_left.filter(|_| stalled.is_none()),
            summary,
            trouble,
            remaining,
            connections,
            per_second,
            stalled,
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

    /// Pauses a job: its items not sent yet stay queued and nobody takes them
    /// (the window, a command, the background sender) until it is resumed. An
    /// item already on its way finishes, so none stops half-way.
    pub async fn pause_job(&self, id: JobId) -> Result<JobSummary, EngineError> {
        self.on_store(move |store| {
            Ok(store.write(|db| {
                let job = jobs::get(db, id)?;
                if job.finished_at.is_some() {
                    return Ok(Err(ValidationError::new(
                        "job",
                        format!(
                            "this job has ended ({}); there is nothing left to pause",
                            job.state
                        ),
                    )));
                }
                if job.paused_at.is_none() {
                    jobs::set_paused(db, id, Some(Timestamp::now()))?;
                }
                Ok(Ok(summary(db, jobs::get(db, id)?)?))
            })?)
        })
        .await?
        .map_err(Into::into)
    }

    /// Cancels what a job has not sent yet: its queued items and those stopped
    /// in conflict end *cancelled*. Items on their way finish (nothing stops
    /// half-way) and what they did stays; `jobs undo` puts it back.
    pub async fn cancel_job(&self, id: JobId) -> Result<JobSummary, EngineError> {
        self.on_store(move |store| {
            Ok(store.write(|db| {
                let outcome = operations::Outcome::new(OperationState::Cancelled, Timestamp::now())
                    .error(
                        ErrorCode::Cancelled,
                        "cancelled by the manager before it went out",
                    );
                operations::cancel_unsent(db, id, outcome)?;
                jobs::set_paused(db, id, None)?;
                settle(db, id)?;
                summary(db, jobs::get(db, id)?)
            })?)
        })
        .await
    }

    /// Lets a paused job's items go out again (nothing is sent here).
    pub async fn unpause_job(&self, id: JobId) -> Result<JobSummary, EngineError> {
        self.on_store(move |store| {
            Ok(store.write(|db| {
                jobs::set_paused(db, id, None)?;
                summary(db, jobs::get(db, id)?)
            })?)
        })
        .await
    }

    /// Sends what a job still has waiting (after a crash, a pause, or a vendor
    /// that was away): each connection's items side by side. A move cut off
    /// half-way goes on from where it stopped.
    pub async fn resume_job(&self, id: JobId) -> Result<Vec<OperationResult>, EngineError> {
        self.unpause_job(id).await?;
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
