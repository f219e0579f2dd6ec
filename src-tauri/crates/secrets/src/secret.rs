use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A secret value (API key, token, password).
///
/// It prints as `[redacted]` with `{}` and `{:?}`, cannot be serialised (there is
/// no `Serialize` impl, so it can never reach a log line as JSON, the database or
/// an IPC answer), and is wiped from memory when dropped. It can be deserialised,
/// because the UI and the command line hand secrets in.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

// The build fails if anyone adds a `Serialize` impl.
static_assertions::assert_not_impl_any!(Secret: serde::Serialize);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value itself, for the one place that sends it (an HTTP header) or stores
    /// it (the keychain). Keep the borrow short.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret::new("sk_live_abc123");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            key: Secret,
        }
        let holder = format!(
            "{:?}",
            Holder {
                key: secret.clone()
            }
        );
        assert!(!holder.contains("abc123"), "{holder}");
        assert_eq!(secret.expose(), "sk_live_abc123");
    }

    #[test]
    fn a_secret_deserialises_from_a_string() {
        let secret: Secret = serde_json::from_str("\"token\"").expect("deserialises");
        assert_eq!(secret.expose(), "token");
        assert!(Secret::new("  ").is_blank());
    }
}
