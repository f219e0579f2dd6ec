//! The database file's health: a check that never writes, a damaged file kept
//! aside untouched, backups taken with SQLite's online backup API (before every
//! migration, and on demand), and a restore from one.
//!
//! A damaged file is renamed, never written to, next to a note
//! (`switchboard.db.damaged.json`). While the note is there the database is not
//! opened: the manager chooses to start fresh or to restore a backup, and the
//! choice removes it. Without the note, the next start would silently make an
//! empty database and the manager would never be asked.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::{Result, StoreError};

/// The folder, next to the database, where backups go.
pub const BACKUP_DIR: &str = "backups";

/// Backups taken before migrations that are kept (older ones are removed).
const MIGRATION_BACKUPS_KEPT: usize = 3;

/// What a check of the file found: nothing (`problems` empty), or what SQLite
/// reported, at most a few lines of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub problems: Vec<String>,
}

impl Check {
    pub fn is_sound(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A damaged database kept aside, waiting for the manager's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Damage {
    /// Where the damaged file now is.
    pub kept_at: PathBuf,
    /// What the check found.
    pub detail: String,
    /// When it was found (epoch ms).
    pub found_at: i64,
}

/// A backup file found in the backups folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    /// When it was written (epoch ms).
    pub modified: i64,
}

/// Checks the database at `path` with `PRAGMA quick_check`, on a read-only
/// connection: nothing is written to the file (a read-only connection neither
/// checkpoints its WAL nor rewrites its header). A missing or empty file is sound.
pub fn check(path: &Path) -> Result<Check> {
    check_within(path, None).map(|c| c.unwrap_or(Check { problems: vec![] }))
}

/// [`check`], given at most `budget` (`None`: however long it takes). A check
/// that runs out of time answers `None`: a large database takes seconds to
/// check, which start-up cannot wait for (the store finishes it in the
/// background).
pub fn check_within(path: &Path, budget: Option<Duration>) -> Result<Option<Check>> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Ok(Some(Check { problems: vec![] }));
    }
    let header = match read_header(path, len)? {
        Ok(header) => header,
        Err(problem) => {
            return Ok(Some(Check {
                problems: vec![problem],
            }));
        }
    };
    if let Some(problem) = truncated(path, len, &header) {
        return Ok(Some(Check {
            problems: vec![problem],
        }));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = match Connection::open_with_flags(path, flags) {
        Ok(conn) => conn,
        Err(e) if is_damage(&e) => return Ok(Some(damaged(e))),
        Err(source) => {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    conn.busy_timeout(crate::BUSY_TIMEOUT)?;
    match foreign_wal(&conn, &header) {
        Ok(None) => {}
        Ok(Some(problem)) => {
            return Ok(Some(Check {
                problems: vec![problem],
            }));
        }
        Err(e) if is_damage(&e) => return Ok(Some(damaged(e))),
        Err(e) => return Err(e.into()),
    }
    if let Some(budget) = budget {
        let deadline = Instant::now() + budget;
        conn.progress_handler(100, Some(move || Instant::now() > deadline))?;
    }
    let lines = conn.prepare("PRAGMA quick_check(5)").and_then(|mut stmt| {
        stmt.query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    });
    match lines {
        Ok(lines) if lines == ["ok"] => Ok(Some(Check { problems: vec![] })),
        Ok(lines) => Ok(Some(Check { problems: lines })),
        Err(e) if is_damage(&e) => Ok(Some(damaged(e))),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The file's first 100 bytes (SQLite's header, as the file holds it, before
/// any WAL), or what is wrong with them.
fn read_header(path: &Path, len: u64) -> Result<std::result::Result<[u8; 100], String>> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let mut file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    if len < 100 || file.read_exact(&mut header).is_err() {
        return Ok(Err(format!("the file is only {len} bytes long")));
    }
    if &header[..16] != b"SQLite format 3\0" {
        return Ok(Err("the file is not an SQLite database".into()));
    }
    Ok(Ok(header))
}

fn header_u32(header: &[u8; 100], at: usize) -> u32 {
    u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
}

/// A WAL that belongs to another database: once SQLite applies it, the header
/// names another application, or an older schema than the file had (a
/// schema only grows).
fn foreign_wal(conn: &Connection, header: &[u8; 100]) -> rusqlite::Result<Option<String>> {
    let (file_version, file_app) = (header_u32(header, 60), header_u32(header, 68));
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let app: u32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let ours = crate::migrations::APPLICATION_ID;
    if version < file_version || (file_app == ours && app != ours) {
        return Ok(Some(format!(
            "the WAL file beside it belongs to another database (the file has schema {file_version}, with the WAL {version})"
        )));
    }
    Ok(None)
}

/// A file shorter than its header says (SQLite keeps the page count in the
/// header): cut off by a crash, a full disk or a bad copy.
fn truncated(path: &Path, len: u64, header: &[u8; 100]) -> Option<String> {
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(header_u32(header, 28));
    let counter = &header[24..28];
    let valid_for = &header[92..96];
    // The page count is only valid when written by a SQLite that keeps it; and
    // with a WAL beside it, a checkpoint cut short may have written page 1
    // before the pages that grow the file (the WAL still has them all).
    let wal = std::fs::metadata(with_suffix(path, "-wal")).map_or(0, |m| m.len());
    if counter == valid_for && wal == 0 && pages > 0 && len < pages * page_size {
        return Some(format!(
            "the file is {len} bytes long, but holds {pages} pages of {page_size} bytes: it was cut short"
        ));
    }
    None
}

/// Finishes a check start-up had no time for, on its own thread, `after` a
/// while (the first paint and the first sends go first);
/// damage found stops the store's writes (`damaged`) and is remembered for the
/// next start, which keeps the file aside. The answer keeps the thread
/// waiting: once it is dropped (the store closed), no check starts.
pub(crate) fn finish_check_later(
    path: PathBuf,
    after: Duration,
    damaged: Arc<OnceLock<String>>,
) -> Option<std::sync::mpsc::Sender<()>> {
    let (open, closed) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("database check".into())
        .spawn(move || {
            if closed.recv_timeout(after) != Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            finish_check(&path, &damaged);
        });
    match spawned {
        Ok(_) => Some(open),
        Err(e) => {
            eprintln!("switchboard: the database check could not start: {e}");
            None
        }
    }
}

fn finish_check(path: &Path, damaged: &OnceLock<String>) {
    match check(path) {
        Ok(found) if !found.is_sound() => {
            let detail = found.problems.join("; ");
            eprintln!(
                "switchboard: the database at {} is damaged: {detail}",
                path.display()
            );
            let _ = damaged.set(detail.clone());
            if let Err(e) = write_whole(&with_suffix(path, ".check-failed"), detail.as_bytes()) {
                eprintln!("switchboard: {e}");
            }
        }
        Ok(_) => {}
        Err(e) => eprintln!("switchboard: the database could not be checked: {e}"),
    }
}

/// What a check that finished after an earlier start found (see
/// [`finish_check_later`]); [`keep_aside`] clears it.
pub(crate) fn failed_before(db: &Path) -> Result<Option<String>> {
    let marker = with_suffix(db, ".check-failed");
    match std::fs::read_to_string(&marker) {
        Ok(detail) => Ok(Some(detail)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&marker, e)),
    }
}

/// SQLite's answers that mean the file itself is bad, not that it is busy or
/// out of reach.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

fn damaged(e: rusqlite::Error) -> Check {
    Check {
        problems: vec![e.to_string()],
    }
}

/// The note that says a damaged database waits for the manager's choice.
pub fn note_path(db: &Path) -> PathBuf {
    with_suffix(db, ".damaged.json")
}

/// The damaged database waiting for the manager's choice, if any.
pub fn pending(db: &Path) -> Result<Option<Damage>> {
    match std::fs::read(note_path(db)) {
        Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
            StoreError::Corrupt {
                column: "switchboard.db.damaged.json",
                detail: e.to_string(),
            }
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(db, e)),
    }
}

/// Renames the damaged database (and its WAL and shared-memory files) to
/// `<name>.damaged-<UTC time>` without writing to them, and leaves the note.
pub fn keep_aside(db: &Path, detail: &str) -> Result<Damage> {
    let now = chrono::Utc::now();
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let kept_at = with_suffix(db, &format!(".damaged-{stamp}"));
    for extra in ["-wal", "-shm"] {
        let from = with_suffix(db, extra);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&kept_at, extra)).map_err(|e| io(&from, e))?;
        }
    }
    std::fs::rename(db, &kept_at).map_err(|e| io(db, e))?;
    let damage = Damage {
        kept_at,
        detail: detail.to_string(),
        found_at: now.timestamp_millis(),
    };
    let note = serde_json::to_vec_pretty(&damage).map_err(|e| StoreError::Corrupt {
        column: "switchboard.db.damaged.json",
        detail: e.to_string(),
    })?;
    write_whole(&note_path(db), &note)?;
    let _ = std::fs::remove_file(with_suffix(db, ".check-failed"));
    Ok(damage)
}

/// The manager chose to start fresh: the next open makes an empty database.
/// The damaged file stays where it was kept.
pub fn start_fresh(db: &Path) -> Result<()> {
    match std::fs::remove_file(note_path(db)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(db, e)),
        _ => Ok(()),
    }
}

/// Puts the backup at `from` in place of the database at `db`, after checking
/// it; the damaged file (or the one replaced, kept aside first) is not lost.
/// A backup written by a newer Switchboard is refused.
pub fn restore(db: &Path, from: &Path) -> Result<()> {
    let found = check(from)?;
    if !found.is_sound() {
        return Err(StoreError::Damaged {
            path: from.to_path_buf(),
            kept_at: None,
            detail: found.problems.join("; "),
        });
    }
    let source =
        Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|source| {
            StoreError::Open {
                path: from.to_path_buf(),
                source,
            }
        })?;
    crate::migrations::refuse_newer(&source)?;
    if db.exists() && pending(db)?.is_none() {
        keep_aside(db, "replaced by a restored backup")?;
    }
    // Into a new file first, then renamed: a crash midway leaves no half database.
    backup_to(&source, db)?;
    start_fresh(db)
}

/// Writes a consistent copy of the open database to `to` with SQLite's online
/// backup API (other connections go on reading and writing meanwhile). The copy
/// is written beside `to` first, synced and renamed, so `to` is whole or absent.
pub(crate) fn backup_to(conn: &Connection, to: &Path) -> Result<()> {
    replace_whole(to, |partial| {
        copy_pages(conn, partial).map_err(|source| StoreError::Open {
            path: partial.to_path_buf(),
            source,
        })
    })
}

/// Makes `to` whole or not at all: `write` makes the file beside it (in the
/// same folder, made if missing), which is synced and renamed over `to`.
fn replace_whole(to: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let partial = with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    write(&partial)?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, to).map_err(|e| io(to, e))
}

/// Pages copied per step of a backup: a few MB, then the source is free for a
/// moment (a write by another connection between steps starts the copy over).
const BACKUP_STEP_PAGES: std::ffi::c_int = 1024;

/// The copy itself. The file it writes is new and renamed only once whole, so
/// it needs neither a journal nor a sync per step (those made a backup of a
/// large database several times slower): one sync at the end does.
fn copy_pages(conn: &Connection, into: &Path) -> rusqlite::Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let mut dst = Connection::open(into)?;
    dst.pragma_update(None, "journal_mode", "OFF")?;
    dst.pragma_update(None, "synchronous", "OFF")?;
    let backup = Backup::new(conn, &mut dst)?;
    loop {
        match backup.step(BACKUP_STEP_PAGES)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // Another connection holds a lock for a moment.
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Backs the database up before migration `version` is applied, into the
/// backups folder, and keeps only the last few such backups.
pub(crate) fn backup_before_migration(conn: &Connection, db: &Path, found: u32) -> Result<PathBuf> {
    let dir = backup_dir(db);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let to = dir.join(format!("switchboard-schema{found}-{stamp}.db"));
    if !copy_file_at_rest(conn, db, &to)? {
        backup_to(conn, &to)?;
    }
    let mut older: Vec<_> = backups(db)?
        .into_iter()
        .filter(|b| name_of(&b.path).starts_with("switchboard-schema"))
        .collect();
    older.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.path.cmp(&a.path)));
    for b in older.iter().skip(MIGRATION_BACKUPS_KEPT) {
        let _ = std::fs::remove_file(&b.path);
    }
    Ok(to)
}

/// Backs the database up by copying its file, when that file holds all of it
/// and can be kept still meanwhile: the WAL checkpointed into it and emptied,
/// then the write lock held while it is copied. The file system copies in the
/// kernel (or clones the file where it can): 0.2 s for 770 MB, where the
/// backup API takes 1.5 s, and this one is on the path to the first paint of
/// the first start after an upgrade. Answers `false`, having copied nothing,
/// when another connection's reader keeps the WAL from emptying.
fn copy_file_at_rest(conn: &Connection, db: &Path, to: &Path) -> Result<bool> {
    // Not waiting for others' readers: the backup API does not need them gone.
    conn.busy_timeout(Duration::ZERO)?;
    let at_rest = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_ok_and(|busy| busy == 0)
        && conn.execute_batch("BEGIN IMMEDIATE").is_ok();
    conn.busy_timeout(crate::BUSY_TIMEOUT)?;
    if !at_rest {
        return Ok(false);
    }
    let copied = copy_unless_written(db, to);
    conn.execute_batch("ROLLBACK")?;
    copied
}

/// Copies `db` to `to` (beside it first, synced, renamed) unless its WAL holds
/// anything: a write since the checkpoint, which the file alone lacks.
fn copy_unless_written(db: &Path, to: &Path) -> Result<bool> {
    if std::fs::metadata(with_suffix(db, "-wal")).is_ok_and(|m| m.len() > 0) {
        return Ok(false);
    }
    replace_whole(to, |partial| {
        std::fs::copy(db, partial)
            .map(|_| ())
            .map_err(|e| io(partial, e))
    })?;
    Ok(true)
}

/// The backups folder of the database at `db`.
pub fn backup_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join(BACKUP_DIR)
}

/// The backups in the backups folder, newest first.
pub fn backups(db: &Path) -> Result<Vec<Backup>> {
    let dir = backup_dir(db);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(io(&dir, e)),
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "db") {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        found.push(Backup {
            path,
            bytes: meta.len(),
            modified,
        });
    }
    found.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.path.cmp(&a.path)));
    Ok(found)
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `bytes` to `path` whole (see [`replace_whole`]).
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_whole(path, |partial| {
        std::fs::write(partial, bytes).map_err(|e| io(partial, e))
    })
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::File {
        path: path.to_path_buf(),
        source: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with a row in its WAL, and `other`, the connection that
    /// wrote it (kept open so the WAL stays).
    fn with_a_row_in_the_wal(db: &Path) -> (Connection, Connection) {
        let store = crate::Store::open(db).expect("create");
        drop(store);
        let other = Connection::open(db).expect("other");
        other
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0;
                 INSERT INTO connections (id, vendor, display_name, base_url, created_at, updated_at)
                   VALUES ('0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', 'vambe', 'In the WAL', 'https://api.vambe.me', 1, 1);",
            )
            .expect("write");
        (Connection::open(db).expect("ours"), other)
    }

    fn rows(backup: &Path) -> i64 {
        let conn = Connection::open(backup).expect("open backup");
        conn.query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
            .expect("count")
    }

    #[test]
    fn the_file_is_copied_once_the_wal_is_in_it_and_not_while_a_reader_holds_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join(crate::DATABASE_FILE);
        let (ours, _other) = with_a_row_in_the_wal(&db);
        let to = dir.path().join("copied.db");
        assert!(copy_file_at_rest(&ours, &db, &to).expect("copy"), "copied");
        assert_eq!(rows(&to), 1, "the WAL's row is in the copy");

        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join(crate::DATABASE_FILE);
        let (ours, other) = with_a_row_in_the_wal(&db);
        other.execute_batch("BEGIN").expect("begin");
        let _: i64 = other
            .query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
            .expect("read");
        let to = dir.path().join("copied.db");
        assert!(
            !copy_file_at_rest(&ours, &db, &to).expect("copy"),
            "not at rest"
        );
        assert!(!to.exists());
        // The connection is as it was: it writes, and waits for locks again.
        ours.execute_batch("DELETE FROM connections")
            .expect("write after");
    }
}
