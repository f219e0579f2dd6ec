//! Assignment plans from CSV against the simulator: a plan with every kind of
//! error reports all of them at once and sends nothing; a good plan on all
//! four target platforms runs and the vendors hold what it said (read back by
//! a fresh sync); its undo puts everything back; a reassignment's exported
//! preview is imported back as the same plan.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::env;
use switchboard_domain::agent::Agent;
use switchboard_domain::job::{JobState, OperationState};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::target::Target;
use switchboard_domain::{TargetId, Vendor};
use switchboard_engine::export::Export;
use switchboard_engine::plans::{self, PlanCheck};
use switchboard_engine::sync::Cancel;
use switchboard_engine::{EngineError, Workspace};
use switchboard_store::{agents, assignments, targets};

struct Platform {
    name: String,
    targets: Vec<Target>,
    agents: Vec<Agent>,
}

async fn platforms(ws: &Workspace) -> BTreeMap<Vendor, Platform> {
    let mut out = BTreeMap::new();
    for c in ws.connection_summaries().await.unwrap() {
        let id = c.connection.id;
        let (targets, agents) = ws
            .store()
            .read(|db| {
                Ok((
                    targets::list_by_connection(db, id, 200, 0)?,
                    agents::list_by_connection(db, id)?
                        .into_iter()
                        .filter(|a| a.active && a.email.is_some())
                        .collect(),
                ))
            })
            .unwrap();
        out.insert(
            c.connection.vendor,
            Platform {
                name: c.connection.display_name,
                targets,
                agents,
            },
        );
    }
    out
}

fn holders(ws: &Workspace, target: TargetId) -> BTreeSet<String> {
    ws.store()
        .read(|db| assignments::list_by_target(db, target))
        .unwrap()
        .into_iter()
        .map(|a| a.agent_vendor_id)
        .collect()
}

async fn resync(ws: &Workspace) {
    for c in ws.connection_summaries().await.unwrap() {
        ws.sync(c.connection.id, SyncMode::Full, &|_| {}, &Cancel::default())
            .await
            .unwrap();
    }
}

async fn check(ws: &Workspace, csv: &str) -> PlanCheck {
    ws.check_plan(
        "plan.csv".into(),
        plans::read_bytes(csv.as_bytes()).unwrap(),
    )
    .await
    .unwrap()
}

fn email(a: &Agent) -> &str {
    a.email.as_deref().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_of_every_row_is_reported_at_once_and_nothing_is_sent() {
    let env = env().await;
    let ws = &env.ws;
    let p = platforms(ws).await;
    let (pingup, vambe, hc, sp) = (
        &p[&Vendor::Pingup],
        &p[&Vendor::Vambe],
        &p[&Vendor::Helpcrunch],
        &p[&Vendor::Splashify],
    );
    // Two Vambe contacts with one name, and an inactive HelpCrunch agent.
    let (twin, inactive) = (&vambe.targets[1], &hc.agents[1]);
    ws.store()
        .write(|db| {
            db.execute(
                "UPDATE targets SET name = 'Twin Name' WHERE id IN (?1, ?2)",
                [vambe.targets[0].id.0, twin.id.0],
            )?;
            db.execute(
                "UPDATE agents SET active = 0 WHERE id = ?1",
                [inactive.id.0],
            )?;
            Ok(())
        })
        .unwrap();
    // Someone with no agent on HelpCrunch.
    let people = ws.people(None).await.unwrap();
    let elsewhere = people
        .iter()
        .find(|p| p.email.is_some() && !p.agents.iter().any(|a| a.vendor == Vendor::Helpcrunch))
        .expect("a person without a HelpCrunch agent");
    let ok = email(&hc.agents[0]);
    let rows = [
        format!("Nope,1,,{ok},,,"), // 2
        format!(
            "{},no-such-client,,{},,,",
            pingup.name,
            email(&pingup.agents[0])
        ), // 3
        format!("{},Twin Name,,{},,,", vambe.name, email(&vambe.agents[0])), // 4
        format!(
            "{},{},,{},,,",
            hc.name,
            hc.targets[0].vendor_id,
            elsewhere.email.as_deref().unwrap()
        ), // 5
        format!(
            "{},{},,{},,,",
            hc.name,
            hc.targets[1].vendor_id,
            email(inactive)
        ), // 6
        format!(
            "{},{},,{},31/12/2030,,",
            pingup.name,
            pingup.targets[0].vendor_id,
            email(&pingup.agents[0])
        ), // 7
        format!(
            "{},{},,{},2020-01-01,,",
            pingup.name,
            pingup.targets[1].vendor_id,
            email(&pingup.agents[0])
        ), // 8
        format!("{},{},,{ok},,a note,", hc.name, hc.targets[2].vendor_id), // 9
        format!(
            "{},{},,{},,,yes",
            pingup.name,
            pingup.targets[2].vendor_id,
            email(&pingup.agents[0])
        ), // 10
        format!(
            "{},{},,{},,,",
            sp.name,
            sp.targets[0].vendor_id,
            email(&sp.agents[0])
        ), // 11
        format!(
            "{},{},,{},,,",
            sp.name,
            sp.targets[0].vendor_id,
            email(&sp.agents[1])
        ), // 12
        format!(
            "{},{},,release,,,",
            pingup.name, pingup.targets[3].vendor_id
        ), // 13
        format!("{},{},,,,,", hc.name, hc.targets[3].vendor_id), // 14
        format!("{},{},,{ok},,,", hc.name, hc.targets[4].vendor_id), // 15: good
    ];
    let csv = format!(
        "connection,target,from,to,until,notes,replace\n{}\n",
        rows.join("\n")
    );
    let checked = check(ws, &csv).await;
    let said: BTreeSet<(u32, &str)> = checked
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    let expected: BTreeSet<(u32, &str)> = [
        (2, "connection"),
        (3, "target"),
        (4, "target"),
        (5, "to"),
        (6, "to"),
        (7, "until"),
        (8, "until"),
        (9, "notes"),
        (10, "replace"),
        (12, "target"),
        (13, "to"),
        (14, "to"),
    ]
    .into();
    assert_eq!(said, expected, "{:#?}", checked.errors);
    let words = |row: u32| {
        checked
            .errors
            .iter()
            .find(|e| e.row == row)
            .map(|e| format!("{} {}", e.message, e.fix))
            .unwrap()
    };
    for (row, says) in [
        (2, "no connection is named 'Nope'"),
        (4, "2 targets of"),
        (5, "has no agent on"),
        (6, "is inactive"),
        (7, "not an ISO 8601 date"),
        (8, "in the past"),
        (9, "have no notes"),
        (10, "cannot replace"),
        (12, "row 11 asks something else"),
        (13, "cannot leave a client with nobody"),
    ] {
        assert!(words(row).contains(says), "row {row}: {}", words(row));
    }
    assert_eq!(
        (checked.rows, checked.plan.items.len()),
        (14, 2),
        "rows 11 and 15 are good"
    );

    // Nothing is sent, nothing journaled.
    let before = env.journaled();
    let refused = ws
        .run_plan_file(
            "plan.csv".into(),
            plans::read_bytes(csv.as_bytes()).unwrap(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, EngineError::Invalid(v) if v.field == "file" && v.message.contains("12 errors")),
        "{refused}"
    );
    assert_eq!(env.journaled(), before);

    // The rows written back with their errors: fix them and import again.
    let raw = plans::read_bytes(csv.as_bytes()).unwrap();
    let mut out = Vec::new();
    plans::write_errors(&raw, &checked.errors, &mut out).unwrap();
    let mut back = csv::Reader::from_reader(out.as_slice());
    assert_eq!(back.headers().unwrap().iter().next_back(), Some("errors"));
    let errors: Vec<String> = back
        .records()
        .map(|r| r.unwrap().iter().next_back().unwrap().to_owned())
        .collect();
    assert_eq!(errors.len(), 14);
    assert!(
        errors[0].starts_with("connection: no connection is named 'Nope'; use one of:"),
        "{}",
        errors[0]
    );
    assert_eq!(
        (errors[9].as_str(), errors[13].as_str()),
        ("", ""),
        "good rows say nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_on_four_platforms_runs_the_vendors_hold_it_and_undo_puts_it_back() {
    let env = env().await;
    let ws = &env.ws;
    let p = platforms(ws).await;
    let (pingup, vambe, hc, sp) = (
        &p[&Vendor::Pingup],
        &p[&Vendor::Vambe],
        &p[&Vendor::Helpcrunch],
        &p[&Vendor::Splashify],
    );
    let not_holding = |pl: &Platform, t: &Target, n: usize| -> Vec<Agent> {
        let held = holders(ws, t.id);
        pl.agents
            .iter()
            .filter(|a| !held.contains(&a.vendor_id) && !held.contains(email(a)))
            .take(n)
            .cloned()
            .collect()
    };
    let pt = &pingup.targets[0];
    let two = not_holding(pingup, pt, 2);
    // A contact someone holds: replacing them is undone by giving it back
    // (Vambe cannot leave a contact with nobody, so one nobody held could not be).
    let vt = vambe
        .targets
        .iter()
        .find(|t| !holders(ws, t.id).is_empty())
        .unwrap();
    let vnew = not_holding(vambe, vt, 1);
    let ht = hc
        .targets
        .iter()
        .find(|t| !holders(ws, t.id).is_empty())
        .unwrap();
    let hnew = not_holding(hc, ht, 1);
    let released = hc
        .targets
        .iter()
        .find(|t| t.id != ht.id && !holders(ws, t.id).is_empty())
        .unwrap();
    let st = &sp.targets[0];
    let snew = not_holding(sp, st, 1);
    // The Splashify phone as people write it.
    let digits = st.vendor_id.clone();
    let phone = format!("+{} {} {}", &digits[..2], &digits[2..7], &digits[7..]);
    let until = "2031-06-30T18:00:00Z";
    let csv = format!(
        "\u{feff}connection;target;to;until;notes;replace\n\
         {};{};\"{}; {}\";{until};Rota 12;\n\
         {};{};{};;;yes\n\
         {};{};{};;;\n\
         {};{};release;;;\n\
         {};\"{phone}\";{};;;\n",
        pingup.name,
        pt.vendor_id,
        email(&two[0]),
        email(&two[1]),
        vambe.name,
        vt.vendor_id,
        vnew[0].name,
        hc.name,
        ht.vendor_id,
        email(&hnew[0]),
        hc.name,
        released.vendor_id,
        sp.name,
        email(&snew[0]),
    );
    let before: BTreeMap<TargetId, BTreeSet<String>> = [pt.id, vt.id, ht.id, released.id, st.id]
        .into_iter()
        .map(|t| (t, holders(ws, t)))
        .collect();
    let checked = check(ws, &csv).await;
    assert!(checked.errors.is_empty(), "{:#?}", checked.errors);
    assert_eq!(checked.plan.items.len(), 5, "{:#?}", checked.plan.items);
    assert_eq!(checked.plan.connections.len(), 4);

    let out = ws
        .run_plan_file(
            "rota.csv".into(),
            plans::read_bytes(csv.as_bytes()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(out.state, JobState::Done, "{:#?}", out.results);
    assert!(out.results.iter().all(|r| r.state == OperationState::Done));
    resync(ws).await;
    let pingup_now = holders(ws, pt.id);
    assert!(
        pingup_now.contains(&two[0].vendor_id) && pingup_now.contains(&two[1].vendor_id),
        "{pingup_now:?}"
    );
    let kept = ws
        .store()
        .read(|db| assignments::list_by_target(db, pt.id))
        .unwrap();
    let given = kept
        .iter()
        .find(|a| a.agent_vendor_id == two[0].vendor_id)
        .unwrap();
    assert_eq!(
        (given.until.map(|t| t.0), given.notes.as_deref()),
        (Some(1_940_608_800_000), Some("Rota 12"))
    );
    assert_eq!(
        holders(ws, vt.id),
        BTreeSet::from([vnew[0].vendor_id.clone()]),
        "replaced"
    );
    assert_eq!(
        holders(ws, ht.id),
        BTreeSet::from([hnew[0].vendor_id.clone()])
    );
    assert!(holders(ws, released.id).is_empty());
    assert_eq!(
        holders(ws, st.id),
        BTreeSet::from([email(&snew[0]).to_owned()])
    );

    // The same plan again changes nothing: every row is already so.
    let again = check(ws, &csv).await;
    assert!(
        again.plan.items.is_empty() && again.plan.skipped.len() == 5,
        "{:#?}",
        again.plan
    );

    // Undo: the vendors hold what they held before.
    let undone = ws.undo(out.job_id).await.unwrap();
    assert_eq!(undone.state, JobState::Done, "{:#?}", undone.results);
    assert!(undone.plan.skipped.is_empty(), "{:#?}", undone.plan.skipped);
    assert_eq!(
        undone.plan.items.len(),
        6,
        "two Pingup agents come off one by one"
    );
    resync(ws).await;
    for (t, was) in &before {
        assert_eq!(&holders(ws, *t), was, "target {t:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reassignment_preview_exported_is_imported_back_as_the_same_plan() {
    let env = env().await;
    let people = env.people(2).await;
    let request = common::request(&people[0], &[&people[1], &people[2]]);
    let preview = env.ws.preview_reassign(request.clone()).await.unwrap();
    let mut csv = Vec::new();
    (env.ws.exporter(Export::ReassignPlan(request)))(&mut csv).unwrap();
    let checked = env
        .ws
        .check_plan("preview.csv".into(), plans::read_bytes(&csv).unwrap())
        .await
        .unwrap();
    assert!(checked.errors.is_empty(), "{:#?}", checked.errors);
    assert_eq!(checked.left_out as usize, preview.skipped.len());
    let moves = |items: &[switchboard_engine::reassign::PlanItem]| -> BTreeSet<_> {
        items
            .iter()
            .map(|i| (i.target_id, i.from_agent, i.to_agent))
            .collect()
    };
    assert_eq!(moves(&checked.plan.items), moves(&preview.items));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_row_sets_an_agent_s_status_in_the_plan_s_job() {
    let env = env().await;
    let ws = &env.ws;
    let p = platforms(ws).await;
    let (ccai, hc) = (&p[&Vendor::CcaiPlatform], &p[&Vendor::Helpcrunch]);
    let c = ws
        .connection_summaries()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.connection.vendor == Vendor::CcaiPlatform)
        .unwrap()
        .connection
        .id;
    // Never read yet: a plan with a status row reads them from the vendor.
    let cached = |ws: &Workspace| {
        ws.store()
            .read(|db| switchboard_store::tenant_statuses::list(db, c))
            .unwrap()
    };
    assert!(cached(ws).is_empty());
    let first = check(
        ws,
        &format!(
            "connection,target,from,to\n{},,{},status: Available\n",
            ccai.name,
            email(&ccai.agents[0])
        ),
    )
    .await;
    assert!(first.errors.is_empty(), "{:#?}", first.errors);
    let statuses = cached(ws);
    let offered = statuses
        .iter()
        .find(|s| s.offered && s.name != "Available")
        .expect("a custom status");
    let not_offered = statuses
        .iter()
        .find(|s| !s.offered)
        .expect("a status nobody sets by hand");
    let (a, b) = (email(&ccai.agents[0]), email(&ccai.agents[1]));
    let csv = format!(
        "connection,target,from,to\n\
         {0},,{a},status: {1}\n\
         {0},,{a},status: Available\n\
         {0},,{b},status: {2}\n\
         {3},,{4},status: {1}\n",
        ccai.name,
        offered.name,
        not_offered.name,
        hc.name,
        email(&hc.agents[0])
    );
    let checked = check(ws, &csv).await;
    let said: Vec<(u32, &str)> = checked
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str()))
        .collect();
    assert_eq!(
        said,
        [(3, "from"), (4, "to"), (5, "to")],
        "{:#?}",
        checked.errors
    );
    let good = format!(
        "connection,target,from,to\n{},,{a},status: {}\n",
        ccai.name, offered.name
    );
    let checked = check(ws, &good).await;
    assert!(checked.errors.is_empty(), "{:#?}", checked.errors);
    assert_eq!(
        (checked.plan.status.len(), checked.plan.items.len()),
        (1, 0)
    );
    let out = ws
        .run_plan_file(
            "status.csv".into(),
            plans::read_bytes(good.as_bytes()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(out.state, JobState::Done, "{:#?}", out.results);
    assert_eq!(out.results.len(), 1);
}
