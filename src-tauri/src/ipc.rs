//! The IPC surface, declared once. `commands!` below generates, for each command,
//! the Tauri handler that calls `crate::commands::<name>` (so a command without a
//! plain handler fails to compile) and its typed TypeScript wrapper. The TypeScript
//! is committed in `ui/src/bindings/`; a test fails when it drifts from this file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use switchboard_engine::Diagnostics;
use switchboard_engine::database::DatabaseReport;
use ts_rs::{Dependency, TS};

use crate::api::*;
use crate::ts::{deps_of, export_if_declared, ts_config};
use switchboard_domain::PersonId;
use switchboard_domain::browse::{AgentRow, PersonRow, TargetPage, TargetQuery, TeamRow};
use switchboard_domain::connection::Connection;
use switchboard_domain::sync::SyncRun;
use switchboard_engine::agents::ImportReport;
use switchboard_engine::connections::{CheckOutcome, ConnectionSummary};
use switchboard_vendors::VendorInfo;

/// One command's TypeScript facts.
struct CommandSpec {
    name: &'static str,
    doc: &'static str,
    arg: Option<(&'static str, String)>,
    output: String,
    deps: Vec<Dependency>,
}

macro_rules! commands {
    ($( $(#[doc = $doc:literal])* fn $name:ident ( $($arg:ident : $argty:ty)? ) -> $ret:ty; )*) => {
        mod generated {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[doc = $doc])*
                #[tauri::command]
                pub async fn $name(state: tauri::State<'_, crate::AppState> $(, $arg: $argty)?) -> Result<$ret, IpcError> {
                    crate::commands::$name(state.inner() $(, $arg)?).await
                }
            )*
        }

        pub(crate) fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(generated::$name),*]
        }

        fn command_specs(cfg: &ts_rs::Config) -> Vec<CommandSpec> {
            vec![$(
                CommandSpec {
                    name: stringify!($name),
                    doc: concat!($($doc, "\n"),*),
                    arg: None$(.or(Some((stringify!($arg), <$argty as TS>::name(cfg)))))?,
                    output: <$ret as TS>::name(cfg),
                    deps: {
                        #[allow(unused_mut)]
                        let mut deps = deps_of::<$ret>(cfg);
                        $(deps.extend(deps_of::<$argty>(cfg));)?
                        deps
                    },
                },
            )*]
        }

        /// Writes every IPC type (and everything it refers to) into `dir`.
        fn export_types(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
            IpcError::export_all(cfg)?;
            $(
                $(<$argty as TS>::export_all(cfg)?;)?
                export_if_declared::<$ret>(cfg)?;
            )*
            Ok(())
        }
    };
}

commands! {
    /// Facts about this installation, with a live keychain check.
    fn diagnostics() -> Diagnostics;
    /// The database file's check (read-only, to the end), its backups, and any damaged file kept aside.
    fn database_report() -> DatabaseReport;
    /// Writes a consistent copy of the database to the backups folder; says where.
    fn backup_database() -> String;
    /// After damage: start with an empty database; the app restarts on it.
    fn start_fresh() -> ();
    /// Puts a backup in place of the database (the OS's Open dialog when no path is given; false when cancelled); the app restarts on it.
    fn restore_backup(request: RestoreRequest) -> bool;
    /// The window shows its first view's data: the start-up time in ms, printed once for logs and the start-up benchmark.
    fn window_ready() -> Option<u64>;
    /// Whether a newer Switchboard is on offer (never checked when this build has no update source).
    fn check_update() -> crate::updates::UpdateCheck;
    /// Downloads the newer version, checks its signature against this build's key, installs it and restarts.
    fn install_update() -> crate::updates::UpdateCheck;
    /// Stores or replaces a connection's secret in the OS keychain. It can never be read back.
    fn set_secret(request: SetSecretRequest) -> ();
    /// Whether a connection has a secret stored (without reading it).
    fn has_secret(request: ConnectionRef) -> bool;
    /// Deletes a connection's secret; `false` when there was none.
    fn delete_secret(request: ConnectionRef) -> bool;
    /// The vendors Switchboard connects to, with their form fields and capabilities.
    fn vendors() -> Vec<VendorInfo>;
    /// Every connection with its last sync, last check and cache sizes.
    fn list_connections() -> Vec<ConnectionSummary>;
    /// Adds a connection: the secret to the keychain, the rest to the database.
    fn create_connection(request: ConnectionFormRequest) -> Connection;
    /// Edits a connection; an empty secret keeps the stored one.
    fn update_connection(request: UpdateConnectionRequest) -> Connection;
    /// Removes a connection, its keychain entry and its cached data (history stays).
    fn remove_connection(request: ConnectionRef) -> ();
    /// Calls the vendor's cheapest read with the stored connection.
    fn test_connection(request: ConnectionRef) -> CheckOutcome;
    /// Tests what was typed in the form, without saving it.
    fn test_connection_form(request: ConnectionFormRequest) -> CheckOutcome;
    /// Starts the vendor simulator and adds the five demo connections.
    fn create_demo() -> Vec<Connection>;
    /// What went wrong while the app started (the demo's vendors, its first sync).
    fn startup_notices() -> Vec<String>;
    /// Syncs a connection, sending `sync-progress` events; cancel with `cancel_sync`.
    fn sync_connection(request: SyncRequest) -> SyncRun;
    /// Cancels a running sync; `false` when none was running.
    fn cancel_sync(request: ConnectionRef) -> bool;
    /// People with their agents on every connection, from the cache.
    fn list_people(request: SearchRequest) -> Vec<PersonRow>;
    /// Assigns agents to a target: journaled, sent, and reported per operation.
    fn assign(request: switchboard_engine::assign::AssignRequest) -> switchboard_engine::assign::JobOutcome;
    /// Who an assignment would reach, and who it would leave out and why; nothing is sent.
    fn preview_assign(request: switchboard_engine::assign::AssignRequest) -> switchboard_engine::preview::AssignPreview;
    /// The plan of handing everything a person holds to others, from the cache; nothing is sent.
    fn preview_reassign(request: switchboard_engine::reassign::ReassignRequest) -> switchboard_engine::reassign::ReassignPlan;
    /// Plans again, journals every item, and sends them in the background, each vendor at its own pace; `job_progress` watches it.
    fn start_reassign(request: switchboard_engine::reassign::ReassignRequest) -> switchboard_engine::reassign::StartedJob;
    /// How a job stands: its items by state, what is left, and the items in trouble.
    fn job_progress(request: JobRef) -> switchboard_engine::jobs::JobProgress;
    /// The plan that puts back what a reassignment moved; nothing is sent.
    fn preview_undo(request: JobRef) -> switchboard_engine::reassign::ReassignPlan;
    /// Journals the undo and sends it in the background; `job_progress` watches it.
    fn start_undo(request: JobRef) -> switchboard_engine::reassign::StartedJob;
    /// Sends a job's failed and unconfirmed items again, in the same job.
    fn retry_job(request: JobRef) -> Vec<switchboard_engine::journal::OperationResult>;
    /// Pauses a job: nothing more of it goes out until it is resumed (an item on its way finishes).
    fn pause_job(request: JobRef) -> switchboard_engine::jobs::JobSummary;
    /// Resumes a paused (or interrupted) job in the background; `job_progress` watches it.
    fn resume_job(request: JobRef) -> switchboard_engine::jobs::JobSummary;
    /// Cancels what a job has not sent yet; what it did stays (undo puts it back).
    fn cancel_job(request: JobRef) -> switchboard_engine::jobs::JobSummary;
    /// Writes a job's items, with how each ended, to a CSV file the manager chooses (null: they cancelled).
    fn export_job(request: JobExportRequest) -> Option<ExportResult>;
    /// Writes a reassignment's plan, from the cache, to a CSV file the manager chooses (null: they cancelled).
    fn export_reassign_plan(request: switchboard_engine::reassign::ReassignRequest) -> Option<ExportResult>;
    /// Checks an assignment plan's every row against the cache; nothing is sent.
    fn check_plan(request: PlanText) -> switchboard_engine::plans::PlanCheck;
    /// Checks the plan again, journals it as one job and sends it in the background; `job_progress` watches it.
    fn start_plan(request: PlanText) -> switchboard_engine::reassign::StartedJob;
    /// A CSV file the manager chooses in the OS's Open dialog, as text (null: they cancelled).
    fn open_csv(request: OpenCsvRequest) -> Option<PlanText>;
    /// Writes the assignment plan's template to a CSV file the manager chooses (null: they cancelled).
    fn export_plan_template() -> Option<ExportResult>;
    /// Writes a plan's rows with their errors (a last column) to a CSV file the manager chooses (null: they cancelled).
    fn export_plan_errors(request: PlanText) -> Option<ExportResult>;
    /// Every cover: under way, upcoming, then ended and cancelled.
    fn list_covers() -> Vec<switchboard_engine::covers::CoverRow>;
    /// What a cover's start would move if it started now, from the cache; nothing is saved or sent.
    fn preview_cover(request: CoverPreview) -> switchboard_engine::reassign::ReassignPlan;
    /// Checks and saves a cover; one already due starts at once (`covers-ran` says how it went).
    fn add_cover(request: switchboard_engine::covers::CoverRequest) -> switchboard_engine::covers::CoverRow;
    /// Changes a cover (once under way: its end, note and whether new work follows).
    fn edit_cover(request: CoverEdit) -> switchboard_engine::covers::CoverRow;
    /// Moves a cover's end.
    fn extend_cover(request: CoverExtend) -> switchboard_engine::covers::CoverRow;
    /// Cancels a cover that has not started.
    fn cancel_cover(request: CoverRef) -> switchboard_engine::covers::CoverRow;
    /// Ends a cover now; the work goes back in the background (`covers-ran`).
    fn end_cover(request: CoverRef) -> switchboard_engine::covers::CoverRow;
    /// Unassigns a target (HelpCrunch, Splashify Pro): journaled and sent.
    fn release(request: switchboard_engine::assign::ReleaseRequest) -> switchboard_engine::assign::JobOutcome;
    /// Sends the changes waiting for their vendor, now.
    fn send_queued() -> Vec<switchboard_engine::assign::OperationResult>;
    /// How many changes wait (queued, being sent, in conflict).
    fn queue_counts() -> switchboard_domain::job::QueueCounts;
    /// Cancels a waiting change (queued, or in conflict: "drop it").
    fn cancel_operation(request: OperationRef) -> switchboard_domain::job::OperationState;
    /// Sends a waiting or failed change again; `apply_anyway` settles a conflict.
    fn retry_operation(request: RetryRequest) -> switchboard_engine::assign::OperationResult;
    /// One operation with the cached agents it was for (to edit a waiting change).
    fn get_operation(request: OperationRef) -> OperationDetail;
    /// One page of History, newest first, from SQLite only.
    fn history(request: switchboard_domain::job::HistoryQuery) -> switchboard_domain::job::HistoryPage;
    /// Writes History matching the filters to a CSV file the manager chooses (null: they cancelled).
    fn export_history(request: switchboard_domain::job::HistoryQuery) -> Option<ExportResult>;
    /// Re-reads one target's assignees from its vendor (where it can) into the cache.
    fn refresh_target(request: TargetRef) -> switchboard_domain::browse::TargetRow;
    /// The people the filter keeps (each with all their agents) with their current status, teams, the tenants' statuses, and how fresh each is.
    fn status_board(request: switchboard_engine::board::BoardFilter) -> switchboard_engine::statuses::StatusBoard;
    /// Reads every agent's status on a connection now.
    fn poll_statuses(request: ConnectionRef) -> switchboard_engine::statuses::PollReport;
    /// The board is open and visible (renew every few seconds) or closed: polling follows.
    fn watch_statuses(request: WatchRequest) -> ();
    /// Time in each status per bucket, for a person, team, agent or everyone (SQLite only).
    fn status_chart(request: switchboard_domain::dashboard::StatusChartQuery) -> switchboard_domain::dashboard::StatusChart;
    /// Each agent's statuses over a range as stretches; gaps are unknown.
    fn status_timelines(request: switchboard_domain::dashboard::StatusChartQuery) -> Vec<switchboard_domain::dashboard::AgentTimeline>;
    /// Logins and logouts per agent per day, and pick-up times per agent and team, from the vendors' activity logs (SQLite only).
    fn activity_summary(request: switchboard_domain::dashboard::StatusChartQuery) -> switchboard_domain::dashboard::ActivitySummary;
    /// Open work per person, unassigned targets, expiring assignments, connection health.
    fn workload(request: switchboard_engine::dashboards::WorkloadQuery) -> switchboard_domain::dashboard::Workload;
    /// People away on a status platform who still own open work elsewhere.
    fn mismatches() -> Vec<switchboard_domain::dashboard::Mismatch>;
    /// Writes a chart's data (the table the window shows) to a CSV file the manager chooses (null: they cancelled).
    fn save_export(request: switchboard_engine::export::Table) -> Option<ExportResult>;
    /// Moves agents and whole teams to a status: journaled, sent in one call, reported per agent.
    fn set_status(request: switchboard_engine::statuses::SetStatusRequest) -> switchboard_engine::statuses::StatusOutcome;
    /// Agents of every connection with their person, from the cache.
    fn list_agents(request: AgentQuery) -> Vec<AgentRow>;
    /// Teams and departments with members, from the cache.
    fn list_teams(request: ConnectionFilter) -> Vec<TeamRow>;
    /// One page of targets with their assignees, from the cache.
    fn list_targets(request: TargetQuery) -> TargetPage;
    /// Adds an agent by hand (vendors that cannot list theirs).
    fn add_agent(request: AddAgentRequest) -> ImportReport;
    /// Imports agents from CSV; nothing is imported if any row is wrong.
    fn import_agents_csv(request: ImportCsvRequest) -> ImportReport;
    /// Links an agent to a person by hand.
    fn link_agent(request: LinkAgentRequest) -> ();
    /// Unlinks an agent from its person.
    fn unlink_agent(request: AgentRequest) -> PersonId;
}

fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

const HEADER: &str = "// Generated by `src-tauri/src/ipc.rs` (SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard --lib bindings). Do not edit.\n";

fn commands_ts(cfg: &ts_rs::Config) -> String {
    let specs = command_specs(cfg);
    let events = event_specs(cfg);
    let mut imports: BTreeMap<String, PathBuf> = BTreeMap::new();
    imports.insert("IpcError".into(), "IpcError.ts".into());
    for dep in specs
        .iter()
        .flat_map(|s| &s.deps)
        .chain(events.iter().flat_map(|e| &e.deps))
    {
        imports.insert(dep.ts_name.clone(), dep.output_path.clone());
    }
    let mut out = String::from(HEADER);
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    out.push_str("import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";\n");
    for (name, path) in &imports {
        let module = path.with_extension("");
        out.push_str(&format!(
            "import type {{ {name} }} from \"./{}\";\n",
            module.display()
        ));
    }
    out.push_str("\nexport type { IpcError };\n\n/** Every command, by its Rust name. */\nexport const COMMANDS = [\n");
    for spec in &specs {
        out.push_str(&format!("  \"{}\",\n", spec.name));
    }
    out.push_str("] as const;\n");
    for spec in &specs {
        out.push('\n');
        let doc = spec.doc.trim();
        if !doc.is_empty() {
            out.push_str("/**\n");
            for line in doc.lines() {
                out.push_str(&format!(" * {}\n", line.trim()));
            }
            out.push_str(" * @throws {IpcError}\n */\n");
        }
        let func = camel_case(spec.name);
        match &spec.arg {
            Some((arg, ty)) => out.push_str(&format!(
                "export function {func}({arg}: {ty}): Promise<{}> {{\n  return invoke(\"{}\", {{ {arg} }});\n}}\n",
                spec.output, spec.name
            )),
            None => out.push_str(&format!(
                "export function {func}(): Promise<{}> {{\n  return invoke(\"{}\");\n}}\n",
                spec.output, spec.name
            )),
        }
    }
    for event in &events {
        out.push('\n');
        out.push_str(&format!("/** {} */\n", event.doc.trim()));
        out.push_str(&format!(
            "export function {}(handler: (payload: {}) => void): Promise<UnlistenFn> {{\n  return listen<{}>(\"{}\", (event) => handler(event.payload));\n}}\n",
            event.listener, event.payload, event.payload, event.name
        ));
    }
    out
}

/// Writes the complete bindings folder (types and `commands.ts`) into `dir`.
pub fn typescript_bindings(dir: &std::path::Path) -> Result<(), String> {
    let cfg = ts_config().with_out_dir(dir);
    export_types(&cfg).map_err(|e| format!("exporting types: {e}"))?;
    export_event_types(&cfg).map_err(|e| format!("exporting event types: {e}"))?;
    std::fs::write(dir.join("commands.ts"), commands_ts(&cfg))
        .map_err(|e| format!("writing commands.ts: {e}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    fn read_tree(dir: &Path) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_file() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
        files
    }

    /// The committed TypeScript must be exactly what the Rust types generate.
    /// To update it: `SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard --lib bindings`.
    #[test]
    fn bindings_are_current() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings");
        let fresh = tempfile::tempdir().expect("temp dir");
        super::typescript_bindings(fresh.path()).expect("generate");
        if std::env::var_os("SWITCHBOARD_WRITE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            std::fs::create_dir_all(&committed).expect("create bindings dir");
            super::typescript_bindings(&committed).expect("write bindings");
            return;
        }
        let (want, have) = (read_tree(fresh.path()), read_tree(&committed));
        let stale: Vec<_> = want
            .keys()
            .chain(have.keys())
            .filter(|k| want.get(*k) != have.get(*k))
            .collect();
        assert!(
            stale.is_empty(),
            "ui/src/bindings is out of date with the Rust types ({stale:?}); \
             run `SWITCHBOARD_WRITE_BINDINGS=1 cargo test -p switchboard --lib bindings` and commit the result"
        );
    }

    #[test]
    fn camel_case_matches_tauri() {
        assert_eq!(super::camel_case("set_secret"), "setSecret");
        assert_eq!(super::camel_case("diagnostics"), "diagnostics");
    }
}
