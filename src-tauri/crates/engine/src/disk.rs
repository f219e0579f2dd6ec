//! What stops a bulk job on this computer, not at a vendor: a full disk
//! (nothing can be journaled) or a locked keychain (no key to send with). The
//! job says why, tries again every few seconds (a small write; reading a key),
//! and goes on by itself once it can. Nothing is lost: an item the vendor took
//! but whose answer could not be written stays `sending` and is sent again,
//! which the vendor takes once.

use std::time::Duration;

use switchboard_domain::job::{JobState, Operation, OperationState};
use switchboard_domain::{ConnectionId, JobId, Timestamp};
use switchboard_store::{jobs, operations};
use switchboard_vendors::HttpOptions;

use crate::jobs::Stall;
use crate::journal::OperationResult;
use crate::{EngineError, ErrorCode, Workspace};

/// How often a job waiting for space tries a write.
const RETRY_EVERY: Duration = Duration::from_secs(2);

impl Workspace {
    /// Why the job waits for this computer, while it does (shown with its progress).
    pub(crate) fn stall_of(&self, job: JobId) -> Option<Stall> {
        self.stalls.lock().ok()?.get(&job).cloned()
    }

    fn note_stall(&self, job: JobId, why: Option<Stall>) {
        if let Ok(mut stalls) = self.stalls.lock() {
            match why {
                Some(why) => stalls.insert(job, why),
                None => stalls.remove(&job),
            };
        }
    }

    /// Sends the job's operations; when the disk fills up or the keychain
    /// locks, waits until it can and sends what is left, until all went out
    /// (or the job was paused or cancelled meanwhile). After a wait, the
    /// results are read back from the journal, so every item is reported.
    pub(crate) async fn send_through_stalls(
        &self,
        ops: Vec<Operation>,
        job: JobId,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let mut pending = ops;
        let mut waited = false;
        loop {
            let connection = pending.first().map(|o| o.connection_id);
            let e = match self.send_lanes(pending, job).await {
                Ok(results) if !waited => return Ok(results),
                Ok(_) => break,
                Err(e) if matches!(e.code(), ErrorCode::DiskFull | ErrorCode::KeychainLocked) => e,
                Err(e) => {
                    self.note_stall(job, None);
                    return Err(e);
                }
            };
            waited = true;
            tracing::warn!("job {job}: {e}");
            let message = match e.code() {
                ErrorCode::KeychainLocked => format!(
                    "Unlock your keychain: the job goes on by itself once it can read the vendors' keys. ({e})"
                ),
                _ => e.to_string(),
            };
            self.note_stall(
                job,
                Some(Stall {
                    code: e.code(),
                    message,
                }),
            );
            let go_on = match (e.code(), connection) {
                (ErrorCode::KeychainLocked, Some(c)) => self.wait_for_keychain(job, c).await?,
                (ErrorCode::KeychainLocked, None) => true,
                _ => self.wait_for_space(job).await?,
            };
            if !go_on {
                break;
            }
            self.note_stall(job, None);
            pending = self
                .on_store(move |store| {
                    Ok(store.read(|db| {
                        operations::list_by_job_in(
                            db,
                            job,
                            &[OperationState::Queued, OperationState::Sending],
                            u32::MAX,
                        )
                    })?)
                })
                .await?;
        }
        self.note_stall(job, None);
        self.results_of(job).await
    }

    /// Whether the manager paused or cancelled the job (a waiting job stops waiting).
    async fn job_stopped(&self, job: JobId) -> Result<bool, EngineError> {
        let current = self
            .on_store(move |store| Ok(store.read(|db| jobs::get(db, job))?))
            .await?;
        Ok(current.paused_at.is_some() || current.state == JobState::Cancelled)
    }

    /// Tries a small write every few seconds until one fits (`true`), or the
    /// manager paused or cancelled the job meanwhile (`false`). The write lets
    /// go of the items this run was sending when the disk filled up (no call
    /// of the job is in flight now), so they are sent again.
    async fn wait_for_space(&self, job: JobId) -> Result<bool, EngineError> {
        let owner = self.owner.clone();
        loop {
            tokio::time::sleep(RETRY_EVERY).await;
            if self.job_stopped(job).await? {
                return Ok(false);
            }
            let owner = owner.clone();
            let fits = self
                .on_store(move |store| {
                    let wrote = store.write(|db| {
                        jobs::touch(db, job, Timestamp::now())?;
                        operations::release_unrecorded(db, owner.id(), job)
                    });
                    match wrote {
                        Ok(_) => Ok(true),
                        Err(switchboard_store::StoreError::DiskFull) => Ok(false),
                        Err(e) => Err(e.into()),
                    }
                })
                .await?;
            if fits {
                return Ok(true);
            }
        }
    }

    /// Reads the key of one of the job's connections every few seconds until
    /// the keychain gives it (`true`), or the manager paused or cancelled the
    /// job meanwhile (`false`).
    async fn wait_for_keychain(
        &self,
        job: JobId,
        connection: ConnectionId,
    ) -> Result<bool, EngineError> {
        loop {
            tokio::time::sleep(RETRY_EVERY).await;
            if self.job_stopped(job).await? {
                return Ok(false);
            }
            match self.adapter(connection, HttpOptions::default()).await {
                Ok(_) => return Ok(true),
                Err(e) if e.code() == ErrorCode::KeychainLocked => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Every item of the job as the journal has it now.
    async fn results_of(&self, job: JobId) -> Result<Vec<OperationResult>, EngineError> {
        let ops = self
            .on_store(move |store| Ok(store.read(|db| operations::list_by_job(db, job))?))
            .await?;
        Ok(ops
            .into_iter()
            .map(|op| OperationResult {
                operation_id: op.id,
                agent_names: op.agent_names,
                state: op.state,
                error_code: op.error_code,
                message: op.error_message,
                hint: None,
            })
            .collect())
    }
}
