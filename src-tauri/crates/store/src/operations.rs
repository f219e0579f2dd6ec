//! `operations`: every change sent (or to be sent) to a vendor, with its outcome.
//! Written before the call and updated after it, so a crash in between is found
//! in `sending` on the next start and re-sent.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::job::{Operation, OperationState, QueueCounts};
use switchboard_domain::{AgentId, JobId, OperationId, TargetId, Timestamp};

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
        request: json(row, "request")?,
        before: opt_json(row, "before")?,
        state: parsed(row, "state")?,
        attempts: row.get("attempts")?,
        response: opt_json(row, "response")?,
        error_code: row.get("error_code")?,
        error_message: row.get("error_message")?,
        not_after: opt_timestamp(row, "not_after")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
        finished_at: opt_timestamp(row, "finished_at")?,
    })
}

pub fn get(db: &Db, id: OperationId) -> Result<Operation> {
    db.query_row("SELECT * FROM operations WHERE id = ?1", [id.0], from_row)
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
pub fn list_in_state(db: &Db, state: OperationState) -> Result<Vec<Operation>> {
    let mut stmt = db.prepare("SELECT * FROM operations WHERE state = ?1 ORDER BY id")?;
    let rows = stmt
        .query_map([state.as_str()], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Journals a new operation (its `id` is ignored) for the cached `agents`, and
/// returns its id.
pub fn insert(db: &Db, op: &Operation, agents: &[AgentId]) -> Result<OperationId> {
    db.prepare_cached(
        "INSERT INTO operations (job_id, connection_id, kind, target_id, target_vendor_id, target_label, request, before,
                                 state, attempts, response, error_code, error_message, not_after, created_at, updated_at, finished_at,
                                 agent_names)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        op.job_id.to_string(),
        op.connection_id.to_string(),
        op.kind.as_str(),
        op.target_id.map(|t| t.0),
        op.target_vendor_id,
        op.target_label,
        op.request.to_string(),
        op.before.as_ref().map(ToString::to_string),
        op.state.as_str(),
        op.attempts,
        op.response.as_ref().map(ToString::to_string),
        op.error_code,
        op.error_message,
        op.not_after.map(|t| t.0),
        op.created_at.0,
        op.updated_at.0,
        op.finished_at.map(|t| t.0),
        serde_json::Value::from(op.agent_names.clone()).to_string(),
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

/// Puts a waiting or failed operation back in the queue, with what the manager
/// now accepts as the assignees before it (`before`), clearing the last error.
pub fn requeue(
    db: &Db,
    id: OperationId,
    before: Option<&serde_json::Value>,
    at: Timestamp,
) -> Result<()> {
    let n = db.execute(
        "UPDATE operations SET state = 'queued', before = coalesce(?2, before), response = NULL,
                error_code = NULL, error_message = NULL, updated_at = ?3, finished_at = NULL
         WHERE id = ?1",
        params![id.0, before.map(ToString::to_string), at.0],
    )?;
    found(n, id)
}

/// How many operations wait, by state.
pub fn queue_counts(db: &Db) -> Result<QueueCounts> {
    let mut counts = QueueCounts::default();
    let mut stmt = db.prepare_cached(
        "SELECT state, count(*) FROM operations WHERE state IN ('queued', 'sending', 'conflict') GROUP BY state",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let n: u32 = row.get(1)?;
        let state: String = row.get(0)?;
        match state.as_str() {
            "queued" => counts.queued = n,
            "sending" => counts.sending = n,
            _ => counts.conflict = n,
        }
    }
    Ok(counts)
}

/// Marks the operation as being sent now, counting the attempt. Call and commit this
/// before the request leaves the machine.
pub fn mark_sending(db: &Db, id: OperationId, at: Timestamp) -> Result<()> {
    let n = db.execute(
        "UPDATE operations SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
        params![id.0, at.0],
    )?;
    found(n, id)
}

/// Records how the vendor answered.
pub fn finish(
    db: &Db,
    id: OperationId,
    state: OperationState,
    response: Option<&serde_json::Value>,
    error: Option<(&str, &str)>,
    at: Timestamp,
) -> Result<()> {
    let n = db.execute(
        "UPDATE operations SET state = ?2, response = ?3, error_code = ?4, error_message = ?5, updated_at = ?6,
                finished_at = CASE WHEN ?7 THEN ?6 ELSE NULL END
         WHERE id = ?1",
        params![
            id.0,
            state.as_str(),
            response.map(ToString::to_string),
            error.map(|e| e.0),
            error.map(|e| e.1),
            at.0,
            state.is_final()
        ],
    )?;
    found(n, id)
}

pub fn delete(db: &Db, id: OperationId) -> Result<bool> {
    Ok(db.execute("DELETE FROM operations WHERE id = ?1", [id.0])? > 0)
}

fn found(n: usize, id: OperationId) -> Result<()> {
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "operation",
            id: id.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::jobs;
    use serde_json::json;
    use switchboard_domain::ConnectionId;
    use switchboard_domain::job::OperationKind;

    pub fn sample(job: JobId) -> Operation {
        Operation {
            id: OperationId(0),
            job_id: job,
            connection_id: ConnectionId::new(),
            kind: OperationKind::Assign,
            target_id: None,
            target_vendor_id: Some("5214000".into()),
            target_label: Some("Noah".into()),
            agent_names: vec!["Ana Diaz".into()],
            request: json!({"agents": ["4188"]}),
            before: Some(json!([])),
            state: OperationState::Queued,
            attempts: 0,
            response: None,
            error_code: None,
            error_message: None,
            not_after: None,
            created_at: Timestamp(1),
            updated_at: Timestamp(1),
            finished_at: None,
        }
    }

    #[test]
    fn an_operation_is_journaled_sent_and_finished() {
        let (_dir, store) = crate::test_support::store();
        let job = jobs::tests::sample(1);
        let id = store
            .write(|db| {
                jobs::insert(db, &job)?;
                insert(db, &sample(job.id), &[])
            })
            .expect("journal");
        store
            .write(|db| mark_sending(db, id, Timestamp(2)))
            .expect("sending");
        let pending = store
            .read(|db| list_in_state(db, OperationState::Sending))
            .expect("pending");
        assert_eq!(
            pending
                .iter()
                .map(|o| (o.id, o.attempts))
                .collect::<Vec<_>>(),
            [(id, 1)]
        );

        let answer = json!({"id": 5214000, "assignee": {"id": 4188}});
        store
            .write(|db| {
                finish(
                    db,
                    id,
                    OperationState::Done,
                    Some(&answer),
                    None,
                    Timestamp(3),
                )
            })
            .expect("finish");
        let op = store.read(|db| get(db, id)).expect("get");
        assert_eq!(op.state, OperationState::Done);
        assert_eq!(op.response, Some(answer));
        assert_eq!(op.finished_at, Some(Timestamp(3)));
        assert_eq!(op.request, json!({"agents": ["4188"]}));
        assert!(
            store
                .read(|db| list_in_state(db, OperationState::Sending))
                .expect("none")
                .is_empty()
        );

        store
            .write(|db| {
                finish(
                    db,
                    id,
                    OperationState::Conflict,
                    None,
                    Some(("conflict", "changed")),
                    Timestamp(4),
                )
            })
            .expect("conflict");
        let op = store.read(|db| get(db, id)).expect("get");
        assert_eq!(op.finished_at, None, "a conflict is not final");
        assert_eq!(op.error_message.as_deref(), Some("changed"));
        assert_eq!(
            store
                .read(|db| list_by_job(db, job.id))
                .expect("by job")
                .len(),
            1
        );
    }

    #[test]
    fn operations_need_their_job() {
        let (_dir, store) = crate::test_support::store();
        assert!(
            store
                .write(|db| insert(db, &sample(JobId::new()), &[]))
                .is_err()
        );
    }
}
