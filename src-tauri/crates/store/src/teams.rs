//! `teams` and `team_members`: CCAI Platform teams and HelpCrunch departments.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::team::Team;
use switchboard_domain::{AgentId, ConnectionId, TeamId};

use crate::columns::{opt_timestamp, parsed};
use crate::{Result, StoreError};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Team> {
    Ok(Team {
        id: TeamId(row.get("id")?),
        connection_id: parsed(row, "connection_id")?,
        vendor_id: row.get("vendor_id")?,
        name: row.get("name")?,
        parent_vendor_id: row.get("parent_vendor_id")?,
        synced_at: opt_timestamp(row, "synced_at")?,
    })
}

pub fn get(db: &Db, id: TeamId) -> Result<Team> {
    db.query_row("SELECT * FROM teams WHERE id = ?1", [id.0], from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "team",
            id: id.to_string(),
        })
}

pub fn list_by_connection(db: &Db, connection: ConnectionId) -> Result<Vec<Team>> {
    let mut stmt = db
        .prepare("SELECT * FROM teams WHERE connection_id = ?1 ORDER BY name COLLATE NOCASE, id")?;
    let rows = stmt
        .query_map([connection.to_string()], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts or updates by (connection, vendor id); returns the row id.
pub fn upsert(db: &Db, team: &Team) -> Result<TeamId> {
    let id = db.query_row(
        "INSERT INTO teams (connection_id, vendor_id, name, parent_vendor_id, synced_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (connection_id, vendor_id) DO UPDATE SET
             name = excluded.name, parent_vendor_id = excluded.parent_vendor_id, synced_at = excluded.synced_at
         RETURNING id",
        params![
            team.connection_id.to_string(),
            team.vendor_id,
            team.name,
            team.parent_vendor_id,
            team.synced_at.map(|t| t.0)
        ],
        |row| row.get(0),
    )?;
    Ok(TeamId(id))
}

/// Deletes the connection's teams that the latest full sync did not see.
pub fn delete_unseen(
    db: &Db,
    connection: ConnectionId,
    synced_at: switchboard_domain::Timestamp,
) -> Result<usize> {
    Ok(db.execute(
        "DELETE FROM teams WHERE connection_id = ?1 AND coalesce(synced_at, 0) < ?2",
        params![connection.to_string(), synced_at.0],
    )?)
}

pub fn delete(db: &Db, id: TeamId) -> Result<bool> {
    Ok(db.execute("DELETE FROM teams WHERE id = ?1", [id.0])? > 0)
}

/// Replaces the team's members with exactly `agents`.
pub fn set_members(db: &Db, team: TeamId, agents: &[AgentId]) -> Result<()> {
    db.execute("DELETE FROM team_members WHERE team_id = ?1", [team.0])?;
    let mut stmt =
        db.prepare_cached("INSERT INTO team_members (team_id, agent_id) VALUES (?1, ?2)")?;
    for agent in agents {
        stmt.execute([team.0, agent.0])?;
    }
    Ok(())
}

pub fn list_members(db: &Db, team: TeamId) -> Result<Vec<AgentId>> {
    let mut stmt =
        db.prepare("SELECT agent_id FROM team_members WHERE team_id = ?1 ORDER BY agent_id")?;
    let rows = stmt
        .query_map([team.0], |r| r.get(0).map(AgentId))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Every team's name and members, a row per member (for figures per team).
pub fn memberships(db: &Db) -> Result<Vec<(TeamId, String, AgentId)>> {
    let mut stmt = db.prepare_cached(
        "SELECT t.id, t.name, m.agent_id FROM team_members m JOIN teams t ON t.id = m.team_id
         ORDER BY t.name, t.id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((TeamId(r.get(0)?), r.get(1)?, AgentId(r.get(2)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, connections};
    use switchboard_domain::{Timestamp, Vendor};

    #[test]
    fn teams_hold_members_that_go_with_the_agent() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::CcaiPlatform, "CCAI");
        let team = Team {
            id: TeamId(0),
            connection_id: conn.id,
            vendor_id: "1".into(),
            name: "Night shift".into(),
            parent_vendor_id: None,
            synced_at: Some(Timestamp(5)),
        };
        let (team_id, a, b) = store
            .write(|db| {
                connections::upsert(db, &conn)?;
                let a = agents::upsert(db, &agents::tests::sample(conn.id, "11", "a@x.com"))?;
                let b = agents::upsert(db, &agents::tests::sample(conn.id, "12", "b@x.com"))?;
                let t = upsert(db, &team)?;
                set_members(db, t, &[a, b])?;
                Ok((t, a, b))
            })
            .expect("write");
        assert_eq!(
            store.read(|db| list_members(db, team_id)).expect("members"),
            [a, b]
        );
        assert_eq!(
            store.read(|db| get(db, team_id)).expect("get").name,
            "Night shift"
        );

        store
            .write(|db| agents::delete(db, a).map(|_| ()))
            .expect("delete agent");
        assert_eq!(
            store.read(|db| list_members(db, team_id)).expect("members"),
            [b]
        );
        assert_eq!(
            store
                .read(|db| list_by_connection(db, conn.id))
                .expect("list")
                .len(),
            1
        );
    }
}
