//! The Vambe adapter against the simulator.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{fast, fault, last, no_pace, sim, status};
use switchboard_domain::Timestamp;
use switchboard_domain::connection::BaseUrl;
use switchboard_secrets::Secret;
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::Vambe;
use switchboard_vendors::VendorApi;
use switchboard_vendors::VendorError;
use switchboard_vendors::vambe::Client;

fn client_with(sim: &Simulator, key: &str) -> Client {
    Client::new(
        &BaseUrl::parse(&sim.base_url(Vambe)).unwrap(),
        Secret::new(key),
        fast(),
        no_pace(),
    )
    .unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, &sim.credentials().vambe_api_key)
}

fn ids(sim: &Simulator) -> (String, String, String) {
    let d = sim.world().vambe.read().unwrap();
    (d.contact_id(0), d.member_id(0), d.member_id(1))
}

#[tokio::test]
async fn the_key_goes_in_x_api_key_and_a_wrong_one_is_unauthorized() {
    let sim = sim().await;
    client(&sim).check().await.unwrap();
    assert_eq!(
        last(&sim, Vambe, "team_members").headers["x-api-key"],
        sim.credentials().vambe_api_key
    );
    let err = client_with(&sim, "nope").check().await.unwrap_err();
    assert_eq!(
        err,
        VendorError::Unauthorized {
            message: "Invalid or missing API key".into()
        }
    );
}

#[tokio::test]
async fn team_members_map_to_agents_with_emails() {
    let sim = sim().await;
    let agents = client(&sim).team_members().await.unwrap();
    assert_eq!(
        agents.len(),
        sim.world().vambe.read().unwrap().members.len()
    );
    assert!(
        agents
            .iter()
            .all(|a| a.email.as_ref().unwrap().contains('@') && a.vendor_id.len() == 36)
    );
}

#[tokio::test]
async fn add_then_replace_as_the_info_endpoint_shows() {
    let sim = sim().await;
    let (contact, a, b) = ids(&sim);
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[&a]);
    let c = client(&sim);
    c.assign_member(&contact, &b, false).await.unwrap();
    let sent = last(&sim, Vambe, "assign_team_member");
    assert_eq!(
        sent.path,
        format!("/api/public/contact/{contact}/assign-team-member/{b}")
    );
    assert_eq!(sent.query.as_deref(), Some("removeExistingAgents=false"));
    let ids_of = |t: switchboard_vendors::RemoteTarget| {
        t.assignees
            .unwrap()
            .into_iter()
            .map(|a| a.agent_vendor_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids_of(c.target(&contact).await.unwrap().unwrap()),
        [a.clone(), b.clone()]
    );
    c.assign_member(&contact, &a, true).await.unwrap();
    assert_eq!(ids_of(c.target(&contact).await.unwrap().unwrap()), vec![a]);
}

#[tokio::test]
async fn ids_are_checked_before_sending_and_missing_ones_are_not_found() {
    let sim = sim().await;
    let (contact, member, _) = ids(&sim);
    let err = client(&sim)
        .assign_member("123", &member, false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, VendorError::InvalidInput { ref field, .. } if field == "contact"),
        "{err:?}"
    );
    let err = client(&sim)
        .assign_member(&contact, "abc", false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, VendorError::InvalidInput { ref field, .. } if field == "team_member"),
        "{err:?}"
    );
    assert_eq!(
        sim.inspector().count(Vambe, "assign_team_member"),
        0,
        "nothing sent"
    );
    let unknown = "0b7c2d3e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
    let err = client(&sim)
        .assign_member(unknown, &member, false)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::NotFound {
            what: "contact".into(),
            message: "Contact not found".into()
        }
    );
    let err = client(&sim)
        .assign_member(&contact, unknown, false)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::NotFound {
            what: "team member".into(),
            message: "Team member not found".into()
        }
    );
    assert_eq!(client(&sim).target(unknown).await.unwrap(), None);
}

#[tokio::test]
async fn contacts_page_to_the_end_and_incrementally() {
    let sim = sim().await;
    let c = client(&sim);
    let page = c.targets(None, None).await.unwrap();
    assert_eq!(
        page.items.len(),
        sim.world().vambe.read().unwrap().contacts.len(),
        "fewer than one page of 1000"
    );
    assert!(page.next.is_none());
    assert!(
        page.items
            .iter()
            .any(|t| t.assignees.as_ref().is_some_and(|a| !a.is_empty()))
    );
    assert!(
        last(&sim, Vambe, "contacts")
            .query
            .unwrap()
            .contains("updated_after=1970-01-01")
    );

    // Only what changed after a point in time comes back.
    let (contact, member, _) = ids(&sim);
    let mark = Timestamp(chrono::Utc::now().timestamp() * 1000);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    c.assign_member(&contact, &member, true).await.unwrap();
    let changed = c.targets(Some(mark), None).await.unwrap();
    assert_eq!(
        changed
            .items
            .iter()
            .map(|t| t.vendor_id.as_str())
            .collect::<Vec<_>>(),
        [contact.as_str()]
    );
}

#[tokio::test]
async fn a_500_from_vambe_is_retried() {
    let sim = sim().await;
    sim.inspector()
        .add_fault(fault(Vambe, "team_members", status(500, None), 1));
    client(&sim).team_members().await.unwrap();
    assert_eq!(sim.inspector().count(Vambe, "team_members"), 2);
}
