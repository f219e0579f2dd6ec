//! `switchboard cover` and `covers run-due` as subprocesses on a demo
//! workspace: a cover added in local time, its start taken once while the app
//! (this test's workspace) and a cron run race for it, ended early, listed;
//! bad times and steps refused by field.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{cli, demo_workspace, text};
use switchboard_domain::Vendor;
use switchboard_domain::cover::CoverStep;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::sync::Cancel;

fn local(offset_minutes: i64) -> String {
    (chrono::Local::now() + chrono::Duration::minutes(offset_minutes))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cover_is_added_run_once_ended_and_listed_from_the_command_line() {
    let Some((dir, namespace, ws, connections)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    for c in &connections {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let mut people = ws.people(None).await.unwrap();
    people.retain(|p| p.email.is_some() && p.agents.iter().any(|a| a.vendor == Vendor::Helpcrunch));
    people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
    let (ana, bruno) = (
        people[0].email.clone().unwrap(),
        people[1].email.clone().unwrap(),
    );
    let d = dir.path().to_path_buf();

    for (from, until, says) in [
        (
            "31/12/2026".to_owned(),
            local(60),
            "from: '31/12/2026' is not a time",
        ),
        (local(60), local(30), "ends_at"),
    ] {
        let out = cli(
            &d,
            &namespace,
            &[
                "cover", "add", "--person", &ana, "--from", &from, "--until", &until, "--to",
                &bruno,
            ],
        );
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
    // What the start would move, and nothing saved.
    let out = cli(
        &d,
        &namespace,
        &[
            "cover",
            "add",
            "--person",
            &ana,
            "--from",
            &local(-2),
            "--until",
            &local(120),
            "--to",
            &bruno,
            "--connection",
            "Demo HelpCrunch",
            "--dry-run",
            "--json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(!plan["items"].as_array().unwrap().is_empty(), "{stdout}");
    assert!(
        ws.covers().await.unwrap().is_empty(),
        "a dry run saves nothing"
    );
    let out = cli(
        &d,
        &namespace,
        &[
            "cover",
            "add",
            "--person",
            &ana,
            "--from",
            &local(-2),
            "--until",
            &local(120),
            "--to",
            &bruno,
            "--connection",
            "Demo HelpCrunch",
            "--note",
            "flu",
            "--json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let added: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let id = added["cover"]["id"].as_i64().unwrap();
    assert_eq!(added["cover"]["state"], "scheduled");

    // The window and a cron run find it due at once: it starts once.
    let (d2, ns2) = (d.clone(), namespace.clone());
    let cron =
        tokio::task::spawn_blocking(move || cli(&d2, &ns2, &["covers", "run-due", "--json"]));
    let mine = ws.run_due_covers().await.unwrap();
    let out = cron.await.unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let theirs: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let starts = mine.iter().filter(|r| r.step == CoverStep::Start).count()
        + theirs.iter().filter(|r| r["step"] == "start").count();
    assert_eq!(starts, 1, "{mine:#?} {stdout}");
    let row = ws.cover(switchboard_domain::CoverId(id)).await.unwrap();
    assert_eq!(
        row.jobs
            .iter()
            .filter(|j| j.step == CoverStep::Start)
            .count(),
        1
    );

    let out = cli(&d, &namespace, &["cover", "cancel", &id.to_string()]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("only one that has not started can be cancelled"),
        "{stderr}"
    );
    let out = cli(&d, &namespace, &["cover", "end", &id.to_string()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains(&format!("cover {id}")) && stdout.contains(": end: "),
        "{stdout}"
    );
    let out = cli(&d, &namespace, &["cover", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(listed[0]["cover"]["state"], "ended");
    assert_eq!(
        listed[0]["jobs"].as_array().unwrap().last().unwrap()["step"],
        "end"
    );
    let out = cli(&d, &namespace, &["covers", "run-due"]);
    assert_eq!(text(&out).0.trim(), "nothing is due");
}
