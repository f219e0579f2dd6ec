//! What the fault soaks share (`test-support` only): the faults they inject,
//! and the invariants they check once the storm is over. The in-process soak
//! (`engine/tests/soak.rs`) and the one whose processes are killed
//! (`tests/kill_soak.rs`) both end with [`check`].
//!
//! The invariants:
//! 1. every journaled operation is final, or waits with a reason;
//! 2. every target whose last change the journal calls done holds it at the
//!    vendor (read from the simulator's own state, after one sync);
//! 3. no vendor saw more writes than the journal's attempts allow (each send
//!    is at most 4 HTTP attempts);
//! 4. no vendor saw more requests than its documented limit in any window
//!    (arrival times from the simulator's request log);
//! 5. after one sync, the cache holds what the vendors hold.
#![allow(clippy::unwrap_used)] // test support: a failed unwrap is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use switchboard_domain::change::Change;
use switchboard_domain::job::{Operation, OperationState};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{ConnectionId, TargetId, Timestamp, Vendor};
use switchboard_simulator::{Fault, FaultKind, Simulator};
use switchboard_store::{assignments, jobs, operations, targets};

use crate::Workspace;
use crate::sync::Cancel;

/// HTTP attempts one send of an operation may make (the client's retries).
const ATTEMPTS_PER_SEND: u64 = 4;

/// On every vendor: 10% of requests answered 503, 5% dropped, 2% delayed by
/// 3 s, 3% answered 429 (retry after 1 s).
pub fn inject_faults(sim: &Simulator) {
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

/// Requests in the simulator's log answered with a fault or an outage.
pub fn faulted(sim: &Simulator) -> usize {
    sim.inspector()
        .requests()
        .iter()
        .filter(|r| !matches!(r.status, 200 | 201 | 204))
        .count()
}

/// A full sync of every connection; one that meets a fault is tried again.
pub async fn sync_all(ws: &Workspace) {
    for c in ws.connection_summaries().await.unwrap() {
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

/// Changes queued or being sent.
pub fn waiting(ws: &Workspace) -> i64 {
    ws.store()
        .read(|db| {
            Ok(db.query_row(
                "SELECT count(*) FROM operations WHERE state IN ('queued', 'sending')",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

/// With the faults gone, sends what waits until nothing does (or ten rounds).
pub async fn send_what_waits(ws: &Workspace, sim: &Simulator) {
    sim.inspector().clear_faults(None);
    for _ in 0..10 {
        let _ = ws.send_queued().await;
        if waiting(ws) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What the check found, and the figures the soaks print.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub operations: usize,
    pub by_state: BTreeMap<String, usize>,
    pub requests: usize,
    pub targets_compared: usize,
}

/// Every operation the journal holds, oldest first.
pub fn journal(ws: &Workspace) -> Vec<Operation> {
    ws.store()
        .read(|db| {
            let mut all = Vec::new();
            for job in jobs::list_recent(db, u32::MAX)? {
                all.extend(operations::list_by_job(db, job.id)?);
            }
            all.sort_by_key(|o| o.id.0);
            Ok(all)
        })
        .unwrap()
}

/// Checks the five invariants (see the module's documentation); syncs every
/// connection on the way (the fifth needs it).
pub async fn check(ws: &Workspace, sim: &Simulator) -> Findings {
    let requests = sim.inspector().requests();
    let ops = journal(ws);
    let summaries = ws.connection_summaries().await.unwrap();
    let mut problems = Vec::new();
    // 1. Final, or waiting with a reason.
    for op in &ops {
        let reasoned = op.error_message.as_deref().is_some_and(|m| !m.is_empty());
        let settled = matches!(op.state, OperationState::Done | OperationState::Cancelled);
        if !settled && !reasoned {
            problems.push(format!(
                "operation {} is {:?} with no reason",
                op.id.0, op.state
            ));
        }
    }
    // 3. Writes per vendor within what the journal's attempts allow.
    let mut attempts: BTreeMap<ConnectionId, u64> = BTreeMap::new();
    for op in &ops {
        *attempts.entry(op.connection_id).or_default() +=
            u64::from(op.attempts) * ATTEMPTS_PER_SEND;
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
    sync_all(ws).await;
    let mut last: BTreeMap<TargetId, &Operation> = BTreeMap::new();
    for op in &ops {
        if let Some(t) = op.target_id {
            last.insert(t, op);
        }
    }
    let mut compared = 0;
    for s in &summaries {
        let cached = ws
            .store()
            .read(|db| targets::list_by_connection(db, s.connection.id, u32::MAX, 0))
            .unwrap();
        for target in cached {
            let Some(held) = held_at_vendor(sim, s.connection.vendor, &target.vendor_id) else {
                continue;
            };
            compared += 1;
            compare(
                ws,
                &ops,
                &last,
                s.connection.vendor,
                &target,
                &held,
                &mut problems,
            );
        }
    }
    Findings {
        problems,
        operations: ops.len(),
        by_state: ops.iter().fold(BTreeMap::new(), |mut m, o| {
            *m.entry(o.state.as_str().to_owned()).or_default() += 1;
            m
        }),
        requests: requests.len(),
        targets_compared: compared,
    }
}

/// One target: the cache against the vendor, and its last done change held.
fn compare(
    ws: &Workspace,
    ops: &[Operation],
    last: &BTreeMap<TargetId, &Operation>,
    vendor: Vendor,
    target: &switchboard_domain::target::Target,
    held: &BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    let now = Timestamp::now();
    let in_cache: BTreeSet<String> = ws
        .store()
        .read(|db| assignments::list_by_target(db, target.id))
        .unwrap()
        .into_iter()
        .filter(|a| a.until.is_none_or(|u| u > now))
        .map(|a| a.agent_vendor_id)
        .collect();
    if *held != in_cache {
        problems.push(format!(
            "{vendor} target {}: the vendor holds {held:?}, the cache {in_cache:?}",
            target.vendor_id
        ));
    }
    let Some(op) = last
        .get(&target.id)
        .filter(|o| o.state == OperationState::Done)
    else {
        return;
    };
    let wanted: Vec<String> = match &op.request {
        Change::Assign { agents, .. } => agents.clone(),
        Change::Move { to: Some(to), .. } => vec![to.clone()],
        _ => vec![],
    };
    for agent in wanted.into_iter().filter(|a| !held.contains(a)) {
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

/// Who holds a target at the vendor, read from the simulator's own state
/// (`None`: a platform without targets, or one the simulator does not know).
fn held_at_vendor(sim: &Simulator, vendor: Vendor, vendor_id: &str) -> Option<BTreeSet<String>> {
    let world = sim.world();
    let now = Timestamp::now();
    match vendor {
        Vendor::Helpcrunch => vendor_id
            .parse()
            .ok()
            .and_then(|c| world.helpcrunch.read().unwrap().assignee_of(c))
            .map(|a| a.map(|x| x.to_string()).into_iter().collect()),
        Vendor::Vambe => world
            .vambe
            .read()
            .unwrap()
            .assignees_of(vendor_id)
            .map(|a| a.into_iter().collect()),
        Vendor::Splashify => vendor_id
            .parse()
            .ok()
            .and_then(|p| world.splashify.read().unwrap().assignee_of(p))
            .map(|a| a.into_iter().collect()),
        Vendor::Pingup => world
            .pingup
            .read()
            .unwrap()
            .assignees_of(vendor_id)
            .map(|a| {
                a.into_iter()
                    .filter(|(_, until)| {
                        switchboard_vendors::parse_iso8601("until", until).is_ok_and(|u| u > now)
                    })
                    .map(|(id, _)| id)
                    .collect()
            }),
        Vendor::CcaiPlatform => None,
    }
}
