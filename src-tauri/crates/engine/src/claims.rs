//! Who is sending. Every running Switchboard (the window, each command, each
//! cron run) is one *owner*: a fresh id, and a lock file
//! `<data dir>/claims/<id>.lock` it holds for as long as it runs. The OS lets go
//! of the lock when the process ends in any way (kill -9 included), so another
//! owner can tell at once that an operation it finds `sending` has nobody
//! sending it any more, and take it over. A claim also lapses after `LEASE`,
//! for an owner that hangs (a laptop asleep mid-call).
//!
//! The claim itself is a compare-and-set in SQLite (`store::operations::claim`):
//! the lock file only answers "has this owner ended?".

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard_domain::Timestamp;
use switchboard_store::operations::Claim;

/// How long a claim holds without its owner finishing. Longer than the longest
/// send (a re-read and a call, each with up to 4 attempts), which `SEND_LIMIT`
/// bounds.
pub const LEASE: Duration = Duration::from_secs(10 * 60);

/// The longest one operation's calls may take before it is given up as unconfirmed,
/// well inside `LEASE`, so a live owner never loses its claim mid-send.
pub const SEND_LIMIT: Duration = Duration::from_secs(8 * 60);

/// The folder inside the data folder.
const CLAIMS_DIR: &str = "claims";

/// An owner whose lock file could not be made: others wait for its lease.
const NO_LOCK_PREFIX: &str = "nolock-";

#[derive(Debug)]
pub struct Owner {
    id: String,
    dir: PathBuf,
    /// Held (locked) while this owner lives; `None` if it could not be made.
    lock: Option<File>,
}

impl Owner {
    /// A new owner for this run, its lock taken. Lock files of owners that have
    /// ended are swept up.
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join(CLAIMS_DIR);
        let id = uuid::Uuid::new_v4().to_string();
        let made = std::fs::create_dir_all(&dir).and_then(|()| {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(format!("{id}.lock")))?;
            file.lock()?;
            Ok(file)
        });
        match made {
            Ok(file) => {
                let owner = Self {
                    id,
                    dir,
                    lock: Some(file),
                };
                owner.sweep();
                owner
            }
            Err(e) => {
                tracing::warn!(
                    "cannot hold a claims lock in {}: {e}; changes this run leaves half-sent wait {} min for others",
                    dir.display(),
                    LEASE.as_secs() / 60
                );
                Self {
                    id: format!("{NO_LOCK_PREFIX}{id}"),
                    dir,
                    lock: None,
                }
            }
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// A claim by this owner from now for `LEASE`.
    pub fn claim(&self) -> Claim<'_> {
        let now = Timestamp::now();
        Claim {
            owner: &self.id,
            now,
            until: Timestamp(now.0 + LEASE.as_millis() as i64),
        }
    }

    /// Whether `other` has certainly ended (its lock is free or gone). `false`
    /// for this owner, and whenever it cannot be told: its lease decides then.
    pub fn has_ended(&self, other: &str) -> bool {
        if other == self.id || uuid::Uuid::parse_str(other).is_err() {
            return false;
        }
        let path = self.dir.join(format!("{other}.lock"));
        match File::open(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(_) => false,
            Ok(file) => match file.try_lock() {
                Ok(()) => {
                    drop(file);
                    let _ = std::fs::remove_file(&path);
                    true
                }
                Err(TryLockError::WouldBlock) | Err(TryLockError::Error(_)) => false,
            },
        }
    }

    /// Removes the lock files of owners that have ended.
    fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(other) = name.to_str().and_then(|n| n.strip_suffix(".lock")) {
                self.has_ended(other);
            }
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(file) = self.lock.take() {
            drop(file);
            let _ = std::fs::remove_file(self.dir.join(format!("{}.lock", self.id)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_is_alive_while_it_holds_its_lock() {
        let dir = tempfile::tempdir().expect("dir");
        let a = Owner::new(dir.path());
        let b = Owner::new(dir.path());
        assert!(!a.has_ended(b.id()), "b runs");
        assert!(!b.has_ended(a.id()));
        assert!(!a.has_ended(a.id()), "never itself");
        assert!(
            !a.has_ended("../../etc/passwd"),
            "only owner ids are looked up"
        );
        let gone = b.id().to_owned();
        drop(b);
        assert!(a.has_ended(&gone), "b ended");
        assert!(
            a.has_ended(&uuid::Uuid::new_v4().to_string()),
            "no lock file: ended long ago"
        );
    }

    #[test]
    fn a_lock_left_by_an_owner_that_ended_is_swept_up() {
        let dir = tempfile::tempdir().expect("dir");
        let left = dir
            .path()
            .join(CLAIMS_DIR)
            .join(format!("{}.lock", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(left.parent().expect("parent")).expect("mkdir");
        std::fs::write(&left, b"").expect("write");
        let a = Owner::new(dir.path());
        assert!(!left.exists(), "an unlocked lock file is swept");
        let files = std::fs::read_dir(dir.path().join(CLAIMS_DIR))
            .expect("dir")
            .count();
        assert_eq!(files, 1, "only a's own");
        drop(a);
        let files = std::fs::read_dir(dir.path().join(CLAIMS_DIR))
            .expect("dir")
            .count();
        assert_eq!(files, 0, "a removes its own when it ends");
    }
}
