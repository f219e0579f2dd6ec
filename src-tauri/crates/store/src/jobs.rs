//! `jobs`: one row per action of the manager (or a command) that changes vendor data.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::job::{Job, JobState};
use switchboard_domain::{JobId, Timestamp};

use crate::columns::{opt_timestamp, parsed, timestamp};
use crate::{Result, StoreError};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: parsed(row, "id")?,
        kind: parsed(row, "kind")?,
        title: row.get("title")?,
        state: parsed(row, "state")?,
        origin: parsed(row, "origin")?,
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
        finished_at: opt_timestamp(row, "finished_at")?,
        paused_at: opt_timestamp(row, "paused_at")?,
    })
}

pub fn get(db: &Db, id: JobId) -> Result<Job> {
    db.query_row(
        "SELECT * FROM jobs WHERE id = ?1",
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        what: "job",
        id: id.to_string(),
    })
}

/// The newest jobs first.
pub fn list_recent(db: &Db, limit: u32) -> Result<Vec<Job>> {
    let mut stmt = db.prepare("SELECT * FROM jobs ORDER BY created_at DESC, id DESC LIMIT ?1")?;
    let rows = stmt
        .query_map([limit], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn insert(db: &Db, job: &Job) -> Result<()> {
    db.execute(
        "INSERT INTO jobs (id, kind, title, state, origin, created_at, updated_at, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            job.id.to_string(),
            job.kind.as_str(),
            job.title,
            job.state.as_str(),
            job.origin.as_str(),
            job.created_at.0,
            job.updated_at.0,
            job.finished_at.map(|t| t.0)
        ],
    )?;
    Ok(())
}

pub fn set_state(db: &Db, id: JobId, state: JobState, at: Timestamp) -> Result<()> {
    let finished = matches!(
        state,
        JobState::Done | JobState::Partial | JobState::Failed | JobState::Cancelled
    );
    let n = db.execute(
        "UPDATE jobs SET state = ?2, updated_at = ?3, finished_at = CASE WHEN ?4 THEN ?3 ELSE NULL END WHERE id = ?1",
        params![id.to_string(), state.as_str(), at.0, finished],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "job",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Pauses the job (`Some`: since when) or resumes it (`None`). `false` when
/// there is no such job.
pub fn set_paused(db: &Db, id: JobId, paused_at: Option<Timestamp>) -> Result<bool> {
    Ok(db.execute(
        "UPDATE jobs SET paused_at = ?2 WHERE id = ?1",
        params![id.to_string(), paused_at.map(|t| t.0)],
    )? == 1)
}

/// Marks the job as worked on at `at` (a write that needs room on the disk:
/// a job that waits for space tries it to know when there is some again).
pub fn touch(db: &Db, id: JobId, at: Timestamp) -> Result<bool> {
    Ok(db.execute(
        "UPDATE jobs SET updated_at = ?2 WHERE id = ?1",
        params![id.to_string(), at.0],
    )? == 1)
}

/// Who holds the job's lease, and until when (none: nobody works it).
pub fn lease(db: &Db, id: JobId) -> Result<Option<(String, Timestamp)>> {
    Ok(db
        .query_row(
            "SELECT leased_by, lease_until FROM jobs WHERE id = ?1 AND leased_by IS NOT NULL",
            [id.to_string()],
            |r| Ok((r.get::<_, String>(0)?, Timestamp(r.get(1)?))),
        )
        .optional()?)
}

/// Takes (or renews) the job's lease for `owner` until `until`: when nobody
/// holds it, `owner` does, it lapsed by `now`, or its holder is `ended`.
/// `false` when someone else holds it.
pub fn take_lease(
    db: &Db,
    id: JobId,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
    ended: Option<&str>,
) -> Result<bool> {
    let n = db.execute(
        "UPDATE jobs SET leased_by = ?2, lease_until = ?4
         WHERE id = ?1 AND (leased_by IS NULL OR leased_by = ?2 OR lease_until <= ?3 OR leased_by = ?5)",
        params![id.to_string(), owner, now.0, until.0, ended],
    )?;
    Ok(n == 1)
}

/// Lets go of the job's lease, if `owner` holds it.
pub fn release_lease(db: &Db, id: JobId, owner: &str) -> Result<()> {
    db.execute(
        "UPDATE jobs SET leased_by = NULL, lease_until = NULL WHERE id = ?1 AND leased_by = ?2",
        params![id.to_string(), owner],
    )?;
    Ok(())
}

/// Deletes the job and its operations.
pub fn delete(db: &Db, id: JobId) -> Result<bool> {
    Ok(db.execute("DELETE FROM jobs WHERE id = ?1", [id.to_string()])? > 0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use switchboard_domain::job::{JobKind, Origin};

    pub fn sample(at: i64) -> Job {
        Job {
            id: JobId::new(),
            kind: JobKind::Assign,
            title: "Assign Ana to Acme".into(),
            state: JobState::Running,
            origin: Origin::App,
            created_at: Timestamp(at),
            updated_at: Timestamp(at),
            finished_at: None,
            paused_at: None,
        }
    }

    #[test]
    fn a_job_pauses_and_resumes() {
        let (_dir, store) = crate::test_support::store();
        let job = sample(1);
        store.write(|db| insert(db, &job)).expect("insert");
        assert!(
            store
                .write(|db| set_paused(db, job.id, Some(Timestamp(5))))
                .expect("pause")
        );
        assert_eq!(
            store.read(|db| get(db, job.id)).expect("get").paused_at,
            Some(Timestamp(5))
        );
        assert!(
            store
                .write(|db| set_paused(db, job.id, None))
                .expect("resume")
        );
        assert_eq!(
            store.read(|db| get(db, job.id)).expect("get").paused_at,
            None
        );
        assert!(
            !store
                .write(|db| set_paused(db, JobId::new(), None))
                .expect("unknown")
        );
    }

    #[test]
    fn jobs_finish_with_a_time() {
        let (_dir, store) = crate::test_support::store();
        let (old, new) = (sample(1), sample(2));
        store
            .write(|db| {
                insert(db, &old)?;
                insert(db, &new)
            })
            .expect("insert");
        let ids: Vec<_> = store
            .read(|db| list_recent(db, 10))
            .expect("list")
            .into_iter()
            .map(|j| j.id)
            .collect();
        assert_eq!(ids, [new.id, old.id]);

        store
            .write(|db| set_state(db, old.id, JobState::Partial, Timestamp(9)))
            .expect("finish");
        let done = store.read(|db| get(db, old.id)).expect("get");
        assert_eq!(
            (done.state, done.finished_at),
            (JobState::Partial, Some(Timestamp(9)))
        );
        assert!(
            store
                .write(|db| set_state(db, JobId::new(), JobState::Done, Timestamp(1)))
                .is_err()
        );
    }
}
