//! The journal tells the truth across real processes: several commands sending
//! the same queue at once send each change exactly once and in order; an answer
//! Switchboard cannot read is never "assigned"; an empty agent is refused; a
//! missing keychain and a database that cannot record are said as they are.
//! Checked by the simulator's request log and state.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_domain::code::ResultCode;
use switchboard_domain::job::OperationState;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::Workspace;
use switchboard_simulator::{Fault, FaultKind, Simulator, Vendor};

mod common;
use common::{cli, demo_workspace, states, text};

fn spawn(dir: &std::path::Path, namespace: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", namespace)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn fault(sim: &Simulator, vendor: Vendor, endpoint: &str, kind: FaultKind, times: u32) {
    sim.inspector().add_fault(Fault {
        vendor,
        endpoint: Some(endpoint.into()),
        kind,
        times: Some(times),
        probability: None,
    });
}

fn latency(sim: &Simulator, vendor: Vendor, endpoint: &str, ms: u64) {
    fault(sim, vendor, endpoint, FaultKind::Latency { ms }, 1);
}

/// Vambe's assign calls the simulator answered, by path (contact and member).
fn vambe_assigns(sim: &Simulator) -> BTreeMap<String, usize> {
    let mut calls = BTreeMap::new();
    for r in sim.inspector().requests() {
        if r.vendor == Vendor::Vambe && r.endpoint == "assign_team_member" && r.status == 200 {
            *calls
                .entry(format!("{}?{}", r.path, r.query.unwrap_or_default()))
                .or_default() += 1;
        }
    }
    calls
}

/// A synced demo workspace, and a Vambe contact nobody holds.
async fn vambe_setup() -> Option<(
    tempfile::TempDir,
    String,
    Workspace,
    std::sync::Arc<Simulator>,
    String,
)> {
    let (dir, namespace, ws, connections) = demo_workspace().await?;
    let vambe = connections
        .iter()
        .find(|c| c.vendor == switchboard_domain::Vendor::Vambe)
        .unwrap();
    ws.sync(vambe.id, SyncMode::Full, &|_| {}, &Default::default())
        .await
        .unwrap();
    let sim = ws.running_demo().await.unwrap();
    let contact = sim.world().vambe.read().unwrap().contact_id(17);
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[]);
    ws.refresh_target(ws.find_target(vambe.id, &contact).await.unwrap().id)
        .await
        .unwrap();
    Some((dir, namespace, ws, sim, contact))
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_sending_one_queue_at_once_send_each_change_once_and_in_order() {
    let Some((dir, namespace, ws, sim, contact)) = vambe_setup().await else {
        return;
    };
    let d = dir.path();
    let members: Vec<(String, String)> = {
        let v = sim.world().vambe.read().unwrap();
        (0..6)
            .map(|i| (v.member_id(i), v.members[i].person.email()))
            .collect()
    };
    // Six agents, the first replacing whoever is there, queued while Vambe is down.
    sim.halt(Vendor::Vambe);
    let mut args = vec![
        "assign",
        "Demo Vambe",
        "--target",
        contact.as_str(),
        "--replace",
    ];
    for (_, email) in &members {
        args.extend(["--agent", email.as_str()]);
    }
    let out = cli(d, &namespace, &args);
    assert_eq!(out.status.code(), Some(10), "{:?}", text(&out));
    assert_eq!(states(&ws), [OperationState::Queued; 6]);
    let first = ws
        .store()
        .read(|db| Ok(switchboard_store::history::page(db, &Default::default())?.rows))
        .unwrap()
        .last()
        .unwrap()
        .operation
        .id;
    sim.resume(Vendor::Vambe).await.unwrap();
    sim.inspector().clear_requests();

    // The replace is slow once; a retry of it and three senders run at once.
    latency(&sim, Vendor::Vambe, "assign_team_member", 3_000);
    let retry = spawn(d, &namespace, &["queue", "retry", &first.to_string()]);
    std::thread::sleep(Duration::from_millis(600));
    let senders: Vec<Child> = (0..3)
        .map(|_| spawn(d, &namespace, &["queue", "send"]))
        .collect();
    let mut outputs = vec![retry.wait_with_output().unwrap()];
    outputs.extend(senders.into_iter().map(|c| c.wait_with_output().unwrap()));
    for out in &outputs {
        assert!(matches!(out.status.code(), Some(0 | 10)), "{:?}", text(out));
    }
    // Whatever a sender left because the replace was still going out, the next one sends.
    let out = cli(d, &namespace, &["queue", "send"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(states(&ws), [OperationState::Done; 6]);

    let calls = vambe_assigns(&sim);
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert!(
        calls.values().all(|n| *n == 1),
        "each call exactly once: {calls:?}"
    );
    let replace_at = sim
        .inspector()
        .requests()
        .iter()
        .filter(|r| r.endpoint == "assign_team_member")
        .position(|r| r.query.as_deref().unwrap_or_default().contains("true"))
        .unwrap();
    assert_eq!(replace_at, 0, "the replace went out before the adds");
    let mut held = sim
        .world()
        .vambe
        .read()
        .unwrap()
        .assignees_of(&contact)
        .unwrap();
    held.sort();
    let mut want: Vec<String> = members.iter().map(|(id, _)| id.clone()).collect();
    want.sort();
    assert_eq!(held, want, "the vendor holds all six");

    // A command killed mid-call (its call is slow enough to still be out while
    // another command starts, on a busy machine too): the next one takes its
    // change over at once.
    sim.inspector().clear_requests();
    let other = sim.world().vambe.read().unwrap().contact_id(18);
    latency(&sim, Vendor::Vambe, "assign_team_member", 8_000);
    let mut child = spawn(
        d,
        &namespace,
        &[
            "assign",
            "Demo Vambe",
            "--target",
            &other,
            "--agent",
            &members[0].1,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !states(&ws).contains(&OperationState::Sending) {
        assert!(Instant::now() < deadline, "never reached sending");
        std::thread::sleep(Duration::from_millis(20));
    }
    let busy = cli(d, &namespace, &["queue", "send"]);
    assert_eq!(
        busy.status.code(),
        Some(10),
        "left to the live sender: {:?}",
        text(&busy)
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let out = cli(d, &namespace, &["queue", "send"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.starts_with("sent 1,"), "{:?}", text(&out));
    assert_eq!(*states(&ws).last().unwrap(), OperationState::Done);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_that_cannot_be_read_is_never_assigned() {
    let Some((dir, namespace, ws, sim, contact)) = vambe_setup().await else {
        return;
    };
    let d = dir.path();
    let email = sim.world().vambe.read().unwrap().members[2].person.email();
    fault(
        &sim,
        Vendor::Vambe,
        "assign_team_member",
        FaultKind::MalformedJson,
        1,
    );
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Vambe",
            "--target",
            &contact,
            "--agent",
            &email,
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(6), "{stdout}\n{stderr}");
    assert!(!stdout.contains("assigned"), "{stdout}");
    assert!(stderr.contains("does not hold it"), "{stderr}");
    assert_eq!(states(&ws), [OperationState::Failed]);
    assert!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap()
            .is_empty()
    );

    // Splashify cannot be read back: "sent, not confirmed", exit 9, and a resend.
    let (phone, agent) = {
        let s = sim.world().splashify.read().unwrap();
        let phone = s
            .customers
            .iter()
            .find(|c| c.has_conversation)
            .unwrap()
            .phone;
        (
            phone.to_string(),
            s.agents.iter().find(|a| a.active).unwrap().person.email(),
        )
    };
    fault(
        &sim,
        Vendor::Splashify,
        "assignment",
        FaultKind::MalformedJson,
        1,
    );
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Splashify Pro",
            "--target",
            &phone,
            "--agent",
            &agent,
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(9), "{stdout}\n{stderr}");
    assert!(stderr.contains("sent, not confirmed"), "{stderr}");
    let queue = text(&cli(d, &namespace, &["queue"])).0;
    assert!(queue.contains("\tunknown\t"), "{queue}");

    // An empty agent is refused before anything is journaled or sent.
    let sent = sim.inspector().count(Vendor::Splashify, "assignment");
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Splashify Pro",
            "--target",
            &phone,
            "--agent",
            "",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("--agent"), "{stderr}");
    assert_eq!(sim.inspector().count(Vendor::Splashify, "assignment"), sent);
    assert_eq!(states(&ws).len(), 2, "nothing journaled");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_keychain_and_a_busy_database_are_said_as_they_are() {
    let Some((dir, namespace, ws, sim, contact)) = vambe_setup().await else {
        return;
    };
    let d = dir.path();
    let email = sim.world().vambe.read().unwrap().members[1].person.email();
    let assign = [
        "assign",
        "Demo Vambe",
        "--target",
        contact.as_str(),
        "--agent",
        email.as_str(),
    ];

    // No Secret Service: exit 4 with the keychain's words, and the reason kept.
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--data-dir")
        .arg(d)
        .args(assign)
        .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("Secret Service") && stderr.contains("waits for the keychain"),
        "{stderr}"
    );
    let op = ws
        .store()
        .read(|db| Ok(switchboard_store::history::page(db, &Default::default())?.rows))
        .unwrap()
        .remove(0)
        .operation;
    assert_eq!(op.state, OperationState::Queued);
    assert_eq!(
        op.error_code.as_ref().map(ResultCode::as_str),
        Some("keychain_unavailable"),
        "{op:?}"
    );
    assert_eq!(
        sim.inspector().count(Vendor::Vambe, "assign_team_member"),
        0
    );
    let out = cli(d, &namespace, &["queue", "cancel", &op.id.to_string()]);
    assert!(out.status.success(), "{:?}", text(&out));

    // The vendor applies the change while another process holds the database.
    latency(&sim, Vendor::Vambe, "assign_team_member", 3_000);
    let child = spawn(d, &namespace, &assign);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !states(&ws).contains(&OperationState::Sending) {
        assert!(Instant::now() < deadline, "never reached sending");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut lock = rusqlite::Connection::open(d.join("switchboard.db")).unwrap();
    let tx = lock
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    drop(tx);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(5), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("received the change") && stderr.contains("queue send"),
        "{stderr}"
    );
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap()
            .len(),
        1
    );
    let out = cli(d, &namespace, &["queue", "send"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(*states(&ws).last().unwrap(), OperationState::Done);
}
