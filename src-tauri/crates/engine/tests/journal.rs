//! The journal tells the truth: a change is done only when the vendor confirms
//! it; an answer we cannot read is checked by reading the target back, or marked
//! unknown; temporary refusals wait with their reason; empty agents are never
//! sent. Against the simulator, checked by its own state and request log.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::Arc;

use switchboard_domain::code::ResultCode;
use switchboard_domain::job::{JobState, OperationState, Origin};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{AgentId, ConnectionId, TargetId, Timestamp, Vendor};
use switchboard_engine::assign::{AssignRequest, JobOutcome};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::vendors::helpcrunch::Data;
use switchboard_simulator::{Fault, FaultKind, Simulator};
use switchboard_store::{agents, operations, targets};

struct Env {
    _dir: tempfile::TempDir,
    ws: Workspace,
    sim: Arc<Simulator>,
    ids: Vec<(Vendor, ConnectionId)>,
}

async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-journal"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .unwrap();
    let ids: Vec<_> = ws
        .create_demo()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.vendor, c.id))
        .collect();
    for (vendor, id) in &ids {
        if *vendor != Vendor::CcaiPlatform {
            ws.sync(*id, SyncMode::Full, &|_| {}, &Cancel::default())
                .await
                .unwrap();
        }
    }
    let sim = ws.running_demo().await.unwrap();
    Env {
        _dir: dir,
        ws,
        sim,
        ids,
    }
}

impl Env {
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

    fn agent(&self, v: Vendor, index: usize) -> (AgentId, String) {
        let c = self.connection(v);
        self.ws
            .store()
            .read(|db| {
                let a = agents::list_by_connection(db, c)?
                    .into_iter()
                    .filter(|a| a.active)
                    .nth(index)
                    .unwrap();
                Ok((a.id, a.vendor_id))
            })
            .unwrap()
    }

    fn fault(&self, vendor: Vendor, endpoint: &str, kind: FaultKind, times: u32) {
        self.sim.inspector().add_fault(Fault {
            vendor,
            endpoint: Some(endpoint.into()),
            kind,
            times: Some(times),
            probability: None,
        });
    }

    async fn assign(&self, target: TargetId, agent: AgentId) -> JobOutcome {
        self.ws
            .assign(AssignRequest::agents(target, vec![agent]))
            .await
            .unwrap()
    }

    fn op(&self, outcome: &JobOutcome) -> switchboard_domain::job::Operation {
        let id = outcome.results[0].operation_id;
        self.ws.store().read(|db| operations::get(db, id)).unwrap()
    }
}

#[tokio::test]
async fn an_unreadable_success_is_never_done() {
    let env = env().await;
    // Pingup: the answer is garbage and the client, read back, does not hold the agent.
    let client = env.sim.world().pingup.read().unwrap().client_id(3);
    env.sim
        .world()
        .pingup
        .write()
        .unwrap()
        .set_assignees(&client, &[]);
    let target = env.target(Vendor::Pingup, TargetKind::Client, &client);
    let (agent, _) = env.agent(Vendor::Pingup, 0);
    env.fault(Vendor::Pingup, "assign_agents", FaultKind::MalformedJson, 1);
    let reads = env.sim.inspector().count(Vendor::Pingup, "clients");
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Failed, "{out:?}");
    assert_eq!(
        out.results[0].error_code.as_ref().map(ResultCode::as_str),
        Some("not_applied")
    );
    assert!(out.results[0].hint.is_some());
    assert_ne!(out.state, JobState::Done);
    assert_eq!(
        env.sim.inspector().count(Vendor::Pingup, "clients"),
        reads + 1,
        "read back once"
    );
    // Sent again, it is done and the vendor holds it.
    let again = env
        .ws
        .retry_operation(out.results[0].operation_id, false)
        .await
        .unwrap();
    assert_eq!(again.state, OperationState::Done, "{again:?}");
    assert_eq!(
        env.sim
            .world()
            .pingup
            .read()
            .unwrap()
            .assignees_of(&client)
            .unwrap()
            .len(),
        1
    );

    // Vambe: the same, through its documented `success` answer.
    let contact = env.sim.world().vambe.read().unwrap().contact_id(5);
    env.sim
        .world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[]);
    let target = env.target(Vendor::Vambe, TargetKind::Contact, &contact);
    let (agent, member) = env.agent(Vendor::Vambe, 2);
    env.fault(
        Vendor::Vambe,
        "assign_team_member",
        FaultKind::MalformedJson,
        1,
    );
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Failed, "{out:?}");

    // ... but when the vendor does hold it (applied, then a garbled answer), it is done.
    env.sim
        .world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[member.as_str()]);
    env.fault(
        Vendor::Vambe,
        "assign_team_member",
        FaultKind::MalformedJson,
        1,
    );
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Done, "{out:?}");
    assert_eq!(env.op(&out).response.unwrap()["read_back"], true);

    // Splashify cannot be read back: sent, not confirmed, with the raw answer kept.
    let phone = env
        .sim
        .world()
        .splashify
        .read()
        .unwrap()
        .customers
        .iter()
        .find(|c| c.has_conversation)
        .unwrap()
        .phone;
    let target = env.target(
        Vendor::Splashify,
        TargetKind::Conversation,
        &phone.to_string(),
    );
    let (agent, _) = env.agent(Vendor::Splashify, 0);
    env.fault(Vendor::Splashify, "assignment", FaultKind::MalformedJson, 1);
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Unknown, "{out:?}");
    assert!(
        out.results[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("sent, not confirmed"),
        "{out:?}"
    );
    let op = env.op(&out);
    assert!(
        op.response.unwrap()["unreadable_answer"]
            .as_str()
            .unwrap()
            .contains("trunc")
    );
    assert_eq!(env.ws.queue_counts().await.unwrap().unknown, 1);
    assert!(
        !env.ws
            .send_queued()
            .await
            .unwrap()
            .iter()
            .any(|r| r.operation_id == op.id),
        "an unconfirmed change waits for the manager, not the sender"
    );
    let again = env.ws.retry_operation(op.id, false).await.unwrap();
    assert_eq!(again.state, OperationState::Done);
    assert_eq!(env.ws.queue_counts().await.unwrap().unknown, 0);
}

#[tokio::test]
async fn a_success_that_contradicts_the_change_is_not_done() {
    let env = env().await;
    // HelpCrunch answers with the chat: an assignee other than the one asked is no success.
    let chat = Data::chat_id(7);
    let target = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    let (agent, _) = env.agent(Vendor::Helpcrunch, 1);
    let (_, other) = env.agent(Vendor::Helpcrunch, 2);
    let other: u64 = other.parse().unwrap();
    let body = serde_json::json!({"id": chat, "status": "opened", "assignee": {"id": other, "name": "Someone Else"}});
    env.fault(
        Vendor::Helpcrunch,
        "chat_assignee",
        FaultKind::Status {
            status: 200,
            body: Some(body),
            retry_after: None,
        },
        1,
    );
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Failed, "{out:?}");
    assert!(
        out.results[0]
            .message
            .as_deref()
            .unwrap()
            .contains("does not hold it")
    );
}

#[tokio::test]
async fn temporary_refusals_keep_the_change_waiting_with_its_reason() {
    let env = env().await;
    let chat = Data::chat_id(3);
    let target = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    let (agent, _) = env.agent(Vendor::Helpcrunch, 0);
    // A Retry-After longer than Switchboard waits.
    env.fault(
        Vendor::Helpcrunch,
        "chat_assignee",
        FaultKind::Status {
            status: 429,
            body: Some(serde_json::json!({"errors": [{"code": "too_many_requests", "message": "Too many requests"}]})),
            retry_after: Some(600),
        },
        1,
    );
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Queued, "{out:?}");
    assert_eq!(out.state, JobState::Queued);
    let op = env.op(&out);
    assert_eq!(
        op.error_code.as_ref().map(ResultCode::as_str),
        Some("rate_limited")
    );
    assert!(
        op.error_message.as_deref().unwrap().contains("10 min"),
        "{op:?}"
    );
    let wait = op.next_attempt_at.unwrap().0 - Timestamp::now().0;
    assert!(wait > 590_000, "{wait}");
    let sent = env.ws.send_queued().await.unwrap();
    assert!(
        sent.is_empty(),
        "not tried before the vendor said: {sent:?}"
    );
    assert_eq!(
        env.sim
            .inspector()
            .count(Vendor::Helpcrunch, "chat_assignee"),
        1
    );

    // A vendor answering 503 to every try: waiting, said so, not failed.
    let (agent, _) = env.agent(Vendor::Helpcrunch, 1);
    let chat = Data::chat_id(4);
    let target = env.target(Vendor::Helpcrunch, TargetKind::Chat, &chat.to_string());
    env.fault(
        Vendor::Helpcrunch,
        "chat_assignee",
        FaultKind::Status {
            status: 503,
            body: None,
            retry_after: Some(0),
        },
        4,
    );
    let out = env.assign(target, agent).await;
    assert_eq!(out.results[0].state, OperationState::Queued, "{out:?}");
    assert_eq!(
        env.op(&out).error_code.as_ref().map(ResultCode::as_str),
        Some("vendor_error")
    );
    // The manager may send it now anyway.
    let again = env
        .ws
        .retry_operation(out.results[0].operation_id, false)
        .await
        .unwrap();
    assert_eq!(again.state, OperationState::Done, "{again:?}");
}

#[tokio::test]
async fn an_empty_agent_is_refused_before_anything_is_written_or_sent() {
    let env = env().await;
    let splashify = env.connection(Vendor::Splashify);
    let count = |ws: &Workspace| {
        ws.store()
            .read(|db| Ok(agents::list_by_connection(db, splashify)?.len()))
            .unwrap()
    };
    let before = count(&env.ws);
    let blank = switchboard_engine::agents::NewAgent {
        vendor_id: String::new(),
        name: String::new(),
        email: None,
        active: true,
    };
    let err = env
        .ws
        .add_agents(
            splashify,
            vec![blank.clone()],
            switchboard_domain::agent::AgentSource::Manual,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), switchboard_engine::ErrorCode::InvalidInput);
    assert!(err.to_string().starts_with("name:"), "{err}");
    let named = switchboard_engine::agents::NewAgent {
        name: "Ana".into(),
        ..blank
    };
    let err = env
        .ws
        .add_agents(
            splashify,
            vec![named],
            switchboard_domain::agent::AgentSource::Manual,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("email:"), "{err}");
    assert_eq!(count(&env.ws), before, "nothing written");
    let people_without_email: i64 = env
        .ws
        .store()
        .read(|db| {
            Ok(db.query_row(
                "SELECT count(*) FROM agents WHERE trim(name) = ''",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(people_without_email, 0);
}
