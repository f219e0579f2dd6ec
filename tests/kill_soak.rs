//! The fault soak with the process killed: for a bounded time (60 s in the
//! test command; `SWITCHBOARD_KILL_SOAK_SECS` for longer, `.ci/soak` runs it
//! after the in-process soak), the real binary runs one command after another
//! (bulk reassignments and their undos, single assignments on four platforms,
//! team status changes on CCAI Platform, and the resumes of whatever a kill
//! left behind), while the simulator injects faults and takes Vambe off the
//! network twice, and most commands are killed (SIGKILL: no clean-up runs) at
//! a random moment. Then, with the faults gone and every job resumed, the
//! invariants of `switchboard_engine::soak::check`.
//!
//! One command at a time, as a cron job or a script would run them: the pacer
//! is per process, so two commands side by side could each use the vendor's
//! whole limit (a cross-process pace is not built; see the README).
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Lcg, cli, demo_workspace, text};
use switchboard_domain::Vendor;
use switchboard_domain::sync::SyncMode;
use switchboard_engine::soak;
use switchboard_engine::sync::Cancel;
use switchboard_store::{agents, targets, teams};

fn seconds() -> u64 {
    std::env::var("SWITCHBOARD_KILL_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// What one platform offers the single assignments: its connection's name,
/// targets and agents (vendor ids).
struct Platform {
    connection: String,
    targets: Vec<String>,
    agents: Vec<String>,
}

/// Jobs a kill left with something to send (their ids).
fn unfinished(dir: &std::path::Path, namespace: &str) -> Vec<String> {
    let out = cli(dir, namespace, &["jobs", "--json"]);
    let Ok(list) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
        return Vec::new();
    };
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|j| matches!(j["job"]["state"].as_str(), Some("queued" | "running")))
        .filter_map(|j| j["job"]["id"].as_str().map(str::to_owned))
        .collect()
}

/// The newest reassignment that ended (for its undo).
fn last_reassignment(dir: &std::path::Path, namespace: &str) -> Option<String> {
    let out = cli(dir, namespace, &["jobs", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    list.as_array()?
        .iter()
        .find(|j| j["job"]["kind"] == "reassign" && j["job"]["state"] == "done")
        .and_then(|j| j["job"]["id"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_moments_under_faults_nothing_is_lost_or_doubled() {
    let Some((dir, namespace, ws, demo)) = demo_workspace().await else {
        return;
    };
    let sim = ws.running_demo().await.unwrap();
    for c in &demo {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let mut people = ws.people(None).await.unwrap();
    people.retain(|p| p.email.is_some() && p.agents.len() >= 3);
    people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
    let emails: Vec<String> = people[..3]
        .iter()
        .map(|p| p.email.clone().unwrap())
        .collect();
    let platforms: Vec<Platform> = [
        Vendor::Pingup,
        Vendor::Vambe,
        Vendor::Helpcrunch,
        Vendor::Splashify,
    ]
    .iter()
    .map(|v| {
        let c = demo.iter().find(|c| c.vendor == *v).unwrap();
        ws.store()
            .read(|db| {
                Ok(Platform {
                    connection: c.id.to_string(),
                    targets: targets::list_by_connection(db, c.id, 40, 0)?
                        .into_iter()
                        .map(|t| t.vendor_id)
                        .collect(),
                    agents: agents::list_by_connection(db, c.id)?
                        .into_iter()
                        .filter(|a| a.active)
                        .map(|a| a.vendor_id)
                        .take(6)
                        .collect(),
                })
            })
            .unwrap()
    })
    .collect();
    let ccai = demo
        .iter()
        .find(|c| c.vendor == Vendor::CcaiPlatform)
        .unwrap();
    let team = ws
        .store()
        .read(|db| teams::list_by_connection(db, ccai.id))
        .unwrap()[0]
        .vendor_id
        .clone();
    let ccai = ccai.id.to_string();

    let seed = std::env::var("KILL_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| switchboard_domain::Timestamp::now().0 as u64);
    eprintln!("kill soak seed {seed} (KILL_SOAK_SEED={seed} repeats it)");
    let mut rng = Lcg(seed);
    soak::inject_faults(&sim);
    sim.inspector().clear_requests();
    let soak_for = Duration::from_secs(seconds());
    let started = Instant::now();
    let outages = [(0.25, 0.35), (0.6, 0.7)].map(|(off, on)| {
        (
            started + soak_for.mul_f64(off),
            started + soak_for.mul_f64(on),
        )
    });
    let d = dir.path();
    let binary = env!("CARGO_BIN_EXE_switchboard");
    let (mut commands, mut kills, mut finished) = (0u64, 0u64, 0u64);
    let mut turn = 0usize;
    let mut vambe_away = false;
    while started.elapsed() < soak_for {
        // Vambe off the network and back, twice.
        let now = Instant::now();
        let away = outages.iter().any(|(off, on)| now >= *off && now < *on);
        if away != vambe_away {
            if away {
                sim.halt(Vendor::Vambe);
            } else {
                sim.resume(Vendor::Vambe).await.unwrap();
            }
            vambe_away = away;
        }
        let args: Vec<String> = match unfinished(d, &namespace).first() {
            Some(job) => vec!["jobs".into(), "resume".into(), job.clone()],
            None => {
                turn += 1;
                match rng.below(4) {
                    0 => {
                        let from = &emails[turn % 3];
                        let mut a = vec!["reassign".into(), "--from".into(), from.clone()];
                        for to in [&emails[(turn + 1) % 3], &emails[(turn + 2) % 3]] {
                            a.extend(["--to".into(), to.clone()]);
                        }
                        a.extend(["--max-per-person".into(), "8".into(), "--yes".into()]);
                        a
                    }
                    1 => match last_reassignment(d, &namespace) {
                        Some(job) => vec!["jobs".into(), "undo".into(), job, "--yes".into()],
                        None => continue,
                    },
                    2 => {
                        let p = rng.pick(&platforms);
                        vec![
                            "assign".into(),
                            p.connection.clone(),
                            "--target".into(),
                            rng.pick(&p.targets).clone(),
                            "--agent".into(),
                            rng.pick(&p.agents).clone(),
                        ]
                    }
                    _ => vec![
                        "status".into(),
                        "set".into(),
                        ccai.clone(),
                        "--team".into(),
                        team.clone(),
                        "--status".into(),
                        (if turn.is_multiple_of(2) {
                            "Lunch"
                        } else {
                            "Training"
                        })
                        .into(),
                    ],
                }
            }
        };
        commands += 1;
        let mut child: Child = Command::new(binary)
            .arg("--data-dir")
            .arg(d)
            .args(&args)
            .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Two commands in three are killed, at a moment up to 1.5 s in.
        let kill_at = (rng.below(3) < 2).then(|| Duration::from_millis(rng.below(1_500)));
        let deadline = Instant::now() + kill_at.unwrap_or(Duration::from_secs(90));
        loop {
            if child.try_wait().unwrap().is_some() {
                finished += 1;
                break;
            }
            if Instant::now() >= deadline {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    if vambe_away {
        sim.resume(Vendor::Vambe).await.unwrap();
    }
    let faulted = soak::faulted(&sim);

    // The storm is over: every job a kill left goes to its end.
    sim.inspector().clear_faults(None);
    for _ in 0..10 {
        let left = unfinished(d, &namespace);
        if left.is_empty() {
            break;
        }
        for job in left {
            let out = cli(d, &namespace, &["jobs", "resume", &job]);
            eprintln!("resume {job}: {:?}", out.status.code());
        }
    }
    let out = cli(d, &namespace, &["queue", "send"]);
    assert!(out.status.code().is_some(), "{:?}", text(&out));
    soak::send_what_waits(&ws, &sim).await;
    let found = soak::check(&ws, &sim).await;
    println!(
        "kill soak {} s: {commands} commands, {kills} killed while running (all survived: resumed and checked), {finished} ran to their end; {} operations {:?}; {} vendor requests, {faulted} answered with a fault or an outage; {} targets compared",
        soak_for.as_secs(),
        found.operations,
        found.by_state,
        found.requests,
        found.targets_compared,
    );
    assert!(kills >= 3, "the process was killed: {kills}");
    assert!(found.operations > 0, "changes were journaled");
    assert!(
        found.problems.is_empty(),
        "{} problems (seed {seed}):\n{}",
        found.problems.len(),
        found.problems.join("\n")
    );
}
