//! Secrets (API keys, tokens, passwords) in the OS keychain, one entry per
//! connection: Secret Service on Linux, the Keychain on macOS, Credential Manager on
//! Windows. The database never holds them; the UI can set, replace and delete them
//! but never read one back.
//!
//! Entries live under a *namespace* (the keychain's "service" attribute) that keeps
//! release, development and test builds apart, so no test ever touches a manager's
//! real entries.

mod namespace;
mod secret;

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

pub use namespace::Namespace;
pub use secret::Secret;

/// Why the keychain could not do what was asked, in words for the manager.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// There is no keychain to talk to (no Secret Service on the session bus, ...).
    #[error("{backend} is not available: {reason}. {fix}")]
    Unavailable {
        backend: &'static str,
        reason: String,
        fix: &'static str,
    },

    /// The keychain is there but refused access (locked, or the user declined).
    #[error("{backend} refused access: {reason}. {fix}")]
    Locked {
        backend: &'static str,
        reason: String,
        fix: &'static str,
    },

    #[error("the keychain rejected the entry name: {0}")]
    Invalid(String),

    #[error("{backend} failed: {reason}")]
    Platform {
        backend: &'static str,
        reason: String,
    },
}

/// The keychain, opened on one namespace.
#[derive(Clone)]
pub struct Keychain {
    store: Arc<CredentialStore>,
    namespace: Namespace,
    backend: &'static str,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("backend", &self.backend)
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// The account name of the entry `check` writes and deletes again.
const PROBE_ACCOUNT: &str = "switchboard-keychain-check";

impl Keychain {
    /// Opens this operating system's keychain. Fails, saying what is missing and how
    /// to fix it, when there is none; the app stays usable for everything else.
    pub fn open_platform(namespace: Namespace) -> Result<Self, KeychainError> {
        let store = platform::open().map_err(|e| classify(platform::BACKEND, e))?;
        Ok(Self {
            store,
            namespace,
            backend: platform::BACKEND,
        })
    }

    /// Uses the given store (the in-memory mock in unit tests).
    pub fn with_store(
        store: Arc<CredentialStore>,
        namespace: Namespace,
        backend: &'static str,
    ) -> Self {
        Self {
            store,
            namespace,
            backend,
        }
    }

    /// A keychain that lives in memory only (keyring's mock store): for tests of code
    /// that needs a working keychain without touching the OS one.
    pub fn in_memory(namespace: Namespace) -> Result<Self, KeychainError> {
        let store: Arc<CredentialStore> =
            keyring_core::mock::Store::new().map_err(|e| classify("in-memory", e))?;
        Ok(Self::with_store(store, namespace, "in-memory"))
    }

    /// The name of this platform's keychain, whether or not it can be opened.
    pub fn platform_backend() -> &'static str {
        platform::BACKEND
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    fn entry(&self, account: &str) -> Result<Entry, KeychainError> {
        self.store
            .build(self.namespace.service(), account, None)
            .map_err(|e| classify(self.backend, e))
    }

    /// Stores `secret` for `account`, replacing any earlier one.
    pub fn set(&self, account: &str, secret: &Secret) -> Result<(), KeychainError> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(|e| classify(self.backend, e))
    }

    /// The secret for `account`, or `None` when there is none. For the engine only:
    /// nothing that answers the UI may return it.
    pub fn get(&self, account: &str) -> Result<Option<Secret>, KeychainError> {
        match self.entry(account)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(self.backend, e)),
        }
    }

    /// Whether a secret is stored for `account`, without reading it out.
    pub fn contains(&self, account: &str) -> Result<bool, KeychainError> {
        Ok(self.get(account)?.is_some())
    }

    /// Deletes the secret for `account`; `false` when there was none.
    pub fn delete(&self, account: &str) -> Result<bool, KeychainError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(classify(self.backend, e)),
        }
    }

    /// Proves the keychain works end to end: writes, reads back and deletes a probe
    /// entry in this namespace. May block on an unlock prompt; call it off the UI thread.
    pub fn check(&self) -> Result<(), KeychainError> {
        let probe = Secret::new(format!("probe-{}", std::process::id()));
        self.set(PROBE_ACCOUNT, &probe)?;
        let read = self.get(PROBE_ACCOUNT);
        let deleted = self.delete(PROBE_ACCOUNT);
        match read? {
            Some(value) if value.expose() == probe.expose() => {}
            _ => {
                return Err(KeychainError::Platform {
                    backend: self.backend,
                    reason: "a test entry was written but could not be read back".into(),
                });
            }
        }
        deleted.map(|_| ())
    }
}

fn classify(backend: &'static str, err: keyring_core::Error) -> KeychainError {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(e) => KeychainError::Locked {
            backend,
            reason: e.to_string(),
            fix: platform::UNLOCK_FIX,
        },
        E::PlatformFailure(e) if platform::is_missing_service(&e.to_string()) => {
            KeychainError::Unavailable {
                backend,
                reason: e.to_string(),
                fix: platform::INSTALL_FIX,
            }
        }
        E::NoDefaultStore => KeychainError::Unavailable {
            backend,
            reason: "no credential store was opened".into(),
            fix: platform::INSTALL_FIX,
        },
        E::Invalid(attr, reason) => KeychainError::Invalid(format!("{attr}: {reason}")),
        E::TooLong(attr, limit) => KeychainError::Invalid(format!(
            "{attr} is longer than the keychain's limit of {limit}"
        )),
        other => KeychainError::Platform {
            backend,
            reason: other.to_string(),
        },
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod platform {
    use super::*;

    pub const BACKEND: &str = "Secret Service (D-Bus)";
    pub const INSTALL_FIX: &str = "Install and start a Secret Service provider such as gnome-keyring or KWallet \
        (Debian/Ubuntu: `sudo apt-get install gnome-keyring`), and run Switchboard inside a desktop session \
        (on a headless box: `dbus-run-session` with `gnome-keyring-daemon --unlock`)";
    pub const UNLOCK_FIX: &str =
        "Unlock your login keyring (e.g. in Passwords and Keys / Seahorse) and try again";

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }

    /// D-Bus reports a missing bus or a missing Secret Service provider in a few ways.
    pub fn is_missing_service(message: &str) -> bool {
        let m = message.to_ascii_lowercase();
        [
            "serviceunknown",
            "not provided by any .service",
            "dbus_session_bus_address",
            "no such file",
            "address",
            "connection refused",
            "unavailable",
        ]
        .iter()
        .any(|needle| m.contains(needle))
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::*;

    pub const BACKEND: &str = "macOS Keychain";
    pub const INSTALL_FIX: &str = "Open Keychain Access and make sure your login keychain exists";
    pub const UNLOCK_FIX: &str =
        "Unlock your login keychain in Keychain Access and allow Switchboard when asked";

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }

    pub fn is_missing_service(_message: &str) -> bool {
        false
    }
}

#[cfg(target_os = "windows")]
mod platform {
    use super::*;

    pub const BACKEND: &str = "Windows Credential Manager";
    pub const INSTALL_FIX: &str = "Make sure the Credential Manager service (VaultSvc) is running";
    pub const UNLOCK_FIX: &str = "Sign in to Windows with your own account and try again";

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }

    pub fn is_missing_service(_message: &str) -> bool {
        false
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
)))]
mod platform {
    use super::*;

    pub const BACKEND: &str = "none";
    pub const INSTALL_FIX: &str = "This operating system has no supported keychain";
    pub const UNLOCK_FIX: &str = INSTALL_FIX;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Err(keyring_core::Error::NoDefaultStore)
    }

    pub fn is_missing_service(_message: &str) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock_keychain(namespace: &str) -> Keychain {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().expect("mock store");
        Keychain::with_store(
            store,
            Namespace::custom(namespace).expect("namespace"),
            "mock",
        )
    }

    #[test]
    fn set_replace_and_delete() {
        let keychain = mock_keychain("io.switchboard.desktop.test.unit");
        let account = "0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d";
        assert!(!keychain.contains(account).expect("contains"));
        keychain
            .set(account, &Secret::new("sk_live_one"))
            .expect("set");
        keychain
            .set(account, &Secret::new("sk_live_two"))
            .expect("replace");
        assert_eq!(
            keychain
                .get(account)
                .expect("get")
                .expect("present")
                .expose(),
            "sk_live_two"
        );
        assert!(keychain.delete(account).expect("delete"));
        assert!(!keychain.delete(account).expect("delete again"));
        assert!(keychain.get(account).expect("get").is_none());
    }

    #[test]
    fn the_check_leaves_nothing_behind() {
        let keychain = mock_keychain("io.switchboard.desktop.test.check");
        keychain.check().expect("mock keychain works");
        assert!(!keychain.contains(PROBE_ACCOUNT).expect("contains"));
    }

    #[test]
    fn errors_are_classified_for_the_manager() {
        let locked = classify(
            "X",
            keyring_core::Error::NoStorageAccess("collection is locked".into()),
        );
        assert!(matches!(locked, KeychainError::Locked { .. }));
        assert!(locked.to_string().contains("collection is locked"));
        let missing = classify("X", keyring_core::Error::NoDefaultStore);
        assert!(matches!(missing, KeychainError::Unavailable { .. }));
    }
}
