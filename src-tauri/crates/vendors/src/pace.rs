//! A client-side sliding window: never more than `max` requests in any `window`.
//!
//! Vendors count requests in windows; a token bucket (GCRA) allows a full burst and
//! then a steady rate, which can exceed a sliding window's count. Pacing against
//! the same sliding window the vendor documents cannot.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::ledger::{Ledger, Reserved};

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
///
/// The vendor counts a request when it arrives, which is some time between
/// when it left and when its answer came back. So a call counts in the window
/// from when it is sent until a window after its answer: never more than `max`
/// can arrive within any window, however the network delays them, and nothing
/// is lost to a guessed margin (the wait is one answer's latency per window).
///
/// With a [`Ledger`] the window is shared with every other process on the same
/// data folder (see [`Pacer::shared`]).
#[derive(Debug)]
pub struct Pacer {
    pace: Option<Pace>,
    sent: std::sync::Mutex<Slots>,
    calls: std::sync::Mutex<VecDeque<CallRecord>>,
    ledger: Option<Ledger>,
    /// The ledger's file could not be used: this process paces itself alone.
    alone: std::sync::atomic::AtomicBool,
}

/// The calls counted in the window: each in flight (no time yet) or answered at.
#[derive(Debug, Default)]
struct Slots {
    next: u64,
    open: VecDeque<(u64, Option<Instant>)>,
}

/// A call counted by the pacer; dropping it (the answer came, or the call was
/// abandoned) starts its window.
#[derive(Debug)]
pub struct Ticket<'a> {
    pacer: &'a Pacer,
    id: Option<u64>,
    /// The call's token in the shared window.
    shared: Option<u64>,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let (Some(token), Some(ledger)) = (self.shared, &self.pacer.ledger)
            && let Err(e) = ledger.answered(token, wall_clock_ms())
        {
            tracing::warn!("the shared pace at {}: {e}", ledger.path().display());
        }
        let Some(id) = self.id else { return };
        let mut slots = self.pacer.sent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.open.iter_mut().find(|(i, _)| *i == id) {
            slot.1 = Some(Instant::now());
        }
    }
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

/// How often a full window with every call still in flight is looked at again.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(5);

impl Pacer {
    pub fn new(pace: Option<Pace>) -> Self {
        Self {
            pace,
            sent: std::sync::Mutex::new(Slots::default()),
            calls: std::sync::Mutex::new(VecDeque::new()),
            ledger: None,
            alone: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A pacer whose window every process using `ledger`'s file shares: the
    /// window, a command beside it, and the next command of a script all count
    /// against the same limit. Where the file cannot be used, the process paces
    /// itself alone (and says so in its log).
    pub fn shared(pace: Option<Pace>, ledger: Ledger) -> Self {
        Self {
            ledger: Some(ledger),
            ..Self::new(pace)
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

    /// Waits until one more request fits in the window, and counts it until a
    /// window after the returned ticket is dropped (when its answer came).
    pub async fn wait(&self) -> Ticket<'_> {
        let Some(pace) = self.pace else {
            return Ticket {
                pacer: self,
                id: None,
                shared: None,
            };
        };
        let alone = &self.alone;
        if let Some(ledger) = self
            .ledger
            .as_ref()
            .filter(|_| !alone.load(std::sync::atomic::Ordering::Relaxed))
        {
            loop {
                match ledger.reserve(pace.max, pace.window_ms, wall_clock_ms()) {
                    Ok(Reserved::Yes(token)) => {
                        return Ticket {
                            pacer: self,
                            id: None,
                            shared: Some(token),
                        };
                    }
                    Ok(Reserved::No(wait)) => tokio::time::sleep(wait).await,
                    Err(e) => {
                        alone.store(true, std::sync::atomic::Ordering::Relaxed);
                        tracing::warn!(
                            "the shared pace at {} cannot be used, so this process paces itself alone: {e}",
                            ledger.path().display()
                        );
                        break;
                    }
                }
            }
        }
        let window = Duration::from_millis(pace.window_ms);
        loop {
            let wait = {
                let mut slots = self.sent.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                slots
                    .open
                    .retain(|(_, at)| at.is_none_or(|t| now.duration_since(t) < window));
                if slots.open.len() < pace.max as usize {
                    let id = slots.next;
                    slots.next += 1;
                    slots.open.push_back((id, None));
                    return Ticket {
                        pacer: self,
                        id: Some(id),
                        shared: None,
                    };
                }
                // The first answered call to leave the window; while every one
                // is still in flight, look again shortly.
                slots
                    .open
                    .iter()
                    .filter_map(|(_, at)| *at)
                    .map(|t| window.saturating_sub(now.duration_since(t)))
                    .min()
                    .unwrap_or(IN_FLIGHT_POLL)
            };
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }
}

/// Milliseconds since the UNIX epoch: the clock every process shares.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
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
            drop(pacer.wait().await);
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
            drop(pacer.wait().await);
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "virtual time did not move");
    }

    /// A call counts until a window after its answer: one whose answer took
    /// 400 ms holds its place 400 ms longer than one answered at once.
    #[tokio::test(start_paused = true)]
    async fn a_call_counts_until_a_window_after_its_answer() {
        let pacer = Pacer::new(Some(Pace {
            max: 2,
            window_ms: 1_000,
        }));
        let start = Instant::now();
        let slow = pacer.wait().await;
        drop(pacer.wait().await);
        tokio::time::sleep(Duration::from_millis(400)).await;
        drop(slow);
        // The quick one leaves the window at 1.0 s, the slow one at 1.4 s.
        drop(pacer.wait().await);
        assert_eq!(start.elapsed(), Duration::from_millis(1_000));
        drop(pacer.wait().await);
        assert_eq!(start.elapsed(), Duration::from_millis(1_400));
    }

    /// A ticket never dropped (a call still in flight) keeps its place.
    #[tokio::test(start_paused = true)]
    async fn a_call_in_flight_keeps_its_place() {
        let pacer = Pacer::new(Some(Pace {
            max: 1,
            window_ms: 100,
        }));
        let held = pacer.wait().await;
        let waited = tokio::time::timeout(Duration::from_secs(5), pacer.wait()).await;
        assert!(
            waited.is_err(),
            "no second call while the first is on its way"
        );
        drop(held);
        let start = Instant::now();
        drop(pacer.wait().await);
        assert!(start.elapsed() >= Duration::from_millis(100));
    }
}
