//! An open workspace: the data folder, its database and the keychain namespace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_domain::ConnectionId;
use switchboard_domain::job::Origin;
use switchboard_secrets::{Keychain, KeychainError};
use switchboard_store::{Store, connections};

use crate::diagnostics::{self, Diagnostics, KeychainState, KeychainStatus};
use crate::{Config, EngineError};

/// An unlock prompt can block a keychain call; past this the check reports it.
const KEYCHAIN_CHECK_TIMEOUT: Duration = Duration::from_secs(15);

type KeychainOpener = dyn Fn() -> Result<Keychain, KeychainError> + Send + Sync;

pub struct Workspace {
    config: Config,
    store: Arc<Store>,
    open_keychain: Arc<KeychainOpener>,
    /// Opened on first use and kept; retried on each use until it opens, so a
    /// manager can install or unlock a keychain without restarting.
    keychain: Mutex<Option<Keychain>>,
    pub(crate) origin: Origin,
    /// One pacer per connection, shared by every call to it (sync, tests, changes).
    pub(crate) pacers:
        Mutex<HashMap<switchboard_domain::ConnectionId, Arc<switchboard_vendors::Pacer>>>,
    /// The demo's vendor simulator, once started.
    pub(crate) demo: tokio::sync::Mutex<Option<Arc<switchboard_simulator::Simulator>>>,
    /// This run of Switchboard, as the journal's claims name it.
    pub(crate) owner: Arc<crate::claims::Owner>,
    /// Commits a bulk job's per-item writes together.
    pub(crate) group: crate::group_commit::GroupCommit,
    /// The time covers are due by: the clock, or (tests) a time set by hand.
    clock: Mutex<Option<switchboard_domain::Timestamp>>,
    /// Where each connection's last status read left off (change-only polls).
    pub(crate) status_reads: crate::status_poll::LastReads,
    /// Jobs waiting for this computer (a full disk, a locked keychain), and why.
    pub(crate) stalls: Mutex<HashMap<switchboard_domain::JobId, crate::jobs::Stall>>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Workspace {
    /// Opens the workspace with this OS's keychain.
    pub fn open(config: Config, origin: Origin) -> Result<Self, EngineError> {
        let namespace = config.namespace.clone();
        let opener = move || Keychain::open_platform(namespace.clone());
        Self::open_with_keychain(config, origin, Arc::new(opener))
    }

    /// Opens the workspace with a given keychain (tests use an in-memory one).
    pub fn open_with_keychain(
        config: Config,
        origin: Origin,
        open_keychain: Arc<KeychainOpener>,
    ) -> Result<Self, EngineError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            EngineError::Startup(format!(
                "cannot create the data folder {}: {e}. Choose another with {} or --data-dir",
                config.data_dir.display(),
                crate::DATA_DIR_ENV
            ))
        })?;
        let store = Store::open(config.database_path())?;
        let owner = Arc::new(crate::claims::Owner::new(&config.data_dir));
        let store = Arc::new(store);
        Ok(Self {
            config,
            group: crate::group_commit::GroupCommit::new(store.clone()),
            clock: Mutex::new(None),
            stalls: Mutex::new(HashMap::new()),
            status_reads: Mutex::new(HashMap::new()),
            store,
            open_keychain,
            keychain: Mutex::new(None),
            origin,
            pacers: Mutex::new(HashMap::new()),
            demo: tokio::sync::Mutex::new(None),
            owner,
        })
    }

    /// Now, as covers are due by.
    pub(crate) fn now(&self) -> switchboard_domain::Timestamp {
        self.clock
            .lock()
            .ok()
            .and_then(|c| *c)
            .unwrap_or_else(switchboard_domain::Timestamp::now)
    }

    /// Sets the time covers are due by (`None`: the clock again), so a test
    /// runs a week's cover without waiting for it.
    #[cfg(feature = "test-support")]
    pub fn set_now(&self, at: Option<switchboard_domain::Timestamp>) {
        if let Ok(mut clock) = self.clock.lock() {
            *clock = at;
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The cache. Only the engine reads and writes it; tests (and benchmarks)
    /// reach it through the `test-support` feature.
    #[cfg(not(feature = "test-support"))]
    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The cache, for tests and benchmarks (`test-support`).
    #[cfg(feature = "test-support")]
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub(crate) fn keychain(&self) -> Result<Keychain, KeychainError> {
        let mut cached = self.keychain.lock().map_err(|_| KeychainError::Platform {
            backend: Keychain::platform_backend(),
            reason: "an earlier keychain call panicked".into(),
        })?;
        if let Some(k) = cached.as_ref() {
            return Ok(k.clone());
        }
        let opened = (self.open_keychain)()?;
        *cached = Some(opened.clone());
        Ok(opened)
    }

    /// Runs blocking work (SQLite, the keychain) off the async runtime.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store, Result<Keychain, KeychainError>) -> Result<T, EngineError>
        + Send
        + 'static,
    ) -> Result<T, EngineError> {
        let store = self.store.clone();
        let keychain = self.keychain();
        tokio::task::spawn_blocking(move || f(&store, keychain)).await?
    }

    /// Runs database work off the async runtime (no keychain involved).
    pub(crate) async fn on_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store)).await?
    }

    /// The facts "About & diagnostics" shows, including a live keychain check.
    pub async fn diagnostics(&self) -> Diagnostics {
        let keychain = self.keychain_status().await;
        let (schema_version, database_error) = match self.store.schema_version() {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Diagnostics {
            schema_version,
            database_error,
            keychain,
            ..Self::base_diagnostics(&self.config)
        }
    }

    /// Diagnostics for a workspace that could not open: everything but the database.
    pub async fn diagnostics_for_failed_start(config: &Config, error: &EngineError) -> Diagnostics {
        let namespace = config.namespace.clone();
        let keychain = check_keychain(
            move || Keychain::open_platform(namespace.clone()),
            &config.namespace,
        )
        .await;
        Diagnostics {
            database_error: Some(error.to_string()),
            keychain,
            ..Self::base_diagnostics(config)
        }
    }

    fn base_diagnostics(config: &Config) -> Diagnostics {
        Diagnostics {
            app_version: crate::VERSION.to_owned(),
            build_profile: diagnostics::build_profile().to_owned(),
            platform: diagnostics::platform(),
            data_dir: config.data_dir.clone(),
            database_path: config.database_path(),
            schema_version: None,
            schema_version_supported: switchboard_store::SCHEMA_VERSION,
            sqlite_version: Store::sqlite_version().to_owned(),
            database_error: None,
            keychain: KeychainStatus {
                backend: Keychain::platform_backend().to_owned(),
                namespace: config.namespace.to_string(),
                state: KeychainState::Unavailable,
                message: String::new(),
                fix: None,
            },
        }
    }

    async fn keychain_status(&self) -> KeychainStatus {
        let opened = self.keychain();
        check_keychain(move || opened, &self.config.namespace).await
    }

    /// Stores (or replaces) the secret of a connection in the keychain.
    pub async fn set_secret(
        &self,
        connection: ConnectionId,
        secret: switchboard_secrets::Secret,
    ) -> Result<(), EngineError> {
        if secret.is_blank() {
            return Err(switchboard_domain::ValidationError::new(
                "secret",
                "enter the key; it cannot be empty",
            )
            .into());
        }
        let origin = self.origin;
        self.blocking(move |store, keychain| {
            let conn = store.read(|db| connections::get(db, connection))?;
            let keychain = keychain?;
            let replaced = keychain.contains(&connection.to_string())?;
            keychain.set(&connection.to_string(), &secret)?;
            let (action, verb) = if replaced {
                ("secret.replaced", "Replaced")
            } else {
                ("secret.set", "Stored")
            };
            audit(
                store,
                origin,
                action,
                connection,
                format!("{verb} the secret of {}", conn.display_name),
            )
        })
        .await
    }

    /// Whether the connection has a secret stored, without reading it.
    pub async fn has_secret(&self, connection: ConnectionId) -> Result<bool, EngineError> {
        self.blocking(move |store, keychain| {
            store.read(|db| connections::get(db, connection))?;
            Ok(keychain?.contains(&connection.to_string())?)
        })
        .await
    }

    /// Deletes the connection's secret; `false` when there was none.
    pub async fn delete_secret(&self, connection: ConnectionId) -> Result<bool, EngineError> {
        let origin = self.origin;
        self.blocking(move |store, keychain| {
            let conn = store.read(|db| connections::find(db, connection))?;
            let deleted = keychain?.delete(&connection.to_string())?;
            if deleted {
                let name = conn
                    .map(|c| c.display_name)
                    .unwrap_or_else(|| connection.to_string());
                audit(
                    store,
                    origin,
                    "secret.deleted",
                    connection,
                    format!("Deleted the secret of {name}"),
                )?;
            }
            Ok(deleted)
        })
        .await
    }
}

/// Writes an audit entry in a transaction of its own.
fn audit(
    store: &Store,
    origin: Origin,
    action: &str,
    connection: ConnectionId,
    summary: String,
) -> Result<(), EngineError> {
    store.write(|db| crate::connections::audit(db, origin, action, connection, summary))?;
    Ok(())
}

async fn check_keychain(
    open: impl FnOnce() -> Result<Keychain, KeychainError> + Send + 'static,
    namespace: &switchboard_secrets::Namespace,
) -> KeychainStatus {
    let backend = Keychain::platform_backend().to_owned();
    let check = tokio::task::spawn_blocking(move || {
        let keychain = open()?;
        keychain.check().map(|()| keychain.backend())
    });
    let outcome = tokio::time::timeout(KEYCHAIN_CHECK_TIMEOUT, check).await;
    let (backend, state, message, fix) = match outcome {
        Ok(Ok(Ok(used))) => (
            used.to_owned(),
            KeychainState::Working,
            "A test entry was written, read back and deleted.".to_owned(),
            None,
        ),
        Ok(Ok(Err(KeychainError::Unavailable { reason, fix, .. }))) => (
            backend,
            KeychainState::Unavailable,
            reason,
            Some(fix.to_owned()),
        ),
        Ok(Ok(Err(KeychainError::Locked { reason, fix, .. }))) => {
            (backend, KeychainState::Locked, reason, Some(fix.to_owned()))
        }
        Ok(Ok(Err(other))) => (backend, KeychainState::Failed, other.to_string(), None),
        Ok(Err(join)) => (
            backend,
            KeychainState::Failed,
            format!("the keychain check stopped: {join}"),
            None,
        ),
        Err(_) => (
            backend,
            KeychainState::Locked,
            format!(
                "the keychain did not answer within {} seconds",
                KEYCHAIN_CHECK_TIMEOUT.as_secs()
            ),
            Some("Answer or dismiss any keychain unlock prompt, then check again".to_owned()),
        ),
    };
    KeychainStatus {
        backend,
        namespace: namespace.to_string(),
        state,
        message,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::Timestamp;
    use switchboard_domain::Vendor;
    use switchboard_domain::connection::{BaseUrl, Connection};
    use switchboard_secrets::{Namespace, Secret};
    use switchboard_store::audit_log;

    fn workspace() -> (tempfile::TempDir, Workspace, Keychain) {
        let dir = tempfile::tempdir().expect("temp");
        let config = Config {
            data_dir: dir.path().join("data"),
            namespace: Namespace::test("engine-unit"),
        };
        let keychain = Keychain::in_memory(config.namespace.clone()).expect("in-memory keychain");
        let shared = keychain.clone();
        let ws = Workspace::open_with_keychain(
            config,
            Origin::App,
            Arc::new(move || Ok(shared.clone())),
        )
        .expect("open");
        (dir, ws, keychain)
    }

    fn add_connection(ws: &Workspace) -> ConnectionId {
        let c = Connection {
            id: ConnectionId::new(),
            vendor: Vendor::Vambe,
            display_name: "Vambe Chile".into(),
            base_url: BaseUrl::parse("https://api.vambe.me").expect("url"),
            settings: Default::default(),
            is_demo: false,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        };
        ws.store()
            .write(|db| connections::upsert(db, &c))
            .expect("insert");
        c.id
    }

    #[tokio::test]
    async fn diagnostics_report_the_real_database_and_keychain() {
        let (dir, ws, _) = workspace();
        let d = ws.diagnostics().await;
        assert_eq!(d.schema_version, Some(switchboard_store::SCHEMA_VERSION));
        assert_eq!(
            d.database_path,
            dir.path().join("data").join("switchboard.db")
        );
        assert!(d.database_path.exists());
        assert_eq!(
            d.keychain.state,
            KeychainState::Working,
            "{}",
            d.keychain.message
        );
        assert_eq!(d.keychain.backend, "in-memory");
        assert_eq!(
            d.keychain.namespace,
            "io.switchboard.desktop.test.engine-unit"
        );
    }

    #[tokio::test]
    async fn secrets_are_set_replaced_and_deleted_with_an_audit_trail() {
        let (_dir, ws, keychain) = workspace();
        let id = add_connection(&ws);
        assert!(!ws.has_secret(id).await.expect("has"));
        ws.set_secret(id, Secret::new("key-1")).await.expect("set");
        ws.set_secret(id, Secret::new("key-2"))
            .await
            .expect("replace");
        assert_eq!(
            keychain
                .get(&id.to_string())
                .expect("get")
                .expect("present")
                .expose(),
            "key-2"
        );
        assert!(ws.has_secret(id).await.expect("has"));
        assert!(ws.delete_secret(id).await.expect("delete"));
        assert!(!ws.delete_secret(id).await.expect("delete again"));

        let actions: Vec<_> = ws
            .store()
            .read(|db| audit_log::list_recent(db, 10))
            .expect("audit")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions, ["secret.deleted", "secret.replaced", "secret.set"]);
    }

    #[tokio::test]
    async fn bad_secret_requests_are_refused_clearly() {
        let (_dir, ws, _) = workspace();
        let blank = ws
            .set_secret(ConnectionId::new(), Secret::new("  "))
            .await
            .expect_err("blank");
        assert_eq!(blank.code(), crate::ErrorCode::InvalidInput);
        let unknown = ws
            .set_secret(ConnectionId::new(), Secret::new("k"))
            .await
            .expect_err("unknown connection");
        assert_eq!(unknown.code(), crate::ErrorCode::NotFound);
    }

    #[tokio::test]
    async fn a_missing_keychain_is_reported_not_panicked() {
        let dir = tempfile::tempdir().expect("temp");
        let config = Config {
            data_dir: dir.path().into(),
            namespace: Namespace::test("nokeychain"),
        };
        let ws = Workspace::open_with_keychain(
            config,
            Origin::App,
            Arc::new(|| {
                Err(KeychainError::Unavailable {
                    backend: "test",
                    reason: "no Secret Service".into(),
                    fix: "install gnome-keyring",
                })
            }),
        )
        .expect("the workspace opens without a keychain");
        let d = ws.diagnostics().await;
        assert_eq!(d.keychain.state, KeychainState::Unavailable);
        assert_eq!(d.keychain.fix.as_deref(), Some("install gnome-keyring"));
        assert_eq!(
            d.schema_version,
            Some(switchboard_store::SCHEMA_VERSION),
            "the database still works"
        );
        let id = add_connection(&ws);
        let err = ws
            .set_secret(id, Secret::new("k"))
            .await
            .expect_err("no keychain");
        assert_eq!(err.code(), crate::ErrorCode::KeychainUnavailable);
    }

    #[tokio::test]
    async fn an_unwritable_data_folder_is_a_startup_error() {
        let dir = tempfile::tempdir().expect("temp");
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").expect("write");
        let config = Config {
            data_dir: file.join("data"),
            namespace: Namespace::test("x"),
        };
        let err = Workspace::open(config, Origin::App).expect_err("cannot create");
        assert_eq!(err.code(), crate::ErrorCode::Startup);
        assert!(err.to_string().contains("SWITCHBOARD_DATA_DIR"), "{err}");
    }
}
