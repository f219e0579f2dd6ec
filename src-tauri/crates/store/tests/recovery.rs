//! Damaged databases, on real files: each kind of damage is found before
//! anything writes to the file, the file is kept aside byte for byte, the
//! manager's choice (start fresh, or restore a backup) is waited for, and the
//! backups SQLite's online backup API writes are whole databases.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use switchboard_store::{DATABASE_FILE, Store, StoreError, recovery};

/// A migrated database with `rows` connections in it, closed (checkpointed).
fn database(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join(DATABASE_FILE);
    let store = Store::open(&path).expect("open");
    store
        .write(|tx| {
            for i in 0..rows {
                tx.execute(
                    "INSERT INTO connections (id, vendor, display_name, base_url, created_at, updated_at)
                     VALUES (?1, 'vambe', ?2, 'https://api.vambe.me', 1, 1)",
                    rusqlite::params![format!("0192f0c4-5d2e-7a3b-9c1d-{i:012}"), format!("Connection number {i} {}", "x".repeat(200))],
                )?;
            }
            Ok(())
        })
        .expect("rows");
    drop(store);
    path
}

fn connections(store: &Store) -> i64 {
    store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM connections", [], |r| r.get(0))?))
        .expect("count")
}

/// Opens a damaged file: refused, kept aside unchanged, and refused again at
/// the next start until the manager chooses.
fn assert_kept_aside(path: &Path, damaged_bytes: &[u8]) -> PathBuf {
    // Time enough to check the whole file before opening, however busy the machine.
    let err = Store::open_checking_within(path, Duration::from_secs(60), Duration::ZERO)
        .expect_err("a damaged database is refused");
    let StoreError::Damaged {
        kept_at: Some(kept),
        detail,
        ..
    } = &err
    else {
        panic!("not refused as damaged: {err}");
    };
    assert!(!detail.is_empty());
    assert!(
        err.to_string().contains("Start fresh, or restore a backup"),
        "{err}"
    );
    assert!(
        !path.exists(),
        "the damaged file is moved, not left in place"
    );
    assert_eq!(
        std::fs::read(kept).expect("kept file"),
        damaged_bytes,
        "never written to"
    );
    let again = Store::open(path).expect_err("still waiting for the manager's choice");
    assert!(matches!(again, StoreError::Damaged { .. }), "{again}");
    assert!(
        !path.exists(),
        "no empty database made behind the manager's back"
    );
    kept.clone()
}

#[test]
fn a_truncated_file_is_found_kept_aside_and_waits_for_a_choice() {
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), 300);
    let bytes = std::fs::read(&path).expect("read");
    let cut = &bytes[..bytes.len() / 2];
    std::fs::write(&path, cut).expect("truncate");
    assert!(!recovery::check(&path).expect("check").is_sound());
    assert_kept_aside(&path, cut);

    // Start fresh: an empty database; the damaged one stays where it was kept.
    recovery::start_fresh(&path).expect("fresh");
    let store = Store::open(&path).expect("fresh database");
    assert_eq!(connections(&store), 0);
    assert!(recovery::pending(&path).expect("note").is_none());
}

#[test]
fn random_bytes_in_the_middle_are_found() {
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), 300);
    let mut bytes = std::fs::read(&path).expect("read");
    let middle = bytes.len() / 2;
    let mut x: u32 = 0x9e37_79b9;
    for b in &mut bytes[middle..middle + 4096] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(&path, &bytes).expect("scribble");
    assert_kept_aside(&path, &bytes);
}

#[test]
fn a_file_that_is_no_database_is_found() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(DATABASE_FILE);
    let bytes = b"<html>this was never a database</html>".repeat(200);
    std::fs::write(&path, &bytes).expect("write");
    assert_kept_aside(&path, &bytes);
}

#[test]
fn a_wal_from_another_database_is_found() {
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), 300);
    // Another database whose WAL still holds its changes (not checkpointed).
    let other_dir = tempfile::tempdir().expect("dir");
    let other = other_dir.path().join("other.db");
    let conn = Connection::open(&other).expect("other");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
         CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
         CREATE INDEX notes_body ON notes (body);",
    )
    .expect("schema");
    for i in 0..500 {
        conn.execute(
            "INSERT INTO notes (body) VALUES (?1)",
            [format!("note {i} {}", "y".repeat(300))],
        )
        .expect("row");
    }
    let wal = std::fs::read(other.with_extension("db-wal")).expect("other's wal");
    assert!(!wal.is_empty());
    std::fs::write(dir.path().join(format!("{DATABASE_FILE}-wal")), &wal).expect("foreign wal");
    let bytes = std::fs::read(&path).expect("read");
    let kept = assert_kept_aside(&path, &bytes);
    // The WAL went with it, untouched.
    let kept_wal = PathBuf::from(format!("{}-wal", kept.display()));
    assert_eq!(std::fs::read(kept_wal).expect("kept wal"), wal);
    drop(conn);
}

#[test]
fn a_backup_restores_what_was_lost() {
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), 40);
    let store = Store::open(&path).expect("open");
    let backup = recovery::backup_dir(&path).join("before.db");
    store.backup(&backup).expect("backup while open");
    assert!(store.check().expect("check").is_sound());
    drop(store);
    assert_eq!(recovery::backups(&path).expect("list")[0].path, backup);

    std::fs::write(&path, b"garbage".repeat(100)).expect("damage");
    assert!(Store::open(&path).is_err());
    recovery::restore(&path, &backup).expect("restore");
    let store = Store::open(&path).expect("restored");
    assert_eq!(connections(&store), 40);

    // A damaged backup is refused, and the database in place is untouched.
    drop(store);
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, b"not a backup".repeat(50)).expect("bad");
    let err = recovery::restore(&path, &bad).expect_err("refused");
    assert!(
        matches!(err, StoreError::Damaged { kept_at: None, .. }),
        "{err}"
    );
    assert_eq!(connections(&Store::open(&path).expect("still there")), 40);
}

#[test]
fn a_check_cut_short_at_start_finishes_in_the_background_and_stops_writes() {
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), 3000);
    // A table the check walks last (it was made last), on a page of its own.
    let conn = Connection::open(&path).expect("raw");
    conn.execute_batch(
        "CREATE TABLE zz_last (x TEXT); INSERT INTO zz_last VALUES ('a'), ('b'), ('c');",
    )
    .expect("table");
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'zz_last'",
            [],
            |r| r.get(0),
        )
        .expect("root page");
    drop(conn);
    assert_eq!(
        recovery::check_within(&path, Some(Duration::ZERO)).expect("check"),
        None,
        "out of time"
    );
    // Damage that only a whole check finds: the header of that page.
    let mut bytes = std::fs::read(&path).expect("read");
    let at = (root as usize - 1) * 4096;
    bytes[at..at + 8].copy_from_slice(&[0x0d, 0, 0, 0, 0x7f, 0x0f, 0xff, 0]);
    std::fs::write(&path, &bytes).expect("scribble");
    assert!(
        !recovery::check(&path).expect("check").is_sound(),
        "a whole check finds it"
    );

    // The rest of the check waits (for the first paint and the first sends).
    let store = Store::open_checking_within(&path, Duration::ZERO, Duration::from_secs(1))
        .expect("opened before the check ends");
    store
        .write(|_| Ok(()))
        .expect("written before the check begins");
    let refused = (0..200).find_map(|_| {
        std::thread::sleep(Duration::from_millis(50));
        store.write(|_| Ok(())).err()
    });
    let Some(StoreError::Damaged { detail, .. }) = refused else {
        panic!("writes go on after damage was found: {refused:?}");
    };
    assert!(detail.contains("restart Switchboard"), "{detail}");
    drop(store);
    // The next start keeps it aside without checking again.
    let err = Store::open(&path).expect_err("kept aside");
    assert!(
        matches!(
            err,
            StoreError::Damaged {
                kept_at: Some(_),
                ..
            }
        ),
        "{err}"
    );
}
