//! Reassigning everything one person holds, in the real window on the demo
//! workspace, as a manager does when the dashboards say someone is offline
//! but still owns work: from the mismatch alert, choose two people (least
//! loaded), see the plan (counts, skipped items, the time at each vendor's
//! limit), run it; one vendor goes off the network mid-way (the demo's
//! control API) and its items wait while the others finish; it comes back,
//! the job completes; the results are exported; undo puts everything back,
//! and the simulator's own state says so. Screenshots of each step.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use switchboard_e2e::Session;
use switchboard_store::{DATABASE_FILE, Store};
use thirtyfour::prelude::*;

/// The simulator's control API.
struct Control {
    url: String,
    http: reqwest::Client,
}

impl Control {
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
        Ok(())
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await?
            .json()
            .await?)
    }

    /// Whether the vendor holds the target for the agent with this email, as
    /// its own state says (Pingup's expiry is checked by the engine's tests).
    async fn holds(
        &self,
        cache: &Store,
        platform: &str,
        target: &str,
        email: &str,
    ) -> anyhow::Result<Option<bool>> {
        Ok(Some(match platform {
            "Vambe" => {
                let id = agent_id(cache, "vambe", email)?;
                let held = self
                    .get(&format!("/state/vambe/contacts/{target}/assignees"))
                    .await?;
                held.as_array()
                    .into_iter()
                    .flatten()
                    .any(|a| a.as_str() == Some(&id) || a["id"].as_str() == Some(&id))
            }
            "HelpCrunch" => {
                let id = agent_id(cache, "helpcrunch", email)?;
                let held = self
                    .get(&format!("/state/helpcrunch/chats/{target}/assignee"))
                    .await?;
                held["assignee"].to_string().trim_matches('"') == id
            }
            "Splashify Pro" => {
                let held = self
                    .get(&format!("/state/splashify/conversations/{target}/assignee"))
                    .await?;
                held["agent_email"].as_str() == Some(email)
            }
            _ => return Ok(None),
        }))
    }
}

/// The vendor's id of the agent with this email, from the app's cache.
fn agent_id(cache: &Store, vendor: &str, email: &str) -> anyhow::Result<String> {
    Ok(cache.read(|db| {
        Ok(db.query_row(
            "SELECT a.vendor_id FROM agents a JOIN connections c ON c.id = a.connection_id
             WHERE c.vendor = ?1 AND lower(a.email) = lower(?2)",
            [vendor, email],
            |r| r.get(0),
        )?)
    })?)
}

/// Someone with work on Vambe who has a CCAI Platform agent (the busiest):
/// that agent's vendor id, and two others with an agent on Vambe (the work
/// can go there), by name.
fn cast(cache: &Store) -> anyhow::Result<(String, Vec<String>)> {
    Ok(cache.read(|db| {
        let (agent, person): (String, i64) = db.query_row(
            "SELECT a.vendor_id, a.person_id FROM agents a JOIN connections c ON c.id = a.connection_id
             WHERE c.vendor = 'ccai_platform' AND a.person_id IN (
                 SELECT a2.person_id FROM agents a2 JOIN connections c2 ON c2.id = a2.connection_id
                 JOIN assignments s ON s.agent_id = a2.id WHERE c2.vendor = 'vambe')
             ORDER BY (SELECT count(*) FROM assignments s3 JOIN agents a3 ON a3.id = s3.agent_id
                       WHERE a3.person_id = a.person_id) DESC
             LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut stmt = db.prepare(
            "SELECT p.display_name FROM people p
             WHERE p.id != ?1 AND EXISTS (
                 SELECT 1 FROM agents a JOIN connections c ON c.id = a.connection_id
                 WHERE a.person_id = p.id AND c.vendor = 'vambe' AND a.active)
             ORDER BY (SELECT count(DISTINCT a.connection_id) FROM agents a WHERE a.person_id = p.id) DESC, p.id
             LIMIT 2",
        )?;
        let mut takers = Vec::new();
        for name in stmt.query_map([person], |r| r.get::<_, String>(0))? {
            takers.push(name?);
        }
        Ok((agent, takers))
    })?)
}

/// The rows of the newest results export in `dir`.
fn exported(dir: &std::path::Path) -> anyhow::Result<Vec<HashMap<String, String>>> {
    let newest = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("switchboard-job-"))
        })
        .max()
        .ok_or_else(|| anyhow::anyhow!("no results export in {}", dir.display()))?;
    let mut csv = csv::Reader::from_path(&newest)?;
    let header: Vec<String> = csv.headers()?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for r in csv.records() {
        rows.push(
            header
                .iter()
                .cloned()
                .zip(r?.iter().map(str::to_owned))
                .collect(),
        );
    }
    Ok(rows)
}

/// How many done items the results say.
fn done(results: &str) -> usize {
    results
        .split(" done")
        .next()
        .and_then(|head| head.rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_s_work_moves_from_the_mismatch_alert_through_an_outage_and_back()
-> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-reassign-{}",
        uuid::Uuid::new_v4()
    );
    let control_port = switchboard_e2e::unused_port()?;
    let exports = switchboard_e2e::data_dir()?;
    let session = Session::start_with_env(
        &namespace,
        &["--demo"],
        &[
            ("SWITCHBOARD_DEMO_CONTROL_PORT", control_port.to_string()),
            (
                "SWITCHBOARD_EXPORT_DIR",
                exports.path().display().to_string(),
            ),
        ],
    )
    .await?;
    let control = Control {
        url: format!("http://127.0.0.1:{control_port}"),
        http: reqwest::Client::new(),
    };
    let outcome = async {
        // Someone with work on Vambe and elsewhere goes Unavailable on CCAI
        // Platform; the status board reads it and the dashboards see that
        // they are away with work. (The demo syncs in the background first.)
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while session.count("reassign-person").await? == 0 {
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the demo never synced"
            );
            session.click("nav-history").await?;
            session.click("nav-people").await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
        let cache = Store::open(session.data_dir.path().join(DATABASE_FILE))?;
        let (agent, takers) = cast(&cache)?;
        anyhow::ensure!(
            takers.len() == 2,
            "two people on Vambe to take the work: {takers:?}"
        );
        let r = control
            .http
            .put(format!(
                "{}/state/ccai_platform/agents/{agent}/status",
                control.url
            ))
            .json(&serde_json::json!({"status_id": -1}))
            .send()
            .await?;
        anyhow::ensure!(
            r.status().is_success(),
            "setting {agent} Unavailable: {}",
            r.status()
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            session.click("nav-status").await?;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            session.click("nav-dashboards").await?;
            session.click("tab-alerts").await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            if session.count("mismatch-reassign").await? > 0 {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "no one offline on CCAI Platform ever owned work elsewhere"
            );
        }
        session.screenshot("reassign-01-mismatch-alert").await?;
        // Every call takes a while, so the outage lands mid-job.
        for vendor in ["pingup", "vambe", "helpcrunch", "splashify"] {
            let ms = if vendor == "vambe" { 400 } else { 150 };
            control
                .post(
                    "/faults",
                    serde_json::json!({"vendor": vendor, "fault": "latency", "ms": ms}),
                )
                .await?;
        }
        session.click("mismatch-reassign").await?;
        session.by_test_id("reassign-modal").await?;
        session.click("reassign-to").await?;
        for name in &takers {
            session
                .driver
                .query(By::XPath(format!(
                    "//*[@role='option'][normalize-space()='{name}']"
                )))
                .wait(Duration::from_secs(10), Duration::from_millis(100))
                .first()
                .await?
                .click()
                .await?;
        }
        session
            .by_test_id("reassign-to")
            .await?
            .send_keys(Key::Escape)
            .await?;
        let plan = session
            .wait_for_text("reassign-plan", "the plan", |t| t.contains(" move, "))
            .await?;
        session.screenshot("reassign-02-plan").await?;
        anyhow::ensure!(!plan.starts_with("0 move"), "{plan}");
        anyhow::ensure!(plan.contains("the slowest vendor takes"), "{plan}");
        // The vendor that goes away: Vambe where the person has work there.
        let (away, away_name) = [
            ("vambe", "Demo Vambe"),
            ("helpcrunch", "Demo HelpCrunch"),
            ("splashify", "Demo Splashify Pro"),
            ("pingup", "Demo Pingup"),
        ]
        .into_iter()
        .find(|(_, name)| {
            plan.split(name)
                .nth(1)
                .is_some_and(|rest| !rest.trim_start().starts_with("0 items"))
        })
        .ok_or_else(|| anyhow::anyhow!("the plan names no vendor: {plan}"))?;

        session.click("reassign-confirm").await?;
        session
            .wait_for_text("reassign-results", "the first item done", |t| done(t) > 0)
            .await?;
        control
            .post(&format!("/vendors/{away}/halt"), Value::Null)
            .await?;
        // Its items wait, and say why; the other vendors finish.
        session.by_test_id("job-send-now").await?;
        let platforms = session
            .wait_for_text("job-platforms", "the others to finish", |t| {
                t.matches("waiting").count() == 1
            })
            .await?;
        anyhow::ensure!(
            platforms
                .split(away_name)
                .nth(1)
                .is_some_and(|rest| rest.contains("waiting")),
            "{away_name} is the one waiting: {platforms}"
        );
        session.screenshot("reassign-03-vendor-away").await?;

        // Back on the network: what waited goes out, the job completes.
        control
            .post(&format!("/vendors/{away}/resume"), Value::Null)
            .await?;
        session.click("job-send-now").await?;
        let results = session
            .wait_for_text("reassign-results", "the job's end", |t| {
                t.contains(" 0 waiting")
            })
            .await?;
        session.screenshot("reassign-04-results").await?;
        anyhow::ensure!(
            results.contains(" done, 0 failed, 0 in conflict"),
            "{results}"
        );
        session.click("job-export").await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let rows = loop {
            if let Ok(rows) = exported(exports.path()) {
                break rows;
            }
            anyhow::ensure!(std::time::Instant::now() < deadline, "no export appeared");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        anyhow::ensure!(rows.iter().all(|r| r["outcome"] == "done"), "{rows:?}");
        let mut checked = 0;
        for r in rows
            .iter()
            .filter(|r| r["from"].contains('@') && r["to"].contains('@'))
        {
            if let Some(held) = control
                .holds(&cache, &r["platform"], &r["target"], &r["to"])
                .await?
            {
                anyhow::ensure!(held, "{} does not hold {}: {r:?}", r["to"], r["target"]);
                checked += 1;
            }
        }
        anyhow::ensure!(checked > 0, "no item checked at its vendor: {rows:?}");

        // Undo: the plan of putting back, then the undo job to its end.
        control
            .http
            .delete(format!("{}/faults", control.url))
            .send()
            .await?;
        session.click("reassign-undo").await?;
        let undo = session
            .wait_for_text("undo-plan", "the undo's plan", |t| t.contains("go back"))
            .await?;
        session.screenshot("reassign-05-undo-plan").await?;
        anyhow::ensure!(undo.contains(" 0 changed since"), "{undo}");
        session.click("undo-confirm").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let undone = session
            .wait_for_text("reassign-results", "the undo's end", |t| {
                t.contains(" 0 waiting")
            })
            .await?;
        session.screenshot("reassign-06-undone").await?;
        anyhow::ensure!(
            undone.contains(" done, 0 failed, 0 in conflict"),
            "{undone}"
        );
        // The vendors hold what they held before.
        for r in rows
            .iter()
            .filter(|r| r["from"].contains('@') && r["to"].contains('@'))
        {
            if let Some(held) = control
                .holds(&cache, &r["platform"], &r["target"], &r["from"])
                .await?
            {
                anyhow::ensure!(held, "{} holds {} again: {r:?}", r["from"], r["target"]);
            }
        }
        anyhow::ensure!(
            session.count("reassign-undo").await? == 0,
            "an undo is not undone from here"
        );
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("reassign-failure").await;
    }
    session.quit().await?;
    outcome
}
