//! Assigning and releasing targets, journaled. Every change is validated in full,
//! then written as queued operations of one job (in one transaction) before
//! anything is sent; `journal.rs` sends them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_domain::agent::Agent;
use switchboard_domain::change::Change;
use switchboard_domain::connection::Connection;
use switchboard_domain::job::{Job, JobKind, JobState, Operation, OperationState};
use switchboard_domain::target::Target;
use switchboard_domain::{
    AgentId, JobId, OperationId, PersonId, TargetId, TeamId, Timestamp, ValidationError,
};
use switchboard_store::{agents, assignments, connections, operations, targets, teams};
use ts_rs::TS;

pub use crate::journal::OperationResult;
use crate::journal::{Planned, journal};
use crate::{EngineError, Workspace};

/// The longest notes Switchboard sends with an assignment.
pub const NOTES_MAX: usize = 2_000;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct AssignRequest {
    pub target_id: TargetId,
    /// Agents of the target's connection.
    #[serde(default)]
    pub agents: Vec<AgentId>,
    /// People: each one's agent on the target's platform.
    #[serde(default)]
    pub people: Vec<PersonId>,
    /// Teams, from any connection: each member's agent on the target's platform.
    #[serde(default)]
    pub teams: Vec<TeamId>,
    /// Pingup: when the assignment expires; none means Pingup's default, 2143-06-23.
    #[serde(default)]
    pub until: Option<Timestamp>,
    /// Pingup: notes sent with the assignment.
    #[serde(default)]
    pub notes: Option<String>,
    /// Vambe: make these the contact's only agents instead of adding them.
    #[serde(default)]
    pub replace: bool,
    /// Editing a waiting change: this queued (or conflicting) operation is
    /// cancelled in the same transaction that journals the new one.
    #[serde(default)]
    pub replaces: Option<OperationId>,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReleaseRequest {
    pub target_id: TargetId,
    #[serde(default)]
    pub replaces: Option<OperationId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct JobOutcome {
    pub job_id: JobId,
    pub state: JobState,
    pub results: Vec<OperationResult>,
    /// Members of a chosen team (or people) with no agent on the target's
    /// platform, or inactive there: not sent, said so.
    pub skipped: Vec<String>,
}

/// The agents a request resolved to, and who was left out and why.
pub(crate) struct Chosen {
    pub agents: Vec<Agent>,
    pub skipped: Vec<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> EngineError {
    ValidationError::new(field, message).into()
}

/// Resolves agents, people and teams to the target connection's active agents.
pub(crate) fn choose(
    db: &rusqlite::Connection,
    req: &AssignRequest,
    connection: &Connection,
) -> Result<Chosen, EngineError> {
    let mut chosen: Vec<Agent> = Vec::new();
    let mut skipped = Vec::new();
    let push = |chosen: &mut Vec<Agent>, agent: Agent| {
        if !chosen.iter().any(|a| a.id == agent.id) {
            chosen.push(agent);
        }
    };
    for id in &req.agents {
        let agent = agents::get(db, *id)?;
        if agent.connection_id != connection.id {
            return Err(invalid(
                "agents",
                format!(
                    "{} is not an agent of {}",
                    agent.name, connection.display_name
                ),
            ));
        }
        if !agent.active {
            return Err(invalid(
                "agents",
                format!("{} is inactive on {}", agent.name, connection.vendor),
            ));
        }
        push(&mut chosen, agent);
    }
    // A person's agent on this platform: the one of this connection.
    let agent_of_person = |person: PersonId| -> Result<Option<Agent>, EngineError> {
        Ok(agents::list_by_person(db, person)?
            .into_iter()
            .find(|a| a.connection_id == connection.id))
    };
    for person in &req.people {
        let p = switchboard_store::people::get(db, *person)?;
        match agent_of_person(*person)? {
            Some(a) if a.active => push(&mut chosen, a),
            Some(_) => {
                return Err(invalid(
                    "people",
                    format!("{} is inactive on {}", p.display_name, connection.vendor),
                ));
            }
            None => {
                return Err(invalid(
                    "people",
                    format!(
                        "{} has no agent on {}; link their agent in People",
                        p.display_name, connection.display_name
                    ),
                ));
            }
        }
    }
    for team in &req.teams {
        let t = teams::get(db, *team)?;
        let members = teams::list_members(db, *team)?;
        if members.is_empty() {
            return Err(invalid("teams", format!("{} has no members", t.name)));
        }
        let mut any = false;
        for member in members {
            let agent = agents::get(db, member)?;
            let here = if agent.connection_id == connection.id {
                Some(agent.clone())
            } else {
                match agent.person_id {
                    Some(p) => agent_of_person(p)?,
                    None => None,
                }
            };
            match here {
                Some(a) if a.active => {
                    any = true;
                    push(&mut chosen, a);
                }
                Some(a) => skipped.push(format!("{} (inactive on {})", a.name, connection.vendor)),
                None => skipped.push(format!(
                    "{} (no agent on {})",
                    agent.name, connection.display_name
                )),
            }
        }
        if !any {
            return Err(invalid(
                "teams",
                format!(
                    "no member of {} has an active agent on {}",
                    t.name, connection.display_name
                ),
            ));
        }
    }
    if chosen.is_empty() {
        return Err(invalid(
            "agents",
            "choose at least one agent, person or team",
        ));
    }
    Ok(Chosen {
        agents: chosen,
        skipped,
    })
}

/// How a target is named in results: its name, its phone, or its id.
pub(crate) fn label(target: &Target) -> String {
    target
        .name
        .clone()
        .or(target.phone.clone())
        .unwrap_or_else(|| target.vendor_id.clone())
}

/// Checks an edit's operation may be replaced: it waits and is for this target.
fn check_replaceable(
    db: &rusqlite::Connection,
    id: OperationId,
    target: TargetId,
) -> Result<(), EngineError> {
    let op = operations::get(db, id)?;
    if !matches!(op.state, OperationState::Queued | OperationState::Conflict) {
        return Err(invalid(
            "replaces",
            format!("that change is {} and can no longer be edited", op.state),
        ));
    }
    if op.target_id != Some(target) {
        return Err(invalid("replaces", "an edit must be for the same target"));
    }
    Ok(())
}

impl AssignRequest {
    /// A request for these agents, with no options.
    pub fn agents(target_id: TargetId, agents: Vec<AgentId>) -> Self {
        Self {
            target_id,
            agents,
            people: Vec::new(),
            teams: Vec::new(),
            until: None,
            notes: None,
            replace: false,
            replaces: None,
        }
    }
}

impl Workspace {
    /// Validates the request, journals it, sends it, and reports each operation.
    pub async fn assign(&self, request: AssignRequest) -> Result<JobOutcome, EngineError> {
        let origin = self.origin;
        let owner = self.owner.clone();
        let (ops, job, skipped) = self
            .on_store(move |store| {
                let req = request;
                // Check everything before anything enters the journal.
                let (target, connection) = store.read(|db| {
                    let target = targets::get(db, req.target_id)?;
                    let connection = connections::get(db, target.connection_id)?;
                    Ok((target, connection))
                })?;
                let chosen = store.read(|db| Ok(choose(db, &req, &connection)))??;
                let caps = switchboard_vendors::capabilities(connection.vendor);
                if caps.target_kind.is_none() {
                    return Err(invalid(
                        "target",
                        format!("{} has nothing to assign agents to", connection.vendor),
                    ));
                }
                if let Some(until) = req.until {
                    if !caps.expiry {
                        return Err(invalid(
                            "until",
                            format!("{} assignments have no expiry", connection.vendor),
                        ));
                    }
                    if until <= Timestamp::now() {
                        return Err(invalid(
                            "until",
                            "the expiry is in the past; choose a later date or none",
                        ));
                    }
                }
                if let Some(notes) = &req.notes {
                    if !caps.notes {
                        return Err(invalid(
                            "notes",
                            format!("{} assignments have no notes", connection.vendor),
                        ));
                    }
                    if notes.chars().count() > NOTES_MAX {
                        return Err(invalid(
                            "notes",
                            format!("use at most {NOTES_MAX} characters"),
                        ));
                    }
                }
                if req.replace && !caps.replace {
                    return Err(invalid(
                        "replace",
                        format!("{} cannot replace agents", connection.vendor),
                    ));
                }
                let agents = chosen.agents;
                if !caps.several_assignees && agents.len() > 1 {
                    return Err(invalid(
                        "agents",
                        format!(
                            "a {} {} holds one agent; choose one (you chose {})",
                            connection.vendor,
                            target.kind,
                            agents.len()
                        ),
                    ));
                }
                if let Some(old) = req.replaces {
                    store.read(|db| Ok(check_replaceable(db, old, target.id)))??;
                }
                let before: BTreeSet<String> = store
                    .read(|db| assignments::list_by_target(db, target.id))?
                    .into_iter()
                    .map(|a| a.agent_vendor_id)
                    .collect();
                let now = Timestamp::now();
                let label = label(&target);
                let names: Vec<String> = agents.iter().map(|a| a.name.clone()).collect();
                let job = Job {
                    id: JobId::new(),
                    kind: JobKind::Assign,
                    title: format!("Assign {} to {label}", names.join(", ")),
                    state: JobState::Running,
                    origin,
                    created_at: now,
                    updated_at: now,
                    finished_at: None,
                    paused_at: None,
                };
                // Pingup takes everyone in one call; the others one call per agent.
                let groups: Vec<Vec<&Agent>> = if caps.assign_many_in_one_call {
                    vec![agents.iter().collect()]
                } else {
                    agents.iter().map(|a| vec![a]).collect()
                };
                // Each operation's "before" is what the previous ones leave, so a
                // re-read before a queued send compares like with like.
                let mut state = before;
                let mut planned = Vec::new();
                for (i, group) in groups.into_iter().enumerate() {
                    let vendor_agents: Vec<String> =
                        group.iter().map(|a| a.vendor_id.clone()).collect();
                    // Replacing: the first call replaces, the rest add.
                    let replace = req.replace && i == 0;
                    let request = Change::Assign {
                        agents: vendor_agents,
                        until: req.until,
                        notes: req.notes.clone(),
                        replace,
                    };
                    let after = request.expected_after(&state, caps.several_assignees);
                    planned.push(Planned {
                        operation: operation(
                            &job,
                            &connection,
                            &target,
                            group.iter().map(|a| a.name.clone()).collect(),
                            request,
                            json!(state),
                        ),
                        agent_ids: group.iter().map(|a| a.id).collect(),
                    });
                    state = after;
                }
                let ops = journal(store, &job, planned, req.replaces, &owner)?;
                Ok((ops, job, chosen.skipped))
            })
            .await?;
        self.send_job(ops, job.id, skipped).await
    }

    /// Unassigns a target where its vendor can (HelpCrunch, Splashify Pro).
    pub async fn release(&self, request: ReleaseRequest) -> Result<JobOutcome, EngineError> {
        let origin = self.origin;
        let owner = self.owner.clone();
        let (ops, job) = self
            .on_store(move |store| {
                let (target, connection, before, released) = store.read(|db| {
                    let target = targets::get(db, request.target_id)?;
                    let connection = connections::get(db, target.connection_id)?;
                    let held = assignments::list_by_target(db, target.id)?;
                    // Who is released, by name, for History and the result.
                    let mut released = Vec::new();
                    for a in &held {
                        let name = match a.agent_id {
                            Some(id) => agents::get(db, id).map(|agent| agent.name).ok(),
                            None => None,
                        };
                        released.push(name.unwrap_or_else(|| a.agent_vendor_id.clone()));
                    }
                    let before: Vec<String> = held.into_iter().map(|a| a.agent_vendor_id).collect();
                    Ok((target, connection, before, released))
                })?;
                if !switchboard_vendors::capabilities(connection.vendor).release {
                    return Err(invalid(
                        "target",
                        format!(
                            "{} has no way to unassign; assign someone else instead",
                            connection.vendor
                        ),
                    ));
                }
                if let Some(old) = request.replaces {
                    store.read(|db| Ok(check_replaceable(db, old, target.id)))??;
                }
                let now = Timestamp::now();
                let job = Job {
                    id: JobId::new(),
                    kind: JobKind::Release,
                    title: format!("Release {}", label(&target)),
                    state: JobState::Running,
                    origin,
                    created_at: now,
                    updated_at: now,
                    finished_at: None,
                    paused_at: None,
                };
                let planned = vec![Planned {
                    operation: operation(
                        &job,
                        &connection,
                        &target,
                        released,
                        Change::Release,
                        json!(before),
                    ),
                    agent_ids: Vec::new(),
                }];
                let ops = journal(store, &job, planned, request.replaces, &owner)?;
                Ok((ops, job))
            })
            .await?;
        self.send_job(ops, job.id, Vec::new()).await
    }

    /// Sends a job just journaled and reports it.
    async fn send_job(
        &self,
        ops: Vec<Operation>,
        job: JobId,
        skipped: Vec<String>,
    ) -> Result<JobOutcome, EngineError> {
        let results = self.send_fresh(ops, job).await?;
        let state = self.settle_job(job).await?;
        Ok(JobOutcome {
            job_id: job,
            state,
            results,
            skipped,
        })
    }
}

impl Workspace {
    /// Sends a job just journaled; what could not go out is left for whoever
    /// sends next (this app's sender, a command, cron).
    pub(crate) async fn send_fresh(
        &self,
        ops: Vec<Operation>,
        job: JobId,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let sent = self.send_ops(ops, false).await;
        let owner = self.owner.clone();
        let freed = self
            .on_store(move |store| {
                Ok(store.write(|db| operations::release_claims(db, owner.id(), job))?)
            })
            .await;
        let results = sent?;
        freed?;
        Ok(results)
    }
}

fn operation(
    job: &Job,
    connection: &Connection,
    target: &Target,
    agent_names: Vec<String>,
    request: Change,
    before: serde_json::Value,
) -> Operation {
    Operation {
        id: OperationId(0),
        job_id: job.id,
        connection_id: connection.id,
        kind: request.kind(),
        target_id: Some(target.id),
        target_vendor_id: Some(target.vendor_id.clone()),
        target_label: Some(label(target)),
        agent_names,
        request,
        before: Some(before),
        state: OperationState::Queued,
        attempts: 0,
        response: None,
        error_code: None,
        error_message: None,
        not_after: None,
        next_attempt_at: None,
        created_at: job.created_at,
        updated_at: job.created_at,
        finished_at: None,
    }
}
