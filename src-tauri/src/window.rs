//! The main window as a desktop app keeps it: one instance per data folder (a
//! second launch brings the first to the front), its size and place remembered
//! in the data folder, and a first size that fits small screens.

use std::path::{Path, PathBuf};

use tauri::Manager;

/// The window's label; capabilities and the notifier name it.
pub const MAIN: &str = "main";

/// The size the window opens at the first time, screen allowing (logical px).
const FIRST_SIZE: (f64, f64) = (1280.0, 820.0);
/// The least size the views are laid out for.
const MIN_SIZE: (f64, f64) = (900.0, 600.0);
/// How much of a small screen a first window takes.
const SCREEN_SHARE: f64 = 0.9;

/// The main window. Its webview keeps its own storage (caches, local storage) in
/// `<data folder>/webview`, so everything the app writes follows `--data-dir`.
/// The window-state plugin then moves it to where it was last time.
pub fn open_main(
    app: &mut tauri::App,
    data_dir: Option<&Path>,
    view: Option<&str>,
) -> tauri::Result<()> {
    let screen = app.primary_monitor().ok().flatten().map(|m| {
        let size = m.size().to_logical::<f64>(m.scale_factor());
        (size.width, size.height)
    });
    let (first, min) = first_size(screen);
    // The UI reads the view to open from the address's fragment.
    let page = match view {
        Some(view) => format!("index.html#{view}"),
        None => "index.html".to_owned(),
    };
    let mut window =
        tauri::WebviewWindowBuilder::new(app, MAIN, tauri::WebviewUrl::App(page.into()))
            .title("Switchboard")
            .inner_size(first.0, first.1)
            .min_inner_size(min.0, min.1)
            .center();
    if let Some(dir) = data_dir {
        window = window.data_directory(dir.join("webview"));
    }
    let window = window.build()?;
    save_when_moved(&window);
    Ok(())
}

/// The flags the window's state is kept with.
fn state_flags() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// How long the window must keep still before its new size or place is saved.
const SAVE_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Saves the window's size and place once it has stopped moving for half a
/// second, not only when the app exits: a machine that loses power, or a
/// killed process, still opens the window where it was.
fn save_when_moved<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let moves = Arc::new(AtomicU64::new(0));
    let app = window.app_handle().clone();
    window.on_window_event(move |event| {
        if !matches!(
            event,
            tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
        ) {
            return;
        }
        let this = moves.fetch_add(1, Ordering::SeqCst) + 1;
        let (moves, app) = (moves.clone(), app.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(SAVE_AFTER).await;
            if moves.load(Ordering::SeqCst) == this {
                use tauri_plugin_window_state::AppHandleExt;
                if let Err(e) = app.save_window_state(state_flags()) {
                    eprintln!("switchboard: the window's size and place were not saved: {e}");
                }
            }
        });
    });
}

/// The first size and the least size for a screen of `screen` logical pixels
/// (unknown: the usual sizes). Neither is larger than 90% of the screen.
pub fn first_size(screen: Option<(f64, f64)>) -> ((f64, f64), (f64, f64)) {
    let Some((w, h)) = screen.filter(|(w, h)| *w > 0.0 && *h > 0.0) else {
        return (FIRST_SIZE, MIN_SIZE);
    };
    let (fw, fh) = (w * SCREEN_SHARE, h * SCREEN_SHARE);
    let first = (FIRST_SIZE.0.min(fw).floor(), FIRST_SIZE.1.min(fh).floor());
    let min = (MIN_SIZE.0.min(first.0), MIN_SIZE.1.min(first.1));
    (first, min)
}

/// Remembers the window's size, place and maximised state in
/// `<data folder>/window-state.json` (not its visibility: it always opens shown).
pub fn state_plugin<R: tauri::Runtime>(data_dir: Option<&Path>) -> tauri::plugin::TauriPlugin<R> {
    let mut builder = tauri_plugin_window_state::Builder::new().with_state_flags(state_flags());
    if let Some(dir) = data_dir {
        // An absolute name: the plugin joins it to its folder, which it replaces.
        builder = builder.with_filename(dir.join(WINDOW_STATE_FILE).display().to_string());
    }
    builder.build()
}

/// Where the window's size and place are kept, in the data folder.
pub const WINDOW_STATE_FILE: &str = "window-state.json";

/// Brings the window to the front: shown, not minimised, focused.
pub fn bring_to_front<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// One instance per data folder. A second launch on the same folder hands its
/// arguments to `on_second` (in the first instance) and exits, so two background
/// senders never work on one database. The CLI is not affected: it never opens
/// a window, and the job lease keeps it apart from the app's jobs.
///
/// On Linux the instance is a D-Bus name derived from the data folder, so
/// windows on other folders (a test's, `--data-dir`) run side by side. On
/// Windows and macOS the plugin knows only the app's identifier: there it
/// guards the default data folder only (`None` for any other).
pub fn single_instance_plugin<R: tauri::Runtime>(
    identifier: &str,
    data_dir: Option<&Path>,
    custom_folder: bool,
    on_second: impl Fn(&tauri::AppHandle<R>, Vec<String>) + Send + Sync + 'static,
) -> Option<tauri::plugin::TauriPlugin<R>> {
    let builder = tauri_plugin_single_instance::Builder::new()
        .callback(move |app, argv, _cwd| on_second(app, argv.into_iter().skip(1).collect()));
    #[cfg(target_os = "linux")]
    {
        let _ = custom_folder;
        Some(builder.dbus_id(instance_id(identifier, data_dir)).build())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (identifier, data_dir);
        (!custom_folder).then(|| builder.build())
    }
}

/// The instance's name for a data folder: the identifier and a stable hash of
/// the folder's canonical path (FNV-1a: the same in every build), as a D-Bus
/// element (it may not start with a digit).
pub fn instance_id(identifier: &str, data_dir: Option<&Path>) -> String {
    let Some(dir) = data_dir else {
        return identifier.to_string();
    };
    let path: PathBuf = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.to_string_lossy().as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{identifier}.w{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_window_fits_a_small_screen_and_keeps_the_usual_size_on_a_large_one() {
        assert_eq!(first_size(None), (FIRST_SIZE, MIN_SIZE));
        assert_eq!(first_size(Some((2560.0, 1440.0))), (FIRST_SIZE, MIN_SIZE));
        // A 1366x768 laptop: the height shrinks to 90% of the screen.
        assert_eq!(
            first_size(Some((1366.0, 768.0))),
            ((1229.0, 691.0), MIN_SIZE)
        );
        // An 800x600 screen: neither size is larger than 90% of it.
        assert_eq!(
            first_size(Some((800.0, 600.0))),
            ((720.0, 540.0), (720.0, 540.0))
        );
        assert_eq!(first_size(Some((0.0, 0.0))), (FIRST_SIZE, MIN_SIZE));
    }

    #[test]
    fn each_data_folder_is_its_own_instance_and_the_name_is_a_dbus_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = instance_id("io.switchboard.desktop", Some(dir.path()));
        let b = instance_id("io.switchboard.desktop", Some(&dir.path().join("other")));
        assert_ne!(a, b);
        assert_eq!(a, instance_id("io.switchboard.desktop", Some(dir.path())));
        // The same folder written another way is the same instance.
        let dotted = dir.path().join(".");
        assert_eq!(a, instance_id("io.switchboard.desktop", Some(&dotted)));
        let last = a.rsplit('.').next().expect("an element");
        assert!(last.starts_with('w') && last.len() == 17, "{a}");
        assert_eq!(
            instance_id("io.switchboard.desktop", None),
            "io.switchboard.desktop"
        );
    }
}
