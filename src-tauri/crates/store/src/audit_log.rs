//! `audit_log`: what the manager did that is not a vendor change.

use rusqlite::{Connection as Db, Row, params};
use switchboard_domain::audit::AuditEntry;

use crate::Result;
use crate::columns::{opt_parsed, parsed, timestamp};

fn from_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.get("id")?,
        at: timestamp(row, "at")?,
        origin: parsed(row, "origin")?,
        action: row.get("action")?,
        connection_id: opt_parsed(row, "connection_id")?,
        summary: row.get("summary")?,
    })
}

pub fn insert(db: &Db, entry: &AuditEntry) -> Result<i64> {
    db.execute(
        "INSERT INTO audit_log (at, origin, action, connection_id, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            entry.at.0,
            entry.origin.as_str(),
            entry.action,
            entry.connection_id.map(|c| c.to_string()),
            entry.summary
        ],
    )?;
    Ok(db.last_insert_rowid())
}

/// The newest entries first.
pub fn list_recent(db: &Db, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut stmt = db.prepare("SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ?1")?;
    let rows = stmt
        .query_map([limit], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::job::Origin;
    use switchboard_domain::{ConnectionId, Timestamp};

    #[test]
    fn entries_list_newest_first() {
        let (_dir, store) = crate::test_support::store();
        let entry = |at, action: &str| AuditEntry {
            id: 0,
            at: Timestamp(at),
            origin: Origin::Cli,
            action: action.into(),
            connection_id: Some(ConnectionId::new()),
            summary: format!("{action} at {at}"),
        };
        store
            .write(|db| {
                insert(db, &entry(1, "connection.created"))?;
                insert(db, &entry(2, "secret.replaced"))
            })
            .expect("insert");
        let actions: Vec<_> = store
            .read(|db| list_recent(db, 5))
            .expect("list")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["secret.replaced", "connection.created"]);
    }
}
