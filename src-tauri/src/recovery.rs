//! What the database recovery commands need from the running app, whatever
//! state it started in: the OS's Open dialog for a backup, and a restart on the
//! database chosen. Process-wide, set once the app runs (none in the IPC tests).

use std::path::PathBuf;
use std::sync::OnceLock;

type Restart = Box<dyn Fn() + Send + Sync>;
type Pick = Box<dyn Fn(PathBuf) -> Option<PathBuf> + Send + Sync>;

static RESTART: OnceLock<Restart> = OnceLock::new();
static PICK: OnceLock<Pick> = OnceLock::new();

/// Wires the dialog and the restart to the running app.
pub fn connect<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    let handle = app.clone();
    let _ = RESTART.set(Box::new(move || {
        // Leave the window a moment to hear the command's answer.
        let handle = handle.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            handle.restart();
        });
    }));
    let handle = app.clone();
    let _ = PICK.set(Box::new(move |folder| {
        use tauri::Manager;
        use tauri_plugin_dialog::DialogExt;
        let mut dialog = handle
            .dialog()
            .file()
            .add_filter("Switchboard backup", &["db"])
            .set_title("Open a backup")
            .set_directory(folder);
        if let Some(window) = handle.get_webview_window(crate::window::MAIN) {
            dialog = dialog.set_parent(&window);
        }
        dialog.blocking_pick_file().and_then(|p| p.into_path().ok())
    }));
}

/// Asks the manager for a backup file, starting in `folder` (`None`: cancelled,
/// or no dialog can be shown).
pub async fn pick_backup(folder: PathBuf) -> Option<PathBuf> {
    PICK.get()?;
    tokio::task::spawn_blocking(move || PICK.get().and_then(|pick| pick(folder)))
        .await
        .ok()
        .flatten()
}

/// Starts the app again (same arguments); `false` where it cannot.
pub fn restart() -> bool {
    match RESTART.get() {
        Some(restart) => {
            restart();
            true
        }
        None => false,
    }
}
