//! `agents`: agent accounts per connection, keyed by the vendor's id.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::agent::{Agent, PersonLink};
use switchboard_domain::{AgentId, ConnectionId, PersonId};

use crate::columns::{opt_timestamp, parsed};
use crate::{Result, StoreError};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        id: AgentId(row.get("id")?),
        connection_id: parsed(row, "connection_id")?,
        vendor_id: row.get("vendor_id")?,
        name: row.get("name")?,
        email: row.get("email")?,
        role: row.get("role")?,
        active: row.get("active")?,
        person_id: row.get::<_, Option<i64>>("person_id")?.map(PersonId),
        link: parsed(row, "link")?,
        source: parsed(row, "source")?,
        synced_at: opt_timestamp(row, "synced_at")?,
    })
}

pub fn get(db: &Db, id: AgentId) -> Result<Agent> {
    db.query_row("SELECT * FROM agents WHERE id = ?1", [id.0], from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "agent",
            id: id.to_string(),
        })
}

pub fn find_by_vendor_id(
    db: &Db,
    connection: ConnectionId,
    vendor_id: &str,
) -> Result<Option<Agent>> {
    Ok(db
        .prepare_cached("SELECT * FROM agents WHERE connection_id = ?1 AND vendor_id = ?2")?
        .query_row(params![connection.to_string(), vendor_id], from_row)
        .optional()?)
}

pub fn list_by_connection(db: &Db, connection: ConnectionId) -> Result<Vec<Agent>> {
    let mut stmt = db.prepare(
        "SELECT * FROM agents WHERE connection_id = ?1 ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt
        .query_map([connection.to_string()], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn list_by_person(db: &Db, person: PersonId) -> Result<Vec<Agent>> {
    let mut stmt =
        db.prepare("SELECT * FROM agents WHERE person_id = ?1 ORDER BY connection_id, id")?;
    let rows = stmt
        .query_map([person.0], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts or updates by (connection, vendor id) and returns the row id. What the
/// vendor says (name, email, role, active) is refreshed; the person link is left as
/// it is, so a manager's manual link or unlink survives every re-sync.
pub fn upsert(db: &Db, agent: &Agent) -> Result<AgentId> {
    let id = db.query_row(
        "INSERT INTO agents (connection_id, vendor_id, name, email, role, active, person_id, link, source, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (connection_id, vendor_id) DO UPDATE SET
             name = excluded.name, email = excluded.email, role = excluded.role, active = excluded.active,
             synced_at = coalesce(excluded.synced_at, synced_at)
         RETURNING id",
        params![
            agent.connection_id.to_string(),
            agent.vendor_id,
            agent.name,
            agent.email,
            agent.role,
            agent.active,
            agent.person_id.map(|p| p.0),
            agent.link.as_str(),
            agent.source.as_str(),
            agent.synced_at.map(|t| t.0),
        ],
        |row| row.get(0),
    )?;
    Ok(AgentId(id))
}

/// Links (or with `None`, unlinks) an agent and records how.
pub fn set_person(db: &Db, id: AgentId, person: Option<PersonId>, link: PersonLink) -> Result<()> {
    let n = db.execute(
        "UPDATE agents SET person_id = ?2, link = ?3 WHERE id = ?1",
        params![id.0, person.map(|p| p.0), link.as_str()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "agent",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Agents whose person is decided by email (`auto`) or who have no person yet.
pub fn list_to_link(db: &Db) -> Result<Vec<Agent>> {
    let mut stmt =
        db.prepare("SELECT * FROM agents WHERE link = 'auto' OR person_id IS NULL ORDER BY id")?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Deletes the connection's synced agents that the latest full sync did not see
/// (their `synced_at` is older). Agents added by hand or CSV stay.
pub fn delete_unseen(
    db: &Db,
    connection: ConnectionId,
    synced_at: switchboard_domain::Timestamp,
) -> Result<usize> {
    Ok(db.execute(
        "DELETE FROM agents WHERE connection_id = ?1 AND source = 'sync' AND coalesce(synced_at, 0) < ?2",
        params![connection.to_string(), synced_at.0],
    )?)
}

pub fn delete(db: &Db, id: AgentId) -> Result<bool> {
    Ok(db.execute("DELETE FROM agents WHERE id = ?1", [id.0])? > 0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{connections, people};
    use switchboard_domain::agent::AgentSource;
    use switchboard_domain::person::Person;
    use switchboard_domain::{Timestamp, Vendor};

    pub fn sample(connection: ConnectionId, vendor_id: &str, email: &str) -> Agent {
        Agent {
            id: AgentId(0),
            connection_id: connection,
            vendor_id: vendor_id.into(),
            name: format!("Agent {vendor_id}"),
            email: Some(email.into()),
            role: Some("agent".into()),
            active: true,
            person_id: None,
            link: PersonLink::Auto,
            source: AgentSource::Sync,
            synced_at: Some(Timestamp(10)),
        }
    }

    #[test]
    fn upsert_is_keyed_by_vendor_id_and_keeps_manual_links() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Helpcrunch, "HC");
        let agent = sample(conn.id, "4188", "john@company.com");
        let (id, person) = store
            .write(|db| {
                connections::upsert(db, &conn)?;
                let id = upsert(db, &agent)?;
                let person = people::insert(
                    db,
                    &Person {
                        id: PersonId(0),
                        display_name: "John".into(),
                        email: None,
                        created_at: Timestamp(1),
                    },
                )?;
                set_person(db, id, Some(person.id), PersonLink::Manual)?;
                Ok((id, person))
            })
            .expect("write");

        // A re-sync with a new name keeps the row id and the manual link.
        let resynced = Agent {
            name: "John Doe".into(),
            synced_at: Some(Timestamp(20)),
            ..agent.clone()
        };
        let again = store.write(|db| upsert(db, &resynced)).expect("resync");
        assert_eq!(again, id);
        let stored = store.read(|db| get(db, id)).expect("get");
        assert_eq!(stored.name, "John Doe");
        assert_eq!(stored.person_id, Some(person.id));
        assert_eq!(stored.link, PersonLink::Manual);
        assert_eq!(
            store
                .read(|db| list_by_person(db, person.id))
                .expect("by person")
                .len(),
            1
        );

        // Deleting the connection removes its agents.
        store
            .write(|db| connections::delete(db, conn.id))
            .expect("delete");
        assert!(
            store
                .read(|db| find_by_vendor_id(db, conn.id, "4188"))
                .expect("find")
                .is_none()
        );
    }

    #[test]
    fn an_agent_needs_an_existing_connection() {
        let (_dir, store) = crate::test_support::store();
        let orphan = sample(ConnectionId::new(), "1", "a@b.c");
        assert!(
            store.write(|db| upsert(db, &orphan)).is_err(),
            "foreign keys are enforced"
        );
    }
}
