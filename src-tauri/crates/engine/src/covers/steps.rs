//! A cover's steps, each journaled in the transaction that moves its state
//! (so a step is taken once, whoever finds it due): at the start, the person's
//! work goes to the cover (a reassignment job); during it, what newly arrives
//! for them follows; at the end, what the cover still holds goes back (the
//! undo of those jobs: what someone else changed since is left and said so).

use std::collections::BTreeMap;

use switchboard_domain::change::Change;
use switchboard_domain::cover::{Cover, CoverSkipped, CoverState, CoverStep};
use switchboard_domain::job::{JobKind, JobState, Operation, OperationState};
use switchboard_domain::{ConnectionId, JobId, Timestamp, Vendor};
use switchboard_store::operations::Outcome;
use switchboard_store::{covers, jobs, operations, people};

use super::check::local;
use crate::EngineError;
use crate::claims::Owner;
use crate::reassign::{
    ConnectionPlan, Destination, Draft, ReassignPlan, ReassignRequest, Strategy, journal_plan,
    planned, undo_plan,
};

/// A step taken: its job (journaled, not yet sent), or why there is none.
pub(crate) struct Taken {
    pub(crate) step: CoverStep,
    pub(crate) job: Option<(ReassignPlan, Vec<Operation>, JobId)>,
    /// Why nothing moved (the plan could not be made), in the engine's words.
    pub(crate) problem: Option<String>,
}

/// The reassignment a cover makes of its person's work.
pub(crate) fn request(c: &Cover) -> ReassignRequest {
    ReassignRequest {
        from: Some(c.person_id),
        targets: None,
        connections: c.connections.clone(),
        to: match c.to_team {
            Some(id) => Destination::Team { id },
            None => Destination::People {
                ids: c.to_people.clone(),
            },
        },
        strategy: if c.strategy == "least_loaded" {
            Strategy::LeastLoaded
        } else {
            Strategy::RoundRobin
        },
        max_per_person: None,
        only_available: false,
        status: None,
    }
}

/// With `pingup_until`: the cover's Pingup assignments end with the cover;
/// the expiry each target had before is kept for the hand-back.
fn until_cover_ends(
    db: &rusqlite::Connection,
    c: &Cover,
    (plan, drafts): &mut (ReassignPlan, Vec<Draft>),
) -> switchboard_store::Result<()> {
    if !c.pingup_until {
        return Ok(());
    }
    let mut kept = BTreeMap::new();
    for (item, draft) in plan.items.iter().zip(drafts.iter_mut()) {
        if item.vendor != Vendor::Pingup {
            continue;
        }
        if let Change::Move { until, .. } | Change::Assign { until, .. } = &mut draft.change {
            kept.insert(item.target_id.0, until.map(|t| t.0));
            *until = Some(c.ends_at);
        }
    }
    covers::keep_until(db, c.id, &kept)
}

/// At the hand-back: each Pingup target gets back the expiry it had before
/// the cover (Pingup's default where it had none).
fn until_as_before(
    db: &rusqlite::Connection,
    c: &Cover,
    (plan, drafts): &mut (ReassignPlan, Vec<Draft>),
) -> switchboard_store::Result<()> {
    let kept = covers::kept_until(db, c.id)?;
    for (item, draft) in plan.items.iter().zip(drafts.iter_mut()) {
        let Some(before) = kept.get(&item.target_id.0) else {
            continue;
        };
        if let Change::Move { until, .. } | Change::Assign { until, .. } = &mut draft.change {
            *until = before.map(Timestamp);
        }
    }
    Ok(())
}

fn names(plan: &ReassignPlan) -> String {
    let names: Vec<&str> = plan.people.iter().map(|p| p.name.as_str()).collect();
    if names.is_empty() {
        "the cover".into()
    } else {
        names.join(", ")
    }
}

fn journal(
    db: &rusqlite::Connection,
    c: &Cover,
    step: CoverStep,
    title: String,
    origin: switchboard_domain::job::Origin,
    owner: &Owner,
    (plan, drafts): (ReassignPlan, Vec<Draft>),
) -> switchboard_store::Result<Taken> {
    let skipped: Vec<CoverSkipped> = plan
        .skipped
        .iter()
        .map(|s| CoverSkipped {
            step,
            target: s.target_label.clone(),
            reason: s.reason.clone(),
        })
        .collect();
    covers::add_skipped(db, c.id, &skipped)?;
    if plan.items.is_empty() {
        return Ok(Taken {
            step,
            job: None,
            problem: None,
        });
    }
    let (job, ops) = journal_plan(db, JobKind::Cover, title, origin, owner, &plan, drafts)?;
    covers::add_job(db, c.id, job.id, step)?;
    Ok(Taken {
        step,
        job: Some((plan, ops, job.id)),
        problem: None,
    })
}

/// The start: everything the person holds goes to the cover. `None` when the
/// cover was no longer scheduled (another Switchboard started it, or the
/// manager cancelled it).
pub(crate) fn start(
    db: &rusqlite::Connection,
    c: &Cover,
    now: Timestamp,
    origin: switchboard_domain::job::Origin,
    owner: &Owner,
) -> switchboard_store::Result<Option<Taken>> {
    if !covers::step(db, c.id, CoverState::Scheduled, CoverState::Active, now)? {
        return Ok(None);
    }
    let mut planned = match planned(db, &request(c)) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Some(Taken {
                step: CoverStep::Start,
                job: None,
                problem: Some(e.to_string()),
            }));
        }
    };
    until_cover_ends(db, c, &mut planned)?;
    let title = format!(
        "Cover: {} away until {}; {} covers",
        planned.0.from_name,
        local(c.ends_at),
        names(&planned.0)
    );
    journal(db, c, CoverStep::Start, title, origin, owner, planned).map(Some)
}

/// Whether anything newly arrived for the person (a plan from the cache,
/// under a read: most ticks find nothing, and then take no write lock).
pub(crate) fn has_new(db: &rusqlite::Connection, c: &Cover) -> bool {
    planned(db, &request(c)).is_ok_and(|(plan, _)| !plan.items.is_empty())
}

/// During the cover: what newly arrived for the person goes to the cover too.
/// Nothing while an earlier job of the cover is still going out.
pub(crate) fn follow(
    db: &rusqlite::Connection,
    c: &Cover,
    origin: switchboard_domain::job::Origin,
    owner: &Owner,
) -> switchboard_store::Result<Option<Taken>> {
    if covers::get(db, c.id)?.state != CoverState::Active {
        return Ok(None);
    }
    for j in covers::jobs_of(db, c.id)? {
        if matches!(
            jobs::get(db, j.job_id)?.state,
            JobState::Queued | JobState::Running
        ) {
            return Ok(None);
        }
    }
    let Ok(mut planned) = planned(db, &request(c)) else {
        return Ok(None);
    };
    until_cover_ends(db, c, &mut planned)?;
    if planned.0.items.is_empty() {
        return Ok(None);
    }
    let title = format!(
        "Cover: {}'s new work to {}",
        planned.0.from_name,
        names(&planned.0)
    );
    journal(db, c, CoverStep::Follow, title, origin, owner, planned).map(Some)
}

/// Adds one undo plan to the hand-back.
fn merge(into: &mut (ReassignPlan, Vec<Draft>), (plan, drafts): (ReassignPlan, Vec<Draft>)) {
    let (all, all_drafts) = into;
    all.items.extend(plan.items);
    all.skipped.extend(plan.skipped);
    all_drafts.extend(drafts);
    let mut by: BTreeMap<ConnectionId, ConnectionPlan> = std::mem::take(&mut all.connections)
        .into_iter()
        .map(|c| (c.connection_id, c))
        .collect();
    for c in plan.connections {
        match by.get_mut(&c.connection_id) {
            Some(row) => {
                row.items += c.items;
                row.calls += c.calls;
                row.skipped += c.skipped;
                row.seconds = match (row.seconds, c.seconds) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
            }
            None => {
                by.insert(c.connection_id, c);
            }
        }
    }
    all.connections = by.into_values().collect();
    all.seconds = all.connections.iter().filter_map(|c| c.seconds).max();
}

/// The end: what the cover's jobs moved and the cover still holds goes back;
/// what they had not sent yet is cancelled. `None` when the cover was no
/// longer active.
pub(crate) fn end(
    db: &rusqlite::Connection,
    c: &Cover,
    now: Timestamp,
    origin: switchboard_domain::job::Origin,
    owner: &Owner,
) -> switchboard_store::Result<Option<Taken>> {
    if !covers::step(db, c.id, CoverState::Active, CoverState::Ended, now)? {
        return Ok(None);
    }
    let person = people::get(db, c.person_id)?.display_name;
    let mut back = (
        ReassignPlan {
            from_name: format!("the cover of {person}"),
            items: Vec::new(),
            skipped: Vec::new(),
            connections: Vec::new(),
            people: Vec::new(),
            status: Vec::new(),
            seconds: None,
            planned_at: now,
        },
        Vec::new(),
    );
    for j in covers::jobs_of(db, c.id)? {
        if j.step == CoverStep::End {
            continue;
        }
        let why = "cancelled: the cover ended before it went out";
        operations::cancel_unsent(
            db,
            j.job_id,
            Outcome::new(OperationState::Cancelled, now)
                .error(switchboard_domain::code::ErrorCode::Cancelled, why),
        )?;
        match undo_plan(db, j.job_id) {
            Ok((plan, drafts, _)) => merge(&mut back, (plan, drafts)),
            // It moved nothing: nothing goes back.
            Err(EngineError::Invalid(_)) => {}
            // Anything else rolls the step back: it is taken again next time.
            Err(EngineError::Store(e)) => return Err(e),
            Err(e) => return Err(switchboard_store::StoreError::NotCommitted(e.to_string())),
        }
    }
    until_as_before(db, c, &mut back)?;
    let title = format!("Cover ended: {person}'s work back to them");
    journal(db, c, CoverStep::End, title, origin, owner, back).map(Some)
}
