//! Changes: assign and release one target, and the queue of what waits.

use clap::{Args, Subcommand};
use switchboard_domain::job::{HistoryQuery, JobState, OperationState};
use switchboard_engine::assign::{AssignRequest, JobOutcome, ReleaseRequest};
use switchboard_engine::connections::ConnectionSummary;
use switchboard_engine::{EngineError, ErrorCode, Workspace};

use super::output::json;
use super::{find, text};

/// The exit code when a change was sent but the vendor did not confirm it.
pub const UNCONFIRMED: i32 = 9;

#[derive(Debug, Args)]
pub struct AssignArgs {
    connection: String,
    /// The target: its vendor id, or the phone on Splashify Pro
    #[arg(long, value_parser = text)]
    target: String,
    /// An agent of the connection, by vendor id or email (repeat for several)
    #[arg(long = "agent", value_name = "AGENT", value_parser = text)]
    agents: Vec<String>,
    /// A team on any platform, by name or vendor id: its members' agents here
    #[arg(long = "team", value_name = "TEAM", value_parser = text)]
    teams: Vec<String>,
    /// Pingup: when the assignment ends (ISO 8601)
    #[arg(long, value_name = "DATE", value_parser = text)]
    until: Option<String>,
    /// Pingup: notes sent with the assignment
    #[arg(long, value_parser = text)]
    notes: Option<String>,
    /// Vambe: make these the contact's only agents
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    connection: String,
    /// The target: its vendor id, or the phone on Splashify Pro
    #[arg(long, value_parser = text)]
    target: String,
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    action: Option<QueueAction>,
    /// The list as JSON, for scripts
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum QueueAction {
    /// Send what waits now
    Send,
    /// Send one again (a conflict needs --apply-anyway)
    Retry {
        operation: String,
        #[arg(long)]
        apply_anyway: bool,
    },
    /// Drop a waiting change
    Cancel { operation: String },
}

/// The connection and target a change names: the target from the cache, else
/// read from the vendor where it can be.
async fn target_of(
    ws: &Workspace,
    connection: &str,
    target: &str,
) -> Result<(ConnectionSummary, switchboard_domain::target::Target), EngineError> {
    let all = ws.connection_summaries().await?;
    let summary = find(&all, connection)?.clone();
    let target = ws.find_target(summary.connection.id, target).await?;
    Ok((summary, target))
}

pub async fn assign(ws: &Workspace, args: AssignArgs) -> Result<i32, EngineError> {
    let (summary, target) = target_of(ws, &args.connection, &args.target).await?;
    let id = summary.connection.id;
    let until = args
        .until
        .as_deref()
        .map(|d| switchboard_vendors::parse_iso8601("until", d))
        .transpose()?;
    let agents = ws.find_agents(id, args.agents).await?;
    let teams = ws.find_teams(None, args.teams).await?;
    let outcome = ws
        .assign(AssignRequest {
            until,
            notes: args.notes,
            replace: args.replace,
            teams,
            ..AssignRequest::agents(target.id, agents)
        })
        .await?;
    Ok(report(&outcome, summary.connection.vendor, "assigned"))
}

pub async fn release(ws: &Workspace, args: ReleaseArgs) -> Result<i32, EngineError> {
    let (summary, target) = target_of(ws, &args.connection, &args.target).await?;
    let outcome = ws
        .release(ReleaseRequest {
            target_id: target.id,
            replaces: None,
        })
        .await?;
    Ok(report(&outcome, summary.connection.vendor, "released"))
}

/// Prints a job's per-operation results; the exit code says how it went.
fn report(outcome: &JobOutcome, vendor: switchboard_domain::Vendor, done: &str) -> i32 {
    for s in &outcome.skipped {
        tell!("skipped {s}");
    }
    for r in &outcome.results {
        let who = if r.agent_names.is_empty() {
            "target".to_owned()
        } else {
            r.agent_names.join(", ")
        };
        match r.state {
            OperationState::Done => say!("{who}: {done}"),
            OperationState::Queued | OperationState::Sending => say!(
                "{who}: waiting for {vendor}: {}. It is journaled and goes out with the next `switchboard queue send` (or while the app is open)",
                r.message.as_deref().unwrap_or("not reachable")
            ),
            OperationState::Unknown => {
                tell!(
                    "{who}: {} (operation {}: `switchboard queue retry {}` sends it again)",
                    r.message.as_deref().unwrap_or("sent, not confirmed"),
                    r.operation_id,
                    r.operation_id
                );
                if let Some(h) = &r.hint {
                    tell!("  {h}");
                }
            }
            _ => {
                tell!("{who}: {}", r.message.as_deref().unwrap_or("failed"));
                if let Some(h) = &r.hint {
                    tell!("  {h}");
                }
            }
        }
    }
    say!("job {}", outcome.job_id);
    let any = |s: OperationState| outcome.results.iter().any(|r| r.state == s);
    match outcome.state {
        JobState::Done => 0,
        _ if any(OperationState::Failed) && any(OperationState::Done) => 8,
        _ if any(OperationState::Conflict) => 8,
        _ if any(OperationState::Unknown) => UNCONFIRMED,
        JobState::Queued => 10,
        JobState::Partial => 8,
        _ => ErrorCode::VendorError.exit_code(),
    }
}

fn operation_id(text: &str) -> Result<switchboard_domain::OperationId, EngineError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(switchboard_domain::OperationId)
        .ok_or_else(|| {
            switchboard_domain::ValidationError::new(
                "operation",
                format!("'{text}' is not an operation number; `switchboard queue` lists them"),
            )
            .into()
        })
}

pub async fn queue(ws: &Workspace, args: QueueArgs) -> Result<i32, EngineError> {
    match args.action {
        None => list(ws, args.json).await,
        Some(QueueAction::Send) => send(ws).await,
        Some(QueueAction::Retry {
            operation,
            apply_anyway,
        }) => {
            let r = ws
                .retry_operation(operation_id(&operation)?, apply_anyway)
                .await?;
            say!("{}: {}", r.operation_id, r.state);
            if let Some(m) = &r.message {
                tell!("{m}");
            }
            Ok(match r.state {
                OperationState::Done => 0,
                OperationState::Queued => 10,
                OperationState::Unknown => UNCONFIRMED,
                _ => 8,
            })
        }
        Some(QueueAction::Cancel { operation }) => {
            let state = ws.cancel_operation(operation_id(&operation)?).await?;
            say!("{}: {state}", operation.trim());
            Ok(0)
        }
    }
}

async fn list(ws: &Workspace, as_json: bool) -> Result<i32, EngineError> {
    let page = ws
        .history(HistoryQuery {
            states: vec![
                OperationState::Queued,
                OperationState::Sending,
                OperationState::Conflict,
                OperationState::Unknown,
            ],
            limit: switchboard_store::history::MAX_PAGE,
            ..Default::default()
        })
        .await?;
    if as_json {
        json(&page.rows)?;
        return Ok(0);
    }
    if page.rows.is_empty() {
        say!("Nothing is waiting.");
    }
    for r in page.rows.iter().rev() {
        let op = &r.operation;
        say!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            op.id,
            op.state,
            r.connection_name.as_deref().unwrap_or("(removed)"),
            op.target_label.as_deref().unwrap_or_default(),
            op.agent_names.join(", "),
            op.error_message.as_deref().unwrap_or_default()
        );
    }
    Ok(0)
}

async fn send(ws: &Workspace) -> Result<i32, EngineError> {
    let results = ws.send_queued().await?;
    let count = |s: OperationState| results.iter().filter(|r| r.state == s).count();
    let (waiting, failed, conflict, unknown) = (
        count(OperationState::Queued) + count(OperationState::Sending),
        count(OperationState::Failed),
        count(OperationState::Conflict),
        count(OperationState::Unknown),
    );
    say!(
        "sent {}, still waiting {waiting}, in conflict {conflict}, not confirmed {unknown}, failed {failed}",
        count(OperationState::Done)
    );
    for r in &results {
        let then = match r.state {
            OperationState::Conflict => format!(
                "`switchboard queue retry {} --apply-anyway` or `queue cancel {}`",
                r.operation_id, r.operation_id
            ),
            OperationState::Unknown | OperationState::Failed => {
                format!(
                    "`switchboard queue retry {}` sends it again",
                    r.operation_id
                )
            }
            _ => continue,
        };
        tell!(
            "{}: {} ({then})",
            r.operation_id,
            r.message.as_deref().unwrap_or_default(),
        );
    }
    Ok(if failed + conflict > 0 {
        8
    } else if unknown > 0 {
        UNCONFIRMED
    } else if waiting > 0 {
        10
    } else {
        0
    })
}
