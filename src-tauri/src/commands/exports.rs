//! Exports from the window: the manager says where in the OS's Save dialog
//! (opening in Downloads with a dated name); each file is written whole (or not
//! at all), and the window is told where it went.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use switchboard_domain::job::HistoryQuery;
use switchboard_engine::{EngineError, Workspace};

use crate::AppState;
use crate::api::{ExportResult, IpcError, JobExportRequest};
use crate::dialogs::{FileAsk, Picked};

/// Overrides where the app writes exports, without asking (scripted set-ups
/// and the end-to-end tests).
pub const EXPORT_DIR_ENV: &str = "SWITCHBOARD_EXPORT_DIR";

/// The folder the Save dialog opens in: the user's Downloads folder, else
/// `exports` in the data folder (made if missing), with why.
fn default_folder(ws: &Workspace) -> Result<(PathBuf, Option<String>), IpcError> {
    let (dir, note) = match dirs::download_dir() {
        Some(dir) => (dir, None),
        None => {
            let dir = ws.config().data_dir.join("exports");
            let note = format!(
                "This system has no Downloads folder, so exports go to {}.",
                dir.display()
            );
            (dir, Some(note))
        }
    };
    create(&dir)?;
    Ok((dir, note))
}

fn create(dir: &std::path::Path) -> Result<(), IpcError> {
    std::fs::create_dir_all(dir).map_err(|e| IpcError {
        code: switchboard_engine::ErrorCode::Internal,
        message: format!("cannot create {}: {e}", dir.display()),
        field: None,
    })
}

/// Where an export named for `what` goes: the file the manager chose (`None`
/// when they cancelled), with a note when it is not where they would look.
async fn target(
    state: &AppState,
    what: &str,
) -> Result<Option<(PathBuf, Option<String>)>, IpcError> {
    let ready = state.running()?;
    let stamp = chrono::Local::now().format("%Y-%m-%d-%H%M%S");
    let name = format!("switchboard-{what}-{stamp}.csv");
    if let Some(dir) = std::env::var_os(EXPORT_DIR_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        create(&dir)?;
        return Ok(Some((dir.join(name), None)));
    }
    let (folder, note) = default_folder(&ready.workspace)?;
    let ask = FileAsk::Save {
        folder: folder.clone(),
        name: name.clone(),
    };
    Ok(match ready.pick_file(ask).await {
        Picked::Chosen(path) => Some((with_csv_extension(path), None)),
        Picked::Cancelled => None,
        Picked::NoDialog => Some((folder.join(name), note)),
    })
}

/// A name typed without an extension gets `.csv`, as spreadsheets expect.
fn with_csv_extension(path: PathBuf) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension("csv")
    }
}

/// Asks where, then writes the export there with `write` (its rows).
async fn export<F, Fut>(
    state: &AppState,
    what: &str,
    write: F,
) -> Result<Option<ExportResult>, IpcError>
where
    F: FnOnce(Arc<Workspace>, PathBuf) -> Fut,
    Fut: Future<Output = Result<u64, EngineError>>,
{
    let ws = state.workspace()?;
    let Some((path, note)) = target(state, what).await? else {
        return Ok(None);
    };
    let rows = write(ws, path.clone()).await?;
    Ok(Some(ExportResult {
        path: path.display().to_string(),
        rows,
        note,
    }))
}

pub async fn export_history(
    state: &AppState,
    request: HistoryQuery,
) -> Result<Option<ExportResult>, IpcError> {
    export(state, "history", |ws, path| async move {
        ws.export_history(request, path).await
    })
    .await
}

pub async fn export_job(
    state: &AppState,
    request: JobExportRequest,
) -> Result<Option<ExportResult>, IpcError> {
    export(state, "job", |ws, path| async move {
        ws.export_job(request.job_id, request.only, path).await
    })
    .await
}

pub async fn export_reassign_plan(
    state: &AppState,
    request: switchboard_engine::reassign::ReassignRequest,
) -> Result<Option<ExportResult>, IpcError> {
    export(state, "plan", |ws, path| async move {
        ws.export_reassign_plan(request, path).await
    })
    .await
}

pub async fn export_plan_template(state: &AppState) -> Result<Option<ExportResult>, IpcError> {
    export(state, "plan-template", |ws, path| async move {
        ws.export_plan_template(path).await
    })
    .await
}

pub async fn export_plan_errors(
    state: &AppState,
    request: crate::api::PlanText,
) -> Result<Option<ExportResult>, IpcError> {
    let raw = switchboard_engine::plans::read_bytes(request.text.as_bytes())?;
    export(state, "plan-errors", |ws, path| async move {
        ws.export_plan_errors(request.name, raw, path).await
    })
    .await
}

/// A chart's data (the table the window shows).
pub async fn save_export(
    state: &AppState,
    request: switchboard_engine::export::Table,
) -> Result<Option<ExportResult>, IpcError> {
    // A table the window got wrong is refused before the manager is asked where.
    let part = request.file_part()?;
    request.check()?;
    export(
        state,
        &part,
        |_, path| async move { request.save_to(&path) },
    )
    .await
}

/// A CSV file the manager chooses in the OS's Open dialog, read as text (too
/// big, binary or not UTF-8: refused with the fix). `None` when they cancelled.
pub async fn open_csv(
    state: &AppState,
    request: crate::api::OpenCsvRequest,
) -> Result<Option<crate::api::PlanText>, IpcError> {
    let ready = state.running()?;
    let path = match ready
        .pick_file(FileAsk::Open {
            title: request.title,
        })
        .await
    {
        Picked::Chosen(path) => path,
        Picked::Cancelled => return Ok(None),
        Picked::NoDialog => {
            return Err(IpcError {
                code: switchboard_engine::ErrorCode::Internal,
                message: "this window cannot show the Open dialog".into(),
                field: None,
            });
        }
    };
    let text = tokio::task::spawn_blocking({
        let path = path.clone();
        move || switchboard_engine::plans::read_csv_file(&path)
    })
    .await
    .map_err(|e| IpcError {
        code: switchboard_engine::ErrorCode::Internal,
        message: format!("reading the file stopped: {e}"),
        field: None,
    })??;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(Some(crate::api::PlanText { name, text }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_typed_without_an_extension_gets_csv() {
        assert_eq!(
            with_csv_extension("/tmp/report".into()),
            PathBuf::from("/tmp/report.csv")
        );
        assert_eq!(
            with_csv_extension("/tmp/report.txt".into()),
            PathBuf::from("/tmp/report.txt")
        );
    }
}
