//! The desktop app: a Tauri window over the engine. Commands are thin: they parse
//! the request, call the engine, and map its error to `{code, message}`.

mod api;
pub mod cli;
mod commands;
mod dialogs;
mod ipc;
mod recovery;
mod startup;
mod state;
mod ts;
pub mod updates;
pub mod window;

use std::sync::Arc;

use switchboard_domain::Timestamp;
use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::{Config, Workspace};

pub use api::IpcError;
pub use ipc::typescript_bindings;
pub use state::AppState;

/// The app's command-line flags (all optional).
const USAGE: &str = "usage: switchboard [--data-dir DIR] [--demo] [--view VIEW]

  --data-dir DIR   keep the database (and the window's storage) in DIR
  --demo           with no connections yet, start the demo workspace and sync it
  --view VIEW      open on this view: assign, status, dashboards, history, covers,
                   connections, people, agents, teams, targets or diagnostics";

/// The views `--view` can open the window on (the UI's areas).
const VIEWS: &[&str] = &[
    "assign",
    "status",
    "dashboards",
    "history",
    "covers",
    "connections",
    "people",
    "agents",
    "teams",
    "targets",
    "diagnostics",
];

/// How the window was asked to start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartOptions {
    pub demo: bool,
    /// The view the window opens on (one of [`VIEWS`]).
    pub view: Option<&'static str>,
}

/// Opens the workspace for this process. A failure does not stop the app: the
/// window opens and says what is wrong (a newer database, no data folder).
pub fn open_state(args: &[String]) -> Result<(AppState, StartOptions), String> {
    let (data_dir, options) = parse_args(args)?;
    let state = match Config::resolve(data_dir) {
        Ok(config) => match Workspace::open(config.clone(), Origin::App) {
            Ok(ws) => AppState::ready(ws),
            Err(error) => AppState::failed(Some(config), error),
        },
        Err(message) => AppState::failed(None, switchboard_engine::EngineError::Startup(message)),
    };
    Ok((state, options))
}

/// The window's flags: the data folder given, and how to start; or the usage.
pub fn parse_args(args: &[String]) -> Result<(Option<std::path::PathBuf>, StartOptions), String> {
    let mut data_dir = None;
    let mut options = StartOptions::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => {
                let dir = args
                    .next()
                    .filter(|d| !d.trim().is_empty() && !d.starts_with("--"))
                    .ok_or_else(|| format!("--data-dir needs a folder\n{USAGE}"))?;
                data_dir = Some(dir.into());
            }
            "--demo" => options.demo = true,
            "--view" => {
                let name = args.next().map(String::as_str).unwrap_or_default();
                let view = VIEWS
                    .iter()
                    .find(|v| **v == name)
                    .ok_or_else(|| format!("--view needs one of: {}\n{USAGE}", VIEWS.join(", ")))?;
                options.view = Some(view);
            }
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    Ok((data_dir, options))
}

/// Sets the app up on a builder: the binary passes Tauri's default one, the IPC
/// tests the mock runtime's. `then` runs once the app exists (the binary opens its
/// window there).
pub fn configure<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
    then: impl FnOnce(&mut tauri::App<R>) -> tauri::Result<()> + Send + 'static,
) -> tauri::Builder<R> {
    builder
        .manage(state)
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(ipc::handler())
        .setup(move |app| {
            connect_events(app.handle());
            then(app)?;
            Ok(())
        })
}

/// Wires the app's events and OS notifications to the running app (the setup
/// hook does it; the IPC tests, whose app never runs an event loop, call it).
pub fn connect_events<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::{Emitter, Manager};
    let handle = app.clone();
    app.state::<AppState>().set_emitter(move |name, payload| {
        let _ = handle.emit(name, payload);
    });
    let handle = app.clone();
    app.state::<AppState>().set_notifier(move |title, body| {
        use tauri_plugin_notification::NotificationExt;
        let in_front = handle
            .get_webview_window(window::MAIN)
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(false);
        if in_front {
            return;
        }
        // A desktop without a notification service says so in the log only.
        if let Err(e) = handle
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
        {
            eprintln!("switchboard: no OS notification ({e}): {title}: {body}");
        }
    });
}

/// The least time between two reads of a connection's statuses while the board
/// watches (a read of many agents waits longer: twice what it took).
const STATUS_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// How often the window takes the cover steps that are due.
const COVER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// How long start-up work waits for the window's first data before it begins
/// anyway (a window that never says so, or a very slow machine).
const FIRST_PAINT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// How often the background sender looks for changes waiting for their vendor.
const SENDER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15);

/// On start: brings the demo simulator back for existing demo connections, sends
/// the changes that were waiting (queued, or cut off by a stop mid-call), and with
/// `--demo` on an empty workspace creates the demo and syncs it.
async fn on_start(ready: Arc<state::Ready>, options: StartOptions) {
    startup::first_paint(FIRST_PAINT_WAIT).await;
    let ws = &ready.workspace;
    if let Err(e) = ws.resume_demo().await {
        ready.notice(format!(
            "The demo's vendors could not start again, so the demo connections cannot be reached: {e}"
        ));
    }
    // At start nothing of this process is sending: every `sending` change was
    // cut off by a stop and goes out again.
    if let Err(e) = ws.send_queued().await {
        eprintln!("switchboard: waiting changes could not be sent: {e}");
    }
    {
        // The background sender: what waits goes out when its vendor is back.
        let ready = ready.clone();
        tauri::async_runtime::spawn(async move {
            let ws = &ready.workspace;
            ws.run_sender(
                SENDER_INTERVAL,
                || true,
                |_| {
                    let ready = ready.clone();
                    tauri::async_runtime::spawn(async move {
                        if let Ok(counts) = ready.workspace.queue_counts().await {
                            ready.queue_changed(counts);
                        }
                    });
                },
            )
            .await;
        });
    }
    {
        // The cover scheduler: a start or end that fell while Switchboard was
        // closed runs now; then every half minute.
        let ready = ready.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                commands::run_due(&ready).await;
                tokio::time::sleep(COVER_INTERVAL).await;
            }
        });
    }
    {
        // The status poller: reads statuses while the board is open and visible.
        let ready = ready.clone();
        tauri::async_runtime::spawn(async move {
            let watching = || {
                ready
                    .status_watch_until
                    .load(std::sync::atomic::Ordering::SeqCst)
                    > Timestamp::now().0
            };
            ready
                .workspace
                .run_status_poller(
                    STATUS_POLL_INTERVAL,
                    || true,
                    watching,
                    |result| {
                        let event = match result {
                            Ok(report) => api::PollEvent {
                                connection_id: report.connection_id,
                                report: Some(report.clone()),
                                error: None,
                            },
                            Err((connection_id, e)) => api::PollEvent {
                                connection_id,
                                report: None,
                                error: Some(e.to_string()),
                            },
                        };
                        ready.emit(api::AppEvent::StatusPolled(event));
                    },
                )
                .await;
        });
    }
    if options.demo {
        start_demo(&ready).await;
    }
}

/// `--demo`: on an empty workspace, creates the demo's connections (its vendors
/// on the simulator) and syncs them; a workspace with connections is left as is.
async fn start_demo(ready: &state::Ready) {
    let ws = &ready.workspace;
    let created = match ws.connection_summaries().await {
        Ok(list) if list.is_empty() => ws.create_demo().await,
        Ok(_) => return,
        Err(e) => Err(e),
    };
    match created {
        Ok(connections) => {
            for c in connections {
                let emit = |p| ready.emit(api::AppEvent::SyncProgress(p));
                if let Err(e) = ws
                    .sync(c.id, SyncMode::Full, &emit, &Default::default())
                    .await
                {
                    ready.notice(format!("Syncing {} failed: {e}", c.display_name));
                }
            }
        }
        Err(e) => ready.notice(format!("The demo workspace could not start: {e}")),
    }
}

/// A second launch on this data folder: the window comes to the front, and its
/// `--demo` starts the demo when the workspace is empty. Other arguments were
/// for the first launch to take (`--data-dir` chose this instance).
fn on_second_launch<R: tauri::Runtime>(app: &tauri::AppHandle<R>, args: Vec<String>) {
    use tauri::Manager;
    window::bring_to_front(app);
    if !args.iter().any(|a| a == "--demo") {
        return;
    }
    if let AppState::Ready(ready) = app.state::<AppState>().inner() {
        let ready = ready.clone();
        tauri::async_runtime::spawn(async move { start_demo(&ready).await });
    }
}

pub fn run() {
    startup::started();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (state, options) = match open_state(&args) {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let data_dir = state.data_dir();
    let context = tauri::generate_context!();
    let mut builder = tauri::Builder::default();
    // First: a second launch exits here, before anything else starts.
    if let Some(single) = window::single_instance_plugin(
        &context.config().identifier,
        data_dir.as_deref(),
        data_dir != Config::default_data_dir(),
        on_second_launch,
    ) {
        builder = builder.plugin(single);
    }
    builder = builder
        .plugin(window::state_plugin(data_dir.as_deref()))
        .plugin(tauri_plugin_dialog::init());
    // A build without an update source has no updater at all.
    let update_source = updates::UpdateSource::built_in();
    if let Some(source) = &update_source {
        builder = builder.plugin(updates::plugin(source));
    }
    let app = configure(builder, state, move |app| {
        use tauri::Manager;
        window::open_main(app, data_dir.as_deref(), options.view)?;
        dialogs::connect(app.handle());
        recovery::connect(app.handle());
        updates::connect(app.handle(), update_source);
        if let AppState::Ready(ready) = app.state::<AppState>().inner() {
            tauri::async_runtime::spawn(on_start(ready.clone(), options));
        }
        Ok(())
    })
    .run(context);
    if let Err(err) = app {
        eprintln!("Switchboard could not start its window: {err}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(Option<std::path::PathBuf>, StartOptions), String> {
        parse_args(&args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn the_window_flags_are_read_or_refused_with_the_usage() {
        let (dir, options) =
            parse(&["--demo", "--view", "status", "--data-dir", "/tmp/sb"]).expect("valid");
        assert_eq!(dir, Some("/tmp/sb".into()));
        assert_eq!(
            options,
            StartOptions {
                demo: true,
                view: Some("status")
            }
        );
        let wrong = parse(&["--view", "nowhere"]).expect_err("unknown view");
        assert!(
            wrong.starts_with("--view needs one of: assign, status,"),
            "{wrong}"
        );
        assert!(parse(&["--view"]).is_err());
        assert!(
            parse(&["--data-dir", "--demo"])
                .expect_err("no folder")
                .starts_with("--data-dir needs a folder")
        );
        assert!(
            parse(&["--fast"])
                .expect_err("unknown")
                .contains("usage: switchboard")
        );
    }
}
