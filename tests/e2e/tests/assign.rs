//! Assigning in the real window, on the demo workspace: find a chat, choose an
//! agent, assign, and see the vendor's answer. Screenshots of each step.

use std::time::Duration;

use switchboard_e2e::Session;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn assign_an_agent_to_a_chat_on_the_demo_workspace() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-assign-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
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
        session.click("assign-agents").await?;
        let option = session
            .driver
            .query(By::XPath("//*[@role='option']"))
            .wait(Duration::from_secs(10), Duration::from_millis(100))
            .first()
            .await?;
        option.click().await?;
        // Close any list still open, as a manager would.
        session
            .by_test_id("assign-agents")
            .await?
            .send_keys(Key::Escape)
            .await?;
        session.screenshot("assign-01-chosen").await?;
        session.click("assign-submit").await?;
        session
            .wait_for_text("assign-result-state", "done", |t| t == "done")
            .await?;
        session.screenshot("assign-02-done").await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("assign-failure").await;
    }
    session.quit().await?;
    outcome
}
