//! The connection form, checked per vendor: presets, pasted URLs, paths added,
//! kept or refused with the reason.

use switchboard_domain::Vendor;
use switchboard_secrets::Secret;
use switchboard_vendors::form::ConnectionForm;
use switchboard_vendors::{BUSINESS_NAME, USERNAME};

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
