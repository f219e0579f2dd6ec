//! The Targets view as a reassignment's scope, in the real window on the demo
//! workspace: one filter, "Select all N matching", and a plan that accounts for
//! every match. Its own binary: end-to-end tests run one window at a time.

use std::time::Duration;

use switchboard_e2e::Session;
use thirtyfour::prelude::*;

/// The Targets view as the scope: a filter's every match (not the rows on
/// screen) planned for reassignment. Screenshots of the selection and the plan.
#[tokio::test(flavor = "multi_thread")]
async fn every_target_a_filter_matches_is_planned_from_the_targets_view() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-targets-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let outcome = async {
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
        session.click("nav-targets").await?;
        // The demo's first sync goes vendor by vendor (reading CCAI Platform's
        // activity log on the way): wait until every connection has synced.
        loop {
            let mut badges = Vec::new();
            for b in session
                .driver
                .find_all(By::Css("[data-testid='freshness-badge']"))
                .await?
            {
                badges.push(b.prop("textContent").await?.unwrap_or_default());
            }
            if badges.len() == 5 && badges.iter().all(|t| t.contains(": synced ")) {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the demo's sync never finished: {badges:?}"
            );
            tokio::time::sleep(Duration::from_millis(700)).await;
            session.click("nav-history").await?;
            session.click("nav-targets").await?;
        }
        session
            .click_xpath("//label[normalize-space()='Unassigned']")
            .await?;
        // The demo's first sync may still be adding targets: wait until the
        // count holds still.
        let mut count = session
            .wait_for_text("targets-count", "the unassigned count", |t| {
                t.ends_with(" match")
            })
            .await?;
        loop {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let now = session.text_of("targets-count").await?;
            if now == count {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the count never settled: {now}"
            );
            count = now;
        }
        let matching: usize = count.trim_end_matches(" match").replace(',', "").parse()?;
        anyhow::ensure!(matching > 20, "{count}");
        session.click("select-all-matching").await?;
        let selection = session
            .wait_for_text("targets-selection", "all selected", |t| {
                t.contains("matching selected")
            })
            .await?;
        anyhow::ensure!(
            selection.contains(&format!("All {count} selected").replace(" match ", " matching ")),
            "{count}: {selection}"
        );
        session.screenshot("targets-01-all-matching").await?;
        session.click("targets-reassign").await?;
        session.by_test_id("reassign-modal").await?;
        session.click("reassign-to").await?;
        session
            .driver
            .query(By::Css("[role='option']"))
            .and_displayed()
            .wait(Duration::from_secs(10), Duration::from_millis(100))
            .first()
            .await?
            .click()
            .await?;
        session
            .by_test_id("reassign-to")
            .await?
            .send_keys(Key::Escape)
            .await?;
        let plan = session
            .wait_for_text("reassign-plan", "the plan", |t| t.contains(" move, "))
            .await?;
        session.screenshot("targets-02-plan").await?;
        let (moved, skipped) = plan
            .split_once(" move, ")
            .map(|(m, rest)| {
                (
                    m.trim().parse::<usize>().unwrap_or(0),
                    rest.split(' ')
                        .next()
                        .and_then(|n| n.parse::<usize>().ok())
                        .unwrap_or(0),
                )
            })
            .unwrap_or((0, 0));
        anyhow::ensure!(
            moved + skipped == matching,
            "every match is in the plan, moved or skipped: {plan}"
        );
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("targets-failure").await;
    }
    session.quit().await?;
    outcome
}
