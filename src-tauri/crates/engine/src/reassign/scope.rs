//! What a reassignment takes: everything one person holds, or the targets a
//! filter matches (all of them, not one page), or a hand-picked few; each
//! target with whose share moves (its holder, or the person's agent there)
//! and everyone who holds it. A target whose share cannot be told is left
//! out with the reason, never guessed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use switchboard_domain::agent::Agent;
use switchboard_domain::assignment::Assignment;
use switchboard_domain::browse::TargetQuery;
use switchboard_domain::connection::Connection;
use switchboard_domain::person::Person;
use switchboard_domain::target::Target;
use switchboard_domain::{ConnectionId, TargetId, ValidationError};
use switchboard_store::{agents, assignments, browse, people, targets};
use ts_rs::TS;

use super::{ReassignRequest, Skipped};
use crate::EngineError;

/// Which targets a reassignment takes, besides (or instead of) a person's.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetScope {
    /// Every target the query matches, however many pages that is.
    Matching { query: TargetQuery },
    /// These targets.
    Chosen { ids: Vec<TargetId> },
}

/// One target the job takes.
pub(super) struct Candidate {
    pub target: Target,
    /// Whose share moves; none for a target nobody holds (it is assigned).
    pub from: Option<Agent>,
    /// The vendor's ids of everyone who holds it.
    pub holders: BTreeSet<String>,
    /// The moving share as the cache holds it (Pingup's expiry and notes carry over).
    pub held: Option<Assignment>,
}

/// The person whose work it is (when the request names one), the targets
/// taken, and those left out with the reason.
pub(super) type Scope = (Option<Person>, Vec<Candidate>, Vec<Skipped>);

fn invalid(field: &str, message: impl Into<String>) -> EngineError {
    ValidationError::new(field, message).into()
}

/// How a target is named in a plan: its name, its phone, or its id.
pub(super) fn label(target: &Target) -> String {
    target
        .name
        .clone()
        .or_else(|| target.phone.as_ref().map(|p| format!("+{p}")))
        .unwrap_or_else(|| target.vendor_id.clone())
}

/// The targets in scope, on the connections in `conns`, with the person
/// whose work it is (when the request names one) and what is left out.
pub(super) fn candidates(
    db: &rusqlite::Connection,
    request: &ReassignRequest,
    conns: &BTreeMap<ConnectionId, Connection>,
) -> Result<Scope, EngineError> {
    let source = request.from.map(|id| people::get(db, id)).transpose()?;
    let Some(scope) = &request.targets else {
        let Some(person) = source else {
            return Err(invalid(
                "from",
                "say whose work moves, or which targets (a filter or a selection)",
            ));
        };
        let found = held_by(db, &person, conns)?;
        return Ok((Some(person), found, Vec::new()));
    };
    let ids = match scope {
        TargetScope::Matching { query } => browse::matching_ids(db, query)?,
        TargetScope::Chosen { ids } => ids.clone(),
    };
    if ids.is_empty() {
        return Err(invalid(
            "targets",
            "no target is in the scope; widen the filter or choose some",
        ));
    }
    let mine: BTreeSet<switchboard_domain::AgentId> = match &source {
        Some(p) => agents::list_by_person(db, p.id)?
            .into_iter()
            .map(|a| a.id)
            .collect(),
        None => BTreeSet::new(),
    };
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for id in ids {
        let target = targets::get(db, id)?;
        if !conns.contains_key(&target.connection_id) {
            continue;
        }
        let held = assignments::list_by_target(db, id)?;
        let holders: BTreeSet<String> = held.iter().map(|a| a.agent_vendor_id.clone()).collect();
        let skip = |reason: String| Skipped {
            target_id: target.id,
            connection_id: target.connection_id,
            target_label: label(&target),
            reason,
        };
        let share: Option<&Assignment> = match (&source, held.as_slice()) {
            (Some(p), _) => match held
                .iter()
                .find(|a| a.agent_id.is_some_and(|x| mine.contains(&x)))
            {
                Some(a) => Some(a),
                None => {
                    skipped.push(skip(format!("{} does not hold it", p.display_name)));
                    continue;
                }
            },
            (None, []) => None,
            (None, [one]) => Some(one),
            (None, several) => {
                let names: Vec<String> = several
                    .iter()
                    .map(|a| {
                        a.agent_id
                            .and_then(|id| agents::get(db, id).ok())
                            .map(|a| a.name)
                            .unwrap_or_else(|| a.agent_vendor_id.clone())
                    })
                    .collect();
                skipped.push(skip(format!(
                    "held by {}; filter by who holds it to choose whose share moves",
                    names.join(" and ")
                )));
                continue;
            }
        };
        let from = match share {
            None => None,
            Some(a) => match a.agent_id {
                Some(agent) => Some(agents::get(db, agent)?),
                None => {
                    skipped.push(skip(format!(
                        "held by {}, an agent the cache does not know; sync its connection first",
                        a.agent_vendor_id
                    )));
                    continue;
                }
            },
        };
        found.push(Candidate {
            target,
            from,
            holders,
            held: share.cloned(),
        });
    }
    Ok((source, found, skipped))
}

/// Everything the person's agents hold on `conns`.
fn held_by(
    db: &rusqlite::Connection,
    person: &Person,
    conns: &BTreeMap<ConnectionId, Connection>,
) -> Result<Vec<Candidate>, EngineError> {
    let mut found = Vec::new();
    for agent in agents::list_by_person(db, person.id)? {
        if !conns.contains_key(&agent.connection_id) {
            continue;
        }
        for held in assignments::list_by_agent(db, agent.id)? {
            let target = targets::get(db, held.target_id)?;
            let holders = assignments::list_by_target(db, target.id)?
                .into_iter()
                .map(|a| a.agent_vendor_id)
                .collect();
            found.push(Candidate {
                target,
                from: Some(agent.clone()),
                holders,
                held: Some(held),
            });
        }
    }
    Ok(found)
}
