//! Saving a fetched sync in short transactions, and removing what the vendor
//! no longer lists only at the very end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_domain::agent::{Agent, AgentSource, PersonLink};
use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::connection::Connection;
use switchboard_domain::sync::{SyncMode, SyncRun, SyncState};
use switchboard_domain::target::Target;
use switchboard_domain::team::Team;
use switchboard_domain::{AgentId, ConnectionId, TargetId, TeamId, Timestamp};
use switchboard_store::{agents, assignments, sync_runs, targets, teams};
use switchboard_vendors::RemoteTarget;

use crate::EngineError;

use super::{Fetched, Progress, SyncPhase, SyncProgress};

/// How long one save transaction may hold the write lock, and the pause after
/// it. Another writer (an assignment, another Switchboard process) retries a
/// held lock every few to 100 ms, so it gets in within a few pauses; a bare
/// commit-and-begin would let it starve.
const SAVE_HOLD: Duration = Duration::from_millis(50);
const SAVE_PAUSE: Duration = Duration::from_millis(25);

/// Saves what was fetched: agents and teams in one transaction, then targets
/// in transactions of at most [`SAVE_HOLD`] each with a [`SAVE_PAUSE`] between,
/// then one last transaction that removes what the vendor no longer lists and
/// finishes the run. Nothing is removed until everything is saved, so a save
/// that stops half-way leaves only rows that are the vendor's, and the run
/// says how far it got.
pub(super) async fn save(
    store: &Arc<switchboard_store::Store>,
    connection: &Connection,
    mut run: SyncRun,
    fetched: Fetched,
    progress: Progress<'_>,
) -> Result<SyncRun, (SyncRun, EngineError)> {
    let fetched = Arc::new(fetched);
    let total = fetched.targets.len();
    let report = |done: usize| {
        progress(SyncProgress {
            connection_id: connection.id,
            phase: SyncPhase::Saving,
            done: done as u64,
            total: Some(total as u64),
        })
    };
    report(0);
    let (id, now) = (connection.id, run.started_at);
    let agent_ids = {
        let (store, fetched) = (store.clone(), fetched.clone());
        let saved = tokio::task::spawn_blocking(move || {
            store.write(|db| save_agents_and_teams(db, id, now, &fetched))
        })
        .await;
        match flatten(saved) {
            Ok(ids) => Arc::new(ids),
            Err(e) => return Err((run, e)),
        }
    };
    run.agents = fetched.agents.as_ref().map_or(0, |list| list.len() as i64);
    run.teams = fetched.teams.len() as i64;

    let mut high_water: Option<Timestamp> = None;
    let mut saved = 0;
    while saved < total {
        let (store, fetched, agent_ids) = (store.clone(), fetched.clone(), agent_ids.clone());
        let written = tokio::task::spawn_blocking(move || {
            store.write(|db| save_targets(db, id, now, &fetched.targets[saved..], &agent_ids))
        })
        .await;
        match flatten(written) {
            Ok((count, mark)) => {
                saved += count;
                high_water = high_water.max(mark);
            }
            Err(e) => {
                run.targets = saved as i64;
                return Err((run, e));
            }
        }
        report(saved);
        if saved < total {
            tokio::time::sleep(SAVE_PAUSE).await;
        }
    }
    run.targets = total as i64;
    run.high_water = high_water.or(run.high_water);

    let (store, vendor, done) = (store.clone(), connection.vendor, run.clone());
    let swept = tokio::task::spawn_blocking(move || {
        store.write(|db| {
            let full = done.mode == SyncMode::Full;
            if full && fetched.agents.is_some() {
                agents::delete_unseen(db, id, now)?;
            }
            if full && !fetched.teams.is_empty() {
                teams::delete_unseen(db, id, now)?;
            }
            if full && switchboard_vendors::capabilities(vendor).list_targets {
                targets::delete_unseen(db, id, now)?;
            }
            crate::agents::link_people(db)?;
            assignments::end_expired(db, Timestamp::now())?;
            let mut done = done.clone();
            done.state = SyncState::Done;
            done.finished_at = Some(Timestamp::now());
            sync_runs::finish(db, &done)?;
            Ok(done)
        })
    })
    .await;
    flatten(swept).map_err(|e| (run, e))
}

fn flatten<T>(
    joined: Result<switchboard_store::Result<T>, tokio::task::JoinError>,
) -> Result<T, EngineError> {
    Ok(joined??)
}

/// Agents (with the statuses their listing carries) and teams with their
/// members. Returns how assignments name agents (vendor id, or email for
/// vendors that address agents by email) mapped to our ids.
fn save_agents_and_teams(
    db: &rusqlite::Connection,
    id: ConnectionId,
    now: Timestamp,
    fetched: &Fetched,
) -> switchboard_store::Result<HashMap<String, AgentId>> {
    // Agents: the vendor's list, or the ones added by hand for vendors without one.
    let mut agent_ids: HashMap<String, AgentId> = HashMap::new();
    let mut agent_teams: Vec<(AgentId, Vec<String>)> = Vec::new();
    if let Some(list) = &fetched.agents {
        for a in list {
            let agent_id = agents::upsert(
                db,
                &Agent {
                    id: AgentId(0),
                    connection_id: id,
                    vendor_id: a.vendor_id.clone(),
                    name: a.name.clone(),
                    email: a
                        .email
                        .as_deref()
                        .and_then(switchboard_domain::agent::normalize_email),
                    role: a.role.clone(),
                    active: a.active,
                    person_id: None,
                    link: PersonLink::Auto,
                    source: AgentSource::Sync,
                    synced_at: Some(now),
                },
            )?;
            agent_ids.insert(a.vendor_id.clone(), agent_id);
            agent_teams.push((agent_id, a.team_ids.clone()));
        }
        // Where the listing carries statuses (CCAI Platform), they are looks too.
        let at = Timestamp::now();
        let seen: Vec<(String, switchboard_domain::status::Seen)> = list
            .iter()
            .filter_map(|a| {
                let s = a.status.as_ref()?;
                Some((
                    a.vendor_id.clone(),
                    switchboard_domain::status::Seen {
                        status_vendor_id: s.id.clone(),
                        status_name: s.name.clone(),
                        since: s.since,
                        at,
                        source: switchboard_domain::status::StatusSource::Sync,
                    },
                ))
            })
            .collect();
        crate::status_change::record(db, id, &seen)?;
    }
    for a in agents::list_by_connection(db, id)? {
        agent_ids.entry(a.vendor_id.clone()).or_insert(a.id);
        // Vendors that address agents by email name them by email in assignments.
        if let Some(email) = a.email {
            agent_ids.entry(email).or_insert(a.id);
        }
    }

    // Teams and who is in them (from the team's list or the agents' own).
    let mut team_ids: HashMap<String, TeamId> = HashMap::new();
    for t in &fetched.teams {
        let team = teams::upsert(
            db,
            &Team {
                id: TeamId(0),
                connection_id: id,
                vendor_id: t.vendor_id.clone(),
                name: t.name.clone(),
                parent_vendor_id: t.parent_vendor_id.clone(),
                synced_at: Some(now),
            },
        )?;
        team_ids.insert(t.vendor_id.clone(), team);
        if let Some(members) = &t.member_ids {
            let ids: Vec<AgentId> = members
                .iter()
                .filter_map(|m| agent_ids.get(m).copied())
                .collect();
            teams::set_members(db, team, &ids)?;
        }
    }
    if fetched.teams.iter().all(|t| t.member_ids.is_none()) && !agent_teams.is_empty() {
        let mut members: HashMap<TeamId, Vec<AgentId>> = HashMap::new();
        for (agent, team_list) in &agent_teams {
            for t in team_list {
                if let Some(team) = team_ids.get(t) {
                    members.entry(*team).or_default().push(*agent);
                }
            }
        }
        for (team, ids) in members {
            teams::set_members(db, team, &ids)?;
        }
    }
    Ok(agent_ids)
}

/// Targets and their assignees from the start of `rows`, until the end or
/// until the transaction has held the lock for [`SAVE_HOLD`]. Returns how many
/// were saved and the newest time they carry.
fn save_targets(
    db: &rusqlite::Connection,
    id: ConnectionId,
    now: Timestamp,
    rows: &[RemoteTarget],
    agent_ids: &HashMap<String, AgentId>,
) -> switchboard_store::Result<(usize, Option<Timestamp>)> {
    let started = Instant::now();
    let mut high_water: Option<Timestamp> = None;
    let mut count = 0;
    for t in rows {
        let target_id = targets::upsert(
            db,
            &Target {
                id: TargetId(0),
                connection_id: id,
                kind: t.kind,
                vendor_id: t.vendor_id.clone(),
                name: t.name.clone(),
                phone: t.phone.clone(),
                email: t.email.clone(),
                status: t.status.clone(),
                last_activity_at: t.last_activity_at,
                synced_at: Some(now),
            },
        )?;
        if let Some(list) = &t.assignees {
            let rows: Vec<Assignment> = list
                .iter()
                .map(|a| Assignment {
                    target_id,
                    agent_vendor_id: a.agent_vendor_id.clone(),
                    agent_id: agent_ids.get(&a.agent_vendor_id).copied(),
                    until: a.until,
                    notes: a.notes.clone(),
                    source: AssignmentSource::Vendor,
                    observed_at: now,
                })
                .collect();
            assignments::replace_for_target(db, target_id, &rows)?;
        }
        high_water = high_water.max(t.updated_at.max(t.last_activity_at));
        count += 1;
        if started.elapsed() >= SAVE_HOLD {
            break;
        }
    }
    Ok((count, high_water))
}
