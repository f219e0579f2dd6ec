//! The fault soak: for a bounded time (90 s in the test command; set
//! `SWITCHBOARD_SOAK_SECS` for longer, `.ci/soak` runs 20 minutes), bulk
//! reassignments and their undos, single assignments, the status board's polls
//! of CCAI Platform and team status changes all run at once (with the
//! background sender, as in the window), while the
//! simulator answers 10% of requests with a 5xx, drops 5%, delays 2% by 3 s,
//! answers 3% with 429, and Vambe goes off the network and back twice.
//!
//! Then, with the faults gone and what waited sent, the invariants of
//! `switchboard_engine::soak::check`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{TargetId, Vendor};
use switchboard_engine::assign::AssignRequest;
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy};
use switchboard_engine::statuses::SetStatusRequest;
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace, soak};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_store::{agents, targets, teams};

fn seconds() -> u64 {
    std::env::var("SWITCHBOARD_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90)
}

struct Counts {
    jobs: AtomicU64,
    assigns: AtomicU64,
    polls: AtomicU64,
    statuses: AtomicU64,
    errors: AtomicU64,
}

async fn open() -> (tempfile::TempDir, Arc<Workspace>) {
    let dir = tempfile::tempdir().expect("dir");
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-soak"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).expect("keychain");
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .expect("open");
    for c in ws.create_demo().await.expect("demo") {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .expect("sync");
    }
    (dir, Arc::new(ws))
}

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_faults_and_outages_nothing_is_lost_doubled_or_paced_too_fast() {
    let (_dir, ws) = open().await;
    let sim = ws.running_demo().await.expect("simulator");
    let soak = Duration::from_secs(seconds());
    let end = Instant::now() + soak;
    let counts = Arc::new(Counts {
        jobs: AtomicU64::new(0),
        assigns: AtomicU64::new(0),
        polls: AtomicU64::new(0),
        statuses: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    });
    let summaries = ws.connection_summaries().await.expect("connections");
    let conn_of = |v: Vendor| {
        summaries
            .iter()
            .find(|s| s.connection.vendor == v)
            .expect("demo connection")
            .connection
            .id
    };
    let ccai = conn_of(Vendor::CcaiPlatform);
    soak::inject_faults(&sim);
    sim.inspector().clear_requests();
    let started = Instant::now();

    let mut tasks = Vec::new();
    // Bulk: a person's work to two others, then undone, again and again.
    {
        let (ws, counts) = (ws.clone(), counts.clone());
        tasks.push(tokio::spawn(async move {
            let mut people: Vec<_> = ws
                .people(None)
                .await
                .expect("people")
                .into_iter()
                .filter(|p| p.agents.len() >= 3)
                .collect();
            people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
            let mut turn = 0usize;
            while Instant::now() < end {
                let from = &people[turn % 3];
                let to = [people[(turn + 1) % 3].id, people[(turn + 2) % 3].id];
                turn += 1;
                let request = ReassignRequest {
                    from: Some(from.id),
                    targets: None,
                    connections: Vec::new(),
                    to: Destination::People { ids: to.to_vec() },
                    strategy: Strategy::LeastLoaded,
                    max_per_person: Some(8),
                    only_available: false,
                    status: None,
                };
                match ws.reassign(request).await {
                    Ok(out) => {
                        counts.jobs.fetch_add(1, Ordering::Relaxed);
                        if ws.undo(out.job_id).await.is_ok() {
                            counts.jobs.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        counts.errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        }));
    }
    // Single assignments on the four platforms with targets.
    for vendor in [
        Vendor::Pingup,
        Vendor::Vambe,
        Vendor::Helpcrunch,
        Vendor::Splashify,
    ] {
        let (ws, counts) = (ws.clone(), counts.clone());
        let connection = conn_of(vendor);
        tasks.push(tokio::spawn(async move {
            let (list, people): (Vec<TargetId>, Vec<_>) = ws
                .store()
                .read(|db| {
                    let t = targets::list_by_connection(db, connection, 40, 0)?
                        .into_iter()
                        .map(|t| t.id)
                        .take(40)
                        .collect();
                    let a = agents::list_by_connection(db, connection)?
                        .into_iter()
                        .filter(|a| a.active)
                        .map(|a| a.id)
                        .take(6)
                        .collect();
                    Ok((t, a))
                })
                .expect("targets");
            let mut seed = 0x9e37_79b9_7f4a_7c15 ^ vendor.as_str().len() as u64;
            while Instant::now() < end {
                let target = list[(rng(&mut seed) % list.len() as u64) as usize];
                let agent = people[(rng(&mut seed) % people.len() as u64) as usize];
                let request = AssignRequest {
                    target_id: target,
                    agents: vec![agent],
                    people: vec![],
                    teams: vec![],
                    until: None,
                    notes: None,
                    replace: true,
                    replaces: None,
                };
                let request = AssignRequest {
                    replace: vendor == Vendor::Vambe && request.replace,
                    ..request
                };
                match ws.assign(request).await {
                    Ok(_) => counts.assigns.fetch_add(1, Ordering::Relaxed),
                    Err(_) => counts.errors.fetch_add(1, Ordering::Relaxed),
                };
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    // The status board polling CCAI Platform, and team status changes.
    {
        let (ws_outer, counts_outer) = (ws.clone(), counts.clone());
        let (ws, counts) = (ws.clone(), counts.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                match ws.poll_statuses(ccai).await {
                    Ok(_) => counts.polls.fetch_add(1, Ordering::Relaxed),
                    Err(_) => counts.errors.fetch_add(1, Ordering::Relaxed),
                };
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
        let (ws, counts) = (ws_outer.clone(), counts_outer.clone());
        tasks.push(tokio::spawn(async move {
            let team = ws
                .store()
                .read(|db| teams::list_by_connection(db, ccai))
                .expect("teams")[0]
                .id;
            let mut turn = 0;
            while Instant::now() < end {
                turn += 1;
                let request = SetStatusRequest {
                    connection_id: ccai,
                    status_id: if turn % 2 == 0 {
                        "1".into()
                    } else {
                        "2".into()
                    },
                    agents: vec![],
                    teams: vec![team],
                    drop_after_minutes: None,
                };
                match ws.set_status(request).await {
                    Ok(_) => counts.statuses.fetch_add(1, Ordering::Relaxed),
                    Err(_) => counts.errors.fetch_add(1, Ordering::Relaxed),
                };
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }));
    }
    // The background sender, as the window runs it: what waits for a vendor
    // (an outage, retries used up) goes out when it is back. Without it, one
    // change left waiting holds every later change to its target behind it,
    // and a 20-minute soak ended with 5,000 changes to send at the vendors' pace.
    {
        let ws = ws.clone();
        tasks.push(tokio::spawn(async move {
            ws.run_sender(Duration::from_secs(15), || Instant::now() < end, |_| {})
                .await;
        }));
    }
    // Vambe goes off the network and comes back, twice.
    {
        let sim = sim.clone();
        tasks.push(tokio::spawn(async move {
            for (off, on) in [(0.25, 0.35), (0.6, 0.7)] {
                tokio::time::sleep_until((started + soak.mul_f64(off)).into()).await;
                sim.halt(Vendor::Vambe);
                tokio::time::sleep_until((started + soak.mul_f64(on)).into()).await;
                sim.resume(Vendor::Vambe).await.expect("resume");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let faulted = soak::faulted(&sim);

    // The storm is over: what waited goes out.
    soak::send_what_waits(&ws, &sim).await;
    let found = soak::check(&ws, &sim).await;
    println!(
        "soak {} s: {} jobs, {} assignments, {} polls, {} status changes, {} calls refused; {} operations {:?}; {} vendor requests, {} answered with a fault or an outage; {} targets compared",
        soak.as_secs(),
        counts.jobs.load(Ordering::Relaxed),
        counts.assigns.load(Ordering::Relaxed),
        counts.polls.load(Ordering::Relaxed),
        counts.statuses.load(Ordering::Relaxed),
        counts.errors.load(Ordering::Relaxed),
        found.operations,
        found.by_state,
        found.requests,
        faulted,
        found.targets_compared,
    );
    assert!(counts.jobs.load(Ordering::Relaxed) >= 2, "bulk jobs ran");
    assert!(faulted > 20, "faults were met: {faulted}");
    assert!(
        found.problems.is_empty(),
        "{} problems:\n{}",
        found.problems.len(),
        found.problems.join("\n")
    );
}
