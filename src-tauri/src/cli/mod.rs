//! The headless command line: the same binary, database and keychain as the app,
//! for cron jobs and CRMs. Parsed by clap; each group of verbs is a module of
//! its own, and every verb only parses, calls the engine and prints.
//! `switchboard --help` (or `help VERB`) lists them.

#[macro_use]
pub(crate) mod output;
mod changes;
mod connections;
mod covers;
mod db;
mod history;
mod jobs;
mod plan;
mod progress;
mod reassign;
mod status;
mod status_history;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{CommandFactory, Parser, Subcommand};
use switchboard_domain::job::Origin;
use switchboard_domain::{ConnectionId, ValidationError};
use switchboard_engine::connections::ConnectionSummary;
use switchboard_engine::{Config, EngineError, ErrorCode, Workspace};

const EXIT_CODES: &str = "\
CONNECTION is a connection's name (as shown in the app) or its id.

Exit codes: 0 done; 1 an unexpected internal error (please report it);
2 invalid input; 3 not found; 4 keychain; 5 database; 6 the vendor refused,
failed or could not be reached; 7 a file or the output could not be written
(disk full, no permission: nothing half-written is left); 8 some changes failed,
or a waiting change stopped in conflict; 9 a change was sent but the vendor did
not confirm it (check it; `queue retry N` sends it again); 10 the change waits
for the vendor (it is sent later); 11 the database is damaged (it was kept
aside: `db restore BACKUP` or `db fresh`); 130 cancelled.";

/// Switchboard on the command line (the window opens when no command is given).
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, after_help = EXIT_CODES)]
struct Cli {
    /// The data folder (default: the OS app-data folder)
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List connections, their health and last sync
    Connections {
        /// JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// Call the vendor's cheapest read and say what happened
    Test { connection: String },
    /// Sync from the vendor into the local cache
    Sync(connections::SyncArgs),
    /// Write the cache out, CSV by default
    Export(connections::ExportArgs),
    /// Assign agents or teams to a target; every change is journaled
    Assign(changes::AssignArgs),
    /// Unassign a target (HelpCrunch, Splashify Pro)
    Release(changes::ReleaseArgs),
    /// Hand everything one person holds, on every platform, to others (a plan first)
    Reassign(reassign::ReassignArgs),
    /// Assignment plans from CSV: a template, check a file, run it as one bulk job
    Plan(plan::PlanArgs),
    /// Someone away and who covers: add, list, end, cancel, extend
    Cover(covers::CoverArgs),
    /// Take the cover steps that are due (for cron or a systemd timer): `covers run-due`
    Covers(covers::CoversArgs),
    /// Recent jobs; one job's items; send its failed items again; undo a reassignment
    Jobs(jobs::JobsArgs),
    /// List changes waiting (queued, sending, in conflict, not confirmed), or act on them
    Queue(changes::QueueArgs),
    /// The journal, newest first
    History(history::HistoryArgs),
    /// Agents' statuses: list them, or set them for agents and whole teams
    Status(status::StatusArgs),
    /// The database file: check, backup, restore a backup, or start fresh after damage
    Db(db::DbArgs),
    /// Set up the demo workspace (five connections to the built-in simulator) and sync it
    Demo {
        /// Only create the connections; do not sync them
        #[arg(long)]
        no_sync: bool,
    },
    /// Print a completion script for a shell
    Completions { shell: clap_complete::Shell },
}

/// The longest value an option takes (notes are the longest thing sent).
const VALUE_MAX: usize = 4_096;

/// A value given to an option: never empty, never longer than [`VALUE_MAX`].
fn text(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("it cannot be empty".into());
    }
    let n = value.chars().count();
    if n > VALUE_MAX {
        return Err(format!(
            "it is {n} characters long; at most {VALUE_MAX} are taken"
        ));
    }
    Ok(value.trim().to_owned())
}

fn usage(message: impl Into<String>) -> EngineError {
    EngineError::Invalid(ValidationError::new(
        "usage",
        format!("{}; see `switchboard help`", message.into()),
    ))
}

/// Runs a command if `args` name one; `None` means: open the window.
pub fn try_run(args: &[String]) -> Option<i32> {
    let first = args.iter().enumerate().find_map(|(i, a)| {
        let after_data_dir = i > 0 && args[i - 1] == "--data-dir";
        (!after_data_dir && a != "--data-dir").then_some(a.as_str())
    });
    let is_command = match first {
        Some(a) => {
            ["help", "-h", "--help", "-V", "--version"].contains(&a)
                || Cli::command().get_subcommands().any(|c| c.get_name() == a)
        }
        // `--data-dir` alone, or with no folder: a mistake worth saying.
        None => data_dir_missing(args),
    };
    if !is_command {
        return None;
    }
    output::quiet_on_closed_pipe();
    if data_dir_missing(args) {
        tell!("switchboard: --data-dir needs a folder: `--data-dir DIR`; see `switchboard help`");
        return Some(ErrorCode::InvalidInput.exit_code());
    }
    let cli = match Cli::try_parse_from(
        std::iter::once("switchboard".to_owned()).chain(args.iter().cloned()),
    ) {
        Ok(cli) => cli,
        Err(e) => return Some(clap_failure(&e)),
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
    Some(runtime.block_on(run(cli)))
}

/// A `--data-dir` with no folder after it (or an empty one) is an error, never
/// the default folder (nor the current one).
fn data_dir_missing(args: &[String]) -> bool {
    args.iter().enumerate().any(|(i, a)| {
        a == "--data-dir"
            && args
                .get(i + 1)
                .is_none_or(|d| d.trim().is_empty() || d.starts_with("--"))
    })
}

/// Help and the version go to standard output (exit 0); a usage mistake is
/// said as every other error is, and exits 2.
fn clap_failure(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ErrorCode::InvalidInput.exit_code()
            } else {
                0
            }
        }
        _ => {
            let rendered = e.render().to_string();
            let message =
                switchboard_domain::shorten_quoted(rendered.trim().trim_start_matches("error: "));
            tell!("switchboard: {message}");
            ErrorCode::InvalidInput.exit_code()
        }
    }
}

async fn run(cli: Cli) -> i32 {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "switchboard",
            &mut std::io::stdout(),
        );
        return 0;
    }
    let changes = matches!(
        cli.command,
        Command::Assign(_) | Command::Release(_) | Command::Queue(_) | Command::Status(_)
    );
    match open_and_run(cli).await {
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
            if keychain && changes {
                tell!(
                    "The change is journaled and waits for the keychain: once it answers, `switchboard queue send` (or the app) sends it."
                );
            }
            e.code().exit_code()
        }
    }
}

async fn open_and_run(cli: Cli) -> Result<i32, EngineError> {
    let config = Config::resolve(cli.data_dir).map_err(EngineError::Startup)?;
    if let Command::Db(args) = cli.command {
        return db::db(&config, args).await;
    }
    let ws = Arc::new(Workspace::open(config, Origin::Cli)?);
    // Demo connections need their simulator: start it here unless the app
    // already serves it on the same ports.
    let _ = ws.resume_demo().await;
    let result = command(&ws, cli.command).await;
    // The calls this command made count for the app's health and badges.
    let _ = ws.flush_calls().await;
    result
}

async fn command(ws: &Workspace, command: Command) -> Result<i32, EngineError> {
    match command {
        Command::Connections { json } => connections::list(ws, json).await,
        Command::Test { connection } => connections::test(ws, &connection).await,
        Command::Sync(args) => connections::sync(ws, args).await,
        Command::Export(args) => connections::export(ws, args).await,
        Command::Demo { no_sync } => connections::demo(ws, no_sync).await,
        Command::Assign(args) => changes::assign(ws, args).await,
        Command::Release(args) => changes::release(ws, args).await,
        Command::Reassign(args) => reassign::reassign(ws, args).await,
        Command::Plan(args) => plan::plan(ws, args).await,
        Command::Cover(args) => covers::cover(ws, args).await,
        Command::Covers(args) => covers::covers(ws, args).await,
        Command::Jobs(args) => jobs::jobs(ws, args).await,
        Command::Queue(args) => changes::queue(ws, args).await,
        Command::History(args) => history::history(ws, args).await,
        Command::Status(args) => status::status(ws, args).await,
        Command::Completions { .. } | Command::Db(_) => Ok(0),
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

/// The connection an option names, if one is given.
async fn connection_of(
    ws: &Workspace,
    reference: Option<&str>,
) -> Result<Option<ConnectionId>, EngineError> {
    let Some(reference) = reference else {
        return Ok(None);
    };
    let all = ws.connection_summaries().await?;
    Ok(Some(find(&all, reference)?.connection.id))
}

fn not_found(reference: &str) -> EngineError {
    EngineError::Store(switchboard_store::StoreError::NotFound {
        what: "connection",
        id: format!("'{reference}' (see `switchboard connections`)"),
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn long_values_are_not_echoed_whole() {
        let long = "9".repeat(10_000);
        let said = switchboard_domain::shorten_quoted(&format!(
            "invalid value '{long}' for '--target <TARGET>'"
        ));
        assert!(said.len() < 200, "{said}");
        assert!(said.contains("(10000 characters)") && said.contains("'--target <TARGET>'"));
    }
}
