//! A keychain that locks under a bulk job, on the real Secret Service
//! (gnome-keyring in the test command's D-Bus session): the job waits and says
//! "unlock your keychain", sends nothing meanwhile, and goes on by itself once
//! the keychain is unlocked; every item ends done.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_domain::job::{JobState, OperationState};
use switchboard_domain::sync::SyncMode;
use switchboard_engine::ErrorCode;
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy};
use switchboard_engine::sync::Cancel;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

mod common;
use common::demo_workspace;

const SECRETS: &str = "org.freedesktop.secrets";
const SERVICE: &str = "/org/freedesktop/secrets";
const LOGIN: &str = "/org/freedesktop/secrets/collection/login";
/// The login keyring's password in `.ci/keyring-session`.
const PASSWORD: &str = "switchboard-test";

fn lock(bus: &zbus::blocking::Connection) {
    bus.call_method(
        Some(SECRETS),
        SERVICE,
        Some("org.freedesktop.Secret.Service"),
        "Lock",
        &(vec![ObjectPath::try_from(LOGIN).unwrap()],),
    )
    .unwrap();
}

/// Unlocks with the password, as a person typing it into the prompt would.
fn unlock(bus: &zbus::blocking::Connection) {
    let reply = bus
        .call_method(
            Some(SECRETS),
            SERVICE,
            Some("org.freedesktop.Secret.Service"),
            "OpenSession",
            &("plain", Value::from("")),
        )
        .unwrap();
    let (_, session): (OwnedValue, OwnedObjectPath) = reply.body().deserialize().unwrap();
    bus.call_method(
        Some(SECRETS),
        SERVICE,
        Some("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"),
        "UnlockWithMasterPassword",
        &(
            ObjectPath::try_from(LOGIN).unwrap(),
            (
                session,
                Vec::<u8>::new(),
                PASSWORD.as_bytes().to_vec(),
                "text/plain",
            ),
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_waits_for_a_locked_keychain_and_goes_on_once_it_is_unlocked() {
    let Some((_dir, _namespace, ws, connections)) = demo_workspace().await else {
        return;
    };
    let Ok(bus) = zbus::blocking::Connection::session() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "under CI the session bus is there"
        );
        eprintln!("SKIPPED: no D-Bus session");
        return;
    };
    let ws = Arc::new(ws);
    for c in &connections {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let mut people: Vec<_> = ws
        .people(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.agents.len() >= 3)
        .collect();
    people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
    let request = ReassignRequest {
        from: Some(people[0].id),
        targets: None,
        connections: Vec::new(),
        to: Destination::People {
            ids: vec![people[1].id, people[2].id],
        },
        strategy: Strategy::LeastLoaded,
        max_per_person: None,
        only_available: false,
        status: None,
    };
    let started = ws.start_reassign(request).await.unwrap();
    let job = started.job_id;
    let items = started.plan.items.len();

    // The keychain locks before the job goes out (as a laptop does on sleep).
    lock(&bus);
    let sim = ws.running_demo().await.unwrap();
    let sent_before = sim.inspector().requests().len();
    let runner = {
        let ws = ws.clone();
        tokio::spawn(async move { ws.resume_job(job).await })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let stall = loop {
        let p = ws.job_progress(job).await.unwrap();
        if let Some(stall) = p.stalled {
            break stall;
        }
        assert!(
            !runner.is_finished(),
            "the job ended instead of waiting: {:?}",
            p.summary
        );
        assert!(
            Instant::now() < deadline,
            "the job never said the keychain is locked"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(stall.code, ErrorCode::KeychainLocked);
    assert!(
        stall.message.starts_with("Unlock your keychain"),
        "{}",
        stall.message
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!runner.is_finished(), "it waits");
    assert_eq!(
        sim.inspector().requests().len(),
        sent_before,
        "nothing is sent without the keys"
    );

    // Unlocked: the job goes on by itself.
    unlock(&bus);
    let results = tokio::time::timeout(Duration::from_secs(120), runner)
        .await
        .expect("the job went on")
        .unwrap()
        .unwrap();
    assert_eq!(results.len(), items);
    let end = ws.job_progress(job).await.unwrap();
    assert_eq!(end.stalled, None);
    assert_eq!(
        end.summary.job.state,
        JobState::Done,
        "{:?}",
        end.summary.by_state
    );
    let (_, ops) = ws.job(job).await.unwrap();
    assert!(ops.iter().all(|o| o.state == OperationState::Done));
}
