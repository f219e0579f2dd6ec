//! What the benchmarks share: a workspace with a keychain in memory, and the
//! simulator's five vendors connected, limits off, with the agents of vendors
//! that cannot list theirs imported as the manifest gives them.
#![allow(clippy::unwrap_used, dead_code)] // a benchmark helper: a failed unwrap is a failed run

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use switchboard_domain::job::Origin;
use switchboard_domain::{ConnectionId, Vendor};
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::Simulator;
use switchboard_store::connections;

/// A workspace in `dir`, its keychain in memory under the test namespace `run`.
pub fn workspace(dir: &Path, run: &str) -> Workspace {
    let config = Config {
        data_dir: dir.into(),
        namespace: Namespace::test(run),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
        .unwrap()
}

/// Connects every vendor of `sim` (named "Bench …", rate limits off); not synced.
pub async fn connect_all(ws: &Workspace, sim: &Simulator) -> BTreeMap<Vendor, ConnectionId> {
    let mut ids = BTreeMap::new();
    for (vendor, form) in switchboard_engine::demo::forms(&sim.manifest(), "Bench ") {
        let mut c = ws.create_connection(vendor, form, true).await.unwrap();
        c.settings.insert("rate_limit".into(), "off".into());
        ws.store().write(|db| connections::upsert(db, &c)).unwrap();
        let kind = sim
            .manifest()
            .vendors
            .into_iter()
            .find(|(k, _)| *k == vendor)
            .unwrap()
            .1;
        let imported: Vec<_> = kind
            .agents
            .iter()
            .map(|a| switchboard_engine::agents::NewAgent {
                vendor_id: a.id.clone().unwrap_or_else(|| a.email.clone()),
                name: a.name.clone(),
                email: Some(a.email.clone()),
                active: a.active,
            })
            .collect();
        if !imported.is_empty() {
            ws.add_agents(c.id, imported, switchboard_domain::agent::AgentSource::Csv)
                .await
                .unwrap();
        }
        ids.insert(vendor, c.id);
    }
    ids
}
