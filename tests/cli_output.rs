//! What the command line writes: files whole or not at all, never over another
//! file without `--force`, cells a spreadsheet cannot run, and echoed text that
//! cannot recolour or reorder the terminal. The real binary, on a demo workspace.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;
use common::{cli, demo_workspace, text};

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"Open\")";

#[tokio::test(flavor = "multi_thread")]
async fn exports_are_whole_safe_and_never_overwrite_by_accident() {
    let Some((dir, namespace, ws, _)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    let d = dir.path();
    let out = cli(d, &namespace, &["sync", "Demo HelpCrunch"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    // A name a spreadsheet would run, as a vendor (or anyone) could have typed it.
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(5).to_string();
    ws.store()
        .write(|db| {
            db.execute(
                "UPDATE targets SET name = ?1 WHERE vendor_id = ?2",
                rusqlite::params![FORMULA, chat],
            )?;
            Ok(())
        })
        .unwrap();

    let file = d.join("chats.csv");
    std::fs::write(&file, "an older export\n").unwrap();
    let export = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "targets",
            "--connection",
            "Demo HelpCrunch",
            "--output",
        ];
        args.extend_from_slice(extra);
        cli(d, &namespace, &args)
    };
    let out = export(&[file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(
        text(&out).1.contains("exists; add --force"),
        "{}",
        text(&out).1
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "an older export\n");

    let out = export(&[file.to_str().unwrap(), "--force"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let written = std::fs::read_to_string(&file).unwrap();
    let mut rows = csv::Reader::from_reader(written.as_bytes());
    let names: Vec<String> = rows
        .records()
        .map(|r| r.unwrap().get(4).unwrap().to_owned())
        .collect();
    assert!(names.contains(&format!("'{FORMULA}")), "neutralised");
    assert!(!names.contains(&FORMULA.to_owned()));
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );

    // A full disk is a write failure (exit 7), said with the file's name.
    if std::path::Path::new("/dev/full").exists() {
        let out = export(&["/dev/full"]);
        assert_eq!(out.status.code(), Some(7), "{:?}", text(&out));
        assert!(
            text(&out).1.contains("cannot write /dev/full"),
            "{}",
            text(&out).1
        );
        let out = cli(
            d,
            &namespace,
            &["history", "--format", "csv", "--output", "/dev/full"],
        );
        assert_eq!(out.status.code(), Some(7), "{:?}", text(&out));
    }
    // A folder that does not exist is refused before any work.
    let out = export(&[d.join("no/such/folder.csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("does not exist"), "{}", text(&out).1);
    let out = cli(d, &namespace, &["export", "targets", "--force"]);
    assert_eq!(out.status.code(), Some(2), "--force without --output");

    // History's CSV carries the target's label: neutralised too.
    let out = cli(
        d,
        &namespace,
        &["release", "Demo HelpCrunch", "--target", &chat],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = cli(d, &namespace, &["history", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let history = text(&out).0;
    let mut rows = csv::Reader::from_reader(history.as_bytes());
    let header = rows.headers().unwrap().clone();
    let label = header.iter().position(|h| h == "target").unwrap();
    let labels: Vec<String> = rows
        .records()
        .map(|r| r.unwrap().get(label).unwrap().to_owned())
        .collect();
    assert_eq!(labels, [format!("'{FORMULA}")], "{history}");
}

#[tokio::test(flavor = "multi_thread")]
async fn echoed_text_cannot_recolour_or_reorder_the_terminal() {
    let Some((dir, namespace, _ws, _)) = demo_workspace().await else {
        return;
    };
    let d = dir.path();
    let sneaky = "\u{1b}[31mred\u{202e}txet";
    let out = cli(
        d,
        &namespace,
        &["release", "Demo HelpCrunch", "--target", sneaky],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    let said = text(&out).1;
    assert!(said.contains("\\u{1b}[31mred\\u{202e}txet"), "{said}");
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{202e}'),
        "{said:?}"
    );

    // A value longer than any option takes is refused, not echoed back.
    let long = "9".repeat(100_000);
    let out = cli(
        d,
        &namespace,
        &["release", "Demo HelpCrunch", "--target", &long],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.len() < 500, "{}", text(&out).1.len());
}

/// A reader that goes away (`| head`) ends the command quietly with 0, whether
/// it printed lines or streamed an export; never a panic (exit 101).
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_the_command_quietly() {
    let Some((dir, namespace, ws, _)) = demo_workspace().await else {
        return;
    };
    let _sim = ws.running_demo().await.unwrap();
    let d = dir.path();
    let out = cli(d, &namespace, &["sync", "Demo HelpCrunch"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    for args in [
        &["connections"][..],
        &["export", "targets"][..],
        &["history", "--format", "csv"][..],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--data-dir")
            .arg(d)
            .args(args)
            .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the command writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Usage mistakes are input errors (exit 2) that say what to write, and none
/// of them creates a database anywhere.
#[test]
fn usage_mistakes_are_refused_before_anything_is_created() {
    let dir = common::data_dir();
    let here = dir.path();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .current_dir(here)
            // Where a fallback to the real app-data folder would write.
            .env("XDG_DATA_HOME", here.join("xdg"))
            .env("HOME", here.join("home"))
            .env(
                "SWITCHBOARD_KEYCHAIN_NAMESPACE",
                "io.switchboard.desktop.test.usage",
            )
            .output()
            .unwrap()
    };
    let data = here.join("data");
    let data = data.to_str().unwrap();
    for (args, words) in [
        (
            &["connections", "--data-dir"][..],
            "--data-dir needs a folder",
        ),
        (
            &["--data-dir", "", "connections"][..],
            "--data-dir needs a folder",
        ),
        (&["--data-dir"][..], "--data-dir needs a folder"),
        (
            &["--data-dir", data, "connections", "extra"][..],
            "unexpected argument 'extra'",
        ),
        (
            &["--data-dir", data, "history", "--output", "h.csv"][..],
            "only with --format csv",
        ),
        (
            &["--data-dir", data, "assign", "X", "--target", ""][..],
            "cannot be empty",
        ),
    ] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    let made: Vec<_> = walk(here)
        .into_iter()
        .filter(|p| p.ends_with("switchboard.db"))
        .collect();
    assert!(
        made.iter().all(|p| p.starts_with(here.join("data"))),
        "a database was created outside --data-dir: {made:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Help on the binary and on every verb, the version, completions for the
/// shells, JSON on the read verbs, and a demo set up without a window.
#[test]
fn help_version_completions_json_and_the_demo_without_a_window() {
    let dir = common::data_dir();
    let namespace = format!("io.switchboard.desktop.test.cli-{}", uuid::Uuid::new_v4());
    let run = |args: &[&str]| cli(dir.path(), &namespace, args);
    for args in [
        &["--help"][..],
        &["help"][..],
        &["status", "--help"][..],
        &["help", "queue"][..],
        &["export", "--help"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {:?}", text(&out));
        assert!(text(&out).0.contains("Usage: switchboard"), "{args:?}");
    }
    assert!(text(&run(&["--help"])).0.contains("Exit codes: 0 done"));
    let out = run(&["--version"]);
    assert_eq!(
        text(&out).0.trim(),
        format!("switchboard {}", env!("CARGO_PKG_VERSION"))
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out).0.contains("switchboard"), "{shell}");
    }

    let out = run(&["demo"]);
    if out.status.code() == Some(4) {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{:?}",
            text(&out)
        );
        eprintln!("SKIPPED (no OS keychain here)");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(
        text(&out).0.matches(": synced").count(),
        5,
        "{:?}",
        text(&out)
    );
    let out = run(&["connections", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);
    let out = run(&["demo"]);
    assert!(text(&out).0.contains("already here"), "{:?}", text(&out));
    for args in [&["queue", "--json"][..], &["history", "--json"][..]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {:?}", text(&out));
        let rows: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
        assert!(rows.is_array(), "{args:?}");
    }
}
