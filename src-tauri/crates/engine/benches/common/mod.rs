//! What the bulk-job benchmarks share: the simulator's five vendors connected,
//! limits off, with the agents of vendors that cannot list theirs imported as
//! the manifest gives them.
#![allow(clippy::unwrap_used, dead_code)] // a benchmark helper: a failed unwrap is a failed run

use std::collections::BTreeMap;

use switchboard_domain::{ConnectionId, Vendor};
use switchboard_engine::Workspace;
use switchboard_simulator::Simulator;
use switchboard_store::connections;

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
