//! The fault soak: for a bounded time (90 s in the test command; set
//! `SWITCHBOARD_SOAK_SECS` for longer, `.ci/soak` runs 20 minutes), bulk
//! reassignments and their undos, single assignments, the status board's polls
//! of CCAI Platform and team status changes all run at once, while the
//! simulator answers 10% of requests with a 5xx, drops 5%, delays 2% by 3 s,
//! answers 3% with 429, and Vambe goes off the network and back twice.
//!
//! Then, with the faults gone and what waited sent, the invariants:
//! 1. every journaled operation is final, or waits with a reason;
//! 2. every target whose last change the journal calls done holds it at the
//!    vendor (read from the simulator's own state, after one sync);
//! 3. no vendor saw more writes than the journal's attempts allow (each send
//!    is at most 4 HTTP attempts);
//! 4. no vendor saw more requests than its documented limit in any window
//!    (arrival times from the simulator's request log);
//! 5. after one sync, the cache holds what the vendors hold.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard_domain::change::Change;
use switchboard_domain::job::{Operation, OperationState, Origin};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, TargetId, Timestamp, Vendor};
use switchboard_engine::assign::AssignRequest;
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy};
use switchboard_engine::statuses::SetStatusRequest;
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::{Fault, FaultKind, Simulator};
use switchboard_store::{agents, assignments, jobs, operations, targets, teams};

fn seconds() -> u64 {
    std::env::var("SWITCHBOARD_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90)
}

fn faults(sim: &Simulator) {
    for vendor in Vendor::ALL {
        let add = |kind: FaultKind, p: f64| {
            sim.inspector().add_fault(Fault {
                vendor,
                endpoint: None,
                kind,
                times: None,
                probability: Some(p),
            });
        };
        add(
            FaultKind::Status {
                status: 503,
                body: None,
                retry_after: None,
            },
            0.10,
        );
        add(FaultKind::Drop, 0.05);
        add(FaultKind::Latency { ms: 3_000 }, 0.02);
        add(
            FaultKind::Status {
                status: 429,
                body: None,
                retry_after: Some(1),
            },
            0.03,
        );
    }
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

async fn sync_all(ws: &Workspace) {
    for c in ws.connection_summaries().await.expect("connections") {
        // A sync that meets a fault is tried again.
        for _ in 0..5 {
            if ws
                .sync(c.connection.id, SyncMode::Full, &|_| {}, &Cancel::default())
                .await
                .is_ok()
            {
                break;
            }
        }
    }
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
    faults(&sim);
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
    let faulted = sim
        .inspector()
        .requests()
        .iter()
        .filter(|r| r.status != 200 && r.status != 201 && r.status != 204)
        .count();

    // The storm is over: what waited goes out.
    sim.inspector().clear_faults(None);
    for _ in 0..10 {
        let _ = ws.send_queued().await;
        let waiting: i64 = ws
            .store()
            .read(|db| {
                Ok(db.query_row(
                    "SELECT count(*) FROM operations WHERE state IN ('queued', 'sending')",
                    [],
                    |r| r.get(0),
                )?)
            })
            .expect("count");
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let requests = sim.inspector().requests();
    let ops: Vec<Operation> = ws
        .store()
        .read(|db| {
            let mut all = Vec::new();
            for job in jobs::list_recent(db, u32::MAX)? {
                all.extend(operations::list_by_job(db, job.id)?);
            }
            all.sort_by_key(|o| o.id.0);
            Ok(all)
        })
        .expect("operations");

    // 1. Final, or waiting with a reason.
    let mut problems = Vec::new();
    for op in &ops {
        let final_state = matches!(
            op.state,
            OperationState::Done
                | OperationState::Failed
                | OperationState::Cancelled
                | OperationState::Conflict
                | OperationState::Unknown
        );
        let reasoned = op.error_message.as_deref().is_some_and(|m| !m.is_empty());
        if !(final_state || reasoned)
            || (op.state != OperationState::Done
                && op.state != OperationState::Cancelled
                && !reasoned)
        {
            problems.push(format!(
                "operation {} is {:?} with no reason",
                op.id.0, op.state
            ));
        }
    }
    // 3. Writes per vendor within what the journal's attempts allow.
    let mut attempts: BTreeMap<ConnectionId, u64> = BTreeMap::new();
    for op in &ops {
        *attempts.entry(op.connection_id).or_default() += u64::from(op.attempts) * 4;
    }
    for s in &summaries {
        let vendor = s.connection.vendor;
        let writes = requests
            .iter()
            .filter(|r| r.vendor == vendor && r.method != "GET")
            .count() as u64;
        let allowed = attempts.get(&s.connection.id).copied().unwrap_or(0);
        if writes > allowed {
            problems.push(format!(
                "{vendor}: {writes} writes, but the journal's attempts allow {allowed}"
            ));
        }
    }
    // 4. The documented limit in every window, as the vendor counts arrivals.
    for vendor in Vendor::ALL {
        let Some(pace) = switchboard_vendors::documented_pace(vendor) else {
            continue;
        };
        let times: Vec<u64> = requests
            .iter()
            .filter(|r| r.vendor == vendor)
            .map(|r| r.at_ms)
            .collect();
        let mut worst = 0;
        for (i, t) in times.iter().enumerate() {
            let n = times[i..]
                .iter()
                .take_while(|u| **u < t + pace.window_ms)
                .count();
            worst = worst.max(n);
        }
        if worst > pace.max as usize {
            problems.push(format!(
                "{vendor}: {worst} requests in one window of {} ms (limit {})",
                pace.window_ms, pace.max
            ));
        }
    }
    // 5. (and 2.) One sync, then the cache holds what the vendors hold, and
    // each target's last change that is done is there.
    sync_all(&ws).await;
    let world = sim.world();
    let now = Timestamp::now();
    let mut last: BTreeMap<TargetId, &Operation> = BTreeMap::new();
    for op in &ops {
        if let Some(t) = op.target_id {
            last.insert(t, op);
        }
    }
    let mut checked = 0;
    for s in &summaries {
        let vendor = s.connection.vendor;
        let cached = ws
            .store()
            .read(|db| targets::list_by_connection(db, s.connection.id, u32::MAX, 0))
            .expect("targets");
        for target in cached {
            let in_cache: BTreeSet<String> = ws
                .store()
                .read(|db| assignments::list_by_target(db, target.id))
                .expect("assignments")
                .into_iter()
                .filter(|a| a.until.is_none_or(|u| u > now))
                .map(|a| a.agent_vendor_id)
                .collect();
            let held: Option<BTreeSet<String>> = match vendor {
                Vendor::Helpcrunch => target
                    .vendor_id
                    .parse()
                    .ok()
                    .and_then(|c| world.helpcrunch.read().expect("world").assignee_of(c))
                    .map(|a| a.map(|x| x.to_string()).into_iter().collect()),
                Vendor::Vambe => world
                    .vambe
                    .read()
                    .expect("world")
                    .assignees_of(&target.vendor_id)
                    .map(|a| a.into_iter().collect()),
                Vendor::Splashify => target
                    .vendor_id
                    .parse()
                    .ok()
                    .and_then(|p| world.splashify.read().expect("world").assignee_of(p))
                    .map(|a| a.into_iter().collect()),
                Vendor::Pingup => world
                    .pingup
                    .read()
                    .expect("world")
                    .assignees_of(&target.vendor_id)
                    .map(|a| {
                        a.into_iter()
                            .filter(|(_, until)| {
                                switchboard_vendors::parse_iso8601("until", until)
                                    .is_ok_and(|u| u > now)
                            })
                            .map(|(id, _)| id)
                            .collect()
                    }),
                Vendor::CcaiPlatform => None,
            };
            let Some(held) = held else { continue };
            checked += 1;
            if held != in_cache {
                problems.push(format!(
                    "{vendor} target {}: the vendor holds {held:?}, the cache {in_cache:?}",
                    target.vendor_id
                ));
            }
            if let Some(op) = last
                .get(&target.id)
                .filter(|o| o.state == OperationState::Done)
            {
                let wanted: Vec<String> = match &op.request {
                    Change::Assign { agents, .. } => agents.clone(),
                    Change::Move { to: Some(to), .. } => vec![to.clone()],
                    _ => vec![],
                };
                for agent in wanted {
                    if !held.contains(&agent) {
                        let story: Vec<String> = ops
                            .iter()
                            .filter(|o| o.target_id == Some(target.id))
                            .map(|o| {
                                format!(
                                    "#{} {:?} {} attempts {} job {} created {} updated {} {:?}",
                                    o.id.0,
                                    o.kind,
                                    o.state.as_str(),
                                    o.attempts,
                                    o.job_id,
                                    o.created_at.0,
                                    o.updated_at.0,
                                    o.request
                                )
                            })
                            .collect();
                        problems.push(format!(
                            "{vendor} target {}: done operation {} gave it {agent}, the vendor holds {held:?}; its changes:\n  {}",
                            target.vendor_id,
                            op.id.0,
                            story.join("\n  ")
                        ));
                    }
                }
            }
        }
    }
    let by_state = ops
        .iter()
        .fold(BTreeMap::<String, usize>::new(), |mut m, o| {
            *m.entry(o.state.as_str().to_owned()).or_default() += 1;
            m
        });
    println!(
        "soak {} s: {} jobs, {} assignments, {} polls, {} status changes, {} calls refused; {} operations {:?}; {} vendor requests, {} answered with a fault or an outage; {} targets compared",
        soak.as_secs(),
        counts.jobs.load(Ordering::Relaxed),
        counts.assigns.load(Ordering::Relaxed),
        counts.polls.load(Ordering::Relaxed),
        counts.statuses.load(Ordering::Relaxed),
        counts.errors.load(Ordering::Relaxed),
        ops.len(),
        by_state,
        requests.len(),
        faulted,
        checked,
    );
    assert!(counts.jobs.load(Ordering::Relaxed) >= 2, "bulk jobs ran");
    assert!(faulted > 20, "faults were met: {faulted}");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
