//! The status board in the real window, on the demo workspace: it fills from the
//! simulator, a team is set to a custom status, and the per-agent results show
//! the two agents kept because they are on a call. Screenshots of each step.

use std::time::Duration;

use switchboard_e2e::Session;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_board_fills_and_a_team_moves_to_a_custom_status() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-status-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let outcome = async {
        session.click("nav-status").await?;
        // The demo syncs in the background; CCAI Platform's agents appear with it.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let chips = session.count("status-chip").await?;
            if chips >= 10 {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the board never filled ({chips} statuses)"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            // The board reads the cache once; come back to it after the sync.
            session.click("nav-history").await?;
            session.click("nav-status").await?;
        }
        session
            .wait_for_text("board-freshness", "a live read", |t| {
                t.contains("live, read")
            })
            .await?;
        session.screenshot("status-01-board").await?;

        let team_box =
            "//tr[.//*[normalize-space(text())='Tier 1 Support']]//input[@type='checkbox']";
        session.click_xpath(team_box).await?;
        session
            .wait_for_text("board-selection", "one team", |t| t.starts_with("1 team"))
            .await?;
        session.click("board-set-status").await?;
        session
            .click_xpath("//*[@role='option'][normalize-space(.)='Training']")
            .await?;
        session
            .by_test_id("board-set-status")
            .await?
            .send_keys(Key::Escape)
            .await?;
        session.screenshot("status-02-team-chosen").await?;
        session.click("board-apply").await?;
        let results = session
            .wait_for_text("board-results", "per-agent results", |t| t.contains("kept"))
            .await?;
        anyhow::ensure!(
            results.contains("2 kept"),
            "two agents on a call: {results}"
        );
        let mut states = Vec::new();
        for k in session
            .driver
            .find_all(By::Css("[data-testid='board-result']"))
            .await?
        {
            states.push(
                k.prop("textContent")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            );
        }
        anyhow::ensure!(
            states.iter().filter(|s| *s == "kept").count() == 2,
            "{states:?}"
        );
        session.screenshot("status-03-results").await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("status-failure").await;
    }
    session.quit().await?;
    outcome
}
