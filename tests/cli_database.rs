//! The database file on the command line, on real files: a damaged database is
//! refused with exit 11 and kept aside; `db check`, `db fresh`, `db backup` and
//! `db restore` do what they say, and nothing is lost on the way.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;
use common::{cli, text};

#[test]
fn a_damaged_database_is_refused_kept_aside_and_recovered_from_a_backup() {
    let dir = common::data_dir();
    let d = dir.path();
    let ns = format!("io.switchboard.desktop.test.db-{}", uuid::Uuid::new_v4());

    // A sound database: checked, and backed up while in use.
    let out = cli(d, &ns, &["connections", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = cli(d, &ns, &["db", "check"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No problem found"), "{stdout}");
    let backup = d.join("kept.db");
    let out = cli(d, &ns, &["db", "backup", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(backup.is_file());
    let out = cli(d, &ns, &["db", "backup", backup.to_str().unwrap()]);
    let (_, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an existing file is never overwritten: {stderr}"
    );
    assert!(stderr.contains("choose a new file name"), "{stderr}");

    // Damage: the check says so without touching the file.
    let db = d.join("switchboard.db");
    let garbage = b"not a database at all ".repeat(300);
    std::fs::write(&db, &garbage).unwrap();
    let _ = std::fs::remove_file(d.join("switchboard.db-wal"));
    let _ = std::fs::remove_file(d.join("switchboard.db-shm"));
    let out = cli(d, &ns, &["db", "check", "--json"]);
    assert_eq!(out.status.code(), Some(11), "{:?}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sound"], false);
    assert_eq!(std::fs::read(&db).unwrap(), garbage, "check never writes");

    // Any command: refused with exit 11, the file kept aside as it was.
    let out = cli(d, &ns, &["connections"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(11), "{stderr}");
    assert!(
        stderr.contains("is damaged") && stderr.contains("kept aside"),
        "{stderr}"
    );
    assert!(!db.exists());
    let kept: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("switchboard.db.damaged-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read(kept[0].path()).unwrap(), garbage);
    // Still refused until the manager chooses; the check says how to choose.
    assert_eq!(cli(d, &ns, &["connections"]).status.code(), Some(11));
    let out = cli(d, &ns, &["db", "check"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(11), "{stdout}");
    assert!(stdout.contains("switchboard db restore BACKUP"), "{stdout}");

    // A backup that is itself damaged is refused; a good one is restored.
    let bad = d.join("bad.db");
    std::fs::write(&bad, b"junk".repeat(100)).unwrap();
    let out = cli(d, &ns, &["db", "restore", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(11), "{:?}", text(&out));
    let out = cli(d, &ns, &["db", "restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = cli(d, &ns, &["db", "check"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(cli(d, &ns, &["connections"]).status.code(), Some(0));

    // Start fresh after damage: an empty database.
    std::fs::write(d.join("switchboard.db"), &garbage).unwrap();
    let _ = std::fs::remove_file(d.join("switchboard.db-wal"));
    let _ = std::fs::remove_file(d.join("switchboard.db-shm"));
    assert_eq!(cli(d, &ns, &["connections"]).status.code(), Some(11));
    assert_eq!(cli(d, &ns, &["db", "fresh"]).status.code(), Some(0));
    let out = cli(d, &ns, &["connections", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}
