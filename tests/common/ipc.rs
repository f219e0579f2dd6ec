//! The app's commands on Tauri's mock runtime, as the UI calls them: a
//! workspace with an in-memory keychain, its window, and `invoke`.

use std::sync::Arc;

use serde_json::Value;
use switchboard_app::{AppState, configure};
use switchboard_domain::job::Origin;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;

pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub webview: tauri::WebviewWindow<MockRuntime>,
    pub keychain: Keychain,
}

pub fn harness() -> (Harness, Arc<Workspace>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("ipc"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).expect("in-memory keychain");
    let shared = keychain.clone();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(shared.clone())))
            .expect("open");
    let state = AppState::ready(ws);
    let ws = state.workspace().expect("ready");
    let webview = webview_for(state);
    (
        Harness {
            _dir: dir,
            webview,
            keychain,
        },
        ws,
    )
}

pub fn webview_for(state: AppState) -> tauri::WebviewWindow<MockRuntime> {
    let app = configure(mock_builder(), state, |_| Ok(()))
        .build(mock_context(noop_assets()))
        .expect("build app");
    switchboard_app::connect_events(app.handle());
    tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview")
}

/// The app's own origin; anything else is a remote page, which the ACL refuses.
pub const APP_ORIGIN: &str = if cfg!(windows) {
    "http://tauri.localhost"
} else {
    "tauri://localhost"
};

pub fn invoke(
    webview: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
    invoke_from(webview, APP_ORIGIN, cmd, body)
}

pub fn invoke_from(
    webview: &tauri::WebviewWindow<MockRuntime>,
    origin: &str,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: origin.parse().expect("url"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|b| b.deserialize::<Value>().expect("json body"))
}

/// A Splashify Pro connection in the cache (no secret, no vendor call).
pub fn add_connection(ws: &Workspace) -> switchboard_domain::ConnectionId {
    use switchboard_domain::connection::{BaseUrl, Connection};
    use switchboard_domain::{ConnectionId, Timestamp, Vendor};
    let c = Connection {
        id: ConnectionId::new(),
        vendor: Vendor::Splashify,
        display_name: "Splashify India".into(),
        base_url: BaseUrl::parse("https://apis.splashifypro.com/api/v1").expect("url"),
        settings: Default::default(),
        is_demo: false,
        created_at: Timestamp::now(),
        updated_at: Timestamp::now(),
    };
    ws.store()
        .write(|db| switchboard_store::connections::upsert(db, &c))
        .expect("insert");
    c.id
}
