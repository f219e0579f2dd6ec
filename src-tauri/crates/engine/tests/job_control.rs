//! The manager's hold over a bulk job, against the simulator: a running job
//! paused, resumed and cancelled (the simulator slowed down so the job is
//! caught mid-way): a pause sends nothing more, not even through the
//! background sender; a cancel ends what was not sent and leaves it as the
//! vendor had it. And "going home sick" as one job: the work moves and the
//! person's CCAI Platform status is set with it.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{env, request};
use switchboard_domain::code::ResultCode;
use switchboard_domain::job::{JobState, OperationState};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{JobId, Vendor};
use switchboard_engine::Workspace;
use switchboard_engine::sync::Cancel;
use switchboard_simulator::{Fault, FaultKind};
use switchboard_store::assignments;

/// How many of the job's items are in `state` now.
async fn count(ws: &Workspace, job: JobId, state: OperationState) -> u32 {
    let p = ws.job_progress(job).await.unwrap();
    p.summary.by_state.get(state.as_str()).copied().unwrap_or(0)
}

/// Waits until at least `n` of the job's items are done.
async fn until_done(ws: &Workspace, job: JobId, n: u32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while count(ws, job, OperationState::Done).await < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} items were not done in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_job_sends_nothing_until_resumed_and_a_cancel_leaves_the_rest_as_it_was() {
    let env = env().await;
    let people = env.people(4).await;
    let common::Env { _dir, ws } = env;
    let ws = Arc::new(ws);
    let sim = ws.running_demo().await.unwrap();
    // Every call takes a while, so the job is caught half-way.
    for vendor in [
        Vendor::Pingup,
        Vendor::Vambe,
        Vendor::Helpcrunch,
        Vendor::Splashify,
    ] {
        sim.inspector().add_fault(Fault {
            vendor,
            endpoint: None,
            kind: FaultKind::Latency { ms: 60 },
            times: None,
            probability: None,
        });
    }
    let started = ws
        .start_reassign(request(&people[0], &[&people[1], &people[2]]))
        .await
        .unwrap();
    let (job, total) = (started.job_id, started.plan.items.len() as u32);
    assert!(total > 12, "{total} items");

    // Paused while it runs: the running task stops taking items.
    let running = tokio::spawn({
        let ws = ws.clone();
        async move { ws.resume_job(job).await }
    });
    until_done(&ws, job, 2).await;
    let paused = ws.pause_job(job).await.unwrap();
    assert!(paused.job.paused_at.is_some());
    let results = running.await.unwrap().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r.error_code == Some(ResultCode::Paused)),
        "the task saw the pause: {results:?}"
    );
    assert_eq!(
        count(&ws, job, OperationState::Sending).await,
        0,
        "nothing is left half-way"
    );
    let done = count(&ws, job, OperationState::Done).await;
    let queued = count(&ws, job, OperationState::Queued).await;
    assert!(queued > 0, "the pause left items waiting");

    // Neither the background sender nor time sends a paused job's items.
    let progress = ws.job_progress(job).await.unwrap();
    assert_eq!(progress.seconds_left, None, "a paused job has no time left");
    let per_platform: u32 = progress
        .connections
        .iter()
        .flat_map(|c| c.by_state.values())
        .sum();
    assert_eq!(per_platform, total);
    assert!(progress.connections.len() >= 3);
    for c in progress.connections.iter().filter(|c| c.remaining > 0) {
        assert_eq!(c.waiting.as_deref(), Some("paused"), "{}", c.name);
    }
    let sent = ws.send_queued().await.unwrap();
    assert!(sent.is_empty(), "{sent:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(&ws, job, OperationState::Done).await, done);
    let listed = ws.jobs(5).await.unwrap();
    assert!(listed[0].job.paused_at.is_some() && listed[0].job.finished_at.is_none());

    // Resumed, then cancelled part-way.
    let running = tokio::spawn({
        let ws = ws.clone();
        async move { ws.resume_job(job).await }
    });
    until_done(&ws, job, done + 2).await;
    let moving = ws.job_progress(job).await.unwrap();
    assert!(moving.per_second > 0.0, "{moving:?}");
    let cancelled = ws.cancel_job(job).await.unwrap();
    running.await.unwrap().unwrap();
    let (summary, ops) = ws.job(job).await.unwrap();
    let by = |s: OperationState| summary.by_state.get(s.as_str()).copied().unwrap_or(0);
    assert!(
        by(OperationState::Cancelled) > 0,
        "{:?}",
        cancelled.by_state
    );
    assert!(by(OperationState::Done) >= done + 2);
    assert_eq!(
        by(OperationState::Done) + by(OperationState::Cancelled),
        total,
        "every item done or cancelled: {:?}",
        summary.by_state
    );
    assert_eq!(summary.job.state, JobState::Partial);
    assert!(summary.job.finished_at.is_some());
    assert!(
        ws.pause_job(job).await.is_err(),
        "an ended job cannot be paused"
    );

    // What the vendors hold, read afresh: a done item moved away from the
    // person, a cancelled one is still theirs.
    sim.inspector().clear_faults(None);
    for c in ws.connection_summaries().await.unwrap() {
        ws.sync(c.connection.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
    for op in &ops {
        let item = started
            .plan
            .items
            .iter()
            .find(|i| Some(i.target_id) == op.target_id)
            .unwrap();
        let holders = ws
            .store()
            .read(|db| assignments::list_by_target(db, item.target_id))
            .unwrap();
        let held_by_from = holders.iter().any(|a| a.agent_id == item.from_agent);
        match op.state {
            OperationState::Done => assert!(!held_by_from, "{}", item.target_label),
            OperationState::Cancelled => {
                assert!(held_by_from, "{} was left alone", item.target_label);
                assert_eq!(
                    op.error_message.as_deref(),
                    Some("cancelled by the manager before it went out")
                );
            }
            other => panic!("{} ended {other}", item.target_label),
        }
    }
}

#[tokio::test]
async fn the_person_s_ccai_status_is_set_in_the_same_job_as_their_work_moves() {
    let env = env().await;
    let sim = env.ws.running_demo().await.unwrap();
    let on_ccai = |p: &switchboard_domain::browse::PersonRow| {
        p.agents
            .iter()
            .find(|a| a.vendor == Vendor::CcaiPlatform)
            .cloned()
    };
    let people = env.people(3).await;
    let from = people
        .iter()
        .find(|p| on_ccai(p).is_some() && p.assignments > 0)
        .unwrap();
    let others: Vec<_> = people.iter().filter(|p| p.id != from.id).take(2).collect();
    let ccai = on_ccai(from).unwrap();
    let mut req = request(from, &others);
    let field = |e: &switchboard_engine::EngineError| match e {
        switchboard_engine::EngineError::Invalid(v) => v.field.clone(),
        other => panic!("not a refusal: {other}"),
    };

    // Never read and the vendor away, then a status nobody can set, then a
    // typo: each refused by field, nothing journaled.
    req.status = Some("Lunch".into());
    sim.halt(Vendor::CcaiPlatform);
    let e = env.ws.preview_reassign(req.clone()).await.unwrap_err();
    assert_eq!(field(&e), "status", "{e}");
    assert!(e.to_string().contains("not known yet"), "{e}");
    sim.resume(Vendor::CcaiPlatform).await.unwrap();
    req.status = Some("Available".into());
    let plan = env.ws.preview_reassign(req.clone()).await.unwrap();
    assert_eq!(
        plan.status.len(),
        1,
        "read from the vendor when first asked"
    );
    let statuses = env
        .ws
        .store()
        .read(|db| switchboard_store::tenant_statuses::list(db, ccai.connection_id))
        .unwrap();
    let custom = statuses.iter().find(|s| s.offered && !s.system).unwrap();
    let system = statuses.iter().find(|s| s.system && !s.offered).unwrap();
    for (wanted, says) in [
        (system.name.as_str(), "system status"),
        ("Lnuch", "choose one of"),
    ] {
        req.status = Some(wanted.into());
        let e = env.ws.reassign(req.clone()).await.unwrap_err();
        assert_eq!(field(&e), "status", "{e}");
        assert!(e.to_string().contains(says), "{wanted}: {e}");
    }
    let nobody = env
        .ws
        .people(None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| on_ccai(p).is_none() && p.assignments > 0)
        .unwrap();
    let mut theirs = request(&nobody, &others);
    theirs.status = Some(custom.name.clone());
    let e = env.ws.preview_reassign(theirs).await.unwrap_err();
    assert!(
        e.to_string().contains("no active agent on CCAI Platform"),
        "{e}"
    );
    assert_eq!(env.journaled(), 0);

    // By name, as a manager types it: planned, journaled with the moves, set.
    req.status = Some(custom.name.to_lowercase());
    let plan = env.ws.preview_reassign(req.clone()).await.unwrap();
    assert_eq!(plan.status.len(), 1);
    assert_eq!(plan.status[0].status_name, custom.name);
    let out = env.ws.reassign(req).await.unwrap();
    assert_eq!(out.state, JobState::Done, "{:?}", out.results);
    assert_eq!(out.results.len(), out.plan.items.len() + 1);
    let (summary, ops) = env.ws.job(out.job_id).await.unwrap();
    assert!(
        summary
            .job
            .title
            .ends_with(&format!("set {} {}", from.display_name, custom.name))
    );
    assert_eq!(
        ops[0].kind,
        switchboard_domain::job::OperationKind::SetStatus
    );
    let held = sim
        .world()
        .ccai
        .read()
        .unwrap()
        .status_of(ccai.vendor_id.parse().unwrap())
        .unwrap();
    assert_eq!(held.id.to_string(), custom.vendor_id);
    // The undo puts the work back and leaves the status to the manager.
    let undo = env.ws.preview_undo(out.job_id).await.unwrap();
    assert_eq!(undo.items.len(), out.plan.items.len());
    assert!(undo.status.is_empty());
}
