//! The engine: Switchboard's one API. The desktop app's commands and the command
//! line are thin layers over it; everything they do, they do by calling here.

pub mod activity;
pub mod agents;
pub mod assign;
pub mod board;
pub mod browse;
pub mod claims;
mod config;
pub use switchboard_vendors::form as connection_form;
pub mod connections;
pub mod covers;
pub mod dashboards;
pub mod database;
pub mod demo;
mod diagnostics;
mod disk;
mod error;
pub mod export;
mod group_commit;
pub mod history;
pub mod jobs;
pub mod journal;
mod lookup;
mod outcome;
pub mod plans;
pub mod preview;
pub mod reassign;
#[cfg(feature = "test-support")]
pub mod soak;
pub mod status_change;
pub mod status_log;
pub mod status_poll;
pub mod status_poller;
pub mod statuses;
pub mod sync;
pub mod targets;
mod workspace;

pub use config::{Config, DATA_DIR_ENV, NAMESPACE_ENV};
pub use diagnostics::{Diagnostics, KeychainState, KeychainStatus};
pub use error::{EngineError, ErrorCode};
pub use workspace::Workspace;

/// The version every crate of the workspace shares.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
