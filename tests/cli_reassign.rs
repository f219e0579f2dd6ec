//! `switchboard reassign` as a subprocess on a demo workspace: the plan, the
//! refusals, and a run whose results the journal holds.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{cli, demo_workspace, states, text};
use switchboard_domain::job::OperationState;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::sync::Cancel;

/// The demo synced, and its people on four platforms or more, busiest first.
async fn synced_people(
    ws: &switchboard_engine::Workspace,
    connections: &[switchboard_domain::connection::Connection],
) -> Vec<switchboard_domain::browse::PersonRow> {
    for c in connections {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let mut people = ws.people(None).await.unwrap();
    people.retain(|p| p.agents.len() >= 4 && p.email.is_some());
    people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
    people
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_s_work_is_planned_refused_or_moved_from_the_command_line() {
    let Some((dir, namespace, ws, connections)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    let people = synced_people(&ws, &connections).await;
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

    // The Targets view's filters instead of a person: every match, planned.
    let out = cli(
        d,
        &namespace,
        &[
            "reassign",
            "--unassigned",
            "--connection",
            "Demo HelpCrunch",
            "--to",
            &b,
            "--dry-run",
            "--json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let unassigned: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let planned = unassigned["items"].as_array().unwrap();
    assert!(!planned.is_empty(), "{stdout}");
    assert!(
        planned
            .iter()
            .all(|i| i["from_agent"].is_null() && i["vendor"] == "helpcrunch")
    );
    for (args, says) in [
        (vec!["reassign", "--to", &b, "--dry-run"], "--from PERSON"),
        (
            vec![
                "reassign",
                "--search",
                "x",
                "--expiring-within",
                "soon",
                "--to",
                &b,
            ],
            "--expiring-within",
        ),
        (
            vec![
                "reassign",
                "--search",
                "x",
                "--active-before",
                "last tuesday",
                "--to",
                &b,
            ],
            "active_before",
        ),
    ] {
        let out = cli(d, &namespace, &args);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }

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

/// The CSV rows of a command's standard output, by column name.
fn rows(stdout: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut csv = ::csv::Reader::from_reader(stdout.as_bytes());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
    csv.records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_and_a_job_s_results_export_as_csv_and_a_job_pauses_and_cancels_from_the_command_line()
 {
    let Some((dir, namespace, ws, connections)) = demo_workspace().await else {
        return;
    };
    let sim = ws.running_demo().await.unwrap();
    let people = synced_people(&ws, &connections).await;
    let email = |i: usize| people[i].email.clone().unwrap();
    let (from, b, c) = (email(0), email(1), email(2));
    let d = dir.path();
    let move_args = ["reassign", "--from", &from, "--to", &b, "--to", &c];

    // The plan as CSV: every item planned, every item left out skipped.
    let out = cli(
        d,
        &namespace,
        &[&move_args[..], &["--dry-run", "--csv"]].concat(),
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let plan = ws
        .preview_reassign(switchboard_engine::reassign::ReassignRequest {
            from: Some(people[0].id),
            targets: None,
            connections: Vec::new(),
            to: switchboard_engine::reassign::Destination::People {
                ids: vec![people[1].id, people[2].id],
            },
            strategy: switchboard_engine::reassign::Strategy::RoundRobin,
            max_per_person: None,
            only_available: false,
            status: None,
        })
        .await
        .unwrap();
    let planned = rows(&stdout);
    assert_eq!(planned.len(), plan.items.len() + plan.skipped.len());
    let moved: Vec<_> = planned
        .iter()
        .filter(|r| r["outcome"] == "planned")
        .collect();
    assert_eq!(moved.len(), plan.items.len());
    assert!(moved.iter().all(|r| r["from"] == from), "{stdout}");
    assert!(
        moved.iter().all(|r| r["to"] == b || r["to"] == c),
        "{stdout}"
    );
    assert!(
        moved
            .iter()
            .all(|r| !r["target"].is_empty() && !r["connection"].is_empty())
    );
    assert!(states(&ws).is_empty(), "an exported plan journals nothing");
    let out = cli(
        d,
        &namespace,
        &["reassign", "--from", &from, "--to", &b, "--csv"],
    );
    assert_eq!(out.status.code(), Some(2), "--csv needs --dry-run");

    // Vambe away: its items wait; paused, they stay put when it is back.
    sim.halt(switchboard_domain::Vendor::Vambe);
    let out = cli(d, &namespace, &[&move_args[..], &["--yes"]].concat());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(10), "{stdout}\n{stderr}");
    let job = stdout
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    let waiting = states(&ws)
        .iter()
        .filter(|s| **s == OperationState::Queued)
        .count();
    assert!(waiting > 0);
    let out = cli(d, &namespace, &["jobs", "pause", &job]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("paused"), "{stdout}");
    let (stdout, _) = text(&cli(d, &namespace, &["jobs"]));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&job) && l.contains("\tpaused\t")),
        "{stdout}"
    );
    sim.resume(switchboard_domain::Vendor::Vambe).await.unwrap();
    let out = cli(d, &namespace, &["queue", "send"]);
    assert!(out.status.code().is_some());
    assert_eq!(
        states(&ws)
            .iter()
            .filter(|s| **s == OperationState::Queued)
            .count(),
        waiting,
        "a paused job's items are not sent with the queue"
    );
    let out = cli(d, &namespace, &["jobs", "cancel", &job]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains(&format!("{waiting} cancelled")), "{stdout}");

    // The results: the cancelled ones alone, still asking what was asked.
    let out = cli(
        d,
        &namespace,
        &["jobs", "export", &job, "--only", "cancelled"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let cancelled = rows(&stdout);
    assert_eq!(cancelled.len(), waiting);
    for r in &cancelled {
        assert_eq!(
            (r["platform"].as_str(), r["outcome"].as_str()),
            ("Vambe", "cancelled")
        );
        assert_eq!(r["from"], from);
        assert!(r["to"] == b || r["to"] == c, "{r:?}");
        assert!(r["message"].contains("cancelled by the manager"), "{r:?}");
    }
    let file = d.join("results.csv");
    let file_arg = file.to_str().unwrap();
    let out = cli(
        d,
        &namespace,
        &["jobs", "export", &job, "--output", file_arg],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let all = rows(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(all.len(), plan.items.len());
    assert_eq!(
        all.iter().filter(|r| r["outcome"] == "done").count(),
        plan.items.len() - waiting
    );
    let out = cli(
        d,
        &namespace,
        &["jobs", "export", &job, "--output", file_arg],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an existing file is kept without --force"
    );
}
