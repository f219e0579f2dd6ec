//! The five vendors: each module holds its data, generated from the seed, and its
//! routes, answering exactly as VENDORS.md says.

pub mod ccai;
pub mod helpcrunch;
pub mod pingup;
pub mod splashify;
pub mod vambe;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};

use crate::gate::Gate;
use crate::seed::Scale;
use crate::{Credentials, ManifestAgent, Vendor};

/// Every vendor's data. Each sits behind its own lock, held only briefly.
pub struct World {
    pub pingup: RwLock<pingup::Data>,
    pub vambe: RwLock<vambe::Data>,
    pub helpcrunch: RwLock<helpcrunch::Data>,
    pub ccai: RwLock<ccai::Data>,
    pub splashify: RwLock<splashify::Data>,
}

impl World {
    /// Every vendor's seeded data; CCAI Platform's log starts `log_days` back.
    pub fn generate(seed: u64, scale: Scale, log_days: i64, credentials: &Credentials) -> Self {
        let now = Utc::now().timestamp();
        Self {
            pingup: RwLock::new(pingup::Data::generate(seed, scale, now, credentials)),
            vambe: RwLock::new(vambe::Data::generate(seed, scale, now, credentials)),
            helpcrunch: RwLock::new(helpcrunch::Data::generate(seed, scale, now, credentials)),
            ccai: RwLock::new(ccai::Data::generate(
                seed,
                scale,
                now,
                log_days,
                credentials,
            )),
            splashify: RwLock::new(splashify::Data::generate(seed, scale, now, credentials)),
        }
    }

    /// The agents of vendors that have no endpoint listing them.
    pub fn manifest_agents(&self, vendor: Vendor) -> Vec<ManifestAgent> {
        match vendor {
            Vendor::Pingup => read(&self.pingup).manifest_agents(),
            Vendor::Splashify => read(&self.splashify).manifest_agents(),
            _ => Vec::new(),
        }
    }
}

pub fn router(vendor: Vendor, world: std::sync::Arc<World>, gate: Gate) -> Router {
    match vendor {
        Vendor::Pingup => pingup::router(world, gate),
        Vendor::Vambe => vambe::router(world, gate),
        Vendor::Helpcrunch => helpcrunch::router(world, gate),
        Vendor::CcaiPlatform => ccai::router(world, gate),
        Vendor::Splashify => splashify::router(world, gate),
    }
}

/// Each vendor's 429 body.
pub fn too_many_body(vendor: Vendor) -> fn() -> Value {
    match vendor {
        Vendor::Pingup => || json!({"message": "Too many requests"}),
        Vendor::Vambe => || json!({"success": false, "message": "Too many requests"}),
        Vendor::Helpcrunch => {
            || json!({"errors": [{"code": "too_many_requests", "message": "You have exceeded your requests limit"}]})
        }
        Vendor::CcaiPlatform => || json!({"message": "Too many requests"}),
        Vendor::Splashify => || json!({"result": false, "message": "Too many requests"}),
    }
}

pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The token of an `Authorization: <scheme> <token>` header (scheme case-insensitive).
pub(crate) fn auth_token<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = header(headers, "authorization")?;
    let (given, token) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(token.trim())
}

/// RFC 3339 with milliseconds, as the vendors' JSON shows times.
pub(crate) fn iso(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// ISO 8601 as people and SDKs write it: a date, a date-time without zone (UTC), or
/// RFC 3339.
pub(crate) fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// A query parameter as a number within `1..=max`: over the maximum is capped, not
/// refused; absent, empty, zero or not a number gives the default.
pub(crate) fn page_size(value: Option<&str>, default: u32, max: u32) -> u32 {
    match value.and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(0) | None => default,
        Some(n) => n.min(u64::from(max)) as u32,
    }
}

pub(crate) fn offset(value: Option<&str>) -> usize {
    value
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_in_their_usual_forms() {
        for ok in [
            "2143-06-23",
            "2026-12-01T10:00:00Z",
            "2026-12-01T10:00:00.123+02:00",
            "2026-12-01T10:00:00",
            "2026-12-01T10:00",
        ] {
            assert!(parse_iso(ok).is_some(), "{ok}");
        }
        for bad in ["tomorrow", "2026-13-01", "01/12/2026", ""] {
            assert!(parse_iso(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_capped_not_refused() {
        assert_eq!(page_size(Some("500"), 20, 100), 100);
        assert_eq!(page_size(None, 20, 100), 20);
        assert_eq!(page_size(Some("x"), 20, 100), 20);
        assert_eq!(page_size(Some("7"), 20, 100), 7);
    }
}
