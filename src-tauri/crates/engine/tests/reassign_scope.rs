//! A reassignment whose scope is targets, not a person: every target a filter
//! matches (all of them, however many pages), or a hand-picked few; checked
//! against the simulator after a fresh sync.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::env;
use switchboard_domain::browse::TargetQuery;
use switchboard_domain::job::{JobState, OperationState};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, Vendor};
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy, TargetScope};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{EngineError, Workspace};
use switchboard_store::{assignments, browse};

fn scope(
    targets: TargetScope,
    from: Option<switchboard_domain::PersonId>,
    to: Destination,
) -> ReassignRequest {
    ReassignRequest {
        from,
        targets: Some(targets),
        connections: Vec::new(),
        to,
        strategy: Strategy::RoundRobin,
        max_per_person: None,
        only_available: false,
        status: None,
    }
}

async fn resync(ws: &Workspace) {
    for c in ws.connection_summaries().await.unwrap() {
        ws.sync(c.connection.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
}

async fn connection(ws: &Workspace, vendor: Vendor) -> ConnectionId {
    ws.connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.connection.vendor == vendor)
        .unwrap()
        .connection
        .id
}

fn field(e: &EngineError) -> String {
    match e {
        EngineError::Invalid(v) => v.field.clone(),
        other => panic!("not a refusal: {other}"),
    }
}

#[tokio::test]
async fn every_target_a_filter_matches_is_handed_over_and_the_undo_takes_it_back() {
    let env = env().await;
    let ws = &env.ws;
    let _sim = ws.running_demo().await.unwrap();
    let hc = connection(ws, Vendor::Helpcrunch).await;
    let people = env.people(3).await;
    let taker = people
        .iter()
        .find(|p| p.agents.iter().any(|a| a.connection_id == hc && a.active))
        .unwrap();
    // The unassigned chats active lately (HelpCrunch's documented pace is 2
    // calls a second: a handful keeps the test short). One page of 3 on
    // screen; "select all N matching" means all of them.
    let mut query = TargetQuery {
        connection_id: Some(hc),
        unassigned: Some(true),
        limit: 500,
        ..TargetQuery::default()
    };
    let newest = ws
        .store()
        .read(|db| browse::targets(db, &query))
        .unwrap()
        .rows;
    query.active_after = newest[7].target.last_activity_at;
    query.limit = 3;
    let matching = ws
        .store()
        .read(|db| browse::matching_ids(db, &query))
        .unwrap();
    assert!(matching.len() >= 8, "{} unassigned chats", matching.len());
    let request = scope(
        TargetScope::Matching { query },
        None,
        Destination::People {
            ids: vec![taker.id],
        },
    );
    let plan = ws.preview_reassign(request.clone()).await.unwrap();
    assert_eq!(plan.items.len(), matching.len(), "{:?}", plan.skipped);
    assert!(plan.items.iter().all(|i| i.from_agent.is_none()));
    let out = ws.reassign(request).await.unwrap();
    assert_eq!(out.state, JobState::Done, "{:?}", out.results);
    assert!(out.results.iter().all(|r| r.state == OperationState::Done));

    resync(ws).await;
    let agent = taker.agents.iter().find(|a| a.connection_id == hc).unwrap();
    for id in &matching {
        let held = ws
            .store()
            .read(|db| assignments::list_by_target(db, *id))
            .unwrap();
        assert_eq!(
            held.iter().map(|a| a.agent_id).collect::<Vec<_>>(),
            [Some(agent.id)],
            "HelpCrunch holds the chat for {}",
            taker.display_name
        );
    }

    // Undone: each chat goes back to nobody.
    let undo = ws.preview_undo(out.job_id).await.unwrap();
    assert_eq!(undo.items.len(), matching.len(), "{:?}", undo.skipped);
    assert!(undo.items.iter().all(|i| i.to_agent.is_none()));
    let back = ws.undo(out.job_id).await.unwrap();
    assert!(
        back.results.iter().all(|r| r.state == OperationState::Done),
        "{:?}",
        back.results
    );
    resync(ws).await;
    for id in &matching {
        let held = ws
            .store()
            .read(|db| assignments::list_by_target(db, *id))
            .unwrap();
        assert!(held.is_empty(), "released again");
    }
}

#[tokio::test]
async fn a_selection_moves_its_one_holder_s_share_and_leaves_what_it_cannot_tell() {
    let env = env().await;
    let ws = &env.ws;
    let _sim = ws.running_demo().await.unwrap();
    let vambe = connection(ws, Vendor::Vambe).await;
    let rows = ws
        .store()
        .read(|db| {
            browse::targets(
                db,
                &TargetQuery {
                    connection_id: Some(vambe),
                    unassigned: Some(false),
                    limit: 500,
                    ..TargetQuery::default()
                },
            )
        })
        .unwrap()
        .rows;
    let shared = rows.iter().find(|r| r.assignees.len() > 1).unwrap();
    let single = rows.iter().find(|r| r.assignees.len() == 1).unwrap();
    let holder = single.assignees[0].agent_id.unwrap();
    let people = env.people(2).await;
    let taker = people
        .iter()
        .find(|p| {
            p.agents
                .iter()
                .any(|a| a.connection_id == vambe && a.active && a.id != holder)
                && !shared
                    .assignees
                    .iter()
                    .any(|s| p.agents.iter().any(|a| Some(a.id) == s.agent_id))
        })
        .unwrap();
    let chosen = TargetScope::Chosen {
        ids: vec![shared.target.id, single.target.id],
    };
    let to = Destination::People {
        ids: vec![taker.id],
    };
    let plan = ws
        .preview_reassign(scope(chosen.clone(), None, to.clone()))
        .await
        .unwrap();
    assert_eq!(plan.items.len(), 1);
    assert_eq!(plan.items[0].target_id, single.target.id);
    assert_eq!(plan.items[0].from_agent, Some(holder));
    assert_eq!(plan.skipped.len(), 1);
    assert!(
        plan.skipped[0].reason.contains("filter by who holds it"),
        "{}",
        plan.skipped[0].reason
    );

    // Released, a target nobody holds has nothing to give back.
    let unassigned = ws
        .store()
        .read(|db| {
            browse::matching_ids(
                db,
                &TargetQuery {
                    unassigned: Some(true),
                    ..TargetQuery::default()
                },
            )
        })
        .unwrap();
    let released = ws
        .preview_reassign(scope(
            TargetScope::Chosen {
                ids: vec![unassigned[0]],
            },
            None,
            Destination::Release,
        ))
        .await
        .unwrap();
    assert!(released.items.is_empty());
    assert!(released.skipped[0].reason.contains("nobody holds it"));

    // Bad scopes: refused by field, nothing journaled.
    let e = ws
        .preview_reassign(scope(TargetScope::Chosen { ids: vec![] }, None, to.clone()))
        .await
        .unwrap_err();
    assert_eq!(field(&e), "targets", "{e}");
    let mut neither = scope(chosen, None, to);
    neither.targets = None;
    let e = ws.preview_reassign(neither).await.unwrap_err();
    assert_eq!(field(&e), "from", "{e}");
    assert_eq!(env.journaled(), 0);
}
