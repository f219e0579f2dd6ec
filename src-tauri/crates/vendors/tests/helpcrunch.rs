//! The HelpCrunch adapter against the simulator.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{fast, last, no_pace, sim};
use serde_json::json;
use switchboard_domain::connection::BaseUrl;
use switchboard_secrets::Secret;
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::Helpcrunch;
use switchboard_simulator::vendors::helpcrunch::Data;
use switchboard_vendors::VendorApi;
use switchboard_vendors::helpcrunch::Client;
use switchboard_vendors::{Cursor, Page, RemoteTarget, VendorError};

fn client_with(sim: &Simulator, key: &str) -> Client {
    Client::new(
        &BaseUrl::parse(&sim.base_url(Helpcrunch)).unwrap(),
        Secret::new(key),
        fast(),
        no_pace(),
    )
    .unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, &sim.credentials().helpcrunch_api_key)
}

#[tokio::test]
async fn check_names_the_account_and_a_bad_key_is_unauthorized() {
    let sim = sim().await;
    assert_eq!(
        client(&sim).check().await.unwrap().name.as_deref(),
        Some("Acme Support")
    );
    let err = client_with(&sim, "nope").check().await.unwrap_err();
    assert_eq!(
        err,
        VendorError::Unauthorized {
            message: "Invalid token".into()
        }
    );
}

#[tokio::test]
async fn agents_and_departments() {
    let sim = sim().await;
    let page = client(&sim).agents(None).await.unwrap();
    let total = sim.world().helpcrunch.read().unwrap().agents.len();
    assert_eq!(
        (page.items.len(), page.total, page.next),
        (total.min(100), Some(total as u64), None)
    );
    assert!(
        page.items
            .iter()
            .all(|a| a.role.is_some() && a.vendor_id.parse::<u64>().is_ok())
    );
    let departments = client(&sim).teams().await.unwrap();
    let members: usize = departments
        .iter()
        .map(|d| d.member_ids.as_ref().unwrap().len())
        .sum();
    assert_eq!(members, total, "every agent is in one department");
}

async fn all_chats(c: &Client, since: Option<switchboard_domain::Timestamp>) -> Vec<RemoteTarget> {
    let mut cursor: Option<Cursor> = None;
    let mut out = Vec::new();
    loop {
        let Page { items, next, .. } = c.targets(since, cursor.as_ref()).await.unwrap();
        out.extend(items);
        match next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

#[tokio::test]
async fn chats_page_to_the_end_newest_first_and_stop_at_since() {
    let sim = sim().await;
    let c = client(&sim);
    let all = all_chats(&c, None).await;
    assert_eq!(
        all.len(),
        sim.world().helpcrunch.read().unwrap().chats.len()
    );
    assert!(
        all.windows(2)
            .all(|w| w[0].last_activity_at >= w[1].last_activity_at)
    );
    let sent = last(&sim, Helpcrunch, "chats");
    assert!(
        sent.query
            .unwrap()
            .contains("sort=chats.lastMessageAt&order=desc")
    );

    let since = all[41].last_activity_at.unwrap();
    let recent = all_chats(&c, Some(since)).await;
    assert!(
        recent.len() >= 42 && recent.len() < all.len(),
        "{}",
        recent.len()
    );
    assert!(recent.iter().all(|t| t.last_activity_at.unwrap() >= since));
}

#[tokio::test]
async fn assign_then_release_and_search_by_assignee() {
    let sim = sim().await;
    let (chat, agent) = (Data::chat_id(7).to_string(), Data::agent_id(3).to_string());
    let c = client(&sim);
    let assigned = c.set_assignee(&chat, Some(&agent)).await.unwrap();
    assert_eq!(assigned.assignees.unwrap()[0].agent_vendor_id, agent);
    let sent = last(&sim, Helpcrunch, "chat_assignee");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&sent.body).unwrap(),
        json!({"id": Data::chat_id(7), "assignee": Data::agent_id(3)}),
        "ids as numbers"
    );

    let owned = c.chats_of(&agent, None).await.unwrap();
    assert!(owned.items.iter().any(|t| t.vendor_id == chat));
    assert!(
        owned
            .items
            .iter()
            .all(|t| t.assignees.as_ref().unwrap()[0].agent_vendor_id == agent)
    );

    let released = c.set_assignee(&chat, None).await.unwrap();
    assert_eq!(released.assignees, Some(vec![]));
    assert_eq!(
        sim.world()
            .helpcrunch
            .read()
            .unwrap()
            .assignee_of(Data::chat_id(7)),
        Some(None)
    );
}

#[tokio::test]
async fn each_documented_error_is_typed() {
    let sim = sim().await;
    let c = client(&sim);
    let err = c.set_assignee("1", Some("4100")).await.unwrap_err();
    assert_eq!(
        err,
        VendorError::NotFound {
            what: "chat".into(),
            message: "Chat is missing".into()
        }
    );
    let err = c
        .set_assignee(&Data::chat_id(0).to_string(), Some("99"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::invalid("assignee", "assignee value is invalid")
    );
    let err = c.set_assignee("chat-1", None).await.unwrap_err();
    assert!(
        matches!(err, VendorError::InvalidInput { ref field, .. } if field == "chat"),
        "refused before sending"
    );
    assert_eq!(sim.inspector().count(Helpcrunch, "chat_assignee"), 2);
}

#[tokio::test]
async fn a_429_body_and_the_bare_array_shape_are_both_read() {
    let sim = sim().await;
    // The documented 429, with Retry-After, then success.
    sim.set_limit(
        Helpcrunch,
        Some(switchboard_simulator::RateLimit {
            max: 1,
            window_ms: 300,
        }),
    );
    let c = client(&sim);
    c.check().await.unwrap();
    c.check()
        .await
        .expect("the second is refused once, waited out, and retried");
    sim.set_limit(Helpcrunch, None);
    // A body some pages show: a bare array of errors.
    sim.inspector().add_fault(common::fault(
        Helpcrunch,
        "organization",
        switchboard_simulator::FaultKind::Status {
            status: 401,
            body: Some(json!([{"code": "invalid_token", "message": "Invalid token"}])),
            retry_after: None,
        },
        1,
    ));
    assert_eq!(
        c.check().await.unwrap_err(),
        VendorError::Unauthorized {
            message: "Invalid token".into()
        }
    );
}

#[tokio::test]
async fn one_chat_is_read_with_its_assignee_as_the_vendor_has_it() {
    let sim = sim().await;
    let (chat, agent) = (Data::chat_id(4), Data::agent_id(2));
    sim.world()
        .helpcrunch
        .write()
        .unwrap()
        .set_assignee(chat, Some(agent));
    let read = client(&sim)
        .target(&chat.to_string())
        .await
        .unwrap()
        .unwrap();
    let assignees: Vec<String> = read
        .assignees
        .unwrap()
        .into_iter()
        .map(|a| a.agent_vendor_id)
        .collect();
    assert_eq!(assignees, [agent.to_string()]);
    assert_eq!(
        last(&sim, Helpcrunch, "chat").path,
        format!("/v1/chats/{chat}")
    );

    sim.world()
        .helpcrunch
        .write()
        .unwrap()
        .set_assignee(chat, None);
    let read = client(&sim)
        .target(&chat.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.assignees, Some(Vec::new()), "unassigned reads as none");
    assert_eq!(client(&sim).target("17").await.unwrap(), None);
    assert!(matches!(
        client(&sim).target("abc").await,
        Err(VendorError::InvalidInput { .. })
    ));
}
