//! CCAI Platform's agents listing sorted and filtered by `status_updated_at`,
//! and the agent activity log, line by line from VENDORS.md §4.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use chrono::{DateTime, Utc};
use common::{http, parts, sim_with};
use serde_json::{Value, json};
use switchboard_simulator::Vendor::CcaiPlatform;
use switchboard_simulator::{Limits, Simulator};

async fn get(sim: &Simulator, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    parts(
        common::authed(sim, CcaiPlatform, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Every item of a listing, following `rel="next"` from `path`; and the
/// `Total` the first page gave.
async fn all_pages(sim: &Simulator, path: &str) -> (Vec<Value>, usize) {
    let c = sim.credentials();
    let mut url = format!("{}{path}", sim.base_url(CcaiPlatform));
    let mut items = Vec::new();
    let mut total = None;
    loop {
        let r = http()
            .get(&url)
            .basic_auth(&c.ccai_username, Some(&c.ccai_api_token))
            .send()
            .await
            .unwrap();
        let (status, headers, body) = parts(r).await;
        assert_eq!(status, 200, "{url}: {body}");
        total.get_or_insert(headers["total"].to_str().unwrap().parse().unwrap());
        items.extend(body.as_array().unwrap().iter().cloned());
        let next = headers["link"]
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
        match next {
            Some(n) => url = n,
            None => return (items, total.unwrap()),
        }
    }
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn agents_sort_and_filter_by_status_updated_at_and_the_headers_count_the_filtered_set() {
    // Many pages: the rate limit is not what is tested here.
    let sim = sim_with(Limits::Off).await;
    let all = sim.world().ccai.read().unwrap().agents.len();
    let (asc, total) = all_pages(
        &sim,
        "/manager/api/v1/agents?sort_column=status_updated_at&sort_direction=ASC&per=7",
    )
    .await;
    assert_eq!((asc.len(), total), (all, all));
    let times: Vec<_> = asc.iter().map(|a| time(&a["status_updated_at"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ascending");
    let (desc, _) = all_pages(
        &sim,
        "/manager/api/v1/agents?sort_column=status_updated_at&sort_direction=desc&per=100",
    )
    .await;
    let back: Vec<_> = desc.iter().map(|a| time(&a["status_updated_at"])).collect();
    assert!(back.windows(2).all(|w| w[0] >= w[1]), "descending");

    // `[from]` is inclusive, and the pages follow the filter to its end.
    let from = times[all / 2];
    let wanted = times.iter().filter(|t| **t >= from).count();
    let path = format!(
        "/manager/api/v1/agents?sort_column=status_updated_at&status_updated_at%5Bfrom%5D={}&per=5",
        from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    let (filtered, total) = all_pages(&sim, &path).await;
    assert_eq!(
        (filtered.len(), total),
        (wanted, wanted),
        "Total counts the filtered set"
    );
    assert!(
        filtered
            .iter()
            .all(|a| time(&a["status_updated_at"]) >= from)
    );

    for (path, says) in [
        (
            "/manager/api/v1/agents?sort_direction=sideways",
            "sort_direction",
        ),
        (
            "/manager/api/v1/agents?status_updated_at[from]=yesterday",
            "status_updated_at[from]",
        ),
        (
            "/manager/api/v1/agents?sort_column=shoe_size",
            "sort_column",
        ),
    ] {
        let (status, _, body) = get(&sim, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(body["message"].as_str().unwrap().contains(says), "{body}");
    }
}

#[tokio::test]
async fn a_change_is_found_by_the_filter_from_just_before_it() {
    // Many pages: the rate limit is not what is tested here.
    let sim = sim_with(Limits::Off).await;
    let before = Utc::now() - chrono::Duration::seconds(1);
    let (status, body) = {
        let (s, _, b) = parts(
            common::authed(
                &sim,
                CcaiPlatform,
                reqwest::Method::POST,
                "/apps/api/v1/agent_statuses",
            )
            .json(&json!({"status": "Lunch", "agent_ids": [11]}))
            .send()
            .await
            .unwrap(),
        )
        .await;
        (s, b)
    };
    assert_eq!(status, 200, "{body}");
    let path = format!(
        "/manager/api/v1/agents?sort_column=status_updated_at&status_updated_at%5Bfrom%5D={}",
        before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    let (changed, _) = all_pages(&sim, &path).await;
    let ids: Vec<u64> = changed.iter().map(|a| a["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [11], "only the agent changed since");
    assert_eq!(changed[0]["status"]["name"], "Lunch");
}

#[tokio::test]
async fn the_activity_log_holds_days_of_history_and_every_change_since() {
    // Many pages: the rate limit is not what is tested here.
    let sim = sim_with(Limits::Off).await;
    let now = Utc::now();
    let (first, headers, body) = get(&sim, "/manager/api/v1/agent_activity_logs?per=1000").await;
    assert_eq!(first, 200, "{body}");
    assert_eq!(
        headers["per-page"].to_str().unwrap(),
        "100",
        "per at most 100"
    );
    let record = &body[0];
    for field in [
        "id",
        "agent_id",
        "whodunnit",
        "status",
        "started_at",
        "ended_at",
        "duration",
        "activity",
        "call_id",
        "chat_id",
    ] {
        assert!(record.get(field).is_some(), "{field}: {record}");
    }
    for field in [
        "id",
        "name",
        "first_name",
        "last_name",
        "agent_number",
        "avatar_url",
    ] {
        assert!(
            record["whodunnit"].get(field).is_some(),
            "whodunnit.{field}"
        );
    }
    for field in ["id", "name", "color", "wfm_id"] {
        assert!(record["status"].get(field).is_some(), "status.{field}");
    }
    assert!(
        time(&record["started_at"]) < now - chrono::Duration::days(2),
        "seeded with a few days: {record}"
    );
    let (_, headers, _) = get(&sim, "/manager/api/v1/agent_activity_logs").await;
    let seeded: usize = headers["total"].to_str().unwrap().parse().unwrap();
    let agents = sim.world().ccai.read().unwrap().agents.len();
    assert!(seeded > 10 * agents, "{seeded} records for {agents} agents");

    // A change through the API, and two through the control API (off and on).
    let from = now - chrono::Duration::seconds(1);
    let (status, _, body) = parts(
        common::authed(
            &sim,
            CcaiPlatform,
            reqwest::Method::POST,
            "/apps/api/v1/agent_statuses",
        )
        .json(&json!({"status": "Training", "agent_ids": [11]}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    {
        let mut ccai = sim.world().ccai.write().unwrap();
        assert!(ccai.set_status(11, -10));
        assert!(ccai.set_status(11, 0));
    }
    let path = format!(
        "/manager/api/v1/agent_activity_logs?started_at%5Bfrom%5D={}&sort_column=started_at&sort_direction=ASC&per=2",
        from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    let (since, total) = all_pages(&sim, &path).await;
    let mine: Vec<(&str, &str)> = since
        .iter()
        .filter(|r| r["agent_id"] == 11 && r["activity"] != "chat_notification_offered")
        .map(|r| {
            (
                r["activity"].as_str().unwrap(),
                r["status"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        mine,
        [
            ("status_change", "Training"),
            ("logout", "Offline"),
            ("login", "Available")
        ]
    );
    assert_eq!(since.len(), total);
    let last = since.iter().rev().find(|r| r["agent_id"] == 11).unwrap();
    assert!(
        last["ended_at"].is_null() && last["duration"].is_null(),
        "lasts: {last}"
    );
    let training = since
        .iter()
        .find(|r| r["status"]["name"] == "Training")
        .unwrap();
    assert_eq!(
        training["duration"].as_i64(),
        Some((time(&training["ended_at"]) - time(&training["started_at"])).num_seconds())
    );
    // Newest first.
    let (_, _, newest) = get(
        &sim,
        "/manager/api/v1/agent_activity_logs?sort_direction=DESC&per=1",
    )
    .await;
    assert_eq!(newest[0]["id"], last["id"]);
}
