//! `status_polls`: when each connection's statuses were last read whole, and the
//! last failure, so the board can say how fresh it is.

use rusqlite::{Connection as Db, OptionalExtension, params};
use switchboard_domain::status::PollState;
use switchboard_domain::{ConnectionId, Timestamp};

use crate::Result;
use crate::columns::opt_timestamp;

pub fn get(db: &Db, connection: ConnectionId) -> Result<Option<PollState>> {
    Ok(db
        .query_row(
            "SELECT * FROM status_polls WHERE connection_id = ?1",
            [connection.to_string()],
            |row| {
                Ok(PollState {
                    connection_id: connection,
                    last_ok_at: opt_timestamp(row, "last_ok_at")?,
                    agents: row.get("agents")?,
                    requests: row.get("requests")?,
                    took_ms: row.get("took_ms")?,
                    last_error: row.get("last_error")?,
                    last_error_at: opt_timestamp(row, "last_error_at")?,
                    team_online: row.get("team_online")?,
                })
            },
        )
        .optional()?)
}

/// A whole read succeeded.
pub fn ok(
    db: &Db,
    connection: ConnectionId,
    at: Timestamp,
    agents: u32,
    requests: u32,
    took_ms: u32,
) -> Result<()> {
    db.execute(
        "INSERT INTO status_polls (connection_id, last_ok_at, agents, requests, took_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (connection_id) DO UPDATE SET last_ok_at = ?2, agents = ?3, requests = ?4, took_ms = ?5",
        params![connection.to_string(), at.0, agents, requests, took_ms],
    )?;
    Ok(())
}

/// The vendor said whether the team as a whole is online.
pub fn team_online(db: &Db, connection: ConnectionId, at: Timestamp, online: bool) -> Result<()> {
    db.execute(
        "INSERT INTO status_polls (connection_id, last_ok_at, team_online) VALUES (?1, ?2, ?3)
         ON CONFLICT (connection_id) DO UPDATE SET last_ok_at = ?2, team_online = ?3",
        params![connection.to_string(), at.0, online],
    )?;
    Ok(())
}

/// A read failed; the last good one stands.
pub fn failed(db: &Db, connection: ConnectionId, at: Timestamp, error: &str) -> Result<()> {
    db.execute(
        "INSERT INTO status_polls (connection_id, last_error, last_error_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (connection_id) DO UPDATE SET last_error = ?2, last_error_at = ?3",
        params![connection.to_string(), error, at.0],
    )?;
    Ok(())
}

/// Where the connection's activity log was read to (the newest record's
/// start, the vendor's clock), and when a read last caught up with it (ours).
pub fn log_position(
    db: &Db,
    connection: ConnectionId,
) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
    Ok(db
        .query_row(
            "SELECT log_read_to, log_read_at FROM status_polls WHERE connection_id = ?1",
            [connection.to_string()],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?.map(Timestamp),
                    r.get::<_, Option<i64>>(1)?.map(Timestamp),
                ))
            },
        )
        .optional()?
        .unwrap_or((None, None)))
}

/// The activity log was read to `to` (the vendor's clock).
pub fn log_read_to(db: &Db, connection: ConnectionId, to: Timestamp) -> Result<()> {
    db.execute(
        "INSERT INTO status_polls (connection_id, log_read_to) VALUES (?1, ?2)
         ON CONFLICT (connection_id) DO UPDATE SET log_read_to = max(coalesce(log_read_to, ?2), ?2)",
        params![connection.to_string(), to.0],
    )?;
    Ok(())
}

/// A read of the activity log caught up with it at `at` (our clock).
pub fn log_caught_up(db: &Db, connection: ConnectionId, at: Timestamp) -> Result<()> {
    db.execute(
        "INSERT INTO status_polls (connection_id, log_read_at) VALUES (?1, ?2)
         ON CONFLICT (connection_id) DO UPDATE SET log_read_at = ?2",
        params![connection.to_string(), at.0],
    )?;
    Ok(())
}
