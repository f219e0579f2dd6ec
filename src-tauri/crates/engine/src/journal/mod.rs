//! The journal: every change is written as operations of a job before anything
//! is sent, and owns their lifecycle. `assign` and `statuses` build typed
//! requests (`domain::change::Change`) and hand them here; they never import
//! each other, and nothing here imports them.
//!
//! - this module: the types (`Planned`, `OperationResult`), journaling a job,
//!   and a job's state from its operations';
//! - `send`: taking one operation, sending it, recording its answer;
//! - `queue`: what waits (send now, cancel, retry, the background sender);
//! - `cache`: the cache after a done change.
//!
//! Each operation is taken for sending by a compare-and-set
//! in SQLite (`sending`, with this process as its owner and a lease), committed
//! before its call, and finished with the vendor's answer by its owner only; so
//! the window, any number of commands and cron never send one operation twice,
//! and a job's operations go out in order. An operation whose owner ended (a
//! crash, a killed command) or whose lease lapsed is taken over and sent again:
//! every vendor's assign call is idempotent.
//!
//! A queued change is re-checked against the vendor first where the vendor can
//! say who holds the target now: if someone else changed it since the manager
//! asked, the operation stops in `conflict` for the manager to decide. What an
//! answer means (done, failed, waiting, unknown) is `outcome.rs`.

use std::collections::BTreeSet;

use switchboard_domain::code::ResultCode;
use switchboard_domain::job::{JobState, Operation, OperationState};
use switchboard_domain::{JobId, OperationId, Timestamp, ValidationError, Vendor};
use switchboard_store::{agents, jobs, operations};

use crate::outcome::{Sent, hint};
use crate::{EngineError, ErrorCode};

use serde::Serialize;
use switchboard_domain::AgentId;
use switchboard_domain::job::Job;
use switchboard_store::Store;
use ts_rs::TS;

use crate::claims::Owner;

mod cache;
pub mod moves;
mod queue;
mod send;

/// How one operation of a job ended (or why it waits).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct OperationResult {
    pub operation_id: OperationId,
    pub agent_names: Vec<String>,
    pub state: OperationState,
    #[ts(type = "string | null")]
    pub error_code: Option<ResultCode>,
    /// The vendor's own words on failure.
    pub message: Option<String>,
    /// What the manager can do about it, where we know.
    pub hint: Option<String>,
}

/// An operation ready to journal, with the cached agents it is for.
pub(crate) struct Planned {
    pub operation: Operation,
    pub agent_ids: Vec<AgentId>,
}

/// Writes the job and its operations as queued, reserved for this process's
/// sender, in one transaction (cancelling the edited operation in the same one).
pub(crate) fn journal(
    store: &Store,
    job: &Job,
    planned: Vec<Planned>,
    replaces: Option<OperationId>,
    owner: &Owner,
) -> Result<Vec<Operation>, EngineError> {
    store.write(|db| {
        jobs::insert(db, job)?;
        let reserve = owner.claim();
        let mut out = Vec::with_capacity(planned.len());
        for mut p in planned {
            p.operation.id = operations::insert(db, &p.operation, &p.agent_ids, Some(reserve))?;
            out.push(p.operation);
        }
        if let Some(old) = replaces {
            let op = operations::get(db, old)?;
            let why = format!("replaced by an edit (job {})", job.id);
            let outcome = operations::Outcome::new(OperationState::Cancelled, Timestamp::now())
                .error(ResultCode::Edited, &why);
            if !operations::settle_waiting(db, old, outcome)? {
                // Being sent meanwhile: nothing of the edit is written.
                return Ok(Err(ValidationError::new(
                    "replaces",
                    "that change is being sent right now and can no longer be edited",
                )
                .into()));
            }
            settle(db, op.job_id)?;
        }
        Ok(Ok(out))
    })?
}

/// The vendor agent ids in a JSON array (the assignees before a change).
pub(crate) fn id_set(value: &serde_json::Value) -> BTreeSet<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A job's state from how many of its operations are in each state.
fn job_state(counts: &[(OperationState, u32)]) -> JobState {
    let count = |s: OperationState| -> usize {
        counts
            .iter()
            .filter(|(x, _)| *x == s)
            .map(|(_, n)| *n as usize)
            .sum()
    };
    let total: usize = counts.iter().map(|(_, n)| *n as usize).sum();
    let waiting = count(OperationState::Queued)
        + count(OperationState::Sending)
        + count(OperationState::Conflict)
        + count(OperationState::Unknown);
    if waiting > 0 {
        JobState::Queued
    } else if count(OperationState::Cancelled) == total {
        JobState::Cancelled
    } else if count(OperationState::Failed) + count(OperationState::Cancelled) == total {
        JobState::Failed
    } else if count(OperationState::Failed) + count(OperationState::Cancelled) > 0 {
        JobState::Partial
    } else {
        JobState::Done
    }
}

/// Sets a job's state from its operations' and returns it.
pub(crate) fn settle(db: &rusqlite::Connection, job: JobId) -> switchboard_store::Result<JobState> {
    let state = job_state(&operations::state_counts(db, job)?);
    jobs::set_state(db, job, state, Timestamp::now())?;
    Ok(state)
}

pub(super) fn result_of(op: &Operation, sent: Sent, vendor: Vendor) -> OperationResult {
    OperationResult {
        operation_id: op.id,
        agent_names: op.agent_names.clone(),
        state: sent.state,
        hint: sent.message.as_deref().and_then(|m| hint(vendor, m)),
        error_code: sent.code,
        message: sent.message,
    }
}

/// A result for an operation left as it is, and why.
pub(super) fn left(
    op: &Operation,
    state: OperationState,
    code: impl Into<ResultCode>,
    message: &str,
) -> OperationResult {
    OperationResult {
        operation_id: op.id,
        agent_names: op.agent_names.clone(),
        state,
        error_code: Some(code.into()),
        message: Some(message.into()),
        hint: None,
    }
}

pub(super) fn names_of(
    db: &rusqlite::Connection,
    op: &Operation,
    ids: &BTreeSet<String>,
) -> String {
    if ids.is_empty() {
        return "nobody".into();
    }
    ids.iter()
        .map(|id| {
            agents::find_by_vendor_id(db, op.connection_id, id)
                .ok()
                .flatten()
                .map(|a| a.name)
                .unwrap_or_else(|| id.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The database refused to record what a vendor already did: say so, and that
/// nothing is lost.
pub(super) fn not_recorded(e: EngineError, vendor: switchboard_domain::Vendor) -> EngineError {
    // A full disk stays one: a bulk job waits for space, then sends it again.
    let code = match e.code() {
        ErrorCode::DiskFull => ErrorCode::DiskFull,
        _ => ErrorCode::Database,
    };
    EngineError::Unrecorded {
        message: format!(
            "{vendor} received the change, but Switchboard could not record its answer ({e}). \
             Nothing is lost: the change stays 'sending', and the next `switchboard queue send` \
             (or the app) sends it again, which the vendor takes once, and records it"
        ),
        code,
    }
}
