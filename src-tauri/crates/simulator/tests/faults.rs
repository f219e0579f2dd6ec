//! Injected faults, halting and resuming a vendor, and determinism.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::time::{Duration, Instant};

use common::{http, parts, sim};
use serde_json::json;
use switchboard_simulator::Vendor::{Helpcrunch, Pingup, Vambe};
use switchboard_simulator::{Fault, FaultKind, SimConfig, Simulator};

fn me(sim: &Simulator) -> reqwest::RequestBuilder {
    common::authed(sim, Pingup, reqwest::Method::GET, "/me")
}

fn fault(endpoint: Option<&str>, kind: FaultKind, times: Option<u32>) -> Fault {
    Fault {
        vendor: Pingup,
        endpoint: endpoint.map(Into::into),
        kind,
        times,
        probability: None,
    }
}

#[tokio::test]
async fn a_status_for_the_next_n_calls_then_normal() {
    let sim = sim().await;
    sim.inspector().add_fault(fault(
        Some("me"),
        FaultKind::Status {
            status: 500,
            body: Some(json!({"message": "boom"})),
            retry_after: None,
        },
        Some(2),
    ));
    assert_eq!(
        parts(me(&sim).send().await.unwrap()).await.2,
        json!({"message": "boom"})
    );
    assert_eq!(me(&sim).send().await.unwrap().status(), 500);
    assert_eq!(
        me(&sim).send().await.unwrap().status(),
        200,
        "only the next two"
    );
    assert!(
        sim.inspector().faults().is_empty(),
        "a used-up fault is removed"
    );
    assert_eq!(
        sim.inspector().count(Pingup, "me"),
        3,
        "faulted requests are counted too"
    );
}

#[tokio::test]
async fn a_429_fault_can_carry_retry_after_or_not() {
    let sim = sim().await;
    sim.inspector().add_fault(fault(
        None,
        FaultKind::Status {
            status: 429,
            body: None,
            retry_after: Some(3),
        },
        Some(1),
    ));
    sim.inspector().add_fault(fault(
        None,
        FaultKind::Status {
            status: 429,
            body: None,
            retry_after: None,
        },
        Some(1),
    ));
    let first = me(&sim).send().await.unwrap();
    assert_eq!(
        (
            first.status().as_u16(),
            first.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "3")
    );
    let second = me(&sim).send().await.unwrap();
    assert_eq!(second.status(), 429);
    assert!(second.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn faults_match_only_their_endpoint_and_vendor() {
    let sim = sim().await;
    sim.inspector().add_fault(fault(
        Some("clients"),
        FaultKind::Status {
            status: 503,
            body: None,
            retry_after: None,
        },
        None,
    ));
    assert_eq!(me(&sim).send().await.unwrap().status(), 200);
    let clients = http()
        .get(format!("{}/clients", sim.base_url(Pingup)))
        .bearer_auth(&sim.credentials().pingup_secret_key);
    assert_eq!(clients.send().await.unwrap().status(), 503);
    let vambe = http()
        .get(format!(
            "{}/api/public/team-members/all",
            sim.base_url(Vambe)
        ))
        .header("x-api-key", &sim.credentials().vambe_api_key);
    assert_eq!(vambe.send().await.unwrap().status(), 200);
    sim.inspector().clear_faults(None);
    let clients = http()
        .get(format!("{}/clients", sim.base_url(Pingup)))
        .bearer_auth(&sim.credentials().pingup_secret_key);
    assert_eq!(clients.send().await.unwrap().status(), 200, "cleared");
}

#[tokio::test]
async fn a_dropped_connection_gets_no_answer() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Some("me"), FaultKind::Drop, Some(1)));
    let err = me(&sim).send().await.expect_err("no response");
    assert!(!err.is_status(), "a transport error, not a status: {err}");
    assert_eq!(me(&sim).send().await.unwrap().status(), 200);
    let dropped = sim
        .inspector()
        .requests()
        .into_iter()
        .find(|r| r.status == 0);
    assert!(dropped.is_some(), "the log shows the dropped request");
}

#[tokio::test]
async fn malformed_json_is_a_200_that_does_not_parse() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Some("me"), FaultKind::MalformedJson, Some(1)));
    let r = me(&sim).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).is_err());
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Some("me"), FaultKind::Latency { ms: 300 }, Some(1)));
    let started = Instant::now();
    assert_eq!(me(&sim).send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_random_error_rate_is_seeded_and_roughly_right() {
    let sim = sim().await;
    let mut f = fault(
        Some("me"),
        FaultKind::Status {
            status: 500,
            body: None,
            retry_after: None,
        },
        None,
    );
    f.probability = Some(0.3);
    sim.inspector().add_fault(f);
    let client = http();
    let mut failures = 0;
    for _ in 0..200 {
        let r = client
            .get(format!("{}/me", sim.base_url(Pingup)))
            .bearer_auth(&sim.credentials().pingup_secret_key)
            .send()
            .await
            .unwrap();
        if r.status() == 500 {
            failures += 1;
        }
    }
    assert!(
        (30..=90).contains(&failures),
        "about 30% of 200 failed: {failures}"
    );
}

#[tokio::test]
async fn a_halted_vendor_refuses_connections_and_resumes_with_its_data() {
    let sim = sim().await;
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(0);
    let agent = switchboard_simulator::vendors::helpcrunch::Data::agent_id(0);
    sim.world()
        .helpcrunch
        .write()
        .unwrap()
        .set_assignee(chat, Some(agent));
    let orgs = || {
        http()
            .get(format!("{}/organization", sim.base_url(Helpcrunch)))
            .bearer_auth(&sim.credentials().helpcrunch_api_key)
            .send()
    };
    assert_eq!(orgs().await.unwrap().status(), 200);
    sim.halt(Helpcrunch);
    assert!(!sim.is_running(Helpcrunch));
    let err = orgs().await.expect_err("nothing listens");
    assert!(err.is_connect(), "{err}");
    assert_eq!(
        me(&sim).send().await.unwrap().status(),
        200,
        "other vendors carry on"
    );
    sim.resume(Helpcrunch).await.unwrap();
    assert_eq!(orgs().await.unwrap().status(), 200, "back on the same port");
    assert_eq!(
        sim.world().helpcrunch.read().unwrap().assignee_of(chat),
        Some(Some(agent)),
        "state kept"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data_and_another_seed_does_not() {
    let a = Simulator::start(SimConfig::demo(11)).await.unwrap();
    let b = Simulator::start(SimConfig::demo(11)).await.unwrap();
    let c = Simulator::start(SimConfig::demo(12)).await.unwrap();
    let agents = |s: &Simulator| s.manifest().vendors[&Pingup].agents.clone();
    assert_eq!(agents(&a), agents(&b));
    assert_ne!(agents(&a), agents(&c));
    // Keys are fixed by the seed (Pingup's JWT carries an `exp` relative to start).
    let keys = |s: &Simulator| {
        let c = s.credentials();
        (
            c.vambe_api_key.clone(),
            c.helpcrunch_api_key.clone(),
            c.ccai_api_token.clone(),
            c.splashify_api_key.clone(),
        )
    };
    assert_eq!(keys(&a), keys(&b));
    assert_ne!(keys(&a), keys(&c));
    let list = |s: &Simulator| {
        let d = s.world().vambe.read().unwrap();
        (0..d.contacts.len())
            .map(|i| (d.contact_id(i), d.assignees_of(&d.contact_id(i))))
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&a), list(&b));
}
