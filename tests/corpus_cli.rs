//! The bad-input corpus on the command line, the real binary on a demo
//! workspace: every text of `tests/corpus/texts.json` as the values of
//! `assign`, `history`, `cover add` and `export --output`, and every file of
//! `tests/corpus/plans/` (and one over the size limit) given to `plan check`.
//! Each ends with a usage or validation exit code and one line that starts
//! `switchboard:` (or succeeds); never a panic (101) or an internal error
//! (1); never a hang; a refused command journals nothing.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::demo_workspace;

/// The texts, with `{"repeat", "times"}` entries written out.
fn texts() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/texts.json");
    let list: Vec<Value> = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    list.into_iter()
        .map(|t| match t {
            Value::String(s) => s,
            Value::Object(o) => o["repeat"]
                .as_str()
                .unwrap()
                .repeat(o["times"].as_u64().unwrap() as usize),
            other => panic!("not a text: {other}"),
        })
        .collect()
}

struct Ran {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

/// Runs the binary, killed after 30 s.
fn run(dir: &Path, cwd: &Path, namespace: &str, args: &[&str]) -> Ran {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .current_dir(cwd)
        .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", namespace)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    Ran {
        code,
        stderr,
        took: started.elapsed(),
    }
}

fn journaled(dir: &Path) -> (i64, i64, i64) {
    let db = rusqlite::Connection::open_with_flags(
        dir.join(switchboard_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let n = |t: &str| {
        db.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    (n("operations"), n("jobs"), n("covers"))
}

fn judge(
    what: &str,
    ran: &Ran,
    before: (i64, i64, i64),
    after: (i64, i64, i64),
    problems: &mut Vec<String>,
) {
    match ran.code {
        None => problems.push(format!(
            "{what}: killed after {:?} (a hang), or by a signal",
            ran.took
        )),
        Some(101) => problems.push(format!("{what}: panicked: {}", ran.stderr)),
        Some(1) => problems.push(format!("{what}: an internal error: {}", ran.stderr)),
        Some(0) => {}
        Some(_) => {
            // One line that says who speaks; `plan check` lists each row's problems first.
            let says = |l: &str| {
                l.starts_with("switchboard:")
                    || (what.starts_with("plan check") && l.ends_with("nothing was sent"))
            };
            if !ran.stderr.lines().any(says) {
                let first = ran.stderr.lines().next().unwrap_or_default();
                problems.push(format!("{what}: no line says who speaks: {first:?}"));
            }
            if ran.stderr.lines().any(|l| l.chars().count() > 2_000) {
                problems.push(format!("{what}: a message line of over 2,000 characters"));
            }
            if after != before {
                problems.push(format!(
                    "{what}: refused, but journaled: {before:?} -> {after:?}"
                ));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_text_and_file_on_the_command_line_is_refused_clearly() {
    let Some((dir, namespace, _ws, _)) = demo_workspace().await else {
        return;
    };
    let texts = texts();
    let plans = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/plans");
    let problems = tokio::task::spawn_blocking(move || {
        let d = dir.path();
        // Exports are written under a deep folder, so `..` stays inside.
        let cwd = d.join("cwd/a/b/c/d");
        std::fs::create_dir_all(&cwd).unwrap();
        let mut problems = Vec::new();
        let mut runs = 0;
        for (i, t) in texts.iter().enumerate() {
            // An OS argument cannot hold a NUL byte; the IPC corpus sends those.
            if t.contains('\0') {
                continue;
            }
            let t = t.as_str();
            let verbs: [Vec<&str>; 4] = [
                vec!["assign", "Demo Vambe", "--target", t, "--agent", t],
                vec!["history", "--since", t, "--search", t],
                vec![
                    "cover",
                    "add",
                    "--person",
                    t,
                    "--from",
                    t,
                    "--until",
                    t,
                    "--to",
                    t,
                    "--dry-run",
                ],
                vec!["export", "people", "--format", "csv", "--output", t],
            ];
            for args in verbs {
                let before = journaled(d);
                let ran = run(d, &cwd, &namespace, &args);
                runs += 1;
                let what = format!(
                    "{} (text {i}: {:?})",
                    args[0],
                    t.chars().take(30).collect::<String>()
                );
                judge(&what, &ran, before, journaled(d), &mut problems);
            }
        }
        // Plan files: each checked, none half-read.
        let mut files: Vec<_> = std::fs::read_dir(&plans)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        assert!(
            files.len() >= 20,
            "the corpus lost plan files: {}",
            files.len()
        );
        let huge = d.join("huge.csv");
        let f = std::fs::File::create(&huge).unwrap();
        f.set_len(65 * 1024 * 1024).unwrap(); // sparse: past the 64 MB limit
        files.push(huge);
        for file in &files {
            let before = journaled(d);
            let ran = run(
                d,
                &cwd,
                &namespace,
                &["plan", "check", file.to_str().unwrap()],
            );
            runs += 1;
            let what = format!("plan check {}", file.file_name().unwrap().to_string_lossy());
            judge(&what, &ran, before, journaled(d), &mut problems);
            if ran.code == Some(0) {
                problems.push(format!("{what}: a bad plan was passed"));
            }
        }
        println!(
            "{} texts and {} plan files: {runs} runs of the binary",
            texts.len(),
            files.len()
        );
        problems
    })
    .await
    .unwrap();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
