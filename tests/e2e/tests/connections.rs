//! Issue 4 in the real window: a wrong key is explained, the fixed one tests OK,
//! a sync fills the roster, and with the vendor gone the same data stays
//! browsable with the connection marked unreachable. Screenshots of each step.

use std::time::{Duration, Instant};

use switchboard_e2e::Session;
use switchboard_simulator::{SimConfig, Simulator, Vendor};

async fn wait_for_attr(
    session: &Session,
    test_id: &str,
    attr: &str,
    want: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let value = match session.by_test_id(test_id).await {
            Ok(e) => e.attr(attr).await?.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if value == want {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{test_id}[{attr}] is {value:?}, never {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_sync_and_browse_offline() -> anyhow::Result<()> {
    let sim = Simulator::start(SimConfig::demo(9)).await?;
    let namespace = format!(
        "io.switchboard.desktop.test.e2e-conn-{}",
        uuid::Uuid::new_v4()
    );
    let session = Session::start(&namespace).await?;
    let outcome = async {
        session.by_test_id("empty-connections").await?;
        session.screenshot("01-connections-empty").await?;

        // A wrong key: the test says so in plain words.
        session.click("add-connection").await?;
        session.click("field-vendor").await?;
        session.click_text("HelpCrunch").await?;
        session
            .type_into("field-display_name", "Support HelpCrunch")
            .await?;
        session.type_into("field-secret", "not-the-key").await?;
        session.click("toggle-advanced").await?;
        session
            .type_into("field-base_url", &sim.base_url(Vendor::Helpcrunch))
            .await?;
        session.click("form-test").await?;
        let refused = session
            .wait_for_text("test-outcome", "a refusal", |t| {
                t.contains("refused the key")
            })
            .await?;
        anyhow::ensure!(
            refused.contains("Invalid token"),
            "the vendor's own words are shown: {refused}"
        );
        session.screenshot("02-connection-wrong-key").await?;

        // A vendor's message with markup in it is shown as text, never run.
        let markup = "<img src=x onerror=\"document.title='pwned'\"> <b>bold</b>";
        sim.inspector().add_fault(switchboard_simulator::Fault {
            vendor: Vendor::Helpcrunch,
            endpoint: None,
            kind: switchboard_simulator::FaultKind::Raw {
                status: 400,
                content_type: "application/json".into(),
                body: serde_json::json!({"errors": [{"code": "bad", "message": markup}]})
                    .to_string(),
            },
            times: None,
            probability: None,
        });
        session.click("form-test").await?;
        let shown = session
            .wait_for_text("test-outcome", "the vendor's markup", |t| {
                t.contains("<img src=x")
            })
            .await?;
        anyhow::ensure!(shown.contains("<b>bold</b>"), "shown as written: {shown}");
        let outcome = session.by_test_id("test-outcome").await?;
        let elements = outcome
            .find_all(thirtyfour::By::Css("img, b, script"))
            .await?;
        anyhow::ensure!(elements.is_empty(), "the vendor's markup became elements");
        let title = session.driver.title().await?;
        anyhow::ensure!(title != "pwned", "the vendor's script ran");
        session.screenshot("02b-vendor-markup-as-text").await?;
        sim.inspector().clear_faults(None);

        // The right key: connected, then saved.
        session
            .type_into("field-secret", &sim.credentials().helpcrunch_api_key)
            .await?;
        session.click("form-test").await?;
        session
            .wait_for_text("test-outcome", "success", |t| {
                t.contains("Connected to HelpCrunch")
            })
            .await?;
        session.screenshot("03-connection-test-ok").await?;
        session.click("form-save").await?;

        // Sync: the card says how much came, and people appear.
        session.click("sync-connection").await?;
        let line = session
            .wait_for_text("sync-line", "a finished sync", |t| t.starts_with("Synced"))
            .await?;
        let agents = sim
            .world()
            .helpcrunch
            .read()
            .map(|d| d.agents.len())
            .unwrap_or(0);
        anyhow::ensure!(
            line.contains(&format!("{agents} agents")),
            "sync line: {line}"
        );
        session.screenshot("04-connection-synced").await?;
        session.click("nav-people").await?;
        let people = session
            .wait_for_text("people-count", "people", |t| {
                t == format!("{agents} people")
            })
            .await?;
        anyhow::ensure!(people.ends_with("people"));
        session.screenshot("05-people").await?;

        // The vendor goes away: the connection is marked, the cache stays browsable.
        sim.halt(Vendor::Helpcrunch);
        session.click("nav-connections").await?;
        session.click("test-connection").await?;
        wait_for_attr(&session, "health-badge", "data-state", "unreachable").await?;
        session.screenshot("06-connection-unreachable").await?;
        session.click("nav-targets").await?;
        let chats = sim
            .world()
            .helpcrunch
            .read()
            .map(|d| d.chats.len())
            .unwrap_or(0);
        session
            .wait_for_text("targets-count", "every chat", |t| {
                t == format!("{chats} match")
            })
            .await?;
        wait_for_attr(&session, "freshness-badge", "data-unreachable", "true").await?;
        session.screenshot("07-targets-offline").await?;
        session.type_into("targets-search", "customer").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        session.click("nav-people").await?;
        session
            .wait_for_text("people-count", "the same people offline", |t| t == people)
            .await?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("connections-failure").await;
    }
    session.quit().await?;
    outcome
}
