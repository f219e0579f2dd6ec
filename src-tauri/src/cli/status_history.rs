//! `switchboard status history`: each agent's statuses over a range as
//! stretches (with where each came from, and the unknown time between them),
//! logins and logouts per day, or pick-up times per agent and team, as a
//! table, CSV or JSON. The vendors' activity logs are read first (where they
//! keep one), unless `--cached`.

use clap::Args;
use serde_json::{Value, json};
use switchboard_domain::Timestamp;
use switchboard_domain::dashboard::{Scope, StatusChartQuery};
use switchboard_domain::status::StatusSource;
use switchboard_engine::export::Table;
use switchboard_engine::history::iso;
use switchboard_engine::status_log::PAGES_AT_SYNC;
use switchboard_engine::{EngineError, ErrorCode, Workspace};

use super::history::moment;
use super::output::{csv_destination, json, to_output};
use super::{connection_of, text, usage};

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Whose statuses: a person's email, or name as the People view shows it
    #[arg(long, value_parser = text)]
    person: Option<String>,
    /// A team's name or id, instead of a person (--connection narrows the name)
    #[arg(long, value_parser = text)]
    team: Option<String>,
    #[arg(long, value_parser = text)]
    connection: Option<String>,
    /// From this date (2026-11-21, UTC) or moment (RFC 3339); a week ago when not given
    #[arg(long, value_name = "DATE", value_parser = text)]
    since: Option<String>,
    /// Up to this date or moment; now when not given
    #[arg(long, value_name = "DATE", value_parser = text)]
    until: Option<String>,
    /// stretches (each status, and the unknown time between), logins (per agent and day: days of 24 h from --since), or pickups (offered to picked up, per agent and team)
    #[arg(long, value_parser = text)]
    show: Option<String>,
    /// table, csv or json
    #[arg(long, value_parser = text)]
    format: Option<String>,
    /// A file for --format csv, written whole or not at all
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Replace the --output file if it exists
    #[arg(long)]
    force: bool,
    /// What the cache holds, without reading the vendors' activity logs first
    #[arg(long)]
    cached: bool,
}

/// Rows of one kind: the columns, and each row's values in their order.
struct Rows {
    name: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

pub async fn history(ws: &Workspace, args: HistoryArgs) -> Result<i32, EngineError> {
    let now = Timestamp::now();
    let from = match args.since.as_deref() {
        Some(d) => moment("since", d)?,
        None => Timestamp(now.0 - 7 * DAY_MS),
    };
    let to = match args.until.as_deref() {
        Some(d) => moment("until", d)?,
        None => now,
    };
    if to.0 <= from.0 {
        return Err(usage(format!(
            "--until ({}) must come after --since ({})",
            iso(Some(to)),
            iso(Some(from))
        )));
    }
    let show = args.show.as_deref().unwrap_or("stretches");
    if !["stretches", "logins", "pickups"].contains(&show) {
        return Err(usage(format!(
            "--show is stretches, logins or pickups, not {show}"
        )));
    }
    let format = args.format.as_deref().unwrap_or("table");
    if !["table", "csv", "json"].contains(&format) {
        return Err(usage(format!(
            "--format is table, csv or json, not {format}"
        )));
    }
    let destination = csv_destination(format, args.output.as_ref(), args.force)?;
    let connection = connection_of(ws, args.connection.as_deref()).await?;
    let scope = match (args.person, args.team) {
        (Some(_), Some(_)) => return Err(usage("give --person or --team, not both")),
        (Some(p), None) => Scope::Person(ws.find_person("person", p).await?),
        (None, Some(t)) => match ws.find_teams(connection, vec![t]).await?.first() {
            Some(team) => Scope::Team(*team),
            None => return Err(usage("--team names no team")),
        },
        (None, None) => Scope::Everyone,
    };
    let stale = if args.cached {
        false
    } else {
        read_logs(ws, connection).await?
    };
    let query = StatusChartQuery {
        scope,
        from,
        to,
        bucket_ms: DAY_MS,
    };
    let rows = match show {
        "stretches" => stretches(ws, query, now).await?,
        "logins" => logins(ws, query).await?,
        _ => pickups(ws, query).await?,
    };
    match format {
        "csv" => {
            let table = Table {
                name: rows.name.into(),
                columns: rows.columns.iter().map(|c| (*c).to_owned()).collect(),
                rows: rows
                    .rows
                    .iter()
                    .map(|r| r.iter().map(cell).collect())
                    .collect(),
            };
            to_output(
                destination,
                Box::new(move |out| table.write(out).map(|_| ())),
            )
            .await?;
        }
        "json" => {
            let list: Vec<Value> = rows
                .rows
                .into_iter()
                .map(|r| {
                    Value::Object(
                        rows.columns
                            .iter()
                            .map(|c| (*c).to_owned())
                            .zip(r)
                            .collect(),
                    )
                })
                .collect();
            json(&list)?;
        }
        _ => {
            say!("{}", rows.columns.join("\t").to_uppercase());
            for r in &rows.rows {
                say!("{}", r.iter().map(cell).collect::<Vec<_>>().join("\t"));
            }
        }
    }
    Ok(if stale {
        ErrorCode::Unreachable.exit_code()
    } else {
        0
    })
}

/// Reads each activity log (a bounded read, as a sync does); a vendor that
/// cannot be reached is said, and the cache is shown. Returns whether one was not.
async fn read_logs(
    ws: &Workspace,
    only: Option<switchboard_domain::ConnectionId>,
) -> Result<bool, EngineError> {
    let mut stale = false;
    for s in ws.connection_summaries().await? {
        if !s.capabilities.activity_log || only.is_some_and(|c| c != s.connection.id) {
            continue;
        }
        match ws
            .read_status_log_pages(s.connection.id, PAGES_AT_SYNC)
            .await
        {
            Ok(r) if !r.caught_up => tell!(
                "{}: read {} records of its activity log; more remain (run again, or keep the status board open)",
                s.connection.display_name,
                r.records
            ),
            Ok(_) => {}
            Err(e) => {
                tell!(
                    "{}: {e}; showing what the cache holds",
                    s.connection.display_name
                );
                stale = true;
            }
        }
    }
    Ok(stale)
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn seconds(ms: i64) -> Value {
    json!(ms / 1_000)
}

/// Seconds to a tenth (a wait of 3.4 s is not 3 s).
fn tenths(ms: i64) -> Value {
    json!((ms as f64 / 100.0).round() / 10.0)
}

/// Each agent's stretches, and the unknown time before, between and after
/// them (up to now); agents with no status at all in the range are left out.
async fn stretches(
    ws: &Workspace,
    query: StatusChartQuery,
    now: Timestamp,
) -> Result<Rows, EngineError> {
    let (from, to) = (query.from.0, query.to.0.min(now.0));
    let lines = ws.status_timelines(query).await?;
    let mut rows = Vec::new();
    let unknown = |agent: &str, start: i64, end: i64| {
        vec![
            json!(agent),
            Value::Null,
            Value::Null,
            json!(iso(Some(Timestamp(start)))),
            json!(iso(Some(Timestamp(end)))),
            seconds(end - start),
            json!("unknown"),
        ]
    };
    let quiet = lines.iter().filter(|l| l.segments.is_empty()).count();
    for line in lines.iter().filter(|l| !l.segments.is_empty()) {
        let mut at = from;
        for s in &line.segments {
            if s.start.0 > at {
                rows.push(unknown(&line.name, at, s.start.0));
            }
            rows.push(vec![
                json!(line.name),
                json!(s.name),
                json!(s.status_vendor_id),
                json!(iso(Some(s.start))),
                json!(iso(Some(s.end))),
                seconds(s.end.0 - s.start.0),
                json!(if s.source == StatusSource::Log {
                    "log"
                } else {
                    "watched"
                }),
            ]);
            at = at.max(s.end.0);
        }
        if to > at {
            rows.push(unknown(&line.name, at, to));
        }
    }
    if quiet > 0 {
        tell!(
            "{quiet} agents have no status in the range (a platform without statuses, or never watched)"
        );
    }
    Ok(Rows {
        name: "status-history",
        columns: &[
            "agent",
            "status",
            "status_id",
            "start",
            "end",
            "seconds",
            "source",
        ],
        rows,
    })
}

async fn logins(ws: &Workspace, query: StatusChartQuery) -> Result<Rows, EngineError> {
    let summary = ws.activity_summary(query).await?;
    let rows = summary
        .days
        .iter()
        .map(|d| {
            vec![
                json!(d.name),
                json!(iso(Some(d.day))),
                json!(d.logins),
                json!(d.logouts),
                json!(d.first_login.map(|t| iso(Some(t)))),
                json!(d.last_logout.map(|t| iso(Some(t)))),
            ]
        })
        .collect();
    Ok(Rows {
        name: "logins",
        columns: &[
            "agent",
            "day",
            "logins",
            "logouts",
            "first_login",
            "last_logout",
        ],
        rows,
    })
}

async fn pickups(ws: &Workspace, query: StatusChartQuery) -> Result<Rows, EngineError> {
    let summary = ws.activity_summary(query).await?;
    let row = |kind: &str, p: &switchboard_domain::dashboard::PickupTimes| {
        vec![
            json!(kind),
            json!(p.name),
            json!(p.channel),
            json!(p.offered),
            json!(p.picked_up),
            p.median_ms.map_or(Value::Null, tenths),
            p.p90_ms.map_or(Value::Null, tenths),
        ]
    };
    let rows = summary
        .agents
        .iter()
        .map(|p| row("agent", p))
        .chain(summary.teams.iter().map(|p| row("team", p)))
        .collect();
    Ok(Rows {
        name: "pickups",
        columns: &[
            "who",
            "name",
            "channel",
            "offered",
            "picked_up",
            "median_seconds",
            "p90_seconds",
        ],
        rows,
    })
}
