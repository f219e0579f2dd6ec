//! The control API over HTTP, and the binary as people and scripts start it.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{http, parts, sim};
use serde_json::{Value, json};
use switchboard_simulator::Manifest;
use switchboard_simulator::Vendor::{Helpcrunch, Pingup, Splashify, Vambe};

#[tokio::test]
async fn the_manifest_and_counts_are_served() {
    let sim = sim().await;
    let control = sim.control_url();
    let (status, _, body) = parts(
        http()
            .get(format!("{control}/manifest"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let manifest: Manifest = serde_json::from_value(body).unwrap();
    assert_eq!(manifest, sim.manifest());
    assert!(
        manifest
            .vendors
            .values()
            .all(|v| v.base_url.starts_with("http://127.0.0.1:"))
    );
    assert_eq!(manifest.vendors[&Helpcrunch].rate_limit.unwrap().max, 120);

    http()
        .get(format!("{}/me", sim.base_url(Pingup)))
        .bearer_auth(&sim.credentials().pingup_secret_key)
        .send()
        .await
        .unwrap();
    let (_, _, counts) = parts(
        http()
            .get(format!("{control}/counts"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(counts["pingup"]["me"], 1);
    let (_, _, requests) = parts(
        http()
            .get(format!("{control}/requests?vendor=pingup&endpoint=me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(requests.as_array().unwrap().len(), 1);
    assert_eq!(requests[0]["path"], "/ext/v2/acme-demo/me");
    assert_eq!(
        http()
            .delete(format!("{control}/requests"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(sim.inspector().count(Pingup, "me"), 0);
}

#[tokio::test]
async fn faults_limits_and_halting_by_http() {
    let sim = sim().await;
    let control = sim.control_url();
    let fault = json!({"vendor": "vambe", "endpoint": "team_members", "fault": "status", "status": 503, "times": 1});
    assert_eq!(
        http()
            .post(format!("{control}/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let members = || {
        http()
            .get(format!(
                "{}/api/public/team-members/all",
                sim.base_url(Vambe)
            ))
            .header("x-api-key", &sim.credentials().vambe_api_key)
            .send()
    };
    assert_eq!(members().await.unwrap().status(), 503);
    assert_eq!(members().await.unwrap().status(), 200);
    let bad = http()
        .post(format!("{control}/faults"))
        .json(&json!({"vendor": "zendesk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let r = http()
        .put(format!("{control}/limits/pingup"))
        .json(&json!({"max": 1, "window_ms": 60000}))
        .send()
        .await
        .unwrap();
    assert_eq!(parts(r).await.2, json!({"max": 1, "window_ms": 60000}));
    let r = http()
        .put(format!("{control}/limits/helpcrunch"))
        .json(&Value::Null)
        .send()
        .await
        .unwrap();
    assert_eq!(parts(r).await.2, Value::Null);
    assert_eq!(sim.limit(Helpcrunch), None);

    assert_eq!(
        http()
            .post(format!("{control}/vendors/splashify/halt"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert!(!sim.is_running(Splashify));
    assert_eq!(
        http()
            .post(format!("{control}/vendors/splashify/resume"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert!(sim.is_running(Splashify));
}

#[tokio::test]
async fn assignees_and_statuses_can_be_read_and_changed_behind_an_apps_back() {
    let sim = sim().await;
    let control = sim.control_url();
    let (client, agent) = {
        let d = sim.world().pingup.read().unwrap();
        (d.client_id(0), d.agents[2].id.clone())
    };
    let r = http()
        .put(format!("{control}/state/pingup/clients/{client}/assignees"))
        .json(&json!({"agents": [agent]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        parts(r).await.2,
        json!([{"agent": agent, "dt_until": "2143-06-23T00:00:00.000Z"}])
    );

    let (contact, member) = {
        let d = sim.world().vambe.read().unwrap();
        (d.contact_id(0), d.member_id(0))
    };
    let r = http()
        .put(format!(
            "{control}/state/vambe/contacts/{contact}/assignees"
        ))
        .json(&json!({"agents": [member]}))
        .send()
        .await
        .unwrap();
    assert_eq!(parts(r).await.2, json!([member]));

    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(1);
    let r = http()
        .put(format!("{control}/state/helpcrunch/chats/{chat}/assignee"))
        .json(&json!({"assignee": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(parts(r).await.2, json!({"assignee": null}));

    let agent_id = switchboard_simulator::vendors::ccai::Data::agent_id(0);
    let r = http()
        .put(format!(
            "{control}/state/ccai_platform/agents/{agent_id}/status"
        ))
        .json(&json!({"status_id": -7}))
        .send()
        .await
        .unwrap();
    assert_eq!(parts(r).await.2, json!({"id": -7, "name": "In-call"}));
    assert_eq!(
        sim.world()
            .ccai
            .read()
            .unwrap()
            .status_of(agent_id)
            .unwrap()
            .name,
        "In-call"
    );

    let phone = sim.world().splashify.read().unwrap().customers[0].phone;
    let (_, _, now) = parts(
        http()
            .get(format!(
                "{control}/state/splashify/conversations/{phone}/assignee"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(now.get("agent_email").is_some());
    let missing = http()
        .get(format!("{control}/state/helpcrunch/chats/1/assignee"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[test]
fn the_binary_prints_and_writes_its_manifest() {
    let dir = std::env::temp_dir().join(format!("sim-manifest-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-simulator"))
        .args([
            "--seed",
            "5",
            "--agents",
            "50",
            "--targets",
            "400",
            "--limits",
            "off",
            "--manifest",
        ])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The manifest is pretty-printed JSON ending with a line "}".
    let mut text = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "stdout closed early: {text}"
        );
        text.push_str(&line);
        if line == "}\n" {
            break;
        }
    }
    let printed: Manifest = serde_json::from_str(&text).unwrap();
    let written: Manifest = serde_json::from_str(&std::fs::read_to_string(&dir).unwrap()).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&dir);
    assert_eq!(printed, written);
    assert_eq!(printed.seed, 5);
    assert_eq!(printed.scale.agents, 50);
    assert!(
        printed.vendors.values().all(|v| v.rate_limit.is_none()),
        "limits off"
    );
    assert_eq!(printed.vendors.len(), 5);
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    for args in [
        &["--host", "0.0.0.0"][..],
        &["--scale", "huge"],
        &["--seed", "x"],
        &["--port", "zendesk=1"],
        &["--nope"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-simulator"))
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}");
        assert!(
            err.starts_with("switchboard-simulator: ") && err.contains("usage:"),
            "{args:?}: {err}"
        );
    }
}
