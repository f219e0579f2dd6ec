use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use switchboard_domain::ConnectionId;
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, EngineError, Workspace};

use crate::api::{AppEvent, IpcError};

type Emitter = Box<dyn Fn(&str, serde_json::Value) + Send + Sync>;
type Notifier = Box<dyn Fn(&str, &str) + Send + Sync>;
type Picker = Box<dyn Fn(crate::dialogs::FileAsk) -> Option<std::path::PathBuf> + Send + Sync>;

/// What the commands work on: an open workspace, or the reason there is none.
pub enum AppState {
    Ready(Arc<Ready>),
    Failed {
        config: Option<Config>,
        error: EngineError,
    },
}

pub struct Ready {
    pub workspace: Arc<Workspace>,
    /// Syncs under way, by connection, so they can be cancelled.
    pub syncs: Mutex<HashMap<ConnectionId, Cancel>>,
    /// The status board is open and visible until this time (epoch ms): the
    /// window renews it while it is, so a closed or crashed board stops polling.
    pub status_watch_until: AtomicI64,
    /// What went wrong while starting (the demo's simulator, its first sync),
    /// for the window to say: stderr alone is read by nobody.
    pub notices: Mutex<Vec<String>>,
    /// How many changes needed the manager's decision at the last count.
    decisions: AtomicU32,
    emitter: OnceLock<Emitter>,
    notifier: OnceLock<Notifier>,
    picker: OnceLock<Arc<Picker>>,
}

impl Ready {
    /// Keeps a start-up problem for the window, and prints it for logs.
    pub fn notice(&self, message: String) {
        eprintln!("switchboard: {message}");
        if let Ok(mut list) = self.notices.lock() {
            list.push(message);
        }
    }

    /// Tells the manager through the OS (a notification) when the window is
    /// not in front; nothing where the OS has no notifications.
    pub fn notify_away(&self, title: &str, body: &str) {
        if let Some(notify) = self.notifier.get() {
            notify(title, body);
        }
    }

    /// Asks the manager for a file through the OS's own dialog, off the async
    /// workers (the dialog blocks until answered).
    pub async fn pick_file(&self, ask: crate::dialogs::FileAsk) -> crate::dialogs::Picked {
        use crate::dialogs::Picked;
        let Some(picker) = self.picker.get().cloned() else {
            return Picked::NoDialog;
        };
        match tokio::task::spawn_blocking(move || picker(ask)).await {
            Ok(Some(path)) => Picked::Chosen(path),
            Ok(None) | Err(_) => Picked::Cancelled,
        }
    }

    /// Tells the window how many changes wait, and the OS (when the window is
    /// not in front) when more of them than before need the manager's decision.
    pub fn queue_changed(&self, counts: switchboard_domain::job::QueueCounts) {
        let decisions = counts.conflict + counts.unknown;
        let before = self.decisions.swap(decisions, Ordering::SeqCst);
        if decisions > before {
            let title = if decisions == 1 {
                "1 change needs your decision".to_owned()
            } else {
                format!("{decisions} changes need your decision")
            };
            self.notify_away(
                &title,
                "In conflict at the vendor, or sent but not confirmed: History shows each, with what to do.",
            );
        }
        self.emit(AppEvent::QueueChanged(counts));
    }

    /// Sends an event to the window (nothing before the app is set up).
    pub fn emit(&self, event: AppEvent) {
        if let Some(emit) = self.emitter.get() {
            emit(event.name(), event.payload());
        }
    }
}

impl AppState {
    pub fn ready(workspace: Workspace) -> Self {
        AppState::Ready(Arc::new(Ready {
            workspace: Arc::new(workspace),
            syncs: Mutex::new(HashMap::new()),
            status_watch_until: AtomicI64::new(0),
            notices: Mutex::new(Vec::new()),
            decisions: AtomicU32::new(0),
            emitter: OnceLock::new(),
            notifier: OnceLock::new(),
            picker: OnceLock::new(),
        }))
    }

    pub fn failed(config: Option<Config>, error: EngineError) -> Self {
        AppState::Failed { config, error }
    }

    /// Where events go, once the app exists.
    pub fn set_emitter(&self, emit: impl Fn(&str, serde_json::Value) + Send + Sync + 'static) {
        if let AppState::Ready(ready) = self {
            let _ = ready.emitter.set(Box::new(emit));
        }
    }

    /// How the manager is told of a long job's end when the window is not in front.
    pub fn set_notifier(&self, notify: impl Fn(&str, &str) + Send + Sync + 'static) {
        if let AppState::Ready(ready) = self {
            let _ = ready.notifier.set(Box::new(notify));
        }
    }

    /// How the manager is asked for a file (the OS's dialogs, once the app runs).
    pub fn set_file_picker(
        &self,
        pick: impl Fn(crate::dialogs::FileAsk) -> Option<std::path::PathBuf> + Send + Sync + 'static,
    ) {
        if let AppState::Ready(ready) = self {
            let _ = ready.picker.set(Arc::new(Box::new(pick)));
        }
    }

    /// The data folder in use, when one could be determined.
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        match self {
            AppState::Ready(ready) => Some(ready.workspace.config().data_dir.clone()),
            AppState::Failed { config, .. } => config.as_ref().map(|c| c.data_dir.clone()),
        }
    }

    /// The workspace, or the start-up error every command answers with.
    pub fn workspace(&self) -> Result<Arc<Workspace>, IpcError> {
        self.running().map(|ready| ready.workspace.clone())
    }

    /// The running app (its workspace and its events), or the start-up error.
    pub fn running(&self) -> Result<Arc<Ready>, IpcError> {
        match self {
            AppState::Ready(ready) => Ok(ready.clone()),
            AppState::Failed { error, .. } => Err(IpcError::from(error)),
        }
    }
}
