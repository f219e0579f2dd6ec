//! Agents added by hand or from CSV (for vendors that cannot list theirs), and
//! people: agents linked across connections by email, or by the manager's hand.

use serde::{Deserialize, Serialize};
use switchboard_domain::agent::{Agent, AgentSource, PersonLink, validate_email, validate_new};
use switchboard_domain::person::Person;
use switchboard_domain::{AgentId, ConnectionId, PersonId, Timestamp, ValidationError};
use switchboard_store::{agents, connections, people};
use ts_rs::TS;

use crate::{EngineError, Workspace};

/// An agent as a manager enters it.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct NewAgent {
    /// The vendor's id for the agent (for vendors that address agents by email,
    /// the email).
    pub vendor_id: String,
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
}

/// One CSV row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RowError {
    /// 1-based, counting the header line.
    pub row: u32,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ImportReport {
    pub added: u32,
    pub updated: u32,
    /// Rows refused; when there are any, nothing was imported.
    pub errors: Vec<RowError>,
}

/// Reads `id or email, name` rows (a header line with `id`, `email`, `name` is
/// optional; with one, columns may come in any order). For vendors that address
/// agents by email the id is the email.
pub fn parse_csv(text: &str, by_email: bool) -> (Vec<NewAgent>, Vec<RowError>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i as u32 + 1;
        match record {
            Ok(r) if r.iter().all(str::is_empty) => {}
            Ok(r) => rows.push((row, r.iter().map(str::to_owned).collect())),
            Err(e) => errors.push(RowError {
                row,
                field: "row".into(),
                message: format!("cannot read this line: {e}"),
            }),
        }
    }
    // A header names the columns; without one: id-or-email, name[, email].
    let header: Option<Vec<String>> = rows.first().and_then(|(_, r)| {
        let lower: Vec<String> = r.iter().map(|c| c.to_lowercase()).collect();
        lower.iter().any(|c| c == "name").then_some(lower)
    });
    let col = |name: &str| {
        header
            .as_ref()
            .and_then(|h| h.iter().position(|c| c == name))
    };
    let (id_col, email_col, name_col) = match &header {
        Some(_) => (col("id"), col("email"), col("name")),
        None => (Some(0), if by_email { Some(0) } else { Some(2) }, Some(1)),
    };
    let mut out = Vec::new();
    for (row, cells) in rows.iter().skip(usize::from(header.is_some())) {
        let cell = |c: Option<usize>| {
            c.and_then(|i| cells.get(i))
                .map(String::as_str)
                .filter(|s| !s.is_empty())
        };
        let name = cell(name_col);
        let email = cell(email_col);
        let id = cell(id_col);
        let fail = |field: &str, message: String| RowError {
            row: *row,
            field: field.into(),
            message,
        };
        let Some(name) = name else {
            errors.push(fail("name", "the name is empty".into()));
            continue;
        };
        let email = match email.map(|e| validate_email("email", e)).transpose() {
            Ok(e) => e,
            Err(e) => {
                errors.push(fail("email", e.message));
                continue;
            }
        };
        let vendor_id = if by_email {
            email.clone()
        } else {
            id.map(str::to_owned)
        };
        let Some(vendor_id) = vendor_id else {
            let need = if by_email {
                (
                    "email",
                    "an email is needed: this vendor knows agents by email",
                )
            } else {
                (
                    "id",
                    "the agent id is empty; copy it from the vendor's dashboard",
                )
            };
            errors.push(fail(need.0, need.1.into()));
            continue;
        };
        out.push(NewAgent {
            vendor_id,
            name: name.to_owned(),
            email,
            active: true,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError {
            row: 1,
            field: "file".into(),
            message: "there are no agents in this file".into(),
        });
    }
    (out, errors)
}

impl Workspace {
    /// Adds (or updates by vendor id) agents of one connection, then links people.
    pub async fn add_agents(
        &self,
        connection: ConnectionId,
        rows: Vec<NewAgent>,
        source: AgentSource,
    ) -> Result<ImportReport, EngineError> {
        if rows.is_empty() {
            return Err(ValidationError::new("agents", "add at least one agent").into());
        }
        self.on_store(move |store| {
            let vendor = store.read(|db| connections::get(db, connection))?.vendor;
            let by_email = switchboard_vendors::capabilities(vendor).agents_by_email;
            // Every row is checked before anything is written.
            let mut checked = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let (vendor_id, name, email) =
                    validate_new(&row.vendor_id, &row.name, row.email.as_deref(), by_email)
                        .map_err(|e| match rows.len() {
                            1 => e,
                            _ => ValidationError::new(
                                e.field,
                                format!("agent {}: {}", i + 1, e.message),
                            ),
                        })?;
                checked.push((vendor_id, name, email, row.active));
            }
            Ok(store.write(|db| {
                let (mut added, mut updated) = (0, 0);
                for (vendor_id, name, email, active) in checked {
                    let exists = agents::find_by_vendor_id(db, connection, &vendor_id)?.is_some();
                    agents::upsert(
                        db,
                        &Agent {
                            id: AgentId(0),
                            connection_id: connection,
                            vendor_id,
                            name,
                            email,
                            role: None,
                            active,
                            person_id: None,
                            link: PersonLink::Auto,
                            source,
                            synced_at: None,
                        },
                    )?;
                    if exists { updated += 1 } else { added += 1 }
                }
                link_people(db)?;
                Ok(ImportReport {
                    added,
                    updated,
                    errors: Vec::new(),
                })
            })?)
        })
        .await
    }

    /// Imports agents from CSV text. Every row is checked first; if any is wrong,
    /// nothing is imported and every wrong row is reported.
    pub async fn import_agents_csv(
        &self,
        connection: ConnectionId,
        text: String,
    ) -> Result<ImportReport, EngineError> {
        let vendor = self
            .on_store(move |store| Ok(store.read(|db| connections::get(db, connection))?))
            .await?
            .vendor;
        let by_email = switchboard_vendors::capabilities(vendor).agents_by_email;
        let (rows, errors) = parse_csv(&text, by_email);
        if !errors.is_empty() {
            return Ok(ImportReport {
                added: 0,
                updated: 0,
                errors,
            });
        }
        self.add_agents(connection, rows, AgentSource::Csv).await
    }

    /// Links an agent to a person by hand; kept through every re-sync.
    pub async fn link_agent(&self, agent: AgentId, person: PersonId) -> Result<(), EngineError> {
        self.on_store(move |store| {
            Ok(store.write(|db| {
                people::get(db, person)?;
                agents::set_person(db, agent, Some(person), PersonLink::Manual)?;
                people::delete_orphans(db)?;
                Ok(())
            })?)
        })
        .await
    }

    /// Takes an agent out of its person (it becomes a person of its own, and is
    /// never linked by email again until linked by hand).
    pub async fn unlink_agent(&self, agent: AgentId) -> Result<PersonId, EngineError> {
        self.on_store(move |store| {
            Ok(store.write(|db| {
                let a = agents::get(db, agent)?;
                let own = people::insert(
                    db,
                    &Person {
                        id: PersonId(0),
                        display_name: a.name.clone(),
                        email: None,
                        created_at: Timestamp::now(),
                    },
                )?;
                agents::set_person(db, agent, Some(own.id), PersonLink::Unlinked)?;
                people::delete_orphans(db)?;
                Ok(own.id)
            })?)
        })
        .await
    }
}

/// Gives every agent a person: agents linked by email share the person with that
/// email; an agent without email (or unlinked by hand) has one of its own. Manual
/// choices are left alone. People left without agents are removed.
pub(crate) fn link_people(db: &rusqlite::Connection) -> switchboard_store::Result<()> {
    for agent in agents::list_to_link(db)? {
        let wanted = match (&agent.link, &agent.email) {
            (PersonLink::Auto, Some(email)) => {
                let person = match people::find_by_email(db, email)? {
                    Some(p) => p,
                    None => people::insert(
                        db,
                        &Person {
                            id: PersonId(0),
                            display_name: agent.name.clone(),
                            email: Some(email.clone()),
                            created_at: Timestamp::now(),
                        },
                    )?,
                };
                Some(person.id)
            }
            _ if agent.person_id.is_none() => Some(
                people::insert(
                    db,
                    &Person {
                        id: PersonId(0),
                        display_name: agent.name.clone(),
                        email: None,
                        created_at: Timestamp::now(),
                    },
                )?
                .id,
            ),
            _ => None,
        };
        if let Some(person) = wanted
            && agent.person_id != Some(person)
        {
            agents::set_person(db, agent.id, Some(person), agent.link)?;
        }
    }
    people::delete_orphans(db)?;
    Ok(())
}

impl From<ValidationError> for RowError {
    fn from(e: ValidationError) -> Self {
        RowError {
            row: 0,
            field: e.field,
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_a_header_in_any_order() {
        let (rows, errors) = parse_csv(
            "name,email,id\nAna Lima,Ana.Lima@acme.example,6650aa\n\nBruno,,77\n",
            false,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            rows[0],
            NewAgent {
                vendor_id: "6650aa".into(),
                name: "Ana Lima".into(),
                email: Some("ana.lima@acme.example".into()),
                active: true
            }
        );
        assert_eq!(rows[1].email, None);
    }

    #[test]
    fn csv_without_a_header_for_an_email_vendor() {
        let (rows, errors) = parse_csv(
            "ana@acme.example, Ana Lima\nbruno@acme.example,Bruno Souza",
            true,
        );
        assert!(errors.is_empty());
        assert_eq!(
            rows.iter()
                .map(|r| r.vendor_id.as_str())
                .collect::<Vec<_>>(),
            ["ana@acme.example", "bruno@acme.example"]
        );
    }

    #[test]
    fn each_bad_row_says_what_is_wrong() {
        let (rows, errors) = parse_csv(
            "id,name,email\n1,Ana,ana@x.example\n2,,b@x.example\n,Carla,c@x.example\n4,Diego,not-an-email\n",
            false,
        );
        assert_eq!(rows.len(), 1);
        let seen: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(seen, [(3, "name"), (4, "id"), (5, "email")]);
        let (_, errors) = parse_csv(",Ana Lima", true);
        assert_eq!(errors[0].field, "email");
        let (_, errors) = parse_csv("\n\n", false);
        assert_eq!(errors[0].field, "file");
    }
}
