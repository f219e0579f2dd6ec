//! `cargo bench -p switchboard-engine --bench statuses`: the status board and
//! every dashboard query with 2,000 agents and 1,000,000 stored status
//! intervals; the board's poll of 2,000 agents, full and change-only; and
//! back-filling a week of CCAI Platform's activity log. Prints figures;
//! asserts nothing. Target: each query under 50 ms.
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use switchboard_domain::TargetId;
use switchboard_domain::agent::{Agent, AgentSource, PersonLink};
use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::connection::{BaseUrl, Connection};
use switchboard_domain::dashboard::Scope;
use switchboard_domain::person::Person;
use switchboard_domain::status::{StatusSample, StatusSource};
use switchboard_domain::target::{Target, TargetKind};
use switchboard_domain::team::Team;
use switchboard_domain::{AgentId, ConnectionId, PersonId, TeamId, Timestamp, Vendor};
use switchboard_store::{
    Store, agents, assignments, board, browse, connections, dashboards, people, status_charts,
    status_samples, targets, teams, tenant_statuses,
};

/// As the app: see `src-tauri/src/main.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
#[path = "statuses/log.rs"]
mod log;

const AGENTS: usize = 2_000;
const SAMPLES: usize = 1_000_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let _ = f();
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

const STATUSES: [(&str, &str); 8] = [
    ("0", "Available"),
    ("-1", "Unavailable"),
    ("-2", "Break"),
    ("-7", "In-call"),
    ("-8", "In-chat"),
    ("-10", "Offline"),
    ("1", "Lunch"),
    ("2", "Training"),
];

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // BENCH_STATUS_DB keeps the filled database between runs (for working on the
    // queries); by default each run fills a fresh one.
    let path = std::env::var_os("BENCH_STATUS_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let reuse = path.exists();
    let store = Store::open(&path).unwrap();
    let now = Timestamp::now().0;
    let conn = Connection {
        id: ConnectionId::new(),
        vendor: Vendor::CcaiPlatform,
        display_name: "Bench CCAI".into(),
        base_url: BaseUrl::parse("http://127.0.0.1:9/").unwrap(),
        settings: Default::default(),
        is_demo: true,
        created_at: Timestamp(now),
        updated_at: Timestamp(now),
    };
    if !reuse {
        fill(&store, &conn, now);
    }
    println!(
        "status benchmark: {AGENTS} agents on CCAI Platform, {SAMPLES} status intervals, 50,000 chats elsewhere{}",
        if reuse { " (database reused)" } else { "" }
    );
    let (team_ids, agent_ids): (Vec<TeamId>, Vec<AgentId>) = store
        .read(|db| {
            let ids = |sql: &str| -> rusqlite::Result<Vec<i64>> {
                db.prepare(sql)?.query_map([], |r| r.get(0))?.collect()
            };
            Ok((
                ids("SELECT id FROM teams ORDER BY id")?
                    .into_iter()
                    .map(TeamId)
                    .collect(),
                ids("SELECT a.id FROM agents a JOIN connections c ON c.id = a.connection_id WHERE c.vendor = 'ccai_platform' ORDER BY a.id")?
                    .into_iter()
                    .map(AgentId)
                    .collect(),
            ))
        })
        .unwrap();
    let today = now - now.rem_euclid(DAY);
    let team = Scope::Team(team_ids[42]);
    let person = Scope::Agent(agent_ids[7]);
    let n = Timestamp(now);
    type Case<'a> = (&'static str, Box<dyn FnMut() -> usize + 'a>);
    let mut cases: Vec<Case<'_>> = vec![
        (
            "board: every agent with status, teams",
            Box::new(|| {
                store
                    .read(|db| Ok(board::agents(db)?.len() + browse::teams(db, None)?.len()))
                    .unwrap()
            }),
        ),
        (
            "time per day, a team, 7 days",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::status_chart(
                            db,
                            &team,
                            Timestamp(today - 6 * DAY),
                            Timestamp(today + DAY),
                            DAY,
                            n,
                        )
                    })
                    .unwrap()
                    .buckets
                    .len()
            }),
        ),
        (
            "time per day, one agent, 30 days",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::status_chart(
                            db,
                            &person,
                            Timestamp(today - 29 * DAY),
                            Timestamp(today + DAY),
                            DAY,
                            n,
                        )
                    })
                    .unwrap()
                    .buckets
                    .len()
            }),
        ),
        (
            "share today by 30 min, a team",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::status_chart(
                            db,
                            &team,
                            Timestamp(today),
                            Timestamp(today + DAY),
                            30 * MINUTE,
                            n,
                        )
                    })
                    .unwrap()
                    .buckets
                    .len()
            }),
        ),
        (
            "share today by 30 min, everyone",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::status_chart(
                            db,
                            &Scope::Everyone,
                            Timestamp(today),
                            Timestamp(today + DAY),
                            30 * MINUTE,
                            n,
                        )
                    })
                    .unwrap()
                    .buckets
                    .len()
            }),
        ),
        (
            "time per day, everyone, 7 days",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::status_chart(
                            db,
                            &Scope::Everyone,
                            Timestamp(today - 6 * DAY),
                            Timestamp(today + DAY),
                            DAY,
                            n,
                        )
                    })
                    .unwrap()
                    .buckets
                    .len()
            }),
        ),
        (
            "timeline today, a team",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::timelines(
                            db,
                            &team,
                            Timestamp(today),
                            Timestamp(today + DAY),
                        )
                    })
                    .unwrap()
                    .len()
            }),
        ),
        (
            "timeline today, everyone",
            Box::new(|| {
                store
                    .read(|db| {
                        status_charts::timelines(
                            db,
                            &Scope::Everyone,
                            Timestamp(today),
                            Timestamp(today + DAY),
                        )
                    })
                    .unwrap()
                    .len()
            }),
        ),
        (
            "workload per person",
            Box::new(|| store.read(dashboards::people_load).unwrap().len()),
        ),
        (
            "unassigned per connection",
            Box::new(|| store.read(dashboards::unassigned).unwrap().len()),
        ),
        (
            "expiring within a week",
            Box::new(|| {
                store
                    .read(|db| dashboards::expiring(db, n, 7 * DAY, 500))
                    .unwrap()
                    .len()
            }),
        ),
        (
            "connection health, last hour",
            Box::new(|| {
                store
                    .read(|db| dashboards::health(db, Timestamp(now - 3_600_000)))
                    .unwrap()
                    .len()
            }),
        ),
        (
            "mismatch alerts",
            Box::new(|| store.read(dashboards::mismatches).unwrap().len()),
        ),
    ];
    for (name, f) in &mut cases {
        let rows = f();
        let (p50, p95) = time(20, f);
        println!("  {name:<40} {rows:>5} rows  median {p50:>7.2} ms  p95 {p95:>7.2} ms");
    }
    // BENCH_STATUS_QUERIES_ONLY: the queries alone (for working on them).
    if std::env::var_os("BENCH_STATUS_QUERIES_ONLY").is_none() {
        polls();
        log::backfill(AGENTS);
    }
}

/// The status board's poll of 2,000 agents on the simulator at CCAI Platform's
/// documented limit (10 requests per second, the client paced alike): a full
/// read, and a change-only read with 10 agents changed.
fn polls() {
    use switchboard_simulator::vendors::ccai::Data;
    use switchboard_simulator::{Scale, SimConfig, Simulator};

    const RUNS: usize = 5;
    const CHANGED: usize = 10;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let scale = Scale {
            agents: (AGENTS * 5) as u32,
            targets: 40,
        };
        let sim = Simulator::start(SimConfig::demo(5).with_scale(scale))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ws = common::workspace(dir.path(), "bench-polls");
        let c = log::connected(&ws, &sim, "Bench ", true).await;
        let agents = sim.world().ccai.read().unwrap().agents.len();
        println!("status polls: {agents} agents on the simulator, at CCAI Platform's 10 requests per second");
        let requests = || sim.inspector().count(Vendor::CcaiPlatform, "agents");
        let (mut full, mut changes) = (Vec::new(), Vec::new());
        let (mut full_requests, mut change_requests) = (0, 0);
        for run in 0..RUNS {
            // Each run starts with a full read, as after a start.
            ws.read_every_status_next();
            let before = requests();
            let started = Instant::now();
            let report = ws.poll_statuses(c.id).await.unwrap();
            full.push(started.elapsed().as_secs_f64());
            full_requests = requests() - before;
            assert!(!report.changes_only);
            {
                let world = sim.world();
                let mut ccai = world.ccai.write().unwrap();
                for i in 0..CHANGED {
                    let index = (run * 97 + i * 131) % agents;
                    let to = if ccai.agents[index].status == 1 { 2 } else { 1 };
                    ccai.set_status(Data::agent_id(index), to);
                }
            }
            let before = requests();
            let started = Instant::now();
            let report = ws.poll_statuses(c.id).await.unwrap();
            changes.push(started.elapsed().as_secs_f64());
            change_requests = requests() - before;
            println!(
                "  run {run}: full read {:.2} s, {full_requests} requests; then {} changed: {:.3} s, {change_requests} request(s), {} changes recorded (change-only: {})",
                full[run],
                CHANGED,
                changes[run],
                report.changed,
                report.changes_only
            );
        }
        full.sort_by(f64::total_cmp);
        changes.sort_by(f64::total_cmp);
        println!(
            "  a poll of {agents} agents: full read {:.2} s median ({full_requests} requests); with {CHANGED} changed, change-only {:.3} s median ({change_requests} request)",
            full[RUNS / 2],
            changes[RUNS / 2]
        );
    });
}

fn fill(store: &Store, conn: &Connection, now: i64) {
    let per_agent = SAMPLES / AGENTS;
    // Each agent's 500 intervals are back to back, ending now: about 30 days.
    let stretch = 30 * DAY / per_agent as i64;
    let filled = Instant::now();
    let team_ids: Vec<TeamId> = store
        .write(|db| {
            connections::upsert(db, conn)?;
            let mut ids = Vec::new();
            for t in 0..AGENTS / 10 {
                ids.push(teams::upsert(
                    db,
                    &Team {
                        id: TeamId(0),
                        connection_id: conn.id,
                        vendor_id: t.to_string(),
                        name: format!("Team {t:03}"),
                        parent_vendor_id: None,
                        synced_at: None,
                    },
                )?);
            }
            tenant_statuses::replace(
                db,
                conn.id,
                &STATUSES.map(|(id, name)| switchboard_domain::status::TenantStatus {
                    connection_id: conn.id,
                    vendor_id: id.into(),
                    name: name.into(),
                    color: Some("#2ecc71".into()),
                    system: !id.starts_with('1') && !id.starts_with('2'),
                    offered: true,
                }),
                Timestamp(now),
            )?;
            Ok(ids)
        })
        .unwrap();
    let mut agent_ids = Vec::new();
    for chunk in 0..AGENTS / 100 {
        store
            .write(|db| {
                for i in chunk * 100..(chunk + 1) * 100 {
                    let person = people::insert(
                        db,
                        &Person {
                            id: PersonId(0),
                            display_name: format!("Person {i:04}"),
                            email: None,
                            created_at: Timestamp(now),
                        },
                    )?;
                    let id = agents::upsert(
                        db,
                        &Agent {
                            id: AgentId(0),
                            connection_id: conn.id,
                            vendor_id: i.to_string(),
                            name: format!("Agent {i:04}"),
                            email: Some(format!("a{i}@bench.example")),
                            role: None,
                            active: true,
                            person_id: None,
                            link: PersonLink::Manual,
                            source: AgentSource::Sync,
                            synced_at: None,
                        },
                    )?;
                    agents::set_person(db, id, Some(person.id), PersonLink::Manual)?;
                    agent_ids.push(id);
                    let start = now - per_agent as i64 * stretch;
                    for k in 0..per_agent {
                        let (sid, name) = STATUSES[(i * 7 + k * 3) % STATUSES.len()];
                        let from = start + k as i64 * stretch;
                        let last = k + 1 == per_agent;
                        status_samples::insert(
                            db,
                            &StatusSample {
                                id: 0,
                                agent_id: id,
                                status_vendor_id: Some(sid.into()),
                                status_name: name.into(),
                                started_at: Timestamp(from),
                                last_seen_at: Timestamp(if last { now } else { from + stretch }),
                                ended_at: if last {
                                    None
                                } else {
                                    Some(Timestamp(from + stretch))
                                },
                                source: StatusSource::Poll,
                            },
                        )?;
                    }
                }
                Ok(())
            })
            .unwrap();
    }
    // Their work elsewhere: each person also has a HelpCrunch agent, with 50,000
    // chats among them; a tenth of the chats' assignments expire this week (for
    // the workload, expiring and mismatch queries).
    let hc = Connection {
        id: ConnectionId::new(),
        vendor: Vendor::Helpcrunch,
        display_name: "Bench HelpCrunch".into(),
        ..conn.clone()
    };
    store
        .write(|db| {
            connections::upsert(db, &hc)?;
            let mut helpers = Vec::new();
            for (i, ccai_agent) in agent_ids.iter().enumerate() {
                let person = agents::get(db, *ccai_agent)?.person_id;
                let id = agents::upsert(
                    db,
                    &Agent {
                        id: AgentId(0),
                        connection_id: hc.id,
                        vendor_id: format!("h{i}"),
                        name: format!("Agent {i:04}"),
                        email: Some(format!("a{i}@bench.example")),
                        role: Some("agent".into()),
                        active: true,
                        person_id: None,
                        link: PersonLink::Manual,
                        source: AgentSource::Sync,
                        synced_at: None,
                    },
                )?;
                agents::set_person(db, id, person, PersonLink::Manual)?;
                helpers.push(id);
            }
            for t in 0..50_000_i64 {
                let target = targets::upsert(
                    db,
                    &Target {
                        id: TargetId(0),
                        connection_id: hc.id,
                        kind: TargetKind::Chat,
                        vendor_id: t.to_string(),
                        name: Some(format!("Customer {t}")),
                        phone: None,
                        email: None,
                        status: Some("opened".into()),
                        last_activity_at: Some(Timestamp(now - t * 1000)),
                        synced_at: None,
                    },
                )?;
                if t % 3 != 0 {
                    let agent = helpers[(t as usize * 7) % helpers.len()];
                    assignments::upsert(
                        db,
                        &Assignment {
                            target_id: target,
                            agent_vendor_id: format!("h{}", (t as usize * 7) % helpers.len()),
                            agent_id: Some(agent),
                            until: (t % 10 == 1).then(|| Timestamp(now + (t % 7) * DAY)),
                            notes: None,
                            source: AssignmentSource::Vendor,
                            observed_at: Timestamp(now),
                        },
                    )?;
                }
            }
            Ok(())
        })
        .unwrap();
    store
        .write(|db| {
            for (t, team) in team_ids.iter().enumerate() {
                teams::set_members(db, *team, &agent_ids[t * 10..t * 10 + 10])?;
            }
            db.execute_batch("ANALYZE; PRAGMA optimize;")?;
            Ok(())
        })
        .unwrap();
    println!(
        "status benchmark: {AGENTS} agents, {} intervals stored in {:.1} s",
        AGENTS * per_agent,
        filled.elapsed().as_secs_f64()
    );
}
