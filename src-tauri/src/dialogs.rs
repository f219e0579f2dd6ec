//! The OS's own file dialogs (tauri-plugin-dialog), asked from Rust so the
//! window never names a path the app then writes: Save as… for every export,
//! Open… for CSV files to import.

use std::path::PathBuf;

use crate::AppState;

/// What the manager is asked for.
#[derive(Debug, Clone)]
pub enum FileAsk {
    /// Where to save a CSV export: the dialog opens in `folder` with `name`.
    Save { folder: PathBuf, name: String },
    /// A CSV file to read.
    Open { title: String },
}

/// The manager's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Chosen(PathBuf),
    Cancelled,
    /// No dialog can be shown (Tauri's mock runtime in the IPC tests).
    NoDialog,
}

/// Shows the dialogs over the main window once the app runs.
pub fn connect<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    let handle = app.clone();
    app.state::<AppState>().set_file_picker(move |ask| {
        use tauri_plugin_dialog::DialogExt;
        let mut dialog = handle
            .dialog()
            .file()
            .add_filter("CSV (comma-separated values)", &["csv"]);
        if let Some(window) = handle.get_webview_window(crate::window::MAIN) {
            dialog = dialog.set_parent(&window);
        }
        let picked = match ask {
            FileAsk::Save { folder, name } => dialog
                .set_title("Save as")
                .set_directory(folder)
                .set_file_name(name)
                .blocking_save_file(),
            FileAsk::Open { title } => dialog.set_title(title).blocking_pick_file(),
        };
        picked.and_then(|p| p.into_path().ok())
    });
}
