//! Back-filling a week of CCAI Platform's activity log for 2,000 agents, from
//! the simulator: how many records a second Switchboard takes in with the
//! vendor's pace out of the way (its own capacity: parsing, and writing the
//! stretches and events), and how many at the vendor's documented pace (10
//! requests a second, 100 records a page), which is the bound that matters.

use std::time::Instant;

use switchboard_domain::Vendor;
use switchboard_domain::connection::Connection;
use switchboard_domain::dashboard::{Scope, StatusChartQuery};
use switchboard_domain::sync::SyncMode;
use switchboard_engine::Workspace;
use switchboard_engine::status_poller::LOG_PAGES_PER_ROUND;
use switchboard_engine::sync::Cancel;
use switchboard_simulator::{Fault, Limits, Scale, SimConfig, Simulator};
use switchboard_store::connections;

/// Pages read at the vendor's pace (a sample: the whole week takes minutes).
const PACED_PAGES: u32 = 40;

/// A connection to the simulator's CCAI Platform, synced without reading the
/// log (the sync's own read is refused), so the log is all still to read and
/// the pace is all the next reads' (the polls' figures too).
pub async fn connected(ws: &Workspace, sim: &Simulator, name: &str, paced: bool) -> Connection {
    let (vendor, form) = switchboard_engine::demo::forms(&sim.manifest(), name)
        .into_iter()
        .find(|(v, _)| *v == Vendor::CcaiPlatform)
        .unwrap();
    let mut c = ws.create_connection(vendor, form, true).await.unwrap();
    if !paced {
        c.settings.insert("rate_limit".into(), "off".into());
        ws.store().write(|db| connections::upsert(db, &c)).unwrap();
    }
    // Refused (not retried), as a tenant without the log would.
    sim.inspector()
        .add_fault(Fault::refuse(Vendor::CcaiPlatform, "agent_activity_logs"));
    ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    sim.inspector().clear_faults(None);
    c
}

pub fn backfill(agents: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let scale = Scale {
            agents: (agents * 5) as u32,
            targets: 40,
        };
        let sim = Simulator::start(
            SimConfig::demo(11)
                .with_scale(scale)
                .with_limits(Limits::Off)
                .with_log_days(7),
        )
        .await
        .unwrap();
        let logged = sim.world().ccai.read().unwrap().log.records.len();
        let dir = tempfile::tempdir().unwrap();
        let ws = super::common::workspace(dir.path(), "bench-log");
        println!(
            "activity log back-fill: {agents} agents, a week of log on the simulator ({logged} records)"
        );

        let unpaced = connected(&ws, &sim, "Unpaced ", false).await;
        let started = Instant::now();
        let report = ws.read_status_log(unpaced.id).await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        assert!(report.caught_up);
        let (samples, events): (i64, i64) = ws
            .store()
            .read(|db| {
                let count = |t: &str| -> rusqlite::Result<i64> {
                    db.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                };
                Ok((count("status_samples")?, count("agent_activity")?))
            })
            .unwrap();
        println!(
            "  with the pace out of the way (Switchboard's own capacity): {} records in {} pages, {secs:.1} s: {:.0} records/s; {} stretches and {events} events kept ({samples} stretch rows)",
            report.records,
            report.requests,
            f64::from(report.records) / secs,
            report.stretches,
        );

        // The dashboards' logins and pick-up times over that week, for everyone.
        let now = switchboard_domain::Timestamp::now().0;
        let mut times: Vec<f64> = Vec::new();
        let mut summary = None;
        for _ in 0..5 {
            let started = Instant::now();
            summary = Some(
                ws.activity_summary(StatusChartQuery {
                    scope: Scope::Everyone,
                    from: switchboard_domain::Timestamp(now - 7 * 86_400_000),
                    to: switchboard_domain::Timestamp(now + 1),
                    bucket_ms: 86_400_000,
                })
                .await
                .unwrap(),
            );
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let summary = summary.unwrap();
        println!(
            "  logins and pick-up times for everyone over the week ({events} events): median {:.0} ms ({} agent-days, {} pick-up rows of an agent and a channel)",
            times[2],
            summary.days.len(),
            summary.agents.len(),
        );

        let paced = connected(&ws, &sim, "Paced ", true).await;
        let started = Instant::now();
        let sample = ws.read_status_log_pages(paced.id, PACED_PAGES).await.unwrap();
        let paced_secs = started.elapsed().as_secs_f64();
        let per_second = f64::from(sample.records) / paced_secs;
        let pages_per_second = f64::from(sample.requests) / paced_secs;
        println!(
            "  at CCAI Platform's pace (10 requests/s, 100 records a page: the bound is 1,000 records/s): {} pages in {paced_secs:.1} s: {per_second:.0} records/s",
            sample.requests
        );
        println!(
            "  the whole week at that pace: {:.1} min in one read; the app's poller reads {LOG_PAGES_PER_ROUND} pages a round and rests twice as long: about {:.0} min in the background",
            f64::from(report.requests) / pages_per_second / 60.0,
            3.0 * f64::from(report.requests) / pages_per_second / 60.0,
        );
    });
}
