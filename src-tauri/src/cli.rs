//! The headless command line: the same binary, database and keychain as the app,
//! for cron jobs and CRMs. `switchboard help` lists the commands.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use switchboard_domain::browse::TargetQuery;
use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, ValidationError};
use switchboard_engine::assign::JobOutcome;
use switchboard_engine::connections::ConnectionSummary;
use switchboard_engine::export::{self, Destination};
use switchboard_engine::history::iso;
use switchboard_engine::sync::{Cancel, SyncPhase, SyncProgress};
use switchboard_engine::{Config, EngineError, ErrorCode, Workspace};

pub const COMMANDS: [&str; 10] = [
    "connections",
    "test",
    "sync",
    "export",
    "assign",
    "release",
    "queue",
    "history",
    "status",
    "help",
];

const HELP: &str = "\
Switchboard on the command line (the window opens when no command is given).

usage: switchboard [--data-dir DIR] COMMAND [options]

  connections [--json]                     list connections, their health and last sync
  test CONNECTION                          call the vendor's cheapest read and say what happened
  sync (CONNECTION | --all) [--full]       sync from the vendor into the local cache
  export (agents|people|targets) [--format csv|json] [--output FILE [--force]]
         [--connection CONNECTION] [--search TEXT] [--unassigned]
                                           write the cache out, CSV by default
  assign CONNECTION --target ID (--agent AGENT | --team TEAM)…
         [--until DATE] [--notes TEXT] [--replace]
                                           assign agents to a target (its vendor id, or the
                                           phone on Splashify Pro); AGENT is the agent's
                                           vendor id or email; TEAM a team's name or vendor
                                           id on any platform (its members' agents here).
                                           Every change is journaled.
  release CONNECTION --target ID           unassign a target (HelpCrunch, Splashify Pro)
  queue                                    list changes waiting (queued, sending, conflict)
  queue send                               send them now
  queue retry OPERATION [--apply-anyway]   send one again (a conflict needs --apply-anyway)
  queue cancel OPERATION                   drop a waiting change
  history [--connection C] [--state S]… [--since DATE] [--before DATE]
          [--search TEXT] [--limit N] [--format table|csv] [--output FILE [--force]]
                                           the journal, newest first; csv writes every match
  status list [--connection C] [--team T] [--status S] [--json] [--cached]
                                           every agent's current status (read live from
                                           the vendor first, unless --cached or it is down)
  status set CONNECTION --status STATUS (--team TEAM | --agent AGENT)…
         [--drop-after MINUTES]            move agents and whole teams to a status
                                           (Available or a custom one, by name or id);
                                           each agent's result is printed
  help                                     this text

CONNECTION is a connection's name (as shown in the app) or its id.
Exit codes: 0 done; 1 an unexpected internal error (please report it);
2 invalid input; 3 not found; 4 keychain; 5 database; 6 the vendor refused,
failed or could not be reached; 7 a file or the output could not be written
(disk full, no permission: nothing half-written is left); 8 some changes failed,
or a waiting change stopped in conflict; 9 a change was sent but the vendor did
not confirm it (check it; `queue retry N` sends it again); 10 the change waits
for the vendor (it is sent later); 130 cancelled.";

/// Prints a line for a person, with control characters and text-direction
/// marks (typed by the caller or sent by a vendor) escaped, so no value can
/// recolour, hide or reorder what the terminal shows. JSON goes out as it is.
macro_rules! say {
    ($($t:tt)*) => { println!("{}", shown(&format!($($t)*))) };
}

/// As [`say!`], on standard error.
macro_rules! tell {
    ($($t:tt)*) => { eprintln!("{}", shown(&format!($($t)*))) };
}

/// `text` with every control character but newline and tab, and every
/// bidirectional mark or override, written as `\u{..}`.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Runs a command if `args` name one; `None` means: open the window.
pub fn try_run(args: &[String]) -> Option<i32> {
    let (data_dir, rest) = split_global(args);
    let command = rest.first()?;
    if !COMMANDS.contains(&command.as_str()) {
        return None;
    }
    quiet_on_closed_pipe();
    if command == "help" {
        println!("{HELP}");
        return Some(0);
    }
    let data_dir = match data_dir {
        Ok(dir) => dir,
        Err(message) => {
            tell!("switchboard: {message}; see `switchboard help`");
            return Some(ErrorCode::InvalidInput.exit_code());
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tell!("switchboard: cannot start: {e}");
            return Some(1);
        }
    };
    Some(runtime.block_on(async {
        match run(data_dir, &rest).await {
            Ok(code) => code,
            // A reader that stopped reading (`| head`) ends the command quietly.
            Err(EngineError::Write { source, .. })
                if source.kind() == std::io::ErrorKind::BrokenPipe =>
            {
                0
            }
            Err(e) => {
                tell!("switchboard: {e}");
                let keychain = matches!(
                    e.code(),
                    ErrorCode::KeychainUnavailable | ErrorCode::KeychainLocked
                );
                if keychain && ["assign", "release", "queue", "status"].contains(&command.as_str())
                {
                    tell!(
                        "The change is journaled and waits for the keychain: once it answers, `switchboard queue send` (or the app) sends it."
                    );
                }
                e.code().exit_code()
            }
        }
    }))
}

/// Output piped into `head` (or anything that stops reading) ends the command
/// quietly, as other command-line tools do, instead of a panic on the next write.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        // `println!` panics when stdout's reader has gone away.
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// `--data-dir DIR` may come before the command. A `--data-dir` without a
/// folder is an error, never the default folder (nor the current one).
fn split_global(args: &[String]) -> (Result<Option<PathBuf>, String>, Vec<String>) {
    let mut data_dir = Ok(None);
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--data-dir" {
            data_dir = match it.next() {
                Some(dir) if !dir.trim().is_empty() && !dir.starts_with("--") => {
                    Ok(Some(PathBuf::from(dir)))
                }
                _ => Err("--data-dir needs a folder: `--data-dir DIR`".to_owned()),
            };
        } else {
            rest.push(a.clone());
        }
    }
    (data_dir, rest)
}

/// The longest value an option takes (notes are the longest thing sent).
const VALUE_MAX: usize = 4_096;

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
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| usage(format!("{a} needs a value; it cannot be empty")))?;
            if v.chars().count() > VALUE_MAX {
                return Err(usage(format!(
                    "{a} is {} characters long; at most {VALUE_MAX} are taken",
                    v.chars().count()
                )));
            }
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

    /// Every value of a repeatable option, trimmed, in order.
    fn all(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

async fn run(data_dir: Option<PathBuf>, args: &[String]) -> Result<i32, EngineError> {
    let config = Config::resolve(data_dir).map_err(EngineError::Startup)?;
    let ws = Arc::new(Workspace::open(config, Origin::Cli)?);
    // Demo connections need their simulator: start it here unless the app
    // already serves it on the same ports.
    let _ = ws.resume_demo().await;
    let rest = &args[1..];
    let result = command(&ws, &args[0], rest).await;
    // The calls this command made count for the app's health and badges.
    let _ = ws.flush_calls().await;
    result
}

async fn command(ws: &Workspace, name: &str, rest: &[String]) -> Result<i32, EngineError> {
    match name {
        "connections" => connections(ws, flags(rest, &[], &["--json"])?).await,
        "test" => test(ws, flags(rest, &[], &[])?).await,
        "sync" => sync(ws, flags(rest, &[], &["--all", "--full"])?).await,
        "export" => {
            export(
                ws,
                flags(
                    rest,
                    &["--format", "--output", "--connection", "--search"],
                    &["--unassigned", "--force"],
                )?,
            )
            .await
        }
        "assign" => {
            assign(
                ws,
                flags(
                    rest,
                    &["--target", "--agent", "--team", "--until", "--notes"],
                    &["--replace"],
                )?,
            )
            .await
        }
        "release" => release(ws, flags(rest, &["--target"], &[])?).await,
        "queue" => queue(ws, flags(rest, &[], &["--apply-anyway"])?).await,
        "status" => {
            status(
                ws,
                flags(
                    rest,
                    &[
                        "--connection",
                        "--team",
                        "--agent",
                        "--status",
                        "--drop-after",
                    ],
                    &["--json", "--cached"],
                )?,
            )
            .await
        }
        "history" => {
            history(
                ws,
                flags(
                    rest,
                    &[
                        "--connection",
                        "--state",
                        "--since",
                        "--before",
                        "--search",
                        "--limit",
                        "--format",
                        "--output",
                    ],
                    &["--force"],
                )?,
            )
            .await
        }
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
    if !f.positional.is_empty() {
        return Err(usage(format!(
            "connections takes only --json, not '{}'",
            f.positional.join(" ")
        )));
    }
    let all = ws.connection_summaries().await?;
    if f.has("--json") {
        println!(
            "{}",
            serde_json::to_string_pretty(&all).map_err(|e| EngineError::Internal(e.to_string()))?
        );
        return Ok(0);
    }
    if all.is_empty() {
        say!("No connections. Add one in the app (or start its demo workspace).");
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
    say!("{}", line(header.to_vec()));
    for row in rows {
        say!("{}", line(row.iter().map(String::as_str).collect()));
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
        say!("{}: {}{ms}", s.connection.display_name, outcome.message);
        Ok(0)
    } else {
        tell!("{}: {}", s.connection.display_name, outcome.message);
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

/// The connection and target a change names (`CONNECTION --target ID`): the
/// target from the cache, else read from the vendor where it can be.
async fn target_of(
    ws: &Workspace,
    f: &Flags,
    command: &str,
) -> Result<(ConnectionSummary, switchboard_domain::target::Target), EngineError> {
    let [reference] = f.positional.as_slice() else {
        return Err(usage(format!("{command} takes one CONNECTION")));
    };
    let all = ws.connection_summaries().await?;
    let summary = find(&all, reference)?.clone();
    let target_ref = f
        .value("--target")
        .ok_or_else(|| usage("--target is required"))?;
    let target = ws.find_target(summary.connection.id, target_ref).await?;
    Ok((summary, target))
}

/// Prints a job's per-operation results; the exit code says how it went.
fn report(outcome: &JobOutcome, vendor: switchboard_domain::Vendor, done: &str) -> i32 {
    use switchboard_domain::job::{JobState, OperationState};
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

/// The exit code when a change was sent but the vendor did not confirm it.
const UNCONFIRMED: i32 = 9;

async fn assign(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    let (summary, target) = target_of(ws, &f, "assign").await?;
    let id = summary.connection.id;
    let wanted: Vec<String> = f.all("--agent");
    let teams_wanted: Vec<String> = f.all("--team");
    let until = f
        .value("--until")
        .map(|d| switchboard_vendors::parse_iso8601("until", d))
        .transpose()?;
    let agents = ws.find_agents(id, wanted).await?;
    let teams = ws.find_teams(None, teams_wanted).await?;
    let outcome = ws
        .assign(switchboard_engine::assign::AssignRequest {
            until,
            notes: f.value("--notes").map(str::to_owned),
            replace: f.has("--replace"),
            teams,
            ..switchboard_engine::assign::AssignRequest::agents(target.id, agents)
        })
        .await?;
    Ok(report(&outcome, summary.connection.vendor, "assigned"))
}

async fn release(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    let (summary, target) = target_of(ws, &f, "release").await?;
    let outcome = ws
        .release(switchboard_engine::assign::ReleaseRequest {
            target_id: target.id,
            replaces: None,
        })
        .await?;
    Ok(report(&outcome, summary.connection.vendor, "released"))
}

fn operation_id(text: &str) -> Result<switchboard_domain::OperationId, EngineError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(switchboard_domain::OperationId)
        .ok_or_else(|| {
            ValidationError::new(
                "operation",
                format!("'{text}' is not an operation number; `switchboard queue` lists them"),
            )
            .into()
        })
}

async fn queue(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    use switchboard_domain::job::{HistoryQuery, OperationState};
    match f.positional.as_slice() {
        [] => {
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
        [send] if send == "send" => {
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
        [verb, id] if verb == "retry" => {
            let r = ws
                .retry_operation(operation_id(id)?, f.has("--apply-anyway"))
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
        [verb, id] if verb == "cancel" => {
            let state = ws.cancel_operation(operation_id(id)?).await?;
            say!("{id}: {state}");
            Ok(0)
        }
        _ => Err(usage(
            "queue takes nothing (list), send, retry OPERATION [--apply-anyway] or cancel OPERATION",
        )),
    }
}

async fn status(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    match f.positional.first().map(String::as_str) {
        Some("list") if f.positional.len() == 1 => status_list(ws, &f).await,
        Some("set") if f.positional.len() == 2 => status_set(ws, &f).await,
        _ => Err(usage(
            "status takes list [options], or set CONNECTION --status STATUS (--team T | --agent A)…",
        )),
    }
}

async fn status_list(ws: &Workspace, f: &Flags) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    let connection = f
        .value("--connection")
        .map(|r| find(&all, r).map(|s| s.connection.id))
        .transpose()?;
    let mut stale = false;
    if !f.has("--cached") {
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
    let team = match f.value("--team") {
        Some(t) => ws
            .find_teams(connection, vec![t.to_owned()])
            .await?
            .first()
            .copied(),
        None => None,
    };
    let wanted_status = f.value("--status").map(str::to_lowercase);
    let rows: Vec<_> = board
        .agents
        .iter()
        .filter(|a| a.status.is_some())
        .filter(|a| connection.is_none_or(|c| a.connection_id == c))
        .filter(|a| team.is_none_or(|t| a.team_ids.contains(&t)))
        .filter(|a| {
            wanted_status.as_ref().is_none_or(|w| {
                a.status.as_ref().is_some_and(|s| {
                    s.name.to_lowercase() == *w || s.status_vendor_id.as_deref() == Some(w.as_str())
                })
            })
        })
        .collect();
    if f.has("--json") {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|a| {
                let s = a.status.as_ref();
                serde_json::json!({
                    "connection": a.connection_name,
                    "agent": a.name,
                    "email": a.email,
                    "teams": a.team_ids.iter().filter_map(|t| board.teams.iter().find(|x| x.id == *t).map(|x| x.name.clone())).collect::<Vec<_>>(),
                    "status_id": s.and_then(|s| s.status_vendor_id.clone()),
                    "status": s.map(|s| s.name.clone()),
                    "since": s.map(|s| iso(Some(s.since))),
                    "seen_at": s.map(|s| iso(Some(s.seen_at))),
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&list)
            .map_err(|e| EngineError::Internal(format!("writing JSON: {e}")))?;
        println!("{text}");
    } else {
        say!("AGENT\tTEAMS\tSTATUS\tSINCE\tSEEN");
        for a in &rows {
            let s = a.status.as_ref();
            let teams: Vec<&str> = a
                .team_ids
                .iter()
                .filter_map(|t| {
                    board
                        .teams
                        .iter()
                        .find(|x| x.id == *t)
                        .map(|x| x.name.as_str())
                })
                .collect();
            say!(
                "{}\t{}\t{}\t{}\t{}",
                a.name,
                teams.join(", "),
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

async fn status_set(ws: &Workspace, f: &Flags) -> Result<i32, EngineError> {
    let all = ws.connection_summaries().await?;
    let summary = find(&all, &f.positional[1])?;
    let id = summary.connection.id;
    let wanted = f
        .value("--status")
        .ok_or_else(|| usage("--status is required (a status name or id)"))?
        .trim()
        .to_owned();
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
    let status_id = switchboard_domain::status::find_status(&statuses, &wanted)?
        .vendor_id
        .clone();
    let agents = ws.find_agents(id, f.all("--agent")).await?;
    let teams = ws.find_teams(Some(id), f.all("--team")).await?;
    let drop_after = f
        .value("--drop-after")
        .map(|m| {
            m.trim()
                .parse::<u32>()
                .map_err(|_| usage(format!("--drop-after is a number of minutes, not {m}")))
        })
        .transpose()?;
    let outcome = ws
        .set_status(switchboard_engine::statuses::SetStatusRequest {
            connection_id: id,
            status_id,
            agents,
            teams,
            drop_after_minutes: drop_after,
        })
        .await?;
    use switchboard_domain::job::OperationState;
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

/// A date (`2026-11-21`) or a moment (RFC 3339) for History filters.
fn moment(field: &str, text: &str) -> Result<switchboard_domain::Timestamp, EngineError> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let start = d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
        return start
            .map(switchboard_domain::Timestamp)
            .ok_or_else(|| usage(format!("{field}: {text} is not a date")));
    }
    Ok(switchboard_vendors::parse_iso8601(field, text)?)
}

async fn history(ws: &Workspace, f: Flags) -> Result<i32, EngineError> {
    use switchboard_domain::job::{HistoryQuery, OperationState};
    if !f.positional.is_empty() {
        return Err(usage("history takes only options"));
    }
    let all = ws.connection_summaries().await?;
    let connection = f
        .value("--connection")
        .map(|r| find(&all, r).map(|s| s.connection.id))
        .transpose()?;
    let states = f
        .all("--state")
        .iter()
        .map(|s| {
            s.parse::<OperationState>().map_err(|_| {
                usage(format!(
                    "--state is one of queued, sending, done, failed, conflict, cancelled, not {s}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let from = f.value("--since").map(|d| moment("since", d)).transpose()?;
    let to = f
        .value("--before")
        .map(|d| moment("before", d))
        .transpose()?;
    let limit = match f.value("--limit") {
        Some(n) => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| usage(format!("--limit is a positive number, not {n}")))?,
        None => 50,
    };
    let query = HistoryQuery {
        connection_id: connection,
        states,
        from,
        to,
        search: f.value("--search").map(str::to_owned),
        limit,
        ..Default::default()
    };
    match f.value("--format").unwrap_or("table") {
        "csv" => {
            let store = ws.store().clone();
            to_output(output(&f)?, move |out| {
                switchboard_engine::history::write_csv(&store, &query, out).map(|_| ())
            })
            .await?;
        }
        "table" => {
            if f.value("--output").is_some() || f.has("--force") {
                return Err(usage(
                    "--output (and --force) write a file only with --format csv; add it, or leave --output out",
                ));
            }
            let page = ws.history(query).await?;
            for r in &page.rows {
                let op = &r.operation;
                say!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    op.id,
                    iso(Some(op.created_at)),
                    op.state,
                    r.connection_name.as_deref().unwrap_or("(removed)"),
                    op.target_label.as_deref().unwrap_or_default(),
                    op.agent_names.join(", "),
                    op.error_message.as_deref().unwrap_or_default()
                );
            }
            if page.next.is_some() {
                tell!("(more: raise --limit, or --format csv for everything)");
            }
        }
        other => return Err(usage(format!("--format is table or csv, not {other}"))),
    }
    Ok(0)
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
    let destination = output(&f)?;
    match what.as_str() {
        "targets" => {
            let query = TargetQuery {
                search: f.value("--search").map(str::to_owned),
                connection_id: connection,
                unassigned: f.has("--unassigned").then_some(true),
                ..Default::default()
            };
            let store = ws.store().clone();
            to_output(destination, move |out| {
                export::write_targets(&store, &query, out, json)
            })
            .await?;
        }
        "people" | "agents" => {
            let mut people = ws.people(f.value("--search").map(str::to_owned)).await?;
            if let Some(c) = connection {
                people.retain(|p| p.agents.iter().any(|a| a.connection_id == c));
            }
            let agents = what == "agents";
            to_output(destination, move |out| {
                export::write_people(agents, connection, &people, out, json)
            })
            .await?;
        }
        other => {
            return Err(usage(format!(
                "export agents, people or targets, not {other}"
            )));
        }
    }
    Ok(0)
}

/// Where `--output` (and `--force`) say the output goes; standard output when
/// not given. A file is checked before any work is done.
fn output(f: &Flags) -> Result<Option<Destination>, EngineError> {
    if f.has("--force") && f.value("--output").is_none() {
        return Err(usage(
            "--force replaces an --output file; give --output FILE",
        ));
    }
    let Some(path) = f.value("--output") else {
        return Ok(None);
    };
    let destination = Destination {
        path: PathBuf::from(path),
        replace: f.has("--force"),
    };
    destination.check()?;
    Ok(Some(destination))
}

/// Runs `write` off the async runtime on the file (whole or not at all) or on
/// standard output.
async fn to_output(
    destination: Option<Destination>,
    write: impl FnOnce(&mut dyn Write) -> Result<(), EngineError> + Send + 'static,
) -> Result<(), EngineError> {
    tokio::task::spawn_blocking(move || match destination {
        Some(d) => d.write(write),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)?;
            out.flush().map_err(export::io_error)
        }
    })
    .await?
}
