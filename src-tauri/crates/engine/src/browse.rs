//! The browse views' reads. They touch only the local cache, so they answer the
//! same with no network.

use switchboard_domain::ConnectionId;
use switchboard_domain::browse::{AgentRow, PersonRow, TargetPage, TargetQuery, TeamRow};
use switchboard_store::browse;

use crate::{EngineError, Workspace};

impl Workspace {
    pub async fn people(&self, search: Option<String>) -> Result<Vec<PersonRow>, EngineError> {
        self.on_store(move |store| Ok(store.read(|db| browse::people(db, search.as_deref()))?))
            .await
    }

    pub async fn agents(
        &self,
        connection: Option<ConnectionId>,
        search: Option<String>,
    ) -> Result<Vec<AgentRow>, EngineError> {
        let rows = self
            .on_store(move |store| {
                Ok(store.read(|db| browse::agents(db, connection, search.as_deref()))?)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(agent, person_id, person_name)| AgentRow {
                agent,
                person_id,
                person_name,
            })
            .collect())
    }

    pub async fn teams(
        &self,
        connection: Option<ConnectionId>,
    ) -> Result<Vec<TeamRow>, EngineError> {
        self.on_store(move |store| Ok(store.read(|db| browse::teams(db, connection))?))
            .await
    }

    pub async fn targets(&self, query: TargetQuery) -> Result<TargetPage, EngineError> {
        self.on_store(move |store| Ok(store.read(|db| browse::targets(db, &query))?))
            .await
    }
}
