//! The demo workspace: the vendor simulator started in-process on loopback, and
//! one connection to each of its five vendors, marked DEMO everywhere they appear.
//! Demo and real connections live side by side.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_domain::Vendor;
use switchboard_domain::connection::Connection;
use switchboard_secrets::Secret;
use switchboard_simulator::{Manifest, SimConfig, SimError, Simulator};
use switchboard_store::connections;

use crate::connection_form::ConnectionForm;
use crate::{EngineError, Workspace};

/// The seed of the demo's data; kept in each demo connection's settings.
pub const DEMO_SEED: u64 = 42;
const SEED_KEY: &str = "demo_seed";

/// The connection form for each vendor of a simulator, as a manager would fill it
/// in from the manifest.
pub fn forms(manifest: &Manifest, name_prefix: &str) -> Vec<(Vendor, ConnectionForm)> {
    manifest
        .vendors
        .iter()
        .map(|(kind, v)| {
            let vendor = *kind;
            let c = &v.credentials;
            let secret = c
                .get("secret_key")
                .or(c.get("api_key"))
                .or(c.get("api_token"))
                .cloned()
                .unwrap_or_default();
            let form = ConnectionForm {
                display_name: format!("{name_prefix}{vendor}"),
                base_url: Some(v.base_url.clone()),
                business_name: c.get("business_name").cloned(),
                username: c.get("username").cloned(),
                secret: Some(Secret::new(secret)),
                ..Default::default()
            };
            (vendor, form)
        })
        .collect()
}

/// Fixes the port of the demo simulator's control API (otherwise any free port).
pub const DEMO_CONTROL_PORT_ENV: &str = "SWITCHBOARD_DEMO_CONTROL_PORT";

impl Workspace {
    /// Starts the simulator (if it is not running) and creates the five demo
    /// connections, with the agents of the vendors that cannot list theirs.
    pub async fn create_demo(&self) -> Result<Vec<Connection>, EngineError> {
        let sim = self.demo_simulator(None).await?;
        let manifest = sim.manifest();
        let mut created = Vec::new();
        for (vendor, form) in forms(&manifest, "Demo ") {
            let mut connection = self.create_connection(vendor, form, true).await?;
            connection
                .settings
                .insert(SEED_KEY.into(), serde_json::Value::from(DEMO_SEED));
            let store = self.store().clone();
            let saved = connection.clone();
            tokio::task::spawn_blocking(move || store.write(|db| connections::upsert(db, &saved)))
                .await??;
            let agents = &manifest.vendors[&vendor].agents;
            if !agents.is_empty() {
                let rows = agents
                    .iter()
                    .map(|a| crate::agents::NewAgent {
                        vendor_id: a.id.clone().unwrap_or_else(|| a.email.clone()),
                        name: a.name.clone(),
                        email: Some(a.email.clone()),
                        active: a.active,
                    })
                    .collect();
                self.add_agents(
                    connection.id,
                    rows,
                    switchboard_domain::agent::AgentSource::Manual,
                )
                .await?;
            }
            created.push(connection);
        }
        Ok(created)
    }

    /// The running demo simulator; started on the ports the demo connections use
    /// (so they keep working across restarts), or on any free ports.
    pub async fn demo_simulator(
        &self,
        ports: Option<BTreeMap<String, u16>>,
    ) -> Result<Arc<Simulator>, EngineError> {
        let mut slot = self.demo.lock().await;
        if let Some(sim) = slot.as_ref() {
            return Ok(sim.clone());
        }
        let mut config = SimConfig::demo(DEMO_SEED);
        config.ports = ports.unwrap_or_default();
        // Tests of the real window drive the demo's vendors (take them off the
        // network, change data behind the app's back) through the control API.
        if let Some(port) = std::env::var(DEMO_CONTROL_PORT_ENV)
            .ok()
            .and_then(|p| p.parse::<u16>().ok())
        {
            config.ports.insert("control".into(), port);
        }
        // A port another program took meanwhile (or a control port asked for
        // that is busy): that one moves to a free port rather than the demo not
        // starting; `resume_demo` points its connections there.
        let sim = loop {
            match Simulator::start(config.clone()).await {
                Ok(sim) => break sim,
                Err(SimError::Bind { what, port, source })
                    if config.ports.remove(&what).is_some() =>
                {
                    eprintln!(
                        "switchboard: port {port} for the demo's {what} is taken ({source}); it moves to a free port"
                    );
                }
                Err(e) => {
                    return Err(EngineError::Startup(format!(
                        "the demo simulator could not start: {e}"
                    )));
                }
            }
        };
        *slot = Some(sim.clone());
        Ok(sim)
    }

    /// On start: if there are demo connections, brings their simulator back on
    /// the same ports (on free ones, and the connections with it, where another
    /// program took one meanwhile). Returns whether it did: not when another
    /// Switchboard already serves the demo there.
    pub async fn resume_demo(&self) -> Result<bool, EngineError> {
        let store = self.store().clone();
        let demo: Vec<Connection> =
            tokio::task::spawn_blocking(move || store.read(connections::list))
                .await??
                .into_iter()
                .filter(|c| c.is_demo)
                .collect();
        if demo.is_empty() {
            return Ok(false);
        }
        let ports: BTreeMap<String, u16> = demo
            .iter()
            .filter_map(|c| {
                let port = url::Url::parse(c.base_url.as_str()).ok()?.port()?;
                Some((c.vendor.as_str().to_owned(), port))
            })
            .collect();
        // Another Switchboard (the app, while this is a command) serves the demo
        // on these ports: use it, do not start a second one.
        if self.demo.lock().await.is_none() {
            for port in ports.values() {
                if switchboard_simulator::simulator_at(*port).await {
                    return Ok(false);
                }
            }
        }
        let sim = self.demo_simulator(Some(ports)).await?;
        // Where a port was taken and the demo moved, its connections follow.
        let manifest = sim.manifest();
        let moved: Vec<Connection> = demo
            .into_iter()
            .filter_map(|mut c| {
                let serving = &manifest.vendors.get(&c.vendor)?.base_url;
                let port = url::Url::parse(serving).ok()?.port()?;
                let mut url = url::Url::parse(c.base_url.as_str()).ok()?;
                if url.port() == Some(port) {
                    return None;
                }
                url.set_port(Some(port)).ok()?;
                c.base_url = switchboard_domain::connection::BaseUrl::parse(url.as_str()).ok()?;
                Some(c)
            })
            .collect();
        if !moved.is_empty() {
            let store = self.store().clone();
            tokio::task::spawn_blocking(move || {
                store.write(|db| {
                    moved
                        .iter()
                        .try_for_each(|c| connections::upsert(db, c).map(|_| ()))
                })
            })
            .await??;
        }
        Ok(true)
    }

    /// The demo simulator if it runs (tests and the control of a demo).
    pub async fn running_demo(&self) -> Option<Arc<Simulator>> {
        self.demo.lock().await.clone()
    }
}
