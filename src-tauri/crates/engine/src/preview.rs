//! What an assignment would do, before anything is journaled or sent: who it
//! goes to and who is left out and why, by the same rules as sending it.

use serde::Serialize;
use switchboard_store::{connections, targets};
use ts_rs::TS;

use crate::assign::{AssignRequest, choose};
use crate::{EngineError, Workspace};

/// Who an assignment reaches on the target's platform.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AssignPreview {
    /// The agents it is sent for, by name.
    pub agents: Vec<String>,
    /// Members of a chosen team with no agent on the platform, or inactive
    /// there: they are not sent, and said so before anything goes.
    pub skipped: Vec<String>,
}

impl Workspace {
    /// Resolves a request as `assign` would, without journaling or sending.
    /// A choice that `assign` would refuse is refused here with the same words.
    pub async fn preview_assign(
        &self,
        request: AssignRequest,
    ) -> Result<AssignPreview, EngineError> {
        self.on_store(move |store| {
            store
                .read(|db| {
                    let target = targets::get(db, request.target_id)?;
                    let connection = connections::get(db, target.connection_id)?;
                    Ok(choose(db, &request, &connection))
                })?
                .map(|chosen| AssignPreview {
                    agents: chosen.agents.into_iter().map(|a| a.name).collect(),
                    skipped: chosen.skipped,
                })
        })
        .await
    }
}
