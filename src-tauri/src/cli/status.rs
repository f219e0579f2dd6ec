//! Agents' statuses: the list (read live first, unless asked for the cache)
//! and setting them for agents and whole teams.

use clap::{Args, Subcommand};
use switchboard_domain::job::OperationState;
use switchboard_engine::board::BoardFilter;
use switchboard_engine::history::iso;
use switchboard_engine::statuses::SetStatusRequest;
use switchboard_engine::{EngineError, ErrorCode, Workspace};

use super::output::json;
use super::{connection_of, find, text, usage};

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(subcommand)]
    action: StatusAction,
}

#[derive(Debug, Subcommand)]
enum StatusAction {
    /// Every agent's current status (read live from the vendor first, unless --cached or it is down)
    List {
        #[arg(long, value_parser = text)]
        connection: Option<String>,
        #[arg(long, value_parser = text)]
        team: Option<String>,
        #[arg(long, value_parser = text)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
        /// The last known statuses, without asking the vendor
        #[arg(long)]
        cached: bool,
    },
    /// Move agents and whole teams to a status (Available or a custom one, by name or id)
    Set {
        connection: String,
        #[arg(long, value_parser = text)]
        status: String,
        #[arg(long = "team", value_name = "TEAM", value_parser = text)]
        teams: Vec<String>,
        #[arg(long = "agent", value_name = "AGENT", value_parser = text)]
        agents: Vec<String>,
        /// If the vendor cannot be reached, drop the change after this many minutes
        #[arg(long, value_name = "MINUTES", value_parser = text)]
        drop_after: Option<String>,
    },
    /// Each agent's statuses over a range (watched, from the vendor's log, or unknown), logins per day, or pick-up times
    History(super::status_history::HistoryArgs),
}

pub async fn status(ws: &Workspace, args: StatusArgs) -> Result<i32, EngineError> {
    match args.action {
        StatusAction::List {
            connection,
            team,
            status,
            json,
            cached,
        } => list(ws, connection, team, status, json, cached).await,
        StatusAction::Set {
            connection,
            status,
            teams,
            agents,
            drop_after,
        } => set(ws, &connection, &status, teams, agents, drop_after).await,
        StatusAction::History(args) => super::status_history::history(ws, args).await,
    }
}

async fn list(
    ws: &Workspace,
    connection: Option<String>,
    team: Option<String>,
    wanted_status: Option<String>,
    as_json: bool,
    cached: bool,
) -> Result<i32, EngineError> {
    let connection = connection_of(ws, connection.as_deref()).await?;
    let mut stale = false;
    if !cached {
        let all = ws.connection_summaries().await?;
        for s in all.iter().filter(|s| s.capabilities.read_statuses) {
            if connection.is_some_and(|c| c != s.connection.id) {
                continue;
            }
            if let Err(e) = ws.poll_statuses(s.connection.id).await {
                tell!(
                    "{}: {e}; showing the last known statuses",
                    s.connection.display_name
                );
                stale = true;
            }
        }
    }
    let board = ws.status_board().await?;
    let team = match team {
        Some(t) => ws.find_teams(connection, vec![t]).await?.first().copied(),
        None => None,
    };
    let filter = BoardFilter {
        connection,
        team,
        status: wanted_status,
        with_status: true,
        ..BoardFilter::default()
    };
    let rows: Vec<_> = board.agents.iter().filter(|a| filter.matches(a)).collect();
    let team_names = |ids: &[switchboard_domain::TeamId]| -> Vec<String> {
        ids.iter()
            .filter_map(|t| {
                board
                    .teams
                    .iter()
                    .find(|x| x.id == *t)
                    .map(|x| x.name.clone())
            })
            .collect()
    };
    if as_json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|a| {
                let s = a.status.as_ref();
                serde_json::json!({
                    "connection": a.connection_name,
                    "agent": a.name,
                    "email": a.email,
                    "teams": team_names(&a.team_ids),
                    "status_id": s.and_then(|s| s.status_vendor_id.clone()),
                    "status": s.map(|s| s.name.clone()),
                    "since": s.map(|s| iso(Some(s.since))),
                    "seen_at": s.map(|s| iso(Some(s.seen_at))),
                })
            })
            .collect();
        json(&list)?;
    } else {
        say!("AGENT\tTEAMS\tSTATUS\tSINCE\tSEEN");
        for a in &rows {
            let s = a.status.as_ref();
            say!(
                "{}\t{}\t{}\t{}\t{}",
                a.name,
                team_names(&a.team_ids).join(", "),
                s.map(|s| s.name.as_str()).unwrap_or_default(),
                iso(s.map(|s| s.since)),
                iso(s.map(|s| s.seen_at)),
            );
        }
    }
    Ok(if stale {
        ErrorCode::Unreachable.exit_code()
    } else {
        0
    })
}

async fn set(
    ws: &Workspace,
    connection: &str,
    wanted: &str,
    teams: Vec<String>,
    agents: Vec<String>,
    drop_after: Option<String>,
) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    let summary = find(&all, connection)?;
    let id = summary.connection.id;
    let mut statuses: Vec<_> = ws
        .status_board()
        .await?
        .statuses
        .into_iter()
        .filter(|s| s.connection_id == id)
        .collect();
    if statuses.is_empty() {
        statuses = ws.refresh_status_list(id).await?;
    }
    // By id, or by name (a name several statuses carry means the one that can be set).
    let status_id = switchboard_domain::status::find_status(&statuses, wanted)?
        .vendor_id
        .clone();
    let agents = ws.find_agents(id, agents).await?;
    let teams = ws.find_teams(Some(id), teams).await?;
    let drop_after = drop_after
        .map(|m| {
            m.parse::<u32>()
                .map_err(|_| usage(format!("--drop-after is a number of minutes, not {m}")))
        })
        .transpose()?;
    let outcome = ws
        .set_status(SetStatusRequest {
            connection_id: id,
            status_id,
            agents,
            teams,
            drop_after_minutes: drop_after,
        })
        .await?;
    match outcome.operation.state {
        OperationState::Queued => {
            say!(
                "waiting for {} (sent when it is reachable, or dropped once too late)",
                summary.connection.vendor
            );
            return Ok(10);
        }
        OperationState::Done => {}
        _ => {
            tell!(
                "{}",
                outcome.operation.message.as_deref().unwrap_or("failed")
            );
            return Ok(ErrorCode::VendorError.exit_code());
        }
    }
    for a in &outcome.agents {
        if a.changed {
            say!("{}: {} → {}", a.name, a.previous, a.current);
        } else if a.already {
            say!("{}: already {}", a.name, a.current);
        } else {
            say!(
                "{}: kept {} ({})",
                a.name,
                a.current,
                a.message
                    .as_deref()
                    .unwrap_or("the vendor did not change it")
            );
        }
    }
    say!("job {}", outcome.job_id);
    Ok(if outcome.agents.iter().all(|a| a.changed || a.already) {
        0
    } else {
        8
    })
}
