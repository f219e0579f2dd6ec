//! Splashify Pro, line by line from VENDORS.md §5 and the seed page.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{http, parts, sim};
use serde_json::{Value, json};
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::Splashify;

fn post(sim: &Simulator, path: &str) -> reqwest::RequestBuilder {
    common::authed(sim, Splashify, reqwest::Method::POST, path)
}

async fn assign(sim: &Simulator, path: &str, body: Value) -> (u16, Value) {
    let (s, _, b) = parts(post(sim, path).json(&body).send().await.unwrap()).await;
    (s, b)
}

/// A customer with a conversation, an active agent, an inactive agent, and a
/// customer who has not written yet.
fn fixtures(sim: &Simulator) -> (String, String, String, String) {
    let data = sim.world().splashify.read().unwrap();
    let with = data
        .customers
        .iter()
        .find(|c| c.has_conversation)
        .unwrap()
        .phone
        .to_string();
    let without = data
        .customers
        .iter()
        .find(|c| !c.has_conversation)
        .unwrap()
        .phone
        .to_string();
    let active = data
        .agents
        .iter()
        .find(|a| a.active)
        .unwrap()
        .person
        .email();
    let inactive = data
        .agents
        .iter()
        .find(|a| !a.active)
        .unwrap()
        .person
        .email();
    (with, without, active, inactive)
}

const OK: fn() -> Value = || json!({"result": true, "message": "Chat Assigned Successfully"});

#[tokio::test]
async fn the_key_is_sent_verbatim_after_basic() {
    let sim = sim().await;
    let (phone, _, agent, _) = fixtures(&sim);
    let body = json!({"user_phone_number": phone, "agent_email": agent});
    let r = http()
        .post(format!("{}/public/assignment/", sim.base_url(Splashify)))
        .header("authorization", "Basic nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, _, answer) = parts(r).await;
    assert_eq!((status, answer["result"].as_bool()), (401, Some(false)));
    let r = http()
        .post(format!("{}/public/assignment/", sim.base_url(Splashify)))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn assign_and_release_by_phone_on_both_paths() {
    let sim = sim().await;
    let (phone, _, agent, _) = fixtures(&sim);
    let p: u64 = phone.parse().unwrap();
    assert_eq!(
        assign(
            &sim,
            "/public/assignment/",
            json!({"user_phone_number": phone, "agent_email": agent})
        )
        .await,
        (200, OK())
    );
    assert_eq!(
        sim.world().splashify.read().unwrap().assignee_of(p),
        Some(Some(agent.clone()))
    );
    assert_eq!(
        assign(
            &sim,
            "/public/assignment",
            json!({"user_phone_number": phone, "agent_email": agent})
        )
        .await,
        (200, OK()),
        "idempotent, and without the slash"
    );
    assert_eq!(
        assign(
            &sim,
            "/public/assignment",
            json!({"user_phone_number": phone, "agent_email": ""})
        )
        .await,
        (200, OK()),
        "empty email releases"
    );
    assert_eq!(
        sim.world().splashify.read().unwrap().assignee_of(p),
        Some(None)
    );
    assign(
        &sim,
        "/public/assignment",
        json!({"user_phone_number": phone, "agent_email": agent}),
    )
    .await;
    assert_eq!(
        assign(
            &sim,
            "/public/assignment",
            json!({"user_phone_number": phone})
        )
        .await,
        (200, OK()),
        "omitted email releases"
    );
    assert_eq!(
        sim.world().splashify.read().unwrap().assignee_of(p),
        Some(None)
    );
    assert_eq!(sim.inspector().count(Splashify, "assignment"), 5);
}

#[tokio::test]
async fn the_three_documented_messages_and_invalid_phones() {
    let sim = sim().await;
    let (phone, silent, active, inactive) = fixtures(&sim);
    let e = |m: &str| (400, json!({"result": false, "message": m}));
    assert_eq!(
        assign(
            &sim,
            "/public/assignment",
            json!({"user_phone_number": phone, "agent_email": "nobody@x.example"})
        )
        .await,
        e("Agent not found")
    );
    assert_eq!(
        assign(
            &sim,
            "/public/assignment",
            json!({"user_phone_number": silent, "agent_email": active})
        )
        .await,
        e("Conversation not found")
    );
    assert_eq!(
        assign(
            &sim,
            "/public/assignment",
            json!({"user_phone_number": phone, "agent_email": inactive})
        )
        .await,
        e("Agent inactive")
    );
    for bad in [
        "+91 98765-43210",
        "9198765",
        "1234567890123456",
        "91987654321x",
        "",
    ] {
        assert_eq!(
            assign(
                &sim,
                "/public/assignment",
                json!({"user_phone_number": bad, "agent_email": active})
            )
            .await,
            e("Invalid phone number"),
            "{bad}"
        );
    }
    assert_eq!(
        assign(&sim, "/public/assignment", json!({"agent_email": active})).await,
        e("Invalid phone number")
    );
}

#[tokio::test]
async fn users_list_contacts_with_paging_and_assignees() {
    let sim = sim().await;
    let total = sim.world().splashify.read().unwrap().customers.len();
    for path in [
        "/public/apis/users/?offset=0&limit=100",
        "/public/apis/users?offset=0&limit=100",
    ] {
        let (status, _, body) = parts(
            post(&sim, path)
                .json(&json!({"filters": []}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body["result"], true);
        let data = &body["data"];
        assert_eq!(data["total_customers"], total);
        assert_eq!(data["offset"], 0);
        assert_eq!(data["limit"], 100);
        assert_eq!(data["has_next_page"], total > 100);
        let customers = data["customers"].as_array().unwrap();
        assert_eq!(customers.len(), total.min(100));
        assert!(customers[0]["id"].is_string() && customers[0]["phone_number"].is_string());
    }
    let last = format!("/public/apis/users/?offset={}&limit=100", total - 1);
    let (_, _, body) = parts(
        post(&sim, &last)
            .json(&json!({"filters": []}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["data"]["customers"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"]["has_next_page"], false);

    let (phone, _, agent, _) = fixtures(&sim);
    assign(
        &sim,
        "/public/assignment",
        json!({"user_phone_number": phone, "agent_email": agent}),
    )
    .await;
    let filter = json!({"filters": [{"field": "phone_number", "operator": "eq", "value": phone}]});
    let (_, _, body) = parts(
        post(&sim, "/public/apis/users/")
            .json(&filter)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body["data"]["customers"][0]["assigned_agent"]["email"],
        agent.as_str()
    );
    let (status, _, _) = parts(
        post(&sim, "/public/apis/users/")
            .json(&json!({"filters": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_manifest_lists_splashify_and_pingup_agents() {
    let sim = sim().await;
    let manifest = sim.manifest();
    let splashify = &manifest.vendors[&Splashify];
    assert_eq!(
        splashify.agents.len(),
        sim.world().splashify.read().unwrap().agents.len()
    );
    assert!(
        splashify.agents.iter().any(|a| !a.active),
        "inactive agents are marked"
    );
    let pingup = &manifest.vendors[&switchboard_simulator::Vendor::Pingup];
    assert!(
        pingup
            .agents
            .iter()
            .all(|a| a.id.as_ref().is_some_and(|id| id.len() == 24))
    );
    assert!(
        manifest.vendors[&switchboard_simulator::Vendor::Vambe]
            .agents
            .is_empty(),
        "Vambe lists its own"
    );
}

#[tokio::test]
async fn pages_are_capped_at_100_and_100_per_minute_is_enforced() {
    let sim = sim().await;
    assert_eq!(
        sim.limit(Splashify),
        Some(switchboard_simulator::RateLimit::per_minute(100)),
        "documented: 100/min"
    );
    let (_, _, body) = parts(
        post(&sim, "/public/apis/users/?offset=0&limit=1000")
            .json(&json!({"filters": []}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["data"]["limit"], 100);
    assert_eq!(body["data"]["customers"].as_array().unwrap().len(), 100);
    sim.set_limit(
        Splashify,
        Some(switchboard_simulator::RateLimit {
            max: 1,
            window_ms: 60_000,
        }),
    );
    let (phone, _, agent, _) = fixtures(&sim);
    let body = json!({"user_phone_number": phone, "agent_email": agent});
    assert_eq!(
        assign(&sim, "/public/assignment", body.clone()).await.0,
        200
    );
    let r = post(&sim, "/public/assignment")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        parts(r).await.2,
        json!({"result": false, "message": "Too many requests"})
    );
}
