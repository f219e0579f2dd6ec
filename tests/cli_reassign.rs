//! `switchboard reassign` as a subprocess on a demo workspace: the plan, the
//! refusals, and a run whose results the journal holds.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{cli, demo_workspace, states, text};
use switchboard_domain::job::OperationState;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::sync::Cancel;

#[tokio::test(flavor = "multi_thread")]
async fn a_person_s_work_is_planned_refused_or_moved_from_the_command_line() {
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
    people.retain(|p| p.agents.len() >= 4 && p.email.is_some());
    people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
    let email = |i: usize| people[i].email.clone().unwrap();
    let (from, b, c) = (email(0), email(1), email(2));
    let d = dir.path();

    let out = cli(
        d,
        &namespace,
        &[
            "reassign",
            "--from",
            &from,
            "--to",
            &b,
            "--to",
            &c,
            "--dry-run",
            "--json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let items = plan["items"].as_array().unwrap().len();
    assert!(items > 0, "{stdout}");
    assert!(states(&ws).is_empty(), "a dry run journals nothing");

    let out = cli(d, &namespace, &["reassign", "--from", &from, "--to", &b]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--yes"),
        "no one at a terminal to ask: {stderr}"
    );

    let out = cli(
        d,
        &namespace,
        &["reassign", "--from", &from, "--to", &from, "--yes"],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("to:"), "the field is named: {stderr}");

    let out = cli(
        d,
        &namespace,
        &["reassign", "--from", &from, "--to", &b, "--release"],
    );
    assert_eq!(out.status.code(), Some(2), "--to and --release conflict");
    assert!(states(&ws).is_empty(), "nothing refused is journaled");

    let out = cli(
        d,
        &namespace,
        &[
            "reassign",
            "--from",
            &from,
            "--to",
            &b,
            "--to",
            &c,
            "--strategy",
            "least-loaded",
            "--yes",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{items} done")), "{stdout}");
    let journaled = states(&ws);
    assert_eq!(journaled.len(), items);
    assert!(journaled.iter().all(|s| *s == OperationState::Done));
    let job = stdout
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_owned();

    let out = cli(d, &namespace, &["jobs"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&job) && l.contains(&format!("{items} done"))),
        "{stdout}"
    );
    let out = cli(
        d,
        &namespace,
        &["jobs", "undo", &job, "--dry-run", "--json"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let undo: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(undo["items"].as_array().unwrap().len(), items);
    let out = cli(d, &namespace, &["jobs", "undo", &job, "--yes"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{items} put back")), "{stdout}");
    let out = cli(d, &namespace, &["jobs", "undo", "not-a-job", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
}
