//! `connections`: the vendor accounts. Never holds a secret.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::ConnectionId;
use switchboard_domain::connection::{BaseUrl, Connection};

use crate::columns::{parsed, timestamp};
use crate::{Result, StoreError};

const COLUMNS: &str =
    "id, vendor, display_name, base_url, settings, is_demo, created_at, updated_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Connection> {
    let base_url: String = row.get("base_url")?;
    let settings: String = row.get("settings")?;
    Ok(Connection {
        id: parsed(row, "id")?,
        vendor: parsed(row, "vendor")?,
        display_name: row.get("display_name")?,
        base_url: BaseUrl::parse(&base_url).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                e.to_string().into(),
            )
        })?,
        settings: serde_json::from_str(&settings).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
        })?,
        is_demo: row.get("is_demo")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
    })
}

pub fn get(db: &Db, id: ConnectionId) -> Result<Connection> {
    find(db, id)?.ok_or_else(|| StoreError::NotFound {
        what: "connection",
        id: id.to_string(),
    })
}

pub fn find(db: &Db, id: ConnectionId) -> Result<Option<Connection>> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE id = ?1");
    Ok(db.query_row(&sql, [id.to_string()], from_row).optional()?)
}

/// All connections, by display name.
pub fn list(db: &Db) -> Result<Vec<Connection>> {
    let sql = format!("SELECT {COLUMNS} FROM connections ORDER BY display_name COLLATE NOCASE, id");
    let mut stmt = db.prepare(&sql)?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts or replaces by id, keeping the original `created_at`.
pub fn upsert(db: &Db, c: &Connection) -> Result<()> {
    let settings = serde_json::Value::Object(c.settings.clone()).to_string();
    db.execute(
        "INSERT INTO connections (id, vendor, display_name, base_url, settings, is_demo, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET
             vendor = excluded.vendor, display_name = excluded.display_name, base_url = excluded.base_url,
             settings = excluded.settings, is_demo = excluded.is_demo, updated_at = excluded.updated_at",
        params![
            c.id.to_string(),
            c.vendor.as_str(),
            c.display_name,
            c.base_url.as_str(),
            settings,
            c.is_demo,
            c.created_at.0,
            c.updated_at.0
        ],
    )?;
    Ok(())
}

/// Deletes the connection and, by cascade, its cached agents, teams and targets.
/// The journal and audit log keep their rows. Returns whether a row was deleted.
pub fn delete(db: &Db, id: ConnectionId) -> Result<bool> {
    Ok(db.execute("DELETE FROM connections WHERE id = ?1", [id.to_string()])? > 0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use switchboard_domain::{Timestamp, Vendor};

    pub fn sample(vendor: Vendor, name: &str) -> Connection {
        let mut settings = serde_json::Map::new();
        settings.insert("business_name".into(), "acme".into());
        Connection {
            id: ConnectionId::new(),
            vendor,
            display_name: name.into(),
            base_url: BaseUrl::parse("http://127.0.0.1:9000/pingup").expect("url"),
            settings,
            is_demo: true,
            created_at: Timestamp(1_000),
            updated_at: Timestamp(1_000),
        }
    }

    #[test]
    fn upsert_get_list_delete() {
        let (_dir, store) = crate::test_support::store();
        let mut a = sample(Vendor::Pingup, "Pingup EU");
        let b = sample(Vendor::CcaiPlatform, "acme ccai");
        store
            .write(|db| {
                upsert(db, &a)?;
                upsert(db, &b)
            })
            .expect("insert");
        assert_eq!(store.read(|db| get(db, a.id)).expect("get"), a);

        a.display_name = "Pingup Europe".into();
        a.updated_at = Timestamp(2_000);
        let mut changed = a.clone();
        changed.created_at = Timestamp(5); // ignored on update
        store.write(|db| upsert(db, &changed)).expect("update");
        assert_eq!(store.read(|db| get(db, a.id)).expect("get"), a);

        let names: Vec<_> = store
            .read(list)
            .expect("list")
            .into_iter()
            .map(|c| c.display_name)
            .collect();
        assert_eq!(names, ["acme ccai", "Pingup Europe"]);

        assert!(store.write(|db| delete(db, a.id)).expect("delete"));
        assert!(!store.write(|db| delete(db, a.id)).expect("delete again"));
        let err = store.read(|db| get(db, a.id)).expect_err("gone");
        assert!(matches!(
            err,
            StoreError::NotFound {
                what: "connection",
                ..
            }
        ));
    }

    #[test]
    fn the_table_has_no_column_for_secrets() {
        let (_dir, store) = crate::test_support::store();
        let columns: Vec<String> = store
            .read(|db| {
                let mut stmt = db.prepare("SELECT name FROM pragma_table_info('connections')")?;
                let rows = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .expect("columns");
        for c in &columns {
            for word in ["secret", "key", "token", "password"] {
                assert!(!c.contains(word), "column {c} looks like a secret");
            }
        }
    }
}
