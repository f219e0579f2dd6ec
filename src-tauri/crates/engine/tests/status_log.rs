//! Status history from CCAI Platform's activity log, against the simulator:
//! the first read fills the seeded days, a restart after a gap fills the gap
//! (marked as from the log), a read again changes nothing, and where Switchboard
//! watched and the log has it too, both say the same.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use switchboard_domain::dashboard::{Scope, StatusChartQuery};
use switchboard_domain::status::{StatusSample, StatusSource};
use switchboard_domain::{AgentId, Timestamp};
use switchboard_simulator::vendors::ccai::Data;
use switchboard_store::{agent_activity, agents, status_polls, status_samples};

use common::ccai::Env;

async fn env() -> Env {
    common::ccai::env(9, 20).await
}

impl Env {
    fn agent(&self, index: usize) -> AgentId {
        self.ws
            .store()
            .read(|db| {
                Ok(
                    agents::find_by_vendor_id(db, self.ccai, &Data::agent_id(index).to_string())?
                        .unwrap()
                        .id,
                )
            })
            .unwrap()
    }

    fn samples(&self, agent: AgentId, from: Timestamp) -> Vec<StatusSample> {
        self.ws
            .store()
            .read(|db| status_samples::list_for_agent(db, agent, from, Timestamp(i64::MAX)))
            .unwrap()
    }

    fn set(&self, index: usize, status: i32) {
        assert!(
            self.sim
                .world()
                .ccai
                .write()
                .unwrap()
                .set_status(Data::agent_id(index), status)
        );
    }
}

/// Stretches back to back: each ends where the next begins.
fn assert_no_holes(samples: &[StatusSample]) {
    for pair in samples.windows(2) {
        assert_eq!(
            pair[0].ended_at,
            Some(pair[1].started_at),
            "a hole or an overlap between {:?} and {:?}",
            pair[0],
            pair[1]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_read_fills_the_logged_days_and_a_read_again_changes_nothing() {
    let env = env().await;
    // Read a few pages at a time, as the status poller does between polls.
    let mut report = env.ws.read_status_log_pages(env.ccai, 2).await.unwrap();
    let first_from = report.from;
    let (mut rounds, mut records) = (1, report.records);
    while !report.caught_up {
        report = env.ws.read_status_log_pages(env.ccai, 2).await.unwrap();
        assert!(report.from > first_from, "goes on from where it stopped");
        rounds += 1;
        records += report.records;
    }
    assert!(rounds > 2, "{rounds} rounds");
    assert!(records > 100, "{records} records");
    let days_ago = Timestamp(Timestamp::now().0 - 2 * 24 * 3_600_000);
    let agent = env.agent(3);
    let samples = env.samples(agent, Timestamp(0));
    assert!(samples.len() > 5, "{samples:?}");
    assert!(samples[0].started_at < days_ago, "days of history");
    assert!(samples.iter().all(|s| s.source == StatusSource::Log));
    assert_no_holes(&samples);
    assert!(
        samples.last().unwrap().ended_at.is_none(),
        "the status now is open"
    );
    let events = env
        .ws
        .store()
        .read(|db| agent_activity::list_for_agent(db, agent, Timestamp(0), Timestamp(i64::MAX)))
        .unwrap();
    assert!(events.iter().any(|e| e.activity == "login"), "{events:?}");

    let again = env.ws.read_status_log(env.ccai).await.unwrap();
    assert!(again.from > first_from, "from where the last read ended");
    let after = env.samples(agent, Timestamp(0));
    let key = |s: &StatusSample| (s.started_at, s.ended_at, s.status_vendor_id.clone());
    assert_eq!(
        samples.iter().map(key).collect::<Vec<_>>(),
        after.iter().map(key).collect::<Vec<_>>(),
        "read again, nothing changed"
    );

    // A change later, read from the log with no poll in between: the status
    // it ended lasted until it (the log has nothing else between).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let now_status = samples.last().unwrap().status_vendor_id.clone().unwrap();
    let next = if now_status == "2" { 3 } else { 2 };
    env.set(3, next);
    env.ws.read_status_log(env.ccai).await.unwrap();
    let later = env.samples(agent, Timestamp(0));
    assert_no_holes(&later);
    let last = later.last().unwrap();
    assert_eq!(last.status_vendor_id, Some(next.to_string()));
    assert!(last.ended_at.is_none() && last.source == StatusSource::Log);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gap_while_switchboard_was_closed_is_filled_from_the_log() {
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    env.ws.read_status_log(env.ccai).await.unwrap();
    let closed_at = Timestamp::now();
    // Closed: nobody watches while the agent goes to lunch, then training.
    env.set(7, 1);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    env.set(7, 2);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    env.set(7, 0);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // Opened again: the first poll, then the log.
    let workspace_again = &env.ws;
    workspace_again.read_every_status_next();
    workspace_again.poll_statuses(env.ccai).await.unwrap();
    workspace_again.read_status_log(env.ccai).await.unwrap();
    let since = Timestamp(closed_at.0 - 60_000);
    let samples = env.samples(env.agent(7), since);
    let statuses: Vec<(&str, StatusSource)> = samples
        .iter()
        .filter(|s| s.started_at >= Timestamp(closed_at.0 - 1_000))
        .map(|s| (s.status_vendor_id.as_deref().unwrap(), s.source))
        .collect();
    assert_eq!(
        statuses,
        [
            ("1", StatusSource::Log),
            ("2", StatusSource::Log),
            ("0", StatusSource::Log)
        ],
        "{samples:?}"
    );
    assert_no_holes(&samples);
    // The timeline says where the stretches came from.
    let line = env
        .ws
        .status_timelines(StatusChartQuery {
            scope: Scope::Agent(env.agent(7)),
            from: since,
            to: Timestamp::now(),
            bucket_ms: 86_400_000,
        })
        .await
        .unwrap();
    let marked: Vec<(&str, StatusSource)> = line[0]
        .segments
        .iter()
        .filter(|s| s.start >= Timestamp(closed_at.0 - 1_000))
        .map(|s| (s.status_vendor_id.as_deref().unwrap(), s.source))
        .collect();
    assert_eq!(marked, statuses, "{line:?}");
    // Another agent, unchanged all along, is known all along too.
    let quiet = env.samples(env.agent(15), since);
    assert_eq!(quiet.len(), 1, "{quiet:?}");
    assert!(quiet[0].last_seen_at >= Timestamp(closed_at.0 + 3_000));
}

#[tokio::test(flavor = "multi_thread")]
async fn where_both_watched_the_log_and_the_polls_agree() {
    let env = env().await;
    env.ws.read_status_log(env.ccai).await.unwrap();
    env.ws.poll_statuses(env.ccai).await.unwrap();
    let from = Timestamp::now();
    // Watched closely: a poll every 200 ms while the agent moves.
    for status in [1, 2, 3, 0] {
        env.set(12, status);
        for _ in 0..6 {
            env.ws.poll_statuses(env.ccai).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let watched = env.samples(env.agent(12), from);
    env.ws.read_status_log(env.ccai).await.unwrap();
    let logged = env.samples(env.agent(12), from);
    // The vendor stamps whole seconds; a poll places a change no earlier than
    // its last look before it: the two agree to the second.
    let after = Timestamp(from.0 - 1_000);
    let changes = |samples: &[StatusSample]| -> Vec<(String, i64)> {
        samples
            .iter()
            .filter(|s| s.started_at >= after)
            .map(|s| (s.status_vendor_id.clone().unwrap(), s.started_at.0))
            .collect()
    };
    let (w, l) = (changes(&watched), changes(&logged));
    assert_eq!(w.len(), 4, "{watched:?}");
    assert_eq!(
        w.iter().map(|c| &c.0).collect::<Vec<_>>(),
        l.iter().map(|c| &c.0).collect::<Vec<_>>(),
        "the same statuses in the same order: {watched:?} {logged:?}"
    );
    for ((status, watched_at), (_, logged_at)) in w.iter().zip(&l) {
        assert!(
            (watched_at - logged_at).abs() < 1_000,
            "{status}: watched from {watched_at}, logged from {logged_at}"
        );
    }
    assert!(
        logged
            .iter()
            .filter(|s| s.started_at >= after)
            .all(|s| s.source == StatusSource::Log)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_reads_the_log_and_the_dashboards_say_what_came_from_it() {
    const DAY: i64 = 86_400_000;
    let env = common::ccai::env_reading_log_at_sync(9, 20, true).await;
    let (read_to, _) = env
        .ws
        .store()
        .read(|db| status_polls::log_position(db, env.ccai))
        .unwrap();
    assert!(read_to.is_some(), "the sync read the log");
    let now = Timestamp::now();
    let from = Timestamp(now.0 - 7 * DAY);
    let query = |scope: Scope| StatusChartQuery {
        scope,
        from,
        to: Timestamp(now.0 + 1),
        bucket_ms: DAY,
    };
    // Everything known so far is the log's: the time in status says so.
    let chart = env.ws.status_chart(query(Scope::Everyone)).await.unwrap();
    let known: i64 = chart
        .buckets
        .iter()
        .flat_map(|b| &b.statuses)
        .map(|s| s.ms)
        .sum();
    let logged: i64 = chart.buckets.iter().map(|b| b.from_log_ms).sum();
    assert!(logged > DAY, "{logged} ms from the log");
    assert_eq!(logged, known, "nothing was watched yet");
    let line = env
        .ws
        .status_timelines(query(Scope::Agent(env.agent(3))))
        .await
        .unwrap();
    assert!(!line[0].segments.is_empty());
    assert!(
        line[0]
            .segments
            .iter()
            .all(|s| s.source == StatusSource::Log)
    );

    // Logins per day, and offered chats and calls with their pick-up times.
    let summary = env
        .ws
        .activity_summary(query(Scope::Everyone))
        .await
        .unwrap();
    assert!(summary.agents_with_log > 0, "{summary:?}");
    assert!(
        summary
            .days
            .iter()
            .any(|d| d.logins > 0 && d.first_login.is_some())
    );
    for d in &summary.days {
        assert!(d.day >= from && d.day.0 < now.0 + 1, "{d:?}");
        if let (Some(first), Some(last)) = (d.first_login, d.last_logout) {
            assert!(first.0 >= d.day.0 && last.0 < d.day.0 + DAY, "{d:?}");
        }
    }
    let chats: Vec<_> = summary
        .agents
        .iter()
        .filter(|p| p.channel == "chat" && p.picked_up > 0)
        .collect();
    assert!(!chats.is_empty(), "{summary:?}");
    for p in &summary.agents {
        assert!(p.picked_up <= p.offered, "{p:?}");
        assert!(p.median_ms <= p.p90_ms, "{p:?}");
    }
    // A team's figures are its members' together.
    for team in &summary.teams {
        let members = env
            .ws
            .activity_summary(query(Scope::Team(team.team_id.unwrap())))
            .await
            .unwrap();
        let offered: u32 = members
            .agents
            .iter()
            .filter(|p| p.channel == team.channel)
            .map(|p| p.offered)
            .sum();
        assert_eq!(offered, team.offered, "{team:?}");
    }
    // A range that ends before it starts is refused, naming the field.
    let mut backwards = query(Scope::Everyone);
    backwards.to = Timestamp(from.0 - 1);
    match env.ws.activity_summary(backwards).await.unwrap_err() {
        switchboard_engine::EngineError::Invalid(v) => assert_eq!(v.field, "to"),
        other => panic!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_poller_catches_the_log_up_after_a_start_with_nobody_watching() {
    let env = env().await;
    env.sim.inspector().clear_requests();
    let started = std::time::Instant::now();
    let caught_up = || {
        env.ws
            .store()
            .read(|db| status_polls::log_position(db, env.ccai))
            .unwrap()
            .1
            .is_some()
    };
    let polls = std::sync::atomic::AtomicU32::new(0);
    env.ws
        .run_status_poller(
            Duration::from_millis(100),
            || !caught_up() && started.elapsed() < Duration::from_secs(60),
            || false,
            |_| {
                polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            },
        )
        .await;
    assert!(caught_up(), "the log was read to its end");
    assert_eq!(polls.into_inner(), 0, "nobody watched: no poll");
    let counts = env
        .sim
        .inspector()
        .counts(switchboard_simulator::Vendor::CcaiPlatform);
    assert!(
        counts.get("agent_activity_logs").copied().unwrap_or(0) > 1,
        "{counts:?}"
    );
    for listing in ["agents", "agent_statuses"] {
        assert_eq!(
            counts.get(listing),
            None,
            "statuses were not read: {counts:?}"
        );
    }
    let samples = env.samples(env.agent(4), Timestamp(0));
    assert!(samples.len() > 5 && samples.iter().all(|s| s.source == StatusSource::Log));
}

#[tokio::test(flavor = "multi_thread")]
async fn when_someone_starts_watching_the_log_fills_what_nobody_watched() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    env.ws.read_status_log(env.ccai).await.unwrap();
    let (watching, done) = (AtomicBool::new(false), AtomicBool::new(false));
    let agent = env.agent(9);
    let driver = async {
        // The app is open on another view: nobody watches the board.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let before = Timestamp::now();
        env.set(9, 1);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        env.set(9, 2);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        // The board opens.
        watching.store(true, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let found = loop {
            let lunch = env
                .samples(agent, Timestamp(before.0 - 1_000))
                .into_iter()
                .find(|s| s.status_vendor_id.as_deref() == Some("1"));
            if lunch.is_some() || std::time::Instant::now() > deadline {
                break lunch;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        done.store(true, Ordering::SeqCst);
        found
    };
    let poller = env.ws.run_status_poller(
        Duration::from_millis(100),
        || !done.load(Ordering::SeqCst),
        || watching.load(Ordering::SeqCst),
        |_| {},
    );
    let (lunch, ()) = tokio::join!(driver, poller);
    let lunch = lunch.expect("the status held while nobody watched is in the history");
    assert_eq!(lunch.source, StatusSource::Log);
    assert_no_holes(&env.samples(agent, Timestamp(lunch.started_at.0 - 1)));
}
