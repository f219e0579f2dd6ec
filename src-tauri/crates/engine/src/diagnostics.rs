//! What "About & diagnostics" shows: facts read from the running backend.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Diagnostics {
    pub app_version: String,
    /// `debug` or `release`.
    pub build_profile: String,
    /// Operating system and CPU, e.g. `linux x86_64`.
    pub platform: String,
    #[ts(type = "string")]
    pub data_dir: PathBuf,
    #[ts(type = "string")]
    pub database_path: PathBuf,
    /// The schema version of the open database; `null` when it could not be opened.
    pub schema_version: Option<u32>,
    /// The newest schema version this build knows.
    pub schema_version_supported: u32,
    pub sqlite_version: String,
    /// Why the database could not be opened, when it could not.
    pub database_error: Option<String>,
    pub keychain: KeychainStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KeychainStatus {
    /// The platform's keychain, e.g. `Secret Service (D-Bus)`.
    pub backend: String,
    /// The service name Switchboard's entries are stored under.
    pub namespace: String,
    pub state: KeychainState,
    /// What happened, in words for the manager.
    pub message: String,
    /// How to make it work, when it does not.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeychainState {
    /// A test entry was written, read back and deleted.
    Working,
    /// There is no keychain to use.
    Unavailable,
    /// The keychain is locked or refused access.
    Locked,
    /// The keychain answered with an error.
    Failed,
}

pub(crate) fn platform() -> String {
    format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)
}

pub(crate) fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}
