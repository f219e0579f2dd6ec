//! Keyboard first, and accessible, in the real window on the demo workspace:
//! axe-core finds no serious or critical violation on any view; one whole
//! assignment and one team status change are made with the keyboard alone (no
//! clicks): Ctrl+Shift+A, typing, arrows, Enter, Ctrl+Enter; and the command
//! palette (Ctrl+K) to find the team. Its own binary: end-to-end tests run one
//! window at a time.

use std::time::{Duration, Instant};

use switchboard_e2e::Session;
use switchboard_store::{DATABASE_FILE, Store};
use thirtyfour::prelude::*;

/// Presses `key` with Ctrl (and Shift) held, on whatever has the focus.
async fn chord(session: &Session, shift: bool, key: &str) -> anyhow::Result<()> {
    let mut chain = session.driver.action_chain().key_down(Key::Control);
    if shift {
        chain = chain.key_down(Key::Shift);
    }
    chain = chain.send_keys(key);
    if shift {
        chain = chain.key_up(Key::Shift);
    }
    chain.key_up(Key::Control).perform().await?;
    Ok(())
}

/// Types on whatever has the focus, as a person would.
async fn keys(session: &Session, text: &str) -> anyhow::Result<()> {
    session
        .driver
        .action_chain()
        .send_keys(text)
        .perform()
        .await?;
    Ok(())
}

/// Runs axe-core on the page as it is: the serious and critical violations.
/// `within` is a CSS selector for the part to check (a dialog over the page).
async fn axe(session: &Session, within: &str) -> anyhow::Result<Vec<String>> {
    let found = session
        .driver
        .execute(
            "return axe.run(document.querySelector(arguments[0]), { resultTypes: ['violations'] }).then((r) => r.violations
               .filter((v) => v.impact === 'serious' || v.impact === 'critical')
               .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}): ${v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} [${n.failureSummary.replace(/\\s+/g, ' ')}]`).join(' | ')}`));",
            vec![serde_json::json!(within)],
        )
        .await?;
    Ok(serde_json::from_value(found.json().clone())?)
}

/// The demo is synced far enough: HelpCrunch's chats and CCAI Platform's teams.
fn demo_ready(cache: &Store) -> anyhow::Result<bool> {
    Ok(cache.read(|db| {
        let n: i64 = db.query_row(
            "SELECT (SELECT count(*) FROM targets t JOIN connections c ON c.id = t.connection_id WHERE c.vendor = 'helpcrunch')
                  * (SELECT count(*) FROM teams t JOIN connections c ON c.id = t.connection_id WHERE c.vendor = 'ccai_platform')",
            [],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    })?)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_view_passes_axe_and_an_assignment_and_a_status_change_need_no_mouse()
-> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-keyboard-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let outcome = async {
        let cache = Store::open(session.data_dir.path().join(DATABASE_FILE))?;
        let deadline = Instant::now() + Duration::from_secs(120);
        while !demo_ready(&cache)? {
            anyhow::ensure!(Instant::now() < deadline, "the demo never synced");
            tokio::time::sleep(Duration::from_millis(700)).await;
        }

        // axe-core, from the UI's own npm packages, into the running window.
        let source = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../ui/node_modules/axe-core/axe.min.js"),
        )?;
        session.driver.execute(&source, vec![]).await?;
        // Every view the navigation offers, read from the window itself.
        let mut views = Vec::new();
        for link in session
            .driver
            .find_all(By::Css("[data-testid^='nav-']"))
            .await?
        {
            if let Some(id) = link.attr("data-testid").await? {
                views.push(id);
            }
        }
        anyhow::ensure!(views.len() >= 10, "the navigation lists only {views:?}");
        let mut violations = Vec::new();
        for view in &views {
            session.click(view).await?;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            for v in axe(&session, "body").await? {
                violations.push(format!("{view}: {v}"));
            }
        }
        // The palette and the shortcuts sheet too.
        chord(&session, false, "k").await?;
        tokio::time::sleep(Duration::from_millis(700)).await;
        for v in axe(&session, "[role='dialog']").await? {
            violations.push(format!("palette: {v}"));
        }
        keys(&session, &Key::Escape.value().to_string()).await?;
        anyhow::ensure!(
            violations.is_empty(),
            "axe-core found serious or critical violations:\n{}",
            violations.join("\n")
        );

        // An assignment by keyboard alone: Assign from anywhere, the search
        // focused; type the chat's id, Enter picks it and focuses the agent
        // list; ↓ and Enter choose the first agent; Ctrl+Enter assigns.
        tokio::time::sleep(Duration::from_millis(500)).await;
        chord(&session, true, "a").await?;
        session.by_test_id("assign-search").await?;
        keys(&session, "5214011").await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while session.count("assign-target").await? != 1 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "chat 5214011 never appeared alone"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        keys(&session, &Key::Enter.value().to_string()).await?;
        session.by_test_id("single-assignee-note").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        keys(
            &session,
            &format!("{}{}", Key::Down.value(), Key::Enter.value()),
        )
        .await?;
        session.screenshot("keyboard-01-assign-chosen").await?;
        chord(&session, false, &Key::Enter.value().to_string()).await?;
        session
            .wait_for_text("assign-result-state", "done", |t| t == "done")
            .await?;
        session.screenshot("keyboard-02-assigned").await?;

        // A team's status by keyboard alone: the palette finds the team and
        // opens the board on it, the status picker focused; ↓ and Enter choose
        // a status; Ctrl+Enter applies it.
        chord(&session, false, "k").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        keys(&session, "Tier 1 Support").await?;
        let selected =
            "//*[@data-selected='true' and contains(normalize-space(.), 'Tier 1 Support')]";
        session
            .driver
            .query(By::XPath(selected))
            .wait(Duration::from_secs(10), Duration::from_millis(100))
            .first()
            .await?;
        session.screenshot("keyboard-03-palette").await?;
        keys(&session, &Key::Enter.value().to_string()).await?;
        session
            .wait_for_text("board-selection", "one team", |t| t.starts_with("1 team"))
            .await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let focused = session.driver.active_element().await?;
            if focused.attr("data-testid").await?.as_deref() == Some("board-set-status") {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the status picker never took the focus"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        keys(
            &session,
            &format!("{}{}", Key::Down.value(), Key::Enter.value()),
        )
        .await?;
        chord(&session, false, &Key::Enter.value().to_string()).await?;
        session
            .wait_for_text("board-results", "per-agent results", |t| !t.is_empty())
            .await?;
        session.screenshot("keyboard-04-status-applied").await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("keyboard-failed").await;
    }
    session.quit().await?;
    outcome
}
