//! Sync: everything a vendor lets us list (agents, teams, targets with their
//! assignees) mirrored into the local cache, page by page to the end.
//!
//! Pages are fetched first and saved only when all have arrived, so a failed
//! page or a cancelled sync keeps the previous data whole and says what failed.
//! Saving is not cancellable; it goes in short transactions with pauses between
//! them (see `save.rs`), so other writers are never locked out for long.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use switchboard_domain::sync::{SyncMode, SyncRun, SyncState};
use switchboard_domain::{ConnectionId, Timestamp};
use switchboard_store::sync_runs;
use switchboard_vendors::{
    Adapter, Cursor, HttpOptions, Page, RemoteAgent, RemoteTarget, RemoteTeam, VendorError,
};
use ts_rs::TS;

use crate::connections::{CheckOutcome, explain};
use crate::{EngineError, Workspace};

mod save;
use save::save;

/// An incremental sync starts this much before the last one's newest time, so
/// changes that landed while it ran are not missed.
const OVERLAP_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Agents,
    Teams,
    Targets,
    Saving,
    Done,
}

/// Where a running sync is, for the progress bar.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SyncProgress {
    pub connection_id: ConnectionId,
    pub phase: SyncPhase,
    #[ts(type = "number")]
    pub done: u64,
    /// How many there are in all, where the vendor says.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// Cancels a running sync between two pages; nothing it fetched is kept.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub(super) struct Fetched {
    agents: Option<Vec<RemoteAgent>>,
    teams: Vec<RemoteTeam>,
    targets: Vec<RemoteTarget>,
}

pub(super) type Progress<'a> = &'a (dyn Fn(SyncProgress) + Send + Sync);

impl Workspace {
    /// Syncs one connection. `Incremental` falls back to a full sync when the
    /// vendor cannot list by time or there was no earlier sync.
    pub async fn sync(
        &self,
        id: ConnectionId,
        mode: SyncMode,
        progress: Progress<'_>,
        cancel: &Cancel,
    ) -> Result<SyncRun, EngineError> {
        let (connection, adapter) = self.adapter(id, HttpOptions::default()).await?;
        let caps = adapter.capabilities();
        let store = self.store().clone();
        let last_done =
            tokio::task::spawn_blocking(move || store.read(|db| sync_runs::latest_done(db, id)))
                .await??;
        let previous_mark = last_done.and_then(|r| r.high_water);
        let since = match (mode, caps.incremental_targets, previous_mark) {
            (SyncMode::Incremental, true, Some(mark)) => Some(Timestamp(mark.0 - OVERLAP_MS)),
            _ => None,
        };
        let mut run = SyncRun {
            id: 0,
            connection_id: id,
            mode: if since.is_some() {
                SyncMode::Incremental
            } else {
                SyncMode::Full
            },
            state: SyncState::Running,
            started_at: Timestamp::now(),
            finished_at: None,
            agents: 0,
            teams: 0,
            targets: 0,
            // Carried forward when nothing newer is seen.
            high_water: previous_mark,
            error_code: None,
            error_message: None,
        };
        let store = self.store().clone();
        let started = run.clone();
        run.id =
            tokio::task::spawn_blocking(move || store.write(|db| sync_runs::insert(db, &started)))
                .await??;

        let fetched = fetch(&adapter, id, since, progress, cancel).await;
        let saved = match fetched {
            Ok(fetched) => save(self.store(), &connection, run, fetched, progress)
                .await
                .map_err(|(run, error)| (run, error, true)),
            Err(error) => Err((run, error, false)),
        };
        match saved {
            Ok(run) => {
                let vendor = connection.vendor;
                self.record_check(
                    id,
                    &CheckOutcome {
                        ok: true,
                        outcome: "ok".into(),
                        message: format!(
                            "Synced {} agents and {} targets from {vendor}.",
                            run.agents, run.targets
                        ),
                        account_name: None,
                        latency_ms: None,
                    },
                )
                .await?;
                // What the vendor's activity log kept since the last read
                // (the time nobody watched) is history too: a bounded read,
                // which the next sync or the status board goes on with.
                if caps.activity_log
                    && let Err(e) = self
                        .read_status_log_pages(id, crate::status_log::PAGES_AT_SYNC)
                        .await
                {
                    tracing::warn!("reading {vendor}'s activity log after a sync: {e}");
                }
                progress(SyncProgress {
                    connection_id: id,
                    phase: SyncPhase::Done,
                    done: run.targets as u64,
                    total: Some(run.targets as u64),
                });
                Ok(run)
            }
            Err((mut run, error, saving)) => {
                let (state, code, message) = match &error {
                    EngineError::Cancelled => (
                        SyncState::Cancelled,
                        "cancelled".to_owned(),
                        "Cancelled; the cache kept its earlier data.".to_owned(),
                    ),
                    EngineError::Vendor { vendor, source } => {
                        let (code, message) =
                            explain(*vendor, connection.base_url.as_str(), source);
                        // What says something about the connection itself
                        // (no answer, a refused key) is its badge's word too.
                        let refused = matches!(
                            source,
                            switchboard_vendors::VendorError::Unauthorized { .. }
                                | switchboard_vendors::VendorError::Forbidden { .. }
                        );
                        if source.is_unreachable() || refused {
                            self.record_check(
                                id,
                                &CheckOutcome {
                                    ok: false,
                                    outcome: code.clone(),
                                    message: message.clone(),
                                    account_name: None,
                                    latency_ms: None,
                                },
                            )
                            .await?;
                        }
                        (
                            SyncState::Failed,
                            code,
                            format!("{message} The cache kept its earlier data."),
                        )
                    }
                    // Saving stopped part-way: what was saved is the vendor's,
                    // and nothing was removed.
                    other if saving => (
                        SyncState::Failed,
                        other.code().as_str().to_owned(),
                        format!(
                            "{other} Saving stopped after {} targets; nothing was removed from the cache, and the next sync completes it.",
                            run.targets
                        ),
                    ),
                    other => (
                        SyncState::Failed,
                        other.code().as_str().to_owned(),
                        other.to_string(),
                    ),
                };
                run.state = state;
                run.finished_at = Some(Timestamp::now());
                run.error_code = Some(code);
                run.error_message = Some(message);
                let store = self.store().clone();
                let failed = run.clone();
                tokio::task::spawn_blocking(move || {
                    store.write(|db| sync_runs::finish(db, &failed))
                })
                .await??;
                Err(error)
            }
        }
    }
}

async fn fetch(
    adapter: &Adapter,
    id: ConnectionId,
    since: Option<Timestamp>,
    progress: Progress<'_>,
    cancel: &Cancel,
) -> Result<Fetched, EngineError> {
    let caps = adapter.capabilities();
    let vendor = adapter.vendor();
    let vendor_error = |source| EngineError::Vendor { vendor, source };
    let stop = || {
        if cancel.is_cancelled() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    };

    let agents = if caps.list_agents {
        let pages = all_pages(
            id,
            SyncPhase::Agents,
            progress,
            &stop,
            |cursor| async move { adapter.agents(cursor.as_ref()).await },
        );
        Some(pages.await.map_err(|e| e.into_engine(vendor))?)
    } else {
        None
    };

    stop()?;
    let teams = if caps.list_teams {
        adapter.teams().await.map_err(vendor_error)?
    } else {
        Vec::new()
    };
    progress(SyncProgress {
        connection_id: id,
        phase: SyncPhase::Teams,
        done: teams.len() as u64,
        total: Some(teams.len() as u64),
    });

    let targets = if caps.list_targets {
        let pages = all_pages(
            id,
            SyncPhase::Targets,
            progress,
            &stop,
            |cursor| async move { adapter.targets(since, cursor.as_ref()).await },
        );
        pages.await.map_err(|e| e.into_engine(vendor))?
    } else {
        Vec::new()
    };
    stop()?;
    Ok(Fetched {
        agents,
        teams,
        targets,
    })
}

/// Why walking a listing stopped: the manager cancelled, or the vendor failed.
enum Stopped {
    Cancelled(EngineError),
    Vendor(VendorError),
}

impl Stopped {
    fn into_engine(self, vendor: switchboard_domain::Vendor) -> EngineError {
        match self {
            Stopped::Cancelled(e) => e,
            Stopped::Vendor(source) => EngineError::Vendor { vendor, source },
        }
    }
}

/// Every page of a listing, first to last, reporting progress after each and
/// stopping between two pages when cancelled.
async fn all_pages<T, Fut>(
    id: ConnectionId,
    phase: SyncPhase,
    progress: Progress<'_>,
    stop: &impl Fn() -> Result<(), EngineError>,
    mut page: impl FnMut(Option<Cursor>) -> Fut,
) -> Result<Vec<T>, Stopped>
where
    Fut: std::future::Future<Output = Result<Page<T>, VendorError>>,
{
    let mut all = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        stop().map_err(Stopped::Cancelled)?;
        let got = page(cursor.take()).await.map_err(Stopped::Vendor)?;
        all.extend(got.items);
        progress(SyncProgress {
            connection_id: id,
            phase,
            done: all.len() as u64,
            total: got.total,
        });
        match got.next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}
