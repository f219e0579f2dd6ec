//! `cargo bench -p switchboard-engine --bench history`: History over 1,000,000
//! journaled operations: a filtered page for each filter the view has, and the
//! full CSV export. Prints figures; asserts nothing. Targets: a page under 50 ms,
//! the full export under 5 s.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use switchboard_domain::job::{HistoryQuery, OperationState};
use switchboard_domain::{AgentId, ConnectionId, OperationId, PersonId, TargetId, Timestamp};
use switchboard_store::{Store, history};

/// As the app: see `src-tauri/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/journal.rs"]
mod journal;

use journal::DAY;

const OPERATIONS: i64 = 1_000_000;

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
    // 200 agents over 3 connections, 4 per person.
    if !reuse {
        journal::fill(&store, start, OPERATIONS);
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
