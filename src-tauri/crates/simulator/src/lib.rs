//! The vendor simulator: Pingup, Vambe, HelpCrunch, CCAI Platform and Splashify Pro
//! served over real HTTP on 127.0.0.1, as `../shared/VENDORS.md` documents them, with
//! deterministic seeded data at any scale, the documented rate limits, injectable
//! faults, and inspection for tests.
//!
//! In tests: `Simulator::start(SimConfig::demo(seed)).await`, then point adapters at
//! `sim.manifest()`. People and scripts run the `switchboard-simulator` binary, which
//! prints the same manifest and serves a control API.

// Handlers return a finished vendor-style `Response` as their early-out error; its
// size is irrelevant next to an HTTP round trip.
#![allow(clippy::result_large_err)]

mod control;
mod gate;
mod rng;
mod seed;
mod serve;
pub use serve::{SERVED_BY, simulator_at};
pub mod vendors;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

pub use gate::{Fault, FaultKind, Inspector, RateLimit, RequestRecord};
pub use seed::{DOMAIN, Scale};

use crate::gate::{Gate, Limiter};
use crate::serve::Listener;

pub use switchboard_domain::Vendor;

/// The documented limit (HelpCrunch 120/min, CCAI Platform 10/s, Splashify 100/min);
/// Pingup and Vambe document none.
pub fn documented_limit(vendor: Vendor) -> Option<RateLimit> {
    match vendor {
        Vendor::Helpcrunch => Some(RateLimit::per_minute(120)),
        Vendor::CcaiPlatform => Some(RateLimit::per_second(10)),
        Vendor::Splashify => Some(RateLimit::per_minute(100)),
        Vendor::Pingup | Vendor::Vambe => None,
    }
}

/// How rate limits apply.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limits {
    /// As each vendor documents them.
    Documented,
    /// None at all (benchmarks).
    Off,
    /// The documented counts over windows this many times shorter (tests prove 429
    /// handling in milliseconds: `Faster(60.0)` makes 120/min into 120/s).
    Faster(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    pub seed: u64,
    pub scale: Scale,
    pub limits: Limits,
    /// How many recent requests the inspection log keeps.
    pub log_capacity: usize,
    /// Fixed ports per vendor and for the control API (0 or absent: any free port).
    pub ports: BTreeMap<String, u16>,
    /// Days of history CCAI Platform's activity log starts with.
    #[serde(default = "default_log_days")]
    pub log_days: i64,
}

fn default_log_days() -> i64 {
    vendors::ccai::SEEDED_DAYS
}

impl SimConfig {
    pub fn demo(seed: u64) -> Self {
        Self {
            seed,
            scale: Scale::DEMO,
            limits: Limits::Documented,
            log_capacity: 10_000,
            ports: BTreeMap::new(),
            log_days: default_log_days(),
        }
    }

    /// CCAI Platform's activity log starts with this many days of history.
    pub fn with_log_days(mut self, days: i64) -> Self {
        self.log_days = days.max(0);
        self
    }

    pub fn with_scale(mut self, scale: Scale) -> Self {
        self.scale = scale;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    fn limit_for(&self, vendor: Vendor) -> Option<RateLimit> {
        let documented = documented_limit(vendor)?;
        match self.limits {
            Limits::Documented => Some(documented),
            Limits::Off => None,
            Limits::Faster(factor) if factor > 0.0 => Some(RateLimit {
                max: documented.max,
                window_ms: ((documented.window_ms as f64 / factor).round() as u64).max(1),
            }),
            Limits::Faster(_) => Some(documented),
        }
    }
}

/// The credentials each simulated tenant accepts, fixed by the seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    pub pingup_business: String,
    pub pingup_secret_key: String,
    pub vambe_api_key: String,
    pub helpcrunch_api_key: String,
    pub ccai_username: String,
    pub ccai_api_token: String,
    pub splashify_api_key: String,
}

/// A test run's ledger of the simulator's keys (fake, made from the seed):
/// the secret scan (`.ci/secret-scan`) looks for each in everything the run
/// wrote. Only when the variable is set; nothing else is ever written.
pub const SECRETS_SEEN_ENV: &str = "SWITCHBOARD_SECRETS_SEEN";

impl Credentials {
    fn note_for_the_secret_scan(&self) {
        let Some(path) = std::env::var_os(SECRETS_SEEN_ENV) else {
            return;
        };
        let keys = [
            &self.pingup_secret_key,
            &self.vambe_api_key,
            &self.helpcrunch_api_key,
            &self.ccai_api_token,
            &self.splashify_api_key,
        ];
        let lines: String = keys.iter().map(|k| format!("{k}\n")).collect();
        use std::io::Write;
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(lines.as_bytes()));
        if let Err(e) = written {
            eprintln!("simulator: cannot note its keys for the secret scan: {e}");
        }
    }

    fn new(seed: u64) -> Self {
        use base64::Engine;
        let mut rng = rng::Rng::derive(seed, "credentials");
        let mut hex = |n: usize| {
            (0..n)
                .map(|_| format!("{:x}", rng.below(16)))
                .collect::<String>()
        };
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // Pingup's docs call the key a JWT: give it one with an `exp`. Fixed
        // (2100-01-01), so the same seed gives the same key at every start and
        // a demo workspace keeps working after a restart.
        let exp: i64 = 4_102_444_800;
        let jwt = format!(
            "{}.{}.{}",
            b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64.encode(format!(r#"{{"sub":"acme-demo","exp":{exp}}}"#)),
            b64.encode(hex(32))
        );
        Self {
            pingup_business: "acme-demo".into(),
            pingup_secret_key: jwt,
            vambe_api_key: format!("vmb_{}", hex(32)),
            helpcrunch_api_key: hex(64),
            ccai_username: "acme".into(),
            ccai_api_token: hex(40),
            splashify_api_key: format!("sk_live_{}", hex(32)),
        }
    }
}

/// An agent listed in the manifest for the vendors with no endpoint that lists
/// agents, as a manager would copy them from the vendor's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestAgent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub email: String,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VendorManifest {
    pub base_url: String,
    /// Non-secret and secret fields the connection needs (business name, user, key).
    pub credentials: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<ManifestAgent>,
    /// The documented limit in force, if any.
    pub rate_limit: Option<RateLimit>,
}

/// What a running simulator tells its users: where each vendor is and how to log in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub seed: u64,
    pub scale: Scale,
    pub control_url: String,
    pub vendors: BTreeMap<Vendor, VendorManifest>,
}

/// A running simulator. Dropping it stops every listener.
pub struct Simulator {
    config: SimConfig,
    credentials: Credentials,
    inspector: Arc<Inspector>,
    world: Arc<vendors::World>,
    limiters: BTreeMap<Vendor, Arc<Limiter>>,
    listeners: BTreeMap<Vendor, Listener>,
    /// Filled once, right after start: the control API refers back to the simulator.
    control: OnceLock<Listener>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on 127.0.0.1:{port} for {what}: {source}")]
    Bind {
        what: String,
        port: u16,
        source: std::io::Error,
    },
}

impl Simulator {
    /// Generates the seeded data and starts all five vendors and the control API.
    pub async fn start(config: SimConfig) -> Result<Arc<Self>, SimError> {
        let credentials = Credentials::new(config.seed);
        credentials.note_for_the_secret_scan();
        let inspector = Arc::new(Inspector::new(config.seed, config.log_capacity));
        let world = Arc::new(vendors::World::generate(
            config.seed,
            config.scale,
            config.log_days,
            &credentials,
        ));
        let mut limiters = BTreeMap::new();
        let mut listeners = BTreeMap::new();
        for vendor in Vendor::ALL {
            let limiter = Arc::new(Limiter::new(config.limit_for(vendor)));
            let gate = Gate {
                vendor,
                inspector: inspector.clone(),
                limiter: limiter.clone(),
                too_many: vendors::too_many_body(vendor),
            };
            let router = vendors::router(vendor, world.clone(), gate);
            let port = config.ports.get(vendor.as_str()).copied().unwrap_or(0);
            let listener = Listener::bind(port, router)
                .await
                .map_err(|source| SimError::Bind {
                    what: vendor.as_str().into(),
                    port,
                    source,
                })?;
            limiters.insert(vendor, limiter);
            listeners.insert(vendor, listener);
        }
        let port = config.ports.get("control").copied().unwrap_or(0);
        let sim = Arc::new(Self {
            config,
            credentials,
            inspector,
            world,
            limiters,
            listeners,
            control: OnceLock::new(),
        });
        let control = Listener::bind(port, control::router(Arc::downgrade(&sim)))
            .await
            .map_err(|source| SimError::Bind {
                what: "control".into(),
                port,
                source,
            })?;
        let _ = sim.control.set(control);
        Ok(sim)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The request log, counts and faults.
    pub fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// The vendors' data, for tests to read and to change behind an app's back.
    pub fn world(&self) -> &vendors::World {
        &self.world
    }

    /// `http://127.0.0.1:PORT` of a vendor's listener.
    pub fn origin(&self, vendor: Vendor) -> String {
        let port = self
            .listeners
            .get(&vendor)
            .map(|l| l.addr().port())
            .unwrap_or(0);
        format!("http://127.0.0.1:{port}")
    }

    /// The base URL as the vendor documents it, on this simulator.
    pub fn base_url(&self, vendor: Vendor) -> String {
        let origin = self.origin(vendor);
        match vendor {
            Vendor::Pingup => format!("{origin}/ext/v2/{}", self.credentials.pingup_business),
            Vendor::Vambe | Vendor::CcaiPlatform => origin,
            Vendor::Helpcrunch => format!("{origin}/v1"),
            Vendor::Splashify => format!("{origin}/api/v1"),
        }
    }

    pub fn control_url(&self) -> String {
        let port = self.control.get().map(|l| l.addr().port()).unwrap_or(0);
        format!("http://127.0.0.1:{port}")
    }

    /// Replaces a vendor's rate limit (`None`: no limit).
    pub fn set_limit(&self, vendor: Vendor, limit: Option<RateLimit>) {
        if let Some(l) = self.limiters.get(&vendor) {
            l.set(limit);
        }
    }

    pub fn limit(&self, vendor: Vendor) -> Option<RateLimit> {
        self.limiters.get(&vendor).and_then(|l| l.get())
    }

    /// Takes a vendor off the network: its port refuses connections until `resume`.
    pub fn halt(&self, vendor: Vendor) {
        if let Some(l) = self.listeners.get(&vendor) {
            l.halt();
        }
    }

    /// Serves a halted vendor again, on the same port and with the same data.
    pub async fn resume(&self, vendor: Vendor) -> std::io::Result<()> {
        match self.listeners.get(&vendor) {
            Some(l) => l.resume().await,
            None => Ok(()),
        }
    }

    pub fn is_running(&self, vendor: Vendor) -> bool {
        self.listeners
            .get(&vendor)
            .is_some_and(Listener::is_running)
    }

    /// Where everything is and how to log in, for tests, scripts and the demo.
    pub fn manifest(&self) -> Manifest {
        let c = &self.credentials;
        let creds = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let vendors = Vendor::ALL
            .into_iter()
            .map(|vendor| {
                let credentials = match vendor {
                    Vendor::Pingup => creds(&[
                        ("business_name", &c.pingup_business),
                        ("secret_key", &c.pingup_secret_key),
                    ]),
                    Vendor::Vambe => creds(&[("api_key", &c.vambe_api_key)]),
                    Vendor::Helpcrunch => creds(&[("api_key", &c.helpcrunch_api_key)]),
                    Vendor::CcaiPlatform => creds(&[
                        ("username", &c.ccai_username),
                        ("api_token", &c.ccai_api_token),
                    ]),
                    Vendor::Splashify => creds(&[("api_key", &c.splashify_api_key)]),
                };
                let manifest = VendorManifest {
                    base_url: self.base_url(vendor),
                    credentials,
                    agents: self.world.manifest_agents(vendor),
                    rate_limit: self.limit(vendor),
                };
                (vendor, manifest)
            })
            .collect();
        Manifest {
            seed: self.config.seed,
            scale: self.config.scale,
            control_url: self.control_url(),
            vendors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Credentials;

    /// A demo workspace keeps its keys in the keychain: a simulator started
    /// again with the same seed (another day, after a restart) must take them.
    #[test]
    fn a_seed_gives_the_same_keys_at_every_start() {
        let first = Credentials::new(1);
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        let again = Credentials::new(1);
        assert_eq!(first.pingup_secret_key, again.pingup_secret_key);
        assert_eq!(first.vambe_api_key, again.vambe_api_key);
        assert_eq!(first.splashify_api_key, again.splashify_api_key);
        assert_ne!(
            first.vambe_api_key,
            Credentials::new(2).vambe_api_key,
            "another seed, other keys"
        );
    }
}
