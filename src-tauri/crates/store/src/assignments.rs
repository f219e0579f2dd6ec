//! `assignments`: each target's assignees, as last seen at the vendor or set by us.

use rusqlite::{Connection as Db, OptionalExtension, Row, params};
use switchboard_domain::assignment::Assignment;
use switchboard_domain::{AgentId, TargetId, Timestamp};

use crate::Result;
use crate::columns::{opt_timestamp, parsed, timestamp};

fn from_row(row: &Row<'_>) -> rusqlite::Result<Assignment> {
    Ok(Assignment {
        target_id: TargetId(row.get("target_id")?),
        agent_vendor_id: row.get("agent_vendor_id")?,
        agent_id: row.get::<_, Option<i64>>("agent_id")?.map(AgentId),
        until: opt_timestamp(row, "until")?,
        notes: row.get("notes")?,
        source: parsed(row, "source")?,
        observed_at: timestamp(row, "observed_at")?,
    })
}

pub fn list_by_target(db: &Db, target: TargetId) -> Result<Vec<Assignment>> {
    let mut stmt =
        db.prepare("SELECT * FROM assignments WHERE target_id = ?1 ORDER BY agent_vendor_id")?;
    let rows = stmt
        .query_map([target.0], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn list_by_agent(db: &Db, agent: AgentId) -> Result<Vec<Assignment>> {
    let mut stmt =
        db.prepare("SELECT * FROM assignments WHERE agent_id = ?1 ORDER BY target_id")?;
    let rows = stmt
        .query_map([agent.0], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn upsert(db: &Db, a: &Assignment) -> Result<()> {
    db.prepare_cached(
        "INSERT INTO assignments (target_id, agent_vendor_id, agent_id, until, notes, source, observed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (target_id, agent_vendor_id) DO UPDATE SET
             agent_id = excluded.agent_id, until = excluded.until, notes = excluded.notes,
             source = excluded.source, observed_at = excluded.observed_at",
    )?
    .execute(params![
        a.target_id.0,
        a.agent_vendor_id,
        a.agent_id.map(|x| x.0),
        a.until.map(|x| x.0),
        a.notes,
        a.source.as_str(),
        a.observed_at.0
    ])?;
    Ok(())
}

/// Makes `assignments` the target's complete list of assignees (as a sync reads it).
pub fn replace_for_target(db: &Db, target: TargetId, assignments: &[Assignment]) -> Result<()> {
    db.prepare_cached("DELETE FROM assignments WHERE target_id = ?1")?
        .execute([target.0])?;
    for a in assignments {
        upsert(
            db,
            &Assignment {
                target_id: target,
                ..a.clone()
            },
        )?;
    }
    Ok(())
}

/// Whether an assignment has ended by its expiry (Pingup's `dt_until`) as of `now`.
pub fn has_expired(db: &Db, now: Timestamp) -> Result<bool> {
    Ok(db
        .query_row(
            "SELECT 1 FROM assignments WHERE until IS NOT NULL AND until <= ?1 LIMIT 1",
            [now.0],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Deletes the assignments whose expiry (Pingup's `dt_until`) is at or before
/// `now`: an ended assignment is not assigned anywhere, so neither the counts
/// nor the views hold it. Returns how many.
pub fn end_expired(db: &Db, now: Timestamp) -> Result<usize> {
    Ok(db.execute(
        "DELETE FROM assignments WHERE until IS NOT NULL AND until <= ?1",
        [now.0],
    )?)
}

pub fn delete(db: &Db, target: TargetId, agent_vendor_id: &str) -> Result<bool> {
    Ok(db
        .prepare_cached("DELETE FROM assignments WHERE target_id = ?1 AND agent_vendor_id = ?2")?
        .execute(params![target.0, agent_vendor_id])?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, connections, targets};
    use switchboard_domain::assignment::AssignmentSource;
    use switchboard_domain::{Timestamp, Vendor};

    /// A store with one Pingup client and one agent.
    fn seeded() -> (tempfile::TempDir, crate::Store, TargetId, AgentId) {
        let (dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Pingup, "P");
        let (target, agent) = store
            .write(|db| {
                connections::upsert(db, &conn)?;
                let t = targets::upsert(db, &targets::tests::sample(conn.id, "c1", 1))?;
                let a = agents::upsert(db, &agents::tests::sample(conn.id, "a1", "a@x.com"))?;
                Ok((t, a))
            })
            .expect("seed");
        (dir, store, target, agent)
    }

    #[test]
    fn assignments_follow_targets_and_agents() {
        let (_dir, store, target, agent) = seeded();
        let assignment = |vendor_id: &str, agent_id| Assignment {
            target_id: target,
            agent_vendor_id: vendor_id.into(),
            agent_id,
            until: Some(Timestamp(5_000)),
            notes: Some("VIP".into()),
            source: AssignmentSource::Vendor,
            observed_at: Timestamp(7),
        };
        store
            .write(|db| {
                replace_for_target(
                    db,
                    target,
                    &[assignment("a1", Some(agent)), assignment("unknown", None)],
                )
            })
            .expect("replace");
        assert_eq!(
            store
                .read(|db| list_by_target(db, target))
                .expect("list")
                .len(),
            2
        );
        assert_eq!(
            store.read(|db| list_by_agent(db, agent)).expect("by agent"),
            [assignment("a1", Some(agent))]
        );

        store
            .write(|db| replace_for_target(db, target, &[assignment("unknown", None)]))
            .expect("replace");
        assert!(
            store
                .read(|db| list_by_agent(db, agent))
                .expect("by agent")
                .is_empty()
        );
        assert!(
            store
                .write(|db| delete(db, target, "unknown"))
                .expect("delete")
        );

        store
            .write(|db| upsert(db, &assignment("a1", Some(agent))))
            .expect("upsert");
        store
            .write(|db| upsert(db, &assignment("a1", Some(agent))))
            .expect("the same again");
        let (target_count, agent_count): (i64, i64) = store
            .read(|db| {
                let t = db.query_row(
                    "SELECT assignee_count FROM targets WHERE id = ?1",
                    [target.0],
                    |r| r.get(0),
                )?;
                let a = db.query_row(
                    "SELECT assignment_count FROM agents WHERE id = ?1",
                    [agent.0],
                    |r| r.get(0),
                )?;
                Ok((t, a))
            })
            .expect("counts");
        assert_eq!(
            (target_count, agent_count),
            (1, 1),
            "the counts follow inserts and deletes, not repeats"
        );
        store
            .write(|db| targets::delete(db, target).map(|_| ()))
            .expect("delete target");
        assert!(
            store
                .read(|db| list_by_agent(db, agent))
                .expect("by agent")
                .is_empty(),
            "cascade"
        );
    }

    #[test]
    fn an_assignment_past_its_expiry_has_ended_and_counts_nowhere() {
        let (_dir, store, target, agent) = seeded();
        let until = |at: i64, vendor_id: &str| Assignment {
            target_id: target,
            agent_vendor_id: vendor_id.into(),
            agent_id: (vendor_id == "a1").then_some(agent),
            until: Some(Timestamp(at)),
            notes: None,
            source: AssignmentSource::Vendor,
            observed_at: Timestamp(1),
        };
        store
            .write(|db| replace_for_target(db, target, &[until(1_000, "a1"), until(3_000, "b2")]))
            .expect("replace");
        assert!(
            !store
                .read(|db| has_expired(db, Timestamp(999)))
                .expect("read")
        );
        assert!(
            store
                .read(|db| has_expired(db, Timestamp(1_000)))
                .expect("read")
        );
        assert_eq!(
            store
                .write(|db| end_expired(db, Timestamp(2_000)))
                .expect("end"),
            1
        );
        let left = store.read(|db| list_by_target(db, target)).expect("list");
        assert_eq!(left, [until(3_000, "b2")]);
        let (target_count, agent_count): (i64, i64) = store
            .read(|db| {
                Ok(db.query_row(
                    "SELECT (SELECT assignee_count FROM targets WHERE id = ?1), (SELECT assignment_count FROM agents WHERE id = ?2)",
                    params![target.0, agent.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .expect("counts");
        assert_eq!(
            (target_count, agent_count),
            (1, 0),
            "the ended one is counted nowhere"
        );
    }
}
