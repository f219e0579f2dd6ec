//! The CCAI Platform adapter against the simulator.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{fast, last, no_pace, sim};
use switchboard_domain::connection::BaseUrl;
use switchboard_secrets::Secret;
use switchboard_simulator::Simulator;
use switchboard_simulator::Vendor::CcaiPlatform;
use switchboard_simulator::vendors::ccai::Data;
use switchboard_vendors::VendorApi;
use switchboard_vendors::ccai::Client;
use switchboard_vendors::{Cursor, StatusOption, VendorError};

fn client_with(sim: &Simulator, token: &str) -> Client {
    let base = BaseUrl::parse(&sim.base_url(CcaiPlatform)).unwrap();
    Client::new(
        &base,
        &sim.credentials().ccai_username,
        Secret::new(token),
        fast(),
        no_pace(),
    )
    .unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, &sim.credentials().ccai_api_token)
}

fn by_name<'a>(statuses: &'a [StatusOption], name: &str, system: bool) -> &'a StatusOption {
    statuses
        .iter()
        .find(|s| s.name == name && s.system == system)
        .unwrap()
}

#[tokio::test]
async fn basic_auth_and_a_wrong_token() {
    let sim = sim().await;
    client(&sim).check().await.unwrap();
    assert!(
        last(&sim, CcaiPlatform, "user_statuses").headers["authorization"].starts_with("Basic ")
    );
    assert!(matches!(
        client_with(&sim, "nope").check().await.unwrap_err(),
        VendorError::Unauthorized { .. }
    ));
}

#[tokio::test]
async fn statuses_say_which_can_be_set() {
    let sim = sim().await;
    let statuses = client(&sim).statuses().await.unwrap();
    assert!(by_name(&statuses, "Available", true).settable);
    assert!(!by_name(&statuses, "In-call", true).settable);
    assert!(!by_name(&statuses, "Offline", true).settable);
    assert!(by_name(&statuses, "Training", false).settable);
    assert_eq!(
        by_name(&statuses, "Break", false).id,
        "4",
        "custom Break kept apart from system Break by id"
    );
}

#[tokio::test]
async fn agents_follow_link_headers_to_the_end_with_status_and_teams() {
    let sim = sim().await;
    let c = client(&sim);
    let mut cursor: Option<Cursor> = None;
    let mut all = Vec::new();
    loop {
        let page = c.agents(cursor.as_ref()).await.unwrap();
        assert_eq!(
            page.total,
            Some(sim.world().ccai.read().unwrap().agents.len() as u64)
        );
        all.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(all.len(), sim.world().ccai.read().unwrap().agents.len());
    let first = &all[0];
    assert_eq!(first.vendor_id, Data::agent_id(0).to_string());
    assert_eq!(first.team_ids, ["1"]);
    let status = first.status.as_ref().unwrap();
    assert!(status.id.is_some() && status.since.is_some());
    let teams = c.teams().await.unwrap();
    assert_eq!(teams[0].name, "Tier 1 Support");
}

#[tokio::test]
async fn agents_changed_since_reads_only_what_changed_by_the_vendors_clock() {
    let sim = sim().await;
    let c = client(&sim);
    // The newest change the vendor shows is the clock to ask from.
    let mut newest = switchboard_domain::Timestamp(0);
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = c.agents(cursor.as_ref()).await.unwrap();
        for a in &page.items {
            if let Some(since) = a.status.as_ref().and_then(|s| s.since) {
                newest = newest.max(since);
            }
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let quiet = c
        .agents_changed_since(switchboard_domain::Timestamp(newest.0 + 1), None)
        .await
        .unwrap();
    assert!(quiet.items.is_empty() && quiet.next.is_none(), "{quiet:?}");
    assert_eq!(quiet.total, Some(0));
    assert!(
        last(&sim, CcaiPlatform, "agents")
            .query
            .unwrap_or_default()
            .contains("status_updated_at%5Bfrom%5D="),
        "the filter as tap-ujet sends it"
    );

    assert!(
        sim.world()
            .ccai
            .write()
            .unwrap()
            .set_status(Data::agent_id(3), 2)
    );
    let since = switchboard_domain::Timestamp(newest.0 + 1);
    let changed = c.agents_changed_since(since, None).await.unwrap();
    let ids: Vec<&str> = changed.items.iter().map(|a| a.vendor_id.as_str()).collect();
    assert_eq!(ids, [Data::agent_id(3).to_string()]);
    let status = changed.items[0].status.as_ref().unwrap();
    assert_eq!(status.id.as_deref(), Some("2"));
    assert!(status.since.unwrap() >= since);
}

#[tokio::test]
async fn the_activity_log_is_read_from_a_time_page_by_page() {
    let sim = sim().await;
    let c = client(&sim);
    let now = switchboard_domain::Timestamp::now();
    let hour_ago = switchboard_domain::Timestamp(now.0 - 3_600_000);
    let mut cursor: Option<Cursor> = None;
    let mut all = Vec::new();
    loop {
        let page = c.activity_log(hour_ago, cursor.as_ref()).await.unwrap();
        all.extend(page.items);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let expected = sim
        .world()
        .ccai
        .read()
        .unwrap()
        .log
        .since(hour_ago.0.div_euclid(1000) + 1)
        .len();
    assert!(
        all.len() >= expected && all.len() <= expected + 200,
        "{} read, {expected} expected",
        all.len()
    );
    assert!(
        all.windows(2).all(|w| w[0].started_at <= w[1].started_at),
        "oldest first"
    );
    assert!(all.iter().all(|r| r.started_at >= hour_ago));
    let changes = all.iter().filter(|r| r.activity == "status_change").count();
    assert!(changes > 0, "status changes in the last hour");
    let status = all.iter().find_map(|r| r.status.clone()).unwrap();
    assert!(status.id.is_some() && status.since.is_some());

    // A change now is the newest record, open, with the agent's id.
    assert!(
        sim.world()
            .ccai
            .write()
            .unwrap()
            .set_status(Data::agent_id(5), 3)
    );
    // The simulator stamps whole seconds.
    let page = c
        .activity_log(switchboard_domain::Timestamp(now.0 - 2_000), None)
        .await
        .unwrap();
    let mine = page
        .items
        .iter()
        .rev()
        .find(|r| r.agent_vendor_id == Data::agent_id(5).to_string())
        .unwrap();
    assert_eq!(mine.status.as_ref().unwrap().id.as_deref(), Some("3"));
    assert_eq!(
        (mine.activity.as_str(), mine.ended_at),
        ("status_change", None)
    );
    assert!(
        last(&sim, CcaiPlatform, "agent_activity_logs")
            .query
            .unwrap_or_default()
            .contains("started_at%5Bfrom%5D="),
        "the filter as tap-ujet sends it"
    );
}

#[tokio::test]
async fn a_team_change_reports_each_agent_and_nothing_false_is_claimed() {
    let sim = sim().await;
    let c = client(&sim);
    let statuses = c.statuses().await.unwrap();
    let results = c
        .set_status(
            by_name(&statuses, "Training", false),
            &statuses,
            &[],
            &["1".into()],
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 10);
    let kept: Vec<_> = results.iter().filter(|r| !r.changed).collect();
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|r| r.current == "In-call"
        && r.message.as_deref() == Some("Agent can't be changed from system status 'In-call'")));
    assert!(
        results
            .iter()
            .filter(|r| r.changed)
            .all(|r| r.current == "Training")
    );
    let now = c
        .agent_statuses(&[Data::agent_id(0).to_string()], &[])
        .await
        .unwrap();
    assert_eq!(
        now,
        [(Data::agent_id(0).to_string(), "Training".to_owned())]
    );
}

#[tokio::test]
async fn statuses_that_cannot_be_set_are_refused_before_sending() {
    let sim = sim().await;
    let c = client(&sim);
    let statuses = c.statuses().await.unwrap();
    let agent = [Data::agent_id(0).to_string()];
    let err = c
        .set_status(by_name(&statuses, "In-call", true), &statuses, &agent, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, VendorError::InvalidInput { ref field, ref message } if field == "status" && message.contains("platform only"))
    );
    let err = c
        .set_status(by_name(&statuses, "Break", false), &statuses, &agent, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, VendorError::InvalidInput { ref message, .. } if message.contains("same name as a system status")),
        "{err:?}"
    );
    let err = c
        .set_status(by_name(&statuses, "Available", true), &statuses, &[], &[])
        .await
        .unwrap_err();
    assert!(matches!(err, VendorError::InvalidInput { ref field, .. } if field == "agents"));
    let err = c
        .set_status(
            by_name(&statuses, "Available", true),
            &statuses,
            &["eleven".into()],
            &[],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, VendorError::InvalidInput { ref field, .. } if field == "agents"));
    let sets = sim
        .inspector()
        .requests()
        .iter()
        .filter(|r| r.endpoint == "agent_statuses" && r.method == "POST")
        .count();
    assert_eq!(sets, 0, "nothing was sent");
}

#[tokio::test]
async fn the_vendors_400s_are_typed() {
    let sim = sim().await;
    let c = client(&sim);
    let statuses = c.statuses().await.unwrap();
    let available = by_name(&statuses, "Available", true);
    let err = c
        .set_status(available, &statuses, &["99999".into()], &[])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::invalid("agents", "agent 99999 does not exist")
    );
    let err = c
        .set_status(available, &statuses, &[], &["999".into()])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::invalid("teams", "team 999 does not exist")
    );
    let napping = StatusOption {
        id: "77".into(),
        name: "Napping".into(),
        color: None,
        system: false,
        settable: true,
        offered: true,
    };
    let err = c
        .set_status(&napping, &statuses, &[Data::agent_id(0).to_string()], &[])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        VendorError::invalid("status", "status 'Napping' does not exist")
    );
}
