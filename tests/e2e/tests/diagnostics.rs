//! The real window: it opens on the shell, the diagnostics view shows the schema
//! version and keychain state the backend really has, and a screenshot is saved.

use switchboard_e2e::Session;
use switchboard_secrets::{Keychain, Namespace};

#[tokio::test(flavor = "multi_thread")]
async fn the_diagnostics_view_shows_the_backend_facts() -> anyhow::Result<()> {
    let namespace = format!("io.switchboard.desktop.test.e2e-{}", uuid::Uuid::new_v4());

    // What the keychain says from this process, with the same namespace and session:
    // the window must show the same. Under CI it must be working.
    let expected_keychain =
        match Keychain::open_platform(Namespace::custom(&namespace).map_err(anyhow::Error::msg)?)
            .and_then(|k| k.check())
        {
            Ok(()) => "working",
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                anyhow::bail!("under CI the keychain must work for this test: {e}")
            }
            Err(switchboard_secrets::KeychainError::Unavailable { .. }) => "unavailable",
            Err(switchboard_secrets::KeychainError::Locked { .. }) => "locked",
            Err(_) => "failed",
        };

    let session = Session::start(&namespace).await?;
    let outcome = async {
        session.click("nav-diagnostics").await?;
        let schema = session.text_of("schema-version").await?;
        let want = format!(
            "{} (this version supports up to {})",
            switchboard_store::SCHEMA_VERSION,
            switchboard_store::SCHEMA_VERSION
        );
        anyhow::ensure!(
            schema == want,
            "schema version shown: {schema:?}, expected {want:?}"
        );

        let database = session.text_of("database-path").await?;
        let db_file = session
            .data_dir
            .path()
            .join(switchboard_store::DATABASE_FILE);
        anyhow::ensure!(
            database == db_file.display().to_string(),
            "database shown: {database}"
        );
        anyhow::ensure!(
            db_file.is_file(),
            "the app created its database at {}",
            db_file.display()
        );

        let state_badge = session
            .driver
            .find(thirtyfour::By::Css(
                "[data-testid='keychain-state'] [data-state]",
            ))
            .await?;
        let state = state_badge.attr("data-state").await?.unwrap_or_default();
        anyhow::ensure!(
            state == expected_keychain,
            "keychain state shown: {state}, expected {expected_keychain}"
        );

        let namespace_shown = session.text_of("keychain-namespace").await?;
        anyhow::ensure!(
            namespace_shown == namespace,
            "namespace shown: {namespace_shown}"
        );

        let nav = session.text_of("nav-diagnostics").await?;
        anyhow::ensure!(nav.contains("About & diagnostics"), "navigation: {nav}");
        let path = session.screenshot("diagnostics").await?;
        println!("screenshot: {}", path.display());
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = session.screenshot("diagnostics-failure").await;
    }
    session.quit().await?;
    outcome
}
