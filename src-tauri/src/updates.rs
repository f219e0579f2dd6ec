//! Updates (tauri-plugin-updater): where they come from is fixed when the app
//! is built (`SWITCHBOARD_UPDATER_ENDPOINT` and `SWITCHBOARD_UPDATER_PUBKEY` in
//! the build's environment); a build without both has no updater at all. An
//! update is only installed after its signature checks out against that key.

use std::time::Duration;

use serde::Serialize;
use tauri_plugin_updater::UpdaterExt;
use ts_rs::TS;

use crate::api::IpcError;

/// Where this build looks for updates, and the key their signatures must match.
#[derive(Debug, Clone)]
pub struct UpdateSource {
    pub endpoint: tauri::Url,
    pub pubkey: String,
}

impl UpdateSource {
    /// The source this build was made with, if any.
    pub fn built_in() -> Option<Self> {
        Self::new(
            option_env!("SWITCHBOARD_UPDATER_ENDPOINT")?,
            option_env!("SWITCHBOARD_UPDATER_PUBKEY")?,
        )
    }

    /// A source from an endpoint (https, or http on this machine only) and a
    /// public key (`tauri signer generate` makes the pair); `None` when either
    /// is empty or the endpoint is not such a URL.
    pub fn new(endpoint: &str, pubkey: &str) -> Option<Self> {
        let endpoint = tauri::Url::parse(endpoint.trim()).ok()?;
        let loopback = matches!(
            endpoint.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]")
        );
        let allowed = endpoint.scheme() == "https" || (endpoint.scheme() == "http" && loopback);
        (allowed && !pubkey.trim().is_empty()).then(|| Self {
            endpoint,
            pubkey: pubkey.trim().to_owned(),
        })
    }

    fn is_loopback(&self) -> bool {
        self.endpoint.scheme() == "http"
    }
}

/// What a check for updates found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UpdateCheck {
    /// False when this build has no update source: nothing is ever checked.
    pub configured: bool,
    pub current_version: String,
    /// The newer version on offer, if any.
    pub available: Option<AvailableUpdate>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AvailableUpdate {
    pub version: String,
    /// The release notes, as published.
    pub notes: Option<String>,
    /// When it was published (RFC 3339), if the endpoint says.
    pub published: Option<String>,
}

/// What the window asks of the updater.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateAction {
    Check,
    /// Download, verify, install and restart.
    Install,
}

impl UpdateCheck {
    pub fn not_configured(current_version: &str) -> Self {
        Self {
            configured: false,
            current_version: current_version.to_owned(),
            available: None,
        }
    }
}

type UpdateFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<UpdateCheck, IpcError>> + Send>>;
type Updater = Box<dyn Fn(UpdateAction) -> UpdateFuture + Send + Sync>;

/// The running app's updater. Process-wide, not in the app's state: updates
/// must work when the workspace could not open (a database from a newer
/// version is fixed by updating).
static UPDATER: std::sync::OnceLock<Updater> = std::sync::OnceLock::new();

/// Checks for a newer version, or installs it; without a running app's
/// updater (Tauri's mock runtime) the build has none.
pub async fn run(action: UpdateAction) -> Result<UpdateCheck, IpcError> {
    match UPDATER.get() {
        Some(update) => update(action).await,
        None => Ok(UpdateCheck::not_configured(env!("CARGO_PKG_VERSION"))),
    }
}

/// Wires the window's update commands to the plugin (when this build has a source).
pub fn connect<R: tauri::Runtime>(app: &tauri::AppHandle<R>, source: Option<UpdateSource>) {
    let handle = app.clone();
    let _ = UPDATER.set(Box::new(move |action| {
        let app = handle.clone();
        let source = source.clone();
        Box::pin(async move {
            match action {
                UpdateAction::Check => check(&app, source.as_ref()).await,
                // Installed and restarting: nothing more is on offer, and
                // the update server is not asked again.
                UpdateAction::Install => {
                    install(&app, source.as_ref()).await.map(|()| UpdateCheck {
                        configured: true,
                        current_version: app.package_info().version.to_string(),
                        available: None,
                    })
                }
            }
        })
    }));
}

/// How long a check or a download may take before it is given up.
const TIMEOUT: Duration = Duration::from_secs(60);

fn failed(message: String) -> IpcError {
    IpcError {
        code: switchboard_engine::ErrorCode::UpdateFailed,
        message,
        field: None,
    }
}

/// Asks `source` whether a newer version than this one exists.
pub async fn find<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    source: &UpdateSource,
) -> Result<Option<tauri_plugin_updater::Update>, IpcError> {
    let mut builder = app
        .updater_builder()
        .endpoints(vec![source.endpoint.clone()])
        .map_err(|e| failed(format!("the update address cannot be used: {e}")))?
        .pubkey(source.pubkey.clone())
        .timeout(TIMEOUT);
    if source.is_loopback() {
        builder = builder.no_proxy();
    }
    let updater = builder
        .build()
        .map_err(|e| failed(format!("the updater cannot start: {e}")))?;
    updater.check().await.map_err(|e| {
        failed(format!(
            "checking {} for updates failed: {e}",
            source.endpoint
        ))
    })
}

/// Checks for a newer version (nothing when this build has no update source).
pub async fn check<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    source: Option<&UpdateSource>,
) -> Result<UpdateCheck, IpcError> {
    let current_version = app.package_info().version.to_string();
    let Some(source) = source else {
        return Ok(UpdateCheck::not_configured(&current_version));
    };
    let available = find(app, source).await?.map(|u| AvailableUpdate {
        version: u.version.clone(),
        notes: u.body.clone(),
        published: u
            .raw_json
            .get("pub_date")
            .and_then(|d| d.as_str())
            .map(str::to_owned),
    });
    Ok(UpdateCheck {
        configured: true,
        current_version,
        available,
    })
}

/// Downloads the newer version and checks its signature against the build's
/// key: the bytes only when it matches (nothing is installed here).
pub async fn download_verified(update: &tauri_plugin_updater::Update) -> Result<Vec<u8>, IpcError> {
    update
        .download(|_, _| {}, || {})
        .await
        .map_err(|e| IpcError {
            code: switchboard_engine::ErrorCode::UpdateFailed,
            message: format!("the update to {} was not installed: {e}", update.version),
            field: None,
        })
}

/// Downloads, verifies and installs the newer version, then restarts into it.
pub async fn install<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    source: Option<&UpdateSource>,
) -> Result<(), IpcError> {
    let Some(source) = source else {
        return Err(failed("this build has no update source".into()));
    };
    let Some(update) = find(app, source).await? else {
        return Err(failed(format!(
            "no newer version than {} is on offer",
            app.package_info().version
        )));
    };
    let bytes = download_verified(&update).await?;
    update.install(bytes).map_err(|e| IpcError {
        code: switchboard_engine::ErrorCode::UpdateFailed,
        message: format!(
            "the update to {} could not be installed: {e}",
            update.version
        ),
        field: None,
    })?;
    app.request_restart();
    Ok(())
}

/// The plugin, with the build's key (the endpoint is given at each check).
pub fn plugin<R: tauri::Runtime>(
    source: &UpdateSource,
) -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new()
        .pubkey(source.pubkey.clone())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_this_machine_and_a_key_make_a_source() {
        assert!(UpdateSource::new("https://updates.example.com/latest.json", "KEY").is_some());
        assert!(UpdateSource::new("http://127.0.0.1:8123/latest.json", "KEY").is_some());
        assert!(UpdateSource::new("http://updates.example.com/latest.json", "KEY").is_none());
        assert!(UpdateSource::new("https://updates.example.com/latest.json", " ").is_none());
        assert!(UpdateSource::new("not a url", "KEY").is_none());
        assert!(UpdateSource::new("", "").is_none());
    }
}
