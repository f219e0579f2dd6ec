//! A reassignment of 500 items across four vendors, with faults injected (5xx,
//! dropped connections, 429 bursts), whose real binary is killed (SIGKILL) 20
//! times at random moments and resumed after each kill. At the end, for every
//! item, the vendor's state read through the simulator equals the plan, and the
//! journal says done: nothing lost, nothing applied differently.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Lcg, cli, demo_workspace, text};
use switchboard_domain::change::Change;
use switchboard_domain::job::OperationState;
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{Timestamp, Vendor};
use switchboard_engine::sync::Cancel;
use switchboard_simulator::{Fault, FaultKind, Simulator};
use switchboard_store::{connections, operations};

/// Items per vendor.
const EACH: usize = 125;
const KILLS: usize = 20;

fn faults(sim: &Simulator) {
    let inject = |vendor, endpoint: &str, kind: FaultKind, times| {
        sim.inspector().add_fault(Fault {
            vendor,
            endpoint: Some(endpoint.into()),
            kind,
            times: Some(times),
            probability: None,
        });
    };
    let five_hundred = || FaultKind::Status {
        status: 503,
        body: None,
        retry_after: None,
    };
    let burst = || FaultKind::Status {
        status: 429,
        body: None,
        retry_after: Some(1),
    };
    inject(Vendor::Pingup, "assign_agents", five_hundred(), 3);
    inject(Vendor::Vambe, "assign_team_member", FaultKind::Drop, 3);
    inject(Vendor::Helpcrunch, "chat_assignee", burst(), 4);
    inject(Vendor::Splashify, "assignment", five_hundred(), 2);
    inject(Vendor::Helpcrunch, "chat", FaultKind::Drop, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reassignment_killed_twenty_times_ends_exactly_as_planned() {
    let Some((dir, namespace, ws, demo)) = demo_workspace().await else {
        return;
    };
    let sim = ws.running_demo().await.unwrap();
    // Speed is not what is tested: no limits at the vendors or in the client.
    for v in Vendor::ALL {
        sim.set_limit(v, None);
    }
    ws.store()
        .write(|db| {
            for c in &demo {
                let mut c = c.clone();
                c.settings.insert("rate_limit".into(), "off".into());
                connections::upsert(db, &c)?;
            }
            Ok(())
        })
        .unwrap();
    for c in &demo {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let platforms = [
        Vendor::Pingup,
        Vendor::Vambe,
        Vendor::Helpcrunch,
        Vendor::Splashify,
    ];
    // Three people with an agent on each of the four platforms: where one
    // lacks one, another's agent is linked to them by hand.
    let mut people = ws.people(None).await.unwrap();
    people.retain(|p| p.email.is_some());
    let chosen = [people[0].id, people[1].id, people[2].id];
    let mut spare: Vec<_> = people[3..]
        .iter()
        .flat_map(|p| p.agents.clone())
        .filter(|a| a.active)
        .collect();
    for (i, id) in chosen.iter().enumerate() {
        for v in platforms {
            if !people[i].agents.iter().any(|a| a.vendor == v && a.active) {
                let at = spare.iter().position(|a| a.vendor == v).unwrap();
                ws.link_agent(spare.remove(at).id, *id).await.unwrap();
            }
        }
    }
    let people = ws.people(None).await.unwrap();
    let row = |id| people.iter().find(|p| p.id == id).unwrap();
    let (from, b, c) = (row(chosen[0]), row(chosen[1]), row(chosen[2]));
    let agent = |v: Vendor| from.agents.iter().find(|a| a.vendor == v).unwrap();

    // The person holds 125 targets on each platform (a third of the Vambe
    // contacts shared with someone else, who keeps them).
    {
        let world = sim.world();
        let other = b.agents.iter().find(|a| a.vendor == Vendor::Vambe).unwrap();
        let mut pingup = world.pingup.write().unwrap();
        for i in 0..EACH {
            let id = pingup.client_id(i);
            assert!(pingup.set_assignees(&id, &[&agent(Vendor::Pingup).vendor_id]));
        }
        drop(pingup);
        let mut vambe = world.vambe.write().unwrap();
        for i in 0..EACH {
            let id = vambe.contact_id(i);
            let mine = agent(Vendor::Vambe).vendor_id.as_str();
            let members: Vec<&str> = if i % 3 == 0 {
                vec![mine, other.vendor_id.as_str()]
            } else {
                vec![mine]
            };
            assert!(vambe.set_assignees(&id, &members));
        }
        drop(vambe);
        let mut hc = world.helpcrunch.write().unwrap();
        let hc_agent: u64 = agent(Vendor::Helpcrunch).vendor_id.parse().unwrap();
        for i in 0..EACH {
            let chat = switchboard_simulator::vendors::helpcrunch::Data::chat_id(i);
            assert!(hc.set_assignee(chat, Some(hc_agent)));
        }
        drop(hc);
        let mut sp = world.splashify.write().unwrap();
        let phones: Vec<u64> = sp
            .customers
            .iter()
            .filter(|c| c.has_conversation)
            .take(EACH)
            .map(|c| c.phone)
            .collect();
        assert_eq!(phones.len(), EACH);
        let email = agent(Vendor::Splashify).email.clone().unwrap();
        for phone in phones {
            assert!(sp.set_assignee(phone, Some(&email)));
        }
    }
    for c in &demo {
        ws.sync(c.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    let held = ws
        .people(None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == from.id)
        .unwrap()
        .assignments as usize;
    assert!(held >= 4 * EACH, "{held}");
    faults(&sim);

    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| Timestamp::now().0 as u64);
    eprintln!("crash test seed {seed} (CRASH_SEED={seed} repeats it)");
    let mut rng = Lcg(seed);
    let d = dir.path();
    let (from_email, b_email, c_email) = (
        from.email.clone().unwrap(),
        b.email.clone().unwrap(),
        c.email.clone().unwrap(),
    );
    let job_of = || -> Option<String> {
        let out = cli(d, &namespace, &["jobs", "--json"]);
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        list.as_array()?
            .iter()
            .find(|j| j["job"]["kind"] == "reassign")
            .map(|j| j["job"]["id"].as_str().unwrap_or_default().to_owned())
    };
    let binary = env!("CARGO_BIN_EXE_switchboard");
    let started = Instant::now();
    for kill in 0..KILLS {
        let job = job_of();
        let mut command = Command::new(binary);
        command
            .arg("--data-dir")
            .arg(d)
            .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", &namespace)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match &job {
            None => command.args([
                "reassign",
                "--from",
                &from_email,
                "--to",
                &b_email,
                "--to",
                &c_email,
                "--yes",
            ]),
            Some(job) => command.args(["jobs", "resume", job]),
        };
        let mut child = command.spawn().unwrap();
        let after = Duration::from_millis(50 + rng.below(900));
        std::thread::sleep(after);
        let _ = child.kill(); // SIGKILL: no clean-up runs
        let _ = child.wait();
        eprintln!(
            "kill {kill}: after {after:?} ({})",
            job.as_deref().unwrap_or("planning")
        );
    }
    // The last run goes to the end (resumed as often as the injected faults
    // leave items waiting).
    let job = match job_of() {
        Some(job) => job,
        None => {
            let out = cli(
                d,
                &namespace,
                &[
                    "reassign",
                    "--from",
                    &from_email,
                    "--to",
                    &b_email,
                    "--to",
                    &c_email,
                    "--yes",
                ],
            );
            assert!(out.status.code().is_some(), "{:?}", text(&out));
            job_of().unwrap()
        }
    };
    let shown = cli(d, &namespace, &["jobs"]);
    eprintln!("after the kills: {}", text(&shown).0);
    for _ in 0..10 {
        let out = cli(d, &namespace, &["jobs", "resume", &job]);
        if out.status.code() == Some(0) {
            break;
        }
    }
    eprintln!("{KILLS} kills and the resumes took {:?}", started.elapsed());

    // The journal: every item done, each exactly one move of the plan.
    let id: switchboard_domain::JobId = job.parse().unwrap();
    let ops = ws
        .store()
        .read(|db| operations::list_by_job(db, id))
        .unwrap();
    assert_eq!(
        ops.len(),
        held,
        "every item the person held was journaled once"
    );
    let not_done: Vec<_> = ops
        .iter()
        .filter(|o| o.state != OperationState::Done)
        .map(|o| (o.id, o.state, o.error_message.clone()))
        .collect();
    assert!(not_done.is_empty(), "{not_done:?}");

    // The vendors: each target holds its planned agent, not the person's.
    let world = sim.world();
    let now = Timestamp::now();
    for op in &ops {
        let Change::Move { from, to, keep, .. } = &op.request else {
            panic!("not a move: {:?}", op.request);
        };
        let to = to.clone().unwrap();
        let target = op.target_vendor_id.clone().unwrap();
        let vendor = demo
            .iter()
            .find(|c| c.id == op.connection_id)
            .unwrap()
            .vendor;
        let ok = match vendor {
            Vendor::Pingup => {
                let held = world.pingup.read().unwrap().assignees_of(&target).unwrap();
                let active = |id: &str| {
                    held.iter().any(|(a, until)| {
                        a == id
                            && switchboard_vendors::parse_iso8601("until", until)
                                .is_ok_and(|u| u > now)
                    })
                };
                active(&to) && !active(from)
            }
            Vendor::Vambe => {
                let held = world.vambe.read().unwrap().assignees_of(&target).unwrap();
                held.contains(&to) && !held.contains(from) && keep.iter().all(|k| held.contains(k))
            }
            Vendor::Helpcrunch => {
                world
                    .helpcrunch
                    .read()
                    .unwrap()
                    .assignee_of(target.parse().unwrap())
                    .unwrap()
                    == Some(to.parse().unwrap())
            }
            Vendor::Splashify => world
                .splashify
                .read()
                .unwrap()
                .assignee_of(target.parse().unwrap())
                .unwrap()
                .is_some_and(|e| e.eq_ignore_ascii_case(&to)),
            Vendor::CcaiPlatform => false,
        };
        assert!(
            ok,
            "{vendor} {target}: planned {from} -> {to} (keep {keep:?})"
        );
    }
}
