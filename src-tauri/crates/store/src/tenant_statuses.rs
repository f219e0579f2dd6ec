//! `tenant_statuses`: each connection's status list (CCAI Platform's
//! `user_statuses`), with colours and which ones Switchboard offers to set.

use rusqlite::{Connection as Db, Row, params};
use switchboard_domain::status::TenantStatus;
use switchboard_domain::{ConnectionId, Timestamp};

use crate::Result;
use crate::columns::parsed;

fn from_row(row: &Row<'_>) -> rusqlite::Result<TenantStatus> {
    Ok(TenantStatus {
        connection_id: parsed(row, "connection_id")?,
        vendor_id: row.get("vendor_id")?,
        name: row.get("name")?,
        color: row.get("color")?,
        system: row.get("system")?,
        offered: row.get("offered")?,
    })
}

/// A connection's statuses: system ones first (by id, descending from Available),
/// then custom ones by id.
pub fn list(db: &Db, connection: ConnectionId) -> Result<Vec<TenantStatus>> {
    let mut stmt = db.prepare_cached(
        "SELECT * FROM tenant_statuses WHERE connection_id = ?1
         ORDER BY system DESC, CAST(vendor_id AS INTEGER) * (CASE WHEN system THEN -1 ELSE 1 END), vendor_id",
    )?;
    let rows = stmt
        .query_map([connection.to_string()], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Every connection's statuses.
pub fn list_all(db: &Db) -> Result<Vec<TenantStatus>> {
    let mut stmt = db.prepare_cached(
        "SELECT * FROM tenant_statuses ORDER BY connection_id, system DESC, vendor_id",
    )?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Replaces a connection's statuses with the vendor's current list.
pub fn replace(
    db: &Db,
    connection: ConnectionId,
    list: &[TenantStatus],
    at: Timestamp,
) -> Result<()> {
    db.execute(
        "DELETE FROM tenant_statuses WHERE connection_id = ?1",
        [connection.to_string()],
    )?;
    let mut insert = db.prepare_cached(
        "INSERT INTO tenant_statuses (connection_id, vendor_id, name, color, system, offered, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for s in list {
        insert.execute(params![
            connection.to_string(),
            s.vendor_id,
            s.name,
            s.color,
            s.system,
            s.offered,
            at.0
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections;
    use switchboard_domain::Vendor;

    #[test]
    fn a_tenants_statuses_are_replaced_and_listed_in_order() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::CcaiPlatform, "C");
        let status = |id: &str, name: &str, system: bool| TenantStatus {
            connection_id: conn.id,
            vendor_id: id.into(),
            name: name.into(),
            color: Some("#00ff00".into()),
            system,
            offered: !system || id == "0",
        };
        store
            .write(|db| {
                connections::upsert(db, &conn)?;
                replace(
                    db,
                    conn.id,
                    &[
                        status("-1", "Unavailable", true),
                        status("0", "Available", true),
                    ],
                    Timestamp(1),
                )?;
                replace(
                    db,
                    conn.id,
                    &[
                        status("2", "Training", false),
                        status("-7", "In-call", true),
                        status("0", "Available", true),
                        status("1", "Lunch", false),
                    ],
                    Timestamp(2),
                )
            })
            .expect("write");
        let names: Vec<String> = store
            .read(|db| list(db, conn.id))
            .expect("list")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["Available", "In-call", "Lunch", "Training"]);
        assert_eq!(store.read(list_all).expect("all").len(), 4);
    }
}
