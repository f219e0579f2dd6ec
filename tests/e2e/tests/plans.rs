//! An assignment plan from CSV in the real window on the demo workspace: a
//! file with two wrong rows shows both errors and sends nothing; the fixed
//! file previews and runs, and the journal holds every item done. Its own
//! binary: end-to-end tests run one window at a time.

use std::time::Duration;

use switchboard_e2e::Session;
use switchboard_store::{DATABASE_FILE, Store};

/// HelpCrunch's connection name, three chats one agent holds each, and an
/// active agent who holds none of them (by email), from the app's cache.
fn chats(cache: &Store) -> anyhow::Result<(String, Vec<String>, String)> {
    Ok(cache.read(|db| {
        // None until the demo has made its connections.
        let Ok((id, name)) = db.query_row(
            "SELECT id, display_name FROM connections WHERE vendor = 'helpcrunch'",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        ) else {
            return Ok((String::new(), Vec::new(), String::new()));
        };
        let mut held = db.prepare(
            "SELECT t.vendor_id, min(a.agent_vendor_id) FROM targets t JOIN assignments a ON a.target_id = t.id
             WHERE t.connection_id = ?1 GROUP BY t.id HAVING count(*) = 1 ORDER BY t.id LIMIT 3",
        )?;
        let chats: Vec<(String, String)> = held
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let holders: Vec<&str> = chats.iter().map(|c| c.1.as_str()).collect();
        let mut agents = db.prepare(
            "SELECT vendor_id, email FROM agents WHERE connection_id = ?1 AND active = 1 AND email IS NOT NULL ORDER BY id",
        )?;
        let taker = agents
            .query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .filter_map(Result::ok)
            .find(|(v, _)| !holders.contains(&v.as_str()))
            .map(|(_, email)| email)
            .unwrap_or_default();
        Ok((name, chats.into_iter().map(|c| c.0).collect(), taker))
    })?)
}

/// Chooses `path` in the OS's Open dialog, as a person would.
async fn choose(session: &Session, path: &std::path::Path) -> anyhow::Result<()> {
    session.click("plan-open").await?;
    session
        .answer_file_dialog("Open an assignment plan (CSV)", path)
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_with_two_wrong_rows_is_refused_then_fixed_previewed_and_run() -> anyhow::Result<()>
{
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-plans-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let files = switchboard_e2e::data_dir()?;
    let outcome = async {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let cache = Store::open(session.data_dir.path().join(DATABASE_FILE))?;
        let (connection, chats, taker) = loop {
            let found = chats(&cache)?;
            if found.1.len() == 3 && !found.2.is_empty() {
                break found;
            }
            anyhow::ensure!(std::time::Instant::now() < deadline, "the demo never synced");
            tokio::time::sleep(Duration::from_millis(700)).await;
        };
        let bad = files.path().join("rota.csv");
        std::fs::write(
            &bad,
            format!(
                "connection,target,to\n{connection},{},{taker}\n{connection},no-such-chat,{taker}\n{connection},{},nobody-at-all@example.com\n",
                chats[0], chats[1]
            ),
        )?;
        session.click("nav-targets").await?;
        session.click("targets-import-plan").await?;
        session.by_test_id("plan-modal").await?;
        choose(&session, &bad).await?;
        let errors = session
            .wait_for_text("plan-errors", "the plan's errors", |t| t.contains("2 errors in 3 rows"))
            .await?;
        anyhow::ensure!(errors.contains("has no target 'no-such-chat' in the cache"), "{errors}");
        anyhow::ensure!(errors.contains("nobody-at-all@example.com"), "{errors}");
        anyhow::ensure!(!session.by_test_id("plan-run").await?.is_enabled().await?, "a wrong plan cannot run");
        session.screenshot("plans-01-two-wrong-rows").await?;

        // The rows with their errors, saved where the manager says in the OS's
        // Save dialog (a name typed without ".csv" gets it).
        session.click("plan-errors-export").await?;
        session
            .answer_file_dialog("Save as", &files.path().join("to-fix"))
            .await?;
        let saved = files.path().join("to-fix.csv");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !saved.exists() {
            anyhow::ensure!(std::time::Instant::now() < deadline, "the export was not saved as {saved:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let text = std::fs::read_to_string(&saved)?;
        anyhow::ensure!(text.contains("no-such-chat") && text.lines().count() == 4, "{text}");

        // Fixed, and chosen again.
        let fixed = files.path().join("rota-fixed.csv");
        std::fs::write(
            &fixed,
            format!(
                "connection,target,to\n{connection},{},{taker}\n{connection},{},{taker}\n{connection},{},{taker}\n",
                chats[0], chats[1], chats[2]
            ),
        )?;
        session.click_text("Cancel").await?;
        session.click("targets-import-plan").await?;
        choose(&session, &fixed).await?;
        let plan = session
            .wait_for_text("reassign-plan", "the plan", |t| t.contains("3 move, 0 skipped"))
            .await?;
        anyhow::ensure!(plan.contains(&connection), "{plan}");
        // Each chat is taken from the one agent who held it, named.
        anyhow::ensure!(!plan.contains("nobody"), "{plan}");
        session.screenshot("plans-02-preview").await?;
        session.click("plan-run").await?;
        session
            .wait_for_text("job-standing", "the job done", |t| t.contains("Done"))
            .await?;
        session.screenshot("plans-03-done").await?;
        let done: i64 = cache.read(|db| {
            Ok(db.query_row(
                "SELECT count(*) FROM operations o JOIN jobs j ON j.id = o.job_id WHERE j.kind = 'plan' AND o.state = 'done'",
                [],
                |r| r.get(0),
            )?)
        })?;
        anyhow::ensure!(done == 3, "{done} of 3 items done");
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("plans-failed").await;
    }
    session.quit().await?;
    outcome
}
