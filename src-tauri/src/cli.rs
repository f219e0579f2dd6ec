//! The headless command line: the same binary, database and keychain as the app,
//! for cron jobs and CRMs. `switchboard help` lists the commands.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use switchboard_domain::browse::{PersonRow, TargetQuery, TargetRow};
use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, ValidationError};
use switchboard_engine::connections::ConnectionSummary;
use switchboard_engine::sync::{Cancel, SyncPhase, SyncProgress};
use switchboard_engine::{Config, EngineError, ErrorCode, Workspace};

pub const COMMANDS: [&str; 7] = [
    "connections",
    "test",
    "sync",
    "export",
    "assign",
    "queue",
    "help",
];

const HELP: &str = "\
Switchboard on the command line (the window opens when no command is given).

usage: switchboard [--data-dir DIR] COMMAND [options]

  connections [--json]                     list connections, their health and last sync
  test CONNECTION                          call the vendor's cheapest read and say what happened
  sync (CONNECTION | --all) [--full]       sync from the vendor into the local cache
  export (agents|people|targets) [--format csv|json] [--output FILE]
         [--connection CONNECTION] [--search TEXT] [--unassigned]
                                           write the cache out, CSV by default
  assign CONNECTION --target ID --agent AGENT [--agent AGENT …]
         [--until DATE] [--notes TEXT] [--replace]
                                           assign agents to a target (its vendor id, or the
                                           phone on Splashify Pro); AGENT is the agent's
                                           vendor id or email. Every change is journaled.
  queue [send]                             list the changes waiting for their vendor, or send them
  help                                     this text

CONNECTION is a connection's name (as shown in the app) or its id.
Exit codes: 0 done; 2 invalid input; 3 not found; 4 keychain; 5 database;
6 the vendor refused, failed or could not be reached; 8 some changes failed;
10 the change waits for an unreachable vendor (it is sent later); 130 cancelled.";

/// Runs a command if `args` name one; `None` means: open the window.
pub fn try_run(args: &[String]) -> Option<i32> {
    let (data_dir, rest) = split_global(args);
    let command = rest.first()?;
    if !COMMANDS.contains(&command.as_str()) {
        return None;
    }
    if command == "help" {
        println!("{HELP}");
        return Some(0);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("switchboard: cannot start: {e}");
            return Some(1);
        }
    };
    Some(runtime.block_on(async {
        match run(data_dir, &rest).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("switchboard: {e}");
                e.code().exit_code()
            }
        }
    }))
}

/// `--data-dir DIR` may come before the command.
fn split_global(args: &[String]) -> (Option<PathBuf>, Vec<String>) {
    let mut data_dir = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--data-dir" {
            data_dir = it.next().map(PathBuf::from);
        } else {
            rest.push(a.clone());
        }
    }
    (data_dir, rest)
}

fn usage(message: impl Into<String>) -> EngineError {
    EngineError::Invalid(ValidationError::new(
        "usage",
        format!("{}; see `switchboard help`", message.into()),
    ))
}

/// Flags after the command: `--name value` pairs and bare `--switch`es.
struct Flags {
    positional: Vec<String>,
    values: Vec<(String, String)>,
    switches: Vec<String>,
}

fn flags(args: &[String], with_values: &[&str], switches: &[&str]) -> Result<Flags, EngineError> {
    let mut f = Flags {
        positional: Vec::new(),
        values: Vec::new(),
        switches: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if with_values.contains(&a.as_str()) {
            let v = it
                .next()
                .ok_or_else(|| usage(format!("{a} needs a value")))?;
            f.values.push((a.clone(), v.clone()));
        } else if switches.contains(&a.as_str()) {
            f.switches.push(a.clone());
        } else if a.starts_with("--") {
            return Err(usage(format!("unknown option {a}")));
        } else {
            f.positional.push(a.clone());
        }
    }
    Ok(f)
}

impl Flags {
    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

async fn run(data_dir: Option<PathBuf>, args: &[String]) -> Result<i32, EngineError> {
    let config = Config::resolve(data_dir).map_err(EngineError::Startup)?;
    let ws = Arc::new(Workspace::open(config, Origin::Cli)?);
    // Demo connections need their simulator: start it here unless the app
    // already serves it on the same ports.
    let _ = ws.resume_demo().await;
    let rest = &args[1..];
    match args[0].as_str() {
        "connections" => connections(&ws, flags(rest, &[], &["--json"])?).await,
        "test" => test(&ws, flags(rest, &[], &[])?).await,
        "sync" => sync(&ws, flags(rest, &[], &["--all", "--full"])?).await,
        "export" => {
            export(
                &ws,
                flags(
                    rest,
                    &["--format", "--output", "--connection", "--search"],
                    &["--unassigned"],
                )?,
            )
            .await
        }
        "assign" => {
            assign(
                &ws,
                flags(
                    rest,
                    &["--target", "--agent", "--until", "--notes"],
                    &["--replace"],
                )?,
            )
            .await
        }
        "queue" => queue(&ws, flags(rest, &[], &[])?).await,
        other => Err(usage(format!("unknown command {other}"))),
    }
}

/// A connection by id or by its (case-insensitive) name.
fn find<'a>(
    all: &'a [ConnectionSummary],
    reference: &str,
) -> Result<&'a ConnectionSummary, EngineError> {
    if let Ok(id) = reference.parse::<ConnectionId>() {
        return all
            .iter()
            .find(|s| s.connection.id == id)
            .ok_or_else(|| not_found(reference));
    }
    let matches: Vec<_> = all
        .iter()
        .filter(|s| {
            s.connection
                .display_name
                .eq_ignore_ascii_case(reference.trim())
        })
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(not_found(reference)),
        _ => Err(usage(format!(
            "{} connections are named '{reference}'; use the id",
            matches.len()
        ))),
    }
}

fn not_found(reference: &str) -> EngineError {
    EngineError::Store(switchboard_store::StoreError::NotFound {
        what: "connection",
        id: format!("'{reference}' (see `switchboard connections`)"),
    })
}

fn health(s: &ConnectionSummary) -> &'static str {
    match s.last_check.as_ref().map(|c| c.outcome.as_str()) {
        None => "not tested",
        Some(_) if s.unreachable => "unreachable",
        Some("ok") => "connected",
        Some("unauthorized") => "key refused",
        Some(_) => "problem",
    }
}

fn ago(ms: Option<switchboard_domain::Timestamp>) -> String {
    let Some(ms) = ms else { return "never".into() };
    let secs = (switchboard_domain::Timestamp::now().0 - ms.0).max(0) / 1000;
    match secs {
        0..=59 => format!("{secs}s ago"),
        60..=3599 => format!("{}m ago", secs / 60),
        3600..=86_399 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

async fn connections(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    if f.has("--json") {
        println!(
            "{}",
            serde_json::to_string_pretty(&all).map_err(|e| EngineError::Internal(e.to_string()))?
        );
        return Ok(0);
    }
    if all.is_empty() {
        println!("No connections. Add one in the app (or start its demo workspace).");
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

fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!("{}", line(header.to_vec()));
    for row in rows {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
}

async fn test(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    let [reference] = f.positional.as_slice() else {
        return Err(usage("test takes one CONNECTION"));
    };
    let all = ws.connection_summaries().await?;
    let s = find(&all, reference)?;
    let outcome = ws.test_connection(s.connection.id).await?;
    let ms = outcome
        .latency_ms
        .map(|ms| format!(" ({ms} ms)"))
        .unwrap_or_default();
    if outcome.ok {
        println!("{}: {}{ms}", s.connection.display_name, outcome.message);
        Ok(0)
    } else {
        eprintln!("{}: {}", s.connection.display_name, outcome.message);
        Ok(ErrorCode::VendorError.exit_code())
    }
}

async fn sync(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    let chosen: Vec<&ConnectionSummary> = match (f.has("--all"), f.positional.as_slice()) {
        (true, []) => all.iter().collect(),
        (false, [reference]) => vec![find(&all, reference)?],
        _ => return Err(usage("sync takes one CONNECTION, or --all")),
    };
    let mode = if f.has("--full") {
        SyncMode::Full
    } else {
        SyncMode::Incremental
    };
    let mut worst = 0;
    for s in chosen {
        let name = s.connection.display_name.clone();
        let last_phase = std::sync::Mutex::new(None::<SyncPhase>);
        let progress = |p: SyncProgress| {
            let mut last = last_phase
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last != Some(p.phase) {
                eprintln!("{name}: {:?}…", p.phase);
                *last = Some(p.phase);
            }
        };
        match ws
            .sync(s.connection.id, mode, &progress, &Cancel::default())
            .await
        {
            Ok(run) => println!(
                "{name}: synced ({:?}) {} agents, {} teams, {} targets",
                run.mode, run.agents, run.teams, run.targets
            ),
            Err(e) => {
                eprintln!("{name}: sync failed: {e}");
                worst = worst.max(e.code().exit_code());
            }
        }
    }
    Ok(worst)
}

async fn assign(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    use switchboard_domain::job::{JobState, OperationState};
    let [reference] = f.positional.as_slice() else {
        return Err(usage("assign takes one CONNECTION"));
    };
    let all = ws.connection_summaries().await?;
    let summary = find(&all, reference)?;
    let c = &summary.connection;
    let kind = summary
        .capabilities
        .target_kind
        .ok_or_else(|| usage(format!("{} has nothing to assign agents to", c.vendor)))?;
    let target_ref = f
        .value("--target")
        .ok_or_else(|| usage("--target is required"))?;
    // Splashify Pro addresses conversations by phone: accept it as people write it.
    let target_ref = if kind == switchboard_domain::target::TargetKind::Conversation {
        switchboard_vendors::normalize_phone("target", target_ref)?
    } else {
        target_ref.trim().to_owned()
    };
    let wanted: Vec<String> = f
        .values
        .iter()
        .filter(|(k, _)| k == "--agent")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let until = f
        .value("--until")
        .map(|d| switchboard_vendors::parse_iso8601("until", d))
        .transpose()?;
    let store = ws.store().clone();
    let id = c.id;
    let (target, agents) = tokio::task::spawn_blocking(move || -> Result<_, EngineError> {
        let target = store
            .read(|db| switchboard_store::targets::find_by_vendor_id(db, id, kind, &target_ref))?
            .ok_or_else(|| ValidationError::new("target", format!("no {kind} '{target_ref}' in the cache; sync the connection, or check the id")))?;
        let cached = store.read(|db| switchboard_store::agents::list_by_connection(db, id))?;
        let agents = wanted
            .iter()
            .map(|w| {
                cached
                    .iter()
                    .find(|a| a.vendor_id == *w || a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(w)))
                    .map(|a| a.id)
                    .ok_or_else(|| ValidationError::new("agent", format!("'{w}' is not an agent of this connection (by vendor id or email)")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((target, agents))
    })
    .await??;
    let outcome = ws
        .assign(switchboard_engine::assign::AssignRequest {
            target_id: target.id,
            agents,
            until,
            notes: f.value("--notes").map(str::to_owned),
            replace: f.has("--replace"),
        })
        .await?;
    for r in &outcome.results {
        let who = r.agent_names.join(", ");
        match r.state {
            OperationState::Done => println!("{who}: assigned"),
            OperationState::Queued => println!(
                "{who}: waiting for {} (sent when it is reachable)",
                c.vendor
            ),
            _ => {
                eprintln!("{who}: {}", r.message.as_deref().unwrap_or("failed"));
                if let Some(h) = &r.hint {
                    eprintln!("  {h}");
                }
            }
        }
    }
    println!("job {}", outcome.job_id);
    Ok(match outcome.state {
        JobState::Done => 0,
        JobState::Queued => 10,
        JobState::Partial => 8,
        _ => ErrorCode::VendorError.exit_code(),
    })
}

async fn queue(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    use switchboard_domain::job::OperationState;
    match f.positional.as_slice() {
        [] => {
            let store = ws.store().clone();
            let waiting = tokio::task::spawn_blocking(move || {
                store.read(|db| {
                    let mut all =
                        switchboard_store::operations::list_in_state(db, OperationState::Queued)?;
                    all.extend(switchboard_store::operations::list_in_state(
                        db,
                        OperationState::Sending,
                    )?);
                    Ok(all)
                })
            })
            .await??;
            if waiting.is_empty() {
                println!("Nothing is waiting.");
            }
            for op in waiting {
                println!(
                    "{}  {}  {}  {}",
                    op.id,
                    op.state,
                    op.target_label.unwrap_or_default(),
                    op.error_message.unwrap_or_default()
                );
            }
            Ok(0)
        }
        [send] if send == "send" => {
            let results = ws.send_queued().await?;
            let waiting = results
                .iter()
                .filter(|r| r.state == OperationState::Queued)
                .count();
            let failed = results
                .iter()
                .filter(|r| r.state == OperationState::Failed)
                .count();
            println!(
                "sent {}, still waiting {waiting}, failed {failed}",
                results.len() - waiting - failed
            );
            Ok(if failed > 0 {
                8
            } else if waiting > 0 {
                10
            } else {
                0
            })
        }
        _ => Err(usage("queue takes nothing, or send")),
    }
}

async fn export(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    let [what] = f.positional.as_slice() else {
        return Err(usage("export takes agents, people or targets"));
    };
    let json = match f.value("--format").unwrap_or("csv") {
        "csv" => false,
        "json" => true,
        other => return Err(usage(format!("--format is csv or json, not {other}"))),
    };
    let all = ws.connection_summaries().await?;
    let connection = f
        .value("--connection")
        .map(|r| find(&all, r).map(|s| s.connection.id))
        .transpose()?;
    let out: Box<dyn Write + Send> = match f.value("--output") {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| usage(format!("cannot write {path}: {e}")))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    match what.as_str() {
        "targets" => {
            let query = TargetQuery {
                search: f.value("--search").map(str::to_owned),
                connection_id: connection,
                unassigned: f.has("--unassigned").then_some(true),
                ..Default::default()
            };
            let store = ws.store().clone();
            tokio::task::spawn_blocking(move || write_targets(&store, &query, out, json)).await??;
        }
        "people" | "agents" => {
            let mut people = ws.people(f.value("--search").map(str::to_owned)).await?;
            if let Some(c) = connection {
                people.retain(|p| p.agents.iter().any(|a| a.connection_id == c));
            }
            write_people(what == "agents", connection, &people, out, json)?;
        }
        other => {
            return Err(usage(format!(
                "export agents, people or targets, not {other}"
            )));
        }
    }
    Ok(0)
}

fn io_error(e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal(format!("writing the export: {e}"))
}

fn iso(ms: Option<switchboard_domain::Timestamp>) -> String {
    ms.and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t.0))
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn write_targets(
    store: &switchboard_store::Store,
    query: &TargetQuery,
    out: Box<dyn Write + Send>,
    json: bool,
) -> Result<(), EngineError> {
    if json {
        let mut out = out;
        let mut first = true;
        out.write_all(b"[\n").map_err(io_error)?;
        let mut failure = None;
        store.read(|db| {
            switchboard_store::browse::export_targets(db, query, |row: TargetRow| {
                if failure.is_some() {
                    return;
                }
                let sep = if first { "" } else { ",\n" };
                first = false;
                if let Err(e) = serde_json::to_string(&row)
                    .map_err(io_error)
                    .and_then(|s| write!(out, "{sep}{s}").map_err(io_error))
                {
                    failure = Some(e);
                }
            })
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        out.write_all(b"\n]\n").map_err(io_error)?;
        return out.flush().map_err(io_error);
    }
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "connection",
        "vendor",
        "kind",
        "vendor_id",
        "name",
        "phone",
        "email",
        "status",
        "last_activity_at",
        "assignees",
        "assignee_ids",
    ])
    .map_err(io_error)?;
    let mut failure = None;
    store.read(|db| {
        switchboard_store::browse::export_targets(db, query, |r: TargetRow| {
            if failure.is_some() {
                return;
            }
            let names: Vec<String> = r
                .assignees
                .iter()
                .map(|a| a.name.clone().unwrap_or_else(|| a.agent_vendor_id.clone()))
                .collect();
            let ids: Vec<&str> = r
                .assignees
                .iter()
                .map(|a| a.agent_vendor_id.as_str())
                .collect();
            let t = &r.target;
            let record = [
                r.connection_name.as_str(),
                r.vendor.as_str(),
                t.kind.as_str(),
                t.vendor_id.as_str(),
                t.name.as_deref().unwrap_or_default(),
                t.phone.as_deref().unwrap_or_default(),
                t.email.as_deref().unwrap_or_default(),
                t.status.as_deref().unwrap_or_default(),
                &iso(t.last_activity_at),
                &names.join("; "),
                &ids.join("; "),
            ];
            if let Err(e) = csv.write_record(record) {
                failure = Some(io_error(e));
            }
        })
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    csv.flush().map_err(io_error)
}

fn write_people(
    agents: bool,
    connection: Option<ConnectionId>,
    people: &[PersonRow],
    out: Box<dyn Write + Send>,
    json: bool,
) -> Result<(), EngineError> {
    if json {
        let mut out = out;
        let text = if agents {
            let list: Vec<_> = people
                .iter()
                .flat_map(|p| p.agents.iter())
                .filter(|a| connection.is_none_or(|c| a.connection_id == c))
                .collect();
            serde_json::to_string_pretty(&list)
        } else {
            serde_json::to_string_pretty(people)
        };
        writeln!(out, "{}", text.map_err(io_error)?).map_err(io_error)?;
        return out.flush().map_err(io_error);
    }
    let mut csv = csv::Writer::from_writer(out);
    if agents {
        csv.write_record([
            "connection",
            "vendor",
            "vendor_id",
            "name",
            "email",
            "active",
            "person",
            "assignments",
        ])
        .map_err(io_error)?;
        for p in people {
            for a in p
                .agents
                .iter()
                .filter(|a| connection.is_none_or(|c| a.connection_id == c))
            {
                csv.write_record([
                    a.connection_name.as_str(),
                    a.vendor.as_str(),
                    &a.vendor_id,
                    &a.name,
                    a.email.as_deref().unwrap_or_default(),
                    if a.active { "yes" } else { "no" },
                    &p.display_name,
                    &a.assignments.to_string(),
                ])
                .map_err(io_error)?;
            }
        }
    } else {
        csv.write_record(["person", "email", "platforms", "agents", "assignments"])
            .map_err(io_error)?;
        for p in people {
            let platforms: Vec<&str> = p.agents.iter().map(|a| a.vendor.as_str()).collect();
            let agents: Vec<String> = p
                .agents
                .iter()
                .map(|a| format!("{}:{}", a.connection_name, a.vendor_id))
                .collect();
            csv.write_record([
                &p.display_name,
                p.email.as_deref().unwrap_or_default(),
                &platforms.join("; "),
                &agents.join("; "),
                &p.assignments.to_string(),
            ])
            .map_err(io_error)?;
        }
    }
    csv.flush().map_err(io_error)
}
