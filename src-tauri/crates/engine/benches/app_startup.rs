//! `cargo bench -p switchboard-engine --bench app_startup`: the desktop app's
//! cold start and memory, on the release binary (`cargo build --release` first;
//! or SWITCHBOARD_APP_BINARY). Needs a display (run it under `xvfb-run -a`) and,
//! for the demo, a keychain (`.ci/keyring-session`). Prints figures; asserts
//! nothing. Targets: ready (the first view's data on screen) under 1 s; the
//! app process under 150 MB.
//!
//! Workspaces: empty; the demo (made once by a first `--demo` launch); and a
//! large one of 100,000 targets and 1,000,000 History rows (filled once, about
//! three minutes, and kept in `target/bench-startup/large` for later runs).
#![allow(clippy::unwrap_used)] // a benchmark: a failed unwrap is a failed run

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use switchboard_domain::target::{Target, TargetKind};
use switchboard_domain::{TargetId, Timestamp};
use switchboard_store::{DATABASE_FILE, Store, targets};

#[path = "common/journal.rs"]
mod journal;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TARGETS: usize = 100_000;
const OPERATIONS: i64 = 1_000_000;
/// Launches per workspace and view.
const RUNS: usize = 5;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .canonicalize()
        .unwrap()
}

/// A running app: killed when dropped.
struct App {
    child: Child,
    /// When the process was spawned.
    spawned: Instant,
    lines: mpsc::Receiver<(Instant, String)>,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(binary: &Path, data_dir: &Path, args: &[&str]) -> App {
    let spawned = Instant::now();
    let mut child = Command::new(binary)
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .args(args)
        .env(
            "SWITCHBOARD_KEYCHAIN_NAMESPACE",
            "io.switchboard.desktop.test.bench-startup",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    App {
        child,
        spawned,
        lines,
    }
}

impl App {
    /// Waits for the window's "ready in N ms": (wall time from spawn, the app's own N).
    fn ready(&self, within: Duration) -> Option<(f64, f64)> {
        let deadline = Instant::now() + within;
        while let Ok((at, line)) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if let Some(rest) = line.strip_prefix("switchboard: ready in ") {
                let own: f64 = rest.split(' ').next()?.parse().ok()?;
                return Some(((at - self.spawned).as_secs_f64() * 1000.0, own));
            }
        }
        None
    }

    /// Resident and proportional memory (MB) of the app process, and of its
    /// child processes (WebKit's web and network processes) together.
    fn memory(&self) -> ((f64, f64), (f64, f64)) {
        let pid = self.child.id();
        let own = memory_of(pid);
        let children = descendants(pid)
            .into_iter()
            .map(memory_of)
            .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        (own, children)
    }
}

/// (RSS, PSS) in MB from /proc.
fn memory_of(pid: u32) -> (f64, f64) {
    let field = |file: &str, name: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{file}"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with(name))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            })
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("status", "VmRSS:"), field("smaps_rollup", "Pss:"))
}

fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The parent is the second field after the ")" that ends the name.
            let ppid = stat
                .rsplit(')')
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Launches `RUNS` times; prints the median and worst start-up.
fn starts(binary: &Path, dir: &Path, what: &str, args: &[&str]) {
    starts_after(binary, dir, what, args, &|| {});
}

/// [`starts`], with `prepare` run before each launch.
fn starts_after(binary: &Path, dir: &Path, what: &str, args: &[&str], prepare: &dyn Fn()) {
    let mut wall = Vec::new();
    let mut own = Vec::new();
    for _ in 0..RUNS {
        prepare();
        let app = launch(binary, dir, args);
        match app.ready(Duration::from_secs(60)) {
            Some((w, o)) => {
                wall.push(w);
                own.push(o);
            }
            None => {
                println!("  {what:<46} never said it was ready within 60 s");
                return;
            }
        }
    }
    let worst = wall.iter().copied().fold(0.0, f64::max);
    println!(
        "  {what:<46} ready {:>6.0} ms median, {worst:>6.0} ms worst (the app's own count: {:>5.0} ms)   target < 1,000 ms",
        median(wall),
        median(own)
    );
}

/// Memory after `settle` with the window open on `args`.
fn memory(binary: &Path, dir: &Path, what: &str, args: &[&str], settle: Duration) {
    let app = launch(binary, dir, args);
    if app.ready(Duration::from_secs(60)).is_none() {
        println!("  {what:<46} never ready");
        return;
    }
    std::thread::sleep(settle);
    let ((rss, pss), (web_rss, web_pss)) = app.memory();
    println!(
        "  {what:<46} app {rss:>5.0} MB RSS ({pss:>4.0} PSS)   target < 150 MB;  WebKit processes {web_rss:>5.0} MB RSS ({web_pss:>4.0} PSS)"
    );
}

/// The large workspace: 1,000,000 History rows (as the History benchmark
/// journals them) and 100,000 targets, made once.
fn large_workspace(dir: &Path) {
    let db = dir.join(DATABASE_FILE);
    if db.exists() {
        return;
    }
    std::fs::create_dir_all(dir).unwrap();
    println!(
        "filling the large workspace once (kept in {})…",
        dir.display()
    );
    let store = Store::open(&db).unwrap();
    let start = Timestamp::now().0 - 365 * journal::DAY;
    let conns = journal::fill(&store, start, OPERATIONS);
    let started = Instant::now();
    store
        .write(|db| {
            for i in 0..TARGETS {
                let c = &conns[i % conns.len()];
                targets::upsert(
                    db,
                    &Target {
                        id: TargetId(0),
                        connection_id: c.id,
                        kind: match c.vendor {
                            switchboard_domain::Vendor::Pingup => TargetKind::Client,
                            switchboard_domain::Vendor::Vambe => TargetKind::Contact,
                            _ => TargetKind::Chat,
                        },
                        vendor_id: format!("t{i}"),
                        name: Some(format!("Customer{i} Family{}", i % 911)),
                        phone: Some(format!("3910{:08}", i)),
                        email: Some(format!("customer{i}@mail.example")),
                        status: Some("open".into()),
                        last_activity_at: Some(Timestamp(start + i as i64 * 1000)),
                        synced_at: Some(Timestamp(start)),
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    store
        .write(|db| Ok(db.execute_batch("ANALYZE; PRAGMA optimize;")?))
        .unwrap();
    println!(
        "stored {TARGETS} targets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let binary = std::env::var_os("SWITCHBOARD_APP_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/release/switchboard"));
    if !binary.is_file() {
        eprintln!(
            "no app binary at {}: run `cargo build --release` first",
            binary.display()
        );
        std::process::exit(1);
    }
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("no DISPLAY: run this benchmark under `xvfb-run -a` (or on a desktop)");
        std::process::exit(1);
    }
    println!("app start-up and memory: {}", binary.display());

    let empty = tempfile::tempdir().unwrap();
    starts(&binary, empty.path(), "empty workspace (Connections)", &[]);

    // The demo: made and synced by a first launch, then started as a manager
    // would start it each morning.
    let demo = tempfile::tempdir().unwrap();
    {
        let app = launch(&binary, demo.path(), &["--demo"]);
        app.ready(Duration::from_secs(60));
        let cache = Store::open(demo.path().join(DATABASE_FILE)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let synced: i64 = cache
                .read(|db| {
                    Ok(db.query_row(
                        "SELECT count(*) FROM sync_runs WHERE state = 'done'",
                        [],
                        |r| r.get(0),
                    )?)
                })
                .unwrap_or(0);
            if synced >= 5 || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    starts(&binary, demo.path(), "demo (Connections)", &[]);
    starts(
        &binary,
        demo.path(),
        "demo (Status board)",
        &["--view", "status"],
    );

    let large = workspace_root().join("target/bench-startup/large");
    large_workspace(&large);
    starts(
        &binary,
        &large,
        "100k targets, 1M History rows (Connections)",
        &[],
    );
    starts(
        &binary,
        &large,
        "  … opened on History",
        &["--view", "history"],
    );
    starts(
        &binary,
        &large,
        "  … opened on Targets",
        &["--view", "targets"],
    );

    // The first start after an upgrade: the same workspace one migration
    // behind, so each start backs it up and migrates it.
    let upgraded = tempfile::tempdir().unwrap();
    let copy = upgraded.path().join(DATABASE_FILE);
    Store::open(large.join(DATABASE_FILE))
        .unwrap()
        .backup(&copy)
        .unwrap();
    let behind = upgraded.path().join("behind.db");
    {
        let store = Store::open(&copy).unwrap();
        let version = switchboard_store::SCHEMA_VERSION - 1;
        store
            .write(|db| Ok(db.pragma_update(None, "user_version", version)?))
            .unwrap();
        // The last connection to close folds the WAL into the file.
    }
    std::fs::rename(&copy, &behind).unwrap();
    starts_after(
        &binary,
        upgraded.path(),
        "  … first start after an upgrade",
        &[],
        &|| {
            let _ = std::fs::remove_dir_all(upgraded.path().join("backups"));
            for extra in ["-wal", "-shm"] {
                let _ =
                    std::fs::remove_file(upgraded.path().join(format!("{DATABASE_FILE}{extra}")));
            }
            std::fs::copy(&behind, &copy).unwrap();
        },
    );
    drop(upgraded);

    println!("memory:");
    memory(
        &binary,
        empty.path(),
        "empty, idle 5 s",
        &[],
        Duration::from_secs(5),
    );
    memory(
        &binary,
        demo.path(),
        "demo, idle 5 s",
        &[],
        Duration::from_secs(5),
    );
    memory(
        &binary,
        demo.path(),
        "demo, status board polling for 30 s",
        &["--view", "status"],
        Duration::from_secs(30),
    );
    memory(
        &binary,
        &large,
        "large, History open 5 s",
        &["--view", "history"],
        Duration::from_secs(5),
    );

    println!("sizes:");
    let mb = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() as f64 / 1_048_576.0)
            .unwrap_or(0.0)
    };
    println!("  binary {:.1} MB ({})", mb(&binary), binary.display());
    let debs = workspace_root().join("target/release/bundle/deb");
    match std::fs::read_dir(&debs).ok().and_then(|d| {
        d.filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "deb"))
    }) {
        Some(deb) => println!(
            "  .deb {:.1} MB ({})",
            mb(&deb.path()),
            deb.path().display()
        ),
        None => println!("  no .deb built yet (.ci/package builds it)"),
    }
}
