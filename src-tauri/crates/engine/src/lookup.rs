//! Finding agents, people and teams by what a manager types: one rule for the
//! window and the command line. An agent is named by the vendor's id or its
//! email; a person by their email or name (any case); a team by the vendor's id
//! or its name (any case). A name several people or teams carry is refused with
//! what tells them apart, never guessed.

use switchboard_domain::{AgentId, ConnectionId, PersonId, TeamId, ValidationError};
use switchboard_store::{agents, browse, people};

use crate::{EngineError, Workspace};

impl Workspace {
    /// The agents of `connection` that `wanted` name, in order.
    pub async fn find_agents(
        &self,
        connection: ConnectionId,
        wanted: Vec<String>,
    ) -> Result<Vec<AgentId>, EngineError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let cached = self
            .on_store(move |store| Ok(store.read(|db| agents::list_by_connection(db, connection))?))
            .await?;
        wanted
            .iter()
            .map(|w| {
                let w = w.trim();
                cached
                    .iter()
                    .find(|a| {
                        a.vendor_id == w
                            || a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(w))
                    })
                    .map(|a| a.id)
                    .ok_or_else(|| {
                        ValidationError::new(
                            "agent",
                            format!(
                                "'{w}' is not an agent of this connection: give the vendor's id or the agent's email"
                            ),
                        )
                        .into()
                    })
            })
            .collect()
    }

    /// The teams that `wanted` name, on `connection` or on any connection.
    pub async fn find_teams(
        &self,
        connection: Option<ConnectionId>,
        wanted: Vec<String>,
    ) -> Result<Vec<TeamId>, EngineError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let all = self
            .on_store(move |store| Ok(store.read(|db| browse::teams(db, connection))?))
            .await?;
        wanted
            .iter()
            .map(|w| {
                let w = w.trim();
                let by_id: Vec<_> = all.iter().filter(|t| t.vendor_id == w).collect();
                let found = if by_id.is_empty() {
                    all.iter()
                        .filter(|t| t.name.trim().eq_ignore_ascii_case(w))
                        .collect()
                } else {
                    by_id
                };
                match found.as_slice() {
                    [one] => Ok(one.id),
                    [] => Err(ValidationError::new(
                        "team",
                        match connection {
                            Some(_) => format!("no team '{w}' on this connection"),
                            None => format!("no team '{w}'; the Teams view lists them"),
                        },
                    )
                    .into()),
                    several => Err(ValidationError::new(
                        "team",
                        format!(
                            "'{w}' names several teams ({}); give its vendor id",
                            several
                                .iter()
                                .map(|t| format!("{} on {}", t.vendor_id, t.connection_name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .into()),
                }
            })
            .collect()
    }

    /// The person `wanted` names: their email, or their name if one person has it.
    pub async fn find_person(
        &self,
        field: &'static str,
        wanted: String,
    ) -> Result<PersonId, EngineError> {
        let all = self.on_store(|store| Ok(store.read(people::list)?)).await?;
        let w = wanted.trim();
        if let Some(p) = all.iter().find(|p| {
            p.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(w))
        }) {
            return Ok(p.id);
        }
        let named: Vec<_> = all
            .iter()
            .filter(|p| p.display_name.trim().eq_ignore_ascii_case(w))
            .collect();
        match named.as_slice() {
            [one] => Ok(one.id),
            [] => Err(ValidationError::new(
                field,
                format!(
                    "nobody is called '{w}'; give their name or email as the People view shows it"
                ),
            )
            .into()),
            several => Err(ValidationError::new(
                field,
                format!(
                    "{} people are called '{w}'; give their email ({})",
                    several.len(),
                    several
                        .iter()
                        .filter_map(|p| p.email.as_deref())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into()),
        }
    }
}
