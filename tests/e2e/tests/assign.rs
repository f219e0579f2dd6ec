//! Assigning in the real window, on the demo workspace: find a chat, choose an
//! agent, assign, and see the vendor's answer; assign a whole team to a contact
//! and see each agent's result and the operations in History; with the vendor
//! off the network, queue a change and watch it go out when the vendor returns.
//! Screenshots of each step.

use std::time::Duration;

use switchboard_e2e::Session;
use switchboard_simulator::{SimConfig, Simulator};
use thirtyfour::prelude::*;

/// Opens a select, clicks the first option `xpath` finds, and closes the list
/// (Mantine's lists would cover the buttons below).
async fn choose(session: &Session, test_id: &str, xpath: &str) -> anyhow::Result<()> {
    session.click(test_id).await?;
    session
        .driver
        .query(By::XPath(xpath))
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await?
        .click()
        .await?;
    session
        .by_test_id(test_id)
        .await?
        .send_keys(Key::Escape)
        .await?;
    Ok(())
}

/// Searches the Assign view for a target and picks the one row found.
async fn pick_target(session: &Session, search: &str) -> anyhow::Result<()> {
    for _ in 0..60 {
        session.type_into("assign-search", search).await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let rows = session
            .driver
            .find_all(By::Css("[data-testid='assign-target']"))
            .await?;
        if rows.len() == 1 {
            // The list may re-render under the click (results arriving): try again.
            let clicked = async {
                session
                    .driver
                    .find(By::Css("[data-testid='assign-target'] td"))
                    .await?
                    .click()
                    .await
            };
            if clicked.await.is_ok() {
                return Ok(());
            }
        }
    }
    anyhow::bail!("{search} never appeared alone in the search")
}

#[tokio::test(flavor = "multi_thread")]
async fn assign_an_agent_to_a_chat_on_the_demo_workspace() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-assign-{}",
        uuid::Uuid::new_v4()
    );
    // The app runs the demo's simulator; its control API on a known port lets
    // the test take a vendor off the network and bring it back.
    let control_port = switchboard_e2e::unused_port()?;
    let session = Session::start_with_env(
        &namespace,
        &["--demo"],
        &[("SWITCHBOARD_DEMO_CONTROL_PORT", control_port.to_string())],
    )
    .await?;
    let control = format!("http://127.0.0.1:{control_port}");
    // The demo's data is seeded: a local copy tells the test the contact's id.
    let local = Simulator::start(SimConfig::demo(42)).await?;
    let (contact, second) = {
        let d = local
            .world()
            .vambe
            .read()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        (d.contact_id(3), d.contact_id(4))
    };
    drop(local);
    let outcome = async {
        session.click("nav-assign").await?;
        // The demo syncs in the background; the chat appears once HelpCrunch has.
        let mut found = false;
        for _ in 0..60 {
            session.type_into("assign-search", "5214003").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            if session
                .driver
                .find_all(By::Css("[data-testid='assign-target']"))
                .await?
                .len()
                == 1
            {
                found = true;
                break;
            }
        }
        anyhow::ensure!(found, "the demo chat 5214003 never appeared in the search");
        // A row is not clickable for WebDriver; its first cell is.
        session
            .driver
            .find(By::Css("[data-testid='assign-target'] td"))
            .await?
            .click()
            .await?;
        session
            .wait_for_text("single-assignee-note", "the one-agent note", |t| {
                t.contains("holds one agent")
            })
            .await?;
        choose(&session, "assign-agents", "//*[@role='option']").await?;
        session.screenshot("assign-01-chosen").await?;
        session.click("assign-submit").await?;
        session
            .wait_for_text("assign-result-state", "done", |t| t == "done")
            .await?;
        session.screenshot("assign-02-done").await?;

        // A whole team to a Vambe contact: one call per agent, each reported.
        pick_target(&session, &contact).await?;
        // Picking focuses the agent list (for the keyboard); close it first.
        session
            .by_test_id("assign-agents")
            .await?
            .send_keys(Key::Escape)
            .await?;
        choose(
            &session,
            "assign-teams",
            "//*[@role='option'][starts-with(normalize-space(.), 'Support (Demo HelpCrunch')]",
        )
        .await?;
        // Who it reaches is said before sending.
        session
            .wait_for_text("assign-preview", "who the team reaches", |t| {
                t.starts_with("Goes to")
            })
            .await?;
        session.screenshot("assign-03-team-chosen").await?;
        session.click("assign-submit").await?;
        // Members with no agent on Vambe are left out: a partial result, said so.
        session
            .wait_for_text("assign-results", "the team's results", |t| {
                t.contains("Result: done") || t.contains("Result: partial")
            })
            .await?;
        let states = session
            .driver
            .find_all(By::Css("[data-testid='assign-result-state']"))
            .await?;
        anyhow::ensure!(states.len() >= 2, "one result per agent: {}", states.len());
        session.screenshot("assign-04-team-done").await?;

        // History shows the operations, newest first.
        session.click("see-history").await?;
        session
            .wait_for_text("history-table", "the team's operations", |t| {
                t.matches("done").count() > states.len()
            })
            .await?;
        session.screenshot("history-01-after-team").await?;

        // Vambe goes off the network: the change waits, visibly.
        let http = reqwest::Client::new();
        http.post(format!("{control}/vendors/vambe/halt"))
            .send()
            .await?
            .error_for_status()?;
        session.click("nav-assign").await?;
        pick_target(&session, &second).await?;
        choose(&session, "assign-agents", "//*[@role='option']").await?;
        session.click("assign-submit").await?;
        session
            .wait_for_text("assign-result-state", "waiting", |t| t == "waiting")
            .await?;
        session.screenshot("assign-05-queued-offline").await?;
        session.click("nav-history").await?;
        session
            .wait_for_text("waiting-count", "one waiting change", |t| t == "1")
            .await?;
        session.screenshot("history-02-waiting").await?;

        // Vambe is back: the background sender sends it, and History says so.
        http.post(format!("{control}/vendors/vambe/resume"))
            .send()
            .await?
            .error_for_status()?;
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            // The table re-renders as the sender reports: read it afresh each time,
            // and take a row that went stale mid-read as "not yet".
            // WebKitWebDriver can fail the find itself when the rows are
            // replaced under it: that too is "not yet".
            let rows = session
                .driver
                .find_all(By::Css("[data-testid='history-state']"))
                .await
                .unwrap_or_default();
            let text = match rows.first() {
                Some(e) => e
                    .prop("textContent")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                None => String::new(),
            };
            if text == "done"
                && session
                    .driver
                    .find_all(By::Css("[data-testid='waiting-count']"))
                    .await
                    .is_ok_and(|found| found.is_empty())
            {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the waiting change was not sent after Vambe returned (newest row: {text})"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        session.screenshot("history-03-sent-after-return").await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("assign-failure").await;
    }
    session.quit().await?;
    outcome
}
