//! A vendor account the manager connected. Its secret is never here: it lives in the
//! OS keychain under the connection's id.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ConnectionId, Timestamp, ValidationError, Vendor};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Connection {
    pub id: ConnectionId,
    pub vendor: Vendor,
    pub display_name: String,
    pub base_url: BaseUrl,
    /// Vendor-specific settings that are not secret (a Pingup business name, a CCAI
    /// Platform user name, rate-limit overrides). Never a key, token or password.
    #[ts(type = "Record<string, unknown>")]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Created by the demo workspace against the simulator, and marked so everywhere.
    pub is_demo: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The longest display name we accept; enough for "Acme Support EU (WhatsApp, night shift)".
pub const DISPLAY_NAME_MAX: usize = 80;

/// A display name with surrounding spaces removed, refused when empty or too long.
pub fn validate_display_name(name: &str) -> Result<String, ValidationError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ValidationError::new(
            "display_name",
            "enter a name for this connection",
        ));
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(ValidationError::new(
            "display_name",
            format!("use at most {DISPLAY_NAME_MAX} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// The root URL of a vendor's API for one connection: `https://`, or `http://` on
/// loopback only (the simulator, a local proxy). Stored without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct BaseUrl(String);

impl BaseUrl {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        const FIELD: &str = "base_url";
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::new(
                FIELD,
                "enter the API's base URL, e.g. https://api.example.com",
            ));
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(ValidationError::new(FIELD, "a URL cannot contain spaces"));
        }
        let url = url::Url::parse(trimmed).map_err(|e| {
            ValidationError::new(
                FIELD,
                format!("'{trimmed}' is not a URL ({e}); write it as https://host/path"),
            )
        })?;
        let host = url
            .host_str()
            .ok_or_else(|| ValidationError::new(FIELD, "the URL has no host name"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(host) => {}
            "http" => {
                return Err(ValidationError::new(
                    FIELD,
                    "plain http:// is only allowed for this computer (127.0.0.1, localhost); use https://",
                ));
            }
            other => {
                return Err(ValidationError::new(
                    FIELD,
                    format!("'{other}://' is not supported; use https://"),
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ValidationError::new(
                FIELD,
                "remove the user name or password from the URL; credentials go in their own fields",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ValidationError::new(
                FIELD,
                "remove the part after '?' or '#' from the URL",
            ));
        }
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_loopback(&self) -> bool {
        url::Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host_str().map(is_loopback))
            .unwrap_or(false)
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

impl TryFrom<String> for BaseUrl {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<BaseUrl> for String {
    fn from(value: BaseUrl) -> Self {
        value.0
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_normalised() {
        let url = BaseUrl::parse("  https://api.helpcrunch.com/v1/  ").expect("valid");
        assert_eq!(url.as_str(), "https://api.helpcrunch.com/v1");
        assert!(!url.is_loopback());
    }

    #[test]
    fn http_is_only_for_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:9/x",
            "http://[::1]:80",
            "http://127.4.5.6",
        ] {
            let url = BaseUrl::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(url.is_loopback(), "{ok}");
        }
        let err = BaseUrl::parse("http://api.vambe.me").expect_err("http to a remote host");
        assert_eq!(err.field, "base_url");
        assert!(err.message.contains("https://"), "{err}");
        BaseUrl::parse("http://10.0.0.1").expect_err("private range is not loopback");
    }

    #[test]
    fn bad_urls_say_why() {
        let cases = [
            ("", "enter"),
            ("api.vambe.me", "not a URL"),
            ("ftp://x.com", "not supported"),
            ("https://u:p@x.com", "credentials"),
            ("https://x.com/?a=1", "after '?'"),
            ("https://x .com", "spaces"),
        ];
        for (input, expected) in cases {
            let err = BaseUrl::parse(input).expect_err(input);
            assert!(err.message.contains(expected), "{input}: {err}");
        }
    }

    #[test]
    fn base_url_deserialises_only_when_valid() {
        let ok: BaseUrl = serde_json::from_str("\"https://a.b/\"").expect("valid");
        assert_eq!(ok.as_str(), "https://a.b");
        assert!(serde_json::from_str::<BaseUrl>("\"http://example.com\"").is_err());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(validate_display_name("  Acme  ").expect("ok"), "Acme");
        assert_eq!(
            validate_display_name(" ").expect_err("empty").field,
            "display_name"
        );
        assert!(validate_display_name(&"x".repeat(DISPLAY_NAME_MAX + 1)).is_err());
    }
}
