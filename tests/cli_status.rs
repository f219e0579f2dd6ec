//! Statuses from the command line, as scripts use them: listed live, set for
//! whole teams, and their history (stretches, logins, pick-up times) as a
//! table, CSV or JSON; the real binary on the demo workspace. Needs the OS
//! keychain, like the app: under CI it must be there.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;
use common::{cli, demo_workspace, text};

#[tokio::test(flavor = "multi_thread")]
async fn scripts_read_and_set_statuses() {
    let Some((dir, namespace, ws, _)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    let d = dir.path();
    let out = cli(d, &namespace, &["sync", "Demo CCAI Platform"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    let out = cli(
        d,
        &namespace,
        &["status", "list", "--team", "Tier 1 Support"],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let listed = text(&out).0;
    assert!(listed.starts_with("AGENT\tTEAMS\tSTATUS"), "{listed}");
    assert_eq!(
        listed.lines().filter(|l| l.contains("In-call")).count(),
        2,
        "{listed}"
    );

    let set = |status: &str| {
        cli(
            d,
            &namespace,
            &[
                "status",
                "set",
                "Demo CCAI Platform",
                "--status",
                status,
                "--team",
                "Tier 1 Support",
            ],
        )
    };
    let out = set("training");
    assert_eq!(
        out.status.code(),
        Some(8),
        "two agents kept: {:?}",
        text(&out)
    );
    let said = text(&out).0;
    assert_eq!(
        said.lines()
            .filter(|l| l.contains(": kept In-call ("))
            .count(),
        2,
        "{said}"
    );
    assert!(
        said.lines().filter(|l| l.contains("→ Training")).count() >= 1,
        "{said}"
    );
    let out = cli(
        d,
        &namespace,
        &["status", "list", "--status", "Training", "--cached"],
    );
    assert!(text(&out).0.lines().count() > 1);

    for (status, words) in [
        ("In-call", "CCAI Platform manages itself"),
        // Neither Break can be set: said once, never "give its id" for an id
        // that is then refused.
        ("Break", "'Break' cannot be set: 'Break' is a system status"),
        ("Break", "the custom status 'Break' (4) has the same name"),
        ("4", "same name as a system status"),
        ("Napping", "no status 'Napping'"),
    ] {
        let out = set(status);
        assert_eq!(out.status.code(), Some(2), "{status}: {:?}", text(&out));
        assert!(text(&out).1.contains(words), "{status}: {}", text(&out).1);
        assert!(!text(&out).1.contains("give its id"), "{}", text(&out).1);
    }
    let out = cli(
        d,
        &namespace,
        &["status", "set", "Demo CCAI Platform", "--status", "Lunch"],
    );
    assert_eq!(out.status.code(), Some(2), "no agents or teams");
}

#[tokio::test(flavor = "multi_thread")]
async fn scripts_read_status_history_logins_and_pick_up_times() {
    let Some((dir, namespace, ws, _)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    let d = dir.path();
    // The sync reads CCAI Platform's activity log too.
    let out = cli(d, &namespace, &["sync", "Demo CCAI Platform"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let board = ws.status_board().await.unwrap();
    let someone = board
        .agents
        .iter()
        .find(|a| a.status.is_some() && a.email.is_some())
        .unwrap();
    let email = someone.email.clone().unwrap();
    let since = chrono::Utc::now() - chrono::Duration::days(2);
    let since = since.format("%Y-%m-%d").to_string();

    // Their stretches as CSV: back to back from the log, the rest unknown.
    let out = cli(
        d,
        &namespace,
        &[
            "status", "history", "--person", &email, "--since", &since, "--format", "csv",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(
        csv.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "agent",
            "status",
            "status_id",
            "start",
            "end",
            "seconds",
            "source"
        ]
    );
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(rows.len() > 3, "{rows:?}");
    assert!(rows.iter().all(|r| r[0] == someone.name), "{rows:?}");
    assert!(rows.iter().any(|r| &r[6] == "log"), "{rows:?}");
    for pair in rows.windows(2) {
        assert_eq!(pair[0][4], pair[1][3], "no hole, no overlap: {pair:?}");
    }
    assert!(
        rows.iter().all(|r| (&r[6] == "unknown") == r[1].is_empty()),
        "only unknown time has no status: {rows:?}"
    );

    // A team moved to Training: history read after it shows the stretch.
    let out = cli(
        d,
        &namespace,
        &[
            "status",
            "set",
            "Demo CCAI Platform",
            "--status",
            "Training",
            "--team",
            "Tier 1 Support",
        ],
    );
    assert_eq!(out.status.code(), Some(8), "two kept: {:?}", text(&out));
    let out = cli(
        d,
        &namespace,
        &[
            "status",
            "history",
            "--team",
            "Tier 1 Support",
            "--since",
            &since,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["status"] == "Training" && r["end"].as_str().is_some()),
        "{rows:?}"
    );

    // Logins per day, and pick-up times per agent and team.
    let file = d.join("logins.csv");
    let out = cli(
        d,
        &namespace,
        &[
            "status",
            "history",
            "--show",
            "logins",
            "--since",
            &since,
            "--format",
            "csv",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.starts_with("agent,day,logins,logouts,first_login,last_logout"),
        "{written}"
    );
    assert!(written.lines().count() > 2, "{written}");
    let out = cli(
        d,
        &namespace,
        &[
            "status", "history", "--show", "pickups", "--since", &since, "--format", "json",
            "--cached",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["who"] == "agent" && r["picked_up"].as_u64() > Some(0))
    );
    assert!(rows.iter().any(|r| r["who"] == "team"), "{rows:?}");

    // Bad input: refused before anything is read, naming what to fix.
    for (args, words) in [
        (&["--since", "2026-13-40"][..], "since"),
        (
            &["--since", "2026-11-20", "--until", "2026-11-19"][..],
            "must come after --since",
        ),
        (
            &["--show", "naps"][..],
            "--show is stretches, logins or pickups",
        ),
        (&["--format", "xml"][..], "--format is table, csv or json"),
        (&["--person", "nobody@example.com"][..], "nobody is called"),
        (
            &["--person", &email, "--team", "Tier 1 Support"][..],
            "not both",
        ),
        (&["--output", "x.csv"][..], "only with --format csv"),
    ] {
        let mut all = vec!["status", "history"];
        all.extend_from_slice(args);
        let out = cli(d, &namespace, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?}", text(&out));
        assert!(text(&out).1.contains(words), "{args:?}: {}", text(&out).1);
    }
}
