//! Covers from the window. A cover's steps run in the background (the
//! window's scheduler in `lib.rs` every half minute, or at once after adding
//! a cover that is already due, or ending one early); `covers-ran` says what
//! each step did.

use std::sync::Arc;

use switchboard_engine::covers::{CoverRequest, CoverRow};

use crate::AppState;
use crate::api::{AppEvent, CoverEdit, CoverExtend, CoverPreview, CoverRef, IpcError};
use crate::state::Ready;

/// Takes the steps that are due now, in the background, and tells the window.
pub(crate) fn run_due_in_background(ready: Arc<Ready>) {
    tauri::async_runtime::spawn(async move { run_due(&ready).await });
}

/// Takes the steps that are due; tells the window, and the OS when the window
/// is not in front.
pub(crate) async fn run_due(ready: &Ready) {
    match ready.workspace.run_due_covers().await {
        Ok(runs) if !runs.is_empty() => {
            for r in &runs {
                ready.notify_away(
                    &format!("Cover of {}: {}", r.person_name, r.step),
                    &format!("{} items, {} left as they were", r.items, r.skipped),
                );
            }
            ready.emit(AppEvent::CoversRan(runs));
        }
        Ok(_) => {}
        Err(e) => eprintln!("switchboard: covers could not run: {e}"),
    }
}

pub async fn list_covers(state: &AppState) -> Result<Vec<CoverRow>, IpcError> {
    Ok(state.workspace()?.covers().await?)
}

pub async fn preview_cover(
    state: &AppState,
    request: CoverPreview,
) -> Result<switchboard_engine::reassign::ReassignPlan, IpcError> {
    Ok(state
        .workspace()?
        .preview_cover(request.id, request.cover)
        .await?)
}

pub async fn add_cover(state: &AppState, request: CoverRequest) -> Result<CoverRow, IpcError> {
    let ready = state.running()?;
    let row = ready.workspace.add_cover(request).await?;
    // One that is already due starts now, not at the next tick.
    run_due_in_background(ready);
    Ok(row)
}

pub async fn edit_cover(state: &AppState, request: CoverEdit) -> Result<CoverRow, IpcError> {
    let ready = state.running()?;
    let row = ready
        .workspace
        .edit_cover(request.id, request.cover)
        .await?;
    run_due_in_background(ready);
    Ok(row)
}

pub async fn extend_cover(state: &AppState, request: CoverExtend) -> Result<CoverRow, IpcError> {
    Ok(state
        .workspace()?
        .extend_cover(request.id, request.ends_at)
        .await?)
}

pub async fn cancel_cover(state: &AppState, request: CoverRef) -> Result<CoverRow, IpcError> {
    Ok(state.workspace()?.cancel_cover(request.id).await?)
}

/// Ends a cover now; the work goes back in the background (`covers-ran` says
/// how it went).
pub async fn end_cover(state: &AppState, request: CoverRef) -> Result<CoverRow, IpcError> {
    let ready = state.running()?;
    let row = ready.workspace.cover(request.id).await?;
    if row.cover.state != switchboard_domain::cover::CoverState::Active {
        return Err(IpcError::from(switchboard_engine::EngineError::Invalid(
            switchboard_domain::ValidationError::new(
                "cover",
                format!(
                    "cover {} is {}; only one under way can end",
                    row.cover.id, row.cover.state
                ),
            ),
        )));
    }
    let id = request.id;
    let background = ready.clone();
    tauri::async_runtime::spawn(async move {
        match background.workspace.end_cover(id).await {
            Ok(runs) => background.emit(AppEvent::CoversRan(runs)),
            Err(e) => eprintln!("switchboard: ending cover {id}: {e}"),
        }
    });
    Ok(row)
}
