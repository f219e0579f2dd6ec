//! Journaled assignment against the simulator: each vendor's semantics, checked
//! by the simulator's own state and request counts.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;

use switchboard_domain::code::ResultCode;
use switchboard_domain::job::{JobState, OperationState, Origin};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{AgentId, ConnectionId, TargetId, Timestamp, Vendor};
use switchboard_engine::assign::AssignRequest;
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, ErrorCode, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_store::{agents, operations, targets};

struct Env {
    _dir: tempfile::TempDir,
    ws: Workspace,
    ids: Vec<(Vendor, ConnectionId)>,
    config: Config,
    keychain: Keychain,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-assign"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let shared = keychain.clone();
    let ws = Workspace::open_with_keychain(
        config.clone(),
        Origin::App,
        Arc::new(move || Ok(shared.clone())),
    )
    .unwrap();
    let ids: Vec<_> = ws
        .create_demo()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.vendor, c.id))
        .collect();
    for (_, id) in &ids {
        ws.sync(*id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    Env {
        _dir: dir,
        ws,
        ids,
        config,
        keychain,
    }
}

impl Env {
    /// Another Switchboard on the same data folder and keychain (a command
    /// beside the app), with its own claims.
    fn another(&self) -> Workspace {
        let k = self.keychain.clone();
        Workspace::open_with_keychain(
            self.config.clone(),
            Origin::Cli,
            Arc::new(move || Ok(k.clone())),
        )
        .unwrap()
    }

    fn connection(&self, v: Vendor) -> ConnectionId {
        self.ids.iter().find(|(x, _)| *x == v).unwrap().1
    }

    fn target(&self, v: Vendor, kind: TargetKind, vendor_id: &str) -> TargetId {
        let c = self.connection(v);
        self.ws
            .store()
            .read(|db| {
                Ok(targets::find_by_vendor_id(db, c, kind, vendor_id)?
                    .unwrap()
                    .id)
            })
            .unwrap()
    }

    /// Active agents of a connection, in the cache's order.
    fn agents(&self, v: Vendor) -> Vec<(AgentId, String)> {
        let c = self.connection(v);
        self.ws
            .store()
            .read(|db| {
                Ok(agents::list_by_connection(db, c)?
                    .into_iter()
                    .filter(|a| a.active)
                    .map(|a| (a.id, a.vendor_id))
                    .collect())
            })
            .unwrap()
    }

    /// A Pingup client with nobody assigned, at the vendor and in the cache's id.
    fn empty_pingup_client(
        &self,
        sim: &switchboard_simulator::Simulator,
        index: usize,
    ) -> (String, TargetId) {
        let client = sim.world().pingup.read().unwrap().client_id(index);
        sim.world()
            .pingup
            .write()
            .unwrap()
            .set_assignees(&client, &[]);
        let target = self.target(Vendor::Pingup, TargetKind::Client, &client);
        (client, target)
    }

    fn journaled(&self) -> i64 {
        self.ws
            .store()
            .read(|db| Ok(db.query_row("SELECT count(*) FROM operations", [], |r| r.get(0))?))
            .unwrap()
    }
}

/// The phone of a Splashify customer who has written (or not yet).
fn splashify_phone(sim: &switchboard_simulator::Simulator, has_written: bool) -> u64 {
    sim.world()
        .splashify
        .read()
        .unwrap()
        .customers
        .iter()
        .find(|c| c.has_conversation == has_written)
        .unwrap()
        .phone
}

fn request(target: TargetId, agents: &[AgentId]) -> AssignRequest {
    AssignRequest::agents(target, agents.to_vec())
}

#[tokio::test]
async fn pingup_takes_several_agents_with_expiry_and_notes_in_one_call() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let (client, target) = env.empty_pingup_client(&sim, 4);
    let a = env.agents(Vendor::Pingup);
    let until = Timestamp(Timestamp::now().0 + 7 * 24 * 3600 * 1000);
    let before = sim.inspector().count(Vendor::Pingup, "assign_agents");
    let outcome = env
        .ws
        .assign(AssignRequest {
            until: Some(until),
            notes: Some("VIP".into()),
            ..request(target, &[a[0].0, a[1].0])
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, JobState::Done);
    assert_eq!(outcome.results.len(), 1, "one operation for the whole team");
    assert_eq!(
        sim.inspector().count(Vendor::Pingup, "assign_agents") - before,
        1,
        "one call"
    );
    let held = sim
        .world()
        .pingup
        .read()
        .unwrap()
        .assignees_of(&client)
        .unwrap();
    assert_eq!(
        held.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        [a[0].1.clone(), a[1].1.clone()]
    );
    assert!(
        held.iter().all(|(_, u)| u != "2143-06-23T00:00:00.000Z"),
        "the expiry was sent: {held:?}"
    );
    let op = env
        .ws
        .store()
        .read(|db| operations::get(db, outcome.results[0].operation_id))
        .unwrap();
    assert_eq!((op.state, op.attempts), (OperationState::Done, 1));

    // Without expiry or notes: the body carries neither, and Pingup's default holds.
    let other = sim.world().pingup.read().unwrap().client_id(6);
    sim.world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&other, &[]);
    let plain = env.target(Vendor::Pingup, TargetKind::Client, &other);
    let outcome = env.ws.assign(request(plain, &[a[2].0])).await.unwrap();
    assert_eq!(outcome.state, JobState::Done);
    let call = sim
        .inspector()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.endpoint == "assign_agents")
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"agents": [{"agent": a[2].1}]}),
        "nothing but the agent"
    );
    let held = sim
        .world()
        .pingup
        .read()
        .unwrap()
        .assignees_of(&other)
        .unwrap();
    assert_eq!(held.len(), 1);
    assert!(
        held[0].1.starts_with("2143-06-23"),
        "Pingup's default expiry: {held:?}"
    );
}

#[tokio::test]
async fn vambe_adds_then_replaces() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(2);
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[]);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    let a = env.agents(Vendor::Vambe);
    let team = env
        .ws
        .assign(request(target, &[a[0].0, a[1].0]))
        .await
        .unwrap();
    assert_eq!(
        (team.state, team.results.len()),
        (JobState::Done, 2),
        "one call per agent"
    );
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        [a[0].1.clone(), a[1].1.clone()]
    );
    env.ws
        .assign(AssignRequest {
            replace: true,
            ..request(target, &[a[2].0])
        })
        .await
        .unwrap();
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        [a[2].1.clone()]
    );
}

#[tokio::test]
async fn helpcrunch_and_splashify_hold_one_assignee() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(9);
    let target = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    let a = env.agents(Vendor::Helpcrunch);
    env.ws.assign(request(target, &[a[3].0])).await.unwrap();
    assert_eq!(
        sim.world().helpcrunch.read().unwrap().assignee_of(chat),
        Some(Some(a[3].1.parse().unwrap()))
    );
    let err = env
        .ws
        .assign(request(target, &[a[0].0, a[1].0]))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidInput,
        "a chat holds one agent: {err}"
    );

    let phone = splashify_phone(&sim, true);
    let target = env.target(
        Vendor::Splashify,
        TargetKind::Conversation,
        &phone.to_string(),
    );
    let s = env.agents(Vendor::Splashify);
    let outcome = env.ws.assign(request(target, &[s[0].0])).await.unwrap();
    assert_eq!(outcome.state, JobState::Done);
    assert_eq!(
        sim.world().splashify.read().unwrap().assignee_of(phone),
        Some(Some(s[0].1.clone()))
    );
}

#[tokio::test]
async fn splashifys_conversation_not_found_fails_with_what_to_do() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let silent = splashify_phone(&sim, false);
    let target = env.target(
        Vendor::Splashify,
        TargetKind::Conversation,
        &silent.to_string(),
    );
    let s = env.agents(Vendor::Splashify);
    let outcome = env.ws.assign(request(target, &[s[0].0])).await.unwrap();
    assert_eq!(outcome.state, JobState::Failed);
    let r = &outcome.results[0];
    assert_eq!(
        (r.state, r.message.as_deref()),
        (OperationState::Failed, Some("Conversation not found"))
    );
    assert!(r.hint.as_deref().unwrap().contains("has not written yet"));

    // The other two documented errors, when the cache is behind the vendor: an
    // agent deactivated or removed at Splashify since the last sync.
    let talking = splashify_phone(&sim, true);
    let target = env.target(
        Vendor::Splashify,
        TargetKind::Conversation,
        &talking.to_string(),
    );
    let email = s[1].1.clone();
    for (change, words, advice) in [
        ("deactivate", "Agent inactive", "Settings → Team"),
        ("remove", "Agent not found", "no longer knows this agent"),
    ] {
        {
            let mut d = sim.world().splashify.write().unwrap();
            let i = d
                .agents
                .iter()
                .position(|a| a.person.email() == email)
                .unwrap();
            if change == "deactivate" {
                d.agents[i].active = false;
            } else {
                assert!(d.remove_agent(&email));
            }
        }
        let outcome = env.ws.assign(request(target, &[s[1].0])).await.unwrap();
        let r = &outcome.results[0];
        assert_eq!(
            (r.state, r.message.as_deref()),
            (OperationState::Failed, Some(words)),
            "{change}"
        );
        assert!(
            r.hint.as_deref().unwrap_or_default().contains(advice),
            "{change}: {:?}",
            r.hint
        );
    }
}

#[tokio::test]
async fn bad_requests_never_enter_the_journal() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(1);
    let hc = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    let vambe_agent = env.agents(Vendor::Vambe)[0].0;
    let hc_agent = env.agents(Vendor::Helpcrunch)[0].0;
    let cases = [
        (request(hc, &[]), "agents"),
        (request(hc, &[vambe_agent]), "agents"),
        (
            AssignRequest {
                until: Some(Timestamp(1)),
                ..request(hc, &[hc_agent])
            },
            "until",
        ),
        (
            AssignRequest {
                notes: Some("x".into()),
                ..request(hc, &[hc_agent])
            },
            "notes",
        ),
        (
            AssignRequest {
                replace: true,
                ..request(hc, &[hc_agent])
            },
            "replace",
        ),
    ];
    for (req, field) in cases {
        let err = env.ws.assign(req).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().starts_with(&format!("{field}:")), "{err}");
    }
    let pingup_client = sim.world().pingup.read().unwrap().client_id(1);
    let pt = env.target(Vendor::Pingup, TargetKind::Client, &pingup_client);
    let pa = env.agents(Vendor::Pingup)[0].0;
    let past = AssignRequest {
        until: Some(Timestamp(Timestamp::now().0 - 1000)),
        ..request(pt, &[pa])
    };
    assert!(
        env.ws
            .assign(past)
            .await
            .unwrap_err()
            .to_string()
            .contains("in the past")
    );
    let long = AssignRequest {
        notes: Some("n".repeat(2_001)),
        ..request(pt, &[pa])
    };
    assert!(
        env.ws
            .assign(long)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("notes:")
    );
    assert_eq!(env.journaled(), 0, "nothing invalid was journaled");
}

#[tokio::test]
async fn an_unreachable_vendor_leaves_the_change_queued() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(7);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    let a = env.agents(Vendor::Vambe)[0].0;
    sim.halt(Vendor::Vambe);
    let outcome = env.ws.assign(request(target, &[a])).await.unwrap();
    assert_eq!(outcome.state, JobState::Queued);
    let op = env
        .ws
        .store()
        .read(|db| operations::get(db, outcome.results[0].operation_id))
        .unwrap();
    assert_eq!(
        op.state,
        OperationState::Queued,
        "waiting for the vendor, not failed"
    );
    assert!(op.attempts >= 1);
}

#[tokio::test]
async fn a_queued_change_goes_out_when_the_vendor_returns() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(11);
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[]);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    // The cache learns of the change made behind its back.
    let fresh = env.ws.refresh_target(target).await.unwrap();
    assert!(fresh.assignees.is_empty());
    let a = env.agents(Vendor::Vambe)[0].clone();
    sim.halt(Vendor::Vambe);
    let queued = env.ws.assign(request(target, &[a.0])).await.unwrap();
    assert_eq!(queued.state, JobState::Queued);
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        Vec::<String>::new()
    );

    // Still down: it stays queued.
    let again = env.ws.send_queued().await.unwrap();
    assert_eq!(
        again.iter().map(|r| r.state).collect::<Vec<_>>(),
        [OperationState::Queued]
    );

    sim.resume(Vendor::Vambe).await.unwrap();
    let sent = env.ws.send_queued().await.unwrap();
    assert_eq!(
        sent.iter().map(|r| r.state).collect::<Vec<_>>(),
        [OperationState::Done]
    );
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        [a.1]
    );
    let job = env
        .ws
        .store()
        .read(|db| switchboard_store::jobs::get(db, queued.job_id))
        .unwrap();
    assert_eq!(job.state, JobState::Done);
    assert!(
        env.ws.send_queued().await.unwrap().is_empty(),
        "nothing left waiting"
    );
}

#[tokio::test]
async fn a_change_cut_off_mid_call_is_sent_again_and_ends_as_asked() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let (client, target) = env.empty_pingup_client(&sim, 8);
    let a = env.agents(Vendor::Pingup);
    // The vendor is slow; Switchboard "stops" (the call is abandoned) mid-call.
    sim.inspector().add_fault(switchboard_simulator::Fault {
        vendor: Vendor::Pingup,
        endpoint: Some("assign_agents".into()),
        kind: switchboard_simulator::FaultKind::Latency { ms: 1_500 },
        times: Some(1),
        probability: None,
    });
    let command = env.another();
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        command.assign(request(target, &[a[0].0, a[1].0])),
    )
    .await;
    assert!(cut.is_err(), "the call was cut off");
    let stuck = env
        .ws
        .store()
        .read(|db| operations::list_in_state(db, OperationState::Sending))
        .unwrap();
    assert_eq!(stuck.len(), 1, "found in sending, as after a crash");
    let left = env.ws.send_queued().await.unwrap();
    assert_eq!(
        left.iter()
            .map(|r| (r.state, r.error_code.as_ref().map(ResultCode::as_str)))
            .collect::<Vec<_>>(),
        [(OperationState::Sending, Some("elsewhere"))],
        "its sender still runs: nobody else sends it"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    drop(command);

    let sent = env.ws.send_queued().await.unwrap();
    assert_eq!(
        sent.iter().map(|r| r.state).collect::<Vec<_>>(),
        [OperationState::Done]
    );
    let held: Vec<String> = sim
        .world()
        .pingup
        .read()
        .unwrap()
        .assignees_of(&client)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        held,
        [a[0].1.clone(), a[1].1.clone()],
        "applied once in effect, though sent twice"
    );
    let op = env
        .ws
        .store()
        .read(|db| operations::get(db, stuck[0].id))
        .unwrap();
    assert_eq!((op.state, op.attempts), (OperationState::Done, 2));
}

/// Queues a change to `target` while `vendor` is down, then brings it back.
async fn queue_while_down(
    env: &Env,
    sim: &switchboard_simulator::Simulator,
    vendor: Vendor,
    req: AssignRequest,
) -> switchboard_engine::assign::JobOutcome {
    sim.halt(vendor);
    let queued = env.ws.assign(req).await.unwrap();
    assert_eq!(queued.state, JobState::Queued);
    sim.resume(vendor).await.unwrap();
    queued
}

#[tokio::test]
async fn a_queued_change_stops_in_conflict_when_the_vendor_changed_and_the_manager_decides() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(13);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    env.ws.refresh_target(target).await.unwrap();
    let a = env.agents(Vendor::Vambe);
    let queued = queue_while_down(&env, &sim, Vendor::Vambe, request(target, &[a[0].0])).await;

    // Someone else assigns the contact at Vambe meanwhile.
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[a[5].1.as_str()]);
    let calls = sim.inspector().count(Vendor::Vambe, "assign_team_member");
    let sent = env.ws.send_queued().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].state, OperationState::Conflict);
    let message = sent[0].message.clone().unwrap();
    assert!(message.contains("changed at the vendor"), "{message}");
    assert!(
        sent[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("apply your change anyway")
    );
    assert_eq!(
        sim.inspector().count(Vendor::Vambe, "assign_team_member"),
        calls,
        "nothing was sent"
    );
    assert_eq!(
        env.ws.queue_counts().await.unwrap().conflict,
        1,
        "the manager sees it waiting"
    );
    assert!(
        env.ws.send_queued().await.unwrap().is_empty(),
        "a conflict waits for the manager, not for the sender"
    );

    // Apply anyway: sent on top of what the vendor now holds.
    let op = queued.results[0].operation_id;
    let applied = env.ws.retry_operation(op, true).await.unwrap();
    assert_eq!(applied.state, OperationState::Done);
    let mut held = sim
        .world()
        .vambe
        .read()
        .unwrap()
        .assignees_of(&contact)
        .unwrap();
    held.sort();
    let mut want = vec![a[0].1.clone(), a[5].1.clone()];
    want.sort();
    assert_eq!(held, want);
    let job = env
        .ws
        .store()
        .read(|db| switchboard_store::jobs::get(db, queued.job_id))
        .unwrap();
    assert_eq!(job.state, JobState::Done);
}

#[tokio::test]
async fn a_conflicting_helpcrunch_chat_can_be_dropped() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let hc = switchboard_simulator::vendors::helpcrunch::Data::chat_id;
    let chat = hc(21);
    let target = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    let a = env.agents(Vendor::Helpcrunch);
    sim.world()
        .helpcrunch
        .write()
        .unwrap()
        .set_assignee(chat, None);
    env.ws.refresh_target(target).await.unwrap();
    let queued = queue_while_down(&env, &sim, Vendor::Helpcrunch, request(target, &[a[0].0])).await;
    let other: u64 = a[3].1.parse().unwrap();
    sim.world()
        .helpcrunch
        .write()
        .unwrap()
        .set_assignee(chat, Some(other));

    let sent = env.ws.send_queued().await.unwrap();
    assert_eq!(sent[0].state, OperationState::Conflict, "{:?}", sent[0]);
    let op = queued.results[0].operation_id;
    assert!(
        env.ws.retry_operation(op, false).await.is_err(),
        "a conflict needs a decision"
    );
    assert_eq!(
        env.ws.cancel_operation(op).await.unwrap(),
        OperationState::Cancelled
    );
    assert_eq!(
        sim.world().helpcrunch.read().unwrap().assignee_of(chat),
        Some(Some(other)),
        "the other assignment stands"
    );
    let job = env
        .ws
        .store()
        .read(|db| switchboard_store::jobs::get(db, queued.job_id))
        .unwrap();
    assert_eq!(job.state, JobState::Cancelled);
    assert!(
        env.ws.cancel_operation(op).await.is_err(),
        "cancelled stays cancelled"
    );
}

#[tokio::test]
async fn a_queued_change_the_vendor_already_holds_is_sent_not_conflicted() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let (client, target) = env.empty_pingup_client(&sim, 15);
    env.ws.refresh_target(target).await.unwrap();
    let a = env.agents(Vendor::Pingup);
    queue_while_down(&env, &sim, Vendor::Pingup, request(target, &[a[0].0])).await;
    // Someone made the very same change meanwhile.
    sim.world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&client, &[a[0].1.as_str()]);
    let sent = env.ws.send_queued().await.unwrap();
    assert_eq!(sent[0].state, OperationState::Done);
}

#[tokio::test]
async fn release_on_helpcrunch_and_splashify_and_a_clear_no_elsewhere() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(30);
    let target = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    let a = env.agents(Vendor::Helpcrunch);
    env.ws.assign(request(target, &[a[1].0])).await.unwrap();
    let released = env
        .ws
        .release(switchboard_engine::assign::ReleaseRequest {
            target_id: target,
            replaces: None,
        })
        .await
        .unwrap();
    assert_eq!(released.state, JobState::Done);
    assert_eq!(
        sim.world().helpcrunch.read().unwrap().assignee_of(chat),
        Some(None)
    );
    assert!(
        env.ws
            .target_row(target)
            .await
            .unwrap()
            .assignees
            .is_empty(),
        "the cache follows"
    );

    let phone = splashify_phone(&sim, true).to_string();
    let conversation = env.target(Vendor::Splashify, TargetKind::Conversation, &phone);
    let before = sim.inspector().count(Vendor::Splashify, "assignment");
    let released = env
        .ws
        .release(switchboard_engine::assign::ReleaseRequest {
            target_id: conversation,
            replaces: None,
        })
        .await
        .unwrap();
    assert_eq!(released.state, JobState::Done);
    let call = sim
        .inspector()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.vendor == Vendor::Splashify && r.endpoint == "assignment")
        .unwrap();
    assert_eq!(
        sim.inspector().count(Vendor::Splashify, "assignment") - before,
        1
    );
    let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(body["user_phone_number"], phone.as_str());
    assert!(
        body.get("agent_email")
            .is_none_or(|e| e.is_null() || e == "")
    );

    let client = sim.world().pingup.read().unwrap().client_id(2);
    let pingup = env.target(Vendor::Pingup, TargetKind::Client, &client);
    let err = env
        .ws
        .release(switchboard_engine::assign::ReleaseRequest {
            target_id: pingup,
            replaces: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("no way to unassign"), "{err}");
}

#[tokio::test]
async fn a_team_from_another_platform_is_assigned_through_its_people() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    // A HelpCrunch department, assigned to a Vambe contact: each member's own
    // Vambe agent (linked by email) is assigned, one call each.
    let hc = env.connection(Vendor::Helpcrunch);
    let vambe = env.connection(Vendor::Vambe);
    let team = env
        .ws
        .store()
        .read(|db| Ok(switchboard_store::teams::list_by_connection(db, hc)?[0].clone()))
        .unwrap();
    // Each member's active agent on a connection, through their person.
    let expected_on = |connection: ConnectionId| -> (Vec<String>, usize) {
        env.ws
            .store()
            .read(|db| {
                let members = switchboard_store::teams::list_members(db, team.id)?;
                let mut expected = Vec::new();
                for m in &members {
                    let agent = agents::get(db, *m)?;
                    if let Some(p) = agent.person_id
                        && let Some(v) = agents::list_by_person(db, p)?
                            .into_iter()
                            .find(|x| x.connection_id == connection && x.active)
                    {
                        expected.push(v.vendor_id);
                    }
                }
                Ok((expected, members.len()))
            })
            .unwrap()
    };
    let (expected, members) = expected_on(vambe);
    assert!(
        !expected.is_empty(),
        "the demo links some people across platforms"
    );
    let contact = sim.world().vambe.read().unwrap().contact_id(17);
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[]);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    let calls = sim.inspector().count(Vendor::Vambe, "assign_team_member");
    // Before sending: who it reaches and who is left out, and nothing sent.
    let preview = env
        .ws
        .preview_assign(AssignRequest {
            teams: vec![team.id],
            ..request(target, &[])
        })
        .await
        .unwrap();
    assert_eq!(preview.agents.len(), expected.len());
    assert_eq!(preview.skipped.len(), members - expected.len());
    assert_eq!(
        sim.inspector().count(Vendor::Vambe, "assign_team_member"),
        calls,
        "a preview sends nothing"
    );
    let outcome = env
        .ws
        .assign(AssignRequest {
            teams: vec![team.id],
            ..request(target, &[])
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, JobState::Done, "{outcome:?}");
    assert_eq!(
        outcome.results.len(),
        expected.len(),
        "one operation per agent"
    );
    assert_eq!(
        sim.inspector().count(Vendor::Vambe, "assign_team_member") - calls,
        expected.len() as u64
    );
    assert_eq!(
        outcome.skipped.len(),
        members - expected.len(),
        "the rest are named"
    );
    assert_eq!(outcome.skipped, preview.skipped, "as the preview said");
    let mut held = sim
        .world()
        .vambe
        .read()
        .unwrap()
        .assignees_of(&contact)
        .unwrap();
    held.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(held, expected);

    // The same team on Pingup goes in one call, with every member who has a
    // Pingup agent.
    let (on_pingup, _) = expected_on(env.connection(Vendor::Pingup));
    assert!(
        !on_pingup.is_empty(),
        "the demo has Pingup agents in this team"
    );
    let client = sim.world().pingup.read().unwrap().client_id(19);
    sim.world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&client, &[]);
    let pingup = env.target(Vendor::Pingup, TargetKind::Client, &client);
    let calls = sim.inspector().count(Vendor::Pingup, "assign_agents");
    let outcome = env
        .ws
        .assign(AssignRequest {
            teams: vec![team.id],
            ..request(pingup, &[])
        })
        .await
        .unwrap();
    assert_eq!((outcome.state, outcome.results.len()), (JobState::Done, 1));
    assert_eq!(
        sim.inspector().count(Vendor::Pingup, "assign_agents") - calls,
        1,
        "one call for the whole team"
    );
    let mut held: Vec<String> = sim
        .world()
        .pingup
        .read()
        .unwrap()
        .assignees_of(&client)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    held.sort();
    let mut on_pingup = on_pingup;
    on_pingup.sort();
    assert_eq!(held, on_pingup);

    // On HelpCrunch a chat holds one agent: a team of several is refused.
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(40);
    let chat = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    if members > 1 {
        let err = env
            .ws
            .assign(AssignRequest {
                teams: vec![team.id],
                ..request(chat, &[])
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("holds one agent"), "{err}");
    }
}

#[tokio::test]
async fn editing_a_queued_change_replaces_it_and_history_shows_both() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(23);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    let a = env.agents(Vendor::Vambe);
    sim.halt(Vendor::Vambe);
    let first = env.ws.assign(request(target, &[a[0].0])).await.unwrap();
    // Seen once under a full run's load: it ended failed. Say how, if again.
    assert_eq!(
        first.results[0].state,
        OperationState::Queued,
        "with Vambe halted the change waits: {:#?}",
        first.results[0]
    );
    let old = first.results[0].operation_id;
    let edited = env
        .ws
        .assign(AssignRequest {
            replaces: Some(old),
            ..request(target, &[a[1].0])
        })
        .await
        .unwrap();
    assert_eq!(edited.state, JobState::Queued);
    let page = env
        .ws
        .history(switchboard_domain::job::HistoryQuery {
            target_id: Some(target),
            ..Default::default()
        })
        .await
        .unwrap();
    let states: Vec<_> = page.rows.iter().map(|r| r.operation.state).collect();
    assert_eq!(
        states,
        [OperationState::Queued, OperationState::Cancelled],
        "newest first"
    );
    assert_eq!(page.rows[0].operation.agent_names.len(), 1);
    // Editing a change that is no longer waiting is refused by name.
    let err = env
        .ws
        .assign(AssignRequest {
            replaces: Some(old),
            ..request(target, &[a[2].0])
        })
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("replaces:"), "{err}");

    // Export: every row, newest first, with the vendor's words.
    let file = env._dir.path().join("history.csv");
    let rows = env
        .ws
        .export_history(Default::default(), file.clone())
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let states: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[12].to_owned())
        .collect();
    assert_eq!(states, ["queued", "cancelled"]);
}

#[tokio::test]
async fn the_queue_survives_a_restart_and_goes_out_when_the_vendor_returns() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-restart"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let open = |k: Keychain| {
        Workspace::open_with_keychain(config.clone(), Origin::App, Arc::new(move || Ok(k.clone())))
            .unwrap()
    };
    let ws = open(keychain.clone());
    let connections = ws.create_demo().await.unwrap();
    let splashify = connections
        .iter()
        .find(|c| c.vendor == Vendor::Splashify)
        .unwrap()
        .id;
    ws.sync(splashify, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    let sim = ws.running_demo().await.unwrap();
    let (phone, agent_email) = {
        let d = sim.world().splashify.read().unwrap();
        let phone = d
            .customers
            .iter()
            .find(|c| c.has_conversation)
            .unwrap()
            .phone
            .to_string();
        (
            phone,
            d.agents.iter().find(|a| a.active).unwrap().person.email(),
        )
    };
    let target = ws.find_target(splashify, &phone).await.unwrap().id;
    let agent = ws
        .store()
        .read(|db| {
            Ok(agents::list_by_connection(db, splashify)?
                .into_iter()
                .find(|a| a.email.as_deref() == Some(agent_email.as_str()))
                .unwrap()
                .id)
        })
        .unwrap();
    // The vendor is down: the change is queued, and the app quits.
    sim.halt(Vendor::Splashify);
    let queued = ws.assign(request(target, &[agent])).await.unwrap();
    assert_eq!(queued.state, JobState::Queued);
    drop(sim);
    drop(ws);

    // The app starts again; the demo's vendors come back on the same ports.
    let ws = open(keychain);
    assert_eq!(
        ws.queue_counts().await.unwrap().queued,
        1,
        "the queue survived"
    );
    assert!(ws.resume_demo().await.unwrap());
    let sim = ws.running_demo().await.unwrap();
    let sent = ws.send_queued().await.unwrap();
    assert_eq!(
        sent.iter().map(|r| r.state).collect::<Vec<_>>(),
        [OperationState::Done]
    );
    assert_eq!(
        sim.world()
            .splashify
            .read()
            .unwrap()
            .assignee_of(phone.parse().unwrap()),
        Some(Some(agent_email))
    );
    assert_eq!(ws.queue_counts().await.unwrap().queued, 0);
}

#[tokio::test]
async fn the_background_sender_sends_what_waits() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(29);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    env.ws.refresh_target(target).await.unwrap();
    let a = env.agents(Vendor::Vambe);
    let queued = queue_while_down(&env, &sim, Vendor::Vambe, request(target, &[a[1].0])).await;
    let rounds = std::sync::atomic::AtomicU32::new(0);
    let sent = std::sync::Mutex::new(Vec::new());
    env.ws
        .run_sender(
            std::time::Duration::from_millis(50),
            || rounds.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3,
            |r| {
                sent.lock()
                    .unwrap()
                    .extend(r.iter().map(|x| (x.operation_id, x.state)))
            },
        )
        .await;
    assert_eq!(
        *sent.lock().unwrap(),
        [(queued.results[0].operation_id, OperationState::Done)],
        "sent once, then nothing more to do"
    );
}
