//! Embedded migrations, tracked in `PRAGMA user_version` (the number of migrations
//! applied). Each is applied in its own transaction together with the version bump.

use rusqlite::Connection;

use crate::{Result, StoreError};

/// Every migration, in order. Append only: a released migration never changes.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../migrations/0001_initial.sql"),
    ),
    (
        "0002_sync_and_checks",
        include_str!("../migrations/0002_sync_and_checks.sql"),
    ),
    (
        "0003_target_search",
        include_str!("../migrations/0003_target_search.sql"),
    ),
    (
        "0004_assignee_count",
        include_str!("../migrations/0004_assignee_count.sql"),
    ),
    (
        "0005_history",
        include_str!("../migrations/0005_history.sql"),
    ),
    (
        "0006_statuses",
        include_str!("../migrations/0006_statuses.sql"),
    ),
    (
        "0007_dashboards",
        include_str!("../migrations/0007_dashboards.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub fn schema_version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Refuses a database written by a newer Switchboard, without touching it.
pub(crate) fn refuse_newer(conn: &Connection) -> Result<u32> {
    let found = schema_version(conn)?;
    if found > SCHEMA_VERSION {
        let path = conn.path().map(Into::into).unwrap_or_default();
        return Err(StoreError::NewerSchema {
            path,
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

pub(crate) fn apply(conn: &mut Connection) -> Result<()> {
    let found = refuse_newer(conn)?;
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index as u32 + 1;
        let fail = |source| StoreError::Migration {
            version,
            name,
            source,
        };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
            .map_err(fail)?;
        // Another process may have migrated while we waited for the lock.
        if refuse_newer(&tx)? >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DATABASE_FILE, Store};

    #[test]
    fn migrations_apply_to_an_empty_file_and_survive_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        let store = Store::open(&path).expect("first open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        drop(store);

        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let tables: Vec<String> = store
            .read(|c| {
                let mut stmt =
                    c.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")?;
                let rows = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .expect("tables");
        assert_eq!(
            tables,
            [
                "agents",
                "assignments",
                "audit_log",
                "connection_checks",
                "connections",
                "jobs",
                "operation_agents",
                "operations",
                "operations_fts",
                "operations_fts_config",
                "operations_fts_data",
                "operations_fts_docsize",
                "operations_fts_idx",
                "people",
                "status_polls",
                "status_samples",
                "sync_runs",
                "targets",
                "targets_fts",
                "targets_fts_config",
                "targets_fts_data",
                "targets_fts_docsize",
                "targets_fts_idx",
                "team_members",
                "teams",
                "tenant_statuses",
                "vendor_calls"
            ]
        );
    }

    #[test]
    fn the_database_is_in_wal_mode_with_foreign_keys() {
        let (_dir, store) = crate::test_support::store();
        let (mode, fk): (String, i64) = store
            .read(|c| {
                let mode = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
                let fk = c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
                Ok((mode, fk))
            })
            .expect("pragmas");
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
    }

    #[test]
    fn a_newer_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        {
            let conn = Connection::open(&path).expect("raw open");
            conn.execute_batch("CREATE TABLE from_the_future (x); PRAGMA user_version = 99;")
                .expect("seed");
        }
        let before = std::fs::read(&path).expect("read");
        let err = Store::open(&path).expect_err("must refuse");
        assert!(
            matches!(err, StoreError::NewerSchema { found: 99, .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("newer version of Switchboard"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "file must not change"
        );
    }

    #[test]
    fn a_failed_migration_rolls_back_entirely() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        {
            // A table the first migration wants to create already exists: it must fail
            // and leave neither half the schema nor a bumped version behind.
            let conn = Connection::open(&path).expect("raw open");
            conn.execute_batch("CREATE TABLE audit_log (x);")
                .expect("seed");
        }
        let err = Store::open(&path).expect_err("must fail");
        assert!(
            matches!(err, StoreError::Migration { version: 1, .. }),
            "{err}"
        );
        let conn = Connection::open(&path).expect("raw open");
        assert_eq!(schema_version(&conn).expect("version"), 0);
        let count: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'connections'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(count, 0, "no partial schema");
    }

    #[test]
    fn an_older_database_is_upgraded_in_place_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        {
            // A database as version 1 left it, with a connection in it.
            let mut conn = Connection::open(&path).expect("raw open");
            let tx = conn.transaction().expect("tx");
            tx.execute_batch(MIGRATIONS[0].1).expect("v1");
            tx.pragma_update(None, "user_version", 1).expect("version");
            tx.execute(
                "INSERT INTO connections (id, vendor, display_name, base_url, created_at, updated_at)
                 VALUES ('0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'vambe', 'Old', 'https://api.vambe.me', 1, 1)",
                [],
            )
            .expect("row");
            tx.commit().expect("commit");
        }
        let store = Store::open(&path).expect("upgrade");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let names: Vec<String> = store
            .read(|c| {
                let mut stmt = c.prepare("SELECT display_name FROM connections")?;
                let rows = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .expect("rows");
        assert_eq!(names, ["Old"]);
    }
}
