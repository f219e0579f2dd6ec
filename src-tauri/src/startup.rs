//! The start-up figure: from `run()` to the first view's data on screen (the
//! window says when, once). Printed for logs and the start-up benchmark.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

static STARTED: OnceLock<Instant> = OnceLock::new();
static READY: OnceLock<Duration> = OnceLock::new();

/// The process began its window's start-up now.
pub fn started() {
    let _ = STARTED.set(Instant::now());
}

/// The window shows its first data: the time since [`started`], the first
/// time only (later calls return the same figure).
pub fn ready() -> Option<Duration> {
    let since = STARTED.get()?.elapsed();
    let first = *READY.get_or_init(|| {
        eprintln!(
            "switchboard: ready in {} ms (the first view's data on screen)",
            since.as_millis()
        );
        since
    });
    Some(first)
}

/// Waits until the window shows its first data (or `within`, whichever comes
/// first): work that can wait a moment (sending what was queued, the cover
/// steps, the first status read) then does not compete with the first paint.
pub async fn first_paint(within: Duration) {
    let deadline = Instant::now() + within;
    while READY.get().is_none() && STARTED.get().is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
