//! "Going home sick" as one action: a reassignment can also set the person's
//! status on CCAI Platform, in the same job. The status is found in the
//! cached tenant statuses (by id, or by name as `switchboard status set`
//! takes it) and must be one Switchboard offers; the change is journaled with
//! the job's moves and sent with them, dropped rather than sent late.

use serde::Serialize;
use serde_json::json;
use switchboard_domain::change::Change;
use switchboard_domain::job::{Job, Operation, OperationKind, OperationState};
use switchboard_domain::{AgentId, ConnectionId, OperationId, Timestamp, ValidationError, Vendor};
use switchboard_store::{agents, connections, status_samples, tenant_statuses};
use ts_rs::TS;

use super::ReassignRequest;
use crate::EngineError;

/// How long a status change may wait for its vendor before it is dropped
/// (statuses go stale), as a status change from the board.
const DROP_AFTER_MS: i64 = 15 * 60_000;

/// The person's status set on one CCAI Platform connection.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusStep {
    pub connection_id: ConnectionId,
    /// The connection's name.
    pub name: String,
    pub agent_id: AgentId,
    pub agent_name: String,
    pub status_id: String,
    pub status_name: String,
}

fn invalid(message: impl Into<String>) -> EngineError {
    ValidationError::new("status", message).into()
}

/// The status changes a request asks for: one per CCAI Platform connection
/// where the person has an active agent. None when it asks for none.
pub(super) fn steps(
    db: &rusqlite::Connection,
    request: &ReassignRequest,
    person_name: &str,
) -> Result<Vec<StatusStep>, EngineError> {
    let Some(wanted) = request
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Ok(Vec::new());
    };
    let Some(person) = request.from else {
        return Ok(Vec::new());
    };
    let mut steps = Vec::new();
    for agent in agents::list_by_person(db, person)? {
        let connection = connections::get(db, agent.connection_id)?;
        if connection.vendor != Vendor::CcaiPlatform || !agent.active {
            continue;
        }
        let list = tenant_statuses::list(db, connection.id)?;
        if list.is_empty() {
            return Err(invalid(format!(
                "{}'s statuses are not known yet and it cannot be reached to read them; try again when it answers",
                connection.display_name
            )));
        }
        let status = switchboard_domain::status::find_status(&list, wanted)?;
        if !status.offered {
            return Err(invalid(format!(
                "{}; choose Available or a custom status",
                status.why_not_offered()
            )));
        }
        steps.push(StatusStep {
            connection_id: connection.id,
            name: connection.display_name,
            agent_id: agent.id,
            agent_name: agent.name,
            status_id: status.vendor_id.clone(),
            status_name: status.name.clone(),
        });
    }
    if steps.is_empty() {
        return Err(invalid(format!(
            "{person_name} has no active agent on CCAI Platform, the only platform with statuses; leave the status out"
        )));
    }
    Ok(steps)
}

/// The CCAI Platform connections where the person has an agent and whose
/// statuses were never read.
pub(super) fn uncached(
    db: &rusqlite::Connection,
    person: switchboard_domain::PersonId,
) -> switchboard_store::Result<Vec<ConnectionId>> {
    let mut out = Vec::new();
    for agent in agents::list_by_person(db, person)? {
        let connection = connections::get(db, agent.connection_id)?;
        if connection.vendor == Vendor::CcaiPlatform
            && !out.contains(&connection.id)
            && tenant_statuses::list(db, connection.id)?.is_empty()
        {
            out.push(connection.id);
        }
    }
    Ok(out)
}

/// The operation that sets the step's status, with the agent it is for.
pub(super) fn operation(
    db: &rusqlite::Connection,
    job: &Job,
    step: &StatusStep,
) -> switchboard_store::Result<(Operation, AgentId)> {
    let agent = agents::get(db, step.agent_id)?;
    let before = status_samples::latest(db, agent.id)?
        .filter(|s| s.ended_at.is_none())
        .map(|s| json!({ agent.id.0.to_string(): s.status_name }))
        .unwrap_or_else(|| json!({}));
    let now = job.created_at;
    let op = Operation {
        id: OperationId(0),
        job_id: job.id,
        connection_id: step.connection_id,
        kind: OperationKind::SetStatus,
        target_id: None,
        target_vendor_id: None,
        target_label: Some(step.status_name.clone()),
        agent_names: vec![agent.name.clone()],
        request: Change::SetStatus {
            status_id: step.status_id.clone(),
            status_name: step.status_name.clone(),
            agents: vec![agent.vendor_id.clone()],
            teams: Vec::new(),
        },
        before: Some(before),
        state: OperationState::Queued,
        attempts: 0,
        response: None,
        error_code: None,
        error_message: None,
        not_after: Some(Timestamp(now.0 + DROP_AFTER_MS)),
        next_attempt_at: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    Ok((op, agent.id))
}
