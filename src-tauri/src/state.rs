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

    /// The workspace, or the start-up error every command answers with.
    pub fn workspace(&self) -> Result<Arc<Workspace>, IpcError> {
        match self {
            AppState::Ready(ws) => Ok(ws.clone()),
            AppState::Failed { error, .. } => Err(IpcError::from(error)),
        }
    }
}
