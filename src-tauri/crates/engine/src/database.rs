//! The database file as the manager sees it: check it, back it up, and after
//! damage, start fresh or restore a backup. These work on the data folder
//! without opening the workspace (which a damaged file refuses), so the app's
//! recovery screen and `switchboard db …` can use them.

use std::path::{Path, PathBuf};

use serde::Serialize;
use switchboard_store::{Store, recovery};
use ts_rs::TS;

use crate::{Config, EngineError};

/// What `db check` found, and what can be done about it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DatabaseReport {
    /// The database file.
    pub path: String,
    /// No problem found (or no database yet).
    pub sound: bool,
    /// What SQLite reported, a few lines at most.
    pub problems: Vec<String>,
    /// A damaged file kept aside, waiting for the manager's choice.
    pub damaged: Option<Damaged>,
    /// Backups in the backups folder, newest first.
    pub backups: Vec<BackupFile>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Damaged {
    /// Where the damaged file was kept, untouched.
    pub kept_at: String,
    pub detail: String,
    /// When it was found (epoch ms).
    #[ts(type = "number")]
    pub found_at: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BackupFile {
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// When it was written (epoch ms).
    #[ts(type = "number")]
    pub modified: i64,
}

/// Checks the database without writing to it (`PRAGMA quick_check`, to the
/// end however long it takes), and lists the backups and any damage waiting
/// for a choice.
pub async fn check(config: &Config) -> Result<DatabaseReport, EngineError> {
    let path = config.database_path();
    blocking(move || {
        let damaged = recovery::pending(&path)?;
        let found = if damaged.is_some() && !path.exists() {
            recovery::Check { problems: vec![] }
        } else {
            recovery::check(&path)?
        };
        let backups = recovery::backups(&path)?;
        Ok(DatabaseReport {
            path: path.display().to_string(),
            sound: found.is_sound() && damaged.is_none(),
            problems: found.problems,
            damaged: damaged.map(|d| Damaged {
                kept_at: d.kept_at.display().to_string(),
                detail: d.detail,
                found_at: d.found_at,
            }),
            backups: backups
                .into_iter()
                .map(|b| BackupFile {
                    path: b.path.display().to_string(),
                    bytes: b.bytes,
                    modified: b.modified,
                })
                .collect(),
        })
    })
    .await
}

/// Writes a consistent copy of the database to `to` (SQLite's online backup
/// API: the app and other commands go on meanwhile); `None` writes it to the
/// backups folder with the time in its name. Says where it went.
pub async fn backup(config: &Config, to: Option<PathBuf>) -> Result<PathBuf, EngineError> {
    let path = config.database_path();
    blocking(move || {
        let to = match to {
            Some(to) => to,
            None => recovery::backup_dir(&path).join(format!(
                "switchboard-{}.db",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            )),
        };
        if to.exists() {
            return Err(EngineError::Invalid(
                switchboard_domain::ValidationError::new(
                    "path",
                    format!("{} exists; choose a new file name", to.display()),
                ),
            ));
        }
        let store = Store::open(&path)?;
        store.backup(&to)?;
        Ok(to)
    })
    .await
}

/// After damage: the next start makes an empty database (connections must be
/// added again; their secrets are still in the keychain).
pub async fn start_fresh(config: &Config) -> Result<(), EngineError> {
    let path = config.database_path();
    blocking(move || Ok(recovery::start_fresh(&path)?)).await
}

/// Puts the backup at `from` in place of the database, after checking it. The
/// file it replaces is kept aside, never deleted.
pub async fn restore(config: &Config, from: PathBuf) -> Result<(), EngineError> {
    let path = config.database_path();
    if !from.is_file() {
        return Err(EngineError::Invalid(
            switchboard_domain::ValidationError::new(
                "path",
                format!(
                    "{} is not a file; give a backup's path (see `switchboard db check`)",
                    from.display()
                ),
            ),
        ));
    }
    blocking(move || {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| EngineError::Startup(format!("cannot create the data folder: {e}")))?;
        Ok(recovery::restore(&path, &from)?)
    })
    .await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(f).await?
}
