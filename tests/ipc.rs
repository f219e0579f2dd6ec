//! The app's commands through Tauri's IPC on the mock runtime: what the UI sends,
//! what it gets back, and `{code, message}` on failure. No window or display.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_app::AppState;
use switchboard_domain::job::Origin;
use switchboard_domain::{ConnectionId, Vendor};
use switchboard_engine::{Config, EngineError, Workspace};
use switchboard_secrets::{Keychain, Namespace};

mod common;
use common::ipc::{add_connection, harness, invoke, invoke_from, webview_for};

#[test]
fn diagnostics_come_from_the_backend() {
    let (h, _ws) = harness();
    let d = invoke(&h.webview, "diagnostics", json!({})).expect("diagnostics");
    assert_eq!(
        d["schema_version"],
        json!(switchboard_store::SCHEMA_VERSION)
    );
    assert_eq!(
        d["schema_version_supported"],
        json!(switchboard_store::SCHEMA_VERSION)
    );
    assert_eq!(d["app_version"], json!(env!("CARGO_PKG_VERSION")));
    assert_eq!(d["keychain"]["state"], json!("working"));
    assert_eq!(
        d["keychain"]["namespace"],
        json!("io.switchboard.desktop.test.ipc")
    );
    assert!(
        d["database_path"]
            .as_str()
            .expect("path")
            .ends_with("switchboard.db")
    );
}

#[test]
fn a_secret_can_be_set_and_deleted_but_never_read_back() {
    let (h, ws) = harness();
    let id = add_connection(&ws);
    let request = json!({"request": {"connection_id": id.to_string(), "secret": "sk_live_abc"}});
    assert_eq!(
        invoke(&h.webview, "set_secret", request).expect("set"),
        Value::Null
    );
    assert_eq!(
        h.keychain
            .get(&id.to_string())
            .expect("get")
            .expect("stored")
            .expose(),
        "sk_live_abc"
    );

    let has = invoke(
        &h.webview,
        "has_secret",
        json!({"request": {"connection_id": id.to_string()}}),
    )
    .expect("has");
    assert_eq!(has, json!(true), "only whether it exists, never the value");

    let deleted = invoke(
        &h.webview,
        "delete_secret",
        json!({"request": {"connection_id": id.to_string()}}),
    )
    .expect("delete");
    assert_eq!(deleted, json!(true));
    assert!(h.keychain.get(&id.to_string()).expect("get").is_none());
}

#[test]
fn errors_cross_as_code_and_message() {
    let (h, _ws) = harness();
    let unknown = ConnectionId::new().to_string();
    let err = invoke(
        &h.webview,
        "set_secret",
        json!({"request": {"connection_id": unknown, "secret": "k"}}),
    )
    .expect_err("unknown connection");
    assert_eq!(err["code"], json!("not_found"));
    assert!(
        err["message"].as_str().expect("message").contains(&unknown),
        "{err}"
    );

    let err = invoke(
        &h.webview,
        "set_secret",
        json!({"request": {"connection_id": unknown, "secret": "   "}}),
    )
    .expect_err("blank secret");
    assert_eq!(err["code"], json!("invalid_input"));
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .starts_with("secret:"),
        "{err}"
    );
}

#[test]
fn a_malformed_request_is_refused_by_the_ipc_layer() {
    let (h, _ws) = harness();
    let err = invoke(
        &h.webview,
        "has_secret",
        json!({"request": {"connection_id": "not-a-uuid"}}),
    )
    .expect_err("bad uuid");
    assert!(
        err.to_string().contains("connection_id") || err.to_string().contains("UUID"),
        "{err}"
    );
}

#[test]
fn a_failed_start_still_answers_diagnostics_and_refuses_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        data_dir: dir.path().into(),
        namespace: Namespace::test("ipc-failed"),
    };
    let error = EngineError::Startup("the database is from the future".into());
    let webview = webview_for(AppState::failed(Some(config), error));
    let d = invoke(&webview, "diagnostics", json!({})).expect("diagnostics still work");
    assert_eq!(d["schema_version"], Value::Null);
    assert!(
        d["database_error"]
            .as_str()
            .expect("error")
            .contains("from the future")
    );
    let err = invoke(
        &webview,
        "has_secret",
        json!({"request": {"connection_id": ConnectionId::new().to_string()}}),
    )
    .expect_err("no workspace");
    assert_eq!(err["code"], json!("startup"));
}

#[test]
fn a_remote_page_cannot_call_commands() {
    let (h, _ws) = harness();
    let err = invoke_from(
        &h.webview,
        "https://attacker.example",
        "diagnostics",
        json!({}),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("not allowed"), "{err}");
}

/// The journal, statuses and dashboards take requests shaped as the window's
/// generated bindings send them, and answer from SQLite with no vendor at all.
#[test]
fn journal_status_and_dashboard_requests_as_the_window_sends_them() {
    let (h, _ws) = harness();
    let w = &h.webview;
    let history = invoke(
        w,
        "history",
        json!({"request": {
            "connection_id": null, "agent_id": null, "person_id": null, "target_id": null,
            "job_id": null, "states": ["queued", "conflict"], "from": 0, "to": null,
            "search": "mia rossi", "after": null, "limit": 200
        }}),
    )
    .expect("history");
    assert_eq!(history, json!({"rows": [], "next": null}));
    assert_eq!(
        invoke(w, "queue_counts", json!({})).expect("counts"),
        json!({"queued": 0, "sending": 0, "conflict": 0, "unknown": 0})
    );
    let whole = json!({"request": {
        "search": null, "vendor": null, "connection": null, "team": null,
        "status": null, "with_status": false
    }});
    let board = invoke(w, "status_board", whole).expect("board");
    // A chart's table as the window sends it; a ragged one is refused by
    // field before any folder or file is touched.
    let ragged = json!({"request": {
        "name": "mismatches", "columns": ["name", "open"], "rows": [["Ana Lima", "4"], ["Bo"]]
    }});
    let refused = invoke(w, "save_export", ragged).expect_err("ragged");
    assert_eq!(
        (&refused["code"], &refused["field"]),
        (&json!("invalid_input"), &json!("rows")),
        "{refused}"
    );
    assert_eq!(board["agents"], json!([]));
    assert!(board["now"].as_i64().is_some());
    invoke(w, "watch_statuses", json!({"request": {"watching": true}})).expect("watch");
    for scope in [
        json!({"kind": "everyone"}),
        json!({"kind": "team", "id": 5}),
        json!({"kind": "person", "id": 3}),
        json!({"kind": "agent", "id": 9}),
    ] {
        let chart = invoke(
            w,
            "status_chart",
            json!({"request": {"scope": scope, "from": 0, "to": 86_400_000, "bucket_ms": 3_600_000}}),
        )
        .expect("chart");
        assert_eq!(
            chart["buckets"].as_array().map(Vec::len),
            Some(24),
            "{scope}"
        );
        invoke(
            w,
            "status_timelines",
            json!({"request": {"scope": scope, "from": 0, "to": 86_400_000, "bucket_ms": 86_400_000}}),
        )
        .expect("timelines");
        let activity = invoke(
            w,
            "activity_summary",
            json!({"request": {"scope": scope, "from": 0, "to": 86_400_000, "bucket_ms": 86_400_000}}),
        )
        .expect("activity");
        assert_eq!(activity["days"], json!([]), "{scope}");
    }
    let workload = invoke(
        w,
        "workload",
        json!({"request": {"expiring_within_ms": 604_800_000, "health_window_ms": 3_600_000}}),
    )
    .expect("workload");
    assert_eq!(workload["expiring"], json!([]));
    assert_eq!(
        invoke(w, "mismatches", json!({})).expect("mismatches"),
        json!([])
    );

    // Bad input names its field; a missing operation is "not found".
    let err = invoke(
        w,
        "status_chart",
        json!({"request": {"scope": {"kind": "everyone"}, "from": 10, "to": 5, "bucket_ms": 60_000}}),
    )
    .expect_err("backwards range");
    assert_eq!(
        (err["code"].as_str(), err["field"].as_str()),
        (Some("invalid_input"), Some("to"))
    );
    let err = invoke(
        w,
        "cancel_operation",
        json!({"request": {"operation_id": 404}}),
    )
    .expect_err("no such operation");
    assert_eq!(err["code"], "not_found");
    let err = invoke(
        w,
        "set_status",
        json!({"request": {"connection_id": ConnectionId::new().to_string(), "status_id": "1", "agents": [], "teams": [], "drop_after_minutes": null}}),
    )
    .expect_err("no such connection");
    assert_eq!(err["code"], "not_found");
}

/// A reassignment started from the window: journaled, sent in the background
/// (the command answers at once), paused and resumed through IPC, and the
/// window told with `job-finished` once nothing is left to send.
#[test]
fn a_reassignment_runs_in_the_background_pauses_resumes_and_says_when_it_ends() {
    use tauri::{Listener, Manager};
    let (h, ws) = harness();
    let w = &h.webview;
    invoke(w, "create_demo", json!({})).expect("demo");
    let people = tauri::async_runtime::block_on(async {
        for c in ws.connection_summaries().await.expect("connections") {
            ws.sync(
                c.connection.id,
                switchboard_domain::sync::SyncMode::Full,
                &|_| {},
                &switchboard_engine::sync::Cancel::default(),
            )
            .await
            .expect("sync");
        }
        let mut people = ws.people(None).await.expect("people");
        people.retain(|p| p.agents.len() >= 3);
        people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
        people
    });
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    w.app_handle().listen_any("job-finished", move |e| {
        let _ = tx.send(serde_json::from_str(e.payload()).unwrap_or_default());
    });
    let request = json!({"request": {
        "from": people[0].id, "connections": [],
        "to": {"kind": "people", "ids": [people[1].id, people[2].id]},
        "strategy": "least_loaded", "max_per_person": null, "only_available": false, "status": null
    }});
    // Each call slowed, so the pause lands while the job runs.
    tauri::async_runtime::block_on(async {
        let sim = ws.running_demo().await.expect("simulator");
        for vendor in [
            Vendor::Pingup,
            Vendor::Vambe,
            Vendor::Helpcrunch,
            Vendor::Splashify,
        ] {
            sim.inspector().add_fault(switchboard_simulator::Fault {
                vendor,
                endpoint: None,
                kind: switchboard_simulator::FaultKind::Latency { ms: 80 },
                times: None,
                probability: None,
            });
        }
    });
    let started = invoke(w, "start_reassign", request).expect("start");
    let job = started["job_id"].clone();
    let items = started["plan"]["items"].as_array().expect("items").len() as u64;
    let paused = invoke(w, "pause_job", json!({"request": {"job_id": job}})).expect("pause");
    assert!(paused["job"]["paused_at"].is_i64(), "{paused}");
    assert!(
        rx.recv_timeout(std::time::Duration::from_millis(1500))
            .is_err(),
        "a paused job has not finished"
    );
    let progress =
        invoke(w, "job_progress", json!({"request": {"job_id": job}})).expect("progress");
    assert!(
        progress["remaining"].as_u64().unwrap_or(0) > 0,
        "{progress}"
    );
    assert_eq!(progress["connections"][0]["waiting"], json!("paused"));

    invoke(w, "resume_job", json!({"request": {"job_id": job}})).expect("resume");
    let summary = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("job-finished after the resume");
    assert_eq!(summary["job"]["id"], job);
    assert_eq!(
        summary["by_state"]["done"].as_u64(),
        Some(items),
        "{summary}"
    );
    assert!(summary["job"]["paused_at"].is_null());
    let unknown = json!({"request": {"job_id": "01a22833-9ef8-71d6-9411-a8c091d9cdb4"}});
    let refused = invoke(w, "cancel_job", unknown).expect_err("no such job");
    assert_eq!(refused["code"], json!("not_found"), "{refused}");
}

#[test]
fn plans_and_covers_answer_and_refuse_by_field_as_the_window_sends_them() {
    let (h, _ws) = harness();
    let plan = |text: &str| {
        invoke(
            &h.webview,
            "check_plan",
            json!({"request": {"name": "rota.csv", "text": text}}),
        )
    };
    // Not a plan at all: refused by the file, nothing checked.
    let err = plan("name,email\nAna,a@x.io\n").expect_err("no plan columns");
    assert_eq!(
        (err["code"].clone(), err["field"].clone()),
        (json!("invalid_input"), json!("file")),
        "{err}"
    );
    // A plan: each wrong row said with its column, not refused whole.
    let checked = plan("connection,target,to\nNope,1,ana@x.io\n").expect("checked");
    assert_eq!(checked["rows"], json!(1));
    assert_eq!(
        checked["errors"][0]["column"],
        json!("connection"),
        "{checked}"
    );
    assert_eq!(checked["errors"][0]["row"], json!(2));
    let err = invoke(
        &h.webview,
        "start_plan",
        json!({"request": {"name": "rota.csv", "text": "connection,target,to\nNope,1,ana@x.io\n"}}),
    )
    .expect_err("a wrong plan is not run");
    assert_eq!(err["field"], json!("file"), "{err}");

    assert_eq!(
        invoke(&h.webview, "list_covers", json!({})).expect("covers"),
        json!([])
    );
    let now = switchboard_domain::Timestamp::now().0;
    let cover = |person: i64, to: Value| {
        invoke(
            &h.webview,
            "add_cover",
            json!({"request": {"person": person, "starts_at": now, "ends_at": now + 3_600_000, "to": to}}),
        )
    };
    let err = cover(99, json!({"kind": "people", "ids": [98]})).expect_err("no such person");
    assert_eq!(err["field"], json!("person"), "{err}");
    let err =
        invoke(&h.webview, "end_cover", json!({"request": {"id": 5}})).expect_err("no such cover");
    assert_eq!(err["code"], json!("not_found"), "{err}");
}

#[test]
fn the_os_is_told_when_more_changes_need_a_decision_than_before() {
    use switchboard_domain::job::QueueCounts;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("ipc-notify"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).expect("keychain");
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .expect("open");
    let state = AppState::ready(ws);
    let told = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = told.clone();
    state.set_notifier(move |title, _| sink.lock().expect("lock").push(title.to_owned()));
    let ready = state.running().expect("ready");
    let counts = |conflict, unknown| QueueCounts {
        queued: 3,
        sending: 0,
        conflict,
        unknown,
    };
    for (conflict, unknown) in [(0, 0), (1, 1), (2, 0), (1, 0), (1, 2), (0, 0), (0, 1)] {
        ready.queue_changed(counts(conflict, unknown));
    }
    assert_eq!(
        *told.lock().expect("lock"),
        vec![
            "2 changes need your decision".to_owned(),
            "3 changes need your decision".to_owned(),
            "1 change needs your decision".to_owned(),
        ]
    );
}
