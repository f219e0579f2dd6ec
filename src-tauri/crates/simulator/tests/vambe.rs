//! Vambe, line by line from VENDORS.md §2.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{http, parts, sim};
use serde_json::{Value, json};
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::Vambe;

fn get(sim: &Simulator, path: &str) -> reqwest::RequestBuilder {
    common::authed(sim, Vambe, reqwest::Method::GET, path)
}

async fn assign(sim: &Simulator, contact: &str, member: &str, query: &str) -> (u16, Value) {
    let url = format!(
        "{}/api/public/contact/{contact}/assign-team-member/{member}{query}",
        sim.base_url(Vambe)
    );
    let r = http()
        .post(url)
        .header("x-api-key", &sim.credentials().vambe_api_key)
        .send()
        .await
        .unwrap();
    let (status, _, body) = parts(r).await;
    (status, body)
}

fn ids(sim: &Simulator) -> (String, String, String) {
    let data = sim.world().vambe.read().unwrap();
    (data.contact_id(0), data.member_id(0), data.member_id(1))
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_401() {
    let sim = sim().await;
    let url = format!("{}/api/public/team-members/all", sim.base_url(Vambe));
    let (status, _, body) = parts(
        http()
            .get(&url)
            .header("x-api-key", "nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["success"], false);
    assert_eq!(parts(http().get(&url).send().await.unwrap()).await.0, 401);
}

#[tokio::test]
async fn team_members_are_a_bare_array_without_paging() {
    let sim = sim().await;
    let (status, _, body) = parts(
        get(&sim, "/api/public/team-members/all")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let members = body.as_array().unwrap();
    assert_eq!(
        members.len(),
        sim.world().vambe.read().unwrap().members.len()
    );
    for field in ["id", "name", "first_name", "last_name", "email", "phone"] {
        assert!(members[0].get(field).is_some(), "{field}");
    }
    assert_eq!(members[0]["id"].as_str().unwrap().len(), 36, "a UUID");
}

#[tokio::test]
async fn assigning_adds_by_default_and_replaces_on_request() {
    let sim = sim().await;
    let (contact, a, b) = ids(&sim);
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[&a]);

    let (status, body) = assign(&sim, &contact, &b, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"success": true, "message": "Team member assigned successfully"})
    );
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        [a.clone(), b.clone()]
    );

    assert_eq!(
        assign(&sim, &contact, &b, "?removeExistingAgents=false")
            .await
            .0,
        200
    );
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap()
            .len(),
        2,
        "idempotent: no duplicate"
    );

    assert_eq!(
        assign(&sim, &contact, &a, "?removeExistingAgents=true")
            .await
            .0,
        200
    );
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        vec![a],
        "replaced"
    );
}

#[tokio::test]
async fn contact_info_shows_status_platform_and_assignees() {
    let sim = sim().await;
    let (contact, a, _) = ids(&sim);
    assign(&sim, &contact, &a, "?removeExistingAgents=true").await;
    let (status, _, body) = parts(
        get(&sim, &format!("/api/public/contact/{contact}/info"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], contact.as_str());
    assert!(["UNATTENDED", "ATTENDED", "CLOSED"].contains(&body["chat_status"].as_str().unwrap()));
    assert!(body["platform"].is_string());
    assert_eq!(body["team_members"].as_array().unwrap().len(), 1);
    assert_eq!(body["team_members"][0]["id"], a.as_str());
}

#[tokio::test]
async fn ids_must_be_uuids_and_exist() {
    let sim = sim().await;
    let (contact, member, _) = ids(&sim);
    let unknown = "0b7c2d3e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
    let (status, body) = assign(&sim, "12345", &member, "").await;
    assert_eq!((status, body["success"].as_bool()), (400, Some(false)));
    assert!(body["message"].as_str().unwrap().contains("contact"));
    let (status, body) = assign(&sim, &contact, "not-a-uuid", "").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("team member"));
    assert_eq!(
        assign(&sim, unknown, &member, "").await,
        (
            404,
            json!({"success": false, "message": "Contact not found"})
        )
    );
    assert_eq!(
        assign(&sim, &contact, unknown, "").await,
        (
            404,
            json!({"success": false, "message": "Team member not found"})
        )
    );
    assert_eq!(
        assign(&sim, &contact, &member, "?removeExistingAgents=maybe")
            .await
            .0,
        400
    );
    let (status, _, _) = parts(
        get(&sim, &format!("/api/public/contact/{unknown}/info"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = parts(
        get(&sim, "/api/public/contact/xyz/info")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn contacts_need_a_time_filter_and_page_by_limit_and_offset() {
    let sim = sim().await;
    let (status, _, body) = parts(get(&sim, "/api/public/contacts").send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "One of days, created_after or updated_after is required"
    );
    for bad in [
        "?days=0",
        "?days=366",
        "?days=x",
        "?updated_after=yesterday",
        "?created_after=13/01/2026",
    ] {
        let (status, _, _) = parts(
            get(&sim, &format!("/api/public/contacts{bad}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
    }
    let all = sim.world().vambe.read().unwrap().contacts.len();
    let (status, _, body) = parts(
        get(&sim, "/api/public/contacts?days=365")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body.as_array().unwrap().len(),
        100.min(all),
        "default limit 100"
    );
    let (_, _, body) = parts(
        get(&sim, "/api/public/contacts?days=365&limit=5000")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        body.as_array().unwrap().len(),
        1000.min(all),
        "limit capped at 1000"
    );
    let (_, _, second) = parts(
        get(&sim, "/api/public/contacts?days=365&limit=2&offset=1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, first) = parts(
        get(&sim, "/api/public/contacts?days=365&limit=2")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(second[0], first[1], "offset pages");
}

#[tokio::test]
async fn updated_after_finds_only_what_changed_since() {
    let sim = sim().await;
    let (contact, a, _) = ids(&sim);
    let mark = chrono::Utc::now(); // written in whole seconds below, so earlier than anything after the sleep
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assign(&sim, &contact, &a, "?removeExistingAgents=true").await;
    let since = mark.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, _, body) = parts(
        get(&sim, "/api/public/contacts")
            .query(&[("updated_after", since.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [contact.as_str()], "only the contact just assigned");
}
