//! Assignment plans from CSV: the window reads the file the manager chose and
//! sends its text; the engine checks it, runs it as a bulk job (sent in the
//! background, watched with `job_progress`) and writes the template and the
//! rows with their errors to the exports folder.

use switchboard_engine::plans::{self, PlanCheck, RawPlan};
use switchboard_engine::reassign::StartedJob;

use super::{export_file, send_in_background};
use crate::AppState;
use crate::api::{ExportResult, IpcError, PlanText};

fn read(request: &PlanText) -> Result<RawPlan, IpcError> {
    Ok(plans::read_bytes(request.text.as_bytes())?)
}

pub async fn check_plan(state: &AppState, request: PlanText) -> Result<PlanCheck, IpcError> {
    let raw = read(&request)?;
    Ok(state.workspace()?.check_plan(request.name, raw).await?)
}

pub async fn start_plan(state: &AppState, request: PlanText) -> Result<StartedJob, IpcError> {
    let raw = read(&request)?;
    let ready = state.running()?;
    let started = ready.workspace.start_plan_file(request.name, raw).await?;
    send_in_background(ready, started.job_id);
    Ok(started)
}

pub async fn export_plan_template(state: &AppState) -> Result<ExportResult, IpcError> {
    let ws = state.workspace()?;
    let (path, note) = export_file(&ws, "plan-template")?;
    let rows = ws.export_plan_template(path.clone()).await?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    })
}

pub async fn export_plan_errors(
    state: &AppState,
    request: PlanText,
) -> Result<ExportResult, IpcError> {
    let raw = read(&request)?;
    let ws = state.workspace()?;
    let (path, note) = export_file(&ws, "plan-errors")?;
    let rows = ws
        .export_plan_errors(request.name, raw, path.clone())
        .await?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    })
}
