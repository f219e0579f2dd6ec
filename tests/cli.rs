//! The command line as scripts use it: the real binary, on a workspace with the
//! demo connections (their simulator runs in this test process). Needs the OS
//! keychain, like the app: under CI it must be there.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::process::Command;

mod common;
use common::{cli, demo_workspace, text};
use switchboard_simulator::Vendor;

#[tokio::test(flavor = "multi_thread")]
async fn scripts_list_sync_test_and_export() {
    let Some((dir, namespace, ws, _)) = demo_workspace().await else {
        return;
    };
    let sim = ws.running_demo().await.unwrap();
    let d = dir.path();

    let out = cli(d, &namespace, &["connections"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert_eq!(
        stdout.lines().filter(|l| l.contains("[DEMO]")).count(),
        5,
        "{stdout}"
    );
    assert!(stdout.starts_with("NAME"), "{stdout}");

    let out = cli(d, &namespace, &["sync", "--all"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().filter(|l| l.contains(": synced")).count(),
        5,
        "{stdout}"
    );

    let out = cli(
        d,
        &namespace,
        &["export", "targets", "--connection", "demo helpcrunch"],
    );
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    let chats = sim.world().helpcrunch.read().unwrap().chats.len();
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "connection,vendor,kind,vendor_id,name,phone,email,status,last_activity_at,assignees,assignee_ids"
    );
    assert_eq!(lines.count(), chats);

    let file = d.join("people.json");
    let out = cli(
        d,
        &namespace,
        &[
            "export",
            "people",
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let people: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["agents"].as_array().unwrap().len() >= 3),
        "people span vendors"
    );

    let out = cli(d, &namespace, &["test", "Demo Vambe"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).0.contains("Connected to Vambe"));
    sim.halt(Vendor::Vambe);
    let out = cli(d, &namespace, &["test", "Demo Vambe"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "the vendor could not be reached"
    );
    assert!(
        text(&out).1.contains("Cannot reach 127.0.0.1"),
        "{}",
        text(&out).1
    );

    sim.resume(Vendor::Vambe).await.unwrap();

    // A CRM's script assigns: by the target's vendor id and the agent's email.
    let (contact, member_email) = {
        let d = sim.world().vambe.read().unwrap();
        (d.contact_id(3), d.members[2].person.email())
    };
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Vambe",
            "--target",
            &contact,
            "--agent",
            &member_email,
            "--replace",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains(": assigned"));
    let member_id = sim.world().vambe.read().unwrap().member_id(2);
    assert_eq!(
        sim.world()
            .vambe
            .read()
            .unwrap()
            .assignees_of(&contact)
            .unwrap(),
        vec![member_id]
    );

    // Splashify Pro by phone, written as people write it; and its documented failure.
    let (phone, silent, agent) = {
        let d = sim.world().splashify.read().unwrap();
        let p = d
            .customers
            .iter()
            .find(|c| c.has_conversation)
            .unwrap()
            .phone
            .to_string();
        let q = d
            .customers
            .iter()
            .find(|c| !c.has_conversation)
            .unwrap()
            .phone
            .to_string();
        (
            format!("+{} {}-{}", &p[..2], &p[2..7], &p[7..]),
            q,
            d.agents.iter().find(|a| a.active).unwrap().person.email(),
        )
    };
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
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Splashify Pro",
            "--target",
            &silent,
            "--agent",
            &agent,
        ],
    );
    assert_eq!(out.status.code(), Some(6));
    assert!(
        text(&out).1.contains("Conversation not found")
            && text(&out).1.contains("has not written yet"),
        "{}",
        text(&out).1
    );

    // With the vendor down the change waits (exit 10), and goes out later.
    sim.halt(Vendor::Vambe);
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Vambe",
            "--target",
            &contact,
            "--agent",
            &member_email,
        ],
    );
    assert_eq!(out.status.code(), Some(10), "{:?}", text(&out));
    let out = cli(d, &namespace, &["queue"]);
    assert!(text(&out).0.contains("queued"), "{}", text(&out).0);
    sim.resume(Vendor::Vambe).await.unwrap();
    let out = cli(d, &namespace, &["queue", "send"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(
        text(&out)
            .0
            .starts_with("sent 1, still waiting 0, in conflict 0, not confirmed 0, failed 0"),
        "{}",
        text(&out).0
    );
    assert_eq!(
        text(&cli(d, &namespace, &["queue"])).0.trim(),
        "Nothing is waiting."
    );

    // A waiting change is cancelled by its number, and nothing is sent.
    sim.halt(Vendor::Vambe);
    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Vambe",
            "--target",
            &contact,
            "--agent",
            &member_email,
        ],
    );
    assert_eq!(out.status.code(), Some(10));
    let listed = text(&cli(d, &namespace, &["queue"])).0;
    let op = listed.split('\t').next().unwrap().to_owned();
    let out = cli(d, &namespace, &["queue", "cancel", &op]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("cancelled"));
    sim.resume(Vendor::Vambe).await.unwrap();
    assert_eq!(
        text(&cli(d, &namespace, &["queue"])).0.trim(),
        "Nothing is waiting."
    );
    let out = cli(d, &namespace, &["queue", "cancel", &op]);
    assert_eq!(out.status.code(), Some(2), "cancelled stays cancelled");
    let out = cli(d, &namespace, &["queue", "retry", "abc"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("not an operation number"));

    // History, newest first; CSV has every change with the vendor's words.
    let out = cli(d, &namespace, &["history", "--limit", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out).0.starts_with(&format!("{op}\t")),
        "{}",
        text(&out).0
    );
    assert!(text(&out).0.contains("cancelled"));
    let file = d.join("history.csv");
    let out = cli(
        d,
        &namespace,
        &[
            "history",
            "--format",
            "csv",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("operation,job,job_title,origin,connection,vendor,kind,target"));
    assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
    assert!(csv.contains("Conversation not found"));
    let out = cli(d, &namespace, &["history", "--state", "lost"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("--state is one of"));
    let out = cli(d, &namespace, &["history", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));

    // Release where the vendor can; a clear refusal where it cannot.
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(5).to_string();
    let out = cli(
        d,
        &namespace,
        &["release", "Demo HelpCrunch", "--target", &chat],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("released"));
    assert_eq!(
        sim.world()
            .helpcrunch
            .read()
            .unwrap()
            .assignee_of(chat.parse().unwrap()),
        Some(None)
    );
    let client = sim.world().pingup.read().unwrap().client_id(1);
    let out = cli(
        d,
        &namespace,
        &["release", "Demo Pingup", "--target", &client],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("no way to unassign"),
        "{}",
        text(&out).1
    );
    // A target not in the cache is looked up at the vendor (a bad id is said so).
    let out = cli(
        d,
        &namespace,
        &["release", "Demo HelpCrunch", "--target", "17"],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("no chat '17'"), "{}", text(&out).1);

    let out = cli(
        d,
        &namespace,
        &[
            "assign",
            "Demo Vambe",
            "--target",
            &contact,
            "--agent",
            "nobody@acme-support.example",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown agent is invalid input"
    );

    for (args, code) in [
        (&["sync"][..], 2),
        (&["sync", "No Such"][..], 3),
        (&["export", "people", "--format", "xml"][..], 2),
    ] {
        let out = cli(d, &namespace, args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", text(&out).1);
        assert!(text(&out).1.starts_with("switchboard: "), "{args:?}");
    }
}

/// The crash test: a command is killed while its changes are in `sending`; the
/// next run sends every one again and each ends done exactly as asked.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_command_loses_nothing_and_applies_nothing_twice() {
    use switchboard_domain::job::OperationState;
    use switchboard_domain::sync::SyncMode;

    let Some((dir, namespace, ws, connections)) = demo_workspace().await else {
        return;
    };
    let vambe = connections
        .iter()
        .find(|c| c.vendor == switchboard_domain::Vendor::Vambe)
        .unwrap();
    ws.sync(vambe.id, SyncMode::Full, &|_| {}, &Default::default())
        .await
        .unwrap();
    let sim = ws.running_demo().await.unwrap();
    let (contact, emails) = {
        let d = sim.world().vambe.read().unwrap();
        let emails: Vec<String> = d.members[3..6].iter().map(|m| m.person.email()).collect();
        (d.contact_id(31), emails)
    };
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[]);
    ws.refresh_target(ws.find_target(vambe.id, &contact).await.unwrap().id)
        .await
        .unwrap();
    // Every assign call now takes 3 s: the command will be mid-call when killed.
    sim.inspector().add_fault(switchboard_simulator::Fault {
        vendor: Vendor::Vambe,
        endpoint: Some("assign_team_member".into()),
        kind: switchboard_simulator::FaultKind::Latency { ms: 3_000 },
        times: None,
        probability: None,
    });
    let mut args = vec!["assign", "Demo Vambe", "--target", contact.as_str()];
    for e in &emails {
        args.extend(["--agent", e.as_str()]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(&args)
        .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let states = || common::states(&ws);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !states().contains(&OperationState::Sending) {
        assert!(
            std::time::Instant::now() < deadline,
            "never reached sending"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        states(),
        [
            OperationState::Sending,
            OperationState::Queued,
            OperationState::Queued
        ],
        "killed mid-call: one in sending, the rest never started"
    );

    // Restarted: everything goes out, and ends done.
    sim.inspector().clear_faults(None);
    let out = cli(dir.path(), &namespace, &["queue", "send"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(states(), [OperationState::Done; 3]);
    let mut held = sim
        .world()
        .vambe
        .read()
        .unwrap()
        .assignees_of(&contact)
        .unwrap();
    held.sort();
    let mut want: Vec<String> = {
        let d = sim.world().vambe.read().unwrap();
        (3..6).map(|i| d.member_id(i)).collect()
    };
    want.sort();
    assert_eq!(held, want, "exactly the three asked, each once");
    assert_eq!(
        text(&cli(dir.path(), &namespace, &["queue"])).0.trim(),
        "Nothing is waiting."
    );
}
