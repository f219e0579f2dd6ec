//! HelpCrunch, line by line from VENDORS.md §3 and the seed page.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{http, parts, sim, sim_with};
use serde_json::{Value, json};
use switchboard_simulator::Vendor::Helpcrunch;
use switchboard_simulator::vendors::helpcrunch::Data;
use switchboard_simulator::{Limits, Simulator};

fn call(sim: &Simulator, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    common::authed(sim, Helpcrunch, method, path)
}

async fn put_assignee(sim: &Simulator, body: Value) -> (u16, Value) {
    let (s, _, b) = parts(
        call(sim, reqwest::Method::PUT, "/chats/assignee")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    (s, b)
}

#[tokio::test]
async fn a_bad_token_is_401_invalid_token() {
    let sim = sim().await;
    let r = http()
        .get(format!("{}/agents", sim.base_url(Helpcrunch)))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(r).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"errors": [{"code": "invalid_token", "message": "Invalid token"}]})
    );
}

#[tokio::test]
async fn assigning_returns_the_whole_chat_and_null_unassigns() {
    let sim = sim().await;
    let (chat, agent) = (Data::chat_id(0), Data::agent_id(1));
    let (status, body) = put_assignee(&sim, json!({"id": chat, "assignee": agent})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], chat);
    assert_eq!(body["assignee"]["id"], agent);
    for field in [
        "closedBy",
        "lastCustomerMessageAt",
        "status",
        "createdAt",
        "lastMessageAt",
        "customer",
        "department",
        "agents",
    ] {
        assert!(body.get(field).is_some(), "the chat object has {field}");
    }
    assert_eq!(
        sim.world().helpcrunch.read().unwrap().assignee_of(chat),
        Some(Some(agent))
    );

    let (status, body) = put_assignee(&sim, json!({"id": chat, "assignee": null})).await;
    assert_eq!(status, 200);
    assert_eq!(body["assignee"], Value::Null);
    assert_eq!(
        sim.world().helpcrunch.read().unwrap().assignee_of(chat),
        Some(None)
    );
}

#[tokio::test]
async fn one_chat_is_read_by_id_and_a_missing_one_is_chat_not_found() {
    let sim = sim().await;
    let chat = Data::chat_id(2);
    let agent = Data::agent_id(3);
    put_assignee(&sim, json!({"id": chat, "assignee": agent})).await;
    let (status, _, body) = parts(
        call(&sim, reqwest::Method::GET, &format!("/chats/{chat}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["id"].clone(), body["assignee"]["id"].clone()),
        (json!(chat), json!(agent))
    );

    let (status, _, body) = parts(
        call(&sim, reqwest::Method::GET, "/chats/1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["errors"][0]["code"], "chat_not_found");
}

#[tokio::test]
async fn each_documented_error() {
    let sim = sim().await;
    let chat = Data::chat_id(0);
    let e = |code: &str, message: &str| json!({"errors": [{"code": code, "message": message}]});
    assert_eq!(
        put_assignee(&sim, json!({"id": 1, "assignee": 4100})).await,
        (404, e("chat_not_found", "Chat is missing"))
    );
    assert_eq!(
        put_assignee(&sim, json!({"id": chat, "assignee": 99})).await,
        (400, e("invalid_chat_value", "assignee value is invalid"))
    );
    assert_eq!(
        put_assignee(&sim, json!({"id": chat, "assignee": "x"})).await,
        (400, e("invalid_chat_value", "assignee value is invalid"))
    );
    assert_eq!(
        put_assignee(&sim, json!({"id": chat})).await.0,
        400,
        "assignee is required"
    );
    assert_eq!(
        put_assignee(&sim, json!({"assignee": 4100})).await,
        (400, e("invalid_chat_value", "id value is invalid"))
    );
}

#[tokio::test]
async fn agents_page_with_meta_total_and_a_limit_of_100() {
    let sim = sim().await;
    let total = sim.world().helpcrunch.read().unwrap().agents.len();
    let (status, _, body) = parts(
        call(&sim, reqwest::Method::GET, "/agents?limit=5&offset=2")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["meta"]["total"], total);
    assert_eq!(body["data"].as_array().unwrap().len(), 5.min(total - 2));
    assert_eq!(body["data"][0]["id"], Data::agent_id(2));
    let roles = ["agentChatOnly", "agent", "superviser", "admin"];
    assert!(
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| roles.contains(&a["role"].as_str().unwrap()))
    );
    let (_, _, all) = parts(
        call(&sim, reqwest::Method::GET, "/agents?limit=500")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(all["data"].as_array().unwrap().len(), total.min(100));
}

#[tokio::test]
async fn departments_list_agent_ids_and_organization_has_team_online() {
    let sim = sim().await;
    let (status, _, body) = parts(
        call(&sim, reqwest::Method::GET, "/departments")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let departments = body["data"].as_array().unwrap();
    assert!(!departments.is_empty());
    assert!(
        departments[0]["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_u64),
        "agents as ids"
    );
    let (status, _, org) = parts(
        call(&sim, reqwest::Method::GET, "/organization")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(org["data"]["teamOnline"].is_boolean());
    assert!(org["data"]["chatEnabled"].is_boolean());
}

#[tokio::test]
async fn chats_sort_by_last_message_and_page_to_the_end() {
    let sim = sim().await;
    let total = sim.world().helpcrunch.read().unwrap().chats.len();
    let path = "/chats?sort=chats.lastMessageAt&order=desc&limit=100";
    let (status, _, first) =
        parts(call(&sim, reqwest::Method::GET, path).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(first["meta"]["total"], total);
    let times: Vec<i64> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["lastMessageAt"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let mut seen = 0;
    let mut offset = 0;
    loop {
        let path = format!("/chats?sort=chats.lastMessageAt&order=desc&offset={offset}&limit=100");
        let (_, _, page) = parts(
            call(&sim, reqwest::Method::GET, &path)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let n = page["data"].as_array().unwrap().len();
        if n == 0 {
            break;
        }
        seen += n;
        offset += n;
    }
    assert_eq!(seen, total, "paging reaches every chat once");
    let (status, _, _) = parts(
        call(&sim, reqwest::Method::GET, "/chats?sort=chats.nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn search_finds_chats_by_assignee() {
    let sim = sim().await;
    let agent = Data::agent_id(2);
    let (chat_a, chat_b) = (Data::chat_id(3), Data::chat_id(4));
    put_assignee(&sim, json!({"id": chat_a, "assignee": agent})).await;
    put_assignee(&sim, json!({"id": chat_b, "assignee": agent})).await;
    let body = json!({"filter": [{"field": "chats.assignee", "operator": "=", "value": agent.to_string()}], "offset": 0, "limit": 100});
    let (status, _, found) = parts(
        call(&sim, reqwest::Method::POST, "/chats/search")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<u64> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert!(ids.contains(&chat_a) && ids.contains(&chat_b));
    assert!(
        found["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["assignee"]["id"] == agent)
    );
    assert_eq!(found["meta"]["total"], ids.len());
    let bad = json!({"filter": [{"field": "chats.nope", "operator": "=", "value": 1}]});
    let (status, _, body) = parts(
        call(&sim, reqwest::Method::POST, "/chats/search")
            .json(&bad)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "invalid_filter");
}

#[tokio::test]
async fn the_documented_rate_limit_answers_429_with_retry_after() {
    // The documented 120 per minute: the 121st request within the minute is refused,
    // however fast or slow the requests are.
    let sim = sim().await;
    let client = http();
    let url = format!("{}/organization", sim.base_url(Helpcrunch));
    let key = sim.credentials().helpcrunch_api_key.clone();
    let mut statuses = Vec::new();
    for _ in 0..120 {
        statuses.push(
            client
                .get(&url)
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert!(
        statuses.iter().all(|s| *s == 200),
        "the first 120 pass: {statuses:?}"
    );
    let refused = client.get(&url).bearer_auth(&key).send().await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let (_, _, body) = parts(refused).await;
    assert_eq!(
        body,
        json!({"errors": [{"code": "too_many_requests", "message": "You have exceeded your requests limit"}]})
    );
}

#[tokio::test]
async fn the_limit_window_slides_and_can_be_changed_or_switched_off() {
    let sim = sim_with(Limits::Off).await;
    let client = http();
    let url = format!("{}/organization", sim.base_url(Helpcrunch));
    let key = sim.credentials().helpcrunch_api_key.clone();
    let status = |c: &reqwest::Client| c.get(&url).bearer_auth(&key).send();
    for _ in 0..200 {
        assert_eq!(status(&client).await.unwrap().status(), 200, "limits off");
    }
    sim.set_limit(
        Helpcrunch,
        Some(switchboard_simulator::RateLimit {
            max: 2,
            window_ms: 300,
        }),
    );
    assert_eq!(status(&client).await.unwrap().status(), 200);
    assert_eq!(status(&client).await.unwrap().status(), 200);
    assert_eq!(status(&client).await.unwrap().status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    assert_eq!(
        status(&client).await.unwrap().status(),
        200,
        "the window slid on"
    );
}

#[tokio::test]
async fn some_agent_emails_are_capitalised() {
    let sim = sim().await;
    let (_, _, body) = parts(
        call(&sim, reqwest::Method::GET, "/agents")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let emails: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(
        emails.iter().any(|e| e.chars().any(char::is_uppercase)),
        "{emails:?}"
    );
    assert!(emails.iter().any(|e| !e.chars().any(char::is_uppercase)));
}
