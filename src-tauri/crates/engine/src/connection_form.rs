//! What a manager types to add or edit a connection, checked per vendor: exactly
//! the fields that vendor needs, a base URL normalised or refused with the reason.

use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_domain::connection::{BaseUrl, validate_display_name};
use switchboard_domain::{ValidationError, Vendor};
use switchboard_secrets::Secret;
use switchboard_vendors::{BUSINESS_NAME, USERNAME, helpcrunch, pingup, splashify, vambe};
use ts_rs::TS;

/// Settings keys besides the adapter's own.
pub const HOST: &str = "host";
pub const SUBDOMAIN: &str = "subdomain";
pub const DOMAIN: &str = "domain";

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
    pub settings: Map<String, Value>,
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The URL's path with no trailing slash ("" for the root).
fn path_of(url: &BaseUrl) -> String {
    url::Url::parse(url.as_str())
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

fn origin_of(url: &BaseUrl) -> Result<BaseUrl, ValidationError> {
    let parsed = url::Url::parse(url.as_str())
        .map_err(|e| ValidationError::new("base_url", e.to_string()))?;
    BaseUrl::parse(&parsed.origin().ascii_serialization())
}

/// A base URL that must be `expected_path` under its host: a bare host gets the
/// path added; another path is refused with the reason.
fn with_path(
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

fn host_only(url: BaseUrl, vendor: Vendor, example: &str) -> Result<BaseUrl, ValidationError> {
    if path_of(&url).is_empty() {
        Ok(url)
    } else {
        Err(ValidationError::new(
            "base_url",
            format!("{vendor}'s base URL is the host alone, without a path; write it as {example}"),
        ))
    }
}

fn subdomain_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
}

impl ConnectionForm {
    /// Checks the form for `vendor`. `creating` requires a secret.
    pub fn resolve(&self, vendor: Vendor, creating: bool) -> Result<Resolved, ValidationError> {
        let display_name = validate_display_name(&self.display_name)?;
        if creating && self.secret.as_ref().is_none_or(Secret::is_blank) {
            let what = match vendor {
                Vendor::Pingup => "secret key",
                Vendor::CcaiPlatform => "API token",
                _ => "API key",
            };
            return Err(ValidationError::new("secret", format!("enter the {what}")));
        }
        let override_url = text(&self.base_url).map(BaseUrl::parse).transpose()?;
        let mut settings = Map::new();
        let base_url = match vendor {
            Vendor::Pingup => {
                let mut business = text(&self.business_name).map(str::to_owned);
                let base = match override_url {
                    Some(url) => {
                        // A pasted documented base (`…/ext/v2/acme`) gives its host and business.
                        let path = path_of(&url);
                        if let Some(rest) = path.strip_prefix("/ext/v2/") {
                            let from_url = rest.split('/').next().unwrap_or_default();
                            match &business {
                                Some(b) if b != from_url => {
                                    return Err(ValidationError::new(
                                        "base_url",
                                        format!(
                                            "the URL names business '{from_url}' but the business name is '{b}'; make them the same"
                                        ),
                                    ));
                                }
                                _ => business = Some(from_url.to_owned()),
                            }
                            origin_of(&url)?
                        } else {
                            host_only(url, vendor, "https://api.pingup.ai")?
                        }
                    }
                    None => {
                        let host = text(&self.host)
                            .unwrap_or("api.pingup.ai")
                            .trim_start_matches("https://");
                        let known = pingup::HOSTS.iter().find(|h| h.trim_start_matches("https://") == host).ok_or_else(|| {
                            ValidationError::new("host", format!("'{host}' is not a Pingup host; choose api.pingup.ai or api.pingueen.it, or set a base URL"))
                        })?;
                        settings.insert(HOST.into(), Value::from(host));
                        BaseUrl::parse(known)?
                    }
                };
                let business = business.ok_or_else(|| {
                    ValidationError::new(
                        "business_name",
                        "enter the business name from your Pingup URLs, e.g. acme-demo",
                    )
                })?;
                if business.contains('/') || business.chars().any(char::is_whitespace) {
                    return Err(ValidationError::new(
                        "business_name",
                        "a business name has no spaces or slashes, e.g. acme-demo",
                    ));
                }
                settings.insert(BUSINESS_NAME.into(), Value::from(business));
                base
            }
            Vendor::Vambe => host_only(
                override_url.map_or_else(|| BaseUrl::parse(vambe::HOSTS[0]), Ok)?,
                vendor,
                "https://api.vambe.me",
            )?,
            Vendor::Helpcrunch => with_path(
                override_url.map_or_else(|| BaseUrl::parse(helpcrunch::HOST), Ok)?,
                "/v1",
                vendor,
                "https://api.helpcrunch.com/v1",
            )?,
            Vendor::Splashify => with_path(
                override_url.map_or_else(|| BaseUrl::parse(splashify::HOST), Ok)?,
                "/api/v1",
                vendor,
                "https://apis.splashifypro.com/api/v1",
            )?,
            Vendor::CcaiPlatform => {
                let base = match override_url {
                    Some(url) => {
                        let path = path_of(&url);
                        if path.starts_with("/apps/api") || path.starts_with("/manager/api") {
                            origin_of(&url)?
                        } else {
                            host_only(url, vendor, "https://acme.uc1.ccaiplatform.com")?
                        }
                    }
                    None => {
                        let sub = text(&self.subdomain).ok_or_else(|| {
                            ValidationError::new(
                                "subdomain",
                                "enter the subdomain, e.g. acme in acme.uc1.ccaiplatform.com",
                            )
                        })?;
                        if !subdomain_ok(sub) {
                            return Err(ValidationError::new(
                                "subdomain",
                                format!(
                                    "'{sub}' is not a subdomain; use letters, digits and dashes, e.g. acme"
                                ),
                            ));
                        }
                        let domain = text(&self.domain).ok_or_else(|| {
                            ValidationError::new(
                                "domain",
                                "enter the domain, e.g. uc1.ccaiplatform.com",
                            )
                        })?;
                        let domain = domain
                            .trim_start_matches("https://")
                            .trim_start_matches('.')
                            .trim_end_matches('/');
                        settings.insert(SUBDOMAIN.into(), Value::from(sub));
                        settings.insert(DOMAIN.into(), Value::from(domain));
                        BaseUrl::parse(&format!("https://{sub}.{domain}"))
                            .map_err(|e| ValidationError::new("domain", e.message))?
                    }
                };
                let user = text(&self.username)
                    .or(text(&self.subdomain))
                    .ok_or_else(|| {
                        ValidationError::new(
                            "username",
                            "enter the user: your subdomain, or the company key on older tenants",
                        )
                    })?;
                if user.contains(':') {
                    return Err(ValidationError::new(
                        "username",
                        "the user cannot contain ':'",
                    ));
                }
                settings.insert(USERNAME.into(), Value::from(user));
                base
            }
        };
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
