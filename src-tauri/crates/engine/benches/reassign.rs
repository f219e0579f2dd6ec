//! `cargo bench -p switchboard-engine --bench reassign`: one person holding
//! 10,000 targets (2,500 on each of Pingup, Vambe (a third shared with another
//! agent), HelpCrunch and Splashify Pro) handed to two people. Prints figures;
//! asserts nothing. It times the preview, then the job with limits off against
//! the simulator's own capacity for the same number of calls at the same
//! concurrency (four calls in flight per vendor, as the job), then (after an undo) the job at
//! the documented limits 60 times faster against the rate-limit bound, and the
//! process's peak memory during the jobs.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard_domain::Vendor;
use switchboard_domain::job::Origin;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::{Limits, RateLimit, RequestRecord, Scale, SimConfig, Simulator};
use switchboard_store::connections;

mod common;

/// As the app: see `src-tauri/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EACH: usize = 2_500;
const VENDORS: [Vendor; 4] = [
    Vendor::Pingup,
    Vendor::Vambe,
    Vendor::Helpcrunch,
    Vendor::Splashify,
];

/// The process's resident memory now, in MB (Linux; 0 elsewhere).
fn rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// Samples the peak resident memory until stopped.
fn watch_memory(stop: Arc<AtomicBool>, peak: Arc<AtomicU64>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            peak.fetch_max(rss_mb(), Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
        }
    })
}

fn requests(sim: &Simulator) -> u64 {
    VENDORS
        .iter()
        .map(|v| sim.inspector().counts(*v).values().sum::<u64>())
        .sum()
}

/// The job's own requests (from the simulator's log) sent again as they were,
/// `lanes` in flight per vendor, vendors side by side: the simulator's own
/// capacity for the same calls at the job's concurrency. Every call the job
/// makes is idempotent, so sending them again changes nothing at the vendor.
async fn replay(sim: &Simulator, log: &[RequestRecord], lanes: usize) -> f64 {
    let mut by_lane: BTreeMap<(Vendor, usize), Vec<RequestRecord>> = BTreeMap::new();
    for (i, r) in log.iter().enumerate() {
        by_lane
            .entry((r.vendor, i % lanes))
            .or_default()
            .push(r.clone());
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for ((vendor, _), records) in by_lane {
        let origin = sim.origin(vendor);
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for r in records {
                let url = match &r.query {
                    Some(q) => format!("{origin}{}?{q}", r.path),
                    None => format!("{origin}{}", r.path),
                };
                let mut call = http
                    .request(r.method.parse().unwrap(), url)
                    .body(r.body.clone());
                for (k, v) in &r.headers {
                    if !matches!(k.as_str(), "host" | "content-length") {
                        call = call.header(k, v);
                    }
                }
                let answer = call.send().await.unwrap();
                assert_eq!(
                    answer.status().as_u16(),
                    r.status,
                    "{} {} answered differently the second time",
                    r.method,
                    r.path
                );
                let _ = answer.bytes().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    log.len() as f64 / started.elapsed().as_secs_f64()
}

/// Each vendor's `calls` cheapest reads, `lanes` in flight per vendor: what
/// the simulator answers when it has next to nothing to do (for reference).
async fn capacity(sim: &Simulator, calls: &BTreeMap<Vendor, u64>, lanes: u64) -> f64 {
    let c = sim.credentials().clone();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (&vendor, &n) in calls {
        for lane in 0..lanes {
            let base = sim.base_url(vendor);
            let c = c.clone();
            let n = n / lanes + u64::from(lane < n % lanes);
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                for _ in 0..n {
                    let r = match vendor {
                        Vendor::Pingup => http
                            .get(format!("{base}/clients"))
                            .query(&[("limit", "1")])
                            .bearer_auth(&c.pingup_secret_key),
                        Vendor::Vambe => http
                            .get(format!("{base}/api/public/team-members/all"))
                            .header("x-api-key", &c.vambe_api_key),
                        Vendor::Helpcrunch => http
                            .get(format!(
                                "{base}/chats/{}",
                                switchboard_simulator::vendors::helpcrunch::Data::chat_id(0)
                            ))
                            .bearer_auth(&c.helpcrunch_api_key),
                        _ => http
                            .post(format!("{base}/public/apis/users/"))
                            .query(&[("limit", "1")])
                            .header("authorization", format!("Basic {}", c.splashify_api_key))
                            .json(&serde_json::json!({"filters": []})),
                    };
                    let _ = r.send().await.unwrap().bytes().await;
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    calls.values().sum::<u64>() as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let scale = Scale { agents: 400, targets: 16_000 };
        let sim = Simulator::start(SimConfig { log_capacity: 40_000, ..SimConfig::demo(3).with_scale(scale).with_limits(Limits::Off) }).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().into(), namespace: Namespace::test("bench-reassign") };
        let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
        let open = |config: Config| {
            let k = keychain.clone();
            Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(k.clone()))).unwrap()
        };
        let ws = open(config.clone());
        let ids = common::connect_all(&ws, &sim).await;
        let sync_all = || async {
            for id in ids.values() {
                ws.sync(*id, SyncMode::Full, &|_| {}, &Cancel::default()).await.unwrap();
            }
        };
        sync_all().await;

        // Three people with an active agent on each of the four platforms.
        let mut people = ws.people(None).await.unwrap();
        people.retain(|p| p.email.is_some());
        let chosen = [people[0].id, people[1].id, people[2].id];
        let mut spare: Vec<_> = people[3..].iter().flat_map(|p| p.agents.clone()).filter(|a| a.active).collect();
        for (i, id) in chosen.iter().enumerate() {
            for v in VENDORS {
                if !people[i].agents.iter().any(|a| a.vendor == v && a.active) {
                    let at = spare.iter().position(|a| a.vendor == v).unwrap();
                    ws.link_agent(spare.remove(at).id, *id).await.unwrap();
                }
            }
        }
        let people = ws.people(None).await.unwrap();
        let row = |id| people.iter().find(|p| p.id == id).unwrap().clone();
        let (from, b, c) = (row(chosen[0]), row(chosen[1]), row(chosen[2]));
        let agent = |v: Vendor| from.agents.iter().find(|a| a.vendor == v && a.active).unwrap().clone();
        {
            let world = sim.world();
            let other = b.agents.iter().find(|a| a.vendor == Vendor::Vambe && a.active).unwrap();
            let mut pingup = world.pingup.write().unwrap();
            for i in 0..EACH {
                let id = pingup.client_id(i);
                pingup.set_assignees(&id, &[&agent(Vendor::Pingup).vendor_id]);
            }
            drop(pingup);
            let mut vambe = world.vambe.write().unwrap();
            let mine = agent(Vendor::Vambe).vendor_id;
            for i in 0..EACH {
                let id = vambe.contact_id(i);
                let members: Vec<&str> = if i % 3 == 0 { vec![&mine, &other.vendor_id] } else { vec![&mine] };
                vambe.set_assignees(&id, &members);
            }
            drop(vambe);
            let mut hc = world.helpcrunch.write().unwrap();
            let hc_agent: u64 = agent(Vendor::Helpcrunch).vendor_id.parse().unwrap();
            for i in 0..EACH {
                hc.set_assignee(switchboard_simulator::vendors::helpcrunch::Data::chat_id(i), Some(hc_agent));
            }
            drop(hc);
            let mut sp = world.splashify.write().unwrap();
            let phones: Vec<u64> = sp.customers.iter().filter(|c| c.has_conversation).take(EACH).map(|c| c.phone).collect();
            let email = agent(Vendor::Splashify).email.unwrap();
            for phone in phones {
                sp.set_assignee(phone, Some(&email));
            }
        }
        sync_all().await;
        let request = ReassignRequest {
            from: Some(from.id),
            targets: None,
            connections: Vec::new(),
            to: Destination::People { ids: vec![b.id, c.id] },
            strategy: Strategy::LeastLoaded,
            max_per_person: None,
            only_available: false,
            status: None,
        };

        let mut previews = Vec::new();
        let mut plan = None;
        for _ in 0..5 {
            let started = Instant::now();
            plan = Some(ws.preview_reassign(request.clone()).await.unwrap());
            previews.push(started.elapsed());
        }
        previews.sort();
        let plan = plan.unwrap();
        println!("reassign benchmark: {} items ({} skipped) on {} connections", plan.items.len(), plan.skipped.len(), plan.connections.len());
        println!("  preview of {} items: median {:.0} ms (target: under 1 s)", plan.items.len(), previews[2].as_secs_f64() * 1000.0);

        // The job with limits off, and the simulator alone for as many calls.
        let (stop, peak) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let watcher = watch_memory(stop.clone(), peak.clone());
        let before: BTreeMap<Vendor, u64> = VENDORS.iter().map(|v| (*v, sim.inspector().counts(*v).values().sum())).collect();
        let last_seen = sim.inspector().requests().last().map_or(0, |r| r.seq);
        let (calls_before, started) = (requests(&sim), Instant::now());
        let out = ws.reassign(request.clone()).await.unwrap();
        let took = started.elapsed().as_secs_f64();
        let calls = requests(&sim) - calls_before;
        let per_vendor: BTreeMap<Vendor, u64> = VENDORS.iter().map(|v| (*v, sim.inspector().counts(*v).values().sum::<u64>() - before[v])).collect();
        let done = out.results.iter().filter(|r| r.state == switchboard_domain::job::OperationState::Done).count();
        println!("  limits off: {done} of {} items done in {took:.1} s: {:.0} items/s, {:.0} calls/s ({calls} calls)", out.results.len(), done as f64 / took, calls as f64 / took);
        let log: Vec<RequestRecord> = sim.inspector().requests().into_iter().filter(|r| r.seq > last_seen).collect();
        assert_eq!(log.len() as u64, calls, "the simulator's log holds every call of the job");
        let mut kinds: BTreeMap<(Vendor, &str), u64> = BTreeMap::new();
        for r in &log {
            *kinds.entry((r.vendor, r.endpoint.as_str())).or_default() += 1;
        }
        let kinds: Vec<String> = kinds.iter().map(|((v, e), n)| format!("{v} {e} {n}")).collect();
        println!("    the calls: {}", kinds.join(", "));
        // The job has 4 items of a vendor on their way at once (engine::reassign::LANES).
        let same = replay(&sim, &log, 4).await;
        let raw = capacity(&sim, &per_vendor, 4).await;
        println!("  the simulator alone, the job's own {calls} calls sent again, 4 in flight per vendor as the job: {same:.0} calls/s; the job reached {:.0}% of it (target: at least 70%)", 100.0 * (calls as f64 / took) / same);
        println!("    for reference, as many of each vendor's cheapest reads: {raw:.0} calls/s");

        // Back as it was, then the documented limits 60 times faster.
        let started = Instant::now();
        let undone = ws.undo(out.job_id).await.unwrap();
        let back = undone.results.iter().filter(|r| r.state == switchboard_domain::job::OperationState::Done).count();
        println!("  undo: {back} of {} items put back in {:.1} s", undone.results.len(), started.elapsed().as_secs_f64());
        let factor = 60.0;
        let mut bound: f64 = 0.0;
        for v in VENDORS {
            if let Some(limit) = switchboard_simulator::documented_limit(v) {
                let faster = RateLimit { max: limit.max, window_ms: ((limit.window_ms as f64 / factor).round() as u64).max(1) };
                sim.set_limit(v, Some(faster));
                let id = ids[&v];
                ws.store()
                    .write(|db| {
                        let mut c = connections::get(db, id)?;
                        c.settings.insert("rate_limit".into(), serde_json::json!({"max": faster.max, "window_ms": faster.window_ms}));
                        connections::upsert(db, &c)
                    })
                    .unwrap();
                let seconds = per_vendor[&v] as f64 * faster.window_ms as f64 / 1000.0 / f64::from(faster.max);
                bound = bound.max(seconds);
            }
        }
        // A new run of the app: its pacers take the connections' new limits.
        let ws = open(config.clone());
        let started = Instant::now();
        let paced = ws.reassign(request.clone()).await.unwrap();
        let took = started.elapsed().as_secs_f64();
        let done = paced.results.iter().filter(|r| r.state == switchboard_domain::job::OperationState::Done).count();
        println!("  documented limits x{factor:.0}: {done} of {} items done in {took:.1} s; the slowest vendor's calls at its limit take {bound:.1} s ({:.0}% of the bound; target: within 5%)", paced.results.len(), 100.0 * took / bound);
        stop.store(true, Ordering::SeqCst);
        watcher.join().unwrap();
        println!("  peak memory during the jobs: {} MB", peak.load(Ordering::SeqCst));
    });
}
