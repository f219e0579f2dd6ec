//! Assignment plans from CSV: the window sends the text of the file the manager
//! chose (`open_csv`); the engine checks it and runs it as a bulk job (sent in
//! the background, watched with `job_progress`). Its exports (the template, the
//! rows with their errors) are in `exports`.

use switchboard_engine::plans::{self, PlanCheck, RawPlan};
use switchboard_engine::reassign::StartedJob;

use super::send_in_background;
use crate::AppState;
use crate::api::{IpcError, PlanText};

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
