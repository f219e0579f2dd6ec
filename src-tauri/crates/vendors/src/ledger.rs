//! The pacer's window shared by every Switchboard process on one data folder:
//! the window, the commands a script or cron runs one after another, and one
//! started again after a crash. Without it each process paced itself alone,
//! and twenty short commands in a row sent HelpCrunch 164 requests in a minute
//! against its 120 (the kill soak found it).
//!
//! One small file per connection holds the calls in its window: for each, when
//! it was sent and when its answer came (0 while on its way), in wall-clock
//! milliseconds, which every process shares. A process takes the file's lock
//! (the OS lets go of it when the process ends, kill -9 included), reads it,
//! drops what left the window, and adds its call when there is room. A call
//! whose process ended before its answer stays counted for `IN_FLIGHT_AT_MOST`
//! (longer than any call's timeouts).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A call on its way longer than this is taken for one whose process ended.
const IN_FLIGHT_AT_MOST: i64 = 120_000;

/// Bytes per call in the file: a token, when it was sent, when answered.
const RECORD: usize = 24;

/// The shared window of one connection.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
}

/// The answer to [`Ledger::reserve`].
#[derive(Debug, PartialEq, Eq)]
pub enum Reserved {
    /// Counted: this token marks the call when its answer comes.
    Yes(u64),
    /// The window is full: look again after this long.
    No(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Call {
    token: u64,
    sent: i64,
    answered: i64,
}

impl Ledger {
    /// The window kept in the file at `path` (made, with its folder, on first use).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Counts one more call sent at `now` (wall-clock ms) if it fits: at
    /// most `max` calls in any window of `window_ms`.
    pub fn reserve(&self, max: u32, window_ms: u64, now: i64) -> std::io::Result<Reserved> {
        self.with_calls(|calls| {
            let window = window_ms as i64;
            calls.retain(|c| in_window(c, now, window));
            if calls.len() < max as usize {
                let token = fastrand::u64(1..);
                calls.push(Call {
                    token,
                    sent: now,
                    answered: 0,
                });
                return Reserved::Yes(token);
            }
            let first_out = calls
                .iter()
                .map(|c| match c.answered {
                    0 => c.sent + IN_FLIGHT_AT_MOST - now,
                    at => at + window - now,
                })
                .min()
                .unwrap_or(1);
            // A call on its way may be answered any moment: look again soon.
            let on_its_way = calls.iter().any(|c| c.answered == 0);
            let wait = if on_its_way {
                first_out.min(5)
            } else {
                first_out
            };
            Reserved::No(Duration::from_millis(wait.clamp(1, window.max(1)) as u64))
        })
    }

    /// The call counted as `token` was answered at `now`: its window starts.
    pub fn answered(&self, token: u64, now: i64) -> std::io::Result<()> {
        self.with_calls(|calls| {
            if let Some(c) = calls.iter_mut().find(|c| c.token == token) {
                c.answered = now.max(c.sent);
            }
        })
    }

    /// Runs `f` on the calls in the file, holding its lock, and writes them back.
    fn with_calls<T>(&self, f: impl FnOnce(&mut Vec<Call>) -> T) -> std::io::Result<T> {
        let open = || {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.path)
        };
        // The folder is made once, on the first use, not on every call.
        let mut file = match open() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                open()?
            }
            opened => opened?,
        };
        file.lock()?;
        let result = read_write(&mut file, f);
        let unlocked = file.unlock();
        let value = result?;
        unlocked?;
        Ok(value)
    }
}

fn read_write<T>(file: &mut File, f: impl FnOnce(&mut Vec<Call>) -> T) -> std::io::Result<T> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let mut calls: Vec<Call> = bytes.chunks_exact(RECORD).map(decode).collect();
    let value = f(&mut calls);
    let out: Vec<u8> = calls.iter().flat_map(encode).collect();
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&out)?;
    file.set_len(out.len() as u64)?;
    Ok(value)
}

/// Whether a call still counts at `now`: on its way (and not given up), or
/// answered less than a window ago. A call "sent" far in the future is the
/// clock set back, and is dropped.
fn in_window(c: &Call, now: i64, window: i64) -> bool {
    if c.sent > now + window {
        return false;
    }
    match c.answered {
        0 => now - c.sent < IN_FLIGHT_AT_MOST,
        at => now - at < window,
    }
}

fn decode(b: &[u8]) -> Call {
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i * 8..i * 8 + 8]);
        w
    };
    Call {
        token: u64::from_le_bytes(word(0)),
        sent: i64::from_le_bytes(word(1)),
        answered: i64::from_le_bytes(word(2)),
    }
}

fn encode(c: &Call) -> [u8; RECORD] {
    let mut b = [0u8; RECORD];
    b[..8].copy_from_slice(&c.token.to_le_bytes());
    b[8..16].copy_from_slice(&c.sent.to_le_bytes());
    b[16..].copy_from_slice(&c.answered.to_le_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two calls in any second.
    const PACE: (u32, u64) = (2, 1_000);

    fn yes(r: Reserved) -> u64 {
        match r {
            Reserved::Yes(token) => token,
            Reserved::No(wait) => panic!("refused, wait {wait:?}"),
        }
    }

    #[test]
    fn two_ledgers_on_one_file_share_the_window() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("pace").join("connection");
        // Two processes, as two ledgers on the same file.
        let (a, b) = (Ledger::new(&path), Ledger::new(&path));
        let first = yes(a.reserve(PACE.0, PACE.1, 10_000).expect("a"));
        let second = yes(b.reserve(PACE.0, PACE.1, 10_010).expect("b"));
        // Both on their way: the third waits a moment and looks again.
        assert_eq!(
            a.reserve(PACE.0, PACE.1, 10_020).expect("full"),
            Reserved::No(Duration::from_millis(5))
        );
        b.answered(first, 10_100).expect("answered");
        a.answered(second, 10_300).expect("answered");
        // Answered: each counts until a window after its answer.
        assert_eq!(
            b.reserve(PACE.0, PACE.1, 10_400).expect("full"),
            Reserved::No(Duration::from_millis(700))
        );
        yes(a.reserve(PACE.0, PACE.1, 11_100).expect("first left"));
        assert!(matches!(
            b.reserve(PACE.0, PACE.1, 11_200).expect("full"),
            Reserved::No(_)
        ));
        yes(b.reserve(PACE.0, PACE.1, 11_300).expect("second left"));
    }

    #[test]
    fn a_call_whose_process_ended_on_its_way_is_given_up_in_time() {
        let dir = tempfile::tempdir().expect("dir");
        let ledger = Ledger::new(dir.path().join("c"));
        let pace = (1, 1_000);
        yes(ledger.reserve(pace.0, pace.1, 0).expect("first"));
        // Never answered (its process was killed).
        assert!(matches!(
            ledger
                .reserve(pace.0, pace.1, IN_FLIGHT_AT_MOST - 1)
                .expect("full"),
            Reserved::No(_)
        ));
        yes(ledger
            .reserve(pace.0, pace.1, IN_FLIGHT_AT_MOST)
            .expect("given up"));
    }

    #[test]
    fn a_torn_file_is_read_for_what_it_holds() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c");
        let ledger = Ledger::new(&path);
        yes(ledger.reserve(PACE.0, PACE.1, 0).expect("first"));
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.extend_from_slice(&[7; 10]);
        std::fs::write(&path, &bytes).expect("torn");
        yes(ledger.reserve(PACE.0, PACE.1, 1).expect("second"));
        assert!(matches!(
            ledger.reserve(PACE.0, PACE.1, 2).expect("full"),
            Reserved::No(_)
        ));
        assert_eq!(std::fs::read(&path).expect("read").len(), 2 * RECORD);
    }
}
