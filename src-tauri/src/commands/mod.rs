//! One plain async function per command: parse, call the engine, map the error.

use switchboard_domain::agent::AgentSource;
use switchboard_domain::browse::{
    AgentRow, PersonRow, TargetPage, TargetQuery, TargetRow, TeamRow,
};
use switchboard_domain::connection::Connection;
use switchboard_domain::job::{HistoryPage, HistoryQuery, OperationState, QueueCounts};
use switchboard_domain::sync::SyncRun;
use switchboard_domain::{PersonId, Timestamp};
use switchboard_engine::agents::ImportReport;
use switchboard_engine::connections::{CheckOutcome, ConnectionSummary};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Diagnostics, EngineError, Workspace};

use crate::AppState;
use crate::api::*;

mod covers;
mod database;
mod exports;
mod plans;
pub(crate) use covers::run_due;
pub use covers::*;
pub use database::*;
pub use exports::*;
pub use plans::*;
use switchboard_vendors::VendorInfo;

pub async fn diagnostics(state: &AppState) -> Result<Diagnostics, IpcError> {
    Ok(match state {
        AppState::Ready(ready) => ready.workspace.diagnostics().await,
        AppState::Failed {
            config: Some(config),
            error,
        } => Workspace::diagnostics_for_failed_start(config, error).await,
        AppState::Failed {
            config: None,
            error,
        } => return Err(error.into()),
    })
}

pub async fn set_secret(state: &AppState, request: SetSecretRequest) -> Result<(), IpcError> {
    Ok(state
        .workspace()?
        .set_secret(request.connection_id, request.secret)
        .await?)
}

pub async fn has_secret(state: &AppState, request: ConnectionRef) -> Result<bool, IpcError> {
    Ok(state.workspace()?.has_secret(request.connection_id).await?)
}

pub async fn delete_secret(state: &AppState, request: ConnectionRef) -> Result<bool, IpcError> {
    Ok(state
        .workspace()?
        .delete_secret(request.connection_id)
        .await?)
}

pub async fn vendors(_state: &AppState) -> Result<Vec<VendorInfo>, IpcError> {
    Ok(switchboard_vendors::vendor_infos())
}

pub async fn list_connections(state: &AppState) -> Result<Vec<ConnectionSummary>, IpcError> {
    Ok(state.workspace()?.connection_summaries().await?)
}

pub async fn create_connection(
    state: &AppState,
    request: ConnectionFormRequest,
) -> Result<Connection, IpcError> {
    Ok(state
        .workspace()?
        .create_connection(request.vendor, request.form, false)
        .await?)
}

pub async fn update_connection(
    state: &AppState,
    request: UpdateConnectionRequest,
) -> Result<Connection, IpcError> {
    Ok(state
        .workspace()?
        .update_connection(request.connection_id, request.form)
        .await?)
}

pub async fn remove_connection(state: &AppState, request: ConnectionRef) -> Result<(), IpcError> {
    Ok(state
        .workspace()?
        .remove_connection(request.connection_id)
        .await?)
}

pub async fn test_connection(
    state: &AppState,
    request: ConnectionRef,
) -> Result<CheckOutcome, IpcError> {
    Ok(state
        .workspace()?
        .test_connection(request.connection_id)
        .await?)
}

pub async fn test_connection_form(
    state: &AppState,
    request: ConnectionFormRequest,
) -> Result<CheckOutcome, IpcError> {
    Ok(state
        .workspace()?
        .test_form(request.vendor, request.form)
        .await?)
}

pub async fn create_demo(state: &AppState) -> Result<Vec<Connection>, IpcError> {
    Ok(state.workspace()?.create_demo().await?)
}

pub async fn sync_connection(state: &AppState, request: SyncRequest) -> Result<SyncRun, IpcError> {
    let AppState::Ready(ready) = state else {
        return Err(state.workspace().err().unwrap_or_else(internal));
    };
    let id = request.connection_id;
    let cancel = Cancel::default();
    {
        let mut running = ready
            .syncs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if running.contains_key(&id) {
            return Err(IpcError::from(EngineError::Invalid(
                switchboard_domain::ValidationError::new(
                    "connection",
                    "this connection is syncing already; wait for it or cancel it",
                ),
            )));
        }
        running.insert(id, cancel.clone());
    }
    let emit = |p| ready.emit(AppEvent::SyncProgress(p));
    let started = std::time::Instant::now();
    let result = ready.workspace.sync(id, request.mode, &emit, &cancel).await;
    ready
        .syncs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&id);
    // A long sync that ends while the manager works elsewhere is told through the OS.
    if started.elapsed() >= LONG_JOB {
        let name = ready
            .workspace
            .connection_summaries()
            .await
            .ok()
            .and_then(|list| list.into_iter().find(|c| c.connection.id == id))
            .map_or_else(|| "A connection".to_owned(), |c| c.connection.display_name);
        match &result {
            Ok(run) => ready.notify_away(
                &format!("{name} is synced"),
                &format!("{} agents, {} targets.", run.agents, run.targets),
            ),
            Err(e) => ready.notify_away(&format!("{name} was not synced"), &e.to_string()),
        }
    }
    Ok(result?)
}

pub async fn cancel_sync(state: &AppState, request: ConnectionRef) -> Result<bool, IpcError> {
    let AppState::Ready(ready) = state else {
        return Ok(false);
    };
    let running = ready
        .syncs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(running
        .get(&request.connection_id)
        .map(Cancel::cancel)
        .is_some())
}

pub async fn list_people(
    state: &AppState,
    request: SearchRequest,
) -> Result<Vec<PersonRow>, IpcError> {
    Ok(state.workspace()?.people(request.search).await?)
}

pub async fn assign(
    state: &AppState,
    request: switchboard_engine::assign::AssignRequest,
) -> Result<switchboard_engine::assign::JobOutcome, IpcError> {
    Ok(state.workspace()?.assign(request).await?)
}

pub async fn preview_assign(
    state: &AppState,
    request: switchboard_engine::assign::AssignRequest,
) -> Result<switchboard_engine::preview::AssignPreview, IpcError> {
    Ok(state.workspace()?.preview_assign(request).await?)
}

pub async fn preview_reassign(
    state: &AppState,
    request: switchboard_engine::reassign::ReassignRequest,
) -> Result<switchboard_engine::reassign::ReassignPlan, IpcError> {
    Ok(state.workspace()?.preview_reassign(request).await?)
}

pub async fn start_reassign(
    state: &AppState,
    request: switchboard_engine::reassign::ReassignRequest,
) -> Result<switchboard_engine::reassign::StartedJob, IpcError> {
    let ready = state.running()?;
    let started = ready.workspace.start_reassign(request).await?;
    send_in_background(ready, started.job_id);
    Ok(started)
}

pub async fn start_undo(
    state: &AppState,
    request: JobRef,
) -> Result<switchboard_engine::reassign::StartedJob, IpcError> {
    let ready = state.running()?;
    let started = ready.workspace.start_undo(request.job_id).await?;
    send_in_background(ready, started.job_id);
    Ok(started)
}

/// A job that ran this long is worth an OS notification when it ends.
const LONG_JOB: std::time::Duration = std::time::Duration::from_secs(20);

/// Sends a journaled job while the window goes on; it watches `job_progress`.
/// When nothing is left to send the window hears of it, and after a long job
/// the OS tells the manager if the window is not in front.
pub(super) fn send_in_background(
    ready: std::sync::Arc<crate::state::Ready>,
    job: switchboard_domain::JobId,
) {
    tauri::async_runtime::spawn(async move {
        let started = std::time::Instant::now();
        if let Err(e) = ready.workspace.resume_job(job).await {
            eprintln!("switchboard: job {job}: {e}; what waits goes out with the queue");
        }
        if let Ok(counts) = ready.workspace.queue_counts().await {
            ready.queue_changed(counts);
        }
        let Ok(progress) = ready.workspace.job_progress(job).await else {
            return;
        };
        if progress.remaining > 0 {
            return; // paused, or waiting for a vendor: not finished
        }
        if started.elapsed() >= LONG_JOB {
            ready.notify_away(
                &progress.summary.job.title,
                &crate::commands::ended(&progress.summary),
            );
        }
        ready.emit(crate::api::AppEvent::JobFinished(progress.summary));
    });
}

/// How a job's items ended, in a line: "480 done, 3 failed, 2 in conflict".
pub(crate) fn ended(summary: &switchboard_engine::jobs::JobSummary) -> String {
    let words = [
        ("done", "done"),
        ("failed", "failed"),
        ("unknown", "not confirmed"),
        ("conflict", "in conflict"),
        ("cancelled", "cancelled"),
    ];
    let parts: Vec<String> = words
        .iter()
        .filter_map(|(state, word)| {
            summary
                .by_state
                .get(*state)
                .filter(|n| **n > 0)
                .map(|n| format!("{n} {word}"))
        })
        .collect();
    if parts.is_empty() {
        "nothing to do".into()
    } else {
        parts.join(", ")
    }
}

pub async fn preview_undo(
    state: &AppState,
    request: JobRef,
) -> Result<switchboard_engine::reassign::ReassignPlan, IpcError> {
    Ok(state.workspace()?.preview_undo(request.job_id).await?)
}

pub async fn retry_job(
    state: &AppState,
    request: JobRef,
) -> Result<Vec<switchboard_engine::journal::OperationResult>, IpcError> {
    Ok(state.workspace()?.retry_failed(request.job_id).await?)
}

pub async fn pause_job(
    state: &AppState,
    request: JobRef,
) -> Result<switchboard_engine::jobs::JobSummary, IpcError> {
    Ok(state.workspace()?.pause_job(request.job_id).await?)
}

pub async fn resume_job(
    state: &AppState,
    request: JobRef,
) -> Result<switchboard_engine::jobs::JobSummary, IpcError> {
    let ready = state.running()?;
    let summary = ready.workspace.unpause_job(request.job_id).await?;
    send_in_background(ready, request.job_id);
    Ok(summary)
}

pub async fn cancel_job(
    state: &AppState,
    request: JobRef,
) -> Result<switchboard_engine::jobs::JobSummary, IpcError> {
    Ok(state.workspace()?.cancel_job(request.job_id).await?)
}

pub async fn job_progress(
    state: &AppState,
    request: JobRef,
) -> Result<switchboard_engine::jobs::JobProgress, IpcError> {
    Ok(state.workspace()?.job_progress(request.job_id).await?)
}

pub async fn release(
    state: &AppState,
    request: switchboard_engine::assign::ReleaseRequest,
) -> Result<switchboard_engine::assign::JobOutcome, IpcError> {
    Ok(state.workspace()?.release(request).await?)
}

/// Sends what waits now; a change another Switchboard is sending is left to it.
pub async fn send_queued(
    state: &AppState,
) -> Result<Vec<switchboard_engine::assign::OperationResult>, IpcError> {
    Ok(state.workspace()?.send_queued().await?)
}

pub async fn queue_counts(state: &AppState) -> Result<QueueCounts, IpcError> {
    Ok(state.workspace()?.queue_counts().await?)
}

pub async fn cancel_operation(
    state: &AppState,
    request: OperationRef,
) -> Result<OperationState, IpcError> {
    Ok(state
        .workspace()?
        .cancel_operation(request.operation_id)
        .await?)
}

pub async fn retry_operation(
    state: &AppState,
    request: RetryRequest,
) -> Result<switchboard_engine::assign::OperationResult, IpcError> {
    Ok(state
        .workspace()?
        .retry_operation(request.operation_id, request.apply_anyway)
        .await?)
}

pub async fn get_operation(
    state: &AppState,
    request: OperationRef,
) -> Result<OperationDetail, IpcError> {
    let (operation, agent_ids) = state.workspace()?.operation(request.operation_id).await?;
    Ok(OperationDetail {
        operation,
        agent_ids,
    })
}

pub async fn history(state: &AppState, request: HistoryQuery) -> Result<HistoryPage, IpcError> {
    Ok(state.workspace()?.history(request).await?)
}

pub async fn refresh_target(state: &AppState, request: TargetRef) -> Result<TargetRow, IpcError> {
    Ok(state.workspace()?.refresh_target(request.target_id).await?)
}

pub async fn list_agents(state: &AppState, request: AgentQuery) -> Result<Vec<AgentRow>, IpcError> {
    Ok(state
        .workspace()?
        .agents(request.connection_id, request.search)
        .await?)
}

pub async fn list_teams(
    state: &AppState,
    request: ConnectionFilter,
) -> Result<Vec<TeamRow>, IpcError> {
    Ok(state.workspace()?.teams(request.connection_id).await?)
}

pub async fn list_targets(state: &AppState, request: TargetQuery) -> Result<TargetPage, IpcError> {
    Ok(state.workspace()?.targets(request).await?)
}

pub async fn add_agent(
    state: &AppState,
    request: AddAgentRequest,
) -> Result<ImportReport, IpcError> {
    Ok(state
        .workspace()?
        .add_agents(
            request.connection_id,
            vec![request.agent],
            AgentSource::Manual,
        )
        .await?)
}

pub async fn import_agents_csv(
    state: &AppState,
    request: ImportCsvRequest,
) -> Result<ImportReport, IpcError> {
    Ok(state
        .workspace()?
        .import_agents_csv(request.connection_id, request.csv)
        .await?)
}

pub async fn link_agent(state: &AppState, request: LinkAgentRequest) -> Result<(), IpcError> {
    Ok(state
        .workspace()?
        .link_agent(request.agent_id, request.person_id)
        .await?)
}

pub async fn unlink_agent(state: &AppState, request: AgentRequest) -> Result<PersonId, IpcError> {
    Ok(state.workspace()?.unlink_agent(request.agent_id).await?)
}

fn internal() -> IpcError {
    IpcError {
        code: switchboard_engine::ErrorCode::Internal,
        message: "Switchboard is not ready".into(),
        field: None,
    }
}

pub async fn status_board(
    state: &AppState,
    request: switchboard_engine::board::BoardFilter,
) -> Result<switchboard_engine::statuses::StatusBoard, IpcError> {
    Ok(state.workspace()?.filtered_status_board(&request).await?)
}

pub async fn poll_statuses(
    state: &AppState,
    request: ConnectionRef,
) -> Result<switchboard_engine::statuses::PollReport, IpcError> {
    Ok(state
        .workspace()?
        .poll_statuses(request.connection_id)
        .await?)
}

/// How long one renewal of the board's watch lasts.
pub const WATCH_LEASE_MS: i64 = 20_000;

pub async fn watch_statuses(state: &AppState, request: WatchRequest) -> Result<(), IpcError> {
    let AppState::Ready(ready) = state else {
        return Err(internal());
    };
    let until = if request.watching {
        Timestamp::now().0 + WATCH_LEASE_MS
    } else {
        0
    };
    ready
        .status_watch_until
        .store(until, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

pub async fn set_status(
    state: &AppState,
    request: switchboard_engine::statuses::SetStatusRequest,
) -> Result<switchboard_engine::statuses::StatusOutcome, IpcError> {
    Ok(state.workspace()?.set_status(request).await?)
}

pub async fn status_chart(
    state: &AppState,
    request: switchboard_domain::dashboard::StatusChartQuery,
) -> Result<switchboard_domain::dashboard::StatusChart, IpcError> {
    Ok(state.workspace()?.status_chart(request).await?)
}

pub async fn status_timelines(
    state: &AppState,
    request: switchboard_domain::dashboard::StatusChartQuery,
) -> Result<Vec<switchboard_domain::dashboard::AgentTimeline>, IpcError> {
    Ok(state.workspace()?.status_timelines(request).await?)
}

pub async fn activity_summary(
    state: &AppState,
    request: switchboard_domain::dashboard::StatusChartQuery,
) -> Result<switchboard_domain::dashboard::ActivitySummary, IpcError> {
    Ok(state.workspace()?.activity_summary(request).await?)
}

pub async fn workload(
    state: &AppState,
    request: switchboard_engine::dashboards::WorkloadQuery,
) -> Result<switchboard_domain::dashboard::Workload, IpcError> {
    Ok(state.workspace()?.workload(request).await?)
}

pub async fn mismatches(
    state: &AppState,
) -> Result<Vec<switchboard_domain::dashboard::Mismatch>, IpcError> {
    Ok(state.workspace()?.mismatches().await?)
}

pub async fn startup_notices(state: &AppState) -> Result<Vec<String>, IpcError> {
    Ok(match state {
        AppState::Ready(ready) => ready
            .notices
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default(),
        AppState::Failed { .. } => Vec::new(),
    })
}

/// Whether a newer Switchboard is on offer (works when the workspace did not open).
pub async fn check_update(_state: &AppState) -> Result<crate::updates::UpdateCheck, IpcError> {
    crate::updates::run(crate::updates::UpdateAction::Check).await
}

/// Downloads the newer version, checks its signature, installs it and restarts.
pub async fn install_update(_state: &AppState) -> Result<crate::updates::UpdateCheck, IpcError> {
    crate::updates::run(crate::updates::UpdateAction::Install).await
}

/// The window shows its first view's data: the start-up time in ms (once; the
/// same figure after), none where start-up was not timed (the IPC tests).
pub async fn window_ready(_state: &AppState) -> Result<Option<u64>, IpcError> {
    Ok(crate::startup::ready().map(|d| d.as_millis() as u64))
}
