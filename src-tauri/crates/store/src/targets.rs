//! `targets`: clients, contacts, chats and conversations, per connection.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::target::{Target, TargetKind};
use switchboard_domain::{ConnectionId, TargetId};

use crate::columns::{opt_timestamp, parsed};
use crate::{Result, StoreError};

/// A `targets` row, read by column name (also from queries that join it).
pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Target> {
    Ok(Target {
        id: TargetId(row.get("id")?),
        connection_id: parsed(row, "connection_id")?,
        kind: parsed(row, "kind")?,
        vendor_id: row.get("vendor_id")?,
        name: row.get("name")?,
        phone: row.get("phone")?,
        email: row.get("email")?,
        status: row.get("status")?,
        last_activity_at: opt_timestamp(row, "last_activity_at")?,
        synced_at: opt_timestamp(row, "synced_at")?,
    })
}

pub fn get(db: &Db, id: TargetId) -> Result<Target> {
    db.prepare_cached("SELECT * FROM targets WHERE id = ?1")?
        .query_row([id.0], from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "target",
            id: id.to_string(),
        })
}

pub fn find_by_vendor_id(
    db: &Db,
    connection: ConnectionId,
    kind: TargetKind,
    vendor_id: &str,
) -> Result<Option<Target>> {
    Ok(db
        .query_row(
            "SELECT * FROM targets WHERE connection_id = ?1 AND kind = ?2 AND vendor_id = ?3",
            params![connection.to_string(), kind.as_str(), vendor_id],
            from_row,
        )
        .optional()?)
}

/// One page of a connection's targets, most recently active first.
pub fn list_by_connection(
    db: &Db,
    connection: ConnectionId,
    limit: u32,
    offset: u32,
) -> Result<Vec<Target>> {
    let mut stmt = db.prepare(
        "SELECT * FROM targets WHERE connection_id = ?1
         ORDER BY last_activity_at DESC NULLS LAST, id LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt
        .query_map(params![connection.to_string(), limit, offset], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts or updates by (connection, kind, vendor id); returns the row id.
pub fn upsert(db: &Db, t: &Target) -> Result<TargetId> {
    let mut stmt = db.prepare_cached(
        "INSERT INTO targets (connection_id, kind, vendor_id, name, phone, email, status, last_activity_at, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (connection_id, kind, vendor_id) DO UPDATE SET
             name = excluded.name, phone = excluded.phone, email = excluded.email, status = excluded.status,
             last_activity_at = excluded.last_activity_at, synced_at = excluded.synced_at
         RETURNING id",
    )?;
    let id = stmt.query_row(
        params![
            t.connection_id.to_string(),
            t.kind.as_str(),
            t.vendor_id,
            t.name,
            t.phone,
            t.email,
            t.status,
            t.last_activity_at.map(|x| x.0),
            t.synced_at.map(|x| x.0)
        ],
        |row| row.get(0),
    )?;
    Ok(TargetId(id))
}

/// Deletes the connection's targets that the latest full sync did not see.
pub fn delete_unseen(
    db: &Db,
    connection: ConnectionId,
    synced_at: switchboard_domain::Timestamp,
) -> Result<usize> {
    Ok(db.execute(
        "DELETE FROM targets WHERE connection_id = ?1 AND coalesce(synced_at, 0) < ?2",
        params![connection.to_string(), synced_at.0],
    )?)
}

pub fn delete(db: &Db, id: TargetId) -> Result<bool> {
    Ok(db.execute("DELETE FROM targets WHERE id = ?1", [id.0])? > 0)
}

pub fn count_by_connection(db: &Db, connection: ConnectionId) -> Result<i64> {
    Ok(db.query_row(
        "SELECT count(*) FROM targets WHERE connection_id = ?1",
        [connection.to_string()],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::connections;
    use switchboard_domain::{Timestamp, Vendor};

    pub fn sample(connection: ConnectionId, vendor_id: &str, last: i64) -> Target {
        Target {
            id: TargetId(0),
            connection_id: connection,
            kind: TargetKind::Chat,
            vendor_id: vendor_id.into(),
            name: Some(format!("Customer {vendor_id}")),
            phone: Some("919876543210".into()),
            email: None,
            status: Some("opened".into()),
            last_activity_at: Some(Timestamp(last)),
            synced_at: Some(Timestamp(1)),
        }
    }

    #[test]
    fn upsert_pages_and_counts() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Helpcrunch, "HC");
        let ids = store
            .write(|db| {
                connections::upsert(db, &conn)?;
                (0..5)
                    .map(|i| upsert(db, &sample(conn.id, &format!("{i}"), i)))
                    .collect::<Result<Vec<_>>>()
            })
            .expect("write");
        let first_page = store
            .read(|db| list_by_connection(db, conn.id, 2, 0))
            .expect("page");
        let vendor_ids: Vec<_> = first_page.iter().map(|t| t.vendor_id.as_str()).collect();
        assert_eq!(vendor_ids, ["4", "3"], "most recent first");
        assert_eq!(
            store
                .read(|db| count_by_connection(db, conn.id))
                .expect("count"),
            5
        );

        let changed = Target {
            status: Some("closed".into()),
            ..sample(conn.id, "2", 2)
        };
        assert_eq!(
            store.write(|db| upsert(db, &changed)).expect("update"),
            ids[2]
        );
        assert_eq!(
            store
                .read(|db| get(db, ids[2]))
                .expect("get")
                .status
                .as_deref(),
            Some("closed")
        );
        let found = store
            .read(|db| find_by_vendor_id(db, conn.id, TargetKind::Chat, "2"))
            .expect("find");
        assert_eq!(found.map(|t| t.id), Some(ids[2]));
    }
}
