//! Switchboard's nouns and their rules.
//!
//! Everything a manager deals with (connections, agents, people, teams, targets,
//! assignments, jobs, operations, status samples) is defined here once, with the
//! validation that must hold before anything is stored or sent. This crate does no
//! I/O, so every other crate can depend on it and tests can run anywhere.

mod error;
mod ids;
mod text_enum;
mod time;
mod vendor;

pub mod agent;
pub mod assignment;
pub mod audit;
pub mod browse;
pub mod change;
pub mod code;
pub mod connection;
pub mod cover;
pub mod dashboard;
pub mod job;
pub mod person;
pub mod status;
pub mod sync;
pub mod target;
pub mod team;

/// The application identifier: the app-data folder's name, the keychain namespace's
/// prefix and the bundle identifier in `tauri.conf.json`.
pub const APP_ID: &str = "io.switchboard.desktop";

pub use error::{ValidationError, shorten_quoted};
pub use ids::{AgentId, ConnectionId, CoverId, JobId, OperationId, PersonId, TargetId, TeamId};
pub use time::Timestamp;
pub use vendor::Vendor;
