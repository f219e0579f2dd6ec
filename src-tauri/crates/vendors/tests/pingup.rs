//! The Pingup adapter against the simulator, for every documented behaviour, and
//! the HTTP layer's retries, timeouts and error mapping.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::{fast, fault, last, no_pace, once, sim, status};
use serde_json::json;
use switchboard_domain::Timestamp;
use switchboard_domain::connection::BaseUrl;
use switchboard_secrets::Secret;
use switchboard_simulator::Vendor::Pingup;
use switchboard_simulator::{FaultKind, Simulator};
use switchboard_vendors::VendorApi;
use switchboard_vendors::pingup::{Assignment, Client};
use switchboard_vendors::{Cursor, HttpOptions, RemoteTarget, VendorError};

fn client_with(sim: &Simulator, key: &str, business: &str, options: HttpOptions) -> Client {
    let origin = BaseUrl::parse(&sim.origin(Pingup)).unwrap();
    Client::new(&origin, business, Secret::new(key), options, no_pace()).unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_with(
        sim,
        &sim.credentials().pingup_secret_key,
        "acme-demo",
        fast(),
    )
}

fn agents(sim: &Simulator) -> Vec<String> {
    sim.world()
        .pingup
        .read()
        .unwrap()
        .agents
        .iter()
        .map(|a| a.id.clone())
        .collect()
}

fn client_id(sim: &Simulator, i: usize) -> String {
    sim.world().pingup.read().unwrap().client_id(i)
}

#[tokio::test]
async fn me_proves_the_key_and_the_business() {
    let sim = sim().await;
    let me = client(&sim).check().await.unwrap();
    assert_eq!(me.name.as_deref(), Some("Acme Support (demo)"));
    let sent = last(&sim, Pingup, "me");
    assert_eq!(sent.path, "/ext/v2/acme-demo/me");
    assert_eq!(
        sent.headers["authorization"],
        format!("Bearer {}", sim.credentials().pingup_secret_key)
    );

    let err = client_with(&sim, "wrong", "acme-demo", fast())
        .check()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::Unauthorized {
            message: "Missing or invalid authentication token".into()
        }
    );
    let err = client_with(&sim, &sim.credentials().pingup_secret_key, "other", fast())
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(err, VendorError::NotFound { ref what, .. } if what == "business"),
        "{err:?}"
    );
}

#[test]
fn bad_settings_are_refused_before_any_call() {
    let base = BaseUrl::parse("https://api.pingup.ai").unwrap();
    let e = Client::new(&base, " ", Secret::new("k"), fast(), no_pace())
        .err()
        .unwrap();
    assert!(matches!(e, VendorError::InvalidInput { ref field, .. } if field == "business_name"));
    let e = Client::new(&base, "acme", Secret::new(""), fast(), no_pace())
        .err()
        .unwrap();
    assert!(matches!(e, VendorError::InvalidInput { ref field, .. } if field == "secret_key"));
}

#[tokio::test]
async fn clients_page_to_the_end_with_their_assignees() {
    let sim = sim().await;
    let c = client(&sim);
    let mut cursor: Option<Cursor> = None;
    let mut all = Vec::new();
    loop {
        let page = c.targets(None, cursor.as_ref()).await.unwrap();
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(all.len(), sim.world().pingup.read().unwrap().clients.len());
    let sent = last(&sim, Pingup, "clients");
    assert!(
        sent.query.as_deref().unwrap().contains("limit=100"),
        "{sent:?}"
    );
    let first = &all[0];
    assert_eq!(first.vendor_id, client_id(&sim, 0));
    assert!(
        first.name.is_some()
            && first
                .phone
                .as_ref()
                .unwrap()
                .chars()
                .all(|ch| ch.is_ascii_digit())
    );
    let expected = sim
        .world()
        .pingup
        .read()
        .unwrap()
        .assignees_of(&first.vendor_id)
        .unwrap();
    let got: Vec<String> = first
        .assignees
        .clone()
        .unwrap()
        .into_iter()
        .map(|a| a.agent_vendor_id)
        .collect();
    assert_eq!(
        got,
        expected.into_iter().map(|(a, _)| a).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn one_client_by_id_or_none() {
    let sim = sim().await;
    let id = client_id(&sim, 5);
    assert_eq!(
        client(&sim).target(&id).await.unwrap().unwrap().vendor_id,
        id
    );
    assert_eq!(
        client(&sim)
            .target("0123456789abcdef01234567")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn several_agents_with_and_without_expiry_and_notes() {
    let sim = sim().await;
    let (id, a) = (client_id(&sim, 1), agents(&sim));
    sim.world().pingup.write().unwrap().set_assignees(&id, &[]);
    let until = Timestamp(1_798_761_600_000); // 2027-01-01
    let wanted = [
        Assignment {
            agent: a[0].clone(),
            until: Some(until),
        },
        Assignment {
            agent: a[1].clone(),
            until: None,
        },
    ];
    let done = client(&sim)
        .assign_agents(&id, &wanted, Some("VIP, speaks Italian"))
        .await
        .unwrap();
    let assignees = done.assignees.unwrap();
    assert_eq!(assignees.len(), 2);
    assert_eq!(assignees[0].until, Some(until));
    assert_eq!(
        assignees[1].until,
        Some(Timestamp(5_474_304_000_000)),
        "Pingup's default 2143-06-23"
    );
    assert_eq!(assignees[0].notes.as_deref(), Some("VIP, speaks Italian"));

    let sent = last(&sim, Pingup, "assign_agents");
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(
        body,
        json!({"agents": [{"agent": a[0], "dt_until": "2027-01-01T00:00:00.000Z"}, {"agent": a[1]}], "ds_notes": "VIP, speaks Italian"}),
        "no dt_until is sent when none is asked, so Pingup applies its default"
    );
    assert_eq!(
        sent.path,
        format!("/ext/v2/acme-demo/clients/{id}/assign-agents")
    );
}

#[tokio::test]
async fn re_assigning_with_dt_until_now_ends_an_assignment_and_leaves_the_others() {
    let sim = sim().await;
    let id = client_id(&sim, 7);
    let a = agents(&sim);
    let c = client(&sim);
    let both = [
        Assignment {
            agent: a[0].clone(),
            until: None,
        },
        Assignment {
            agent: a[1].clone(),
            until: None,
        },
    ];
    c.assign_agents(&id, &both, None).await.unwrap();
    let ended = [Assignment {
        agent: a[0].clone(),
        until: Some(Timestamp::now()),
    }];
    let answer = c.assign_agents(&id, &ended, None).await.unwrap();
    let held = |t: RemoteTarget| -> Vec<String> {
        t.assignees
            .unwrap_or_default()
            .into_iter()
            .map(|x| x.agent_vendor_id)
            .collect()
    };
    assert!(!held(answer).contains(&a[0]), "the ended one is not held");
    let now = held(c.target(&id).await.unwrap().unwrap());
    assert!(now.contains(&a[1]) && !now.contains(&a[0]), "{now:?}");
    // Pingup keeps listing the ended entry, with its past dt_until.
    let raw: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/clients", sim.base_url(Pingup)))
        .query(&[("_id", id.as_str())])
        .bearer_auth(&sim.credentials().pingup_secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = raw[0]["manual_assignees"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["agent"] == a[0].as_str()),
        "{entries:?}"
    );
}

#[tokio::test]
async fn vendor_refusals_keep_the_vendors_words() {
    let sim = sim().await;
    let id = client_id(&sim, 2);
    let unknown = [Assignment {
        agent: "ffffffffffffffffffffffff".into(),
        until: None,
    }];
    let err = client(&sim)
        .assign_agents(&id, &unknown, None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::invalid(
            "agents",
            "Agent ffffffffffffffffffffffff not found or not authorized"
        )
    );
    let one = [Assignment {
        agent: agents(&sim)[0].clone(),
        until: None,
    }];
    let err = client(&sim)
        .assign_agents("0123456789abcdef01234567", &one, None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::NotFound {
            what: "client".into(),
            message: "Client not found".into()
        }
    );
}

#[tokio::test]
async fn nothing_is_sent_for_an_empty_agent_list() {
    let sim = sim().await;
    let err = client(&sim)
        .assign_agents(&client_id(&sim, 0), &[], None)
        .await
        .unwrap_err();
    assert!(matches!(err, VendorError::InvalidInput { ref field, .. } if field == "agents"));
    assert_eq!(sim.inspector().count(Pingup, "assign_agents"), 0);
}

#[tokio::test]
async fn a_429_is_retried_with_or_without_retry_after() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Pingup, "me", status(429, Some(0)), 1));
    sim.inspector()
        .add_fault(fault(Pingup, "me", status(429, None), 1));
    client(&sim).check().await.unwrap();
    assert_eq!(
        sim.inspector().count(Pingup, "me"),
        3,
        "two refusals, then success"
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_reported_not_waited() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Pingup, "me", status(429, Some(3600)), 1));
    let err = client(&sim).check().await.unwrap_err();
    assert!(
        matches!(err, VendorError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(sim.inspector().count(Pingup, "me"), 1);
}

#[tokio::test]
async fn a_500_then_success() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Pingup, "clients", status(500, None), 2));
    assert!(
        !client(&sim)
            .targets(None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(sim.inspector().count(Pingup, "clients"), 3);
    sim.inspector()
        .add_fault(fault(Pingup, "clients", status(503, None), 10));
    let err = client(&sim).targets(None, None).await.unwrap_err();
    assert!(
        matches!(err, VendorError::Vendor { status: 503, .. }),
        "gives up after max attempts: {err:?}"
    );
}

#[tokio::test]
async fn a_timeout_a_dropped_connection_and_malformed_json() {
    let sim = sim().await;
    let quick = HttpOptions {
        request_timeout: Duration::from_millis(300),
        ..once()
    };
    sim.inspector()
        .add_fault(fault(Pingup, "me", FaultKind::Latency { ms: 1_000 }, 1));
    let err = client_with(
        &sim,
        &sim.credentials().pingup_secret_key,
        "acme-demo",
        quick,
    )
    .check()
    .await
    .unwrap_err();
    assert!(
        matches!(err, VendorError::Timeout { .. }) && err.is_unreachable(),
        "{err:?}"
    );

    sim.inspector()
        .add_fault(fault(Pingup, "me", FaultKind::Drop, 1));
    let err = client_with(
        &sim,
        &sim.credentials().pingup_secret_key,
        "acme-demo",
        once(),
    )
    .check()
    .await
    .unwrap_err();
    assert!(matches!(err, VendorError::Transport { .. }), "{err:?}");
    sim.inspector()
        .add_fault(fault(Pingup, "me", FaultKind::Drop, 1));
    client(&sim)
        .check()
        .await
        .expect("a dropped connection is retried");

    sim.inspector()
        .add_fault(fault(Pingup, "me", FaultKind::MalformedJson, 1));
    let err = client(&sim).check().await.unwrap_err();
    assert!(
        matches!(err, VendorError::Unexpected { status: 200, ref excerpt } if excerpt.contains("trunc")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error() {
    let sim = sim().await;
    sim.halt(Pingup);
    let err = client_with(&sim, "k", "acme-demo", once())
        .check()
        .await
        .unwrap_err();
    assert!(err.is_unreachable(), "{err:?}");
    assert!(
        err.to_string().starts_with("cannot reach the vendor"),
        "{err}"
    );
}
