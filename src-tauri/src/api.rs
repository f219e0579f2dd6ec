//! What crosses IPC: the error, the requests and answers the commands take
//! and give, and the events the backend sends the window. The command
//! functions (`commands.rs`) and the IPC declarations (`ipc.rs`) both use
//! these; this module uses neither.

use serde::{Deserialize, Serialize};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{AgentId, ConnectionId, JobId, OperationId, PersonId, Vendor};
use switchboard_engine::agents::NewAgent;
use switchboard_engine::connection_form::ConnectionForm;
use switchboard_engine::{EngineError, ErrorCode};
use switchboard_secrets::Secret;
use ts_rs::{Dependency, TS};

use crate::ts::{deps_of, export_if_declared};

/// Every error crosses IPC as `{code, message}`: the UI acts on the code and shows
/// the message, which keeps the vendor's own words where there are any.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    /// With `invalid_input`: the field to fix (a form shows the message there).
    pub field: Option<String>,
}

impl From<&EngineError> for IpcError {
    fn from(err: &EngineError) -> Self {
        let field = match err {
            EngineError::Invalid(e) => Some(e.field.clone()),
            EngineError::Vendor {
                source: switchboard_vendors::VendorError::InvalidInput { field, .. },
                ..
            } => Some(field.clone()),
            _ => None,
        };
        IpcError {
            code: err.code(),
            message: err.to_string(),
            field,
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(err: EngineError) -> Self {
        IpcError::from(&err)
    }
}

#[derive(Debug, Deserialize, TS)]
pub struct SetSecretRequest {
    pub connection_id: ConnectionId,
    /// Write-only: the app never sends a secret back.
    #[ts(type = "string")]
    pub secret: Secret,
}
#[derive(Debug, Deserialize, TS)]
pub struct ConnectionRef {
    pub connection_id: ConnectionId,
}
#[derive(Debug, Deserialize, TS)]
pub struct ConnectionFormRequest {
    pub vendor: Vendor,
    pub form: ConnectionForm,
}
#[derive(Debug, Deserialize, TS)]
pub struct UpdateConnectionRequest {
    pub connection_id: ConnectionId,
    pub form: ConnectionForm,
}
#[derive(Debug, Deserialize, TS)]
pub struct SyncRequest {
    pub connection_id: ConnectionId,
    pub mode: SyncMode,
}
#[derive(Debug, Default, Deserialize, TS)]
#[serde(default)]
pub struct SearchRequest {
    pub search: Option<String>,
}
#[derive(Debug, Default, Deserialize, TS)]
#[serde(default)]
pub struct ConnectionFilter {
    pub connection_id: Option<ConnectionId>,
}
#[derive(Debug, Default, Deserialize, TS)]
#[serde(default)]
pub struct AgentQuery {
    pub connection_id: Option<ConnectionId>,
    pub search: Option<String>,
}
#[derive(Debug, Deserialize, TS)]
pub struct AddAgentRequest {
    pub connection_id: ConnectionId,
    pub agent: NewAgent,
}
#[derive(Debug, Deserialize, TS)]
pub struct ImportCsvRequest {
    pub connection_id: ConnectionId,
    pub csv: String,
}
#[derive(Debug, Deserialize, TS)]
pub struct LinkAgentRequest {
    pub agent_id: AgentId,
    pub person_id: PersonId,
}
#[derive(Debug, Deserialize, TS)]
pub struct AgentRequest {
    pub agent_id: AgentId,
}
#[derive(Debug, Deserialize, TS)]
pub struct JobRef {
    pub job_id: JobId,
}
/// An assignment plan's file, as the manager chose it: its name (for the
/// job's title) and its text (the window refuses a file over the engine's
/// limit before reading it).
#[derive(Debug, Serialize, Deserialize, TS)]
pub struct PlanText {
    pub name: String,
    pub text: String,
}
/// A backup to restore: its path, or `null` to ask the manager in the OS's dialog.
#[derive(Debug, Deserialize, TS)]
pub struct RestoreRequest {
    pub path: Option<String>,
}
/// What the Open dialog is for (its title).
#[derive(Debug, Deserialize, TS)]
pub struct OpenCsvRequest {
    pub title: String,
}
#[derive(Debug, Deserialize, TS)]
pub struct CoverRef {
    pub id: switchboard_domain::CoverId,
}
/// A cover changed: anything before it starts; its end, note and whether new
/// work follows once under way.
#[derive(Debug, Deserialize, TS)]
pub struct CoverEdit {
    pub id: switchboard_domain::CoverId,
    pub cover: switchboard_engine::covers::CoverRequest,
}
/// A cover as the form holds it (and the cover it changes, if any): what its
/// start would move now.
#[derive(Debug, Deserialize, TS)]
pub struct CoverPreview {
    #[serde(default)]
    pub id: Option<switchboard_domain::CoverId>,
    pub cover: switchboard_engine::covers::CoverRequest,
}
#[derive(Debug, Deserialize, TS)]
pub struct CoverExtend {
    pub id: switchboard_domain::CoverId,
    pub ends_at: switchboard_domain::Timestamp,
}
/// A job's items to export: those in `only`, or every one when empty.
#[derive(Debug, Deserialize, TS)]
pub struct JobExportRequest {
    pub job_id: JobId,
    #[serde(default)]
    pub only: Vec<switchboard_domain::job::OperationState>,
}
#[derive(Debug, Deserialize, TS)]
pub struct OperationRef {
    pub operation_id: OperationId,
}
#[derive(Debug, Deserialize, TS)]
pub struct RetryRequest {
    pub operation_id: OperationId,
    /// For a change in conflict: send it on top of what the vendor now holds.
    #[serde(default)]
    pub apply_anyway: bool,
}
#[derive(Debug, Serialize, TS)]
pub struct OperationDetail {
    pub operation: switchboard_domain::job::Operation,
    pub agent_ids: Vec<switchboard_domain::AgentId>,
}
#[derive(Debug, Deserialize, TS)]
pub struct TargetRef {
    pub target_id: switchboard_domain::TargetId,
}
#[derive(Debug, Serialize, TS)]
pub struct ExportResult {
    /// Where the file was written.
    pub path: String,
    #[ts(type = "number")]
    pub rows: u64,
    /// Why it went where it did, when that is not the Downloads folder.
    pub note: Option<String>,
}
#[derive(Debug, Deserialize, TS)]
pub struct WatchRequest {
    /// True while the board is open and visible; false when it closes or hides.
    pub watching: bool,
}
/// A read of statuses while the board watched.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PollEvent {
    pub connection_id: ConnectionId,
    pub report: Option<switchboard_engine::statuses::PollReport>,
    /// Why the read failed (the board keeps the last known statuses).
    pub error: Option<String>,
}

/// Events the backend sends the window: each generates a variant of `AppEvent`
/// and a typed listener in the bindings.
macro_rules! events {
    ($( $(#[doc = $doc:literal])* $variant:ident($name:literal) => $payload:ty; )*) => {
        pub enum AppEvent {
            $($variant($payload),)*
        }

        impl AppEvent {
            pub fn name(&self) -> &'static str {
                match self {
                    $(AppEvent::$variant(_) => $name,)*
                }
            }

            pub fn payload(&self) -> serde_json::Value {
                match self {
                    $(AppEvent::$variant(p) => serde_json::to_value(p).unwrap_or_default(),)*
                }
            }
        }

        pub(crate) fn event_specs(cfg: &ts_rs::Config) -> Vec<EventSpec> {
            vec![$(
                EventSpec {
                    name: $name,
                    listener: concat!("on", stringify!($variant)),
                    doc: concat!($($doc, "\n"),*),
                    payload: <$payload as TS>::name(cfg),
                    deps: deps_of::<$payload>(cfg),
                },
            )*]
        }

        pub(crate) fn export_event_types(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
            $(export_if_declared::<$payload>(cfg)?;)*
            Ok(())
        }
    };
}

pub(crate) struct EventSpec {
    pub name: &'static str,
    pub listener: &'static str,
    pub doc: &'static str,
    pub payload: String,
    pub deps: Vec<Dependency>,
}

events! {
    /// Progress of a running sync.
    SyncProgress("sync-progress") => switchboard_engine::sync::SyncProgress;
    /// Waiting changes were sent in the background (or their counts changed).
    QueueChanged("queue-changed") => switchboard_domain::job::QueueCounts;
    /// A read of a connection's statuses finished (or failed) while the board watched.
    StatusPolled("status-polled") => PollEvent;
    /// A job the window started in the background has nothing left to send.
    JobFinished("job-finished") => switchboard_engine::jobs::JobSummary;
    /// Covers took steps (started, handed on new work, handed back).
    CoversRan("covers-ran") => Vec<switchboard_engine::covers::CoverRun>;
}
