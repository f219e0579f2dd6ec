//! A full disk in the middle of a bulk job, for real: the workspace's data
//! folder is a small tmpfs, the job runs against the simulator (slowed so it
//! takes a while), and the disk is filled up under it. The job stops, says the
//! disk is full, sends nothing more, and once space is freed goes on by itself
//! to the end; the journal and the vendors agree, and nothing was lost.
//!
//! Needs root (to mount the tmpfs): under CI it must run; elsewhere it says it
//! skipped.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_domain::job::{JobState, OperationState, Origin};
use switchboard_domain::sync::SyncMode;
use switchboard_engine::reassign::{Destination, ReassignRequest, Strategy};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{Config, Workspace};
use switchboard_secrets::{Keychain, Namespace};
use switchboard_simulator::{Fault, FaultKind, Vendor};

/// A tmpfs of `mb` megabytes, unmounted when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn mount(mb: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(&path)
            .output();
        match mounted {
            Ok(out) if out.status.success() => Some(Tmpfs { _dir: dir, path }),
            Ok(out) => {
                let why = String::from_utf8_lossy(&out.stderr).into_owned();
                assert!(
                    std::env::var_os("CI").is_none(),
                    "under CI the tmpfs must mount: {why}"
                );
                eprintln!("skipped: cannot mount a tmpfs here (not root?): {why}");
                None
            }
            Err(e) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "under CI the tmpfs must mount: {e}"
                );
                eprintln!("skipped: no mount command: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the disk holding `dir` to the last byte; the file is returned to be
/// deleted later.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    let small = [0u8; 512];
    while file.write_all(&small).is_ok() {}
    let _ = file.flush();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_stops_a_bulk_job_which_goes_on_once_space_is_freed() {
    let Some(disk) = Tmpfs::mount(96) else { return };
    let config = Config {
        data_dir: disk.path.join("data"),
        namespace: Namespace::test("engine-disk-full"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let ws = Arc::new(
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(keychain.clone())))
            .unwrap(),
    );
    for c in ws.create_demo().await.unwrap() {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let sim = ws.running_demo().await.unwrap();
    let mut people: Vec<_> = ws
        .people(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.agents.len() >= 3)
        .collect();
    people.sort_by_key(|p| std::cmp::Reverse(p.assignments));
    let request = ReassignRequest {
        from: Some(people[0].id),
        targets: None,
        connections: Vec::new(),
        to: Destination::People {
            ids: vec![people[1].id, people[2].id],
        },
        strategy: Strategy::LeastLoaded,
        max_per_person: None,
        only_available: false,
        status: None,
    };
    // Every vendor call takes a while, so the job is still running when the
    // disk fills up.
    for vendor in Vendor::ALL {
        sim.inspector().add_fault(Fault {
            vendor,
            endpoint: None,
            kind: FaultKind::Latency { ms: 150 },
            times: None,
            probability: None,
        });
    }
    let started = ws.start_reassign(request).await.unwrap();
    let job = started.job_id;
    let items = started.plan.items.len();
    assert!(items >= 15, "a job of {items} items");
    let runner = {
        let ws = ws.clone();
        tokio::spawn(async move { ws.resume_job(job).await })
    };
    let done = |p: &switchboard_engine::jobs::JobProgress| {
        p.summary.by_state.get("done").copied().unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while done(&ws.job_progress(job).await.unwrap()) < 3 {
        assert!(Instant::now() < deadline, "the job did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The disk fills up (the WAL handed back first, so the next write needs room).
    let raw = rusqlite::Connection::open(ws.store().path()).unwrap();
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(raw);
    let filler = fill(&disk.path);
    let stalled = loop {
        let p = ws.job_progress(job).await.unwrap();
        if p.stalled.is_some() {
            break p;
        }
        assert!(
            !runner.is_finished(),
            "the job ended instead of waiting: {:?}",
            p.summary
        );
        assert!(
            Instant::now() < deadline + Duration::from_secs(30),
            "the job never said the disk is full"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stall = stalled.stalled.clone().unwrap();
    assert_eq!(stall.code, switchboard_engine::ErrorCode::DiskFull);
    let why = stall.message;
    assert!(
        why.contains("disk") && why.contains("full") && why.contains("free some space"),
        "{why}"
    );
    assert!(stalled.remaining > 0, "it stopped with work left");
    assert_eq!(
        stalled.seconds_left, None,
        "no time left is promised while it waits"
    );
    // Nothing moves while the disk is full.
    let before = sim.inspector().requests().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let p = ws.job_progress(job).await.unwrap();
    assert!(p.stalled.is_some());
    assert_eq!(
        done(&p),
        done(&stalled),
        "nothing is recorded while the disk is full"
    );
    assert!(
        sim.inspector().requests().len() <= before + 2,
        "nothing more is sent while nothing can be recorded"
    );
    assert!(!runner.is_finished());

    // Room again: the job goes on by itself and ends.
    std::fs::remove_file(&filler).unwrap();
    let results = tokio::time::timeout(Duration::from_secs(120), runner)
        .await
        .expect("the job went on")
        .unwrap()
        .unwrap();
    assert_eq!(results.len(), items, "every item is reported");
    let end = ws.job_progress(job).await.unwrap();
    assert_eq!(end.stalled, None);
    assert_eq!(
        end.summary.job.state,
        JobState::Done,
        "{:?}",
        end.summary.by_state
    );
    assert_eq!(done(&end) as usize, items, "{:?}", end.summary.by_state);
    let (_, ops) = ws.job(job).await.unwrap();
    assert!(ops.iter().all(|o| o.state == OperationState::Done));
    // The vendors hold what the journal says: a resync finds nothing to change.
    for c in ws.connection_summaries().await.unwrap() {
        ws.sync(c.connection.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let moved: usize = ws
        .people(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.id == people[0].id)
        .map(|p| p.assignments as usize)
        .sum();
    assert_eq!(
        moved,
        started.plan.skipped.len(),
        "the person holds only what was skipped"
    );
    assert!(
        ws.store().check().unwrap().is_sound(),
        "the database is sound"
    );
    println!(
        "{items} items; stalled with {} left; {} vendor requests in all",
        stalled.remaining,
        sim.inspector().requests().len()
    );
}
