//! `status_samples`: stretches of time an agent spent in one status.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::status::StatusSample;
use switchboard_domain::{AgentId, ConnectionId, Timestamp};

use crate::Result;
use crate::columns::{opt_timestamp, parsed, timestamp};

fn from_row(row: &Row<'_>) -> rusqlite::Result<StatusSample> {
    Ok(StatusSample {
        id: row.get("id")?,
        agent_id: AgentId(row.get("agent_id")?),
        status_vendor_id: row.get("status_vendor_id")?,
        status_name: row.get("status_name")?,
        started_at: timestamp(row, "started_at")?,
        last_seen_at: timestamp(row, "last_seen_at")?,
        ended_at: opt_timestamp(row, "ended_at")?,
        source: parsed(row, "source")?,
    })
}

/// The agent's latest sample, open or not.
pub fn latest(db: &Db, agent: AgentId) -> Result<Option<StatusSample>> {
    Ok(db
        .query_row(
            "SELECT * FROM status_samples WHERE agent_id = ?1 ORDER BY started_at DESC, id DESC LIMIT 1",
            [agent.0],
            from_row,
        )
        .optional()?)
}

/// Samples of one agent that overlap `[from, to)`, oldest first.
pub fn list_for_agent(
    db: &Db,
    agent: AgentId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<StatusSample>> {
    let mut stmt = db.prepare(
        "SELECT * FROM status_samples
         WHERE agent_id = ?1 AND started_at < ?3 AND coalesce(ended_at, last_seen_at) >= ?2
         ORDER BY started_at, id",
    )?;
    let rows = stmt
        .query_map(params![agent.0, from.0, to.0], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts a sample (its `id` is ignored) and returns the new id.
pub fn insert(db: &Db, s: &StatusSample) -> Result<i64> {
    db.prepare_cached(
        "INSERT INTO status_samples (agent_id, status_vendor_id, status_name, started_at, last_seen_at, ended_at, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        s.agent_id.0,
        s.status_vendor_id,
        s.status_name,
        s.started_at.0,
        s.last_seen_at.0,
        s.ended_at.map(|t| t.0),
        s.source.as_str()
    ])?;
    Ok(db.last_insert_rowid())
}

/// Extends an open sample: the agent was seen in the same status at `at`.
pub fn touch(db: &Db, id: i64, at: Timestamp) -> Result<()> {
    db.execute(
        "UPDATE status_samples SET last_seen_at = max(last_seen_at, ?2) WHERE id = ?1",
        params![id, at.0],
    )?;
    Ok(())
}

/// Continues to `at` every open sample of the connection's agents that was
/// seen at or after `since` (the vendor vouched that their status did not
/// change since); returns how many.
pub fn continue_open(
    db: &Db,
    connection: ConnectionId,
    since: Timestamp,
    at: Timestamp,
) -> Result<usize> {
    Ok(db
        .prepare_cached(
            "UPDATE status_samples SET last_seen_at = max(last_seen_at, ?3)
             WHERE ended_at IS NULL AND last_seen_at >= ?2
               AND agent_id IN (SELECT id FROM agents WHERE connection_id = ?1)",
        )?
        .execute(params![connection.to_string(), since.0, at.0])?)
}

/// Makes room for the vendor's log over `[from, to)` of one agent: the log
/// is authoritative there. Samples inside it are deleted (the log's own, read
/// before, too: a read again puts them back); one that began before and
/// reaches into it, or is still open, ends at `from`; one that began inside
/// and reaches past it begins at `to`. Returns how many were deleted.
pub fn clear_span(db: &Db, agent: AgentId, from: Timestamp, to: Timestamp) -> Result<usize> {
    let deleted = db
        .prepare_cached(
            "DELETE FROM status_samples
             WHERE agent_id = ?1 AND started_at >= ?2 AND coalesce(ended_at, last_seen_at) <= ?3",
        )?
        .execute(params![agent.0, from.0, to.0])?;
    db.prepare_cached(
        "UPDATE status_samples SET ended_at = ?2, last_seen_at = min(last_seen_at, ?2)
         WHERE agent_id = ?1 AND started_at < ?2 AND coalesce(ended_at, last_seen_at) > ?2",
    )?
    .execute(params![agent.0, from.0])?;
    // An open one that began before it lasted until it: the log, read from
    // before `from`, has no other change in between.
    db.prepare_cached(
        "UPDATE status_samples SET ended_at = ?2, last_seen_at = ?2
         WHERE agent_id = ?1 AND ended_at IS NULL AND started_at < ?2",
    )?
    .execute(params![agent.0, from.0])?;
    // Open ones that began inside end with it (the log's last record is open).
    db.prepare_cached(
        "DELETE FROM status_samples
         WHERE agent_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND ended_at IS NULL",
    )?
    .execute(params![agent.0, from.0, to.0])?;
    db.prepare_cached(
        "UPDATE status_samples SET started_at = ?3
         WHERE agent_id = ?1 AND started_at >= ?2 AND started_at < ?3 AND coalesce(ended_at, last_seen_at) > ?3",
    )?
    .execute(params![agent.0, from.0, to.0])?;
    Ok(deleted)
}

/// Closes a sample at `at` (the status changed).
pub fn end(db: &Db, id: i64, at: Timestamp) -> Result<()> {
    db.execute(
        "UPDATE status_samples SET ended_at = ?2, last_seen_at = max(last_seen_at, ?2) WHERE id = ?1",
        params![id, at.0],
    )?;
    Ok(())
}

pub fn delete_before(db: &Db, before: Timestamp) -> Result<usize> {
    Ok(db.execute(
        "DELETE FROM status_samples WHERE coalesce(ended_at, last_seen_at) < ?1",
        [before.0],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, connections};
    use switchboard_domain::Vendor;
    use switchboard_domain::status::StatusSource;

    #[test]
    fn samples_open_extend_and_close() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::CcaiPlatform, "C");
        let agent = store
            .write(|db| {
                connections::upsert(db, &conn)?;
                agents::upsert(db, &agents::tests::sample(conn.id, "11", "a@x.com"))
            })
            .expect("seed");
        let sample = StatusSample {
            id: 0,
            agent_id: agent,
            status_vendor_id: Some("0".into()),
            status_name: "Available".into(),
            started_at: Timestamp(100),
            last_seen_at: Timestamp(100),
            ended_at: None,
            source: StatusSource::Poll,
        };
        let id = store.write(|db| insert(db, &sample)).expect("insert");
        store
            .write(|db| touch(db, id, Timestamp(150)))
            .expect("touch");
        store
            .write(|db| touch(db, id, Timestamp(120)))
            .expect("older touch is ignored");
        assert_eq!(
            store
                .read(|db| latest(db, agent))
                .expect("latest")
                .map(|s| s.last_seen_at),
            Some(Timestamp(150))
        );

        store.write(|db| end(db, id, Timestamp(200))).expect("end");
        let overlapping = store
            .read(|db| list_for_agent(db, agent, Timestamp(190), Timestamp(300)))
            .expect("range");
        assert_eq!(overlapping.len(), 1);
        assert_eq!(overlapping[0].ended_at, Some(Timestamp(200)));
        assert!(
            store
                .read(|db| list_for_agent(db, agent, Timestamp(201), Timestamp(300)))
                .expect("range")
                .is_empty()
        );
        assert_eq!(
            store
                .write(|db| delete_before(db, Timestamp(201)))
                .expect("prune"),
            1
        );
    }
}
