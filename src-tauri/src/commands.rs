//! One plain async function per command: parse, call the engine, map the error.

use serde::Deserialize;
use switchboard_domain::ConnectionId;
use switchboard_engine::{Diagnostics, Workspace};
use switchboard_secrets::Secret;
use ts_rs::TS;

use crate::{AppState, IpcError};

#[derive(Debug, Deserialize, TS)]
pub struct SetSecretRequest {
    pub connection_id: ConnectionId,
    /// Write-only: the app never sends a secret back.
    #[ts(type = "string")]
    pub secret: Secret,
}

#[derive(Debug, Deserialize, TS)]
pub struct ConnectionRef {
    pub connection_id: ConnectionId,
}

pub async fn diagnostics(state: &AppState) -> Result<Diagnostics, IpcError> {
    Ok(match state {
        AppState::Ready(ws) => ws.diagnostics().await,
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
