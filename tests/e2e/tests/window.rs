//! The window opens the size it was left: its size and place are saved in the
//! data folder as soon as it stops moving (not only at a clean exit), and the
//! next start brings them back. Its own binary: end-to-end tests run one
//! window at a time.

use std::time::{Duration, Instant};

use switchboard_e2e::Session;

#[tokio::test(flavor = "multi_thread")]
async fn the_window_opens_the_size_it_was_left() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-window-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start(&namespace).await?;
    // A size no first window has: the next start must bring it back.
    session.driver.set_window_rect(0, 0, 1010, 710).await?;
    let state = session.data_dir.path().join("window-state.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    let saved = loop {
        let text = std::fs::read_to_string(&state).unwrap_or_default();
        if text.contains("\"width\"") {
            break text;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the window's size was not saved in {state:?} (it holds {text:?})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let session = session.reopen(&[]).await?;
    let outcome = async {
        let rect = session.driver.get_window_rect().await?;
        anyhow::ensure!(
            (rect.width - 1010).abs() <= 20 && (rect.height - 710).abs() <= 60,
            "the window opened at {}x{}, not the 1010x710 it was left at (saved: {saved})",
            rect.width,
            rect.height
        );
        Ok(())
    }
    .await;
    session.quit().await?;
    outcome
}
