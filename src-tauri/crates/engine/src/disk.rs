//! A full disk while a bulk job runs: the job stops sending (nothing can be
//! journaled), says why, tries a small write every few seconds, and goes on by
//! itself once one fits. Nothing is lost: an item the vendor took but whose
//! answer could not be written stays `sending` and is sent again, which the
//! vendor takes once.

use std::time::Duration;

use switchboard_domain::job::{JobState, Operation, OperationState};
use switchboard_domain::{JobId, Timestamp};
use switchboard_store::{jobs, operations};

use crate::journal::OperationResult;
use crate::{EngineError, ErrorCode, Workspace};

/// How often a job waiting for space tries a write.
const RETRY_EVERY: Duration = Duration::from_secs(2);

impl Workspace {
    /// Why the job waits for the disk, while it does (shown with its progress).
    pub(crate) fn stall_of(&self, job: JobId) -> Option<String> {
        self.stalls.lock().ok()?.get(&job).cloned()
    }

    fn note_stall(&self, job: JobId, why: Option<String>) {
        if let Ok(mut stalls) = self.stalls.lock() {
            match why {
                Some(why) => stalls.insert(job, why),
                None => stalls.remove(&job),
            };
        }
    }

    /// Sends the job's operations; when the disk fills up, waits for space and
    /// sends what is left, until all went out (or the job was paused or
    /// cancelled meanwhile). After a wait, the results are read back from the
    /// journal, so every item is reported.
    pub(crate) async fn send_through_full_disk(
        &self,
        ops: Vec<Operation>,
        job: JobId,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let mut pending = ops;
        let mut waited = false;
        loop {
            match self.send_lanes(pending, job).await {
                Ok(results) if !waited => return Ok(results),
                Ok(_) => break,
                Err(e) if e.code() == ErrorCode::DiskFull => {
                    waited = true;
                    tracing::warn!("job {job}: {e}");
                    self.note_stall(job, Some(e.to_string()));
                    if !self.wait_for_space(job).await? {
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
                Err(e) => {
                    self.note_stall(job, None);
                    return Err(e);
                }
            }
        }
        self.note_stall(job, None);
        self.results_of(job).await
    }

    /// Tries a small write every few seconds until one fits (`true`), or the
    /// manager paused or cancelled the job meanwhile (`false`). The write lets
    /// go of the items this run was sending when the disk filled up (no call
    /// of the job is in flight now), so they are sent again.
    async fn wait_for_space(&self, job: JobId) -> Result<bool, EngineError> {
        let owner = self.owner.clone();
        loop {
            tokio::time::sleep(RETRY_EVERY).await;
            let owner = owner.clone();
            let tried = self
                .on_store(move |store| {
                    let current = store.read(|db| jobs::get(db, job))?;
                    if current.paused_at.is_some() || current.state == JobState::Cancelled {
                        return Ok(Some(false));
                    }
                    let wrote = store.write(|db| {
                        jobs::touch(db, job, Timestamp::now())?;
                        operations::release_unrecorded(db, owner.id(), job)
                    });
                    match wrote {
                        Ok(_) => Ok(Some(true)),
                        Err(switchboard_store::StoreError::DiskFull) => Ok(None),
                        Err(e) => Err(e.into()),
                    }
                })
                .await?;
            if let Some(go_on) = tried {
                return Ok(go_on);
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
