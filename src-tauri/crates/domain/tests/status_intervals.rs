//! Properties of how looks at an agent's status become intervals
//! (`status::observe`), for any true history of changes and any times the app
//! looked, with or without the vendor's "since": intervals never overlap, every
//! look lies in an interval of what it saw, what the vendor's "since" vouches
//! for is true to the millisecond, and time nobody watched stays unknown.

use proptest::prelude::*;
use switchboard_domain::status::{
    SampleChange, Seen, StatusSample, StatusSource, WATCH_GAP_MS, observe,
};
use switchboard_domain::{AgentId, Timestamp};

/// The agent's true history: (time of change, status), in order, from 0.
fn truth_at(changes: &[(i64, u8)], at: i64) -> (i64, u8) {
    changes
        .iter()
        .rev()
        .find(|(t, _)| *t <= at)
        .copied()
        .unwrap_or((0, changes[0].1))
}

fn end_of(s: &StatusSample) -> i64 {
    s.ended_at.unwrap_or(s.last_seen_at).0
}

/// Applies looks to an empty agent as the store would, and returns the samples.
fn watch(changes: &[(i64, u8)], looks: &[i64], with_since: bool) -> Vec<StatusSample> {
    let agent = AgentId(1);
    let mut samples: Vec<StatusSample> = Vec::new();
    for &at in looks {
        let (since, status) = truth_at(changes, at);
        let seen = Seen {
            status_vendor_id: Some(status.to_string()),
            status_name: format!("status {status}"),
            since: with_since.then_some(Timestamp(since)),
            at: Timestamp(at),
            source: StatusSource::Poll,
        };
        for change in observe(agent, samples.last(), &seen) {
            match change {
                SampleChange::Touch { id, at } => samples[id as usize - 1].last_seen_at = at,
                SampleChange::End { id, at } => samples[id as usize - 1].ended_at = Some(at),
                SampleChange::Start(mut s) => {
                    s.id = samples.len() as i64 + 1;
                    samples.push(s);
                }
            }
        }
    }
    samples
}

/// A true history (changes at increasing times, among 3 statuses) and the
/// times the app looked (increasing; sometimes far apart).
fn histories() -> impl Strategy<Value = (Vec<(i64, u8)>, Vec<i64>)> {
    // A change always changes the status: the vendor's "since" is when the
    // agent went into the status it is in.
    let changes = proptest::collection::vec((1i64..400_000, 0u8..3), 1..20).prop_map(|steps| {
        let mut t = 0;
        let mut out: Vec<(i64, u8)> = Vec::new();
        for (i, (dt, s)) in steps.into_iter().enumerate() {
            if i > 0 {
                t += dt;
            }
            if out.last().is_none_or(|(_, last)| *last != s) {
                out.push((t, s));
            }
        }
        out
    });
    let looks = proptest::collection::vec(
        prop_oneof![4 => 1i64..60_000, 1 => 60_000i64..600_000],
        1..60,
    )
    .prop_map(|gaps| {
        let mut t = 0;
        gaps.into_iter()
            .map(|g| {
                t += g;
                t
            })
            .collect::<Vec<_>>()
    });
    (changes, looks)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn intervals_never_overlap_and_hold_every_look((changes, looks) in histories(), with_since in any::<bool>()) {
        let samples = watch(&changes, &looks, with_since);
        for s in &samples {
            prop_assert!(s.started_at <= s.last_seen_at, "{s:?}");
            prop_assert!(s.started_at.0 <= end_of(s), "{s:?}");
        }
        for pair in samples.windows(2) {
            prop_assert!(end_of(&pair[0]) <= pair[1].started_at.0, "overlap: {pair:?}");
            prop_assert!(pair[0].ended_at.is_some(), "only the last may be open: {pair:?}");
        }
        for &at in &looks {
            let (_, status) = truth_at(&changes, at);
            let holding = samples.iter().find(|s| s.started_at.0 <= at && at <= end_of(s) && s.status_vendor_id.as_deref() == Some(status.to_string().as_str()));
            prop_assert!(holding.is_some(), "the look at {at} (status {status}) is in no interval of it: {samples:?}");
        }
    }

    #[test]
    fn what_the_vendor_vouches_for_is_true((changes, looks) in histories()) {
        let samples = watch(&changes, &looks, true);
        for s in &samples {
            let claimed = s.status_vendor_id.clone().unwrap_or_default();
            let (_, at_start) = truth_at(&changes, s.started_at.0);
            prop_assert_eq!(at_start.to_string(), claimed.clone(), "{:?} starts in another status", s);
            // No true change from its start to when it was last seen. (After
            // that, up to the next look's "since", it is inferred: the old
            // status is taken to last until the new one began.)
            let inside = changes.iter().find(|(t, _)| *t > s.started_at.0 && *t <= s.last_seen_at.0);
            prop_assert!(inside.is_none(), "{s:?} hides the change {inside:?}");
        }
    }

    #[test]
    fn time_nobody_watched_stays_unknown((changes, looks) in histories()) {
        // Without the vendor's "since", only the app's own looks are evidence.
        let samples = watch(&changes, &looks, false);
        for pair in looks.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b - a > WATCH_GAP_MS {
                let spanning = samples.iter().find(|s| s.started_at.0 <= a && end_of(s) >= b);
                prop_assert!(spanning.is_none(), "{spanning:?} claims the unwatched {a}..{b}");
            }
        }
        let first = looks[0];
        prop_assert!(samples.iter().all(|s| s.started_at.0 >= first), "nothing before the first look");
    }
}
