use std::sync::Arc;

use switchboard_engine::{Config, EngineError, Workspace};

use crate::IpcError;

/// What the commands work on: an open workspace, or the reason there is none.
pub enum AppState {
    Ready(Arc<Workspace>),
    Failed {
        config: Option<Config>,
        error: EngineError,
    },
}

impl AppState {
    pub fn ready(workspace: Workspace) -> Self {
        AppState::Ready(Arc::new(workspace))
    }

    pub fn failed(config: Option<Config>, error: EngineError) -> Self {
        AppState::Failed { config, error }
    }

    /// The data folder in use, when one could be determined.
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        match self {
            AppState::Ready(ws) => Some(ws.config().data_dir.clone()),
            AppState::Failed { config, .. } => config.as_ref().map(|c| c.data_dir.clone()),
        }
    }

    /// The workspace, or the start-up error every command answers with.
    pub fn workspace(&self) -> Result<Arc<Workspace>, IpcError> {
        match self {
            AppState::Ready(ws) => Ok(ws.clone()),
            AppState::Failed { error, .. } => Err(IpcError::from(error)),
        }
    }
}
