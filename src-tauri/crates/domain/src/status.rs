//! Agent statuses as observed over time: one row per stretch an agent spent in one
//! status, so time-in-status is a sum and gaps (when nobody watched) stay visible.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{AgentId, Timestamp};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatusSample {
    #[ts(type = "number")]
    pub id: i64,
    pub agent_id: AgentId,
    /// The vendor's status id where it has one (CCAI Platform: 0 Available, -2 Break, ...).
    pub status_vendor_id: Option<String>,
    pub status_name: String,
    pub started_at: Timestamp,
    /// The last time the app saw the agent in this status. After it, and before
    /// `ended_at` or the next sample, the status is unknown.
    pub last_seen_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub source: StatusSource,
}

text_enum!(
    StatusSource, "source" {
        Poll = "poll",
        /// The app's own change, confirmed by the vendor.
        App = "app",
        Sync = "sync",
        /// Read from the vendor's own activity log (CCAI Platform): the time
        /// Switchboard was not watching, and where the log and a look differ.
        Log = "log",
    }
);

/// A status a tenant has (CCAI Platform's `user_statuses`), cached per connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TenantStatus {
    pub connection_id: crate::ConnectionId,
    /// The vendor's id: system statuses are <= 0, custom ones positive.
    pub vendor_id: String,
    pub name: String,
    /// `#rrggbb` as the tenant set it.
    pub color: Option<String>,
    /// Defined by the platform, not the tenant.
    pub system: bool,
    /// Switchboard offers it: Available and the tenant's own statuses, except a
    /// custom one whose name a system status also has (the API sets by name and
    /// would pick the system one).
    pub offered: bool,
}

impl TenantStatus {
    /// Why Switchboard does not offer it, in a manager's words.
    pub fn why_not_offered(&self) -> String {
        if self.system {
            format!(
                "'{}' is a system status that CCAI Platform manages itself",
                self.name
            )
        } else {
            format!(
                "the custom status '{}' ({}) has the same name as a system status, and CCAI Platform would set the system one; rename it in CCAI Platform to use it here",
                self.name, self.vendor_id
            )
        }
    }
}

/// The status a manager means by `wanted`: its id, or a name. A name that
/// several statuses carry means the one that can be set, so "Break" is never
/// answered with "give its id" when no Break can be set at all.
pub fn find_status<'a>(
    list: &'a [TenantStatus],
    wanted: &str,
) -> Result<&'a TenantStatus, crate::ValidationError> {
    let wanted = wanted.trim();
    let choices = || {
        list.iter()
            .filter(|s| s.offered)
            .map(|s| format!("{} ({})", s.name, s.vendor_id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(s) = list.iter().find(|s| s.vendor_id == wanted) {
        return Ok(s);
    }
    let named: Vec<&TenantStatus> = list
        .iter()
        .filter(|s| s.name.trim().eq_ignore_ascii_case(wanted))
        .collect();
    let offered: Vec<&TenantStatus> = named.iter().copied().filter(|s| s.offered).collect();
    let message = match (offered.as_slice(), named.as_slice()) {
        ([one], _) => return Ok(one),
        ([], []) => format!("no status '{wanted}'; choose one of: {}", choices()),
        ([], [one]) => return Ok(one), // the caller says why it cannot be set
        ([], several) => format!(
            "'{wanted}' cannot be set: {}; choose one of: {}",
            several
                .iter()
                .map(|s| s.why_not_offered())
                .collect::<Vec<_>>()
                .join("; "),
            choices()
        ),
        (several, _) => format!(
            "'{wanted}' names several statuses ({}); give its id",
            several
                .iter()
                .map(|s| s.vendor_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(crate::ValidationError::new("status", message))
}

/// An agent's current status as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CurrentStatus {
    pub status_vendor_id: Option<String>,
    pub name: String,
    /// Since when (the vendor's word, or when the app first saw it).
    pub since: Timestamp,
    /// When the app last saw it.
    pub seen_at: Timestamp,
    pub source: StatusSource,
}

/// One agent on the status board: what every platform knows of them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct BoardAgent {
    pub agent_id: AgentId,
    pub connection_id: crate::ConnectionId,
    pub connection_name: String,
    pub vendor: crate::Vendor,
    pub is_demo: bool,
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
    pub role: Option<String>,
    /// Open assignments (clients, contacts, chats) as last synced.
    #[ts(type = "number")]
    pub assignments: i64,
    pub person_id: Option<crate::PersonId>,
    pub person_name: Option<String>,
    pub team_ids: Vec<crate::TeamId>,
    /// Platforms with statuses (CCAI Platform): the current one.
    pub status: Option<CurrentStatus>,
}

/// How fresh a connection's statuses are.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PollState {
    pub connection_id: crate::ConnectionId,
    /// The last time every agent's status was read.
    pub last_ok_at: Option<Timestamp>,
    pub agents: u32,
    /// Requests the last read took, and how long.
    pub requests: u32,
    pub took_ms: u32,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
    /// For vendors that only say whether the team is online (HelpCrunch).
    pub team_online: Option<bool>,
}

/// What one look at an agent's status found.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub status_vendor_id: Option<String>,
    pub status_name: String,
    /// Since when the vendor says the agent is in it (CCAI `status_updated_at`).
    pub since: Option<Timestamp>,
    /// When the app looked.
    pub at: Timestamp,
    pub source: StatusSource,
}

/// How the samples change after a look.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleChange {
    /// The open sample goes on: the agent was seen in it at this time.
    Touch { id: i64, at: Timestamp },
    /// The open sample ends at this time.
    End { id: i64, at: Timestamp },
    /// A new open sample starts.
    Start(StatusSample),
}

/// Looks further apart than this are gaps: what happened between them is not
/// known, unless the vendor's own "since" covers it.
pub const WATCH_GAP_MS: i64 = 90_000;

impl Seen {
    fn same_status(&self, s: &StatusSample) -> bool {
        match (&self.status_vendor_id, &s.status_vendor_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.status_name.eq_ignore_ascii_case(&s.status_name),
        }
    }

    fn start(&self, agent: AgentId, started_at: Timestamp) -> SampleChange {
        SampleChange::Start(StatusSample {
            id: 0,
            agent_id: agent,
            status_vendor_id: self.status_vendor_id.clone(),
            status_name: self.status_name.clone(),
            started_at,
            last_seen_at: self.at,
            ended_at: None,
            source: self.source,
        })
    }
}

/// What a look at an agent does to its samples, given its latest one. Nothing is
/// guessed: a status is known from when the vendor says it began (or when the app
/// first saw it) to when the app last saw it; a stretch the app did not watch,
/// and that the vendor's "since" does not cover, stays unknown.
pub fn observe(agent: AgentId, latest: Option<&StatusSample>, seen: &Seen) -> Vec<SampleChange> {
    let since = seen.since.filter(|s| *s <= seen.at);
    let Some(last) = latest.filter(|l| l.ended_at.is_none() && l.last_seen_at <= seen.at) else {
        // Nothing open (first look, or the last sample was closed): from the
        // vendor's "since" if it does not reach back over what is recorded.
        let floor = latest.map(|l| l.ended_at.unwrap_or(l.last_seen_at));
        let start = match (since, floor) {
            (Some(s), Some(f)) if s >= f => s,
            (Some(s), None) => s,
            (_, Some(f)) if seen.at.0 - f.0 <= WATCH_GAP_MS => f,
            _ => seen.at,
        };
        return vec![seen.start(agent, start)];
    };
    let watched = seen.at.0 - last.last_seen_at.0 <= WATCH_GAP_MS;
    if seen.same_status(last) {
        // Still in it, if the vendor says it has not changed since before we
        // last looked or, where the vendor does not say, we watched all along.
        // A "since" after our last look means it left and came back between.
        let continued = match since {
            Some(s) => s <= last.last_seen_at,
            None => watched,
        };
        if continued {
            return vec![SampleChange::Touch {
                id: last.id,
                at: seen.at,
            }];
        }
        // Left and came back while nobody watched: the gap stays unknown.
        let start = since.map_or(seen.at, |s| s.max(last.last_seen_at));
        return vec![
            SampleChange::End {
                id: last.id,
                at: last.last_seen_at,
            },
            seen.start(agent, start),
        ];
    }
    // A new status. Watched: it changed between the two looks, at the vendor's
    // "since" if it falls there, else at this look. Not watched: the old one is
    // known until it was last seen, the new one from its "since".
    let change = match since {
        Some(s) if s >= last.last_seen_at => s,
        _ if watched => seen.at,
        _ => last.last_seen_at,
    };
    let (end, start) = if watched {
        (change, change)
    } else {
        (
            last.last_seen_at,
            since.filter(|s| *s >= last.last_seen_at).unwrap_or(seen.at),
        )
    };
    vec![
        SampleChange::End {
            id: last.id,
            at: end,
        },
        seen.start(agent, start),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000;

    fn seen(id: &str, since: Option<i64>, at: i64) -> Seen {
        Seen {
            status_vendor_id: Some(id.into()),
            status_name: format!("status {id}"),
            since: since.map(Timestamp),
            at: Timestamp(at),
            source: StatusSource::Poll,
        }
    }

    fn open(id: &str, started: i64, last: i64) -> StatusSample {
        StatusSample {
            id: 7,
            agent_id: AgentId(1),
            status_vendor_id: Some(id.into()),
            status_name: format!("status {id}"),
            started_at: Timestamp(started),
            last_seen_at: Timestamp(last),
            ended_at: None,
            source: StatusSource::Poll,
        }
    }

    fn started(changes: &[SampleChange]) -> Option<(String, i64)> {
        changes.iter().find_map(|c| match c {
            SampleChange::Start(s) => Some((s.status_vendor_id.clone()?, s.started_at.0)),
            _ => None,
        })
    }

    #[test]
    fn a_first_look_starts_at_the_vendors_since() {
        let c = observe(AgentId(1), None, &seen("0", Some(100 * S), 500 * S));
        assert_eq!(started(&c), Some(("0".into(), 100 * S)));
        let c = observe(AgentId(1), None, &seen("0", None, 500 * S));
        assert_eq!(
            started(&c),
            Some(("0".into(), 500 * S)),
            "no since: from now"
        );
    }

    #[test]
    fn the_same_status_seen_again_extends_the_sample() {
        let c = observe(
            AgentId(1),
            Some(&open("0", 0, 100 * S)),
            &seen("0", Some(0), 105 * S),
        );
        assert_eq!(
            c,
            [SampleChange::Touch {
                id: 7,
                at: Timestamp(105 * S)
            }]
        );
    }

    #[test]
    fn a_change_between_two_looks_happens_at_the_vendors_since() {
        let c = observe(
            AgentId(1),
            Some(&open("0", 0, 100 * S)),
            &seen("1", Some(103 * S), 105 * S),
        );
        assert_eq!(
            c,
            [
                SampleChange::End {
                    id: 7,
                    at: Timestamp(103 * S)
                },
                SampleChange::Start(StatusSample {
                    started_at: Timestamp(103 * S),
                    last_seen_at: Timestamp(105 * S),
                    ..open("1", 103 * S, 105 * S)
                })
            ]
            .map(|c| match c {
                SampleChange::Start(s) => SampleChange::Start(StatusSample { id: 0, ..s }),
                other => other,
            })
        );
    }

    #[test]
    fn after_a_restart_the_gap_is_unknown_unless_the_vendor_covers_it() {
        // The app was closed for an hour.
        let last = open("0", 0, 100 * S);
        let later = 3_700 * S;
        // Same status, unchanged since before we last looked: continuous.
        let c = observe(AgentId(1), Some(&last), &seen("0", Some(50 * S), later));
        assert_eq!(
            c,
            [SampleChange::Touch {
                id: 7,
                at: Timestamp(later)
            }]
        );
        // Same status, but it began again during the gap: the gap is unknown.
        let c = observe(AgentId(1), Some(&last), &seen("0", Some(2_000 * S), later));
        assert_eq!(
            c[0],
            SampleChange::End {
                id: 7,
                at: Timestamp(100 * S)
            }
        );
        assert_eq!(started(&c), Some(("0".into(), 2_000 * S)));
        // Another status: the old one is known until last seen, the new one from
        // its since; between them, unknown.
        let c = observe(AgentId(1), Some(&last), &seen("2", Some(3_000 * S), later));
        assert_eq!(
            c[0],
            SampleChange::End {
                id: 7,
                at: Timestamp(100 * S)
            }
        );
        assert_eq!(started(&c), Some(("2".into(), 3_000 * S)));
        // Another status and no since: known from now on only.
        let c = observe(AgentId(1), Some(&last), &seen("2", None, later));
        assert_eq!(started(&c), Some(("2".into(), later)));
    }

    #[test]
    fn a_closed_sample_is_never_overlapped() {
        let closed = StatusSample {
            ended_at: Some(Timestamp(100 * S)),
            ..open("0", 0, 100 * S)
        };
        // The vendor's since reaches back over the recorded stretch: clipped.
        let c = observe(AgentId(1), Some(&closed), &seen("1", Some(50 * S), 120 * S));
        assert_eq!(started(&c), Some(("1".into(), 100 * S)));
    }

    #[test]
    fn a_custom_status_is_told_from_a_system_one_of_the_same_name_by_id() {
        let mut custom_break = seen("4", Some(0), 105 * S);
        custom_break.status_name = "Break".into();
        let mut system_break = open("-2", 0, 100 * S);
        system_break.status_name = "Break".into();
        let c = observe(AgentId(1), Some(&system_break), &custom_break);
        assert!(
            matches!(c[0], SampleChange::End { .. }),
            "a different status: {c:?}"
        );
    }

    fn tenant(id: &str, name: &str, system: bool, offered: bool) -> TenantStatus {
        TenantStatus {
            connection_id: crate::ConnectionId::new(),
            vendor_id: id.into(),
            name: name.into(),
            color: None,
            system,
            offered,
        }
    }

    #[test]
    fn a_status_is_found_by_id_or_by_the_name_that_can_be_set() {
        let list = [
            tenant("0", "Available", true, true),
            tenant("-2", "Break", true, false),
            tenant("2", "Training", false, true),
            tenant("4", "Break", false, false),
            tenant("5", "Lunch", false, true),
            tenant("6", "lunch", false, true),
            tenant("-1", "Unavailable", true, false),
            tenant("7", "Unavailable", false, true),
        ];
        let id = |w: &str| find_status(&list, w).map(|s| s.vendor_id.clone());
        assert_eq!(id("training").as_deref(), Ok("2"));
        assert_eq!(id(" 4 ").as_deref(), Ok("4"), "by id, even one not offered");
        assert_eq!(
            id("UNAVAILABLE").as_deref(),
            Ok("7"),
            "the one that can be set"
        );
        let err = id("Break").expect_err("neither Break can be set");
        assert_eq!(err.field, "status");
        assert!(err.message.contains("cannot be set"), "{}", err.message);
        assert!(err.message.contains("rename it"), "{}", err.message);
        assert!(!err.message.contains("give its id"), "{}", err.message);
        let err = id("Lunch").expect_err("two custom Lunches");
        assert!(err.message.contains("give its id") && err.message.contains("5, 6"));
        let err = id("Napping").expect_err("no such status");
        assert!(
            err.message.contains("Available (0), Training (2)"),
            "{}",
            err.message
        );
    }
}
