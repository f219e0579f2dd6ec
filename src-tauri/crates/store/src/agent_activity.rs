//! `agent_activity`: what a vendor's activity log says besides statuses:
//! logins and logouts, and chats and calls offered to an agent and picked up.

use rusqlite::{Connection as Db, params};
use switchboard_domain::{AgentId, Timestamp};

use crate::Result;

/// One record of the log (`vendor_id` is the record's id at the vendor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub agent_id: AgentId,
    pub vendor_id: String,
    pub activity: String,
    pub at: Timestamp,
    pub contact_id: Option<String>,
}

/// Keeps a record; one kept before (read again) is left as it is. Returns
/// whether it was new.
pub fn insert(db: &Db, a: &Activity) -> Result<bool> {
    Ok(db
        .prepare_cached(
            "INSERT INTO agent_activity (agent_id, vendor_id, activity, at, contact_id)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (agent_id, vendor_id) DO NOTHING",
        )?
        .execute(params![
            a.agent_id.0,
            a.vendor_id,
            a.activity,
            a.at.0,
            a.contact_id
        ])?
        == 1)
}

/// The records of one agent in `[from, to)`, oldest first.
pub fn list_for_agent(
    db: &Db,
    agent: AgentId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Activity>> {
    let mut stmt = db.prepare_cached(
        "SELECT agent_id, vendor_id, activity, at, contact_id FROM agent_activity
         WHERE agent_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at, id",
    )?;
    let rows = stmt
        .query_map(params![agent.0, from.0, to.0], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Calls `each` with every agent's records in `[from, to)`, by time (from the
/// `at` index): the agent, what happened, when, and the chat's or call's id.
/// Nothing is copied: a week of a large tenant is 200,000 records.
pub fn each_in_range(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
    mut each: impl FnMut(AgentId, &str, Timestamp, Option<&str>),
) -> Result<()> {
    let mut stmt = db.prepare_cached(
        "SELECT agent_id, activity, at, contact_id FROM agent_activity
         WHERE at >= ?1 AND at < ?2 ORDER BY at, id",
    )?;
    let mut rows = stmt.query(params![from.0, to.0])?;
    let text = |e: rusqlite::types::FromSqlError| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    };
    while let Some(r) = rows.next()? {
        each(
            AgentId(r.get(0)?),
            r.get_ref(1)?.as_str().map_err(text)?,
            Timestamp(r.get(2)?),
            r.get_ref(3)?.as_str_or_null().map_err(text)?,
        );
    }
    Ok(())
}

/// Forgets records older than `before` (kept as long as status history).
pub fn delete_before(db: &Db, before: Timestamp) -> Result<usize> {
    Ok(db.execute("DELETE FROM agent_activity WHERE at < ?1", [before.0])?)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Activity> {
    Ok(Activity {
        agent_id: AgentId(r.get(0)?),
        vendor_id: r.get(1)?,
        activity: r.get(2)?,
        at: Timestamp(r.get(3)?),
        contact_id: r.get(4)?,
    })
}
