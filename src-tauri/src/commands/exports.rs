//! Exports from the window: each is written whole (or not at all) to the
//! exports folder, and the window is told where it went.

use switchboard_domain::job::HistoryQuery;

use crate::AppState;
use crate::api::{ExportResult, IpcError, JobExportRequest};

/// The folder exports go to: `SWITCHBOARD_EXPORT_DIR`, else the user's Downloads
/// folder, else `exports` in the data folder.
fn exports_dir(ws: &switchboard_engine::Workspace) -> (std::path::PathBuf, Option<String>) {
    if let Some(dir) = std::env::var_os(EXPORT_DIR_ENV).filter(|v| !v.is_empty()) {
        return (dir.into(), None);
    }
    match dirs::download_dir() {
        Some(dir) => (dir, None),
        None => {
            let dir = ws.config().data_dir.join("exports");
            let note = format!(
                "This system has no Downloads folder, so exports go to {}.",
                dir.display()
            );
            (dir, Some(note))
        }
    }
}

/// Overrides where the app writes exports.
pub const EXPORT_DIR_ENV: &str = "SWITCHBOARD_EXPORT_DIR";

pub async fn export_history(
    state: &AppState,
    request: HistoryQuery,
) -> Result<ExportResult, IpcError> {
    let ws = state.workspace()?;
    let (path, note) = export_file(&ws, "history")?;
    let rows = ws.export_history(request, path.clone()).await?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    })
}

/// A new file in the exports folder, named for what it holds and when.
pub(crate) fn export_file(
    ws: &switchboard_engine::Workspace,
    what: &str,
) -> Result<(std::path::PathBuf, Option<String>), IpcError> {
    let (dir, note) = exports_dir(ws);
    std::fs::create_dir_all(&dir).map_err(|e| IpcError {
        code: switchboard_engine::ErrorCode::Internal,
        message: format!("cannot create {}: {e}", dir.display()),
        field: None,
    })?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    Ok((dir.join(format!("switchboard-{what}-{stamp}.csv")), note))
}

pub async fn export_job(
    state: &AppState,
    request: JobExportRequest,
) -> Result<ExportResult, IpcError> {
    let ws = state.workspace()?;
    let (path, note) = export_file(&ws, "job")?;
    let rows = ws
        .export_job(request.job_id, request.only, path.clone())
        .await?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    })
}

pub async fn export_reassign_plan(
    state: &AppState,
    request: switchboard_engine::reassign::ReassignRequest,
) -> Result<ExportResult, IpcError> {
    let ws = state.workspace()?;
    let (path, note) = export_file(&ws, "plan")?;
    let rows = ws.export_reassign_plan(request, path.clone()).await?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    })
}

pub async fn save_export(
    state: &AppState,
    request: switchboard_engine::export::Table,
) -> Result<ExportResult, IpcError> {
    let ws = state.workspace()?;
    let (dir, note) = exports_dir(&ws);
    let (path, rows) = request.save(&dir)?;
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    })
}
