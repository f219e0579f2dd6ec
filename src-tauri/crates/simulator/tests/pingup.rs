//! Pingup, line by line from VENDORS.md §1.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{http, parts, sim};
use serde_json::{Value, json};
use switchboard_simulator::Vendor::Pingup;

fn key(sim: &switchboard_simulator::Simulator) -> String {
    sim.credentials().pingup_secret_key.clone()
}

#[tokio::test]
async fn me_answers_with_a_good_key_and_401_otherwise() {
    let sim = sim().await;
    let base = sim.base_url(Pingup);
    let (status, _, body) = parts(
        http()
            .get(format!("{base}/me"))
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["ds_business"], "acme-demo");

    let (status, _, body) = parts(
        http()
            .get(format!("{base}/me"))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Missing or invalid authentication token"))
    );
    let (status, _, _) = parts(http().get(format!("{base}/me")).send().await.unwrap()).await;
    assert_eq!(status, 401, "a missing token is 401 too");
}

#[tokio::test]
async fn an_unknown_business_is_404_but_only_with_a_good_key() {
    let sim = sim().await;
    let origin = sim.origin(Pingup);
    let url = format!("{origin}/ext/v2/no-such-business/me");
    let (status, _, body) = parts(
        http()
            .get(&url)
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no-such-business")
    );
    let (status, _, _) = parts(http().get(&url).bearer_auth("wrong").send().await.unwrap()).await;
    assert_eq!(status, 401, "credentials are checked before the business");
}

#[tokio::test]
async fn clients_are_a_bare_array_paged_by_limit_and_skip() {
    let sim = sim().await;
    let base = sim.base_url(Pingup);
    let get = |q: &str| {
        http()
            .get(format!("{base}/clients{q}"))
            .bearer_auth(key(&sim))
            .send()
    };
    let (status, _, body) = parts(get("").await.unwrap()).await;
    assert_eq!(status, 200);
    let first = body.as_array().expect("a bare array");
    assert_eq!(first.len(), 20, "default limit");
    for field in [
        "_id",
        "ds_name",
        "ds_surname",
        "ds_phone",
        "email",
        "is_enabled",
        "dt_last_message",
        "manual_assignees",
    ] {
        assert!(
            first[0].get(field).is_some(),
            "client has {field}: {}",
            first[0]
        );
    }
    let (_, _, capped) = parts(get("?limit=1000").await.unwrap()).await;
    assert_eq!(
        capped.as_array().unwrap().len(),
        100,
        "limit is capped at 100"
    );
    let (_, _, skipped) = parts(get("?limit=5&skip=1").await.unwrap()).await;
    assert_eq!(skipped[0]["_id"], first[1]["_id"], "skip is an offset");
    let (_, _, end) = parts(get("?skip=100000").await.unwrap()).await;
    assert_eq!(end, json!([]));
}

#[tokio::test]
async fn clients_filter_by_id_and_phone() {
    let sim = sim().await;
    let base = sim.base_url(Pingup);
    let (_, _, page) = parts(
        http()
            .get(format!("{base}/clients?limit=3"))
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let target = &page[2];
    let id = target["_id"].as_str().unwrap();
    let phone = target["ds_phone"].as_str().unwrap();
    let by_id = parts(
        http()
            .get(format!("{base}/clients?_id={id}"))
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await
    .2;
    assert_eq!(by_id, json!([target]));
    let by_phone = parts(
        http()
            .get(format!("{base}/clients?ds_phone={phone}"))
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await
    .2;
    assert_eq!(by_phone, json!([target]));
    let none = parts(
        http()
            .get(format!("{base}/clients?_id=000000000000000000000000"))
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await
    .2;
    assert_eq!(none, json!([]));
}

async fn assign(sim: &switchboard_simulator::Simulator, client: &str, body: Value) -> (u16, Value) {
    let url = format!("{}/clients/{client}/assign-agents", sim.base_url(Pingup));
    let (status, _, body) = parts(
        http()
            .post(url)
            .bearer_auth(key(sim))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    (status, body)
}

fn ids(sim: &switchboard_simulator::Simulator) -> (String, String, String) {
    let data = sim.world().pingup.read().unwrap();
    (
        data.client_id(0),
        data.agents[0].id.clone(),
        data.agents[1].id.clone(),
    )
}

#[tokio::test]
async fn assigning_adds_agents_with_expiry_and_notes_and_shows_in_the_listing() {
    let sim = sim().await;
    let (client, a, b) = ids(&sim);
    sim.world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&client, &[]);
    let (status, body) = assign(
        &sim,
        &client,
        json!({"agents": [{"agent": a, "dt_until": "2026-12-31T18:00:00.000Z"}, {"agent": b}], "ds_notes": "VIP"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Agents assigned");
    assert_eq!(
        body["client"]["manual_assignees"],
        json!([{"agent": a, "dt_until": "2026-12-31T18:00:00.000Z"}, {"agent": b, "dt_until": "2143-06-23T00:00:00.000Z"}]),
        "dt_until defaults to 2143-06-23"
    );
    assert_eq!(body["client"]["ds_notes"], "VIP");

    let listed = parts(
        http()
            .get(format!("{}/clients?_id={client}", sim.base_url(Pingup)))
            .bearer_auth(key(&sim))
            .send()
            .await
            .unwrap(),
    )
    .await
    .2;
    assert_eq!(
        listed[0]["manual_assignees"],
        body["client"]["manual_assignees"]
    );
}

#[tokio::test]
async fn assigning_again_renews_the_expiry_and_is_idempotent() {
    let sim = sim().await;
    let (client, a, _) = ids(&sim);
    sim.world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&client, &[&a]);
    let body = json!({"agents": [{"agent": a, "dt_until": "2027-01-01"}]});
    let first = assign(&sim, &client, body.clone()).await;
    let second = assign(&sim, &client, body).await;
    assert_eq!(first, second, "the same call twice gives the same state");
    assert_eq!(
        first.1["client"]["manual_assignees"],
        json!([{"agent": a, "dt_until": "2027-01-01"}])
    );
}

#[tokio::test]
async fn each_documented_400_message() {
    let sim = sim().await;
    let (client, a, _) = ids(&sim);
    let cases = [
        (json!({}), "Missing or invalid agents array"),
        (json!({"agents": "x"}), "Missing or invalid agents array"),
        (json!({"agents": []}), "Missing or invalid agents array"),
        (
            json!({"agents": [{"dt_until": "2027-01-01"}]}),
            "Invalid agent data: missing agent ID",
        ),
        (
            json!({"agents": [{"agent": a}, {"agent": ""}]}),
            "Invalid agent data: missing agent ID",
        ),
        (
            json!({"agents": [{"agent": "ffffffffffffffffffffffff"}]}),
            "Agent ffffffffffffffffffffffff not found or not authorized",
        ),
        (
            json!({"agents": [{"agent": a, "dt_until": "next tuesday"}]}),
            &*format!("Invalid dt_until for agent {a}"),
        ),
    ];
    let before = sim.world().pingup.read().unwrap().assignees_of(&client);
    for (body, message) in cases {
        let (status, answer) = assign(&sim, &client, body.clone()).await;
        assert_eq!(
            (status, answer["message"].as_str()),
            (400, Some(message)),
            "{body}"
        );
    }
    assert_eq!(
        sim.world().pingup.read().unwrap().assignees_of(&client),
        before,
        "a refused call changes nothing"
    );
    let (status, _) = assign(&sim, &client, Value::Null).await;
    assert_eq!(status, 400, "a body that is not JSON");
}

#[tokio::test]
async fn an_unknown_client_is_404_and_a_bad_key_401_before_anything() {
    let sim = sim().await;
    let (_, a, _) = ids(&sim);
    let (status, body) = assign(
        &sim,
        "0123456789abcdef01234567",
        json!({"agents": [{"agent": a}]}),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Client not found"))
    );
    let (status, _) = assign(&sim, "0123456789abcdef01234567", json!({})).await;
    assert_eq!(status, 404, "the client is checked before the body");
    let url = format!("{}/clients/x/assign-agents", sim.base_url(Pingup));
    let (status, _, _) = parts(
        http()
            .post(url)
            .bearer_auth("bad")
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn requests_are_counted_per_endpoint() {
    let sim = sim().await;
    let (client, a, _) = ids(&sim);
    assign(&sim, &client, json!({"agents": [{"agent": a}]})).await;
    assign(&sim, &client, json!({"agents": []})).await;
    assert_eq!(sim.inspector().count(Pingup, "assign_agents"), 2);
    assert_eq!(sim.inspector().count(Pingup, "clients"), 0);
    let last = sim.inspector().requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(
        last.path,
        format!("/ext/v2/acme-demo/clients/{client}/assign-agents")
    );
    assert_eq!(last.status, 400);
    assert!(last.headers["authorization"].starts_with("Bearer "));
}
