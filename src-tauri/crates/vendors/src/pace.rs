//! A client-side sliding window: never more than `max` requests in any `window`.
//!
//! Vendors count requests in windows; a token bucket (GCRA) allows a full burst and
//! then a steady rate, which can exceed a sliding window's count. Pacing against
//! the same sliding window the vendor documents cannot.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pace {
    pub max: u32,
    pub window_ms: u64,
}

impl Pace {
    pub const fn per_minute(max: u32) -> Self {
        Self {
            max,
            window_ms: 60_000,
        }
    }

    pub const fn per_second(max: u32) -> Self {
        Self {
            max,
            window_ms: 1_000,
        }
    }
}

/// Shared by every call to one connection, so all of them together stay under the
/// vendor's limit; it also keeps the connection's recent calls (status and time
/// taken, never a header, body or secret) for the health panel.
#[derive(Debug)]
pub struct Pacer {
    pace: Option<Pace>,
    sent: Mutex<VecDeque<Instant>>,
    calls: std::sync::Mutex<VecDeque<CallRecord>>,
}

/// One attempt at a vendor call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// Milliseconds since the UNIX epoch.
    pub at_ms: i64,
    /// The HTTP status, or `None` when no answer came (transport, TLS, timeout).
    pub status: Option<u16>,
    pub took_ms: u32,
}

/// Calls kept in memory between two takes; older ones are dropped.
const CALLS_KEPT: usize = 10_000;

impl Pacer {
    pub fn new(pace: Option<Pace>) -> Self {
        Self {
            pace,
            sent: Mutex::new(VecDeque::new()),
            calls: std::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// Notes one attempt's outcome.
    pub fn record(&self, call: CallRecord) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if calls.len() >= CALLS_KEPT {
            calls.pop_front();
        }
        calls.push_back(call);
    }

    /// The calls noted since the last take, oldest first.
    pub fn take_calls(&self) -> Vec<CallRecord> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|e| e.into_inner())).into()
    }

    pub fn pace(&self) -> Option<Pace> {
        self.pace
    }

    /// Waits until one more request fits in the window, and counts it. The window
    /// is kept a little longer than the vendor's: the vendor counts requests when
    /// they arrive, and two requests sent a window apart can arrive closer
    /// together (the first one delayed on the way, or queued at the server).
    pub async fn wait(&self) {
        let Some(pace) = self.pace else { return };
        let margin = (pace.window_ms / 10).max(150);
        let window = Duration::from_millis(pace.window_ms + margin);
        loop {
            let wait = {
                let mut sent = self.sent.lock().await;
                let now = Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    sent.pop_front();
                }
                if sent.len() < pace.max as usize {
                    sent.push_back(now);
                    return;
                }
                sent.front()
                    .map(|t| window.saturating_sub(now.duration_since(*t)))
                    .unwrap_or(window)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_any_window() {
        let pacer = Pacer::new(Some(Pace {
            max: 3,
            window_ms: 1_000,
        }));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            pacer.wait().await;
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times
                .iter()
                .filter(|u| **u <= *t && *t - **u < Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 3,
                "request {i} at {t:?}: {in_window} in its window ({times:?})"
            );
        }
        assert!(
            times[6] >= Duration::from_secs(2),
            "the seventh waits for two windows: {times:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_pace_never_waits() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        for _ in 0..1000 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "virtual time did not move");
    }
}
