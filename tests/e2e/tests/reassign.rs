//! Reassigning everything one person holds, in the real window on the demo
//! workspace: from the People view, choose two people, see the plan (counts,
//! skipped items, the time at each vendor's limit), run it and see every
//! item's fate, then undo it. Screenshots of each step.

use std::time::Duration;

use switchboard_e2e::Session;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_person_s_work_moves_from_the_people_view() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-reassign-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let outcome = async {
        // The demo syncs in the background: people hold work once it has.
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        loop {
            session.click("nav-people").await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            if session.count("reassign-person").await? > 0 {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "nobody ever held work"
            );
            session.click("nav-history").await?;
        }
        session.click("reassign-person").await?;
        session.by_test_id("reassign-modal").await?;
        session.screenshot("reassign-01-choose").await?;
        session.click("reassign-to").await?;
        for _ in 0..2 {
            session
                .driver
                .query(By::Css("[role='option']:not([aria-selected='true'])"))
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
        session.click("reassign-confirm").await?;
        // The job runs in the background; the window watches it to the end.
        let results = session
            .wait_for_text("reassign-results", "the job's end", |t| {
                t.contains(" 0 waiting")
            })
            .await?;
        session.screenshot("reassign-03-results").await?;
        anyhow::ensure!(
            results.contains(" done, 0 failed, 0 in conflict"),
            "{results}"
        );
        // Undo: the plan of putting back, then the undo job to its end.
        session.click("reassign-undo").await?;
        let undo = session
            .wait_for_text("undo-plan", "the undo's plan", |t| t.contains("go back"))
            .await?;
        session.screenshot("reassign-04-undo-plan").await?;
        anyhow::ensure!(undo.contains(" 0 changed since"), "{undo}");
        session.click("undo-confirm").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let undone = session
            .wait_for_text("reassign-results", "the undo's end", |t| {
                t.contains(" 0 waiting")
            })
            .await?;
        session.screenshot("reassign-05-undone").await?;
        anyhow::ensure!(
            undone.contains(" done, 0 failed, 0 in conflict"),
            "{undone}"
        );
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
