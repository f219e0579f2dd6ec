//! The plan of a reassignment, from the cache alone: every target the person
//! holds, who it goes to by the chosen strategy, the calls each takes, and what
//! is skipped and why. The preview shows it; confirming journals it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use switchboard_domain::agent::Agent;
use switchboard_domain::change::Change;
use switchboard_domain::connection::Connection;
use switchboard_domain::{ConnectionId, PersonId, Timestamp, ValidationError, Vendor};
use switchboard_store::{
    agents, assignments, board, browse, connections, dashboards, people, targets,
};

use super::{
    Destination, Draft, PersonShare, PlanItem, ReassignPlan, ReassignRequest, Skipped, Strategy,
    Tally,
};
use crate::EngineError;
use crate::journal::moves::calls;

/// A destination person, with their agents by connection.
struct Taker {
    person: PersonId,
    name: String,
    agents: HashMap<ConnectionId, Agent>,
    /// Open assignments across platforms and changes waiting for them, plus
    /// what this plan has given them so far.
    load: u32,
    given: u32,
}

fn invalid(field: &str, message: impl Into<String>) -> EngineError {
    ValidationError::new(field, message).into()
}

/// How an agent is named to its vendor.
fn vendor_ref(agent: &Agent, vendor: Vendor) -> String {
    if switchboard_vendors::capabilities(vendor).agents_by_email {
        agent
            .email
            .clone()
            .unwrap_or_else(|| agent.vendor_id.clone())
    } else {
        agent.vendor_id.clone()
    }
}

fn names(takers: &[Taker]) -> String {
    takers
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a person's CCAI Platform status is Available right now.
fn available_people(db: &rusqlite::Connection) -> switchboard_store::Result<BTreeSet<PersonId>> {
    Ok(board::agents(db)?
        .into_iter()
        .filter(|a| {
            a.status.as_ref().is_some_and(|s| {
                s.status_vendor_id.as_deref() == Some("0")
                    || s.name.eq_ignore_ascii_case("available")
            })
        })
        .filter_map(|a| a.person_id)
        .collect())
}

fn takers(db: &rusqlite::Connection, request: &ReassignRequest) -> Result<Vec<Taker>, EngineError> {
    let ids: Vec<PersonId> = match &request.to {
        Destination::Release => return Ok(Vec::new()),
        Destination::People { ids } => ids.clone(),
        Destination::Team { id } => {
            let team = browse::teams(db, None)?
                .into_iter()
                .find(|t| t.id == *id)
                .ok_or_else(|| {
                    invalid(
                        "to",
                        format!("team {id} is not in the cache; sync its connection"),
                    )
                })?;
            let mut ids = Vec::new();
            for member in team.members {
                if let Some(p) = agents::get(db, member)?.person_id
                    && p != request.from
                    && !ids.contains(&p)
                {
                    ids.push(p);
                }
            }
            ids
        }
    };
    if ids.is_empty() {
        return Err(invalid(
            "to",
            "choose at least one person to hand the work to",
        ));
    }
    if ids.contains(&request.from) {
        return Err(invalid(
            "to",
            "the person whose work moves is among those it goes to; leave them out",
        ));
    }
    let loads: HashMap<PersonId, u32> = dashboards::people_load(db)?
        .into_iter()
        .filter_map(|l| Some((l.person_id?, l.total + l.waiting)))
        .collect();
    let available = if request.only_available {
        Some(available_people(db)?)
    } else {
        None
    };
    let mut out = Vec::new();
    for id in ids {
        let person = people::get(db, id)?;
        if available.as_ref().is_some_and(|a| !a.contains(&id)) {
            continue;
        }
        let agents = agents::list_by_person(db, id)?
            .into_iter()
            .filter(|a| a.active)
            .map(|a| (a.connection_id, a))
            .collect();
        out.push(Taker {
            person: id,
            name: person.display_name,
            agents,
            load: loads.get(&id).copied().unwrap_or(0),
            given: 0,
        });
    }
    if out.is_empty() {
        return Err(invalid(
            "only_available",
            "nobody chosen is Available on CCAI Platform right now; choose others, or hand the work over without that condition",
        ));
    }
    Ok(out)
}

/// The taker of the next item on `connection`: round-robin in order, or the
/// least loaded; never one over the cap, never one without an active agent there.
fn choose(
    takers: &mut [Taker],
    connection: ConnectionId,
    strategy: Strategy,
    cap: Option<u32>,
    turn: &mut usize,
) -> Option<usize> {
    let fits = |t: &Taker| t.agents.contains_key(&connection) && cap.is_none_or(|c| t.given < c);
    let n = takers.len();
    let pick = match strategy {
        Strategy::RoundRobin => (0..n).map(|k| (*turn + k) % n).find(|&i| fits(&takers[i])),
        Strategy::LeastLoaded => (0..n)
            .filter(|&i| fits(&takers[i]))
            .min_by_key(|&i| (takers[i].load + takers[i].given, i)),
    }?;
    *turn = (pick + 1) % n;
    takers[pick].given += 1;
    Some(pick)
}

/// The plan, and the change of each item to journal.
pub(super) fn plan(
    db: &rusqlite::Connection,
    request: &ReassignRequest,
) -> Result<(ReassignPlan, Vec<Draft>), EngineError> {
    if request.max_per_person == Some(0) {
        return Err(invalid(
            "max_per_person",
            "a cap of 0 gives nobody anything; leave it out or give a number",
        ));
    }
    let source = people::get(db, request.from)?;
    let mut takers = takers(db, request)?;
    let mut conns: BTreeMap<ConnectionId, Connection> = BTreeMap::new();
    for c in connections::list(db)? {
        if request.connections.is_empty() || request.connections.contains(&c.id) {
            conns.insert(c.id, c);
        }
    }
    let from_agents: Vec<Agent> = agents::list_by_person(db, request.from)?
        .into_iter()
        .filter(|a| conns.contains_key(&a.connection_id))
        .collect();
    let mut held_by_agent = Vec::with_capacity(from_agents.len());
    for a in &from_agents {
        held_by_agent.push(assignments::list_by_agent(db, a.id)?);
    }
    let status = super::status::steps(db, request, &source.display_name)?;
    if held_by_agent.iter().all(Vec::is_empty) && status.is_empty() {
        let scope = if request.connections.is_empty() {
            String::new()
        } else {
            " on the chosen connections".into()
        };
        return Err(invalid(
            "from",
            format!(
                "{} holds nothing{scope} in the cache; sync first if that is wrong",
                source.display_name
            ),
        ));
    }
    if !takers.is_empty() && held_by_agent.iter().any(|h| !h.is_empty()) {
        let reachable = from_agents.iter().any(|a| {
            takers
                .iter()
                .any(|t| t.agents.contains_key(&a.connection_id))
        });
        if !reachable {
            return Err(invalid(
                "to",
                format!(
                    "{} have no active agent on any platform where {} has work; choose people who do",
                    names(&takers),
                    source.display_name
                ),
            ));
        }
    }
    let mut items: Vec<PlanItem> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut changes = Vec::new();
    let mut tally = Tally::default();
    let mut turn = 0;
    for (agent, held_list) in from_agents.iter().zip(held_by_agent) {
        let c = &conns[&agent.connection_id];
        let caps = switchboard_vendors::capabilities(c.vendor);
        let row = tally.row(db, c)?;
        for held in held_list {
            let target = targets::get(db, held.target_id)?;
            let label = target
                .name
                .clone()
                .or_else(|| target.phone.as_ref().map(|p| format!("+{p}")))
                .unwrap_or_else(|| target.vendor_id.clone());
            let holders: BTreeSet<String> = assignments::list_by_target(db, target.id)?
                .into_iter()
                .map(|a| a.agent_vendor_id)
                .collect();
            let pick = choose(
                &mut takers,
                c.id,
                request.strategy,
                request.max_per_person,
                &mut turn,
            );
            let to = pick.map(|i| &takers[i]);
            let skip = |reason: String| Skipped {
                target_id: target.id,
                connection_id: c.id,
                target_label: label.clone(),
                reason,
            };
            if !takers.is_empty() && to.is_none() {
                let on_platform: Vec<&Taker> = takers
                    .iter()
                    .filter(|t| t.agents.contains_key(&c.id))
                    .collect();
                let reason = if on_platform.is_empty() {
                    format!("no agent on {} among {}", c.vendor, names(&takers))
                } else {
                    format!(
                        "everyone on {} has reached the cap of {}",
                        c.vendor,
                        request.max_per_person.unwrap_or_default()
                    )
                };
                skipped.push(skip(reason));
                row.skipped += 1;
                continue;
            }
            let to_agent = to.map(|t| &t.agents[&c.id]);
            let to_ref = to_agent.map(|a| vendor_ref(a, c.vendor));
            let change = Change::Move {
                from: held.agent_vendor_id.clone(),
                // The others it holds stay; the one it goes to may hold it already.
                keep: holders
                    .iter()
                    .filter(|h| **h != held.agent_vendor_id && Some(*h) != to_ref.as_ref())
                    .cloned()
                    .collect(),
                to: to_ref,
                until: held.until,
                notes: held.notes.clone(),
            };
            let needed = match calls(c.vendor, &caps, &change, &holders) {
                Ok(needed) => needed,
                Err(why) => {
                    if let Some(i) = pick {
                        takers[i].given -= 1;
                    }
                    skipped.push(skip(why));
                    row.skipped += 1;
                    continue;
                }
            };
            row.items += 1;
            row.calls += needed.len() as u32;
            items.push(PlanItem {
                target_id: target.id,
                connection_id: c.id,
                vendor: c.vendor,
                target_label: label,
                from_agent: agent.id,
                from_name: agent.name.clone(),
                to_person: to.map(|t| t.person),
                to_agent: to_agent.map(|a| a.id),
                to_name: to.map(|t| t.name.clone()),
                calls: needed.len() as u32,
            });
            changes.push(Draft {
                change,
                target_vendor_id: target.vendor_id.clone(),
                before: holders,
            });
        }
    }
    let (connections, seconds) = tally.finish();
    let people = takers
        .iter()
        .filter(|t| t.given > 0)
        .map(|t| PersonShare {
            person_id: t.person,
            name: t.name.clone(),
            items: t.given,
        })
        .collect();
    let plan = ReassignPlan {
        from_name: source.display_name,
        items,
        skipped,
        connections,
        people,
        status,
        seconds,
        planned_at: Timestamp::now(),
    };
    Ok((plan, changes))
}
