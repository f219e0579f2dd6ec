//! `switchboard plan` as a subprocess on a demo workspace: the template, a
//! check that reports every error and writes the rows back with them, a run
//! refused while a row is wrong, and a good plan run whose items the journal
//! holds as done.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{cli, demo_workspace, states, text};
use switchboard_domain::Vendor;
use switchboard_domain::job::OperationState;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::sync::Cancel;
use switchboard_store::{agents, assignments, targets};

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_is_templated_checked_refused_and_run_from_the_command_line() {
    let Some((dir, namespace, ws, connections)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    for c in &connections {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let d = dir.path();

    // The template: the header, and examples that say to delete them.
    let out = cli(d, &namespace, &["plan", "template"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.starts_with("connection,target,from,to,until,notes,replace\n"),
        "{stdout}"
    );
    let template = d.join("template.csv");
    std::fs::write(&template, &stdout).unwrap();
    let out = cli(
        d,
        &namespace,
        &["plan", "check", template.to_str().unwrap()],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("row 2, connection 'Example: delete this row': no connection is named"),
        "{stderr}"
    );

    // Two HelpCrunch chats someone holds, each handed to another agent.
    let hc = connections
        .iter()
        .find(|c| c.vendor == Vendor::Helpcrunch)
        .unwrap();
    let (chats, agents) = ws
        .store()
        .read(|db| {
            let held: Vec<_> = targets::list_by_connection(db, hc.id, 200, 0)?
                .into_iter()
                .filter_map(|t| {
                    let h = assignments::list_by_target(db, t.id).ok()?;
                    (h.len() == 1).then(|| (t.vendor_id, h[0].agent_vendor_id.clone()))
                })
                .take(2)
                .collect();
            let agents: Vec<_> = agents::list_by_connection(db, hc.id)?
                .into_iter()
                .filter(|a| a.active && a.email.is_some())
                .collect();
            Ok((held, agents))
        })
        .unwrap();
    let other = |holder: &str| {
        agents
            .iter()
            .find(|a| a.vendor_id != holder)
            .unwrap()
            .email
            .clone()
            .unwrap()
    };
    let good = format!(
        "connection,target,to\n{0},{1},{2}\n{0},{3},{4}\n",
        hc.display_name,
        chats[0].0,
        other(&chats[0].1),
        chats[1].0,
        other(&chats[1].1)
    );
    let bad = format!(
        "{good}{},{},nobody-at-all@example.com\n",
        hc.display_name, chats[1].0
    );
    let (good_file, bad_file) = (d.join("good.csv"), d.join("bad.csv"));
    std::fs::write(&good_file, &good).unwrap();
    std::fs::write(&bad_file, &bad).unwrap();

    // A wrong row: every error said, the rows written back, nothing sent.
    let fixed = d.join("with-errors.csv");
    let out = cli(
        d,
        &namespace,
        &[
            "plan",
            "check",
            bad_file.to_str().unwrap(),
            "--errors-to",
            fixed.to_str().unwrap(),
        ],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("row 4, to 'nobody-at-all@example.com'"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&fixed).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(
        (lines[0], lines.len()),
        ("connection,target,to,errors", 4),
        "{written}"
    );
    assert!(lines[3].contains("no agent, person or team"), "{written}");
    let out = cli(
        d,
        &namespace,
        &["plan", "run", bad_file.to_str().unwrap(), "--yes"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out).1);
    assert!(states(&ws).is_empty(), "a plan with an error sends nothing");

    // Not at a terminal, a run needs --yes; the dry run shows the plan.
    let out = cli(d, &namespace, &["plan", "run", good_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out).1);
    let out = cli(
        d,
        &namespace,
        &[
            "plan",
            "run",
            good_file.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let check: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        check["plan"]["items"].as_array().unwrap().len(),
        2,
        "{stdout}"
    );
    assert!(states(&ws).is_empty());

    let out = cli(
        d,
        &namespace,
        &[
            "plan",
            "run",
            good_file.to_str().unwrap(),
            "--yes",
            "--json",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let ran: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ran["state"], "done", "{stdout}");
    assert_eq!(states(&ws), [OperationState::Done, OperationState::Done]);
    let title = ws
        .store()
        .read(|db| {
            Ok(
                db.query_row("SELECT title FROM jobs WHERE kind = 'plan'", [], |r| {
                    r.get::<_, String>(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(title, "Plan from good.csv: 2 items");
}
