//! CCAI Platform, line by line from VENDORS.md §4 and the seed page.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{http, parts, sim};
use serde_json::{Value, json};
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::CcaiPlatform;
use switchboard_simulator::vendors::ccai::Data;

fn call(sim: &Simulator, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    common::authed(sim, CcaiPlatform, method, path)
}

async fn set(sim: &Simulator, body: Value) -> (u16, Value) {
    let (s, _, b) = parts(
        call(sim, reqwest::Method::POST, "/apps/api/v1/agent_statuses")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    (s, b)
}

#[tokio::test]
async fn basic_auth_with_the_wrong_token_is_401() {
    let sim = sim().await;
    let r = http()
        .get(format!(
            "{}/manager/api/v1/teams",
            sim.base_url(CcaiPlatform)
        ))
        .basic_auth(&sim.credentials().ccai_username, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("www-authenticate").is_some());
}

#[tokio::test]
async fn a_team_change_gives_per_agent_results_and_keeps_agents_on_a_call() {
    let sim = sim().await;
    // Team 1 ("Tier 1 Support") has two agents on a call (the seeded layout).
    let (status, body) = set(
        &sim,
        json!({"status": "Training", "agent_ids": [], "team_ids": [1]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let results = body.as_array().unwrap();
    assert_eq!(results.len(), 10, "every agent of the team");
    let kept: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("message").is_some())
        .collect();
    assert_eq!(kept.len(), 2, "two agents kept: {kept:?}");
    for r in &kept {
        assert_eq!(r["previous_status"], "In-call");
        assert_eq!(r["current_status"], "In-call");
        assert_eq!(
            r["message"],
            "Agent can't be changed from system status 'In-call'"
        );
    }
    for r in results.iter().filter(|r| r.get("message").is_none()) {
        assert_eq!(r["current_status"], "Training");
        for field in [
            "agent_id",
            "name",
            "email",
            "agent_number",
            "previous_status",
        ] {
            assert!(r.get(field).is_some(), "{field}");
        }
    }
    let data = sim.world().ccai.read().unwrap();
    assert_eq!(data.status_of(Data::agent_id(0)).unwrap().name, "Training");
    assert_eq!(data.status_of(Data::agent_id(1)).unwrap().name, "In-call");
}

#[tokio::test]
async fn an_offline_agent_keeps_its_status_with_the_documented_message() {
    let sim = sim().await;
    let agent = Data::agent_id(4);
    sim.world().ccai.write().unwrap().set_status(agent, -10);
    let (status, body) = set(&sim, json!({"status": "Available", "agent_ids": [agent]})).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["current_status"], "Offline");
    assert_eq!(
        body[0]["message"],
        "Agent's status can't be changed if they are offline or logged out"
    );
}

#[tokio::test]
async fn unknown_and_system_statuses_are_400() {
    let sim = sim().await;
    let agent = Data::agent_id(0);
    assert_eq!(
        set(
            &sim,
            json!({"status": "Napping", "agent_ids": [agent, agent + 1], "team_ids": []})
        )
        .await,
        (400, json!({"message": "status 'Napping' does not exist"}))
    );
    assert_eq!(
        set(&sim, json!({"status": "In-call", "agent_ids": [agent]})).await,
        (
            400,
            json!({"message": "Agent can't be changed to system status 'In-call'"})
        )
    );
    assert_eq!(
        set(&sim, json!({"status": "Available", "agent_ids": [99999]})).await,
        (400, json!({"message": "agent 99999 does not exist"}))
    );
    assert_eq!(
        set(&sim, json!({"status": "Available", "team_ids": [999]})).await,
        (400, json!({"message": "team 999 does not exist"}))
    );
    assert_eq!(
        set(&sim, json!({"status": "Available"})).await.0,
        400,
        "no one addressed"
    );
    assert_eq!(
        set(&sim, json!({"agent_ids": [agent]})).await.0,
        400,
        "no status"
    );
}

#[tokio::test]
async fn a_name_shared_by_a_system_and_a_custom_status_selects_the_system_one() {
    let sim = sim().await;
    let agent = Data::agent_id(0);
    let (status, body) = set(&sim, json!({"status": "Break", "agent_ids": [agent]})).await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["current_status"], "Break");
    assert_eq!(
        sim.world()
            .ccai
            .read()
            .unwrap()
            .status_of(agent)
            .unwrap()
            .id,
        -2,
        "the system Break (-2), not custom (4)"
    );
}

#[tokio::test]
async fn user_statuses_list_system_and_custom_statuses() {
    let sim = sim().await;
    let (status, _, body) = parts(
        call(&sim, reqwest::Method::GET, "/manager/api/v1/user_statuses")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let statuses = body.as_array().unwrap();
    let ids: Vec<i64> = statuses.iter().map(|s| s["id"].as_i64().unwrap()).collect();
    for system in [0, -1, -2, -3, -4, -5, -6, -7, -8, -10] {
        assert!(ids.contains(&system), "system status {system}");
    }
    assert!(
        ids.iter().any(|i| *i > 0),
        "custom statuses have positive ids"
    );
    assert!(statuses.iter().all(|s| s["color"].is_string()));
}

#[tokio::test]
async fn reading_statuses_by_body_or_query_shows_changes() {
    let sim = sim().await;
    let agent = Data::agent_id(0);
    set(&sim, json!({"status": "Lunch", "agent_ids": [agent]})).await;
    let r = call(&sim, reqwest::Method::GET, "/apps/api/v1/agent_statuses")
        .json(&json!({"agent_ids": [agent]}))
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(r).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 1);
    assert_eq!(body[0]["status"], "Lunch");
    assert!(body[0]["ip_addrs"].is_array());
    let path = format!("/apps/api/v1/agent_statuses?agent_ids[]={agent}&team_ids[]=2");
    let (_, _, body) = parts(
        call(&sim, reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body[0]["agent_id"], agent);
    assert_eq!(
        body.as_array().unwrap().len(),
        1 + 10,
        "the agent and team 2's ten agents"
    );
}

#[tokio::test]
async fn manager_agents_page_by_link_total_and_per_page() {
    let sim = sim().await;
    let total = sim.world().ccai.read().unwrap().agents.len();
    let (status, headers, body) = parts(
        call(&sim, reqwest::Method::GET, "/manager/api/v1/agents")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body.as_array().unwrap().len(),
        25.min(total),
        "per defaults to 25"
    );
    assert_eq!(headers["total"].to_str().unwrap(), total.to_string());
    assert_eq!(headers["per-page"].to_str().unwrap(), "25");
    let link = headers["link"].to_str().unwrap();
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"last\""),
        "{link}"
    );
    let agent = &body[0];
    for field in [
        "id",
        "email",
        "first_name",
        "last_name",
        "agent_number",
        "status",
        "status_updated_at",
        "online",
        "teams",
    ] {
        assert!(agent.get(field).is_some(), "{field}");
    }
    assert!(agent["status"]["id"].is_i64() && agent["status"]["color"].is_string());

    // Follow rel="next" to the end.
    let mut url = format!(
        "{}/manager/api/v1/agents?per=100",
        sim.base_url(CcaiPlatform)
    );
    let mut seen = 0;
    loop {
        let c = sim.credentials();
        let r = http()
            .get(&url)
            .basic_auth(&c.ccai_username, Some(&c.ccai_api_token))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()["per-page"].to_str().unwrap(),
            "100",
            "per is capped at 100"
        );
        let next = r.headers()["link"]
            .to_str()
            .unwrap()
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| {
                l.trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned()
            });
        seen += parts(r).await.2.as_array().unwrap().len();
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(seen, total);
}

#[tokio::test]
async fn teams_have_parents() {
    let sim = sim().await;
    let (status, _, body) = parts(
        call(&sim, reqwest::Method::GET, "/manager/api/v1/teams")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body[0],
        json!({"id": 1, "name": "Tier 1 Support", "parent_id": null})
    );
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("parent_id").is_some())
    );
}

#[tokio::test]
async fn ten_requests_per_second_then_429_with_retry_after() {
    let sim = sim().await;
    assert_eq!(
        sim.limit(CcaiPlatform),
        Some(switchboard_simulator::RateLimit::per_second(10)),
        "documented: 10/s"
    );
    // The same count over a minute, so a slow machine cannot let the window slide
    // between the requests.
    sim.set_limit(
        CcaiPlatform,
        Some(switchboard_simulator::RateLimit {
            max: 10,
            window_ms: 60_000,
        }),
    );
    let client = http();
    let c = sim.credentials().clone();
    let url = format!(
        "{}/manager/api/v1/user_statuses",
        sim.base_url(CcaiPlatform)
    );
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let r = client
            .get(&url)
            .basic_auth(&c.ccai_username, Some(&c.ccai_api_token))
            .send()
            .await
            .unwrap();
        statuses.push((
            r.status().as_u16(),
            r.headers().get("retry-after").is_some(),
        ));
    }
    assert!(statuses[..10].iter().all(|s| s.0 == 200), "{statuses:?}");
    assert_eq!(statuses[10], (429, true));
}

#[tokio::test]
async fn every_platform_only_status_is_refused_by_name() {
    let sim = sim().await;
    for name in ["In-call", "In-chat", "Wrap-up", "Missed Call", "Offline"] {
        let (status, body) = set(
            &sim,
            json!({"status": name, "agent_ids": [Data::agent_id(0)]}),
        )
        .await;
        assert_eq!(status, 400, "{name}");
        assert_eq!(
            body["message"],
            format!("Agent can't be changed to system status '{name}'")
        );
    }
    // Settable system statuses and a custom one, matched case-insensitively.
    for name in ["unavailable", "Special Task", "Meal", "Coaching"] {
        assert_eq!(
            set(
                &sim,
                json!({"status": name, "agent_ids": [Data::agent_id(0)]})
            )
            .await
            .0,
            200,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_429_body_is_the_simulators_documented_choice() {
    let sim = sim().await;
    sim.set_limit(
        CcaiPlatform,
        Some(switchboard_simulator::RateLimit {
            max: 1,
            window_ms: 60_000,
        }),
    );
    let client = http();
    let c = sim.credentials().clone();
    let url = format!("{}/manager/api/v1/teams", sim.base_url(CcaiPlatform));
    client
        .get(&url)
        .basic_auth(&c.ccai_username, Some(&c.ccai_api_token))
        .send()
        .await
        .unwrap();
    let (status, headers, body) = parts(
        client
            .get(&url)
            .basic_auth(&c.ccai_username, Some(&c.ccai_api_token))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body),
        (429, json!({"message": "Too many requests"}))
    );
    assert!(headers.contains_key("retry-after"));
}
