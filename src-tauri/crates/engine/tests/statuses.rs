//! Statuses against the simulator: reading them page by page, team changes with
//! honest per-agent results, refusals before sending, stale queued changes
//! dropped, intervals, and the polling pace under CCAI Platform's limit.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use switchboard_domain::job::{JobState, OperationState, Origin};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, TeamId, Timestamp, Vendor};
use switchboard_engine::statuses::SetStatusRequest;
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, ErrorCode, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::vendors::ccai::Data;
use switchboard_simulator::{Limits, Scale, SimConfig, Simulator};
use switchboard_store::{agents, status_samples, teams};

struct Env {
    _dir: tempfile::TempDir,
    ws: Workspace,
    ccai: ConnectionId,
    sim: Arc<Simulator>,
}

/// The demo workspace with CCAI Platform synced.
async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-statuses"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .unwrap();
    let ccai = ws
        .create_demo()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.vendor == Vendor::CcaiPlatform)
        .unwrap()
        .id;
    ws.sync(ccai, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    let sim = ws.running_demo().await.unwrap();
    Env {
        _dir: dir,
        ws,
        ccai,
        sim,
    }
}

impl Env {
    fn team(&self, name: &str) -> TeamId {
        self.ws
            .store()
            .read(|db| {
                Ok(teams::list_by_connection(db, self.ccai)?
                    .into_iter()
                    .find(|t| t.name == name)
                    .unwrap()
                    .id)
            })
            .unwrap()
    }

    fn agent(&self, vendor_id: u64) -> switchboard_domain::AgentId {
        self.ws
            .store()
            .read(|db| {
                Ok(
                    agents::find_by_vendor_id(db, self.ccai, &vendor_id.to_string())?
                        .unwrap()
                        .id,
                )
            })
            .unwrap()
    }

    fn calls(&self, endpoint: &str) -> u64 {
        self.sim.inspector().count(Vendor::CcaiPlatform, endpoint)
    }

    fn request(&self, status: &str) -> SetStatusRequest {
        SetStatusRequest {
            connection_id: self.ccai,
            status_id: status.into(),
            agents: Vec::new(),
            teams: Vec::new(),
            drop_after_minutes: None,
        }
    }
}

#[tokio::test]
async fn statuses_are_read_page_by_page_and_the_board_shows_them_with_the_tenants_list() {
    let env = env().await;
    let total = env.sim.world().ccai.read().unwrap().agents.len();
    let pages_before = env.calls("agents");
    let report = env.ws.poll_statuses(env.ccai).await.unwrap();
    assert_eq!(report.agents as usize, total);
    let pages = total.div_ceil(100) as u64;
    assert_eq!(
        env.calls("agents") - pages_before,
        pages,
        "every page, once"
    );
    assert_eq!(report.changed, 0, "the sync already recorded them");

    let board = env.ws.status_board().await.unwrap();
    let ccai: Vec<_> = board
        .agents
        .iter()
        .filter(|a| a.connection_id == env.ccai)
        .collect();
    assert_eq!(ccai.len(), total);
    assert!(
        ccai.iter().all(|a| a.status.is_some()),
        "every CCAI agent has a status"
    );
    let first = Data::agent_id(0);
    let truth = env
        .sim
        .world()
        .ccai
        .read()
        .unwrap()
        .status_of(first)
        .unwrap();
    let shown = ccai
        .iter()
        .find(|a| a.agent_id == env.agent(first))
        .and_then(|a| a.status.clone())
        .unwrap();
    assert_eq!(
        (shown.status_vendor_id.as_deref(), shown.name.as_str()),
        (Some(truth.id.to_string().as_str()), truth.name)
    );
    assert!(
        board
            .polls
            .iter()
            .any(|p| p.connection_id == env.ccai && p.last_ok_at.is_some())
    );

    // The tenant's list: colours, and only what can be set is offered.
    let offered = |name: &str, id: &str| {
        board
            .statuses
            .iter()
            .find(|s| s.name == name && s.vendor_id == id)
            .map(|s| (s.offered, s.color.is_some()))
            .unwrap()
    };
    assert_eq!(offered("Available", "0"), (true, true));
    assert_eq!(offered("Lunch", "1"), (true, true));
    assert_eq!(offered("In-call", "-7"), (false, true));
    assert_eq!(
        offered("Break", "4"),
        (false, true),
        "a custom Break the API cannot address"
    );
    assert_eq!(
        offered("Meal", "-4"),
        (false, true),
        "system statuses other than Available"
    );
}

#[tokio::test]
async fn a_team_set_to_a_custom_status_reports_each_agent_and_two_kept_on_a_call() {
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    let team = env.team("Tier 1 Support");
    let outcome = env
        .ws
        .set_status(SetStatusRequest {
            teams: vec![team],
            ..env.request("2")
        })
        .await
        .unwrap();
    let members = env.sim.world().ccai.read().unwrap().team_members(1);
    assert_eq!(outcome.agents.len(), members.len(), "one result per agent");
    let kept: Vec<_> = outcome
        .agents
        .iter()
        .filter(|a| !a.changed && !a.already)
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept.iter().all(|k| {
        k.current == "In-call"
            && k.message
                .as_deref()
                .unwrap_or_default()
                .contains("system status")
    }));
    for a in &outcome.agents {
        let truth = env
            .sim
            .world()
            .ccai
            .read()
            .unwrap()
            .status_of(a.agent_vendor_id.parse().unwrap())
            .unwrap();
        assert_eq!(
            a.changed || a.already,
            truth.name == "Training",
            "{} is {}",
            a.name,
            truth.name
        );
        assert!(!(a.changed && a.already));
    }
    // One of them was in Training before: already there, not "changed".
    let already: Vec<_> = outcome.agents.iter().filter(|a| a.already).collect();
    assert_eq!(already.len(), 1, "{:?}", outcome.agents);
    assert_eq!(already[0].previous, "Training");
    assert_eq!(outcome.operation.state, OperationState::Done);
    assert!(
        outcome
            .operation
            .message
            .as_deref()
            .unwrap()
            .contains("already there; 2 kept"),
        "{:?}",
        outcome.operation.message
    );
    assert_eq!(outcome.state, JobState::Done);

    // The board shows the changed agents in Training from now, seen by the app.
    let board = env.ws.status_board().await.unwrap();
    let changed = outcome.agents.iter().find(|a| a.changed).unwrap();
    let shown = board
        .agents
        .iter()
        .find(|a| Some(a.agent_id) == changed.agent_id)
        .and_then(|a| a.status.clone())
        .unwrap();
    assert_eq!(
        (shown.status_vendor_id.as_deref(), shown.name.as_str()),
        (Some("2"), "Training")
    );
    assert_eq!(shown.source, switchboard_domain::status::StatusSource::App);

    // In History like every other change.
    let page = env.ws.history(Default::default()).await.unwrap();
    assert_eq!(
        page.rows[0].operation.kind,
        switchboard_domain::job::OperationKind::SetStatus
    );
    assert_eq!(page.rows[0].job_title, "Set Training for Tier 1 Support");
    // Searching History for the status finds the change.
    let found = env
        .ws
        .history(switchboard_domain::job::HistoryQuery {
            search: Some("Training".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.rows.len(), 1, "{:?}", found.rows);
    assert_eq!(
        found.rows[0].operation.target_label.as_deref(),
        Some("Training")
    );
}

#[tokio::test]
async fn unknown_system_and_ambiguous_statuses_and_empty_choices_are_refused_before_sending() {
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    let team = env.team("Tier 1 Support");
    let sent = env.calls("agent_statuses");
    for (status, words) in [
        ("99", "no status with id 99"),
        ("-7", "CCAI Platform manages itself"),
        ("-4", "CCAI Platform manages itself"),
        ("4", "same name as a system status"),
    ] {
        let err = env
            .ws
            .set_status(SetStatusRequest {
                teams: vec![team],
                ..env.request(status)
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{status}");
        assert!(err.to_string().starts_with("status:"), "{err}");
        assert!(err.to_string().contains(words), "{status}: {err}");
    }
    let err = env.ws.set_status(env.request("1")).await.unwrap_err();
    assert!(err.to_string().starts_with("agents:"), "{err}");
    let err = env
        .ws
        .set_status(SetStatusRequest {
            teams: vec![team],
            drop_after_minutes: Some(0),
            ..env.request("1")
        })
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("drop_after_minutes:"), "{err}");
    assert_eq!(env.calls("agent_statuses"), sent, "nothing was sent");
    let page = env.ws.history(Default::default()).await.unwrap();
    assert!(page.rows.is_empty(), "nothing invalid was journaled");
}

#[tokio::test]
async fn a_queued_status_change_is_sent_in_time_or_dropped_after_it() {
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    let agent = Data::agent_id(4);
    env.sim.world().ccai.write().unwrap().set_status(agent, 0);
    env.sim.halt(Vendor::CcaiPlatform);
    let late = env
        .ws
        .set_status(SetStatusRequest {
            agents: vec![env.agent(agent)],
            drop_after_minutes: Some(1),
            ..env.request("1")
        })
        .await
        .unwrap();
    assert_eq!(late.operation.state, OperationState::Queued);
    let in_time = env
        .ws
        .set_status(SetStatusRequest {
            agents: vec![env.agent(agent)],
            drop_after_minutes: Some(60),
            ..env.request("3")
        })
        .await
        .unwrap();
    // The first one's minute has passed.
    let id = late.operation.operation_id;
    env.ws
        .store()
        .write(|db| {
            db.execute(
                "UPDATE operations SET not_after = ?1 WHERE id = ?2",
                (Timestamp::now().0 - 1, id.0),
            )?;
            Ok(())
        })
        .unwrap();
    env.sim.resume(Vendor::CcaiPlatform).await.unwrap();
    let sent = env.ws.send_queued().await.unwrap();
    let state_of = |op| sent.iter().find(|r| r.operation_id == op).map(|r| r.state);
    assert_eq!(state_of(id), Some(OperationState::Cancelled));
    assert_eq!(
        state_of(in_time.operation.operation_id),
        Some(OperationState::Done)
    );
    assert_eq!(
        env.sim
            .world()
            .ccai
            .read()
            .unwrap()
            .status_of(agent)
            .unwrap()
            .name,
        "Coaching",
        "only the change still in time was sent"
    );
}

#[tokio::test]
async fn intervals_follow_changes_and_survive_a_restart() {
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    let vendor_id = Data::agent_id(5);
    let agent = env.agent(vendor_id);
    env.sim
        .world()
        .ccai
        .write()
        .unwrap()
        .set_status(vendor_id, 1);
    env.ws.poll_statuses(env.ccai).await.unwrap();
    let samples = env
        .ws
        .store()
        .read(|db| status_samples::list_for_agent(db, agent, Timestamp(0), Timestamp(i64::MAX)))
        .unwrap();
    let last = samples.last().unwrap();
    assert_eq!((last.status_name.as_str(), last.ended_at), ("Lunch", None));
    let previous = &samples[samples.len() - 2];
    assert_eq!(previous.ended_at, Some(last.started_at), "watched: no gap");

    // A restart: the same data folder, opened again; nothing changed meanwhile,
    // so the open sample goes on.
    let again = env.ws.poll_statuses(env.ccai).await.unwrap();
    assert_eq!(again.changed, 0);
    let count = env
        .ws
        .store()
        .read(|db| status_samples::list_for_agent(db, agent, Timestamp(0), Timestamp(i64::MAX)))
        .unwrap()
        .len();
    assert_eq!(count, samples.len());

    // History older than the kept stretch goes; the current status stays.
    let long_ago = Timestamp(
        Timestamp::now().0
            - switchboard_engine::statuses::STATUS_HISTORY_KEPT.as_millis() as i64
            - 1_000,
    );
    env.ws
        .store()
        .write(|db| {
            status_samples::insert(
                db,
                &switchboard_domain::status::StatusSample {
                    id: 0,
                    agent_id: agent,
                    status_vendor_id: Some("1".into()),
                    status_name: "Lunch".into(),
                    started_at: Timestamp(long_ago.0 - 60_000),
                    last_seen_at: long_ago,
                    ended_at: Some(long_ago),
                    source: switchboard_domain::status::StatusSource::Poll,
                },
            )?;
            // An event of the activity log from then goes with it.
            switchboard_store::agent_activity::insert(
                db,
                &switchboard_store::agent_activity::Activity {
                    agent_id: agent,
                    vendor_id: "old-login".into(),
                    activity: "login".into(),
                    at: long_ago,
                    contact_id: None,
                },
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(env.ws.prune_status_history().await.unwrap(), 1);
    let events = env
        .ws
        .store()
        .read(|db| {
            switchboard_store::agent_activity::list_for_agent(
                db,
                agent,
                Timestamp(0),
                Timestamp(i64::MAX),
            )
        })
        .unwrap();
    assert!(
        !events.iter().any(|e| e.vendor_id == "old-login"),
        "{events:?}"
    );
    assert!(
        !events.is_empty() && events.iter().all(|e| e.at > long_ago),
        "newer events stay"
    );
    let board = env.ws.status_board().await.unwrap();
    assert!(
        board
            .agents
            .iter()
            .any(|a| a.agent_id == agent && a.status.is_some())
    );
}

#[tokio::test]
async fn polling_stays_under_ccai_platforms_ten_requests_per_second() {
    // About 2,000 CCAI agents (a fifth of the pool): 20 pages a read. Limits as
    // documented: the simulator answers 429 past 10 requests in any second.
    let sim = Simulator::start(
        SimConfig::demo(5)
            .with_scale(Scale {
                agents: 10_000,
                targets: 50,
            })
            .with_limits(Limits::Documented),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().into(),
        namespace: Namespace::test("engine-poll"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .unwrap();
    let (vendor, form) = switchboard_engine::demo::forms(&sim.manifest(), "Poll ")
        .into_iter()
        .find(|(v, _)| *v == Vendor::CcaiPlatform)
        .unwrap();
    let c = ws.create_connection(vendor, form, false).await.unwrap();
    ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    sim.inspector().clear_requests();
    let started = std::time::Instant::now();
    let reports = std::sync::Mutex::new(Vec::new());
    ws.run_status_poller(
        Duration::ZERO,
        || started.elapsed() < Duration::from_secs(6),
        || true,
        |r| {
            reports
                .lock()
                .unwrap()
                .push(r.map(|r| r.agents).map_err(|(_, e)| e.to_string()))
        },
    )
    .await;
    let reports = reports.into_inner().unwrap();
    let total = sim.world().ccai.read().unwrap().agents.len() as u32;
    assert!(total >= 1_500, "{total} agents");
    assert!(!reports.is_empty());
    assert!(reports.iter().all(|r| r == &Ok(total)), "{reports:?}");
    let times: Vec<u64> = sim
        .inspector()
        .requests()
        .into_iter()
        .filter(|r| r.vendor == Vendor::CcaiPlatform)
        .map(|r| {
            assert_ne!(r.status, 429, "never refused for pace");
            r.at_ms
        })
        .collect();
    assert!(
        times.len() >= 20,
        "at least one whole read: {}",
        times.len()
    );
    let busiest = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && **u < t + 1_000)
                .count()
        })
        .max()
        .unwrap();
    println!(
        "{} requests in {:.1} s, busiest second {busiest}",
        times.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(busiest <= 10, "{busiest} requests in one second");
}

#[tokio::test]
async fn helpcrunch_says_whether_the_team_is_online_and_the_board_shows_it() {
    let env = env().await;
    let hc = env
        .ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.connection.vendor == Vendor::Helpcrunch)
        .unwrap()
        .connection
        .id;
    let report = env.ws.poll_team_online(hc).await.unwrap();
    assert_eq!(report.requests, 1);
    let board = env.ws.status_board().await.unwrap();
    let state = board.polls.iter().find(|p| p.connection_id == hc).unwrap();
    assert_eq!(state.team_online, Some(true));
    assert!(state.last_ok_at.is_some());

    // Unreachable: the failure is kept, the last known flag stands.
    env.sim.halt(Vendor::Helpcrunch);
    assert_eq!(
        env.ws.poll_team_online(hc).await.unwrap_err().code(),
        ErrorCode::Unreachable
    );
    let board = env.ws.status_board().await.unwrap();
    let state = board.polls.iter().find(|p| p.connection_id == hc).unwrap();
    assert_eq!(state.team_online, Some(true));
    assert!(state.last_error.is_some());
}
