//! A year of History for the benchmarks: 3 connections, 200 agents (4 per
//! person), and `operations` journaled through the store's own insert, four per
//! job, the newest 10,000 one bulk reassignment; 2% failed, 0.1% queued.
#![allow(clippy::unwrap_used)] // a benchmark helper: a failed unwrap is a failed run

use std::time::Instant;

use serde_json::json;
use switchboard_domain::agent::{Agent, AgentSource, PersonLink};
use switchboard_domain::code::ErrorCode;
use switchboard_domain::connection::{BaseUrl, Connection};
use switchboard_domain::job::{
    Job, JobKind, JobState, Operation, OperationKind, OperationState, Origin,
};
use switchboard_domain::person::Person;
use switchboard_domain::{
    AgentId, ConnectionId, JobId, OperationId, PersonId, TargetId, Timestamp, Vendor,
};
use switchboard_store::{Store, agents, connections, jobs, operations, people};

pub const DAY: i64 = 24 * 3600 * 1000;
pub const AGENTS: usize = 200;
/// The newest operations, one reassignment job.
pub const BULK_ITEMS: i64 = 10_000;

/// The benchmark's connections (not demo ones: nothing is started for them),
/// at an address where nothing listens.
pub fn connections(start: i64) -> Vec<Connection> {
    [Vendor::Pingup, Vendor::Vambe, Vendor::Helpcrunch]
        .into_iter()
        .map(|v| Connection {
            id: ConnectionId::new(),
            vendor: v,
            display_name: format!("Bench {v}"),
            base_url: BaseUrl::parse("http://127.0.0.1:9/").unwrap(),
            settings: Default::default(),
            is_demo: false,
            created_at: Timestamp(start),
            updated_at: Timestamp(start),
        })
        .collect()
}

/// Fills `store` with the connections, agents, people and `operations`
/// operations from `start` to a year later; returns the connections.
pub fn fill(store: &Store, start: i64, operations: i64) -> Vec<Connection> {
    let conns = connections(start);
    let agent_ids: Vec<(AgentId, ConnectionId, String, PersonId)> = store
        .write(|db| {
            let mut out = Vec::new();
            for c in &conns {
                connections::upsert(db, c)?;
            }
            let mut person = PersonId(0);
            for i in 0..AGENTS {
                if i % 4 == 0 {
                    person = people::insert(
                        db,
                        &Person {
                            id: PersonId(0),
                            display_name: format!("Person {i}"),
                            email: None,
                            created_at: Timestamp(start),
                        },
                    )?
                    .id;
                }
                let c = &conns[i % conns.len()];
                let name = format!("Agent{i} Surname{}", i % 17);
                let id = agents::upsert(
                    db,
                    &Agent {
                        id: AgentId(0),
                        connection_id: c.id,
                        vendor_id: format!("a{i}"),
                        name: name.clone(),
                        email: Some(format!("agent{i}@bench.example")),
                        role: None,
                        active: true,
                        person_id: None,
                        link: PersonLink::Manual,
                        source: AgentSource::Manual,
                        synced_at: None,
                    },
                )?;
                agents::set_person(db, id, Some(person), PersonLink::Manual)?;
                out.push((id, c.id, name, person));
            }
            Ok(out)
        })
        .unwrap();

    // 1,000,000 operations over a year, four per job (the newest 10,000 one
    // bulk job); 2% failed, 0.1% queued.
    let filled = Instant::now();
    let batch = 50_000;
    for chunk in 0..(operations / batch) {
        store
            .write(|db| {
                let mut job = None;
                for n in chunk * batch..(chunk + 1) * batch {
                    let at = Timestamp(start + n * (365 * DAY / operations));
                    let (agent, conn, name, _) = &agent_ids[(n as usize * 7919) % AGENTS];
                    // The newest 10,000 are one bulk job: History shows it
                    // as one row, so its first page reads past them.
                    let bulk = n >= operations - BULK_ITEMS;
                    if (bulk && n == operations - BULK_ITEMS) || (!bulk && n % 4 == 0) {
                        let j = Job {
                            id: JobId::new(),
                            kind: if bulk {
                                JobKind::Reassign
                            } else {
                                JobKind::Assign
                            },
                            title: format!("Assign {name}"),
                            state: JobState::Done,
                            origin: Origin::App,
                            created_at: at,
                            updated_at: at,
                            finished_at: Some(at),
                            paused_at: None,
                        };
                        jobs::insert(db, &j)?;
                        job = Some(j.id);
                    }
                    let (state, message) = match n % 1000 {
                        0 => (OperationState::Queued, Some("cannot reach the vendor")),
                        1..=20 => (OperationState::Failed, Some("Conversation not found")),
                        _ => (OperationState::Done, None),
                    };
                    let op = Operation {
                        id: OperationId(0),
                        job_id: job.unwrap(),
                        connection_id: *conn,
                        kind: OperationKind::Assign,
                        target_id: Some(TargetId(n % 50_000)),
                        target_vendor_id: Some(format!("t{}", n % 50_000)),
                        target_label: Some(format!("Customer{} Family{}", n % 50_000, n % 911)),
                        agent_names: vec![name.clone()],
                        request: switchboard_domain::change::Change::Assign {
                            agents: vec![format!("a{}", agent.0)],
                            until: None,
                            notes: None,
                            replace: false,
                        },
                        before: Some(json!([])),
                        state,
                        attempts: 1,
                        response: None,
                        error_code: message.map(|_| ErrorCode::VendorError.into()),
                        error_message: message.map(str::to_owned),
                        not_after: None,
                        next_attempt_at: None,
                        created_at: at,
                        updated_at: at,
                        finished_at: Some(at),
                    };
                    operations::insert(db, &op, &[*agent], None)?;
                }
                Ok(())
            })
            .unwrap();
    }
    let took = filled.elapsed();
    store
        .write(|db| Ok(db.execute_batch("ANALYZE; PRAGMA optimize;")?))
        .unwrap();
    println!(
        "journaled {operations} operations in {:.1} s (one transaction per 50,000)",
        took.as_secs_f64()
    );
    conns
}
