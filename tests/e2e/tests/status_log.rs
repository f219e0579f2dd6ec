//! History without holes, in the real window: the app is closed while CCAI
//! Platform's agents go on changing status (through the simulator's control
//! API: the vendor does not stop when Switchboard does), and on reopening the
//! timeline shows those changes, marked as from the vendor's activity log.
//! The simulator runs in this test for the whole of it, as a real vendor
//! would; the workspace is the demo's, made by the command line.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_e2e::Session;
use switchboard_simulator::vendors::ccai::Data;
use switchboard_simulator::{SimConfig, Simulator};
use switchboard_store::{DATABASE_FILE, Store, agents, connections};
use thirtyfour::prelude::*;

/// The demo's seed (the engine's `demo::DEMO_SEED`): the same people as the
/// demo connections were made for.
const DEMO_SEED: u64 = 42;

/// The timeline's segments for one agent: (status, source) in order.
async fn segments_of(session: &Session, agent: &str) -> anyhow::Result<Vec<(String, String)>> {
    let xpath = format!(
        "//*[@data-testid='timeline-agent'][@data-agent='{agent}']//*[@data-testid='timeline-segment']"
    );
    let mut out = Vec::new();
    for s in session.driver.find_all(By::XPath(&xpath)).await? {
        out.push((
            s.attr("data-status").await?.unwrap_or_default(),
            s.attr("data-source").await?.unwrap_or_default(),
        ));
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_made_while_the_app_was_closed_come_back_from_the_vendors_log() -> anyhow::Result<()>
{
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-status-log-{}",
        uuid::Uuid::new_v4()
    );
    let dir = switchboard_e2e::data_dir()?;
    let cli = |args: &[&str]| -> anyhow::Result<()> {
        let out = Command::new(switchboard_e2e::app_binary()?)
            .args(args)
            .env("SWITCHBOARD_DATA_DIR", dir.path())
            .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "switchboard {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    // The demo's connections, made by the command line.
    cli(&["demo", "--no-sync"])?;
    // Its vendors, served from here on the ports its connections name.
    let (ports, ccai) = {
        let cache = Store::open(dir.path().join(DATABASE_FILE))?;
        let list = cache.read(connections::list)?;
        let mut ports = BTreeMap::new();
        let mut ccai = None;
        for c in list.iter().filter(|c| c.is_demo) {
            let url = reqwest::Url::parse(c.base_url.as_str())?;
            ports.insert(c.vendor.as_str().to_owned(), url.port().unwrap_or(0));
            if c.vendor.as_str() == "ccai_platform" {
                ccai = Some(c.id);
            }
        }
        (
            ports,
            ccai.ok_or_else(|| anyhow::anyhow!("no demo CCAI Platform"))?,
        )
    };
    let mut config = SimConfig::demo(DEMO_SEED);
    config.ports = ports;
    let sim = Simulator::start(config).await?;
    let control = sim.control_url();
    let http = reqwest::Client::new();
    // Synced from them (a sync reads CCAI Platform's activity log too).
    cli(&["sync", "--all"])?;

    let session = Session::start_in(&namespace, &["--demo"], &[], dir).await?;
    let outcome = async {
        session.status_board_read_live().await?;
        session.click("nav-dashboards").await?;
        session.click("tab-timeline").await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while session.count("timeline-segment").await? == 0 {
            anyhow::ensure!(Instant::now() < deadline, "no timeline segments");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        session.screenshot("status-log-01-before-closing").await?;
        anyhow::Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("status-log-failure").await;
    }
    let closed = session.close().await?;
    outcome?;

    // Closed: one agent goes to two statuses, a few seconds each.
    let vendor_id = Data::agent_id(5);
    let name = {
        let cache = Store::open(closed.data_dir.path().join(DATABASE_FILE))?;
        cache
            .read(|db| agents::find_by_vendor_id(db, ccai, &vendor_id.to_string()))?
            .ok_or_else(|| anyhow::anyhow!("agent {vendor_id} is not in the cache"))?
            .name
    };
    let mut moved = Vec::new();
    for status in [1, 2] {
        let answer: Value = http
            .put(format!(
                "{control}/state/ccai_platform/agents/{vendor_id}/status"
            ))
            .json(&json!({ "status_id": status }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        moved.push(answer["name"].as_str().unwrap_or_default().to_owned());
        tokio::time::sleep(Duration::from_secs(4)).await;
    }

    // Opened again: the timeline has both, from the vendor's log.
    let session = closed.reopen(&["--demo"]).await?;
    let outcome = async {
        session.status_board_read_live().await?;
        session.click("nav-dashboards").await?;
        session.click("tab-timeline").await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let seen = segments_of(&session, &name).await?;
            let logged = |status: &str| seen.iter().any(|(s, from)| s == status && from == "log");
            if moved.iter().all(|m| logged(m)) {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{name}'s timeline never showed {moved:?} from the log: {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(700)).await;
            // The timeline reads the cache when shown: show it again.
            session.click("tab-status").await?;
            session.click("tab-timeline").await?;
        }
        let legend = session.text_of("legend-from-log").await?;
        anyhow::ensure!(legend.contains("activity log"), "{legend}");
        session.screenshot("status-log-02-after-reopening").await?;

        // The time-in-status chart says how much came from the log.
        session.click("tab-status").await?;
        let said = session.text_of("from-log").await?;
        anyhow::ensure!(said.contains("agent-hours"), "{said}");
        // Logins per day and pick-up times, from the same log.
        session.click("tab-activity").await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while session.count("login-day").await? == 0 || session.count("pickups-row").await? == 0 {
            anyhow::ensure!(Instant::now() < deadline, "no logins or pick-ups shown");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        session
            .screenshot("status-log-03-logins-and-pickups")
            .await?;
        anyhow::Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("status-log-failure").await;
    }
    session.quit().await?;
    outcome
}
