//! `cargo bench -p switchboard-engine --bench history`: History over 1,000,000
//! journaled operations: a filtered page for each filter the view has, and the
//! full CSV export. Prints figures; asserts nothing. Targets: a page under 50 ms,
//! the full export under 5 s.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use serde_json::json;
use switchboard_domain::agent::{Agent, AgentSource, PersonLink};
use switchboard_domain::code::ErrorCode;
use switchboard_domain::connection::{BaseUrl, Connection};
use switchboard_domain::job::{
    HistoryQuery, Job, JobKind, JobState, Operation, OperationKind, OperationState, Origin,
};
use switchboard_domain::person::Person;
use switchboard_domain::{
    AgentId, ConnectionId, JobId, OperationId, PersonId, TargetId, Timestamp, Vendor,
};
use switchboard_store::{Store, agents, connections, history, jobs, operations, people};

/// As the app: see `src-tauri/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OPERATIONS: i64 = 1_000_000;
const AGENTS: usize = 200;
/// The newest operations, one reassignment job.
const BULK_ITEMS: i64 = 10_000;
const DAY: i64 = 24 * 3600 * 1000;

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let _ = f();
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
    let dir = tempfile::tempdir().unwrap();
    // BENCH_HISTORY_DB keeps the filled database between runs (for working on
    // the queries); by default each run fills a fresh one.
    let path = std::env::var_os("BENCH_HISTORY_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let reuse = path.exists();
    let store = Store::open(&path).unwrap();
    let now = Timestamp::now().0;
    let start = now - 365 * DAY;
    let conns: Vec<Connection> = [Vendor::Pingup, Vendor::Vambe, Vendor::Helpcrunch]
        .into_iter()
        .map(|v| Connection {
            id: ConnectionId::new(),
            vendor: v,
            display_name: format!("Bench {v}"),
            base_url: BaseUrl::parse("http://127.0.0.1:9/").unwrap(),
            settings: Default::default(),
            is_demo: true,
            created_at: Timestamp(start),
            updated_at: Timestamp(start),
        })
        .collect();
    // 200 agents over 3 connections, 4 per person.
    if !reuse {
        fill(&store, &conns, start);
    }
    let agent_ids: Vec<(AgentId, ConnectionId, String, PersonId)> = store
        .read(|db| {
            let mut stmt =
                db.prepare("SELECT id, connection_id, name, person_id FROM agents ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        AgentId(r.get(0)?),
                        r.get::<_, String>(1)?.parse().unwrap(),
                        r.get(2)?,
                        PersonId(r.get(3)?),
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
        .unwrap();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "history benchmark: {OPERATIONS} operations ({} MB)",
        size / 1_000_000
    );
    let conn = agent_ids[3].1;
    let (agent, person) = (agent_ids[3].0, agent_ids[3].3);
    let q = |f: &dyn Fn(&mut HistoryQuery)| {
        // As the window asks: bulk jobs grouped into one row.
        let mut q = HistoryQuery {
            limit: 200,
            group_jobs: std::env::var_os("BENCH_HISTORY_UNGROUPED").is_none(),
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let cases: Vec<(&str, HistoryQuery)> = vec![
        ("first page, no filter", q(&|_| {})),
        (
            "page 2,500 (keyset, id < 500,000)",
            q(&|q| q.after = Some(OperationId(500_000))),
        ),
        ("one connection", q(&|q| q.connection_id = Some(conn))),
        ("one agent", q(&|q| q.agent_id = Some(agent))),
        ("one person (4 agents)", q(&|q| q.person_id = Some(person))),
        ("one target", q(&|q| q.target_id = Some(TargetId(12_345)))),
        (
            "state failed (2%)",
            q(&|q| q.states = vec![OperationState::Failed]),
        ),
        (
            "state queued (0.1%)",
            q(&|q| q.states = vec![OperationState::Queued]),
        ),
        (
            "one day, 6 months ago",
            q(&|q| {
                q.from = Some(Timestamp(now - 180 * DAY));
                q.to = Some(Timestamp(now - 179 * DAY));
            }),
        ),
        (
            "search a customer",
            q(&|q| q.search = Some("customer12345".into())),
        ),
        (
            "search a family name (1 in 911)",
            q(&|q| q.search = Some("family77".into())),
        ),
        (
            "search + failed + connection",
            q(&|q| {
                q.search = Some("conversation".into());
                q.states = vec![OperationState::Failed];
                q.connection_id = Some(conn);
            }),
        ),
        (
            "one agent, failed",
            q(&|q| {
                q.agent_id = Some(agent);
                q.states = vec![OperationState::Failed];
            }),
        ),
    ];
    for (name, query) in &cases {
        let rows = store
            .read(|db| history::page(db, query))
            .unwrap()
            .rows
            .len();
        let (p50, p95) = time(30, || store.read(|db| history::page(db, query)).unwrap());
        println!("  {name:<36} {rows:>4} rows  median {p50:>7.2} ms  p95 {p95:>7.2} ms");
    }

    let out = dir.path().join("history.csv");
    let started = Instant::now();
    let rows = switchboard_engine::history::write_csv(
        &store,
        &HistoryQuery::default(),
        std::io::BufWriter::new(std::fs::File::create(&out).unwrap()),
    )
    .unwrap();
    let took = started.elapsed();
    let mb = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) / 1_000_000;
    println!(
        "  full CSV export: {rows} rows, {mb} MB in {:.2} s",
        took.as_secs_f64()
    );
}

fn fill(store: &Store, conns: &[Connection], start: i64) {
    let agent_ids: Vec<(AgentId, ConnectionId, String, PersonId)> = store
        .write(|db| {
            let mut out = Vec::new();
            for c in conns {
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
    for chunk in 0..(OPERATIONS / batch) {
        store
            .write(|db| {
                let mut job = None;
                for n in chunk * batch..(chunk + 1) * batch {
                    let at = Timestamp(start + n * (365 * DAY / OPERATIONS));
                    let (agent, conn, name, _) = &agent_ids[(n as usize * 7919) % AGENTS];
                    // The newest 10,000 are one bulk job: History shows it
                    // as one row, so its first page reads past them.
                    let bulk = n >= OPERATIONS - BULK_ITEMS;
                    if (bulk && n == OPERATIONS - BULK_ITEMS) || (!bulk && n % 4 == 0) {
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
        "journaled {OPERATIONS} operations in {:.1} s (one transaction per 50,000)",
        took.as_secs_f64()
    );
}
