//! Connections and the cache: list, test, sync, export, and the demo workspace.

use clap::{Args, ValueEnum};
use switchboard_domain::browse::TargetQuery;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::connections::ConnectionSummary;
use switchboard_engine::export::Export;
use switchboard_engine::sync::{Cancel, SyncPhase, SyncProgress};
use switchboard_engine::{EngineError, ErrorCode, Workspace};

use super::output::{ago, destination, health, json, print_table, to_output};
use super::{connection_of, find, text, usage};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The connection to sync (or --all)
    connection: Option<String>,
    /// Every connection
    #[arg(long, conflicts_with = "connection")]
    all: bool,
    /// Read everything, not only what changed since the last sync
    #[arg(long)]
    full: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    Agents,
    People,
    Targets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    what: ExportWhat,
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// A file, written whole or not at all (standard output when not given)
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Replace the --output file if it exists
    #[arg(long)]
    force: bool,
    #[arg(long, value_parser = text)]
    connection: Option<String>,
    #[arg(long, value_parser = text)]
    search: Option<String>,
    /// Targets with nobody assigned
    #[arg(long)]
    unassigned: bool,
}

pub async fn list(ws: &Workspace, as_json: bool) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    if as_json {
        json(&all)?;
        return Ok(0);
    }
    if all.is_empty() {
        say!("No connections. Add one in the app, or start the demo: `switchboard demo`.");
        return Ok(0);
    }
    let rows: Vec<[String; 7]> = all
        .iter()
        .map(|s| {
            let synced = s
                .last_sync
                .as_ref()
                .filter(|r| r.state == switchboard_domain::sync::SyncState::Done)
                .and_then(|r| r.finished_at);
            [
                format!(
                    "{}{}",
                    s.connection.display_name,
                    if s.connection.is_demo { " [DEMO]" } else { "" }
                ),
                s.connection.vendor.to_string(),
                health(s).into(),
                ago(synced),
                s.agents.to_string(),
                s.targets.to_string(),
                s.connection.id.to_string(),
            ]
        })
        .collect();
    print_table(
        &[
            "NAME", "VENDOR", "HEALTH", "SYNCED", "AGENTS", "TARGETS", "ID",
        ],
        &rows,
    );
    Ok(0)
}

pub async fn test(ws: &Workspace, reference: &str) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    let s = find(&all, reference)?;
    let outcome = ws.test_connection(s.connection.id).await?;
    let ms = outcome
        .latency_ms
        .map(|ms| format!(" ({ms} ms)"))
        .unwrap_or_default();
    if outcome.ok {
        say!("{}: {}{ms}", s.connection.display_name, outcome.message);
        Ok(0)
    } else {
        tell!("{}: {}", s.connection.display_name, outcome.message);
        Ok(ErrorCode::VendorError.exit_code())
    }
}

pub async fn sync(ws: &Workspace, args: SyncArgs) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    let chosen: Vec<&ConnectionSummary> = match (args.all, args.connection.as_deref()) {
        (true, None) => all.iter().collect(),
        (false, Some(reference)) => vec![find(&all, reference)?],
        _ => return Err(usage("sync takes one CONNECTION, or --all")),
    };
    let mode = if args.full {
        SyncMode::Full
    } else {
        SyncMode::Incremental
    };
    sync_each(ws, &chosen, mode).await
}

async fn sync_each(
    ws: &Workspace,
    chosen: &[&ConnectionSummary],
    mode: SyncMode,
) -> Result<i32, EngineError> {
    let mut worst = 0;
    for s in chosen {
        let name = s.connection.display_name.clone();
        let last_phase = std::sync::Mutex::new(None::<SyncPhase>);
        let progress = |p: SyncProgress| {
            let mut last = last_phase
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last != Some(p.phase) {
                tell!("{name}: {:?}…", p.phase);
                *last = Some(p.phase);
            }
        };
        match ws
            .sync(s.connection.id, mode, &progress, &Cancel::default())
            .await
        {
            Ok(run) => say!(
                "{name}: synced ({:?}) {} agents, {} teams, {} targets",
                run.mode,
                run.agents,
                run.teams,
                run.targets
            ),
            Err(e) => {
                tell!("{name}: sync failed: {e}");
                worst = worst.max(e.code().exit_code());
            }
        }
    }
    Ok(worst)
}

pub async fn export(ws: &Workspace, args: ExportArgs) -> Result<i32, EngineError> {
    let as_json = args.format == ExportFormat::Json;
    let connection = connection_of(ws, args.connection.as_deref()).await?;
    let destination = destination(args.output.as_ref(), args.force)?;
    match args.what {
        ExportWhat::Targets => {
            let query = TargetQuery {
                search: args.search,
                connection_id: connection,
                unassigned: args.unassigned.then_some(true),
                ..Default::default()
            };
            let write = ws.exporter(Export::Targets {
                query,
                json: as_json,
            });
            to_output(destination, write).await?;
        }
        ExportWhat::People | ExportWhat::Agents => {
            let people = ws.people(args.search).await?;
            let write = ws.exporter(Export::People {
                people,
                agents: args.what == ExportWhat::Agents,
                connection,
                json: as_json,
            });
            to_output(destination, write).await?;
        }
    }
    Ok(0)
}

/// The demo workspace without a window: its five connections (created if
/// there are none yet) and, unless asked not to, a sync of each.
pub async fn demo(ws: &Workspace, no_sync: bool) -> Result<i32, EngineError> {
    let existing = ws.connection_summaries().await?;
    if existing.iter().any(|s| s.connection.is_demo) {
        say!("The demo workspace is already here.");
    } else {
        let created = ws.create_demo().await?;
        say!(
            "Created {} demo connections to the built-in vendor simulator.",
            created.len()
        );
    }
    if no_sync {
        return Ok(0);
    }
    let all = ws.connection_summaries().await?;
    let demo: Vec<&ConnectionSummary> = all.iter().filter(|s| s.connection.is_demo).collect();
    sync_each(ws, &demo, SyncMode::Full).await
}
