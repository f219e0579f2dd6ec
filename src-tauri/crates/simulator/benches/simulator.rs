//! `cargo bench -p switchboard-simulator`: how fast the simulator answers and how
//! much memory it holds at the largest scale. Prints figures; asserts nothing
//! (targets: at least 10,000 simple requests per second on 2 cores, under 500 MB
//! at 1,000,000 targets).
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard_simulator::{Limits, Scale, SimConfig, Simulator, Vendor};

/// Resident memory of this process, in MB (Linux; 0 elsewhere).
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// `connections` keep-alive clients hammer `url` for `duration`; returns requests/s.
async fn load(
    url: String,
    headers: Vec<(&'static str, String)>,
    connections: usize,
    duration: Duration,
) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (url, headers, done, failed) =
            (url.clone(), headers.clone(), done.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            while Instant::now() < deadline {
                let mut request = client.get(&url);
                for (k, v) in &headers {
                    request = request.header(*k, v);
                }
                match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    (
        done.load(Ordering::Relaxed) as f64 / secs,
        failed.load(Ordering::Relaxed),
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "switchboard-simulator benchmark ({} cores)",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );

        // Throughput, limits off, demo data.
        let sim = Simulator::start(SimConfig::demo(1).with_limits(Limits::Off))
            .await
            .unwrap();
        let c = sim.credentials().clone();
        let cases = [
            (
                "Pingup GET /me",
                format!("{}/me", sim.base_url(Vendor::Pingup)),
                vec![("authorization", format!("Bearer {}", c.pingup_secret_key))],
            ),
            (
                "CCAI GET /manager/api/v1/user_statuses",
                format!(
                    "{}/manager/api/v1/user_statuses",
                    sim.base_url(Vendor::CcaiPlatform)
                ),
                vec![(
                    "authorization",
                    format!(
                        "Basic {}",
                        base64_basic(&c.ccai_username, &c.ccai_api_token)
                    ),
                )],
            ),
            (
                "HelpCrunch GET /agents (a page of 30)",
                format!("{}/agents", sim.base_url(Vendor::Helpcrunch)),
                vec![("authorization", format!("Bearer {}", c.helpcrunch_api_key))],
            ),
        ];
        for (name, url, headers) in cases {
            let _ = load(url.clone(), headers.clone(), 8, Duration::from_millis(500)).await; // warm-up
            let (rps, failed) = load(url, headers, 32, Duration::from_secs(5)).await;
            println!(
                "  {name:<42} {rps:>9.0} requests/s over 5 s, 32 connections ({failed} failed)"
            );
        }
        drop(sim);

        // Memory and start-up at the largest scale.
        let before = rss_mb();
        let started = Instant::now();
        let sim = Simulator::start(
            SimConfig::demo(1)
                .with_scale(Scale::LARGE)
                .with_limits(Limits::Off),
        )
        .await
        .unwrap();
        let took = started.elapsed();
        let after = rss_mb();
        println!(
            "  start at {} agents and {} targets: {:.1} s; memory {:.0} MB (process {:.0} MB)",
            Scale::LARGE.agents,
            Scale::LARGE.targets,
            took.as_secs_f64(),
            after - before,
            after
        );
        let url = format!(
            "{}/chats?sort=chats.lastMessageAt&order=desc&offset=200000&limit=100",
            sim.base_url(Vendor::Helpcrunch)
        );
        let headers = vec![(
            "authorization",
            format!("Bearer {}", sim.credentials().helpcrunch_api_key),
        )];
        let (rps, _) = load(url, headers, 8, Duration::from_secs(3)).await;
        println!("  HelpCrunch deep page of 250,000 chats      {rps:>9.0} requests/s");
    });
}

fn base64_basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}
