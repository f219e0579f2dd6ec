//! What the command-line tests share: the real binary, and a workspace with the
//! demo connections (their simulator runs in the test process).
#![allow(dead_code)] // each test file uses its own part
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

pub mod ipc;

use std::process::{Command, Output};

use switchboard_domain::job::Origin;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::Namespace;

/// A data folder for one test: a temporary one, or, when the test command
/// asks (`SWITCHBOARD_TEST_DATA_DIR`), one kept under that folder for the
/// secret scan to read afterwards.
pub fn data_dir() -> tempfile::TempDir {
    match std::env::var_os("SWITCHBOARD_TEST_DATA_DIR") {
        Some(root) => {
            std::fs::create_dir_all(&root).unwrap();
            let mut dir = tempfile::Builder::new()
                .prefix("cli-")
                .tempdir_in(root)
                .unwrap();
            dir.disable_cleanup(true);
            dir
        }
        None => tempfile::tempdir().unwrap(),
    }
}

/// A small seeded generator: a run can be repeated from its seed.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub fn cli(dir: &std::path::Path, namespace: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", namespace)
        .output()
        .unwrap()
}

/// A workspace in a temporary folder with the demo connections, under a
/// keychain namespace of its own; `None` (the test skips) only where no OS
/// keychain exists, never under CI.
pub async fn demo_workspace() -> Option<(
    tempfile::TempDir,
    String,
    Workspace,
    Vec<switchboard_domain::connection::Connection>,
)> {
    let dir = data_dir();
    let namespace = format!("io.switchboard.desktop.test.cli-{}", uuid::Uuid::new_v4());
    let config = Config {
        data_dir: dir.path().into(),
        namespace: Namespace::custom(&namespace).unwrap(),
    };
    let ws = Workspace::open(config, Origin::App).unwrap();
    match ws.create_demo().await {
        Ok(connections) => Some((dir, namespace, ws, connections)),
        Err(e) => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "under CI the keychain must work: {e}"
            );
            eprintln!("SKIPPED (no OS keychain here): {e}");
            None
        }
    }
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every operation's state, oldest first.
pub fn states(ws: &Workspace) -> Vec<switchboard_domain::job::OperationState> {
    ws.store()
        .read(|db| {
            Ok(switchboard_store::history::page(db, &Default::default())?
                .rows
                .into_iter()
                .rev()
                .map(|r| r.operation.state)
                .collect())
        })
        .unwrap()
}
