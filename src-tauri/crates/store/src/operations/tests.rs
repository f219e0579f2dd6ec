//! The operations table's tests, and the sample operation other tests build on.
use super::*;
use crate::jobs;
use serde_json::json;
use switchboard_domain::ConnectionId;
use switchboard_domain::code::ErrorCode;
use switchboard_domain::job::OperationKind;

pub fn sample(job: JobId) -> Operation {
    Operation {
        id: OperationId(0),
        job_id: job,
        connection_id: ConnectionId::new(),
        kind: OperationKind::Assign,
        target_id: None,
        target_vendor_id: Some("5214000".into()),
        target_label: Some("Noah".into()),
        agent_names: vec!["Ana Diaz".into()],
        request: Change::Assign {
            agents: vec!["4188".into()],
            until: None,
            notes: None,
            replace: false,
        },
        before: Some(json!([])),
        state: OperationState::Queued,
        attempts: 0,
        response: None,
        error_code: None,
        error_message: None,
        not_after: None,
        next_attempt_at: None,
        created_at: Timestamp(1),
        updated_at: Timestamp(1),
        finished_at: None,
    }
}

fn claim_of(owner: &str, now: i64) -> Claim<'_> {
    Claim {
        owner,
        now: Timestamp(now),
        until: Timestamp(now + 100),
    }
}

/// A job with `n` queued operations, oldest first.
fn journaled(store: &crate::Store, n: usize) -> Vec<OperationId> {
    let job = jobs::tests::sample(1);
    store
        .write(|db| {
            jobs::insert(db, &job)?;
            (0..n)
                .map(|_| insert(db, &sample(job.id), &[], None))
                .collect()
        })
        .expect("journal")
}

#[test]
fn an_operation_is_journaled_sent_and_finished() {
    let (_dir, store) = crate::test_support::store();
    let id = journaled(&store, 1)[0];
    assert!(
        store
            .write(|db| claim(db, id, claim_of("a", 2), None))
            .expect("claim")
    );
    let pending = store
        .read(|db| list_in_state(db, OperationState::Sending))
        .expect("pending");
    assert_eq!(
        pending
            .iter()
            .map(|o| (o.id, o.attempts))
            .collect::<Vec<_>>(),
        [(id, 1)]
    );

    let answer = json!({"id": 5214000, "assignee": {"id": 4188}});
    let done = Outcome::new(OperationState::Done, Timestamp(3)).response(Some(&answer));
    assert!(
        !store
            .write(|db| finish(db, id, "b", done.clone()))
            .expect("finish"),
        "only the owner finishes"
    );
    assert!(
        store
            .write(|db| finish(db, id, "a", done.clone()))
            .expect("finish")
    );
    let op = store.read(|db| get(db, id)).expect("get");
    assert_eq!(op.state, OperationState::Done);
    assert_eq!(op.response.as_ref(), Some(&answer));
    assert_eq!(op.finished_at, Some(Timestamp(3)));
    assert_eq!(op.request.agents(), ["4188"]);
    assert!(
        !store
            .write(|db| finish(db, id, "a", done.clone()))
            .expect("again"),
        "a finished operation is not finished twice"
    );
    assert!(
        !store
            .write(|db| claim(db, id, claim_of("a", 4), None))
            .expect("claim"),
        "a done operation is never sent again"
    );
}

#[test]
fn a_claim_is_taken_once_and_taken_over_only_when_it_lapsed_or_its_owner_ended() {
    let (_dir, store) = crate::test_support::store();
    let id = journaled(&store, 1)[0];
    let take = |owner: &str, now: i64, dead: Option<&str>| {
        store
            .write(|db| claim(db, id, claim_of(owner, now), dead))
            .expect("claim")
    };
    assert!(take("a", 10, None));
    assert!(!take("b", 11, None), "a live claim is not taken");
    assert!(!take("a", 11, None), "nor taken twice by its owner");
    assert!(!take("b", 11, Some("c")), "c does not hold it");
    assert!(take("b", 11, Some("a")), "a ended: b takes it over");
    assert!(!take("c", 50, None), "b's claim runs to 111");
    assert!(take("c", 111, None), "lapsed at 111");
    let op = store.read(|db| get(db, id)).expect("get");
    assert_eq!(op.attempts, 3);
    assert_eq!(
        store.read(|db| claimed_by(db, id)).expect("holder"),
        Some("c".into())
    );
    let done = Outcome::new(OperationState::Done, Timestamp(112));
    assert!(
        !store
            .write(|db| finish(db, id, "a", done.clone()))
            .expect("a")
    );
    assert!(
        store
            .write(|db| finish(db, id, "c", done.clone()))
            .expect("c")
    );
}

#[test]
fn a_reserved_operation_waits_for_its_owner_and_a_job_goes_in_order() {
    let (_dir, store) = crate::test_support::store();
    let job = jobs::tests::sample(1);
    let ids: Vec<OperationId> = store
        .write(|db| {
            jobs::insert(db, &job)?;
            (0..3)
                .map(|_| insert(db, &sample(job.id), &[], Some(claim_of("a", 1))))
                .collect()
        })
        .expect("journal");
    let take = |id: OperationId, owner: &str| {
        store
            .write(|db| claim(db, id, claim_of(owner, 5), None))
            .expect("claim")
    };
    assert!(!take(ids[0], "b"), "reserved for a");
    assert!(!take(ids[1], "a"), "the first goes first");
    assert!(take(ids[0], "a"));
    assert!(!take(ids[1], "a"), "not while the first is being sent");
    let queued =
        Outcome::new(OperationState::Queued, Timestamp(6)).error(ErrorCode::Unreachable, "no");
    assert!(
        store
            .write(|db| finish(db, ids[0], "a", queued.clone()))
            .expect("q")
    );
    assert!(
        !take(ids[1], "a"),
        "not while the first waits for its vendor"
    );
    assert!(take(ids[0], "b"), "a let go of it: anyone may send it");
    let failed =
        Outcome::new(OperationState::Failed, Timestamp(7)).error(ErrorCode::InvalidInput, "x");
    assert!(
        store
            .write(|db| finish(db, ids[0], "b", failed.clone()))
            .expect("f")
    );
    assert!(!take(ids[1], "b"), "still reserved for a");
    assert_eq!(
        store
            .write(|db| release_claims(db, "a", job.id))
            .expect("free"),
        2
    );
    assert!(
        take(ids[1], "b"),
        "a failed first change does not hold up the rest"
    );
    assert!(
        store
            .write(|db| settle_waiting(
                db,
                ids[2],
                Outcome::new(OperationState::Cancelled, Timestamp(8))
            ))
            .expect("cancel")
    );
    assert!(
        !store
            .write(|db| settle_waiting(
                db,
                ids[1],
                Outcome::new(OperationState::Cancelled, Timestamp(8))
            ))
            .expect("cancel"),
        "a change being sent cannot be cancelled"
    );
    assert_eq!(
        store.read(queue_counts).expect("counts"),
        QueueCounts {
            queued: 0,
            sending: 1,
            conflict: 0,
            unknown: 0
        }
    );
}

#[test]
fn a_paused_job_sends_nothing_new_and_cancelling_ends_only_what_was_not_sent() {
    let (_dir, store) = crate::test_support::store();
    let ids = journaled(&store, 3);
    let job = store.read(|db| get(db, ids[0])).expect("get").job_id;
    let take = |id: OperationId, now: i64| {
        store
            .write(|db| claim(db, id, claim_of("a", now), None))
            .expect("claim")
    };
    assert!(take(ids[0], 1), "on its way before the pause");
    store
        .write(|db| jobs::set_paused(db, job, Some(Timestamp(2))))
        .expect("pause");
    assert!(!take(ids[1], 3), "paused: nothing new goes out");
    // The one on its way lapses (its sender died): it is finished, paused or not.
    assert!(
        store
            .write(|db| claim(db, ids[0], claim_of("b", 500), None))
            .expect("take over"),
        "an item cut off half-way is finished"
    );
    store
        .write(|db| {
            db.execute(
                "UPDATE operations SET state = 'conflict' WHERE id = ?1",
                [ids[2].0],
            )?;
            Ok(())
        })
        .expect("conflict");
    let cancel = Outcome::new(OperationState::Cancelled, Timestamp(9))
        .error(ErrorCode::Cancelled, "cancelled by the manager");
    assert_eq!(
        store
            .write(|db| cancel_unsent(db, job, cancel))
            .expect("cancel"),
        2,
        "the queued one and the one in conflict"
    );
    let states: Vec<OperationState> = ids
        .iter()
        .map(|id| store.read(|db| get(db, *id)).expect("get").state)
        .collect();
    assert_eq!(
        states,
        [
            OperationState::Sending,
            OperationState::Cancelled,
            OperationState::Cancelled
        ]
    );
    let op = store.read(|db| get(db, ids[1])).expect("get");
    assert_eq!(
        (op.error_message.as_deref(), op.finished_at),
        (Some("cancelled by the manager"), Some(Timestamp(9)))
    );
    store
        .write(|db| jobs::set_paused(db, job, None))
        .expect("resume");
    assert!(!take(ids[1], 10), "a cancelled item never goes out");
}

#[test]
fn operations_need_their_job() {
    let (_dir, store) = crate::test_support::store();
    assert!(
        store
            .write(|db| insert(db, &sample(JobId::new()), &[], None))
            .is_err()
    );
}

/// Requests journaled before they were typed (untagged JSON) read as typed
/// changes, show in History, and export as they were stored.
#[test]
fn requests_journaled_by_earlier_versions_still_read_and_export() {
    let (_dir, store) = crate::test_support::store();
    let job = jobs::tests::sample(1);
    store.write(|db| jobs::insert(db, &job)).expect("job");
    let rows = [
        (
            1,
            "assign",
            r#"{"agents":["4188"],"until":1800000000000,"notes":"VIP","replace":false}"#,
        ),
        (2, "release", r#"{"agents":[]}"#),
        (
            3,
            "set_status",
            r#"{"status_id":"2","status_name":"Training","agents":[],"teams":["1"]}"#,
        ),
    ];
    store
        .write(|db| {
            for (id, kind, request) in rows {
                db.execute(
                    "INSERT INTO operations (id, job_id, connection_id, kind, target_label, request, state, created_at, updated_at, agent_names)
                     VALUES (?1, ?2, '0192f0c4-5d2e-7a3b-9c1d-2e3f4a5b6c7d', ?3, 'Noah Weber', ?4, 'done', 1, 1, '[]')",
                    rusqlite::params![id, job.id.to_string(), kind, request],
                )?;
            }
            db.execute(
                "UPDATE operations SET error_code = CASE id WHEN 2 THEN 'vendor_error' WHEN 3 THEN 'kept' END",
                [],
            )?;
            Ok(())
        })
        .expect("rows as an earlier version wrote them");
    let code = |id| {
        store
            .read(|db| get(db, OperationId(id)))
            .expect("read")
            .error_code
    };
    assert_eq!(code(1), None);
    assert_eq!(code(2), Some(ErrorCode::VendorError.into()));
    assert_eq!(code(3), Some(ResultCode::Kept));
    let read = |id| {
        store
            .read(|db| get(db, OperationId(id)))
            .expect("read")
            .request
    };
    assert_eq!(
        read(1),
        Change::Assign {
            agents: vec!["4188".into()],
            until: Some(Timestamp(1_800_000_000_000)),
            notes: Some("VIP".into()),
            replace: false,
        }
    );
    assert_eq!(read(2), Change::Release);
    assert!(
        matches!(read(3), Change::SetStatus { ref status_name, .. } if status_name == "Training")
    );
    let page = store
        .read(|db| crate::history::page(db, &Default::default()))
        .expect("history");
    assert_eq!(page.rows.len(), 3);
    let mut exported = Vec::new();
    store
        .read(|db| {
            crate::history::export_flat(db, &Default::default(), |r| {
                exported.push(r.request.to_owned());
                Ok(())
            })
        })
        .expect("export")
        .expect("written");
    assert!(
        exported.iter().any(|r| r.contains("\"notes\":\"VIP\"")),
        "{exported:?}"
    );
}
