//! The status poller: the board's polls while someone watches, and the
//! vendors' activity logs caught up whether or not anyone does.
//!
//! Statuses are read only while the board (or the dashboards) is open and
//! visible: a poll of a large tenant costs requests, and nobody needs it when
//! nobody looks. The activity log is different: after a start, and after a
//! vendor could not be reached, it holds the time Switchboard did not watch,
//! so it is read a few pages a round from the start until it has caught up,
//! with the window on any view; and again when someone starts watching (what
//! changed while the app was open on another view is in it too). Each round waits at least `every`, and at
//! least twice as long as its work took, so the poller uses at most a third of
//! a vendor's rate limit (the pacer shared with every other call keeps the
//! total under it). A connection that cannot be reached is left alone for a
//! while, longer each time (up to 2 minutes).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use switchboard_domain::ConnectionId;
use switchboard_store::connections;
use switchboard_vendors::Capabilities;

use crate::statuses::PollReport;
use crate::{EngineError, ErrorCode, Workspace};

/// Pages of the activity log the poller reads each round while it catches up
/// (about a second at CCAI Platform's pace).
pub const LOG_PAGES_PER_ROUND: u32 = 8;

/// Connections that could not be reached, and until when each is left alone.
#[derive(Default)]
struct Resting(HashMap<ConnectionId, (u32, Instant)>);

impl Resting {
    fn now(&self, id: ConnectionId) -> bool {
        self.0
            .get(&id)
            .is_some_and(|(_, until)| Instant::now() < *until)
    }

    /// One more failure to reach it: rest longer each time.
    fn failed(&mut self, id: ConnectionId, every: Duration) {
        let failures = self.0.get(&id).map_or(0, |(n, _)| *n) + 1;
        let rest = (every.max(Duration::from_secs(5)) * 2u32.pow(failures.min(5)))
            .min(Duration::from_secs(120));
        self.0.insert(id, (failures, Instant::now() + rest));
    }

    /// Reached again; returns whether it had been resting.
    fn reached(&mut self, id: ConnectionId) -> bool {
        self.0.remove(&id).is_some()
    }
}

impl Workspace {
    /// Polls statuses of every connection that has them (and the team-online
    /// flag of those that only have that) while `watching` says so, and reads
    /// the activity logs that are behind, until `keep_going` says stop (see
    /// the module's documentation). `polled` hears each poll.
    pub async fn run_status_poller(
        &self,
        every: Duration,
        keep_going: impl Fn() -> bool,
        watching: impl Fn() -> bool,
        polled: impl Fn(Result<&PollReport, (ConnectionId, &EngineError)>),
    ) {
        let mut resting = Resting::default();
        let mut pruned: Option<Instant> = None;
        let mut listed: Option<Instant> = None;
        let mut list: Vec<(ConnectionId, Capabilities)> = Vec::new();
        // Connections met since the start, and those whose log is behind.
        let mut met: HashSet<ConnectionId> = HashSet::new();
        let mut log_behind: HashSet<ConnectionId> = HashSet::new();
        let mut was_watched = false;
        while keep_going() {
            let round = Instant::now();
            let watched = watching();
            // The list is read each watched round, and now and then otherwise
            // (a connection added since has its log read too).
            if watched || listed.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                list = self
                    .on_store(|store| Ok(store.read(connections::list)?))
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| (c.id, switchboard_vendors::capabilities(c.vendor)))
                    .filter(|(_, caps)| caps.read_statuses || caps.team_online)
                    .collect();
                listed = Some(Instant::now());
                for (id, caps) in &list {
                    if met.insert(*id) && caps.activity_log {
                        log_behind.insert(*id);
                    }
                }
            }
            // Someone starts watching: what changed while nobody did (the app
            // open on another view) is in the logs; read after this round's
            // polls, it fills the time between.
            if watched && !was_watched {
                for (id, caps) in &list {
                    if caps.activity_log {
                        log_behind.insert(*id);
                    }
                }
            }
            was_watched = watched;
            if watched {
                let _ = self.flush_calls().await;
                if pruned.is_none_or(|at| at.elapsed() > Duration::from_secs(6 * 3600)) {
                    let _ = self.prune_status_history().await;
                    pruned = Some(Instant::now());
                }
                for (id, caps) in &list {
                    if resting.now(*id) {
                        continue;
                    }
                    let result = if caps.read_statuses {
                        self.poll_statuses(*id).await
                    } else {
                        self.poll_team_online(*id).await
                    };
                    match &result {
                        Ok(report) => {
                            // Back after it could not be reached: what
                            // happened meanwhile is in the vendor's log.
                            if resting.reached(*id) && caps.activity_log {
                                log_behind.insert(*id);
                            }
                            polled(Ok(report));
                        }
                        Err(e) => {
                            if e.code() == ErrorCode::Unreachable {
                                resting.failed(*id, every);
                            }
                            polled(Err((*id, e)));
                        }
                    }
                }
            }
            // A few pages of each log that is behind, so the polls go on.
            let behind: Vec<ConnectionId> = log_behind
                .iter()
                .copied()
                .filter(|id| !resting.now(*id))
                .collect();
            for id in behind {
                match self.read_status_log_pages(id, LOG_PAGES_PER_ROUND).await {
                    Ok(r) => {
                        if r.caught_up {
                            log_behind.remove(&id);
                        }
                    }
                    Err(e) => {
                        tracing::warn!("reading the status log: {e}");
                        match e.code() {
                            ErrorCode::Unreachable => resting.failed(id, every),
                            // Refused (a tenant without the log, a key
                            // without the right): not asked again until the
                            // next start.
                            _ => {
                                log_behind.remove(&id);
                            }
                        }
                    }
                }
            }
            let wait = every.max(round.elapsed() * 2);
            // Wake early to stop, or when the board opens.
            let until = Instant::now() + wait;
            while Instant::now() < until && keep_going() {
                tokio::time::sleep(
                    Duration::from_millis(200).min(wait.max(Duration::from_millis(1))),
                )
                .await;
                if !watched && watching() {
                    break;
                }
            }
        }
    }
}
