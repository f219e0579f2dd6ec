//! Bulk reassignment against the simulator: a person's work on every platform
//! planned from the cache, journaled, sent, and checked in the simulator's own
//! state, vendor by vendor.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{env, request};
use switchboard_domain::browse::PersonRow;
use switchboard_domain::job::{JobState, OperationState};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{Timestamp, Vendor};
use switchboard_engine::ErrorCode;
use switchboard_engine::reassign::{Destination, ReassignRequest};
use switchboard_engine::sync::Cancel;
use switchboard_store::{agents, assignments, targets};

#[tokio::test]
async fn everything_a_person_holds_moves_on_every_platform_and_the_vendors_hold_it() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let people = env.people(4).await;
    let (from, to) = (&people[0], [&people[1], &people[2]]);
    let req = request(from, &to);

    let plan = env.ws.preview_reassign(req.clone()).await.unwrap();
    assert_eq!(env.journaled(), 0, "a preview journals nothing");
    assert_eq!(
        plan.items.len() + plan.skipped.len(),
        from.assignments as usize,
        "every target the person holds is in the plan, moved or skipped"
    );
    assert!(plan.items.len() > 10, "{} items", plan.items.len());
    let vendors: std::collections::BTreeSet<Vendor> = plan.items.iter().map(|i| i.vendor).collect();
    assert!(vendors.len() >= 3, "{vendors:?}");
    let given: u32 = plan.people.iter().map(|p| p.items).sum();
    assert_eq!(given as usize, plan.items.len());
    assert!(plan.connections.iter().all(|c| c.calls >= c.items));

    let out = env.ws.reassign(req).await.unwrap();
    assert_eq!(out.state, JobState::Done, "{:?}", out.results);
    assert_eq!(out.results.len(), out.plan.items.len());
    assert!(out.results.iter().all(|r| r.state == OperationState::Done));

    // Each item, as the vendor now holds it.
    let now = Timestamp::now();
    let world = sim.world();
    for item in &out.plan.items {
        let (target, from_agent, to_agent) = env
            .ws
            .store()
            .read(|db| {
                Ok((
                    targets::get(db, item.target_id)?,
                    agents::get(db, item.from_agent.unwrap())?,
                    agents::get(db, item.to_agent.unwrap())?,
                ))
            })
            .unwrap();
        match item.vendor {
            Vendor::Pingup => {
                let held = world
                    .pingup
                    .read()
                    .unwrap()
                    .assignees_of(&target.vendor_id)
                    .unwrap();
                let active = |id: &str| {
                    held.iter().any(|(a, until)| {
                        a == id
                            && switchboard_vendors::parse_iso8601("until", until)
                                .is_ok_and(|u| u > now)
                    })
                };
                assert!(active(&to_agent.vendor_id), "{held:?}");
                assert!(!active(&from_agent.vendor_id), "{held:?}");
            }
            Vendor::Vambe => {
                let held = world
                    .vambe
                    .read()
                    .unwrap()
                    .assignees_of(&target.vendor_id)
                    .unwrap();
                assert!(held.contains(&to_agent.vendor_id), "{held:?}");
                assert!(!held.contains(&from_agent.vendor_id), "{held:?}");
            }
            Vendor::Helpcrunch => {
                let chat: u64 = target.vendor_id.parse().unwrap();
                let held = world.helpcrunch.read().unwrap().assignee_of(chat).unwrap();
                assert_eq!(held, Some(to_agent.vendor_id.parse().unwrap()));
            }
            Vendor::Splashify => {
                let phone: u64 = target.vendor_id.parse().unwrap();
                let held = world.splashify.read().unwrap().assignee_of(phone).unwrap();
                assert_eq!(held.as_deref(), to_agent.email.as_deref());
            }
            Vendor::CcaiPlatform => panic!("CCAI Platform has no targets"),
        }
    }
    // The cache agrees: the person holds nothing that moved.
    let left: usize = env
        .ws
        .store()
        .read(|db| {
            let mut n = 0;
            for a in from.agents.iter() {
                n += assignments::list_by_agent(db, a.id)?.len();
            }
            Ok(n)
        })
        .unwrap();
    assert_eq!(left, out.plan.skipped.len());
}

#[tokio::test]
async fn bad_choices_are_refused_by_field_and_nothing_is_journaled() {
    let env = env().await;
    let people = env.people(2).await;
    let (from, other) = (&people[0], &people[1]);
    let refused = |req: ReassignRequest| {
        let ws = &env.ws;
        async move { ws.preview_reassign(req).await.unwrap_err() }
    };
    let field = |e: &switchboard_engine::EngineError| match e {
        switchboard_engine::EngineError::Invalid(v) => v.field.clone(),
        other => panic!("not a validation error: {other}"),
    };

    let e = refused(request(from, &[from, other])).await;
    assert_eq!(field(&e), "to", "{e}");
    let e = refused(request(from, &[])).await;
    assert_eq!(field(&e), "to", "{e}");
    let mut capped = request(from, &[other]);
    capped.max_per_person = Some(0);
    assert_eq!(field(&refused(capped).await), "max_per_person");
    let idle = env
        .ws
        .people(None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.assignments == 0)
        .unwrap();
    let e = refused(request(&idle, &[other])).await;
    assert_eq!(field(&e), "from", "{e}");
    assert!(e.to_string().contains("holds nothing"), "{e}");
    let mut nobody = request(from, &[other]);
    nobody.from = Some(switchboard_domain::PersonId(999_999));
    assert_eq!(
        env.ws.reassign(nobody).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(env.journaled(), 0);

    // Releasing: where the vendor cannot take an agent off alone, the item is
    // skipped with the reason; the plan still covers everything.
    let mut release = request(from, &[]);
    release.to = Destination::Release;
    let plan = env.ws.preview_reassign(release).await.unwrap();
    assert!(
        plan.skipped
            .iter()
            .all(|s| s.reason.contains("Vambe has no way")),
        "{:?}",
        plan.skipped
    );
    assert_eq!(
        plan.items.len() + plan.skipped.len(),
        from.assignments as usize
    );
}

#[tokio::test]
async fn an_undo_puts_back_what_the_job_moved_and_leaves_what_changed_since() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let people = env.people(4).await;
    let (from, to) = (&people[0], [&people[1], &people[2]]);
    let done = env.ws.reassign(request(from, &to)).await.unwrap();
    assert_eq!(done.state, JobState::Done);
    let moved = done.plan.items.len();

    // Someone changes one item after the job: the undo leaves it alone.
    let changed = done
        .plan
        .items
        .iter()
        .find(|i| i.vendor == Vendor::Helpcrunch)
        .unwrap();
    env.ws
        .store()
        .write(|db| assignments::replace_for_target(db, changed.target_id, &[]))
        .unwrap();

    let plan = env.ws.preview_undo(done.job_id).await.unwrap();
    assert_eq!(plan.items.len(), moved - 1);
    assert_eq!(plan.skipped.len(), 1);
    assert!(plan.skipped[0].reason.contains("changed since the job"));
    assert!(
        plan.items
            .iter()
            .all(|i| i.to_name.as_deref() == done.plan.items[0].from_name.as_deref()),
        "everything goes back to the person it came from"
    );
    let undone = env.ws.undo(done.job_id).await.unwrap();
    assert_eq!(undone.state, JobState::Done, "{:?}", undone.results);
    let world = sim.world();
    for item in &undone.plan.items {
        let (target, back) = env
            .ws
            .store()
            .read(|db| {
                Ok((
                    targets::get(db, item.target_id)?,
                    agents::get(db, item.to_agent.unwrap())?,
                ))
            })
            .unwrap();
        let holds = match item.vendor {
            Vendor::Pingup => world
                .pingup
                .read()
                .unwrap()
                .assignees_of(&target.vendor_id)
                .unwrap()
                .iter()
                .any(|(a, until)| {
                    *a == back.vendor_id
                        && switchboard_vendors::parse_iso8601("until", until)
                            .is_ok_and(|u| u > Timestamp::now())
                }),
            Vendor::Vambe => world
                .vambe
                .read()
                .unwrap()
                .assignees_of(&target.vendor_id)
                .unwrap()
                .contains(&back.vendor_id),
            Vendor::Helpcrunch => {
                world
                    .helpcrunch
                    .read()
                    .unwrap()
                    .assignee_of(target.vendor_id.parse().unwrap())
                    .unwrap()
                    == Some(back.vendor_id.parse().unwrap())
            }
            Vendor::Splashify => {
                world
                    .splashify
                    .read()
                    .unwrap()
                    .assignee_of(target.vendor_id.parse().unwrap())
                    .unwrap()
                    == back.email
            }
            Vendor::CcaiPlatform => false,
        };
        assert!(holds, "{} is back with {}", item.target_label, back.name);
    }
    // An undo is a reassignment too: it can be undone.
    let again = env.ws.preview_undo(undone.job_id).await.unwrap();
    assert_eq!(again.items.len(), moved - 1);
}

#[tokio::test]
async fn an_unreachable_vendor_s_items_wait_while_the_others_finish_then_go_out() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let people = env.people(4).await;
    let (from, to) = (&people[0], [&people[1], &people[2]]);
    let plan = env.ws.preview_reassign(request(from, &to)).await.unwrap();
    let on_vambe = plan
        .items
        .iter()
        .filter(|i| i.vendor == Vendor::Vambe)
        .count();
    assert!(on_vambe > 0, "the person holds Vambe contacts");

    sim.halt(Vendor::Vambe);
    let out = env.ws.reassign(request(from, &to)).await.unwrap();
    let waiting = out
        .results
        .iter()
        .filter(|r| matches!(r.state, OperationState::Queued | OperationState::Sending))
        .count();
    let done = out
        .results
        .iter()
        .filter(|r| r.state == OperationState::Done)
        .count();
    assert_eq!(waiting, on_vambe, "{:?}", out.results);
    assert_eq!(
        done + waiting,
        out.plan.items.len(),
        "the other vendors finished"
    );
    assert_ne!(out.state, JobState::Done);

    sim.resume(Vendor::Vambe).await.unwrap();
    let resumed = env.ws.resume_job(out.job_id).await.unwrap();
    assert_eq!(resumed.len(), on_vambe);
    assert!(
        resumed.iter().all(|r| r.state == OperationState::Done),
        "{resumed:?}"
    );
    let (summary, _) = env.ws.job(out.job_id).await.unwrap();
    assert_eq!(summary.job.state, JobState::Done);
}

#[tokio::test]
async fn one_switchboard_works_a_job_at_a_time_and_one_that_ended_is_taken_over() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let people = env.people(4).await;
    sim.halt(Vendor::Vambe);
    let out = env
        .ws
        .reassign(request(&people[0], &[&people[1], &people[2]]))
        .await
        .unwrap();
    sim.resume(Vendor::Vambe).await.unwrap();
    let job = out.job_id;
    let lease = |holder: &str, until: i64| {
        env.ws
            .store()
            .write(|db| {
                db.execute(
                    "UPDATE jobs SET leased_by = ?2, lease_until = ?3 WHERE id = ?1",
                    rusqlite::params![job.to_string(), holder, until],
                )?;
                Ok(())
            })
            .unwrap();
    };
    let waiting = || async {
        let (s, _) = env.ws.job(job).await.unwrap();
        s.by_state.get("queued").copied().unwrap_or(0)
    };
    let before = waiting().await;
    assert!(before > 0);

    // Held by a Switchboard still running (one that cannot be told ended):
    // neither resuming nor the background sender touches it.
    lease("nolock-other", Timestamp::now().0 + 60_000);
    let e = env.ws.resume_job(job).await.unwrap_err();
    assert!(e.to_string().contains("another Switchboard"), "{e}");
    env.ws.send_queued().await.unwrap();
    assert_eq!(
        waiting().await,
        before,
        "the sender left the job to its holder"
    );

    // Its holder ended (no lock file any more): taken over at once.
    lease(
        &uuid::Uuid::new_v4().to_string(),
        Timestamp::now().0 + 60_000,
    );
    let resumed = env.ws.resume_job(job).await.unwrap();
    assert_eq!(resumed.len(), before as usize);
    assert_eq!(waiting().await, 0);
    let (held,): (Option<String>,) = env
        .ws
        .store()
        .read(|db| {
            Ok(db.query_row(
                "SELECT leased_by FROM jobs WHERE id = ?1",
                [job.to_string()],
                |r| Ok((r.get(0)?,)),
            )?)
        })
        .unwrap();
    assert_eq!(held, None, "let go of when done");
}

#[tokio::test]
async fn a_target_the_destination_already_shared_is_left_to_it_and_given_back_to_both() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let on_vambe = |p: &PersonRow| {
        p.agents
            .iter()
            .find(|a| a.vendor == Vendor::Vambe && a.active)
            .map(|a| a.vendor_id.clone())
    };
    let people: Vec<PersonRow> = env
        .people(1)
        .await
        .into_iter()
        .filter(|p| on_vambe(p).is_some())
        .collect();
    let (from, to) = (&people[0], &people[1]);
    let (a, b) = (on_vambe(from).unwrap(), on_vambe(to).unwrap());
    // Everything `from` holds on Vambe is shared with `to`.
    let contacts: Vec<String> = {
        let world = sim.world();
        let mut vambe = world.vambe.write().unwrap();
        let ids: Vec<String> = (0..3).map(|i| vambe.contact_id(100 + i)).collect();
        for id in &ids {
            assert!(vambe.set_assignees(id, &[&a, &b]));
        }
        ids
    };
    let vambe = env
        .ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.connection.vendor == Vendor::Vambe)
        .unwrap()
        .connection
        .id;
    env.ws
        .sync(vambe, SyncMode::Full, &|_| {}, &Cancel::default())
        .await
        .unwrap();
    let mut req = request(from, &[to]);
    req.connections = vec![vambe];
    let out = env.ws.reassign(req).await.unwrap();
    assert_eq!(out.state, JobState::Done, "{:?}", out.results);
    let held = |id: &str| {
        let mut h = sim.world().vambe.read().unwrap().assignees_of(id).unwrap();
        h.sort();
        h
    };
    for id in &contacts {
        assert_eq!(
            held(id),
            std::slice::from_ref(&b),
            "the one it goes to is all it holds"
        );
    }
    let undone = env.ws.undo(out.job_id).await.unwrap();
    assert_eq!(undone.state, JobState::Done, "{:?}", undone.results);
    for id in &contacts {
        let mut both = vec![a.clone(), b.clone()];
        both.sort();
        assert_eq!(held(id), both, "both, as before the job");
    }
}
