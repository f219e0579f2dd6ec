//! The app as a desktop app: a second launch on the same data folder does not
//! start a second app (a second background sender on one database); it hands
//! its `--demo` to the running window, brings that to the front and exits. A
//! launch on another data folder is its own app. Its own binary: end-to-end
//! tests run one window at a time.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_e2e::{Session, app_binary};

/// Waits up to `within` for `child` to exit; its exit code, or None if it runs on.
fn exit_code(child: &mut std::process::Child, within: Duration) -> anyhow::Result<Option<i32>> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status.code().unwrap_or(-1)));
        }
        if Instant::now() > deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_hands_its_demo_to_the_running_window_and_exits() -> anyhow::Result<()> {
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-desktop-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start(&namespace).await?;
    let outcome = async {
        // The first window, on an empty workspace, offers the demo.
        session.by_test_id("start-demo").await?;
        let launch = |data_dir: &std::path::Path| -> anyhow::Result<std::process::Child> {
            Ok(Command::new(app_binary()?)
                .arg("--demo")
                .env("SWITCHBOARD_DATA_DIR", data_dir)
                .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
                .env("DISPLAY", &session.display)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?)
        };
        let mut second = launch(session.data_dir.path())?;
        let code = exit_code(&mut second, Duration::from_secs(30))?;
        if code.is_none() {
            let _ = second.kill();
        }
        anyhow::ensure!(
            code == Some(0),
            "a second launch on the same data folder should exit at once, handing over; it {}",
            code.map_or("kept running".to_string(), |c| format!("exited with {c}"))
        );
        // The running window took the second launch's --demo: the demo's
        // connections appear in it.
        let deadline = Instant::now() + Duration::from_secs(60);
        while session.count("connection-card").await? < 5 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the running window never showed the demo's five connections"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        session.screenshot("desktop-01-second-launch-demo").await?;

        // Another data folder is another workspace: that launch runs on.
        let other = switchboard_e2e::data_dir()?;
        let mut elsewhere = launch(other.path())?;
        let code = exit_code(&mut elsewhere, Duration::from_secs(5))?;
        let _ = elsewhere.kill();
        let _ = elsewhere.wait();
        anyhow::ensure!(
            code.is_none(),
            "a launch on another data folder exited ({code:?})"
        );
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("desktop-failed").await;
    }
    session.quit().await?;
    outcome
}
