//! `switchboard cover` and `switchboard covers run-due`: someone away and who
//! covers, from the command line; and the steps that are due, for cron or a
//! systemd timer on machines where the window is not always open (the window
//! and a cron run never take one step twice).

use clap::{Args, Subcommand, ValueEnum};
use switchboard_domain::cover::CoverState;
use switchboard_domain::{CoverId, Timestamp, ValidationError};
use switchboard_engine::covers::{CoverRequest, CoverRow, CoverRun};
use switchboard_engine::reassign::{Destination, Strategy};
use switchboard_engine::{EngineError, Workspace};

use super::output::json;
use super::{connection_of, text, usage};

#[derive(Debug, Args)]
pub struct CoverArgs {
    #[command(subcommand)]
    command: CoverCommand,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StrategyArg {
    RoundRobin,
    LeastLoaded,
}

#[derive(Debug, Subcommand)]
enum CoverCommand {
    /// Someone is away: their work goes to the cover at the start and back at the end
    Add {
        /// Who is away: an email, or a name as the People view shows it
        #[arg(long, value_parser = text)]
        person: String,
        /// When they leave: local time (2026-12-07 08:00) or with an offset (2026-12-07T08:00+01:00)
        #[arg(long, value_parser = text)]
        from: String,
        /// When they are back, written the same way
        #[arg(long, value_parser = text)]
        until: String,
        /// Who covers (repeat for several)
        #[arg(long, value_parser = text)]
        to: Vec<String>,
        /// Or a team's people
        #[arg(long, value_parser = text, conflicts_with = "to")]
        team: Option<String>,
        #[arg(long, value_enum, default_value = "round-robin")]
        strategy: StrategyArg,
        /// Only this connection (repeat for several; all by default)
        #[arg(long = "connection", value_parser = text)]
        connections: Vec<String>,
        /// During the cover, what newly arrives for the person goes to the cover too
        #[arg(long)]
        follow_new: bool,
        /// On Pingup, the cover's assignments end with the cover (dt_until)
        #[arg(long)]
        pingup_until: bool,
        #[arg(long, value_parser = text)]
        note: Option<String>,
        /// Show what the start would move now, and save nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Covers under way, upcoming, then ended
    List {
        #[arg(long)]
        json: bool,
    },
    /// End a cover now: the work goes back at once
    End { id: i64 },
    /// Cancel a cover that has not started
    Cancel { id: i64 },
    /// Move a cover's end (when the person is still away)
    Extend {
        id: i64,
        #[arg(long, value_parser = text)]
        until: String,
    },
}

#[derive(Debug, Args)]
pub struct CoversArgs {
    #[command(subcommand)]
    command: CoversCommand,
}

#[derive(Debug, Subcommand)]
enum CoversCommand {
    /// Take every step that is due (for cron or a systemd timer); exit 0 when all went well
    RunDue {
        #[arg(long)]
        json: bool,
    },
}

/// A time as a manager writes it: with an offset, or this computer's local time.
fn moment(field: &str, input: &str) -> Result<Timestamp, EngineError> {
    use chrono::{DateTime, Local, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
    let t = input.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(Timestamp(d.timestamp_millis()));
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    });
    let bad = |why: &str| EngineError::Invalid(ValidationError::new(field, format!("'{t}' {why}")));
    let Some(naive) = naive else {
        return Err(bad(
            "is not a time; write it as 2026-12-07 08:00 (this computer's time) or 2026-12-07T08:00+01:00",
        ));
    };
    match Local.from_local_datetime(&naive) {
        LocalResult::Single(d) => Ok(Timestamp(d.timestamp_millis())),
        LocalResult::Ambiguous(..) => Err(bad(
            "happens twice here (the clocks go back); add the offset, e.g. 2026-10-25T01:30+01:00",
        )),
        LocalResult::None => Err(bad(
            "does not exist here (the clocks go forward); choose another time",
        )),
    }
}

fn said(row: &CoverRow) {
    let c = &row.cover;
    let late = |ms: Option<i64>| {
        ms.map(|m| format!(" (ran {} min late)", m / 60_000))
            .unwrap_or_default()
    };
    say!(
        "cover {}\t{}\t{}\t{} → {}\t{}\t{}",
        c.id,
        c.state,
        row.person_name,
        local(c.starts_at),
        local(c.ends_at),
        row.to_names.join(", "),
        c.note.as_deref().unwrap_or_default()
    );
    if c.state != CoverState::Scheduled {
        say!(
            "  started{}; ended{}",
            late(row.started_late_ms),
            late(row.ended_late_ms)
        );
    }
    for j in &row.jobs {
        let counts: Vec<String> = j
            .summary
            .by_state
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        say!(
            "  {} job {}: {} ({})",
            j.step,
            j.summary.job.id,
            j.summary.job.state,
            counts.join(", ")
        );
    }
}

fn local(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(t.0)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M %:z")
                .to_string()
        })
        .unwrap_or_default()
}

fn runs_said(runs: &[CoverRun]) {
    if runs.is_empty() {
        say!("nothing is due");
    }
    for r in runs {
        let late = if r.late_ms >= 60_000 {
            format!(", {} min late", r.late_ms / 60_000)
        } else {
            String::new()
        };
        say!(
            "cover {} ({}): {}: {} items, {} left as they were{late}{}",
            r.cover_id,
            r.person_name,
            r.step,
            r.items,
            r.skipped,
            r.problem
                .as_deref()
                .map(|p| format!("; {p}"))
                .unwrap_or_default()
        );
    }
}

pub async fn cover(ws: &Workspace, args: CoverArgs) -> Result<i32, EngineError> {
    match args.command {
        CoverCommand::Add {
            person,
            from,
            until,
            to,
            team,
            strategy,
            connections,
            follow_new,
            pingup_until,
            note,
            dry_run,
            json: as_json,
        } => {
            let person = ws.find_person("person", person).await?;
            let to = if let Some(team) = team {
                Destination::Team {
                    id: ws.find_teams(None, vec![team]).await?[0],
                }
            } else if to.is_empty() {
                return Err(usage(
                    "say who covers: --to PERSON (repeat for several) or --team TEAM",
                ));
            } else {
                let mut ids = Vec::new();
                for p in to {
                    ids.push(ws.find_person("to", p).await?);
                }
                Destination::People { ids }
            };
            let mut ids = Vec::new();
            for c in &connections {
                ids.extend(connection_of(ws, Some(c)).await?);
            }
            let request = CoverRequest {
                person,
                starts_at: moment("from", &from)?,
                ends_at: moment("until", &until)?,
                zone: String::new(),
                to,
                strategy: match strategy {
                    StrategyArg::RoundRobin => Strategy::RoundRobin,
                    StrategyArg::LeastLoaded => Strategy::LeastLoaded,
                },
                connections: ids,
                follow_new,
                pingup_until,
                note,
            };
            if dry_run {
                let plan = ws.preview_cover(None, request).await?;
                if as_json {
                    json(&plan)?;
                } else {
                    super::reassign::summary(&plan);
                }
                return Ok(0);
            }
            let row = ws.add_cover(request).await?;
            if as_json {
                json(&row)?;
            } else {
                said(&row);
                tell!(
                    "It starts when due: the window runs it, or `switchboard covers run-due` from cron."
                );
            }
            Ok(0)
        }
        CoverCommand::List { json: as_json } => {
            let rows = ws.covers().await?;
            if as_json {
                json(&rows)?;
            } else if rows.is_empty() {
                say!("no covers");
            } else {
                rows.iter().for_each(said);
            }
            Ok(0)
        }
        CoverCommand::End { id } => {
            let runs = ws.end_cover(CoverId(id)).await?;
            runs_said(&runs);
            Ok(0)
        }
        CoverCommand::Cancel { id } => {
            said(&ws.cancel_cover(CoverId(id)).await?);
            Ok(0)
        }
        CoverCommand::Extend { id, until } => {
            let row = ws
                .extend_cover(CoverId(id), moment("until", &until)?)
                .await?;
            said(&row);
            Ok(0)
        }
    }
}

pub async fn covers(ws: &Workspace, args: CoversArgs) -> Result<i32, EngineError> {
    match args.command {
        CoversCommand::RunDue { json: as_json } => {
            let runs = ws.run_due_covers().await?;
            if as_json {
                json(&runs)?;
            } else {
                runs_said(&runs);
            }
            Ok(if runs.iter().any(|r| r.problem.is_some()) {
                8
            } else {
                0
            })
        }
    }
}
