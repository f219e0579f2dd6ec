//! Change-only polling against the simulator: after the first full read, a
//! poll asks CCAI Platform only for the agents whose status changed (one page
//! when one agent changed), never misses a change made between two polls (a
//! property over random change times), and falls back to a full read when the
//! vendor refuses the filter.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use switchboard_domain::Vendor;
use switchboard_simulator::vendors::ccai::{Data, STATUSES};
use switchboard_simulator::{Fault, FaultKind};
use switchboard_store::{agents, status_samples};

/// CCAI Platform agents in the simulator: three pages of 100.
const AGENTS: u32 = 250;

use common::ccai::Env;

async fn env() -> Env {
    common::ccai::env(3, AGENTS).await
}

impl Env {
    fn agents_read(&self) -> u64 {
        self.sim.inspector().count(Vendor::CcaiPlatform, "agents")
    }

    /// Agents whose open stretch in the cache is not what the vendor holds.
    fn disagreements(&self) -> Vec<String> {
        let truth: Vec<(u64, i32)> = {
            let world = self.sim.world();
            let ccai = world.ccai.read().unwrap();
            (0..ccai.agents.len())
                .map(|i| (Data::agent_id(i), ccai.agents[i].status))
                .collect()
        };
        let mut wrong = Vec::new();
        for (id, status) in truth {
            let cached = self
                .ws
                .store()
                .read(|db| {
                    let agent = agents::find_by_vendor_id(db, self.ccai, &id.to_string())?.unwrap();
                    status_samples::latest(db, agent.id)
                })
                .unwrap();
            let open = cached
                .as_ref()
                .filter(|s| s.ended_at.is_none())
                .and_then(|s| s.status_vendor_id.clone());
            if open != Some(status.to_string()) {
                wrong.push(format!("agent {id}: vendor {status}, cache {cached:?}"));
            }
        }
        wrong
    }

    fn set(&self, index: usize, status: i32) {
        let world = self.sim.world();
        assert!(
            world
                .ccai
                .write()
                .unwrap()
                .set_status(Data::agent_id(index), status)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_first_read_a_poll_reads_one_page_when_one_agent_changed() {
    let env = env().await;
    let synced = env.agents_read();
    let first = env.ws.poll_statuses(env.ccai).await.unwrap();
    assert!(!first.changes_only);
    assert_eq!(first.agents, AGENTS);
    assert_eq!(env.agents_read() - synced, 3, "three pages of 100");

    env.set(17, 2);
    let before = env.agents_read();
    let second = env.ws.poll_statuses(env.ccai).await.unwrap();
    assert!(second.changes_only, "{second:?}");
    assert_eq!(env.agents_read() - before, 1, "one request");
    assert_eq!(second.requests, 1);
    assert_eq!(second.changed, 1);
    assert_eq!(second.agents, AGENTS, "every agent vouched for");
    assert!(env.disagreements().is_empty(), "{:?}", env.disagreements());

    // Every agent's stretch goes on to this read: the board is as fresh for
    // the agents not listed as for the one that changed.
    let board = env.ws.status_board().await.unwrap();
    let poll = board
        .polls
        .iter()
        .find(|p| p.connection_id == env.ccai)
        .unwrap();
    assert_eq!((poll.agents, poll.requests), (AGENTS, 1));
    let stale: Vec<_> = (0..AGENTS as usize)
        .filter(|&i| {
            env.ws
                .store()
                .read(|db| {
                    let a =
                        agents::find_by_vendor_id(db, env.ccai, &Data::agent_id(i).to_string())?
                            .unwrap();
                    status_samples::latest(db, a.id)
                })
                .unwrap()
                .unwrap()
                .last_seen_at
                < poll.last_ok_at.unwrap()
        })
        .collect();
    assert!(stale.is_empty(), "not continued: {stale:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_filter_falls_back_to_a_full_read() {
    let env = env().await;
    env.ws.poll_statuses(env.ccai).await.unwrap();
    env.set(4, 1);
    // The next listing is refused as a tenant that does not take the filter would.
    env.sim.inspector().add_fault(Fault {
        vendor: Vendor::CcaiPlatform,
        endpoint: Some("agents".into()),
        kind: FaultKind::Raw {
            status: 400,
            content_type: "application/json".into(),
            body: r#"{"message":"sort_column is not supported"}"#.into(),
        },
        times: Some(1),
        probability: None,
    });
    let before = env.agents_read();
    let report = env.ws.poll_statuses(env.ccai).await.unwrap();
    assert!(!report.changes_only, "{report:?}");
    assert_eq!(
        env.agents_read() - before,
        4,
        "the refused one, then three pages"
    );
    assert!(env.disagreements().is_empty(), "{:?}", env.disagreements());
    // Until the next full read is due, polls read every agent.
    let again = env.ws.poll_statuses(env.ccai).await.unwrap();
    assert!(!again.changes_only);
}

/// One step of a run: change an agent's status, wait, or poll.
#[derive(Debug, Clone)]
enum Step {
    Change { agent: usize, status: usize },
    Wait { ms: u64 },
    Poll,
}

fn step() -> impl Strategy<Value = Step> {
    let settable: Vec<usize> = (0..STATUSES.len()).collect();
    prop_oneof![
        4 => (0..AGENTS as usize, proptest::sample::select(settable))
            .prop_map(|(agent, status)| Step::Change { agent, status }),
        2 => (0u64..400).prop_map(|ms| Step::Wait { ms }),
        2 => Just(Step::Poll),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Changes at random moments, some while a poll is on its way: after the
    /// last poll the cache holds every agent's status as the vendor does, and
    /// every poll after the first read only what changed.
    #[test]
    fn no_change_between_two_polls_is_missed(steps in proptest::collection::vec(step(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let env = Arc::new(env().await);
            env.ws.poll_statuses(env.ccai).await.unwrap();
            // The changes run beside the polls, so some land mid-read.
            let changer = {
                let env = env.clone();
                let steps = steps.clone();
                tokio::spawn(async move {
                    for s in steps {
                        match s {
                            Step::Change { agent, status } => env.set(agent, STATUSES[status].id),
                            Step::Wait { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
                            Step::Poll => tokio::task::yield_now().await,
                        }
                    }
                })
            };
            for s in &steps {
                match s {
                    Step::Poll => {
                        let r = env.ws.poll_statuses(env.ccai).await.unwrap();
                        assert!(r.changes_only, "{r:?}");
                    }
                    Step::Wait { ms } => tokio::time::sleep(Duration::from_millis(ms / 2)).await,
                    Step::Change { .. } => {}
                }
            }
            changer.await.unwrap();
            let last = env.ws.poll_statuses(env.ccai).await.unwrap();
            assert!(last.changes_only);
            let wrong = env.disagreements();
            assert!(wrong.is_empty(), "{} missed: {wrong:?}", wrong.len());
        });
    }
}
