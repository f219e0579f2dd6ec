//! A cover in the real window on the demo workspace: someone goes home sick
//! now until two minutes from now; their work moves to a colleague at once
//! and comes back by itself when the cover ends (the window's scheduler).
//! Its own binary: end-to-end tests run one window at a time.

use std::time::{Duration, Instant};

use switchboard_e2e::Session;
use switchboard_store::{DATABASE_FILE, Store};
use thirtyfour::prelude::*;

/// Two people with HelpCrunch agents, the first holding chats, and how many
/// assignments the first one's agents hold on every platform.
fn cast(cache: &Store) -> anyhow::Result<Option<(String, String, i64)>> {
    Ok(cache.read(|db| {
        let mut stmt = db.prepare(
            "SELECT p.id, p.display_name, (SELECT count(*) FROM assignments s JOIN agents g ON g.id = s.agent_id WHERE g.person_id = p.id) AS held
             FROM people p JOIN agents a ON a.person_id = p.id JOIN connections c ON c.id = a.connection_id
             WHERE c.vendor = 'helpcrunch' AND a.active = 1 GROUP BY p.id ORDER BY held DESC, p.id LIMIT 2",
        )?;
        let rows: Vec<(i64, String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(match rows.as_slice() {
            [a, b] if a.2 > 0 => Some((a.1.clone(), b.1.clone(), a.2)),
            _ => None,
        })
    })?)
}

fn held_by(cache: &Store, name: &str) -> anyhow::Result<i64> {
    Ok(cache.read(|db| {
        Ok(db.query_row(
            "SELECT count(*) FROM assignments s JOIN agents g ON g.id = s.agent_id JOIN people p ON p.id = g.person_id WHERE p.display_name = ?1",
            [name],
            |r| r.get(0),
        )?)
    })?)
}

async fn pick(session: &Session, test_id: &str, option: &str) -> anyhow::Result<()> {
    session.click(test_id).await?;
    session
        .driver
        .query(By::XPath(format!(
            "//*[@role='option'][normalize-space()='{option}']"
        )))
        .and_displayed()
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn someone_goes_home_sick_their_work_moves_and_comes_back_by_itself() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-covers-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start_with(&namespace, &["--demo"]).await?;
    let outcome = async {
        let cache = Store::open(session.data_dir.path().join(DATABASE_FILE))?;
        let deadline = Instant::now() + Duration::from_secs(120);
        // The demo's first sync has settled when what they hold holds still.
        let (ana, bruno, mut before) = loop {
            if let Some(found) = cast(&cache)? {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if cast(&cache)?.is_some_and(|again| again == found) {
                    break found;
                }
            }
            anyhow::ensure!(Instant::now() < deadline, "the demo never synced");
            tokio::time::sleep(Duration::from_millis(700)).await;
        };
        session.click("nav-covers").await?;
        session.click("cover-add").await?;
        pick(&session, "cover-person", &ana).await?;
        session.click("cover-from-now").await?;
        // Until two minutes from now, in this computer's time.
        session
            .driver
            .execute(
                "const el = document.querySelector('[data-testid=\"cover-until\"]');
                 const d = new Date(Date.now() + 2 * 60 * 1000);
                 const pad = (n) => String(n).padStart(2, '0');
                 const v = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
                 Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, v);
                 el.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![],
            )
            .await?;
        pick(&session, "cover-to", &bruno).await?;
        // The list of people closes, as a manager would close it.
        session
            .by_test_id("cover-to")
            .await?
            .send_keys(Key::Escape)
            .await?;
        session.screenshot("covers-01-form").await?;
        session.click("cover-save").await?;
        let row = session
            .wait_for_text("cover-row", "the work handed over", |t| t.contains("under way") && t.contains("Handed over:") && !t.contains("waiting"))
            .await?;
        anyhow::ensure!(row.contains(&format!("{bruno} covers")), "{row}");
        session.screenshot("covers-02-under-way").await?;
        let during = held_by(&cache, &ana)?;
        anyhow::ensure!(during < before, "{ana} still holds {during} of {before}");
        // The scheduler hands it back when the cover ends (within half a minute).
        let deadline = Instant::now() + Duration::from_secs(240);
        let row = loop {
            session.click("nav-history").await?;
            session.click("nav-covers").await?;
            let row = session.text_of("cover-row").await?;
            if row.contains("ended") && row.contains("Handed back:") {
                break row;
            }
            anyhow::ensure!(Instant::now() < deadline, "never handed back: {row}");
            tokio::time::sleep(Duration::from_secs(5)).await;
        };
        session.screenshot("covers-03-handed-back").await?;
        anyhow::ensure!(!row.contains("need you"), "{row}");
        // Back as before (the demo changes no assignments by itself).
        let after = held_by(&cache, &ana)?;
        before = before.max(0);
        anyhow::ensure!(after == before, "{ana} held {before}, holds {after} after the cover");
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("covers-failed").await;
    }
    session.quit().await?;
    outcome
}
