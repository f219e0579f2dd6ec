//! Switchboard's local SQLite database: the cache of what vendors hold, and the
//! journal of what the app changed.
//!
//! One file, in WAL mode so the views read while a sync or bulk job writes. One
//! writer connection and a few readers; callers are synchronous (the engine calls
//! in from `spawn_blocking`). Each table has its own module with `get`, `list`,
//! `upsert`/`insert` and `delete` over a plain `rusqlite::Connection`, so the same
//! functions work inside and outside a transaction.

mod columns;
mod error;
mod migrations;
pub mod recovery;

pub mod agent_activity;
pub mod agents;
pub mod assignments;
pub mod audit_log;
pub mod board;
pub mod browse;
pub mod connection_checks;
pub mod connections;
pub mod covers;
pub mod dashboards;
pub mod history;
pub mod jobs;
pub mod operations;
pub mod people;
pub mod status_charts;
pub mod status_polls;
pub mod status_samples;
pub mod sync_runs;
pub mod targets;
pub mod teams;
pub mod tenant_statuses;
pub mod vendor_calls;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};

pub use error::StoreError;
pub use migrations::{SCHEMA_VERSION, schema_version};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The file name inside the data folder.
pub const DATABASE_FILE: &str = "switchboard.db";

/// How long a connection waits for another's write lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements each connection keeps (rusqlite's default is 16).
const STATEMENT_CACHE: usize = 64;

/// How long start-up checks the file (a few MB are checked whole in it); a
/// larger one is checked to the end in the background, where damage found
/// stops every write (see [`recovery::check_within`]). Kept short: the window
/// waits for it, and the first paint's target is one second.
const START_CHECK_BUDGET: Duration = Duration::from_millis(50);

/// How long after opening the background check begins. A whole check of a
/// large file takes seconds of one core (about 2 s for 770 MB) and holds a
/// read snapshot all along (the WAL cannot be reset meanwhile): started at
/// once, it slowed the first paint of a large workspace by half a second.
const BACKGROUND_CHECK_AFTER: Duration = Duration::from_secs(20);

/// Readers kept open for reuse; more are opened on demand and dropped after use.
const IDLE_READERS: usize = 4;

/// An open, migrated database.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// What the check finished after start-up found wrong: writes are refused.
    damaged: Arc<OnceLock<String>>,
    /// Keeps the background check waiting to start; dropped with the store.
    _check_later: Option<std::sync::mpsc::Sender<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to
    /// date. A database written by a newer Switchboard is refused untouched.
    ///
    /// The file is checked first (`PRAGMA quick_check`, read-only): a damaged one
    /// is kept aside untouched and refused with [`StoreError::Damaged`] until the
    /// manager chooses (see [`recovery`]). Before migrations change a database
    /// that holds data, a backup of it is written to the backups folder.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_checking_within(path, START_CHECK_BUDGET, BACKGROUND_CHECK_AFTER)
    }

    /// [`Store::open`], checking the file for at most `budget` before opening
    /// it; what is left of the check runs in the background from `rest_after`
    /// on, and damage it finds stops all writes.
    pub fn open_checking_within(
        path: impl AsRef<Path>,
        budget: Duration,
        rest_after: Duration,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(damage) = recovery::pending(&path)? {
            return Err(StoreError::Damaged {
                path,
                kept_at: Some(damage.kept_at),
                detail: damage.detail,
            });
        }
        let found_before = recovery::failed_before(&path)?;
        let check = match found_before {
            Some(detail) => Some(recovery::Check {
                problems: vec![detail],
            }),
            None => recovery::check_within(&path, Some(budget))?,
        };
        if let Some(check) = check.as_ref().filter(|c| !c.is_sound()) {
            let detail = check.problems.join("; ");
            let damage = recovery::keep_aside(&path, &detail)?;
            return Err(StoreError::Damaged {
                path,
                kept_at: Some(damage.kept_at),
                detail,
            });
        }
        let mut writer = open_connection(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        // Before anything writes to the file (even switching to WAL rewrites its header).
        let found = migrations::refuse_newer(&writer)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|source| StoreError::Open {
                path: path.clone(),
                source,
            })?;
        if found > 0 && found < SCHEMA_VERSION {
            recovery::backup_before_migration(&writer, &path, found)?;
        }
        migrations::apply(&mut writer)?;
        let damaged = Arc::new(OnceLock::new());
        let check_later = match check {
            None => recovery::finish_check_later(path.clone(), rest_after, damaged.clone()),
            Some(_) => None,
        };
        Ok(Self {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            damaged,
            _check_later: check_later,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a read-only connection. Reads never wait for writes (WAL).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match self.readers.lock().map_err(|_| StoreError::Poisoned)?.pop() {
            Some(conn) => conn,
            None => open_connection(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?,
        };
        let result = f(&conn);
        let mut idle = self.readers.lock().map_err(|_| StoreError::Poisoned)?;
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// Runs `f` in one write transaction: committed when `f` returns `Ok`, rolled
    /// back otherwise, so nothing is ever half-written.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        if let Some(detail) = self.damaged.get() {
            return Err(StoreError::Damaged {
                path: self.path.clone(),
                kept_at: None,
                detail: format!(
                    "{detail}; nothing more is written to it: restart Switchboard to keep it aside and choose what to do"
                ),
            });
        }
        let mut conn = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs many small writes in one transaction, each in a savepoint of its
    /// own: a write that fails is rolled back alone, the others are kept, and
    /// all of them are committed at once (a bulk job's items would otherwise
    /// each pay for a commit). Each is told how the commit went.
    pub fn write_group(&self, mut writes: Vec<Box<dyn GroupedWrite>>) {
        let committed = self.write(|tx| {
            for w in &mut writes {
                tx.execute_batch("SAVEPOINT grouped")?;
                if !w.run(tx) {
                    tx.execute_batch("ROLLBACK TO grouped")?;
                }
                tx.execute_batch("RELEASE grouped")?;
            }
            Ok(())
        });
        let failed = committed.err();
        for w in writes {
            w.finish(failed.as_ref().map(StoreError::again));
        }
    }

    /// Writes a consistent copy of the database to `to` (SQLite's online backup
    /// API: the app and other commands go on meanwhile).
    pub fn backup(&self, to: &Path) -> Result<()> {
        self.read(|conn| recovery::backup_to(conn, to))
    }

    /// Checks the open database (`PRAGMA quick_check`) without stopping others.
    pub fn check(&self) -> Result<recovery::Check> {
        recovery::check(&self.path)
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        self.read(schema_version)
    }

    /// The SQLite library version in use (bundled with the app).
    pub fn sqlite_version() -> &'static str {
        rusqlite::version()
    }
}

/// One write of a group (see [`Store::write_group`]).
pub trait GroupedWrite: Send {
    /// Writes inside the group's transaction; `false` when it failed (what it
    /// wrote is rolled back, and it keeps its error for [`GroupedWrite::finish`]).
    fn run(&mut self, tx: &Transaction<'_>) -> bool;
    /// Called once the group is committed (`None`), or could not be (`Some`,
    /// with the reason: nothing of the group was written).
    fn finish(self: Box<Self>, failed: Option<StoreError>);
}

fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let flags = flags | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A bulk job runs a dozen statements per item: keep them all prepared.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Store;

    /// A migrated database in its own temporary folder (kept alive by the guard).
    pub fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join(super::DATABASE_FILE)).expect("open store");
        (dir, store)
    }

    /// Ana, one person with an agent on CCAI Platform (`11`) and one on
    /// HelpCrunch (`4100`), linked by hand: the dashboards' tests' people.
    /// Returns the two connections and the two agents.
    pub fn ana_on_two_platforms(
        db: &rusqlite::Connection,
    ) -> crate::Result<(
        switchboard_domain::connection::Connection,
        switchboard_domain::connection::Connection,
        switchboard_domain::AgentId,
        switchboard_domain::AgentId,
    )> {
        use crate::{agents, connections, people};
        use switchboard_domain::{PersonId, Timestamp, Vendor};
        let ccai = connections::tests::sample(Vendor::CcaiPlatform, "CCAI");
        let hc = connections::tests::sample(Vendor::Helpcrunch, "HC");
        connections::upsert(db, &ccai)?;
        connections::upsert(db, &hc)?;
        let person = people::insert(
            db,
            &switchboard_domain::person::Person {
                id: PersonId(0),
                display_name: "Ana".into(),
                email: None,
                created_at: Timestamp(0),
            },
        )?;
        let agent = agents::upsert(db, &agents::tests::sample(ccai.id, "11", "ana@x.com"))?;
        let other = agents::upsert(db, &agents::tests::sample(hc.id, "4100", "ana@x.com"))?;
        for a in [agent, other] {
            agents::set_person(
                db,
                a,
                Some(person.id),
                switchboard_domain::agent::PersonLink::Manual,
            )?;
        }
        Ok((ccai, hc, agent, other))
    }
}
