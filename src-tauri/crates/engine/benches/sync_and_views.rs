//! `cargo bench -p switchboard-engine`: a full sync of 10,000 agents and 100,000
//! targets from the simulator (limits off), then the queries behind the People and
//! Targets views at that size. Prints figures; asserts nothing. Targets: the sync
//! under 30 s, another writer never waiting long behind it, each view query
//! under 50 ms.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_domain::browse::TargetQuery;
use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::{Limits, Scale, SimConfig, Simulator};
use switchboard_store::{browse, connections};

/// As the app: see `src-tauri/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A named query to time.
type Case<'a> = (&'static str, Box<dyn FnMut() -> usize + 'a>);

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let _ = f(); // warm the page cache and statement cache
    percentiles(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(f());
                started.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let scale = Scale { agents: 10_000, targets: 100_000 };
        let sim = Simulator::start(SimConfig::demo(1).with_scale(scale).with_limits(Limits::Off)).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().into(), namespace: Namespace::test("bench") };
        let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
        let ws = Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone()))).unwrap();
        println!("sync and views benchmark: {} agents, {} targets in the simulator", scale.agents, scale.targets);

        // Another writer (a command, an assignment) all through the syncs: how
        // long it ever waits for the write lock, against SQLite's 5 s busy timeout.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let contender = {
            let (path, stop) = (ws.store().path().to_path_buf(), stop.clone());
            std::thread::spawn(move || {
                let db = rusqlite::Connection::open(path).unwrap();
                db.busy_timeout(Duration::from_secs(5)).unwrap();
                let (mut longest, mut writes) = (Duration::ZERO, 0u32);
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let asked = Instant::now();
                    db.execute_batch("BEGIN IMMEDIATE; COMMIT;").unwrap();
                    longest = longest.max(asked.elapsed());
                    writes += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                (longest, writes)
            })
        };
        let mut total = Duration::ZERO;
        let (mut all_agents, mut all_targets) = (0, 0);
        for (vendor, form) in switchboard_engine::demo::forms(&sim.manifest(), "Bench ") {
            let mut c = ws.create_connection(vendor, form, true).await.unwrap();
            // Benchmarks measure us, not the vendors' documented limits.
            c.settings.insert("rate_limit".into(), "off".into());
            ws.store().write(|db| connections::upsert(db, &c)).unwrap();
            // Vendors that cannot list agents get theirs from the manifest, as
            // a manager would import them.
            let kind = sim.manifest().vendors.into_iter().find(|(k, _)| *k == vendor).unwrap().1;
            let imported: Vec<_> = kind
                .agents
                .iter()
                .map(|a| switchboard_engine::agents::NewAgent { vendor_id: a.id.clone().unwrap_or_else(|| a.email.clone()), name: a.name.clone(), email: Some(a.email.clone()), active: a.active })
                .collect();
            let manual = imported.len();
            if manual > 0 {
                ws.add_agents(c.id, imported, switchboard_domain::agent::AgentSource::Csv).await.unwrap();
            }
            let started = Instant::now();
            let run = ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default()).await.unwrap();
            let took = started.elapsed();
            total += took;
            all_agents += run.agents + manual as i64;
            all_targets += run.targets;
            println!("  sync {:<14} {:>6} agents {:>7} targets in {:>6.2} s", vendor.to_string(), run.agents + manual as i64, run.targets, took.as_secs_f64());
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let (longest, writes) = contender.join().unwrap();
        println!("  another writer during the syncs: {writes} writes, longest wait {:.0} ms (its busy timeout: 5,000 ms)", longest.as_secs_f64() * 1000.0);
        let rows = (all_agents + all_targets) as f64;
        println!(
            "  full sync of all five: {:.2} s, {:.0} rows/s ({} agents, {} targets)",
            total.as_secs_f64(),
            rows / total.as_secs_f64(),
            all_agents,
            all_targets
        );

        let store = ws.store().clone();
        let people_count = store.read(|db| browse::people(db, None)).unwrap().len();
        let q = |search: Option<&str>, unassigned: Option<bool>, offset: u32| TargetQuery {
            search: search.map(Into::into),
            unassigned,
            offset,
            limit: 200,
            ..Default::default()
        };
        let cases: Vec<Case> = vec![
            ("People: everyone with their agents", Box::new(|| store.read(|db| browse::people(db, None)).unwrap().len())),
            ("People: search \"ana\"", Box::new(|| store.read(|db| browse::people(db, Some("ana"))).unwrap().len())),
            ("Targets: first page, all", Box::new(|| store.read(|db| browse::targets(db, &q(None, None, 0))).unwrap().rows.len())),
            ("Targets: page at offset 5,000", Box::new(|| store.read(|db| browse::targets(db, &q(None, None, 5_000))).unwrap().rows.len())),
            ("Targets: search a name", Box::new(|| store.read(|db| browse::targets(db, &q(Some("noah li"), None, 0))).unwrap().rows.len())),
            ("Targets: search a phone prefix", Box::new(|| store.read(|db| browse::targets(db, &q(Some("+91 98"), None, 0))).unwrap().rows.len())),
            ("Targets: unassigned only", Box::new(|| store.read(|db| browse::targets(db, &q(None, Some(true), 0))).unwrap().rows.len())),
            ("Teams", Box::new(|| store.read(|db| browse::teams(db, None)).unwrap().len())),
        ];
        println!("  view queries over {people_count} people and {all_targets} targets (median / p95 of 30 runs):");
        for (name, mut f) in cases {
            let (median, p95) = time(30, &mut f);
            println!("    {name:<36} {median:>7.1} ms / {p95:>7.1} ms");
        }
    });
}
