//! Checking every row of a plan against the cache before anything is sent,
//! and turning the good ones into a bulk job's items. Every error of every
//! row is reported at once, with its row, column and the fix.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use switchboard_domain::agent::Agent;
use switchboard_domain::change::Change;
use switchboard_domain::{ConnectionId, PersonId, TargetId, Timestamp};
use switchboard_store::assignments;

use super::lookup::Lookup;
use super::read::RawPlan;
use super::row::{PlanRowError, Row, check_row};
use crate::EngineError;
use crate::assign::label;
use crate::journal::moves::calls;
use crate::reassign::{Draft, PersonShare, PlanItem, ReassignPlan, Skipped, Tally, vendor_ref};

/// A plan checked: the job it makes, and what is wrong with it.
pub(crate) struct Checked {
    pub(crate) plan: ReassignPlan,
    pub(crate) drafts: Vec<Draft>,
    pub(crate) errors: Vec<PlanRowError>,
}

/// Checks a plan's rows against the cache; the good rows' items, and every error.
pub(crate) fn check(
    db: &rusqlite::Connection,
    raw: &RawPlan,
    title: &str,
    now: Timestamp,
) -> Result<Checked, EngineError> {
    let mut lookup = Lookup::new(db)?;
    let mut errors = Vec::new();
    let mut tally = Tally::default();
    let (mut items, mut drafts, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    // Each target's first row, and what it asked, to find rows that contradict it.
    let mut seen: HashMap<(ConnectionId, TargetId), (u32, String)> = HashMap::new();
    let mut steps: Vec<crate::reassign::StatusStep> = Vec::new();
    for raw_row in &raw.rows {
        if super::status::is_status(raw_row) {
            if let Some(step) = super::status::step(&mut lookup, raw_row, &mut errors)? {
                if steps.iter().any(|s| s.agent_id == step.agent_id) {
                    errors.push(PlanRowError {
                        row: raw_row.line,
                        column: "from".into(),
                        value: raw_row.from.clone(),
                        message: format!(
                            "an earlier row already sets {}'s status",
                            step.agent_name
                        ),
                        fix: "keep one of the two rows".into(),
                    });
                } else {
                    steps.push(step);
                }
            }
            continue;
        }
        let Some(row) = check_row(&mut lookup, raw_row, now, &mut errors)? else {
            continue;
        };
        let c = &row.connection;
        let asked = format!(
            "{:?}",
            (
                row.from.as_ref().map(|a| a.id),
                row.to
                    .as_ref()
                    .map(|t| t.iter().map(|a| a.id).collect::<BTreeSet<_>>()),
                row.until,
                &row.notes,
                row.replace
            )
        );
        match seen.get(&(c.id, row.target.id)) {
            Some((line, first)) if *first == asked => {
                tally.row(db, c)?.skipped += 1;
                skipped.push(Skipped {
                    target_id: row.target.id,
                    connection_id: c.id,
                    target_label: label(&row.target),
                    reason: format!("the same as row {line}"),
                });
                continue;
            }
            Some((line, _)) => {
                errors.push(PlanRowError {
                    row: raw_row.line,
                    column: "target".into(),
                    value: raw_row.target.clone(),
                    message: format!("row {line} asks something else for this target"),
                    fix: "keep one of the two rows".into(),
                });
                continue;
            }
            None => {
                seen.insert((c.id, row.target.id), (raw_row.line, asked));
            }
        }
        let holders = assignments::list_by_target(db, row.target.id)?;
        match changes(&row, &holders) {
            Err((column, message, fix)) => errors.push(PlanRowError {
                row: raw_row.line,
                column: column.into(),
                value: if column == "from" {
                    raw_row.from.clone()
                } else {
                    raw_row.to.clone()
                },
                message,
                fix,
            }),
            Ok(Err(reason)) => {
                tally.row(db, c)?.skipped += 1;
                skipped.push(Skipped {
                    target_id: row.target.id,
                    connection_id: c.id,
                    target_label: label(&row.target),
                    reason,
                });
            }
            Ok(Ok(ops)) => {
                let caps = switchboard_vendors::capabilities(c.vendor);
                let mut state: BTreeSet<String> =
                    holders.iter().map(|h| h.agent_vendor_id.clone()).collect();
                for (change, given) in ops {
                    let n = match &change {
                        Change::Move { .. } => match calls(c.vendor, &caps, &change, &state) {
                            Ok(calls) => calls.len() as u32,
                            Err(why) => {
                                errors.push(PlanRowError {
                                    row: raw_row.line,
                                    column: "to".into(),
                                    value: raw_row.to.clone(),
                                    message: why,
                                    fix: "give the target to someone else, or leave it out".into(),
                                });
                                break;
                            }
                        },
                        _ => 1,
                    };
                    let t = tally.row(db, c)?;
                    t.items += 1;
                    t.calls += n;
                    let after = change.expected_after(&state, caps.several_assignees);
                    // Whom a move takes it from: the row's `from`, or the
                    // one agent a single-assignee target had.
                    let from = match (&change, &row.from) {
                        (_, Some(a)) => Some(a.clone()),
                        (Change::Move { from, .. }, None) => {
                            switchboard_store::agents::find_by_vendor_id(db, c.id, from)?
                        }
                        _ => None,
                    };
                    items.push(PlanItem {
                        target_id: row.target.id,
                        connection_id: c.id,
                        vendor: c.vendor,
                        target_label: label(&row.target),
                        from_agent: from.as_ref().map(|a| a.id),
                        from_name: from.map(|a| a.name),
                        to_person: given.first().and_then(|a| a.person_id),
                        to_agent: given.first().map(|a| a.id),
                        to_name: (!given.is_empty()).then(|| {
                            given
                                .iter()
                                .map(|a| a.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }),
                        calls: n,
                    });
                    drafts.push(Draft {
                        change,
                        target_vendor_id: row.target.vendor_id.clone(),
                        before: std::mem::replace(&mut state, after),
                        agents: given.iter().map(|a| a.id).collect(),
                    });
                }
            }
        }
    }
    let (connections, seconds) = tally.finish();
    let mut shares: BTreeMap<PersonId, u32> = BTreeMap::new();
    for item in &items {
        if let Some(p) = item.to_person {
            *shares.entry(p).or_default() += 1;
        }
    }
    let people = shares
        .into_iter()
        .map(|(person_id, items)| {
            Ok(PersonShare {
                person_id,
                name: switchboard_store::people::get(lookup.db(), person_id)?.display_name,
                items,
            })
        })
        .collect::<Result<Vec<_>, EngineError>>()?;
    let plan = ReassignPlan {
        from_name: title.to_owned(),
        items,
        skipped,
        connections,
        people,
        status: steps,
        seconds,
        planned_at: now,
    };
    Ok(Checked {
        plan,
        drafts,
        errors,
    })
}

/// A change and the agents it gives.
type Op = (Change, Vec<Agent>);

/// What is wrong with a row given who holds its target: the column, what, and the fix.
type Wrong = (&'static str, String, String);

/// The changes a checked row makes, given who holds its target now, or
/// (`Ok(Err(reason))`) why its target is left as it is.
fn changes(
    row: &Row,
    holders: &[switchboard_domain::assignment::Assignment],
) -> Result<Result<Vec<Op>, String>, Wrong> {
    let c = &row.connection;
    let caps = switchboard_vendors::capabilities(c.vendor);
    let held: BTreeSet<String> = holders.iter().map(|h| h.agent_vendor_id.clone()).collect();
    let holds = |a: &Agent| {
        holders.iter().find(|h| {
            h.agent_id == Some(a.id)
                || h.agent_vendor_id == a.vendor_id
                || Some(&h.agent_vendor_id) == a.email.as_ref()
        })
    };
    let names = || {
        if holders.is_empty() {
            "nobody".to_owned()
        } else {
            holders
                .iter()
                .map(|h| h.agent_vendor_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let move_from = |from: &Agent, to: Option<&Agent>| -> Result<Op, Wrong> {
        let Some(h) = holds(from) else {
            return Err((
                "from",
                format!(
                    "{} does not hold this target (the cache says: {})",
                    from.name,
                    names()
                ),
                "sync the connection, or leave from empty to assign".into(),
            ));
        };
        let to_ref = to.map(|a| vendor_ref(a, c.vendor));
        let change = Change::Move {
            from: h.agent_vendor_id.clone(),
            keep: held
                .iter()
                .filter(|x| **x != h.agent_vendor_id && Some(*x) != to_ref.as_ref())
                .cloned()
                .collect(),
            to: to_ref,
            until: row.until.or(h.until),
            notes: row.notes.clone().or(h.notes.clone()),
        };
        Ok((change, to.into_iter().cloned().collect()))
    };
    Ok(match (&row.from, &row.to) {
        (Some(from), to) => Ok(vec![move_from(from, to.as_ref().and_then(|t| t.first()))?]),
        (None, None) if holders.is_empty() => {
            Err("nobody holds it, so there is nothing to release".into())
        }
        (None, None) => Ok(vec![(Change::Release, Vec::new())]),
        (None, Some(agents)) => {
            let new: Vec<&Agent> = agents.iter().filter(|a| holds(a).is_none()).collect();
            let exactly = new.is_empty() && holders.len() == agents.len();
            if new.is_empty() && (!row.replace || exactly) {
                return Ok(Err(format!(
                    "already held by {}",
                    agents
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if !caps.several_assignees {
                // One agent: taking it from whoever holds it is a move, which undo can reverse.
                let to = agents[0].clone();
                let change = match holders.first() {
                    Some(h) => Change::Move {
                        from: h.agent_vendor_id.clone(),
                        to: Some(vendor_ref(&to, c.vendor)),
                        keep: Vec::new(),
                        until: row.until,
                        notes: row.notes.clone(),
                    },
                    None => Change::Assign {
                        agents: vec![vendor_ref(&to, c.vendor)],
                        until: row.until,
                        notes: row.notes.clone(),
                        replace: false,
                    },
                };
                Ok(vec![(change, vec![to])])
            } else if caps.assign_many_in_one_call {
                let give: Vec<Agent> = if row.replace {
                    agents.clone()
                } else {
                    new.into_iter().cloned().collect()
                };
                Ok(vec![(
                    Change::Assign {
                        agents: give.iter().map(|a| vendor_ref(a, c.vendor)).collect(),
                        until: row.until,
                        notes: row.notes.clone(),
                        replace: row.replace,
                    },
                    give,
                )])
            } else {
                let give: Vec<&Agent> = if row.replace {
                    agents.iter().collect()
                } else {
                    new
                };
                Ok(give
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| {
                        (
                            Change::Assign {
                                agents: vec![vendor_ref(a, c.vendor)],
                                until: row.until,
                                notes: row.notes.clone(),
                                replace: row.replace && i == 0,
                            },
                            vec![a.clone()],
                        )
                    })
                    .collect())
            }
        }
    })
}
