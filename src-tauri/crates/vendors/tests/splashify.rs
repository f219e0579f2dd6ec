//! The Splashify Pro adapter against the simulator.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{fast, last, no_pace, sim};
use serde_json::json;
use switchboard_domain::connection::BaseUrl;
use switchboard_secrets::Secret;
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::Splashify;
use switchboard_vendors::VendorApi;
use switchboard_vendors::splashify::Client;
use switchboard_vendors::{Cursor, VendorError};

fn client_with(sim: &Simulator, key: &str) -> Client {
    Client::new(
        &BaseUrl::parse(&sim.base_url(Splashify)).unwrap(),
        Secret::new(key),
        fast(),
        no_pace(),
    )
    .unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, &sim.credentials().splashify_api_key)
}

/// A phone with a conversation written with spaces and dashes, an active and an
/// inactive agent, and a phone with no conversation.
fn fixtures(sim: &Simulator) -> (String, u64, String, String, String) {
    let d = sim.world().splashify.read().unwrap();
    let p = d
        .customers
        .iter()
        .find(|c| c.has_conversation)
        .unwrap()
        .phone;
    let digits = p.to_string();
    let pretty = format!("+{} {}-{}", &digits[..2], &digits[2..7], &digits[7..]);
    let silent = d
        .customers
        .iter()
        .find(|c| !c.has_conversation)
        .unwrap()
        .phone
        .to_string();
    let active = d.agents.iter().find(|a| a.active).unwrap().person.email();
    let inactive = d.agents.iter().find(|a| !a.active).unwrap().person.email();
    (pretty, p, silent, active, inactive)
}

#[tokio::test]
async fn the_key_is_sent_verbatim_and_a_wrong_one_is_unauthorized() {
    let sim = sim().await;
    client(&sim).check().await.unwrap();
    assert_eq!(
        last(&sim, Splashify, "users").headers["authorization"],
        format!("Basic {}", sim.credentials().splashify_api_key)
    );
    assert!(matches!(
        client_with(&sim, "sk_live_wrong")
            .check()
            .await
            .unwrap_err(),
        VendorError::Unauthorized { .. }
    ));
}

#[tokio::test]
async fn assign_and_release_by_a_normalised_phone() {
    let sim = sim().await;
    let (pretty, phone, _, agent, _) = fixtures(&sim);
    client(&sim).assign_email(&pretty, &agent).await.unwrap();
    let sent: serde_json::Value =
        serde_json::from_str(&last(&sim, Splashify, "assignment").body).unwrap();
    assert_eq!(
        sent,
        json!({"user_phone_number": phone.to_string(), "agent_email": agent})
    );
    assert_eq!(
        sim.world().splashify.read().unwrap().assignee_of(phone),
        Some(Some(agent.clone()))
    );
    client(&sim).release(&phone.to_string()).await.unwrap();
    assert_eq!(
        sim.world().splashify.read().unwrap().assignee_of(phone),
        Some(None)
    );
}

#[tokio::test]
async fn the_three_documented_errors_and_a_phone_refused_before_sending() {
    let sim = sim().await;
    let (pretty, _, silent, active, inactive) = fixtures(&sim);
    let c = client(&sim);
    assert_eq!(
        c.assign_email(&pretty, "nobody@acme-support.example")
            .await
            .unwrap_err(),
        VendorError::invalid("agent_email", "Agent not found")
    );
    assert_eq!(
        c.assign_email(&silent, &active).await.unwrap_err(),
        VendorError::NotFound {
            what: "conversation".into(),
            message: "Conversation not found".into()
        }
    );
    assert_eq!(
        c.assign_email(&pretty, &inactive).await.unwrap_err(),
        VendorError::invalid("agent_email", "Agent inactive")
    );
    let sent = sim.inspector().count(Splashify, "assignment");
    let err = c.assign_email("+91 98765", &active).await.unwrap_err();
    assert!(
        matches!(err, VendorError::InvalidInput { ref field, .. } if field == "user_phone_number"),
        "{err:?}"
    );
    let err = c.assign_email(&pretty, "not an email").await.unwrap_err();
    assert!(matches!(err, VendorError::InvalidInput { ref field, .. } if field == "agent_email"));
    assert_eq!(
        sim.inspector().count(Splashify, "assignment"),
        sent,
        "nothing more was sent"
    );
}

#[tokio::test]
async fn contacts_page_to_the_end_with_assignees_when_given() {
    let sim = sim().await;
    let c = client(&sim);
    let mut cursor: Option<Cursor> = None;
    let mut all = Vec::new();
    loop {
        let page = c.targets(None, cursor.as_ref()).await.unwrap();
        all.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(
        all.len(),
        sim.world().splashify.read().unwrap().customers.len()
    );
    assert!(
        all.iter()
            .all(|t| t.vendor_id == *t.phone.as_ref().unwrap())
    );
    assert!(
        all.iter()
            .any(|t| t.assignees.as_ref().is_some_and(|a| !a.is_empty()))
    );
}

#[tokio::test]
async fn a_500_is_retried_with_backoff() {
    let sim = sim().await;
    let (pretty, _, _, agent, _) = fixtures(&sim);
    sim.inspector().add_fault(common::fault(
        Splashify,
        "assignment",
        common::status(500, None),
        2,
    ));
    client(&sim).assign_email(&pretty, &agent).await.unwrap();
    assert_eq!(sim.inspector().count(Splashify, "assignment"), 3);
}
