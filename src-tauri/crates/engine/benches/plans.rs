//! `cargo bench -p switchboard-engine --bench plans`: an assignment plan of
//! 50,000 rows (12,500 on each of Pingup, Vambe, HelpCrunch and Splashify Pro,
//! targets named by id, by phone as people write it, and by name) read and
//! checked against the cache, then the same plan with one row in ten wrong;
//! and a 1 GB file and a binary file refused. Prints figures; asserts nothing.
//! Target: 50,000 rows checked in under 2 s; a 1 GB file refused at once.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use switchboard_domain::Vendor;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::plans;
use switchboard_engine::sync::Cancel;
use switchboard_simulator::{Limits, Scale, SimConfig, Simulator};
use switchboard_store::{agents, connections, targets};

mod common;

/// As the app: see `src-tauri/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EACH: usize = 12_500;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let scale = Scale { agents: 400, targets: 64_000 };
        let sim = Simulator::start(SimConfig::demo(5).with_scale(scale).with_limits(Limits::Off)).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ws = common::workspace(dir.path(), "bench-plans");
        for id in common::connect_all(&ws, &sim).await.into_values() {
            ws.sync(id, SyncMode::Full, &|_| {}, &Cancel::default()).await.unwrap();
        }

        // The plan: every target of the four platforms to an agent in turn.
        let mut csv = String::from("connection,target,to\n");
        let mut wrong = String::from("connection,target,to\n");
        let mut rows = 0;
        for c in ws.store().read(connections::list).unwrap() {
            if !matches!(c.vendor, Vendor::Pingup | Vendor::Vambe | Vendor::Helpcrunch | Vendor::Splashify) {
                continue;
            }
            let (all, people) = ws
                .store()
                .read(|db| Ok((targets::list_by_connection(db, c.id, u32::MAX, 0)?, agents::list_by_connection(db, c.id)?)))
                .unwrap();
            let people: Vec<_> = people.into_iter().filter(|a| a.active && a.email.is_some()).collect();
            // A name only one target has can name it; others by id.
            let mut named: HashMap<String, usize> = HashMap::new();
            for t in &all {
                if let Some(n) = &t.name {
                    *named.entry(n.to_lowercase()).or_default() += 1;
                }
            }
            for (i, t) in all.iter().take(EACH).enumerate() {
                let target = match (&t.phone, &t.name) {
                    (Some(p), _) if c.vendor == Vendor::Splashify => format!("+{} {} {}", &p[..2], &p[2..7], &p[7..]),
                    (_, Some(n)) if i % 2 == 0 && named[&n.to_lowercase()] == 1 && !n.contains(',') => n.clone(),
                    _ => t.vendor_id.clone(),
                };
                let to = people[i % people.len()].email.clone().unwrap();
                writeln!(csv, "{},{target},{to}", c.display_name).unwrap();
                let to = if i % 10 == 0 { format!("nobody-{i}@example.com") } else { to };
                writeln!(wrong, "{},{target},{to}", c.display_name).unwrap();
                rows += 1;
            }
        }
        println!("plans benchmark: {rows} rows, {} KB", csv.len() / 1024);
        for (what, text) in [("a good plan", &csv), ("one row in ten wrong", &wrong)] {
            let mut runs = Vec::new();
            let mut last = None;
            for _ in 0..3 {
                let started = Instant::now();
                let raw = plans::read_bytes(text.as_bytes()).unwrap();
                let read = started.elapsed();
                let check = ws.check_plan("bench.csv".into(), raw).await.unwrap();
                runs.push((started.elapsed(), read));
                last = Some(check);
            }
            runs.sort();
            let (total, read) = runs[1];
            let check = last.unwrap();
            println!(
                "  {what}: read and checked in {:.0} ms (reading {:.0} ms; median of 3): {} items, {} skipped, {} errors (target: under 2 s)",
                total.as_secs_f64() * 1000.0,
                read.as_secs_f64() * 1000.0,
                check.plan.items.len(),
                check.plan.skipped.len(),
                check.errors.len()
            );
        }

        let huge = dir.path().join("huge.csv");
        std::fs::File::create(&huge).unwrap().set_len(1 << 30).unwrap();
        let started = Instant::now();
        let refused = plans::read_file(&huge).unwrap_err();
        println!("  a 1 GB file refused in {:.2} ms: {refused}", started.elapsed().as_secs_f64() * 1000.0);
        let binary = dir.path().join("photo.csv");
        let mut bytes = b"connection,target,to\n".to_vec();
        bytes.extend((0..10_000_000u32).map(|i| (i % 251) as u8));
        std::fs::write(&binary, &bytes).unwrap();
        let started = Instant::now();
        let refused = plans::read_file(&binary).unwrap_err();
        println!("  a 10 MB binary file refused in {:.1} ms: {refused}", started.elapsed().as_secs_f64() * 1000.0);
    });
}
