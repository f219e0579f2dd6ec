//! The status board in the real window, on the demo workspace: it fills from the
//! simulator, a team is set to a custom status, and the per-agent results show
//! the two agents kept because they are on a call. Screenshots of each step.

use std::time::Duration;

use switchboard_e2e::Session;
use thirtyfour::prelude::*;

/// Waits until the chart with this `data-testid` has drawn its bars or areas.
async fn wait_for_svg(session: &Session, test_id: &str) -> anyhow::Result<()> {
    let drawn = format!(
        "[data-testid='{test_id}'] .recharts-bar-rectangle, [data-testid='{test_id}'] .recharts-area-area"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        // A chart that redraws while it is looked for answers "stale": look again.
        match session.driver.find_all(By::Css(&drawn)).await {
            Ok(found) if !found.is_empty() => return Ok(()),
            Ok(_) => {}
            Err(e) if std::time::Instant::now() >= deadline => return Err(e.into()),
            Err(_) => {}
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{test_id} drew nothing"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_board_fills_and_a_team_moves_to_a_custom_status() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-status-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let outcome = async {
        // The demo syncs in the background; CCAI Platform's agents appear with it.
        session.status_board_read_live().await?;
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

        // The board's filter is the engine's: a name narrows it to that person.
        let everyone = session.count("board-person").await?;
        let first = session.text_of("board-person").await?;
        let name = first.trim().to_owned();
        session.type_into("board-search", &name).await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mut shown = Vec::new();
            for p in session
                .driver
                .find_all(By::Css("[data-testid='board-person']"))
                .await?
            {
                shown.push(p.prop("textContent").await.ok().flatten().unwrap_or_default());
            }
            if !shown.is_empty()
                && shown.len() < everyone
                && shown.iter().all(|t| t.contains(&name))
            {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "searching {name:?} left {} of {everyone}: {shown:?}",
                shown.len()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        session.screenshot("status-04-search").await?;

        // The dashboards render from the cache: each tab, looked at.
        session.click("nav-dashboards").await?;
        for chart in ["chart-days", "chart-share"] {
            wait_for_svg(&session, chart).await?;
        }
        session.screenshot("dashboard-01-time-in-status").await?;
        session.click("tab-timeline").await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while session.count("timeline-segment").await? == 0 {
            anyhow::ensure!(std::time::Instant::now() < deadline, "no timeline segments");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        session.screenshot("dashboard-02-timeline").await?;
        session.click("tab-workload").await?;
        wait_for_svg(&session, "chart-workload").await?;
        session
            .wait_for_text("health", "the health panel", |t| {
                t.contains("Demo CCAI Platform")
            })
            .await?;
        session.screenshot("dashboard-03-workload").await?;
        session.click("tab-alerts").await?;
        session.by_test_id("mismatches").await?;
        session.screenshot("dashboard-04-alerts").await?;

        // A small laptop: the board's columns all fit, nothing scrolls sideways.
        session.resize(1024, 700).await?;
        session.click("nav-status").await?;
        session.by_test_id("board-table").await?;
        let sideways: bool = session
            .driver
            .execute(
                "const t = document.querySelector(\"[data-testid='board-table']\"); return t.scrollWidth > t.clientWidth + 1;",
                Vec::new(),
            )
            .await?
            .convert()?;
        anyhow::ensure!(!sideways, "the status board scrolls sideways at 1024×700");
        session.screenshot("layout-01-status-1024x700").await?;
        session.click("nav-dashboards").await?;
        wait_for_svg(&session, "chart-days").await?;
        session.screenshot("layout-02-dashboards-1024x700").await?;
        session.click("tab-workload").await?;
        wait_for_svg(&session, "chart-workload").await?;
        session.screenshot("layout-03-workload-1024x700").await?;

        // A big monitor: the charts grow with the window.
        session.resize(1920, 1200).await?;
        session.click("tab-status").await?;
        wait_for_svg(&session, "chart-days").await?;
        let tall: f64 = session
            .driver
            .execute(
                "return document.querySelector(\"[data-testid='chart-days']\").getBoundingClientRect().height;",
                Vec::new(),
            )
            .await?
            .convert()?;
        anyhow::ensure!(tall > 500.0, "the chart stays {tall}px tall at 1920×1200");
        session.screenshot("layout-04-dashboards-1920x1200").await?;
        session.click("nav-status").await?;
        session.by_test_id("board-table").await?;
        session.screenshot("layout-05-status-1920x1200").await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("status-failure").await;
    }
    session.quit().await?;
    outcome
}
