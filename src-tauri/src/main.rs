// Hide the console window of release builds on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc instead of the system allocator: glibc's trims and regrows its heap
/// under the journal's allocation pattern, which made journaling a million
/// changes half again slower (see the README's benchmark figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // A command runs headless and exits; otherwise the window opens.
    if let Some(code) = switchboard_app::cli::try_run(&args) {
        std::process::exit(code);
    }
    switchboard_app::run();
}
