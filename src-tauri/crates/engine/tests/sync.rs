//! Connections and sync against the vendor simulator, through the engine's API.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};

use switchboard_domain::ConnectionId;
use switchboard_domain::Vendor;
use switchboard_domain::job::Origin;
use switchboard_domain::sync::{SyncMode, SyncState};
use switchboard_engine::connection_form::ConnectionForm;
use switchboard_engine::sync::{Cancel, SyncPhase, SyncProgress};
use switchboard_engine::{Config, ErrorCode, Workspace};
use switchboard_secrets::{Keychain, Namespace, Secret};
use switchboard_simulator::FaultKind;
use switchboard_store::{agents, assignments, people, targets};

struct Env {
    _dir: tempfile::TempDir,
    ws: Workspace,
    keychain: Keychain,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-sync"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let shared = keychain.clone();
    let ws =
        Workspace::open_with_keychain(config, Origin::App, Arc::new(move || Ok(shared.clone())))
            .unwrap();
    Env {
        _dir: dir,
        ws,
        keychain,
    }
}

/// The demo: five connections to an in-process simulator.
async fn demo(env: &Env) -> Vec<(Vendor, ConnectionId)> {
    env.ws
        .create_demo()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.vendor, c.id))
        .collect()
}

fn id_of(all: &[(Vendor, ConnectionId)], vendor: Vendor) -> ConnectionId {
    all.iter().find(|(v, _)| *v == vendor).unwrap().1
}

async fn sync(
    ws: &Workspace,
    id: ConnectionId,
    mode: SyncMode,
) -> Result<switchboard_domain::sync::SyncRun, switchboard_engine::EngineError> {
    ws.sync(id, mode, &|_| {}, &Cancel::default()).await
}

fn count(ws: &Workspace, sql: &str, id: ConnectionId) -> i64 {
    ws.store()
        .read(|db| Ok(db.query_row(sql, [id.to_string()], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test]
async fn the_demo_connects_to_all_five_vendors() {
    let env = env();
    let all = demo(&env).await;
    assert_eq!(all.len(), 5);
    for (vendor, id) in &all {
        let outcome = env.ws.test_connection(*id).await.unwrap();
        assert!(outcome.ok, "{vendor}: {outcome:?}");
        assert!(
            outcome.message.starts_with("Connected to"),
            "{}",
            outcome.message
        );
        assert!(
            env.keychain.contains(&id.to_string()).unwrap(),
            "the secret is in the keychain"
        );
    }
    let summaries = env.ws.connection_summaries().await.unwrap();
    assert!(
        summaries
            .iter()
            .all(|s| s.connection.is_demo && s.last_check.as_ref().unwrap().outcome == "ok")
    );
    // Pingup and Splashify agents came from the manifest.
    let pingup = summaries
        .iter()
        .find(|s| s.connection.vendor == Vendor::Pingup)
        .unwrap();
    assert!(pingup.agents > 0);
    // No secret reached the database.
    let sim = env.ws.running_demo().await.unwrap();
    let key = sim.credentials().helpcrunch_api_key.clone();
    let dump: i64 = env
        .ws
        .store()
        .read(|db| {
            Ok(db.query_row(
                "SELECT count(*) FROM connections WHERE settings LIKE ?1",
                [format!("%{key}%")],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(dump, 0);
}

#[tokio::test]
async fn a_full_sync_mirrors_every_vendor_and_links_people_by_email() {
    let env = env();
    let all = demo(&env).await;
    let sim = env.ws.running_demo().await.unwrap();
    let progress: Arc<Mutex<Vec<SyncProgress>>> = Arc::default();
    for (vendor, id) in &all {
        let seen = progress.clone();
        let run = env
            .ws
            .sync(
                *id,
                SyncMode::Full,
                &move |p| seen.lock().unwrap().push(p),
                &Cancel::default(),
            )
            .await
            .unwrap();
        assert_eq!(run.state, SyncState::Done, "{vendor}");
        assert_eq!(run.mode, SyncMode::Full);
    }
    let world = sim.world();
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM targets WHERE connection_id = ?1",
            id_of(&all, Vendor::Helpcrunch)
        ),
        world.helpcrunch.read().unwrap().chats.len() as i64
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM targets WHERE connection_id = ?1",
            id_of(&all, Vendor::Pingup)
        ),
        world.pingup.read().unwrap().clients.len() as i64
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM agents WHERE connection_id = ?1",
            id_of(&all, Vendor::CcaiPlatform)
        ),
        world.ccai.read().unwrap().agents.len() as i64
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM teams WHERE connection_id = ?1",
            id_of(&all, Vendor::CcaiPlatform)
        ),
        world.ccai.read().unwrap().teams.len() as i64
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM team_members JOIN teams ON teams.id = team_id WHERE connection_id = ?1",
            id_of(&all, Vendor::Helpcrunch)
        ),
        world.helpcrunch.read().unwrap().agents.len() as i64
    );

    // A chat's assignee in the cache is the simulator's.
    let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(3);
    let hc = id_of(&all, Vendor::Helpcrunch);
    let cached = env
        .ws
        .store()
        .read(|db| {
            let t = targets::find_by_vendor_id(
                db,
                hc,
                switchboard_domain::target::TargetKind::Chat,
                &chat.to_string(),
            )?
            .unwrap();
            assignments::list_by_target(db, t.id)
        })
        .unwrap();
    let expected = world.helpcrunch.read().unwrap().assignee_of(chat).unwrap();
    assert_eq!(
        cached
            .first()
            .map(|a| a.agent_vendor_id.parse::<u64>().unwrap()),
        expected
    );
    assert!(
        cached.iter().all(|a| a.agent_id.is_some()),
        "assignees resolve to cached agents"
    );

    // People: fewer than agents, and one person spans several vendors by email
    // (HelpCrunch writes some emails with capitals; they still link).
    let (people_count, agent_count, spanning): (i64, i64, i64) = env.ws.store().read(|db| {
        Ok((
            db.query_row("SELECT count(*) FROM people", [], |r| r.get(0))?,
            db.query_row("SELECT count(*) FROM agents", [], |r| r.get(0))?,
            db.query_row("SELECT count(*) FROM (SELECT person_id FROM agents GROUP BY person_id HAVING count(DISTINCT connection_id) >= 3)", [], |r| r.get(0))?,
        ))
    }).unwrap();
    assert!(
        people_count < agent_count && spanning > 0,
        "{people_count} people for {agent_count} agents, {spanning} on 3+ vendors"
    );
    let capitalised_linked: i64 = env.ws.store().read(|db| Ok(db.query_row(
        "SELECT count(*) FROM agents a JOIN agents b ON a.person_id = b.person_id AND a.connection_id != b.connection_id
         WHERE a.connection_id = ?1", [hc.to_string()], |r| r.get(0))?)).unwrap();
    assert!(capitalised_linked > 0);

    let phases: Vec<SyncPhase> = progress.lock().unwrap().iter().map(|p| p.phase).collect();
    assert!(phases.contains(&SyncPhase::Targets) && phases.contains(&SyncPhase::Done));
}

#[tokio::test]
async fn an_incremental_sync_fetches_only_what_changed() {
    let env = env();
    let all = demo(&env).await;
    let sim = env.ws.running_demo().await.unwrap();
    let vambe = id_of(&all, Vendor::Vambe);
    sync(&env.ws, vambe, SyncMode::Full).await.unwrap();
    let (contact, member) = {
        let d = sim.world().vambe.read().unwrap();
        (d.contact_id(5), d.member_id(3))
    };
    sim.world()
        .vambe
        .write()
        .unwrap()
        .set_assignees(&contact, &[&member]);
    let run = sync(&env.ws, vambe, SyncMode::Incremental).await.unwrap();
    assert_eq!(run.mode, SyncMode::Incremental);
    assert!(
        run.targets
            < count(
                &env.ws,
                "SELECT count(*) FROM targets WHERE connection_id = ?1",
                vambe
            ),
        "fewer fetched: {}",
        run.targets
    );
    let cached = env
        .ws
        .store()
        .read(|db| {
            let t = targets::find_by_vendor_id(
                db,
                vambe,
                switchboard_domain::target::TargetKind::Contact,
                &contact,
            )?
            .unwrap();
            assignments::list_by_target(db, t.id)
        })
        .unwrap();
    assert_eq!(
        cached
            .iter()
            .map(|a| a.agent_vendor_id.clone())
            .collect::<Vec<_>>(),
        [member]
    );
    // A vendor that cannot list by time falls back to a full sync.
    let pingup = id_of(&all, Vendor::Pingup);
    sync(&env.ws, pingup, SyncMode::Full).await.unwrap();
    assert_eq!(
        sync(&env.ws, pingup, SyncMode::Incremental)
            .await
            .unwrap()
            .mode,
        SyncMode::Full
    );
}

#[tokio::test]
async fn a_failed_or_cancelled_sync_keeps_the_cache_whole() {
    let env = env();
    let all = demo(&env).await;
    let sim = env.ws.running_demo().await.unwrap();
    let hc = id_of(&all, Vendor::Helpcrunch);
    sync(&env.ws, hc, SyncMode::Full).await.unwrap();
    let snapshot = |ws: &Workspace| {
        ws.store().read(|db| {
        Ok(db.query_row("SELECT count(*), coalesce(sum(agent_vendor_id), 0) FROM assignments JOIN targets ON targets.id = target_id WHERE connection_id = ?1",
            [hc.to_string()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?)))?)
    }).unwrap()
    };
    let before = snapshot(&env.ws);

    // The vendor changes, then fails on the second page of chats, every retry.
    for i in 0..40 {
        sim.world().helpcrunch.write().unwrap().set_assignee(
            switchboard_simulator::vendors::helpcrunch::Data::chat_id(i),
            None,
        );
    }
    sim.inspector().add_fault(switchboard_simulator::Fault {
        vendor: Vendor::Helpcrunch,
        endpoint: Some("chats".into()),
        kind: FaultKind::Status {
            status: 503,
            body: None,
            retry_after: None,
        },
        times: None,
        probability: None,
    });
    let err = sync(&env.ws, hc, SyncMode::Full).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::VendorError, "{err}");
    assert_eq!(snapshot(&env.ws), before, "nothing applied");
    let summary = env
        .ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.connection.id == hc)
        .unwrap();
    let last = summary.last_sync.unwrap();
    assert_eq!(last.state, SyncState::Failed);
    assert!(
        last.error_message
            .unwrap()
            .contains("kept its earlier data")
    );
    sim.inspector().clear_faults(None);

    let cancel = Cancel::default();
    cancel.cancel();
    let err = env
        .ws
        .sync(hc, SyncMode::Full, &|_| {}, &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(snapshot(&env.ws), before);

    sync(&env.ws, hc, SyncMode::Full).await.unwrap();
    assert_ne!(snapshot(&env.ws), before, "a good sync applies the changes");
}

#[tokio::test]
async fn an_unreachable_vendor_is_marked_and_a_wrong_key_explained() {
    let env = env();
    let all = demo(&env).await;
    let sim = env.ws.running_demo().await.unwrap();
    let vambe = id_of(&all, Vendor::Vambe);
    sync(&env.ws, vambe, SyncMode::Full).await.unwrap();
    sim.halt(Vendor::Vambe);
    let outcome = env.ws.test_connection(vambe).await.unwrap();
    assert_eq!(outcome.outcome, "unreachable");
    assert!(
        outcome.message.starts_with("Cannot reach 127.0.0.1"),
        "{}",
        outcome.message
    );
    let err = sync(&env.ws, vambe, SyncMode::Full).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unreachable);
    let summary = env
        .ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.connection.id == vambe)
        .unwrap();
    assert!(summary.unreachable);
    assert!(
        summary.targets > 0,
        "the cache is still there to browse offline"
    );
    sim.resume(Vendor::Vambe).await.unwrap();

    let mut form = ConnectionForm {
        display_name: "Wrong key".into(),
        base_url: Some(sim.base_url(Vendor::Vambe)),
        ..Default::default()
    };
    form.secret = Some(Secret::new("vmb_wrong"));
    let outcome = env.ws.test_form(Vendor::Vambe, form.clone()).await.unwrap();
    assert_eq!(outcome.outcome, "unauthorized");
    assert!(
        outcome.message.contains("refused the key"),
        "{}",
        outcome.message
    );
    let fixed = ConnectionForm {
        secret: Some(Secret::new(sim.credentials().vambe_api_key.clone())),
        ..form
    };
    assert!(env.ws.test_form(Vendor::Vambe, fixed).await.unwrap().ok);
}

#[tokio::test]
async fn manual_links_and_unlinks_survive_a_resync() {
    let env = env();
    let all = demo(&env).await;
    for (_, id) in &all {
        sync(&env.ws, *id, SyncMode::Full).await.unwrap();
    }
    let hc = id_of(&all, Vendor::Helpcrunch);
    let (moved, stays, other_person) = env
        .ws
        .store()
        .read(|db| {
            let list = agents::list_by_connection(db, hc)?;
            let other = people::list(db)?
                .into_iter()
                .find(|p| Some(p.id) != list[0].person_id)
                .unwrap();
            Ok((list[0].clone(), list[1].clone(), other))
        })
        .unwrap();
    env.ws.link_agent(moved.id, other_person.id).await.unwrap();
    let own = env.ws.unlink_agent(stays.id).await.unwrap();
    sync(&env.ws, hc, SyncMode::Full).await.unwrap();
    let (a, b) = env
        .ws
        .store()
        .read(|db| Ok((agents::get(db, moved.id)?, agents::get(db, stays.id)?)))
        .unwrap();
    assert_eq!(a.person_id, Some(other_person.id), "manual link kept");
    assert_eq!(b.person_id, Some(own), "unlink kept");
}

#[tokio::test]
async fn removing_a_connection_removes_its_secret_and_cache_but_not_history() {
    let env = env();
    let all = demo(&env).await;
    let splashify = id_of(&all, Vendor::Splashify);
    sync(&env.ws, splashify, SyncMode::Full).await.unwrap();
    env.ws.remove_connection(splashify).await.unwrap();
    assert!(!env.keychain.contains(&splashify.to_string()).unwrap());
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM targets WHERE connection_id = ?1",
            splashify
        ),
        0
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM audit_log WHERE connection_id = ?1 AND action = 'connection.removed'",
            splashify
        ),
        1
    );
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_with_row_errors() {
    let env = env();
    let all = demo(&env).await;
    let pingup = id_of(&all, Vendor::Pingup);
    let before = count(
        &env.ws,
        "SELECT count(*) FROM agents WHERE connection_id = ?1",
        pingup,
    );
    let report = env.ws.import_agents_csv(pingup, "id,name,email\n6650ff,New Agent,new@acme-support.example\n,No Id,x@acme-support.example\n".into()).await.unwrap();
    assert_eq!((report.added, report.errors.len()), (0, 1));
    assert_eq!(
        (report.errors[0].row, report.errors[0].field.as_str()),
        (3, "id")
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM agents WHERE connection_id = ?1",
            pingup
        ),
        before,
        "nothing imported"
    );
    let report = env
        .ws
        .import_agents_csv(
            pingup,
            "id,name,email\n6650ff,New Agent,new@acme-support.example\n".into(),
        )
        .await
        .unwrap();
    assert_eq!((report.added, report.errors.len()), (1, 0));
}

#[tokio::test]
async fn a_keychain_failure_leaves_no_connection_behind() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().into(),
        namespace: Namespace::test("no-keychain"),
    };
    let ws = Workspace::open_with_keychain(
        config,
        Origin::App,
        Arc::new(|| {
            Err(switchboard_secrets::KeychainError::Unavailable {
                backend: "test",
                reason: "none".into(),
                fix: "install one",
            })
        }),
    )
    .unwrap();
    let form = ConnectionForm {
        display_name: "V".into(),
        secret: Some(Secret::new("k")),
        ..Default::default()
    };
    let err = ws
        .create_connection(Vendor::Vambe, form, false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeychainUnavailable);
    assert!(ws.connection_summaries().await.unwrap().is_empty());
}

#[tokio::test]
async fn editing_renames_and_keeps_the_stored_key_unless_a_new_one_is_given() {
    let env = env();
    let all = demo(&env).await;
    let vambe = id_of(&all, Vendor::Vambe);
    let sim = env.ws.running_demo().await.unwrap();
    let form = ConnectionForm {
        display_name: "Vambe Chile".into(),
        base_url: Some(sim.base_url(Vendor::Vambe)),
        ..Default::default()
    };
    let renamed = env.ws.update_connection(vambe, form.clone()).await.unwrap();
    assert_eq!(renamed.display_name, "Vambe Chile");
    assert_eq!(
        env.keychain
            .get(&vambe.to_string())
            .unwrap()
            .unwrap()
            .expose(),
        sim.credentials().vambe_api_key,
        "the key is kept"
    );
    assert!(env.ws.test_connection(vambe).await.unwrap().ok);

    let wrong = ConnectionForm {
        secret: Some(Secret::new("vmb_new_but_wrong")),
        ..form
    };
    env.ws.update_connection(vambe, wrong).await.unwrap();
    assert_eq!(
        env.ws.test_connection(vambe).await.unwrap().outcome,
        "unauthorized",
        "the new key is used"
    );
    let actions = count(
        &env.ws,
        "SELECT count(*) FROM audit_log WHERE connection_id = ?1 AND action = 'connection.updated'",
        vambe,
    );
    assert_eq!(actions, 2);
}

/// A big sync saves in short transactions: a writer that waits at most 2 s
/// for the lock (another Switchboard process, say) always gets it, also while
/// the sync is saving. Before, 20,000 contacts were saved in one transaction
/// that held the lock for several seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_a_big_sync_never_locks_out_another_writer() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use switchboard_simulator::{Limits, Scale, SimConfig, Simulator};

    let scale = Scale {
        agents: 100,
        targets: 80_000,
    };
    let sim = Simulator::start(
        SimConfig::demo(7)
            .with_scale(scale)
            .with_limits(Limits::Off),
    )
    .await
    .unwrap();
    let env = env();
    let (vendor, form) = switchboard_engine::demo::forms(&sim.manifest(), "Big ")
        .into_iter()
        .find(|(v, _)| *v == Vendor::Vambe)
        .unwrap();
    let mut c = env.ws.create_connection(vendor, form, true).await.unwrap();
    c.settings.insert("rate_limit".into(), "off".into());
    env.ws
        .store()
        .write(|db| switchboard_store::connections::upsert(db, &c))
        .unwrap();

    let saving = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let during_save = Arc::new(AtomicUsize::new(0));
    let contender = {
        let path = env.ws.store().path().to_path_buf();
        let (saving, finished, during_save) =
            (saving.clone(), finished.clone(), during_save.clone());
        std::thread::spawn(move || {
            let db = rusqlite::Connection::open(path).unwrap();
            db.busy_timeout(std::time::Duration::from_millis(2_000))
                .unwrap();
            while !finished.load(Ordering::SeqCst) {
                let was_saving = saving.load(Ordering::SeqCst);
                let asked = std::time::Instant::now();
                db.execute_batch("BEGIN IMMEDIATE; COMMIT;").map_err(|e| {
                    format!(
                        "the other writer was locked out after {:?}: {e}",
                        asked.elapsed()
                    )
                })?;
                if was_saving && saving.load(Ordering::SeqCst) {
                    during_save.fetch_add(1, Ordering::SeqCst);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Ok::<(), String>(())
        })
    };
    let flag = saving.clone();
    let run = env
        .ws
        .sync(
            c.id,
            SyncMode::Full,
            &move |p| flag.store(p.phase == SyncPhase::Saving, Ordering::SeqCst),
            &Cancel::default(),
        )
        .await;
    finished.store(true, Ordering::SeqCst);
    contender.join().unwrap().unwrap();
    let run = run.unwrap();
    assert_eq!(run.state, SyncState::Done);
    assert_eq!(
        run.targets,
        i64::from(scale.targets_per_vendor()),
        "every contact saved"
    );
    assert!(
        during_save.load(Ordering::SeqCst) > 0,
        "the other writer wrote while the sync was saving"
    );
    assert_eq!(
        count(
            &env.ws,
            "SELECT count(*) FROM targets WHERE connection_id = ?1",
            c.id
        ),
        run.targets
    );
}

/// The demo comes back after a restart with the same keys; where another
/// program took one of its ports meanwhile, it moves to a free one and its
/// connection follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_survives_a_restart_even_when_a_port_was_taken() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        namespace: Namespace::test("engine-demo-restart"),
    };
    let keychain = Keychain::in_memory(config.namespace.clone()).unwrap();
    let open = |k: Keychain| {
        Workspace::open_with_keychain(config.clone(), Origin::App, Arc::new(move || Ok(k.clone())))
            .unwrap()
    };
    let ws = open(keychain.clone());
    let demo = ws.create_demo().await.unwrap();
    let pingup = demo.iter().find(|c| c.vendor == Vendor::Pingup).unwrap();
    let port = url::Url::parse(pingup.base_url.as_str())
        .unwrap()
        .port()
        .unwrap();
    drop(ws);

    // Another program takes Pingup's port as soon as the demo lets it go.
    let squatter = {
        let mut tries = 0;
        loop {
            match std::net::TcpListener::bind(("127.0.0.1", port)) {
                Ok(l) => break l,
                Err(_) if tries < 100 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("the demo never let go of its port: {e}"),
            }
        }
    };

    let ws = open(keychain);
    assert!(ws.resume_demo().await.unwrap());
    let moved = ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.connection.vendor == Vendor::Pingup)
        .unwrap()
        .connection;
    assert_ne!(
        moved.base_url, pingup.base_url,
        "Pingup moved to a free port"
    );
    for s in ws.connection_summaries().await.unwrap() {
        let outcome = ws.test_connection(s.connection.id).await.unwrap();
        assert!(
            outcome.ok,
            "{} after the restart: {outcome:?}",
            s.connection.display_name
        );
    }
    drop(squatter);
}

/// A connection's badge follows its latest call, not only its latest test: a
/// key refused on a read after a good test says so, and a call that works
/// after the key is fixed says so too, from this process or another.
#[tokio::test]
async fn the_badge_follows_the_latest_call() {
    let env = env();
    let all = demo(&env).await;
    let sim = env.ws.running_demo().await.unwrap();
    let vambe = id_of(&all, Vendor::Vambe);
    sync(&env.ws, vambe, SyncMode::Full).await.unwrap();
    assert_eq!(badge(&env.ws, vambe).await, "ok");
    let target = env
        .ws
        .store()
        .read(|db| Ok(targets::list_by_connection(db, vambe, 1, 0)?[0].id))
        .unwrap();

    // The key is changed to a wrong one (no test): the next read is refused.
    let edit = |secret: &str| ConnectionForm {
        display_name: "Demo Vambe".into(),
        base_url: Some(sim.base_url(Vendor::Vambe)),
        secret: Some(Secret::new(secret)),
        ..Default::default()
    };
    env.ws
        .update_connection(vambe, edit("vmb_wrong"))
        .await
        .unwrap();
    let err = env.ws.refresh_target(target).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthorized, "{err}");
    assert_eq!(badge(&env.ws, vambe).await, "unauthorized");

    // Fixed; a read that works says so without a test.
    env.ws
        .update_connection(vambe, edit(&sim.credentials().vambe_api_key))
        .await
        .unwrap();
    env.ws.refresh_target(target).await.unwrap();
    assert_eq!(badge(&env.ws, vambe).await, "ok");
}

async fn badge(ws: &Workspace, id: ConnectionId) -> String {
    ws.connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.connection.id == id)
        .unwrap()
        .last_check
        .unwrap()
        .outcome
}

/// One rule finds agents and teams for the window and the command line: an
/// agent by vendor id or email (any case), a team by vendor id or name (any
/// case); a name several teams carry is refused with where each is.
#[tokio::test]
async fn agents_and_teams_are_found_by_one_rule() {
    let env = env();
    let all = demo(&env).await;
    let ccai = id_of(&all, Vendor::CcaiPlatform);
    let vambe = id_of(&all, Vendor::Vambe);
    for id in [ccai, vambe] {
        sync(&env.ws, id, SyncMode::Full).await.unwrap();
    }
    let agent = env
        .ws
        .store()
        .read(|db| Ok(agents::list_by_connection(db, vambe)?.remove(0)))
        .unwrap();
    let email = agent.email.clone().unwrap().to_uppercase();
    let found = env
        .ws
        .find_agents(vambe, vec![agent.vendor_id.clone(), email])
        .await
        .unwrap();
    assert_eq!(found, [agent.id, agent.id]);
    let err = env
        .ws
        .find_agents(vambe, vec!["nobody@nowhere.example".into()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.to_string().contains("not an agent of this connection"),
        "{err}"
    );

    let tier1 = env
        .ws
        .find_teams(Some(ccai), vec![" tier 1 support ".into()])
        .await
        .unwrap();
    assert_eq!(tier1.len(), 1);
    // A team of the same name on another connection makes the name ambiguous.
    env.ws
        .store()
        .write(|db| {
            switchboard_store::teams::upsert(
                db,
                &switchboard_domain::team::Team {
                    id: switchboard_domain::TeamId(0),
                    connection_id: vambe,
                    vendor_id: "t-77".into(),
                    name: "Tier 1 Support".into(),
                    parent_vendor_id: None,
                    synced_at: None,
                },
            )
        })
        .unwrap();
    let err = env
        .ws
        .find_teams(None, vec!["Tier 1 Support".into()])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("names several teams"), "{err}");
    assert!(err.to_string().contains("t-77 on Demo Vambe"), "{err}");
    assert_eq!(
        env.ws
            .find_teams(None, vec!["t-77".into()])
            .await
            .unwrap()
            .len(),
        1,
        "the vendor id settles it"
    );
    assert_eq!(
        env.ws
            .find_teams(Some(ccai), vec!["Tier 1 Support".into()])
            .await
            .unwrap(),
        tier1,
        "on one connection the name is unique"
    );
}
