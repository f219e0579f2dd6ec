//! What a manager types to add or edit a connection, checked per vendor: exactly
//! the fields that vendor needs, a base URL normalised or refused with the reason.
//! The checks every vendor shares are here (and in `Descriptor::resolve_form`);
//! each vendor's own rules are its descriptor's `resolve`, in its module.

use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::{ValidationError, Vendor};
use switchboard_secrets::Secret;
use ts_rs::TS;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
pub struct ConnectionForm {
    pub display_name: String,
    /// Pingup: `api.pingup.ai` (default) or `api.pingueen.it`.
    pub host: Option<String>,
    /// Advanced: the API's base URL, overriding the vendor's default.
    pub base_url: Option<String>,
    /// Pingup: the business name in its URLs.
    pub business_name: Option<String>,
    /// CCAI Platform: `acme` in `https://acme.uc1.ccaiplatform.com`.
    pub subdomain: Option<String>,
    /// CCAI Platform: `uc1.ccaiplatform.com`.
    pub domain: Option<String>,
    /// CCAI Platform: the Basic-auth user (the subdomain unless an older tenant's company key).
    pub username: Option<String>,
    /// The key, token or password. Required to create; empty keeps the stored one.
    #[ts(type = "string | null")]
    pub secret: Option<Secret>,
}

/// A connection's non-secret settings, as stored.
pub type Settings = Map<String, Value>;

/// A form that passed its checks: what is stored (the secret apart).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub display_name: String,
    pub base_url: BaseUrl,
    pub settings: Settings,
}

/// A field's text, trimmed; `None` when empty.
pub(crate) fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The URL's path with no trailing slash ("" for the root).
pub(crate) fn path_of(url: &BaseUrl) -> String {
    url::Url::parse(url.as_str())
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

pub(crate) fn origin_of(url: &BaseUrl) -> Result<BaseUrl, ValidationError> {
    let parsed = url::Url::parse(url.as_str())
        .map_err(|e| ValidationError::new("base_url", e.to_string()))?;
    BaseUrl::parse(&parsed.origin().ascii_serialization())
}

/// The override, or the vendor's first documented host.
pub(crate) fn or_default(url: Option<BaseUrl>, hosts: &[&str]) -> Result<BaseUrl, ValidationError> {
    match url {
        Some(url) => Ok(url),
        None => BaseUrl::parse(hosts.first().copied().unwrap_or_default()),
    }
}

/// A base URL that must be `expected` under its host: a bare host gets the path
/// added; another path is refused with the reason.
pub(crate) fn with_path(
    url: BaseUrl,
    expected: &str,
    vendor: Vendor,
    example: &str,
) -> Result<BaseUrl, ValidationError> {
    let path = path_of(&url);
    if path == expected {
        Ok(url)
    } else if path.is_empty() {
        BaseUrl::parse(&format!("{}{expected}", url.as_str()))
    } else {
        Err(ValidationError::new(
            "base_url",
            format!("{vendor}'s API lives under {expected}, not {path}; write it as {example}"),
        ))
    }
}

pub(crate) fn host_only(
    url: BaseUrl,
    vendor: Vendor,
    example: &str,
) -> Result<BaseUrl, ValidationError> {
    if path_of(&url).is_empty() {
        Ok(url)
    } else {
        Err(ValidationError::new(
            "base_url",
            format!("{vendor}'s base URL is the host alone, without a path; write it as {example}"),
        ))
    }
}

/// Stores a text setting.
pub(crate) fn set(settings: &mut Settings, key: &str, value: &str) {
    settings.insert(key.into(), Value::from(value));
}
