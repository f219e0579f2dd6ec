//! The bad-input corpus through the window's door: every text of
//! `tests/corpus/texts.json` in every field of `tests/corpus/ipc-requests.json`
//! (connection forms, searches, plan and agent CSVs, exports), and requests
//! of the wrong shape, sent as the UI sends them (Tauri's IPC, mock runtime).
//! Each gets an answer or a `{code, message, field}` that says what is wrong
//! (`invalid_input` names the field); none panics or hangs; a refused request
//! writes nothing (the tables' rows are counted around it), and the database
//! is sound at the end. Exports never write outside their folder.

use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_engine::Workspace;

mod common;
use common::ipc::{add_connection, harness, invoke};

fn corpus_file(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).expect("corpus file")).expect("JSON")
}

/// The texts, with `{"repeat", "times"}` entries written out.
pub fn texts() -> Vec<String> {
    corpus_file("texts.json")
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| match t {
            Value::String(s) => s.clone(),
            Value::Object(o) => o["repeat"]
                .as_str()
                .expect("repeat")
                .repeat(o["times"].as_u64().expect("times") as usize),
            other => panic!("not a text: {other}"),
        })
        .collect()
}

/// `text` as one CSV cell.
fn csv_cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The template with `$T`, `$CSV` and `$CONN` put in.
fn fill(template: &Value, text: &str, conn: &str) -> Value {
    match template {
        Value::String(s) if s == "$T" => Value::String(text.to_owned()),
        Value::String(s) if s == "$CONN" => Value::String(conn.to_owned()),
        Value::String(s) if s.contains("$CSV") => Value::String(s.replace("$CSV", &csv_cell(text))),
        Value::Array(a) => Value::Array(a.iter().map(|v| fill(v, text, conn)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), fill(v, text, conn)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Rows of every table a request could write, to see that a refused one wrote nothing.
fn rows(ws: &Workspace) -> Vec<(String, i64)> {
    ws.store()
        .read(|db| {
            let mut out = Vec::new();
            for table in [
                "connections",
                "agents",
                "people",
                "targets",
                "jobs",
                "operations",
                "covers",
            ] {
                let n: i64 =
                    db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
                out.push((table.to_owned(), n));
            }
            Ok(out)
        })
        .expect("count rows")
}

/// What is wrong with an error answer, if anything.
fn bad_error(e: &Value) -> Option<String> {
    // Tauri's own refusals (a request of the wrong shape) are plain strings.
    if let Some(s) = e.as_str() {
        return s.trim().is_empty().then(|| "an empty message".to_owned());
    }
    let (code, message) = (e["code"].as_str(), e["message"].as_str());
    let (Some(code), Some(message)) = (code, message) else {
        return Some(format!("not {{code, message}}: {e}"));
    };
    if message.trim().is_empty() {
        return Some(format!("{code}: an empty message"));
    }
    if message.chars().count() > 2_000 {
        return Some(format!(
            "{code}: a message of {} characters",
            message.chars().count()
        ));
    }
    if code == "internal" {
        return Some(format!("an internal error: {message}"));
    }
    if code == "invalid_input" && e["field"].as_str().is_none_or(str::is_empty) {
        return Some(format!("invalid_input names no field: {message}"));
    }
    None
}

#[test]
fn every_bad_text_in_every_field_and_every_bad_shape_is_answered_safely() {
    let exports = tempfile::tempdir().expect("exports");
    let (h, ws) = harness();
    // The manager's answer to every Save dialog: one file in the test's folder.
    let chosen = exports.path().join("switchboard-corpus.csv");
    {
        use tauri::Manager;
        h.webview
            .state::<switchboard_app::AppState>()
            .set_file_picker(move |_| Some(chosen.clone()));
    }
    let conn = add_connection(&ws).to_string();
    let texts = texts();
    let requests = corpus_file("ipc-requests.json");
    let templates = requests["with_each_text"].as_array().expect("templates");
    let shapes = requests["shapes"].as_array().expect("shapes");
    assert!(texts.len() >= 120, "the corpus lost texts: {}", texts.len());

    let mut problems = Vec::new();
    let mut calls = 0;
    let mut refused = 0;
    let mut check = |cmd: &str, args: Value, what: &str, problems: &mut Vec<String>| {
        let before = rows(&ws);
        let started = Instant::now();
        let answer = invoke(&h.webview, cmd, args);
        calls += 1;
        if started.elapsed() > Duration::from_secs(10) {
            problems.push(format!("{cmd} ({what}): took {:?}", started.elapsed()));
        }
        if let Err(e) = answer {
            refused += 1;
            if let Some(p) = bad_error(&e) {
                problems.push(format!("{cmd} ({what}): {p}"));
            }
            if rows(&ws) != before {
                problems.push(format!(
                    "{cmd} ({what}): refused, but wrote: {:?} -> {:?}",
                    before,
                    rows(&ws)
                ));
            }
        }
    };
    for template in templates {
        let cmd = template["cmd"].as_str().expect("cmd");
        for (i, text) in texts.iter().enumerate() {
            let args = fill(&template["args"], text, &conn);
            check(
                cmd,
                args,
                &format!("text {i}: {:?}", text.chars().take(30).collect::<String>()),
                &mut problems,
            );
        }
    }
    for (i, shape) in shapes.iter().enumerate() {
        let cmd = shape["cmd"].as_str().expect("cmd");
        check(
            cmd,
            shape["args"].clone(),
            &format!("shape {i}"),
            &mut problems,
        );
    }
    // Exports wrote only the file the manager chose.
    let outside: Vec<_> = std::fs::read_dir(exports.path())
        .expect("exports")
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with("switchboard-"))
        .map(|e| e.path())
        .collect();
    if !outside.is_empty() {
        problems.push(format!(
            "export files not of Switchboard's naming: {outside:?}"
        ));
    }
    assert!(
        ws.store().check().expect("check").is_sound(),
        "the database is sound"
    );
    println!(
        "{} texts x {} fields and {} shapes: {calls} calls, {refused} refused",
        texts.len(),
        templates.len(),
        shapes.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
