use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error(
        "the database at {path} was written by a newer version of Switchboard (schema {found}; this version knows up to {supported}). \
         Install the newer version, or point Switchboard at another data folder; the file was left untouched"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    /// The file failed its check; it was kept aside (`kept_at`) untouched.
    #[error("{}", damaged_message(path, kept_at.as_deref(), detail))]
    Damaged {
        path: PathBuf,
        kept_at: Option<PathBuf>,
        detail: String,
    },

    /// The disk (or the user's quota) is full: nothing of the write was kept.
    #[error(
        "the disk holding Switchboard's data folder is full, so nothing more can be saved; free some space and Switchboard goes on where it stopped"
    )]
    DiskFull,

    #[error("cannot use {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("migration {version} ({name}) failed, and the database was left as it was: {source}")]
    Migration {
        version: u32,
        name: &'static str,
        source: rusqlite::Error,
    },

    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },

    #[error("the database holds a value this version cannot read ({column}: {detail})")]
    Corrupt {
        column: &'static str,
        detail: String,
    },

    #[error("a database lock was poisoned by an earlier panic; restart Switchboard")]
    Poisoned,

    /// Another process held the write lock longer than we wait.
    #[error(
        "the database is busy: another Switchboard (the app, or a command) has been writing for over {} s; try again in a moment",
        crate::BUSY_TIMEOUT.as_secs()
    )]
    Busy,

    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),

    /// A group of writes (see `Store::write_group`) could not be committed.
    #[error("the database did not take the write: {0}")]
    NotCommitted(String),
}

fn damaged_message(
    path: &std::path::Path,
    kept_at: Option<&std::path::Path>,
    detail: &str,
) -> String {
    match kept_at {
        Some(kept) => format!(
            "the database at {} is damaged ({detail}). It was kept aside, untouched, as {}. Start fresh, or restore a backup",
            path.display(),
            kept.display()
        ),
        None => format!("the database at {} is damaged ({detail})", path.display()),
    }
}

impl StoreError {
    /// The same failure, for each of the writes it ended (see `Store::write_group`).
    pub(crate) fn again(&self) -> StoreError {
        match self {
            StoreError::Busy => StoreError::Busy,
            StoreError::Poisoned => StoreError::Poisoned,
            StoreError::DiskFull => StoreError::DiskFull,
            other => StoreError::NotCommitted(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            _ => StoreError::Sqlite(e),
        }
    }
}
