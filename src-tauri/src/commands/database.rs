//! The database file from the window: its check and backups, and after damage
//! the manager's choice (start fresh, or restore a backup), which restarts the
//! app on the result. These work whether or not the workspace opened.

use switchboard_engine::Config;
use switchboard_engine::database::{self, DatabaseReport};

use crate::AppState;
use crate::api::{IpcError, RestoreRequest};

/// The data folder's config, open or not.
fn config(state: &AppState) -> Result<Config, IpcError> {
    match state {
        AppState::Ready(ready) => Ok(ready.workspace.config().clone()),
        AppState::Failed {
            config: Some(config),
            ..
        } => Ok(config.clone()),
        AppState::Failed { error, .. } => Err(error.into()),
    }
}

pub async fn database_report(state: &AppState) -> Result<DatabaseReport, IpcError> {
    Ok(database::check(&config(state)?).await?)
}

pub async fn backup_database(state: &AppState) -> Result<String, IpcError> {
    let to = database::backup(&config(state)?, None).await?;
    Ok(to.display().to_string())
}

/// After damage: an empty database, then the app starts again on it.
pub async fn start_fresh(state: &AppState) -> Result<(), IpcError> {
    database::start_fresh(&config(state)?).await?;
    crate::recovery::restart();
    Ok(())
}

/// Puts a backup in place (the one named, or one the manager picks in the OS's
/// dialog; `false` when the dialog was cancelled), then starts the app again.
pub async fn restore_backup(state: &AppState, request: RestoreRequest) -> Result<bool, IpcError> {
    let config = config(state)?;
    let path = match request.path {
        Some(path) => path.into(),
        None => {
            let folder = switchboard_store::recovery::backup_dir(&config.database_path());
            match crate::recovery::pick_backup(folder).await {
                Some(path) => path,
                None => return Ok(false),
            }
        }
    };
    database::restore(&config, path).await?;
    crate::recovery::restart();
    Ok(true)
}
