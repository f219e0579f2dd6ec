//! What the bulk-reassignment tests share: a workspace on the demo simulator,
//! synced, and its people.
#![allow(clippy::unwrap_used, dead_code)] // tests: a failed unwrap is a failed test

pub mod ccai;

use std::sync::Arc;

use switchboard_domain::browse::PersonRow;
use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};

pub struct Env {
    pub _dir: tempfile::TempDir,
    pub ws: Workspace,
}

pub async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-reassign"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .unwrap();
    for c in ws.create_demo().await.unwrap() {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    Env { _dir: dir, ws }
}

impl Env {
    pub fn journaled(&self) -> i64 {
        self.ws
            .store()
            .read(|db| Ok(db.query_row("SELECT count(*) FROM operations", [], |r| r.get(0))?))
            .unwrap()
    }

    /// People with agents on at least `platforms` platforms, busiest first.
    pub async fn people(&self, platforms: usize) -> Vec<PersonRow> {
        let mut people: Vec<PersonRow> = self
            .ws
            .people(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.agents.len() >= platforms)
            .collect();
        people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
        people
    }
}

pub fn request(from: &PersonRow, to: &[&PersonRow]) -> ReassignRequest {
    ReassignRequest {
        from: Some(from.id),
        targets: None,
        connections: Vec::new(),
        to: Destination::People {
            ids: to.iter().map(|p| p.id).collect(),
        },
        strategy: Strategy::LeastLoaded,
        max_per_person: None,
        only_available: false,
        status: None,
    }
}
