//! CCAI Platform's agent activity log: one record each time an agent's widget
//! state changes (a login, a logout, a status change), and the chats and calls
//! offered to them and picked up. Seeded with a few days of history that ends
//! in each agent's current status; then every change the simulator makes (its
//! own, through the API or the control API) is logged as it happens.
//!
//! Records are kept in the order they started, which is also their ids' order,
//! so a read from a time is a binary search.

use crate::rng::Rng;

/// How many days of history the log starts with (unless the simulator's
/// configuration says otherwise).
pub const SEEDED_DAYS: i64 = 3;

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Login,
    Logout,
    StatusChange,
    ChatOffered,
    ChatPickedUp,
    CallOffered,
    CallPickedUp,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Login => "login",
            Activity::Logout => "logout",
            Activity::StatusChange => "status_change",
            Activity::ChatOffered => "chat_notification_offered",
            Activity::ChatPickedUp => "chat_picked_up",
            Activity::CallOffered => "call_notification_offered",
            Activity::CallPickedUp => "call_picked_up",
        }
    }

    /// A login, a logout or a status change: the agent's status from then on.
    pub fn changes_status(self) -> bool {
        matches!(
            self,
            Activity::Login | Activity::Logout | Activity::StatusChange
        )
    }
}

/// One record (times in UNIX seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: u64,
    /// The agent's index.
    pub agent: usize,
    pub status: i32,
    pub started_at: i64,
    /// `None` while the status lasts; an offer or a pick-up ends as it starts.
    pub ended_at: Option<i64>,
    pub activity: Activity,
    pub chat_id: Option<u64>,
    pub call_id: Option<u64>,
}

/// The log, oldest first, and each agent's record of the status it is in now.
#[derive(Debug, Default)]
pub struct Log {
    pub records: Vec<Record>,
    current: Vec<Option<usize>>,
    next_contact: u64,
}

/// Statuses an agent passes through in a seeded day, with weights.
const DAY_STATUSES: [(i32, u64); 8] = [
    (0, 40),
    (-8, 15),
    (-7, 12),
    (-6, 6),
    (1, 6),
    (2, 5),
    (-2, 8),
    (-4, 8),
];
const OFFLINE: i32 = -10;
const AVAILABLE: i32 = 0;

impl Log {
    /// A few days of history for each agent, ending in `(status, since)`, its
    /// status now and when it began.
    pub fn seeded(rng: &mut Rng, now: i64, days: i64, agents: &[(i32, i64)]) -> Self {
        let mut drafts: Vec<Record> = Vec::new();
        for (agent, &(status, since)) in agents.iter().enumerate() {
            seed_agent(rng, now - days * 86_400, agent, status, since, &mut drafts);
        }
        drafts.sort_by_key(|r| (r.started_at, r.agent));
        let mut log = Log {
            current: vec![None; agents.len()],
            next_contact: 90_000,
            ..Log::default()
        };
        for (i, mut r) in drafts.into_iter().enumerate() {
            r.id = i as u64 + 1;
            if r.activity.changes_status() && r.ended_at.is_none() {
                log.current[r.agent] = Some(i);
            }
            log.records.push(r);
        }
        log
    }

    /// The agent moved to `status` at `at`: their last status ends, a record
    /// of the new one starts (a login when they were offline, a logout to offline).
    pub fn change(&mut self, agent: usize, from: i32, status: i32, at: i64) {
        if let Some(i) = self.current.get(agent).copied().flatten() {
            self.records[i].ended_at = Some(at.max(self.records[i].started_at));
        }
        let activity = if status == OFFLINE {
            Activity::Logout
        } else if from == OFFLINE {
            Activity::Login
        } else {
            Activity::StatusChange
        };
        let at = at.max(self.records.last().map_or(at, |r| r.started_at));
        self.push(agent, status, at, None, activity, (None, None));
        if let Some(slot) = self.current.get_mut(agent) {
            *slot = Some(self.records.len() - 1);
        }
    }

    /// A chat offered to the agent at `at` and picked up `after` seconds later.
    pub fn chat(&mut self, agent: usize, status: i32, at: i64, after: i64) {
        self.next_contact += 1;
        let chat = Some(self.next_contact);
        self.push(
            agent,
            status,
            at,
            Some(at),
            Activity::ChatOffered,
            (chat, None),
        );
        self.push(
            agent,
            status,
            at + after,
            Some(at + after),
            Activity::ChatPickedUp,
            (chat, None),
        );
    }

    fn push(
        &mut self,
        agent: usize,
        status: i32,
        at: i64,
        ended: Option<i64>,
        activity: Activity,
        (chat_id, call_id): (Option<u64>, Option<u64>),
    ) {
        let id = self.records.last().map_or(1, |r| r.id + 1);
        self.records.push(Record {
            id,
            agent,
            status,
            started_at: at,
            ended_at: ended,
            activity,
            chat_id,
            call_id,
        });
    }

    /// The records that started at or after `from`, oldest first.
    pub fn since(&self, from: i64) -> &[Record] {
        let start = self.records.partition_point(|r| r.started_at < from);
        &self.records[start..]
    }
}

/// One agent's seeded days from `start`: working hours with a login and a
/// logout, the statuses of a working day, and chats and calls offered and
/// picked up, up to when their current status began.
fn seed_agent(
    rng: &mut Rng,
    start: i64,
    agent: usize,
    status: i32,
    since: i64,
    out: &mut Vec<Record>,
) {
    let record = |status, started_at, ended_at, activity, contact: Option<u64>| Record {
        id: 0,
        agent,
        status,
        started_at,
        ended_at,
        activity,
        chat_id: contact
            .filter(|_| matches!(activity, Activity::ChatOffered | Activity::ChatPickedUp)),
        call_id: contact
            .filter(|_| matches!(activity, Activity::CallOffered | Activity::CallPickedUp)),
    };
    let mut t = start + rng.below(3_600) as i64;
    let mut current = OFFLINE;
    let mut contact = (agent as u64) * 10_000;
    // Each stretch: a status, lasting a while (offline ones overnight).
    while t < since {
        let next = if current == OFFLINE {
            AVAILABLE
        } else if rng.chance(0.08) {
            OFFLINE
        } else {
            weighted(rng)
        };
        let lasts = if next == OFFLINE {
            12 * 3_600 + rng.below(4 * 3_600) as i64
        } else {
            5 * 60 + rng.below(85 * 60) as i64
        };
        let end = (t + lasts).min(since);
        let activity = match (current, next) {
            (_, OFFLINE) => Activity::Logout,
            (OFFLINE, _) => Activity::Login,
            _ => Activity::StatusChange,
        };
        out.push(record(next, t, Some(end), activity, None));
        // Chats and calls come while available, in a chat or on a call.
        if matches!(next, 0 | -7 | -8) && end - t > 120 && rng.chance(0.6) {
            contact += 1;
            let offered = t + rng.below((end - t - 60) as u64) as i64;
            let after = 2 + rng.below(40) as i64;
            let (o, p) = if next == -7 {
                (Activity::CallOffered, Activity::CallPickedUp)
            } else {
                (Activity::ChatOffered, Activity::ChatPickedUp)
            };
            out.push(record(next, offered, Some(offered), o, Some(contact)));
            out.push(record(
                next,
                offered + after,
                Some(offered + after),
                p,
                Some(contact),
            ));
        }
        current = next;
        t = end;
    }
    let activity = match (current, status) {
        (OFFLINE, OFFLINE) => Activity::StatusChange,
        (_, OFFLINE) => Activity::Logout,
        (OFFLINE, _) => Activity::Login,
        _ => Activity::StatusChange,
    };
    out.push(record(status, since, None, activity, None));
}

fn weighted(rng: &mut Rng) -> i32 {
    let total: u64 = DAY_STATUSES.iter().map(|w| w.1).sum();
    let mut roll = rng.below(total);
    for (status, w) in DAY_STATUSES {
        if roll < w {
            return status;
        }
        roll -= w;
    }
    AVAILABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_history_ends_in_each_agents_status_and_has_no_gaps() {
        let now = 1_800_000_000;
        let agents = [(0, now - 600), (-10, now - 7_200), (-7, now - 30)];
        let log = Log::seeded(&mut Rng::derive(7, "log"), now, SEEDED_DAYS, &agents);
        for (i, &(status, since)) in agents.iter().enumerate() {
            let mine: Vec<&Record> = log
                .records
                .iter()
                .filter(|r| r.agent == i && r.activity.changes_status())
                .collect();
            assert!(mine.len() > 3, "a few days of history");
            let last = mine.last().expect("last");
            assert_eq!(
                (last.status, last.started_at, last.ended_at),
                (status, since, None)
            );
            for pair in mine.windows(2) {
                assert_eq!(pair[0].ended_at, Some(pair[1].started_at), "no gap");
            }
        }
        assert!(
            log.records
                .windows(2)
                .all(|p| p[0].started_at <= p[1].started_at)
        );
        assert!(log.records.windows(2).all(|p| p[0].id < p[1].id));
    }

    #[test]
    fn a_change_ends_the_last_status_and_is_read_from_its_time() {
        let now = 1_800_000_000;
        let mut log = Log::seeded(
            &mut Rng::derive(7, "log"),
            now,
            SEEDED_DAYS,
            &[(0, now - 600)],
        );
        log.change(0, 0, -10, now + 5);
        log.change(0, -10, 0, now + 9);
        let new = log.since(now + 5);
        let kinds: Vec<_> = new.iter().map(|r| (r.activity, r.status)).collect();
        assert_eq!(kinds, [(Activity::Logout, -10), (Activity::Login, 0)]);
        assert_eq!(new[0].ended_at, Some(now + 9));
        let before = log.records.iter().rev().nth(2).expect("before");
        assert_eq!(before.ended_at, Some(now + 5));
    }
}
