//! A workspace with one CCAI Platform connection to a simulator of its own,
//! synced, limits off (the pace is not what these tests check).

use std::sync::Arc;

use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, Vendor};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::{Fault, Limits, Scale, SimConfig, Simulator};
use switchboard_store::connections;

pub struct Env {
    pub _dir: tempfile::TempDir,
    pub ws: Workspace,
    pub ccai: ConnectionId,
    pub sim: Arc<Simulator>,
}

/// `agents` CCAI Platform agents (the simulator's seed is `seed`). The sync's
/// read of the activity log meets an outage (the sync goes on without it), so
/// tests start with a log nobody has read.
pub async fn env(seed: u64, agents: u32) -> Env {
    env_reading_log_at_sync(seed, agents, false).await
}

/// As [`env`]; `log_at_sync`: the sync reads the activity log as it would.
pub async fn env_reading_log_at_sync(seed: u64, agents: u32, log_at_sync: bool) -> Env {
    let scale = Scale {
        agents: agents * 5,
        targets: 40,
    };
    let sim = Simulator::start(
        SimConfig::demo(seed)
            .with_scale(scale)
            .with_limits(Limits::Off),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-ccai"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .unwrap();
    let (vendor, form) = switchboard_engine::demo::forms(&sim.manifest(), "Test ")
        .into_iter()
        .find(|(v, _)| *v == Vendor::CcaiPlatform)
        .unwrap();
    let mut c = ws.create_connection(vendor, form, true).await.unwrap();
    c.settings.insert("rate_limit".into(), "off".into());
    ws.store().write(|db| connections::upsert(db, &c)).unwrap();
    if !log_at_sync {
        // Refused (not retried), as a tenant without the log would.
        sim.inspector()
            .add_fault(Fault::refuse(Vendor::CcaiPlatform, "agent_activity_logs"));
    }
    ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    sim.inspector().clear_faults(None);
    Env {
        _dir: dir,
        ws,
        ccai: c.id,
        sim,
    }
}
