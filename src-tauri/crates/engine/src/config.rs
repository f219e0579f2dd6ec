use std::path::PathBuf;

use switchboard_domain::APP_ID;
use switchboard_secrets::Namespace;

/// Overrides the data folder (tests and scripts point it at a temp dir).
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";
/// Overrides the keychain namespace; must start with the app id.
pub const NAMESPACE_ENV: &str = "SWITCHBOARD_KEYCHAIN_NAMESPACE";

/// Where this instance keeps its data and secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub data_dir: PathBuf,
    pub namespace: Namespace,
}

impl Config {
    /// The OS app-data folder (the same one Tauri uses for the app's identifier:
    /// `~/.local/share/io.switchboard.desktop` on Linux,
    /// `~/Library/Application Support/io.switchboard.desktop` on macOS,
    /// `%APPDATA%\io.switchboard.desktop` on Windows).
    pub fn default_data_dir() -> Option<PathBuf> {
        dirs::data_dir().map(|d| d.join(APP_ID))
    }

    /// The configuration for this process: the environment's overrides, else the OS
    /// app-data folder and this build's keychain namespace.
    pub fn from_env() -> Result<Self, String> {
        Self::resolve(None)
    }

    /// As [`Config::from_env`], with a data folder given on the command line first.
    pub fn resolve(data_dir: Option<PathBuf>) -> Result<Self, String> {
        let from_env = std::env::var_os(DATA_DIR_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let data_dir = match data_dir.or(from_env) {
            Some(dir) => dir,
            None => Self::default_data_dir().ok_or_else(|| {
                format!("this system has no app-data folder; set {DATA_DIR_ENV} to a folder")
            })?,
        };
        let namespace = match std::env::var(NAMESPACE_ENV) {
            Ok(ns) if !ns.trim().is_empty() => {
                Namespace::custom(&ns).map_err(|e| format!("{NAMESPACE_ENV}: {e}"))?
            }
            _ => Namespace::for_build(),
        };
        Ok(Self {
            data_dir,
            namespace,
        })
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(switchboard_store::DATABASE_FILE)
    }
}
