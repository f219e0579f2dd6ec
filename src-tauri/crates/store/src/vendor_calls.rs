//! `vendor_calls`: recent calls to each vendor (when, status, time taken), for
//! the health panel's error rate and latency. Pruned to a few days.

use rusqlite::{Connection as Db, params};
use switchboard_domain::{ConnectionId, Timestamp};

use crate::Result;

/// One call as stored: when (ms), the HTTP status if an answer came, time taken.
pub type Call = (i64, Option<u16>, u32);

pub fn insert_all(db: &Db, connection: ConnectionId, calls: &[Call]) -> Result<()> {
    let mut stmt = db.prepare_cached(
        "INSERT INTO vendor_calls (connection_id, at, status, took_ms) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (at, status, took) in calls {
        stmt.execute(params![connection.to_string(), at, status, took])?;
    }
    Ok(())
}

/// A connection's calls since `since`: (status, took_ms).
pub fn since(
    db: &Db,
    connection: ConnectionId,
    since: Timestamp,
) -> Result<Vec<(Option<u16>, u32)>> {
    let mut stmt = db.prepare_cached(
        "SELECT status, took_ms FROM vendor_calls WHERE connection_id = ?1 AND at >= ?2",
    )?;
    let rows = stmt
        .query_map(params![connection.to_string(), since.0], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A connection's latest call that says something about the connection itself:
/// answered (2xx), credentials refused (401, 403), or no answer. A 404 or 400
/// is about the thing asked for, a 429 or 5xx about the vendor's moment.
pub fn latest_verdict(
    db: &Db,
    connection: ConnectionId,
) -> Result<Option<(Timestamp, Option<u16>)>> {
    use rusqlite::OptionalExtension;
    Ok(db
        .prepare_cached(
            "SELECT at, status FROM vendor_calls
             WHERE connection_id = ?1 AND (status IS NULL OR status IN (401, 403) OR status BETWEEN 200 AND 299)
             ORDER BY at DESC LIMIT 1",
        )?
        .query_row([connection.to_string()], |r| {
            Ok((Timestamp(r.get(0)?), r.get(1)?))
        })
        .optional()?)
}

pub fn delete_before(db: &Db, before: Timestamp) -> Result<usize> {
    Ok(db.execute("DELETE FROM vendor_calls WHERE at < ?1", [before.0])?)
}
