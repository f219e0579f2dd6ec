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

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
