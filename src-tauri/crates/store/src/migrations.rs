//! Embedded migrations, tracked in `PRAGMA user_version` (the number of migrations
//! applied). Each is applied in its own transaction together with the version bump.

use rusqlite::{Connection, OptionalExtension};

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
    (
        "0008_operation_claims",
        include_str!("../migrations/0008_operation_claims.sql"),
    ),
    ("0009_moves", include_str!("../migrations/0009_moves.sql")),
    (
        "0010_job_leases",
        include_str!("../migrations/0010_job_leases.sql"),
    ),
    (
        "0011_job_pause",
        include_str!("../migrations/0011_job_pause.sql"),
    ),
    (
        "0012_plan_and_cover_jobs",
        include_str!("../migrations/0012_plan_and_cover_jobs.sql"),
    ),
    ("0013_covers", include_str!("../migrations/0013_covers.sql")),
    (
        "0014_cover_skipped",
        include_str!("../migrations/0014_cover_skipped.sql"),
    ),
    (
        "0015_cover_pingup_until",
        include_str!("../migrations/0015_cover_pingup_until.sql"),
    ),
    (
        "0016_application_id",
        include_str!("../migrations/0016_application_id.sql"),
    ),
    (
        "0017_status_log",
        include_str!("../migrations/0017_status_log.sql"),
    ),
    (
        "0018_status_source_index",
        include_str!("../migrations/0018_status_source_index.sql"),
    ),
];

/// `PRAGMA application_id` of a Switchboard database ('SWBD').
pub const APPLICATION_ID: u32 = 0x5357_4244;

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

/// Applies the migrations not yet applied. Foreign keys are off while they run,
/// so a migration can rebuild a table the way SQLite documents (create, copy,
/// drop, rename); each is checked for broken references before it commits.
pub(crate) fn apply(conn: &mut Connection) -> Result<()> {
    let found = refuse_newer(conn)?;
    if found as usize == MIGRATIONS.len() {
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = apply_each(conn, found);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    applied
}

fn apply_each(conn: &mut Connection, found: u32) -> Result<()> {
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
        let broken = run(&tx, sql).map_err(fail)?;
        if let Some(table) = broken {
            return Err(fail(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                Some(format!("rows of {table} refer to rows that are gone")),
            )));
        }
        tx.pragma_update(None, "user_version", version)
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}

/// Runs one migration's SQL, and answers the first table whose rows refer to
/// rows that are gone. The reference check reads every row of every table
/// (2.5 s for a million operations), so it is skipped for a migration that
/// changed no row and no table that was there (a header field, a new table or
/// index): such a one cannot have broken a reference.
fn run(tx: &Connection, sql: &str) -> rusqlite::Result<Option<String>> {
    let (rows_before, tables_before) = (tx.total_changes(), tables(tx)?);
    tx.execute_batch(sql)?;
    let kept_everything = tx.total_changes() == rows_before && {
        let after = tables(tx)?;
        tables_before
            .iter()
            .all(|(name, sql)| after.get(name) == Some(sql))
    };
    if kept_everything {
        return Ok(None);
    }
    tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()
}

/// Every table's definition, by name.
fn tables(conn: &Connection) -> rusqlite::Result<std::collections::BTreeMap<String, String>> {
    let mut stmt = conn.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")?;
    stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get::<_, Option<String>>(1)?.unwrap_or_default(),
        ))
    })?
    .collect()
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
                "agent_activity",
                "agents",
                "assignments",
                "audit_log",
                "connection_checks",
                "connections",
                "cover_jobs",
                "covers",
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
    fn references_are_checked_after_a_migration_that_changes_rows_or_tables() {
        let conn = Connection::open_in_memory().expect("open");
        // As migrations run (see `apply`).
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id));
             INSERT INTO parent VALUES (1);
             INSERT INTO child VALUES (1, 1), (2, 1);",
        )
        .expect("seed");
        // Nothing of the data or the tables changed: nothing to check.
        for sql in [
            "PRAGMA application_id = 1398227524",
            "CREATE TABLE other (x)",
            "CREATE INDEX child_parent ON child (parent)",
        ] {
            assert_eq!(run(&conn, sql).expect(sql), None, "{sql}");
        }
        let broken = Some("child".to_owned());
        // Rows changed: a reference broken by the migration is found.
        assert_eq!(run(&conn, "DELETE FROM parent").expect("delete"), broken);
        // A table rebuilt (or changed) is checked even when no row changed.
        for sql in [
            "ALTER TABLE child ADD COLUMN note TEXT",
            "ALTER TABLE other RENAME TO other2",
            "DROP TABLE other2",
        ] {
            assert_eq!(run(&conn, sql).expect(sql), broken, "{sql}");
        }
        // The skip relies on nothing else: a broken reference left from
        // before is not blamed on a migration that could not have made it.
        assert_eq!(run(&conn, "PRAGMA user_version = 7").expect("pragma"), None);
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
        // The database as it was before the upgrade was backed up first.
        let backups = crate::recovery::backups(&path).expect("backups");
        assert_eq!(backups.len(), 1, "{backups:?}");
        let name = backups[0]
            .path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with("switchboard-schema1-"), "{name}");
        let old = Connection::open(&backups[0].path).expect("open backup");
        assert_eq!(schema_version(&old).expect("version"), 1);
        let kept: String = old
            .query_row("SELECT display_name FROM connections", [], |r| r.get(0))
            .expect("row");
        assert_eq!(kept, "Old");
    }

    /// A database one migration behind, with a connection row still in its
    /// WAL (`other` wrote it and keeps the WAL from being checkpointed).
    fn behind_with_a_row_in_the_wal(path: &std::path::Path) -> Connection {
        let behind = SCHEMA_VERSION as usize - 1;
        let mut other = Connection::open(path).expect("other");
        other
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = OFF;")
            .expect("wal");
        let tx = other.transaction().expect("tx");
        for (_, sql) in &MIGRATIONS[..behind] {
            tx.execute_batch(sql).expect("migrate");
        }
        tx.pragma_update(None, "user_version", behind as u32)
            .expect("version");
        tx.commit().expect("commit");
        other
            .execute_batch(
                "PRAGMA wal_checkpoint(TRUNCATE);
                 PRAGMA wal_autocheckpoint = 0;
                 INSERT INTO connections (id, vendor, display_name, base_url, created_at, updated_at)
                   VALUES ('0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'vambe', 'In the WAL', 'https://api.vambe.me', 1, 1);",
            )
            .expect("write");
        assert!(
            std::fs::metadata(path.with_extension("db-wal"))
                .expect("wal")
                .len()
                > 0,
            "the row is in the WAL"
        );
        other
    }

    fn backed_up_names(path: &std::path::Path) -> Vec<String> {
        let backups = crate::recovery::backups(path).expect("backups");
        assert_eq!(backups.len(), 1, "{backups:?}");
        let old = Connection::open(&backups[0].path).expect("open backup");
        assert_eq!(schema_version(&old).expect("version"), SCHEMA_VERSION - 1);
        let mut stmt = old
            .prepare("SELECT display_name FROM connections")
            .expect("query");
        stmt.query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn the_backup_before_a_migration_holds_what_the_wal_held() {
        // Copied as a file, once the WAL is checkpointed into it.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        let _other = behind_with_a_row_in_the_wal(&path);
        drop(Store::open(&path).expect("upgrade"));
        assert_eq!(backed_up_names(&path), ["In the WAL"]);

        // Another connection reading keeps the WAL from emptying: the backup
        // API copies it instead, without waiting for that reader.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        let other = behind_with_a_row_in_the_wal(&path);
        other.execute_batch("BEGIN").expect("begin");
        let n: i64 = other
            .query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
            .expect("read");
        assert_eq!(n, 1);
        let started = std::time::Instant::now();
        drop(Store::open(&path).expect("upgrade"));
        assert!(
            started.elapsed() < crate::BUSY_TIMEOUT,
            "waited for the reader"
        );
        assert_eq!(backed_up_names(&path), ["In the WAL"]);
        other.execute_batch("COMMIT").expect("end");
    }

    #[test]
    fn status_samples_rebuilt_in_0017_keep_their_rows_and_indexes_and_take_the_log() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        {
            let mut conn = Connection::open(&path).expect("raw open");
            conn.execute_batch("PRAGMA foreign_keys = OFF").expect("fk");
            let tx = conn.transaction().expect("tx");
            for (_, sql) in &MIGRATIONS[..16] {
                tx.execute_batch(sql).expect("migrate");
            }
            tx.pragma_update(None, "user_version", 16).expect("version");
            tx.execute_batch(
                "INSERT INTO connections (id, vendor, display_name, base_url, created_at, updated_at)
                   VALUES ('c', 'ccai_platform', 'CCAI', 'https://acme.uc1.ccaiplatform.com', 1, 1);
                 INSERT INTO agents (id, connection_id, vendor_id, name, active, source)
                   VALUES (7, 'c', '11', 'Ana', 1, 'sync');
                 INSERT INTO status_samples (id, agent_id, status_vendor_id, status_name, started_at, last_seen_at, ended_at, source)
                   VALUES (3, 7, '0', 'Available', 100, 150, 160, 'poll'),
                          (4, 7, '1', 'Lunch', 160, 300, NULL, 'app');",
            )
            .expect("rows");
            tx.commit().expect("commit");
        }
        let store = Store::open(&path).expect("upgrade");
        let rows: Vec<(i64, String, Option<i64>)> = store
            .read(|c| {
                let mut stmt =
                    c.prepare("SELECT id, source, ended_at FROM status_samples ORDER BY id")?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(rows)
            })
            .expect("rows");
        assert_eq!(
            rows,
            [(3, "poll".into(), Some(160)), (4, "app".into(), None)]
        );
        // One open stretch per agent, still.
        let second_open = store.write(|db| {
            db.execute(
                "INSERT INTO status_samples (agent_id, status_name, started_at, last_seen_at, source)
                 VALUES (7, 'Break', 400, 400, 'log')",
                [],
            )?;
            Ok(())
        });
        assert!(second_open.is_err(), "a second open stretch is refused");
        store
            .write(|db| {
                db.execute(
                    "INSERT INTO status_samples (agent_id, status_name, started_at, last_seen_at, ended_at, source)
                     VALUES (7, 'Break', 10, 20, 20, 'log')",
                    [],
                )?;
                Ok(())
            })
            .expect("a stretch from the log");
        let indexes: i64 = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'status_samples' AND sql IS NOT NULL",
                    [],
                    |r| r.get(0),
                )?)
            })
            .expect("indexes");
        assert_eq!(indexes, 4);
    }

    #[test]
    fn moves_join_the_journal_in_0009_and_work_in_flight_keeps_its_claim() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        {
            let mut conn = Connection::open(&path).expect("raw open");
            let tx = conn.transaction().expect("tx");
            for (_, sql) in &MIGRATIONS[..8] {
                tx.execute_batch(sql).expect("migrate");
            }
            tx.pragma_update(None, "user_version", 8).expect("version");
            tx.execute_batch(
                "INSERT INTO jobs (id, kind, title, state, origin, created_at, updated_at)
                   VALUES ('0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'assign', 'Assign Ana', 'running', 'app', 1, 1);
                 INSERT INTO operations (id, job_id, connection_id, kind, request, state, created_at, updated_at, claimed_by, claim_until, next_attempt_at)
                   VALUES (5, '0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'c', 'assign', '{\"agents\":[\"1\"]}', 'sending', 1, 1, 'app-123', 99, 77);",
            )
            .expect("rows");
            tx.commit().expect("commit");
        }
        let store = Store::open(&path).expect("upgrade");
        let kept: (String, i64, i64) = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT claimed_by, claim_until, next_attempt_at FROM operations WHERE id = 5",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .expect("read");
        assert_eq!(kept, ("app-123".to_owned(), 99, 77));
        store
            .write(|c| {
                c.execute(
                    "INSERT INTO operations (job_id, connection_id, kind, request, state, created_at, updated_at)
                     VALUES ('0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'c', 'move', '{\"type\":\"move\",\"from\":\"1\"}', 'queued', 2, 2)",
                    [],
                )?;
                Ok(())
            })
            .expect("a move is an operation kind now");
    }

    #[test]
    fn the_journal_rebuilt_in_0008_keeps_its_rows_links_and_search() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(DATABASE_FILE);
        {
            // A database as version 7 left it, with a job, an operation sending,
            // its agent link and its words in the search index.
            let mut conn = Connection::open(&path).expect("raw open");
            let tx = conn.transaction().expect("tx");
            for (_, sql) in &MIGRATIONS[..7] {
                tx.execute_batch(sql).expect("migrate");
            }
            tx.pragma_update(None, "user_version", 7).expect("version");
            tx.execute_batch(
                "INSERT INTO jobs (id, kind, title, state, origin, created_at, updated_at)
                   VALUES ('0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'assign', 'Assign Ana', 'queued', 'cli', 1, 1);
                 INSERT INTO operations (id, job_id, connection_id, kind, target_label, request, state, created_at, updated_at, agent_names)
                   VALUES (41, '0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'c', 'assign', 'Noah Weber', '{\"agents\":[\"4188\"]}', 'sending', 1, 1, '[\"Ana Diaz\"]');
                 INSERT INTO operation_agents (agent_id, operation_id) VALUES (7, 41);",
            )
            .expect("rows");
            tx.commit().expect("commit");
        }
        let store = Store::open(&path).expect("upgrade");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let (state, links, found, fk): (String, i64, i64, i64) = store
            .read(|c| {
                Ok((
                    c.query_row("SELECT state FROM operations WHERE id = 41", [], |r| {
                        r.get(0)
                    })?,
                    c.query_row(
                        "SELECT count(*) FROM operation_agents WHERE operation_id = 41",
                        [],
                        |r| r.get(0),
                    )?,
                    c.query_row(
                        "SELECT count(*) FROM operations_fts WHERE operations_fts MATCH 'Noah'",
                        [],
                        |r| r.get(0),
                    )?,
                    c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?,
                ))
            })
            .expect("read");
        assert_eq!((state.as_str(), links, found), ("sending", 1, 1));
        assert_eq!(fk, 1, "foreign keys are back on after migrating");
        // The rebuilt table takes the new state, and its triggers keep the index.
        store
            .write(|c| {
                c.execute(
                    "UPDATE operations SET state = 'unknown', target_label = 'Noa' WHERE id = 41",
                    [],
                )?;
                Ok(())
            })
            .expect("unknown is a state now");
        let found: i64 = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM operations_fts WHERE operations_fts MATCH 'Noa'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .expect("search");
        assert_eq!(found, 1);
        // Deleting a job still takes its operations and their links with it.
        store
            .write(|c| {
                c.execute("DELETE FROM jobs", [])?;
                Ok(())
            })
            .expect("delete");
        let left: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM operation_agents", [], |r| r.get(0))?))
            .expect("count");
        assert_eq!(left, 0);
    }
}
