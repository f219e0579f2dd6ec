//! The plan of a reassignment, from the cache alone: every target the person
//! holds, who it goes to by the chosen strategy, the calls each takes, and what
//! is skipped and why. The preview shows it; confirming journals it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use switchboard_domain::agent::Agent;
use switchboard_domain::change::Change;
use switchboard_domain::connection::Connection;
use switchboard_domain::{ConnectionId, PersonId, Timestamp, ValidationError, Vendor};
use switchboard_store::{agents, board, browse, connections, dashboards, people};

use super::{
    Destination, Draft, PersonShare, PlanItem, ReassignPlan, ReassignRequest, Skipped, Strategy,
    Tally, scope,
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
pub(crate) fn vendor_ref(agent: &Agent, vendor: Vendor) -> String {
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
                    && Some(p) != request.from
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
    if request.from.is_some_and(|from| ids.contains(&from)) {
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
    let mut conns: BTreeMap<ConnectionId, Connection> = BTreeMap::new();
    for c in connections::list(db)? {
        if request.connections.is_empty() || request.connections.contains(&c.id) {
            conns.insert(c.id, c);
        }
    }
    let (source, found, mut skipped) = scope::candidates(db, request, &conns)?;
    let from_name = match (&source, &request.targets) {
        (Some(p), None) => p.display_name.clone(),
        (Some(p), Some(_)) => format!("{} (the chosen targets)", p.display_name),
        (None, _) => "the chosen targets".to_owned(),
    };
    let status = match &source {
        Some(p) => super::status::steps(db, request, &p.display_name)?,
        None if request.status.is_some() => {
            return Err(invalid(
                "status",
                "a status is set for the person whose work moves; say whose it is, or leave the status out",
            ));
        }
        None => Vec::new(),
    };
    if found.is_empty() && skipped.is_empty() && status.is_empty() {
        let scope = if request.connections.is_empty() {
            String::new()
        } else {
            " on the chosen connections".into()
        };
        return Err(invalid(
            "from",
            format!("{from_name} holds nothing{scope} in the cache; sync first if that is wrong"),
        ));
    }
    let mut takers = takers(db, request)?;
    if !takers.is_empty() && !found.is_empty() {
        let reachable = found.iter().any(|c| {
            takers
                .iter()
                .any(|t| t.agents.contains_key(&c.target.connection_id))
        });
        if !reachable {
            return Err(invalid(
                "to",
                format!(
                    "{} have no active agent on any platform where {from_name} has work; choose people who do",
                    names(&takers),
                ),
            ));
        }
    }
    let mut items: Vec<PlanItem> = Vec::new();
    let mut changes = Vec::new();
    let mut tally = Tally::default();
    for s in &skipped {
        if let Some(c) = conns.get(&s.connection_id) {
            tally.row(db, c)?.skipped += 1;
        }
    }
    let mut turn = 0;
    for candidate in found {
        let scope::Candidate {
            target,
            from,
            holders,
            held,
        } = candidate;
        let c = &conns[&target.connection_id];
        let caps = switchboard_vendors::capabilities(c.vendor);
        let row = tally.row(db, c)?;
        let label = scope::label(&target);
        let skip = |reason: String| Skipped {
            target_id: target.id,
            connection_id: c.id,
            target_label: label.clone(),
            reason,
        };
        if from.is_none() && takers.is_empty() {
            skipped.push(skip(
                "nobody holds it, so there is nothing to release".into(),
            ));
            row.skipped += 1;
            continue;
        }
        let pick = choose(
            &mut takers,
            c.id,
            request.strategy,
            request.max_per_person,
            &mut turn,
        );
        let to = pick.map(|i| &takers[i]);
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
        let change = match (&from, &to_ref) {
            (Some(from), _) => Change::Move {
                from: vendor_ref_held(from, held.as_ref()),
                // The others it holds stay; the one it goes to may hold it already.
                keep: holders
                    .iter()
                    .filter(|h| {
                        Some(*h) != held.as_ref().map(|a| &a.agent_vendor_id)
                            && Some(*h) != to_ref.as_ref()
                    })
                    .cloned()
                    .collect(),
                to: to_ref.clone(),
                until: held.as_ref().and_then(|a| a.until),
                notes: held.as_ref().and_then(|a| a.notes.clone()),
            },
            (None, Some(to_ref)) => Change::Assign {
                agents: vec![to_ref.clone()],
                until: None,
                notes: None,
                replace: false,
            },
            (None, None) => unreachable!("a target nobody holds is skipped when released"),
        };
        // A move takes the calls its vendor needs; an assignment one.
        let needed = match &change {
            Change::Move { .. } => {
                calls(c.vendor, &caps, &change, &holders).map(|calls| calls.len() as u32)
            }
            _ => Ok(1),
        };
        let needed: u32 = match needed {
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
        row.calls += needed;
        items.push(PlanItem {
            target_id: target.id,
            connection_id: c.id,
            vendor: c.vendor,
            target_label: label,
            from_agent: from.as_ref().map(|a| a.id),
            from_name: from.as_ref().map(|a| a.name.clone()),
            to_person: to.map(|t| t.person),
            to_agent: to_agent.map(|a| a.id),
            to_name: to.map(|t| t.name.clone()),
            calls: needed,
        });
        changes.push(Draft {
            change,
            target_vendor_id: target.vendor_id.clone(),
            before: holders,
            agents: to_agent.map(|a| a.id).into_iter().collect(),
        });
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
        from_name,
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

/// How the moving agent is named in the change: as its assignment names it
/// (what the vendor holds), else as the vendor addresses it.
fn vendor_ref_held(
    agent: &Agent,
    held: Option<&switchboard_domain::assignment::Assignment>,
) -> String {
    held.map(|a| a.agent_vendor_id.clone())
        .unwrap_or_else(|| agent.vendor_id.clone())
}
