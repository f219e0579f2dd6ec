//! Undoing a reassignment: the inverse of every item the job did, from what
//! the journal holds, previewed like any other plan. An item changed since the
//! job (the cache no longer shows what the job left) is left alone and said so;
//! at sending, a move whose target someone else took stops in conflict. An undo
//! is itself a reassignment job, so it can be undone too.

use std::collections::BTreeSet;

use switchboard_domain::agent::Agent;
use switchboard_domain::change::Change;
use switchboard_domain::job::{JobKind, OperationState};
use switchboard_domain::{ConnectionId, JobId, Timestamp, ValidationError};
use switchboard_store::{agents, assignments, connections, jobs, operations, targets};

use super::{
    Draft, PlanItem, ReassignOutcome, ReassignPlan, Skipped, StartedJob, Tally, journal_plan,
};
use crate::journal::{id_set, moves::calls};
use crate::{EngineError, Workspace};

/// The cached agent a vendor reference (an id, or an email) names.
fn agent_of(
    db: &rusqlite::Connection,
    connection: ConnectionId,
    reference: &str,
) -> switchboard_store::Result<Option<Agent>> {
    if let Some(a) = agents::find_by_vendor_id(db, connection, reference)? {
        return Ok(Some(a));
    }
    Ok(agents::list_by_connection(db, connection)?
        .into_iter()
        .find(|a| {
            a.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(reference))
        }))
}

/// One thing an item did, to be undone: taken from an agent (`from`) and
/// given to one (`to`), the agents kept, and Pingup's expiry and notes.
type Part = (
    Option<String>,
    Option<String>,
    Vec<String>,
    Option<Timestamp>,
    Option<String>,
);

/// What a done item did, part by part: a move; each agent an assignment added
/// (one at a time, so several given at once come off one by one); or the one
/// agent a release took off. `None` for what cannot be undone here.
fn parts(change: &Change, before: &BTreeSet<String>) -> Option<Vec<Part>> {
    Some(match change {
        Change::Move {
            from,
            to,
            keep,
            until,
            notes,
        } => vec![(
            Some(from.clone()),
            to.clone(),
            keep.clone(),
            *until,
            notes.clone(),
        )],
        Change::Assign {
            agents,
            until,
            notes,
            ..
        } => {
            let mut left: BTreeSet<String> = before.iter().chain(agents).cloned().collect();
            let added: Vec<&String> = agents.iter().filter(|a| !before.contains(*a)).collect();
            if agents.len() > 1 && added.is_empty() {
                return None;
            }
            // One agent given replacing others (Vambe): taking it off keeps them.
            let single = agents.len() == 1;
            added
                .into_iter()
                .map(|t| {
                    left.remove(t);
                    let keep = if single {
                        before.iter().cloned().collect()
                    } else {
                        left.iter().cloned().collect()
                    };
                    (None, Some(t.clone()), keep, *until, notes.clone())
                })
                .collect()
        }
        Change::Release if before.len() == 1 => {
            vec![(before.first().cloned(), None, Vec::new(), None, None)]
        }
        _ => return None,
    })
}

/// The inverse plan of `job`, and each item's change.
pub(crate) fn undo_plan(
    db: &rusqlite::Connection,
    job: JobId,
) -> Result<(ReassignPlan, Vec<Draft>, String), EngineError> {
    let original = jobs::get(db, job)?;
    if !matches!(
        original.kind,
        JobKind::Reassign | JobKind::Plan | JobKind::Cover
    ) {
        return Err(ValidationError::new(
            "job",
            "only a bulk job (a reassignment or a plan) can be undone here; a single change is undone from History",
        )
        .into());
    }
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    let mut changes = Vec::new();
    let mut tally = Tally::default();
    for op in operations::list_by_job(db, job)? {
        let (OperationState::Done, Some(target_id)) = (op.state, op.target_id) else {
            continue;
        };
        let before = op.before.as_ref().map(id_set).unwrap_or_default();
        let Some(parts) = parts(&op.request, &before) else {
            continue;
        };
        let connection = connections::get(db, op.connection_id)?;
        let caps = switchboard_vendors::capabilities(connection.vendor);
        for (from, to, keep, until, notes) in parts {
            let (from, to, until, notes) = (from.as_ref(), to.as_ref(), &until, &notes);
            let row = tally.row(db, &connection)?;
            let label = op.target_label.clone().unwrap_or_default();
            let mut skip = |reason: String| {
                row.skipped += 1;
                skipped.push(Skipped {
                    target_id,
                    connection_id: connection.id,
                    target_label: label.clone(),
                    reason,
                });
            };
            let Ok(target) = targets::get(db, target_id) else {
                skip(format!("{} no longer lists it", connection.vendor));
                continue;
            };
            let now: BTreeSet<String> = assignments::list_by_target(db, target_id)?
                .into_iter()
                .map(|a| a.agent_vendor_id)
                .collect();
            let left = op.request.expected_after(&before, caps.several_assignees);
            if now != left {
                skip("changed since the job: left as it is".into());
                continue;
            }
            let mut back = from
                .map(|f| agent_of(db, connection.id, f))
                .transpose()?
                .flatten();
            let holder = to
                .map(|t| agent_of(db, connection.id, t))
                .transpose()?
                .flatten();
            if from.is_some() && back.is_none() {
                skip("the agent it came from is no longer in the cache; sync first".into());
                continue;
            }
            let change = match (from, to) {
                // It held the agent it went to before the job too: putting it back
                // is giving it the first agent again, the other staying.
                (Some(f), Some(t)) if before.contains(t) => Change::Assign {
                    agents: vec![f.clone()],
                    until: *until,
                    notes: notes.clone(),
                    replace: false,
                },
                (Some(f), Some(t)) => Change::Move {
                    from: t.clone(),
                    to: Some(f.clone()),
                    keep,
                    until: *until,
                    notes: notes.clone(),
                },
                (Some(f), None) => Change::Assign {
                    agents: vec![f.clone()],
                    until: *until,
                    notes: notes.clone(),
                    replace: false,
                },
                // Given to one: taken off again, the others it held (a
                // replace took off) staying. A vendor that cannot take one
                // off alone (Vambe) gives it back to the first of them instead.
                (None, Some(t)) => {
                    let off = Change::Move {
                        from: t.clone(),
                        to: None,
                        keep: keep.clone(),
                        until: *until,
                        notes: notes.clone(),
                    };
                    match (
                        calls(connection.vendor, &caps, &off, &now),
                        keep.split_first(),
                    ) {
                        (Err(_), Some((first, rest))) => {
                            back = agent_of(db, connection.id, first)?;
                            Change::Move {
                                from: t.clone(),
                                to: Some(first.clone()),
                                keep: rest.to_vec(),
                                until: *until,
                                notes: notes.clone(),
                            }
                        }
                        _ => off,
                    }
                }
                (None, None) => continue,
            };
            let needed = match &change {
                Change::Move { .. } => match calls(connection.vendor, &caps, &change, &now) {
                    Ok(c) => c.len() as u32,
                    Err(why) => {
                        skip(why);
                        continue;
                    }
                },
                _ => 1,
            };
            row.items += 1;
            row.calls += needed;
            let given = back.as_ref().map(|b| b.id).into_iter().collect();
            items.push(PlanItem {
                target_id,
                connection_id: connection.id,
                vendor: connection.vendor,
                target_label: label,
                from_agent: holder.as_ref().map(|h| h.id),
                from_name: holder.map(|h| h.name),
                to_person: back.as_ref().and_then(|b| b.person_id),
                to_agent: back.as_ref().map(|b| b.id),
                to_name: back.map(|b| b.name),
                calls: needed,
            });
            changes.push(Draft {
                change,
                target_vendor_id: target.vendor_id,
                before: now,
                agents: given,
            });
        }
    }
    if items.is_empty() && skipped.is_empty() {
        return Err(ValidationError::new(
            "job",
            "the job moved nothing, so there is nothing to undo",
        )
        .into());
    }
    let (connections, seconds) = tally.finish();
    let title = format!("Undo: {}", original.title);
    let plan = ReassignPlan {
        from_name: original.title,
        items,
        skipped,
        connections,
        people: Vec::new(),
        status: Vec::new(),
        seconds,
        planned_at: Timestamp::now(),
    };
    Ok((plan, changes, title))
}

impl Workspace {
    /// The plan that undoes a reassignment job; nothing is journaled or sent.
    pub async fn preview_undo(&self, job: JobId) -> Result<ReassignPlan, EngineError> {
        self.on_store(move |store| Ok(store.read(|db| Ok(undo_plan(db, job)))??.0))
            .await
    }

    /// Plans the undo again, journals it as a job of its own, and sends it.
    pub async fn undo(&self, job: JobId) -> Result<ReassignOutcome, EngineError> {
        let (plan, ops, undo) = self.journal_undo(job).await?;
        self.run_plan(plan, ops, undo).await
    }

    /// Plans the undo again and journals it; nothing is sent (the window sends
    /// it in the background with `resume_job` and watches it).
    pub async fn start_undo(&self, job: JobId) -> Result<StartedJob, EngineError> {
        let (plan, _, job_id) = self.journal_undo(job).await?;
        Ok(StartedJob { job_id, plan })
    }

    async fn journal_undo(
        &self,
        job: JobId,
    ) -> Result<(ReassignPlan, Vec<switchboard_domain::job::Operation>, JobId), EngineError> {
        let origin = self.origin;
        let owner = self.owner.clone();
        self.on_store(move |store| {
            store.write(|db| {
                let (plan, changes, title) = match undo_plan(db, job) {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                let (undo, ops) =
                    journal_plan(db, JobKind::Reassign, title, origin, &owner, &plan, changes)?;
                Ok(Ok((plan, ops, undo.id)))
            })?
        })
        .await
    }
}
