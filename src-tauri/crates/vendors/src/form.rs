//! What a manager types to add or edit a connection, checked per vendor: exactly
//! the fields that vendor needs, a base URL normalised or refused with the reason.
//! The checks every vendor shares are here; each vendor's own rules are its
//! descriptor's `resolve`, in its module.

use serde::Deserialize;
use serde_json::Value;
use switchboard_domain::connection::{BaseUrl, validate_display_name};
use switchboard_domain::{ValidationError, Vendor};
use switchboard_secrets::Secret;
use ts_rs::TS;

use crate::descriptor::Settings;

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

impl ConnectionForm {
    /// Checks the form for `vendor`. `creating` requires a secret.
    pub fn resolve(&self, vendor: Vendor, creating: bool) -> Result<Resolved, ValidationError> {
        let described = crate::descriptor_of(vendor);
        let display_name = validate_display_name(&self.display_name)?;
        if creating && self.secret.as_ref().is_none_or(Secret::is_blank) {
            return Err(ValidationError::new(
                "secret",
                format!("enter the {}", described.secret_name),
            ));
        }
        let override_url = text(&self.base_url).map(BaseUrl::parse).transpose()?;
        let mut settings = Settings::new();
        let base_url = (described.resolve)(self, override_url, &mut settings)?;
        Ok(Resolved {
            display_name,
            base_url,
            settings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BUSINESS_NAME, USERNAME};

    fn form(name: &str) -> ConnectionForm {
        ConnectionForm {
            display_name: name.into(),
            secret: Some(Secret::new("k")),
            ..Default::default()
        }
    }

    #[test]
    fn pingup_takes_a_host_preset_or_a_pasted_documented_base() {
        let mut f = form("Pingup");
        f.business_name = Some("acme".into());
        let r = f.resolve(Vendor::Pingup, true).expect("preset");
        assert_eq!(r.base_url.as_str(), "https://api.pingup.ai");
        assert_eq!(r.settings[BUSINESS_NAME], "acme");
        f.host = Some("api.pingueen.it".into());
        assert_eq!(
            f.resolve(Vendor::Pingup, true)
                .expect("pingueen")
                .base_url
                .as_str(),
            "https://api.pingueen.it"
        );

        let mut pasted = form("Pingup");
        pasted.base_url = Some(" https://api.pingup.ai/ext/v2/acme-demo/ ".into());
        let r = pasted.resolve(Vendor::Pingup, true).expect("pasted");
        assert_eq!(
            (r.base_url.as_str(), r.settings[BUSINESS_NAME].as_str()),
            ("https://api.pingup.ai", Some("acme-demo"))
        );
        pasted.business_name = Some("other".into());
        assert!(
            pasted
                .resolve(Vendor::Pingup, true)
                .expect_err("mismatch")
                .message
                .contains("make them the same")
        );

        let mut f = form("Pingup");
        assert_eq!(
            f.resolve(Vendor::Pingup, true)
                .expect_err("no business")
                .field,
            "business_name"
        );
        f.business_name = Some("acme".into());
        f.host = Some("api.example.com".into());
        assert_eq!(
            f.resolve(Vendor::Pingup, true)
                .expect_err("unknown host")
                .field,
            "host"
        );
    }

    #[test]
    fn paths_are_added_kept_or_refused_with_the_reason() {
        let mut f = form("HC");
        assert_eq!(
            f.resolve(Vendor::Helpcrunch, true)
                .expect("default")
                .base_url
                .as_str(),
            "https://api.helpcrunch.com/v1"
        );
        f.base_url = Some("https://eu.helpcrunch.example/".into());
        assert_eq!(
            f.resolve(Vendor::Helpcrunch, true)
                .expect("host only")
                .base_url
                .as_str(),
            "https://eu.helpcrunch.example/v1"
        );
        f.base_url = Some("https://api.helpcrunch.com/v2".into());
        let e = f.resolve(Vendor::Helpcrunch, true).expect_err("wrong path");
        assert!(
            e.message.contains("/v1") && e.message.contains("/v2"),
            "{e}"
        );

        let mut s = form("Splashify");
        s.base_url = Some("https://apis.splashifypro.com/api/v1/".into());
        assert_eq!(
            s.resolve(Vendor::Splashify, true)
                .expect("slash")
                .base_url
                .as_str(),
            "https://apis.splashifypro.com/api/v1"
        );
        let mut v = form("Vambe");
        v.base_url = Some("https://api.vambe.me/api/public".into());
        assert!(
            v.resolve(Vendor::Vambe, true)
                .expect_err("path")
                .message
                .contains("host alone")
        );
        v.base_url = Some("http://api.vambe.me".into());
        assert!(
            v.resolve(Vendor::Vambe, true)
                .expect_err("http")
                .message
                .contains("https://")
        );
    }

    #[test]
    fn ccai_from_subdomain_and_domain_or_a_full_url() {
        let mut f = form("CCAI");
        f.subdomain = Some("acme".into());
        f.domain = Some("uc1.ccaiplatform.com".into());
        let r = f.resolve(Vendor::CcaiPlatform, true).expect("parts");
        assert_eq!(r.base_url.as_str(), "https://acme.uc1.ccaiplatform.com");
        assert_eq!(
            r.settings[USERNAME], "acme",
            "the user defaults to the subdomain"
        );
        f.username = Some("COMPANYKEY".into());
        assert_eq!(
            f.resolve(Vendor::CcaiPlatform, true).expect("key").settings[USERNAME],
            "COMPANYKEY"
        );

        let mut u = form("CCAI");
        u.base_url = Some("https://acme.uc1.ccaiplatform.com/apps/api/v1".into());
        u.username = Some("acme".into());
        assert_eq!(
            u.resolve(Vendor::CcaiPlatform, true)
                .expect("url")
                .base_url
                .as_str(),
            "https://acme.uc1.ccaiplatform.com"
        );
        let mut bad = form("CCAI");
        bad.subdomain = Some("ac me".into());
        bad.domain = Some("x.com".into());
        assert_eq!(
            bad.resolve(Vendor::CcaiPlatform, true)
                .expect_err("space")
                .field,
            "subdomain"
        );
    }

    #[test]
    fn a_secret_is_required_to_create_but_not_to_edit() {
        let mut f = form("Vambe");
        f.secret = None;
        assert_eq!(
            f.resolve(Vendor::Vambe, true).expect_err("no key").field,
            "secret"
        );
        assert!(f.resolve(Vendor::Vambe, false).is_ok());
        f.display_name = "  ".into();
        assert_eq!(
            f.resolve(Vendor::Vambe, false).expect_err("no name").field,
            "display_name"
        );
    }
}
