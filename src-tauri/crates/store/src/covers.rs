//! `covers` and `cover_jobs`: someone away, who covers, and the jobs that
//! handed the work over and back. A step (start, end) is taken by changing the
//! state only from the one before it, so of two Switchboards that find a cover
//! due, one takes it and the other sees it taken.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::cover::{Cover, CoverJob, CoverSkipped, CoverState, CoverStep};
use switchboard_domain::{ConnectionId, CoverId, JobId, PersonId, TeamId, Timestamp};

use crate::columns::{opt_timestamp, parsed, timestamp};
use crate::{Result, StoreError};

fn bad(column: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{column}: {e}").into(),
    )
}

fn people_of(row: &Row<'_>) -> rusqlite::Result<Vec<PersonId>> {
    let text: String = row.get("to_people")?;
    let ids: Vec<i64> = serde_json::from_str(&text).map_err(|e| bad("to_people", e))?;
    Ok(ids.into_iter().map(PersonId).collect())
}

fn connections_of(row: &Row<'_>) -> rusqlite::Result<Vec<ConnectionId>> {
    let text: String = row.get("connections")?;
    let ids: Vec<String> = serde_json::from_str(&text).map_err(|e| bad("connections", e))?;
    ids.iter()
        .map(|id| id.parse().map_err(|e| bad("connections", e)))
        .collect()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Cover> {
    Ok(Cover {
        id: CoverId(row.get("id")?),
        person_id: PersonId(row.get("person_id")?),
        starts_at: timestamp(row, "starts_at")?,
        ends_at: timestamp(row, "ends_at")?,
        zone: row.get("zone")?,
        to_people: people_of(row)?,
        to_team: row.get::<_, Option<i64>>("to_team")?.map(TeamId),
        strategy: row.get("strategy")?,
        connections: connections_of(row)?,
        follow_new: row.get("follow_new")?,
        pingup_until: row.get("pingup_until")?,
        note: row.get("note")?,
        state: parsed(row, "state")?,
        started_at: opt_timestamp(row, "started_at")?,
        ended_at: opt_timestamp(row, "ended_at")?,
        skipped: {
            let text: String = row.get("skipped")?;
            serde_json::from_str(&text).map_err(|e| bad("skipped", e))?
        },
        created_at: timestamp(row, "created_at")?,
        updated_at: timestamp(row, "updated_at")?,
    })
}

fn people_json(c: &Cover) -> String {
    serde_json::to_string(&c.to_people.iter().map(|p| p.0).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

fn connections_json(c: &Cover) -> String {
    serde_json::to_string(
        &c.connections
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into())
}

pub fn get(db: &Db, id: CoverId) -> Result<Cover> {
    db.query_row("SELECT * FROM covers WHERE id = ?1", [id.0], from_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "cover",
            id: id.to_string(),
        })
}

/// Every cover: the next to start first, then those under way, then the ended
/// and cancelled, latest first.
pub fn list(db: &Db) -> Result<Vec<Cover>> {
    let mut stmt = db.prepare(
        "SELECT * FROM covers ORDER BY
           CASE state WHEN 'active' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END,
           CASE WHEN state IN ('active', 'scheduled') THEN starts_at ELSE -ends_at END, id",
    )?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Inserts a cover (its `id` is ignored) and returns its id.
pub fn insert(db: &Db, c: &Cover) -> Result<CoverId> {
    db.execute(
        "INSERT INTO covers (person_id, starts_at, ends_at, zone, to_people, to_team, strategy, connections,
                             follow_new, note, state, started_at, ended_at, created_at, updated_at, pingup_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            c.person_id.0,
            c.starts_at.0,
            c.ends_at.0,
            c.zone,
            people_json(c),
            c.to_team.map(|t| t.0),
            c.strategy,
            connections_json(c),
            c.follow_new,
            c.note,
            c.state.as_str(),
            c.started_at.map(|t| t.0),
            c.ended_at.map(|t| t.0),
            c.created_at.0,
            c.updated_at.0,
            c.pingup_until,
        ],
    )?;
    Ok(CoverId(db.last_insert_rowid()))
}

/// Rewrites what the manager chose (not its state or steps); `false` when it
/// is no longer in `state`.
pub fn update(db: &Db, c: &Cover, state: CoverState) -> Result<bool> {
    Ok(db.execute(
        "UPDATE covers SET person_id = ?2, starts_at = ?3, ends_at = ?4, zone = ?5, to_people = ?6, to_team = ?7,
                strategy = ?8, connections = ?9, follow_new = ?10, note = ?11, updated_at = ?12, pingup_until = ?14
         WHERE id = ?1 AND state = ?13",
        params![
            c.id.0,
            c.person_id.0,
            c.starts_at.0,
            c.ends_at.0,
            c.zone,
            people_json(c),
            c.to_team.map(|t| t.0),
            c.strategy,
            connections_json(c),
            c.follow_new,
            c.note,
            c.updated_at.0,
            state.as_str(),
            c.pingup_until,
        ],
    )? == 1)
}

/// Moves a cover from `from` to `to` at `now` (starting sets `started_at`,
/// ending `ended_at`); `false` when it was not in `from` (someone else took
/// the step, or the manager cancelled it).
pub fn step(
    db: &Db,
    id: CoverId,
    from: CoverState,
    to: CoverState,
    now: Timestamp,
) -> Result<bool> {
    let column = match to {
        CoverState::Active => "started_at",
        _ => "ended_at",
    };
    Ok(db.execute(
        &format!("UPDATE covers SET state = ?3, {column} = ?4, updated_at = ?4 WHERE id = ?1 AND state = ?2"),
        params![id.0, from.as_str(), to.as_str(), now.0],
    )? == 1)
}

/// The most skipped items a cover keeps.
pub const SKIPPED_KEPT: usize = 500;

/// Adds what a step left as it was to the cover's list (the first
/// [`SKIPPED_KEPT`] are kept).
pub fn add_skipped(db: &Db, cover: CoverId, skipped: &[CoverSkipped]) -> Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let mut all = get(db, cover)?.skipped;
    // A target new work leaves behind again is said once.
    let new: Vec<CoverSkipped> = skipped
        .iter()
        .filter(|s| !all.contains(s))
        .cloned()
        .collect();
    all.extend(new.into_iter().take(SKIPPED_KEPT.saturating_sub(all.len())));
    let text = serde_json::to_string(&all).map_err(|e| StoreError::Corrupt {
        column: "skipped",
        detail: e.to_string(),
    })?;
    db.execute(
        "UPDATE covers SET skipped = ?2 WHERE id = ?1",
        params![cover.0, text],
    )?;
    Ok(())
}

/// Keeps the expiry each Pingup target had before the cover gave it the
/// cover's end (`None`: Pingup's default), by target id.
pub fn keep_until(
    db: &Db,
    cover: CoverId,
    kept: &std::collections::BTreeMap<i64, Option<i64>>,
) -> Result<()> {
    let mut all = kept_until(db, cover)?;
    all.extend(kept.iter().map(|(k, v)| (*k, *v)));
    let text = serde_json::to_string(&all).map_err(|e| StoreError::Corrupt {
        column: "kept_until",
        detail: e.to_string(),
    })?;
    db.execute(
        "UPDATE covers SET kept_until = ?2 WHERE id = ?1",
        params![cover.0, text],
    )?;
    Ok(())
}

/// What [`keep_until`] kept.
pub fn kept_until(db: &Db, cover: CoverId) -> Result<std::collections::BTreeMap<i64, Option<i64>>> {
    let text: String = db.query_row(
        "SELECT kept_until FROM covers WHERE id = ?1",
        [cover.0],
        |r| r.get(0),
    )?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        column: "kept_until",
        detail: e.to_string(),
    })
}

pub fn add_job(db: &Db, cover: CoverId, job: JobId, step: CoverStep) -> Result<()> {
    db.execute(
        "INSERT INTO cover_jobs (cover_id, job_id, step) VALUES (?1, ?2, ?3)",
        params![cover.0, job.to_string(), step.as_str()],
    )?;
    Ok(())
}

/// A cover's jobs, oldest first.
pub fn jobs_of(db: &Db, cover: CoverId) -> Result<Vec<CoverJob>> {
    let mut stmt = db.prepare(
        "SELECT cj.job_id, cj.step FROM cover_jobs cj JOIN jobs j ON j.id = cj.job_id
         WHERE cj.cover_id = ?1 ORDER BY j.created_at, j.id",
    )?;
    let rows = stmt
        .query_map([cover.0], |r| {
            Ok(CoverJob {
                job_id: parsed(r, "job_id")?,
                step: parsed(r, "step")?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Covers of `person` not ended or cancelled whose time meets `from..until`
/// (other than `except`).
pub fn overlapping(
    db: &Db,
    person: PersonId,
    from: Timestamp,
    until: Timestamp,
    except: Option<CoverId>,
) -> Result<Vec<Cover>> {
    let mut stmt = db.prepare(
        "SELECT * FROM covers WHERE person_id = ?1 AND state IN ('scheduled', 'active')
           AND starts_at < ?3 AND ends_at > ?2 AND id IS NOT ?4 ORDER BY starts_at",
    )?;
    let rows = stmt
        .query_map(
            params![person.0, from.0, until.0, except.map(|c| c.0)],
            from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Covers not ended or cancelled, meeting `from..until`, that `person` is
/// named to cover (other than `except`).
pub fn covered_by(
    db: &Db,
    person: PersonId,
    from: Timestamp,
    until: Timestamp,
    except: Option<CoverId>,
) -> Result<Vec<Cover>> {
    let mut stmt = db.prepare(
        "SELECT * FROM covers WHERE state IN ('scheduled', 'active') AND starts_at < ?3 AND ends_at > ?2
           AND id IS NOT ?4 AND EXISTS (SELECT 1 FROM json_each(to_people) WHERE value = ?1) ORDER BY starts_at",
    )?;
    let rows = stmt
        .query_map(
            params![person.0, from.0, until.0, except.map(|c| c.0)],
            from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Covers whose step is due at `now`: those to start, and those to end.
pub fn due(db: &Db, now: Timestamp) -> Result<(Vec<Cover>, Vec<Cover>)> {
    let mut stmt = db.prepare(
        "SELECT * FROM covers WHERE (state = 'scheduled' AND starts_at <= ?1) OR (state = 'active' AND ends_at <= ?1)
         ORDER BY starts_at, id",
    )?;
    let all: Vec<Cover> = stmt
        .query_map([now.0], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(all
        .into_iter()
        .partition(|c| c.state == CoverState::Scheduled))
}

/// Covers under way, to hand on what newly arrives for their person.
pub fn active(db: &Db) -> Result<Vec<Cover>> {
    let mut stmt =
        db.prepare("SELECT * FROM covers WHERE state = 'active' AND follow_new = 1 ORDER BY id")?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
