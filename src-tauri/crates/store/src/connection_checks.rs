//! `connection_checks`: whether a vendor answered, per call that tells.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::ConnectionId;
use switchboard_domain::sync::ConnectionCheck;

use crate::Result;
use crate::columns::{parsed, timestamp};

/// Checks older than the newest this many per connection are pruned on insert.
const KEEP: i64 = 500;

fn from_row(row: &Row<'_>) -> rusqlite::Result<ConnectionCheck> {
    Ok(ConnectionCheck {
        id: row.get("id")?,
        connection_id: parsed(row, "connection_id")?,
        at: timestamp(row, "at")?,
        outcome: row.get("outcome")?,
        message: row.get("message")?,
        latency_ms: row.get("latency_ms")?,
    })
}

pub fn insert(db: &Db, check: &ConnectionCheck) -> Result<i64> {
    db.execute(
        "INSERT INTO connection_checks (connection_id, at, outcome, message, latency_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![check.connection_id.to_string(), check.at.0, check.outcome, check.message, check.latency_ms],
    )?;
    let id = db.last_insert_rowid();
    db.execute(
        "DELETE FROM connection_checks WHERE connection_id = ?1 AND id <= (
             SELECT id FROM connection_checks WHERE connection_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        params![check.connection_id.to_string(), KEEP],
    )?;
    Ok(id)
}

pub fn latest(db: &Db, connection: ConnectionId) -> Result<Option<ConnectionCheck>> {
    Ok(db
        .query_row(
            "SELECT * FROM connection_checks WHERE connection_id = ?1 ORDER BY at DESC, id DESC LIMIT 1",
            [connection.to_string()],
            from_row,
        )
        .optional()?)
}

pub fn list_recent(db: &Db, connection: ConnectionId, limit: u32) -> Result<Vec<ConnectionCheck>> {
    let mut stmt = db.prepare("SELECT * FROM connection_checks WHERE connection_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2")?;
    let rows = stmt
        .query_map(params![connection.to_string(), limit], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections;
    use switchboard_domain::{Timestamp, Vendor};

    #[test]
    fn the_latest_check_and_pruning() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Vambe, "V");
        store
            .write(|db| connections::upsert(db, &conn))
            .expect("connection");
        let check = |at, outcome: &str| ConnectionCheck {
            id: 0,
            connection_id: conn.id,
            at: Timestamp(at),
            outcome: outcome.into(),
            message: format!("{outcome} at {at}"),
            latency_ms: Some(12),
        };
        for at in 0..(KEEP + 10) {
            store
                .write(|db| insert(db, &check(at, "ok")))
                .expect("insert");
        }
        store
            .write(|db| insert(db, &check(10_000, "unreachable")))
            .expect("insert");
        assert_eq!(
            store
                .read(|db| latest(db, conn.id))
                .expect("latest")
                .map(|c| c.outcome),
            Some("unreachable".into())
        );
        assert_eq!(
            store
                .read(|db| list_recent(db, conn.id, 10_000))
                .expect("list")
                .len(),
            KEEP as usize
        );
    }
}
