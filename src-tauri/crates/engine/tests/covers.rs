//! Temporary cover against the simulator, on a clock the test sets: a cover
//! whose start fell while Switchboard was closed runs late and says so; what
//! arrives for the person during it follows; at the end only what the cover
//! still holds goes back (a chat someone else took, and one released, stay).
//! Overlaps are refused; a cancelled cover never runs; two Switchboards that
//! find one cover due run it once.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;

use common::env;
use switchboard_domain::Timestamp;
use switchboard_domain::Vendor;
use switchboard_domain::browse::PersonRow;
use switchboard_domain::cover::{CoverState, CoverStep};
use switchboard_domain::sync::SyncMode;
use switchboard_engine::covers::CoverRequest;
use switchboard_engine::reassign::{Destination, Strategy};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{EngineError, Workspace};
use switchboard_simulator::vendors::helpcrunch::Data;

const HOUR: i64 = 3_600_000;

fn hc_agent(p: &PersonRow) -> Option<u64> {
    p.agents
        .iter()
        .find(|a| a.vendor == Vendor::Helpcrunch && a.active)
        .and_then(|a| a.vendor_id.parse().ok())
}

fn cover(
    person: &PersonRow,
    to: &[&PersonRow],
    from: i64,
    until: i64,
    hc: switchboard_domain::ConnectionId,
) -> CoverRequest {
    CoverRequest {
        person: person.id,
        starts_at: Timestamp(from),
        ends_at: Timestamp(until),
        zone: "Europe/Lisbon".into(),
        to: Destination::People {
            ids: to.iter().map(|p| p.id).collect(),
        },
        strategy: Strategy::RoundRobin,
        connections: vec![hc],
        follow_new: true,
        pingup_until: false,
        note: Some("Ana on leave".into()),
    }
}

fn field(e: EngineError) -> (String, String) {
    match e {
        EngineError::Invalid(v) => (v.field, v.message),
        other => panic!("not a refusal: {other}"),
    }
}

async fn sync(ws: &Workspace, id: switchboard_domain::ConnectionId) {
    ws.sync(id, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cover_starts_late_takes_new_work_and_hands_back_only_what_it_still_holds() {
    let env = env().await;
    let ws = &env.ws;
    let sim = ws.running_demo().await.unwrap();
    let hc = ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.connection.vendor == Vendor::Helpcrunch)
        .unwrap()
        .connection
        .id;
    let people: Vec<PersonRow> = env
        .people(1)
        .await
        .into_iter()
        .filter(|p| hc_agent(p).is_some())
        .collect();
    let (ana, bruno, carla) = (&people[0], &people[1], &people[2]);
    let (a, b, c) = (
        hc_agent(ana).unwrap(),
        hc_agent(bruno).unwrap(),
        hc_agent(carla).unwrap(),
    );
    let held = |i: usize| {
        sim.world()
            .helpcrunch
            .read()
            .unwrap()
            .assignee_of(Data::chat_id(i))
            .flatten()
    };
    // Ana holds five chats.
    {
        let mut world = sim.world().helpcrunch.write().unwrap();
        for i in 0..5 {
            world.set_assignee(Data::chat_id(i), Some(a));
        }
    }
    sync(ws, hc).await;

    let t0 = Timestamp::now().0;
    let request = cover(ana, &[bruno], t0 + HOUR, t0 + 5 * HOUR, hc);
    let added = ws.add_cover(request.clone()).await.unwrap();
    assert_eq!(
        (added.cover.state, added.to_names.clone()),
        (CoverState::Scheduled, vec![bruno.display_name.clone()])
    );
    assert_eq!(added.cover.zone, "Europe/Lisbon");

    // Ana away twice, Bruno away while he covers, nobody to cover: refused.
    let (f, m) = field(
        ws.add_cover(cover(ana, &[carla], t0 + 2 * HOUR, t0 + 3 * HOUR, hc))
            .await
            .unwrap_err(),
    );
    assert!(
        f == "starts_at" && m.contains("is already away"),
        "{f}: {m}"
    );
    let (f, m) = field(
        ws.add_cover(cover(bruno, &[carla], t0 + 4 * HOUR, t0 + 6 * HOUR, hc))
            .await
            .unwrap_err(),
    );
    assert!(
        f == "starts_at" && m.contains(&format!("covers for {}", ana.display_name)),
        "{f}: {m}"
    );
    let (f, m) = field(
        ws.add_cover(cover(carla, &[ana], t0 + 2 * HOUR, t0 + 3 * HOUR, hc))
            .await
            .unwrap_err(),
    );
    assert!(f == "to" && m.contains("is away themselves"), "{f}: {m}");
    let (f, _) = field(
        ws.add_cover(cover(carla, &[], t0 + 2 * HOUR, t0 + 3 * HOUR, hc))
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "to");
    let (f, _) = field(
        ws.add_cover(cover(carla, &[bruno], t0 + 3 * HOUR, t0 + 2 * HOUR, hc))
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "ends_at");

    // Nothing is due before its start.
    ws.set_now(Some(Timestamp(t0 + HOUR / 2)));
    assert!(ws.run_due_covers().await.unwrap().is_empty());

    // Switchboard was closed at the start: it runs at the next start, said late.
    ws.set_now(Some(Timestamp(t0 + HOUR + 5 * 60_000)));
    let runs = ws.run_due_covers().await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(
        (runs[0].step, runs[0].late_ms),
        (CoverStep::Start, 5 * 60_000)
    );
    assert!(runs[0].items >= 5, "{runs:#?}");
    assert!(
        (0..5).all(|i| held(i) == Some(b)),
        "Bruno holds Ana's chats"
    );
    let row = ws.cover(added.cover.id).await.unwrap();
    assert_eq!(
        (row.cover.state, row.started_late_ms),
        (CoverState::Active, Some(5 * 60_000))
    );

    // A chat arrives for Ana during the cover (seen at sync): it follows.
    sim.world()
        .helpcrunch
        .write()
        .unwrap()
        .set_assignee(Data::chat_id(10), Some(a));
    sync(ws, hc).await;
    ws.set_now(Some(Timestamp(t0 + 2 * HOUR)));
    let runs = ws.run_due_covers().await.unwrap();
    assert_eq!(
        (runs.len(), runs[0].step, runs[0].items),
        (1, CoverStep::Follow, 1),
        "{runs:#?}"
    );
    assert_eq!(held(10), Some(b));
    assert!(
        ws.run_due_covers().await.unwrap().is_empty(),
        "nothing new: nothing follows"
    );

    // Meanwhile Carla takes one chat and another is released at the vendor.
    {
        let mut world = sim.world().helpcrunch.write().unwrap();
        world.set_assignee(Data::chat_id(0), Some(c));
        world.set_assignee(Data::chat_id(1), None);
    }
    ws.set_now(Some(Timestamp(t0 + 5 * HOUR + 10_000)));
    let runs = ws.run_due_covers().await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(
        (runs[0].step, runs[0].skipped),
        (CoverStep::End, 2),
        "{runs:#?}"
    );
    assert!(
        [2, 3, 4, 10].into_iter().all(|i| held(i) == Some(a)),
        "back to Ana"
    );
    assert_eq!(
        (held(0), held(1)),
        (Some(c), None),
        "what changed meanwhile is left"
    );
    let row = ws.cover(added.cover.id).await.unwrap();
    assert_eq!(row.cover.state, CoverState::Ended);
    let left: Vec<&str> = row
        .cover
        .skipped
        .iter()
        .filter(|s| s.step == CoverStep::End)
        .map(|s| s.reason.as_str())
        .collect();
    assert_eq!(left.len(), 2, "{:#?}", row.cover.skipped);
    assert!(left.iter().all(|r| r.contains("changed since")), "{left:?}");
    let steps: Vec<CoverStep> = row.jobs.iter().map(|j| j.step).collect();
    assert_eq!(steps, [CoverStep::Start, CoverStep::Follow, CoverStep::End]);
    assert!(
        ws.run_due_covers().await.unwrap().is_empty(),
        "each step once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_cover_never_runs_and_two_switchboards_run_a_due_one_once() {
    let env = env().await;
    let ws = &env.ws;
    let hc = ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.connection.vendor == Vendor::Helpcrunch)
        .unwrap()
        .connection
        .id;
    let people: Vec<PersonRow> = env
        .people(1)
        .await
        .into_iter()
        .filter(|p| hc_agent(p).is_some())
        .collect();
    let t0 = Timestamp::now().0;
    let cancelled = ws
        .add_cover(cover(
            &people[3],
            &[&people[4]],
            t0 + HOUR,
            t0 + 2 * HOUR,
            hc,
        ))
        .await
        .unwrap();
    assert_eq!(
        ws.cancel_cover(cancelled.cover.id)
            .await
            .unwrap()
            .cover
            .state,
        CoverState::Cancelled
    );
    let (f, _) = field(ws.cancel_cover(cancelled.cover.id).await.unwrap_err());
    assert_eq!(f, "cover");

    // A cover already due, found by this window and by a second Switchboard
    // on the same data folder (a cron run) at once.
    let due = ws
        .add_cover(cover(&people[0], &[&people[1]], t0 - 60_000, t0 + HOUR, hc))
        .await
        .unwrap();
    let other = Arc::new(
        Workspace::open_with_keychain(
            ws.config().clone(),
            switchboard_domain::job::Origin::Cli,
            Arc::new({
                let k = switchboard_secrets::Keychain::in_memory(ws.config().namespace.clone())
                    .unwrap();
                move || Ok(k.clone())
            }),
        )
        .unwrap(),
    );
    ws.set_now(Some(Timestamp(t0 + 3 * HOUR / 2)));
    other.set_now(Some(Timestamp(t0 + 3 * HOUR / 2)));
    let (mine, theirs) = tokio::join!(ws.run_due_covers(), other.run_due_covers());
    let runs: Vec<_> = mine.unwrap().into_iter().chain(theirs.unwrap()).collect();
    let starts = runs.iter().filter(|r| r.step == CoverStep::Start).count();
    assert_eq!(starts, 1, "{runs:#?}");
    let row = ws.cover(due.cover.id).await.unwrap();
    assert_eq!(
        row.jobs
            .iter()
            .filter(|j| j.step == CoverStep::Start)
            .count(),
        1
    );
    assert_eq!(
        ws.cover(cancelled.cover.id).await.unwrap().cover.state,
        CoverState::Cancelled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_pingup_the_cover_s_assignment_ends_with_the_cover_and_the_old_expiry_comes_back() {
    let env = env().await;
    let ws = &env.ws;
    let sim = ws.running_demo().await.unwrap();
    let pingup = ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.connection.vendor == Vendor::Pingup)
        .unwrap()
        .connection
        .id;
    let on_pingup = |p: &PersonRow| {
        p.agents
            .iter()
            .find(|a| a.vendor == Vendor::Pingup && a.active)
            .map(|a| a.vendor_id.clone())
    };
    let people: Vec<PersonRow> = env
        .people(1)
        .await
        .into_iter()
        .filter(|p| on_pingup(p).is_some())
        .collect();
    let (ana, bruno) = (&people[0], &people[1]);
    let (a, b) = (on_pingup(ana).unwrap(), on_pingup(bruno).unwrap());
    let client = sim.world().pingup.read().unwrap().client_id(0);
    sim.world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&client, &[&a]);
    sync(ws, pingup).await;
    let holders = || {
        sim.world()
            .pingup
            .read()
            .unwrap()
            .assignees_of(&client)
            .unwrap()
    };
    assert_eq!(
        holders(),
        [(
            a.clone(),
            switchboard_simulator::vendors::pingup::DEFAULT_UNTIL.to_owned()
        )]
    );

    let t0 = Timestamp::now().0;
    let ends = t0 + 3 * HOUR;
    let mut request = cover(ana, &[bruno], t0 - 60_000, ends, pingup);
    request.pingup_until = true;
    let added = ws.add_cover(request).await.unwrap();
    assert!(added.cover.pingup_until);
    let runs = ws.run_due_covers().await.unwrap();
    assert_eq!(runs[0].step, CoverStep::Start, "{runs:#?}");
    // Bruno's assignment ends when the cover does (Ana's is ended: expiry now).
    let during = holders();
    let until = |agent: &str| {
        during
            .iter()
            .find(|(x, _)| x == agent)
            .map(|(_, u)| u.clone())
    };
    let ends_iso = chrono::DateTime::from_timestamp_millis(ends)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(until(&b), Some(ends_iso), "{during:?}");

    ws.set_now(Some(Timestamp(ends + 1_000)));
    let runs = ws.run_due_covers().await.unwrap();
    assert_eq!(
        (runs.len(), runs[0].step, runs[0].skipped),
        (1, CoverStep::End, 0),
        "{runs:#?}"
    );
    let after = holders();
    assert!(
        after.contains(&(
            a.clone(),
            switchboard_simulator::vendors::pingup::DEFAULT_UNTIL.to_owned()
        )),
        "Ana has her assignment back with the expiry it had: {after:?}"
    );
}
