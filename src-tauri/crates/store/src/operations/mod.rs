//! `operations`: every change sent (or to be sent) to a vendor, with its outcome.
//! Written before the call and updated after it, so a crash in between is found
//! in `sending` on the next start and re-sent.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::change::Change;
use switchboard_domain::code::ResultCode;
use switchboard_domain::job::{Operation, OperationState, QueueCounts};
use switchboard_domain::{AgentId, ConnectionId, JobId, OperationId, TargetId, Timestamp};

use crate::columns::{json, opt_json, opt_timestamp, parsed, string_list, timestamp};
use crate::{Result, StoreError};

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Operation> {
    Ok(Operation {
        id: OperationId(row.get("id")?),
        job_id: parsed(row, "job_id")?,
        connection_id: parsed(row, "connection_id")?,
        kind: parsed(row, "kind")?,
        target_id: row.get::<_, Option<i64>>("target_id")?.map(TargetId),
        target_vendor_id: row.get("target_vendor_id")?,
        target_label: row.get("target_label")?,
        agent_names: string_list(row, "agent_names")?,
        request: change(row)?,
        before: opt_json(row, "before")?,
        state: parsed(row, "state")?,
        attempts: row.get("attempts")?,
        response: opt_json(row, "response")?,
        error_code: row
            .get::<_, Option<String>>("error_code")?
            .map(|code| ResultCode::from_text(&code)),
        error_message: row.get("error_message")?,
        not_after: opt_timestamp(row, "not_after")?,
        next_attempt_at: opt_timestamp(row, "next_attempt_at")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
        finished_at: opt_timestamp(row, "finished_at")?,
    })
}

/// The request, as this version writes it or as an earlier one did.
pub(crate) fn change(row: &Row<'_>) -> rusqlite::Result<Change> {
    let kind = parsed(row, "kind")?;
    Change::from_stored(kind, json(row, "request")?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("request: {e}").into(),
        )
    })
}

pub fn get(db: &Db, id: OperationId) -> Result<Operation> {
    db.prepare_cached("SELECT * FROM operations WHERE id = ?1")?
        .query_row([id.0], from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "operation",
            id: id.to_string(),
        })
}

pub fn list_by_job(db: &Db, job: JobId) -> Result<Vec<Operation>> {
    let mut stmt = db.prepare("SELECT * FROM operations WHERE job_id = ?1 ORDER BY id")?;
    let rows = stmt
        .query_map([job.to_string()], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Unfinished operations in `state`, oldest first (served by a partial index).
/// The job's operations in one of `states`, in order, at most `limit`.
pub fn list_by_job_in(
    db: &Db,
    job: JobId,
    states: &[OperationState],
    limit: u32,
) -> Result<Vec<Operation>> {
    let wanted: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let mut stmt = db.prepare_cached(
        "SELECT * FROM operations WHERE job_id = ?1 AND state IN (SELECT value FROM json_each(?2))
         ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(
            params![
                job.to_string(),
                serde_json::Value::from(wanted).to_string(),
                limit
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// How many of the job's operations are in each state (counted off an index).
pub fn state_counts(db: &Db, job: JobId) -> Result<Vec<(OperationState, u32)>> {
    let mut stmt = db.prepare_cached(
        "SELECT state, count(*) FROM operations WHERE job_id = ?1 GROUP BY state",
    )?;
    let rows = stmt
        .query_map([job.to_string()], |r| Ok((parsed(r, "state")?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// How many of the job's operations are in each state on each connection, and
/// how many of those ended at or after `since` (the job's pace). One pass over
/// the job's rows.
pub fn tally_by_connection(
    db: &Db,
    job: JobId,
    since: Timestamp,
) -> Result<Vec<(ConnectionId, OperationState, u32, u32)>> {
    let mut stmt = db.prepare_cached(
        "SELECT connection_id, state, count(*), coalesce(sum(finished_at >= ?2), 0)
         FROM operations WHERE job_id = ?1 GROUP BY connection_id, state",
    )?;
    let rows = stmt
        .query_map(params![job.to_string(), since.0], |r| {
            Ok((
                parsed(r, "connection_id")?,
                parsed(r, "state")?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Why the job's items on a connection wait: the words on the most recently
/// updated queued one that has any (the vendor unreachable, a limit…).
pub fn waiting_reason(db: &Db, job: JobId, connection: ConnectionId) -> Result<Option<String>> {
    Ok(db
        .prepare_cached(
            "SELECT error_message FROM operations
             WHERE job_id = ?1 AND connection_id = ?2 AND state = 'queued' AND error_message IS NOT NULL
             ORDER BY updated_at DESC LIMIT 1",
        )?
        .query_row(params![job.to_string(), connection.to_string()], |r| r.get(0))
        .optional()?)
}

/// Whether any of the job's operations still waits (queued, being sent, in
/// conflict or unconfirmed), off the (job, state) index.
pub fn any_waiting(db: &Db, job: JobId) -> Result<bool> {
    Ok(db
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM operations WHERE job_id = ?1
                            AND state IN ('queued', 'sending', 'conflict', 'unknown'))",
        )?
        .query_row([job.to_string()], |r| r.get(0))?)
}

pub fn list_in_state(db: &Db, state: OperationState) -> Result<Vec<Operation>> {
    let mut stmt = db.prepare("SELECT * FROM operations WHERE state = ?1 ORDER BY id")?;
    let rows = stmt
        .query_map([state.as_str()], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A running Switchboard (the window, or one command) taking operations for a while.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// Unique to one run of one process.
    pub owner: &'a str,
    pub now: Timestamp,
    /// When the claim lapses if its owner has not finished by then.
    pub until: Timestamp,
}

/// How an operation ended (or why it waits), as written by `finish`.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    pub state: OperationState,
    pub response: Option<&'a serde_json::Value>,
    /// A code and the words for the manager.
    pub error: Option<(ResultCode, &'a str)>,
    /// A change left waiting is not tried again before this.
    pub next_attempt_at: Option<Timestamp>,
    pub at: Timestamp,
}

impl<'a> Outcome<'a> {
    pub fn new(state: OperationState, at: Timestamp) -> Self {
        Self {
            state,
            response: None,
            error: None,
            next_attempt_at: None,
            at,
        }
    }

    pub fn error(self, code: impl Into<ResultCode>, message: &'a str) -> Self {
        Self {
            error: Some((code.into(), message)),
            ..self
        }
    }

    pub fn response(self, response: Option<&'a serde_json::Value>) -> Self {
        Self { response, ..self }
    }
}

/// Journals a new operation (its `id` is ignored) for the cached `agents`, and
/// returns its id. With `reserve`, it waits for that owner: nobody else takes it
/// before the claim lapses or the owner ends.
pub fn insert(
    db: &Db,
    op: &Operation,
    agents: &[AgentId],
    reserve: Option<Claim<'_>>,
) -> Result<OperationId> {
    db.prepare_cached(
        "INSERT INTO operations (job_id, connection_id, kind, target_id, target_vendor_id, target_label, request, before,
                                 state, attempts, response, error_code, error_message, not_after, created_at, updated_at, finished_at,
                                 agent_names, claimed_by, claim_until, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        op.job_id.to_string(),
        op.connection_id.to_string(),
        op.kind.as_str(),
        op.target_id.map(|t| t.0),
        op.target_vendor_id,
        op.target_label,
        serde_json::to_string(&op.request).map_err(|e| StoreError::Corrupt {
            column: "request",
            detail: e.to_string(),
        })?,
        op.before.as_ref().map(ToString::to_string),
        op.state.as_str(),
        op.attempts,
        op.response.as_ref().map(ToString::to_string),
        op.error_code.as_ref().map(ResultCode::as_str),
        op.error_message,
        op.not_after.map(|t| t.0),
        op.created_at.0,
        op.updated_at.0,
        op.finished_at.map(|t| t.0),
        serde_json::Value::from(op.agent_names.clone()).to_string(),
        reserve.map(|c| c.owner),
        reserve.map(|c| c.until.0),
        op.next_attempt_at.map(|t| t.0),
    ])?;
    let id = OperationId(db.last_insert_rowid());
    let mut link = db.prepare_cached(
        "INSERT OR IGNORE INTO operation_agents (agent_id, operation_id) VALUES (?1, ?2)",
    )?;
    for agent in agents {
        link.execute(params![agent.0, id.0])?;
    }
    Ok(id)
}

/// The agents an operation was journaled for.
pub fn agents_of(db: &Db, id: OperationId) -> Result<Vec<AgentId>> {
    let mut stmt = db.prepare_cached(
        "SELECT agent_id FROM operation_agents WHERE operation_id = ?1 ORDER BY agent_id",
    )?;
    let rows = stmt
        .query_map([id.0], |r| r.get(0).map(AgentId))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Puts a waiting, failed or unconfirmed operation back in the queue, with what
/// the manager now accepts as the assignees before it (`before`), clearing the
/// last error. `false` when it is in none of those states (being sent, done).
pub fn requeue(
    db: &Db,
    id: OperationId,
    before: Option<&serde_json::Value>,
    at: Timestamp,
) -> Result<bool> {
    let n = db.execute(
        "UPDATE operations SET state = 'queued', before = coalesce(?2, before), response = NULL,
                error_code = NULL, error_message = NULL, updated_at = ?3, finished_at = NULL,
                next_attempt_at = NULL
         WHERE id = ?1 AND state IN ('queued', 'failed', 'conflict', 'unknown')",
        params![id.0, before.map(ToString::to_string), at.0],
    )?;
    Ok(n == 1)
}

/// How many operations wait, by state.
pub fn queue_counts(db: &Db) -> Result<QueueCounts> {
    let mut counts = QueueCounts::default();
    let mut stmt = db.prepare_cached(
        "SELECT state, count(*) FROM operations WHERE state IN ('queued', 'sending', 'conflict', 'unknown') GROUP BY state",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let n: u32 = row.get(1)?;
        let state: String = row.get(0)?;
        match state.as_str() {
            "queued" => counts.queued = n,
            "sending" => counts.sending = n,
            "conflict" => counts.conflict = n,
            _ => counts.unknown = n,
        }
    }
    Ok(counts)
}

/// Takes the operation for sending: one compare-and-set that moves it to
/// `sending` under `claim` and counts the attempt. It succeeds only when
/// - it is queued and free, reserved for this owner, or its reservation lapsed;
///   or it is `sending` under a claim that lapsed (its sender stopped);
///   or either under `dead_owner`, a claim whose owner has ended;
/// - a queued one only while its job is not paused (one already `sending`
///   is finished: it may be half-way at the vendor);
/// - and no earlier operation of its job on the same target still waits
///   (queued, sending, conflict or unknown), so a job's changes to one target
///   reach the vendor in order, while a bulk job's items (each its own
///   target) do not wait for each other;
/// - and no earlier change to the same target, of any job, is still queued or
///   being sent: a change asked later never reaches the vendor before one
///   asked earlier (which would then undo it when it went out).
///
/// `false` when someone else has it, it is no longer waiting, or it must wait.
/// Commit this before the request leaves the machine.
pub fn claim(db: &Db, id: OperationId, claim: Claim<'_>, dead_owner: Option<&str>) -> Result<bool> {
    let n = db
        .prepare_cached(
            "UPDATE operations SET state = 'sending', claimed_by = ?2, claim_until = ?4,
                    attempts = attempts + 1, updated_at = ?3, next_attempt_at = NULL
             WHERE id = ?1
               AND ((state = 'queued' AND (claimed_by IS NULL OR claimed_by = ?2 OR claim_until <= ?3 OR claimed_by = ?5)
                     AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.id = operations.job_id AND jobs.paused_at IS NOT NULL))
                 OR (state = 'sending' AND claimed_by IS NOT ?2
                     AND (claimed_by IS NULL OR claim_until IS NULL OR claim_until <= ?3 OR claimed_by = ?5)))
               AND NOT EXISTS (SELECT 1 FROM operations AS earlier
                               WHERE earlier.job_id = operations.job_id AND earlier.id < operations.id
                                 AND earlier.target_id IS operations.target_id
                                 AND earlier.state IN ('queued', 'sending', 'conflict', 'unknown'))
               AND NOT EXISTS (SELECT 1 FROM operations AS earlier
                               WHERE earlier.target_id = operations.target_id AND earlier.id < operations.id
                                 AND earlier.state IN ('queued', 'sending'))",
        )?
        .execute(params![id.0, claim.owner, claim.now.0, claim.until.0, dead_owner])?;
    Ok(n == 1)
}

/// Who holds the operation now (sending it, or reserved for), if anyone.
pub fn claimed_by(db: &Db, id: OperationId) -> Result<Option<String>> {
    Ok(db
        .prepare_cached("SELECT claimed_by FROM operations WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Gives up what `owner` reserved of a job and did not send (its queued
/// operations go to whoever sends next).
pub fn release_claims(db: &Db, owner: &str, job: JobId) -> Result<usize> {
    Ok(db.execute(
        "UPDATE operations SET claimed_by = NULL, claim_until = NULL
         WHERE job_id = ?2 AND claimed_by = ?1 AND state = 'queued'",
        params![owner, job.to_string()],
    )?)
}

/// Lets go of what `owner` was sending of a job and could not record (the
/// disk was full), once none of its calls is in flight: those go out again,
/// and the vendor takes each once. Returns how many.
pub fn release_unrecorded(db: &Db, owner: &str, job: JobId) -> Result<usize> {
    Ok(db.execute(
        "UPDATE operations SET claimed_by = NULL, claim_until = NULL
         WHERE job_id = ?2 AND claimed_by = ?1 AND state IN ('queued', 'sending')",
        params![owner, job.to_string()],
    )?)
}

/// Records how the vendor answered an operation `owner` is sending, and lets
/// go of it. `false` when `owner` no longer holds it (its claim lapsed and
/// another Switchboard took it over): nothing is written.
pub fn finish(db: &Db, id: OperationId, owner: &str, outcome: Outcome<'_>) -> Result<bool> {
    let n = db.prepare_cached(
        "UPDATE operations SET state = ?2, response = ?3, error_code = ?4, error_message = ?5, updated_at = ?6,
                finished_at = CASE WHEN ?7 THEN ?6 ELSE NULL END, claimed_by = NULL, claim_until = NULL,
                next_attempt_at = ?9
         WHERE id = ?1 AND state = 'sending' AND claimed_by = ?8",
    )?
    .execute(params![
            id.0,
            outcome.state.as_str(),
            outcome.response.map(ToString::to_string),
            outcome.error.as_ref().map(|e| e.0.as_str()),
            outcome.error.as_ref().map(|e| e.1),
            outcome.at.0,
            outcome.state.is_final(),
            owner,
            outcome.next_attempt_at.map(|t| t.0),
        ])?;
    Ok(n == 1)
}

/// Ends an operation that waits and is not being sent (queued, in conflict or
/// unconfirmed): cancelled by the manager, dropped as stale, replaced by an
/// edit. The previous response is kept unless `outcome` gives one. `false` when
/// it no longer waits (being sent, or finished).
pub fn settle_waiting(db: &Db, id: OperationId, outcome: Outcome<'_>) -> Result<bool> {
    let n = db.execute(
        "UPDATE operations SET state = ?2, response = coalesce(?3, response), error_code = ?4, error_message = ?5,
                updated_at = ?6, finished_at = CASE WHEN ?7 THEN ?6 ELSE NULL END, claimed_by = NULL, claim_until = NULL
         WHERE id = ?1 AND state IN ('queued', 'conflict', 'unknown')",
        params![
            id.0,
            outcome.state.as_str(),
            outcome.response.map(ToString::to_string),
            outcome.error.as_ref().map(|e| e.0.as_str()),
            outcome.error.as_ref().map(|e| e.1),
            outcome.at.0,
            outcome.state.is_final(),
        ],
    )?;
    Ok(n == 1)
}

/// Cancels every item of a job that was not sent (queued, or stopped in
/// conflict), with the manager's words; items being sent are left to finish.
/// How many were cancelled.
pub fn cancel_unsent(db: &Db, job: JobId, outcome: Outcome<'_>) -> Result<usize> {
    Ok(db.execute(
        "UPDATE operations SET state = 'cancelled', error_code = ?3, error_message = ?4,
                updated_at = ?2, finished_at = ?2, claimed_by = NULL, claim_until = NULL
         WHERE job_id = ?1 AND state IN ('queued', 'conflict')",
        params![
            job.to_string(),
            outcome.at.0,
            outcome.error.as_ref().map(|e| e.0.as_str()),
            outcome.error.as_ref().map(|e| e.1),
        ],
    )?)
}

pub fn delete(db: &Db, id: OperationId) -> Result<bool> {
    Ok(db.execute("DELETE FROM operations WHERE id = ?1", [id.0])? > 0)
}

#[cfg(test)]
pub(crate) mod tests;
