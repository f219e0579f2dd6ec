//! `agent_activity`: what a vendor's activity log says besides statuses:
//! logins and logouts, and chats and calls offered to an agent and picked up.

use rusqlite::{Connection as Db, params};
use switchboard_domain::{AgentId, Timestamp};

use crate::Result;

/// One record of the log (`vendor_id` is the record's id at the vendor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub agent_id: AgentId,
    pub vendor_id: String,
    pub activity: String,
    pub at: Timestamp,
    pub contact_id: Option<String>,
}

/// Keeps a record; one kept before (read again) is left as it is. Returns
/// whether it was new.
pub fn insert(db: &Db, a: &Activity) -> Result<bool> {
    Ok(db
        .prepare_cached(
            "INSERT INTO agent_activity (agent_id, vendor_id, activity, at, contact_id)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (agent_id, vendor_id) DO NOTHING",
        )?
        .execute(params![
            a.agent_id.0,
            a.vendor_id,
            a.activity,
            a.at.0,
            a.contact_id
        ])?
        == 1)
}

/// The records of one agent in `[from, to)`, oldest first.
pub fn list_for_agent(
    db: &Db,
    agent: AgentId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Activity>> {
    let mut stmt = db.prepare_cached(
        "SELECT agent_id, vendor_id, activity, at, contact_id FROM agent_activity
         WHERE agent_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at, id",
    )?;
    let rows = stmt
        .query_map(params![agent.0, from.0, to.0], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Calls `each` with every agent's records in `[from, to)`: the agent, what
/// happened, when, and the chat's or call's id. By time, read from the `at`
/// index alone in its order (no sort; within one agent's second, `*_offered`
/// comes before `*_picked_up`, as the names sort). Nothing is copied: a week
/// of a large tenant is 200,000 records.
pub fn each_in_range(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
    mut each: impl FnMut(AgentId, &str, Timestamp, Option<&str>),
) -> Result<()> {
    let mut stmt = db.prepare_cached(
        "SELECT agent_id, activity, at, contact_id FROM agent_activity
         WHERE at >= ?1 AND at < ?2 ORDER BY at, agent_id, activity, contact_id, id",
    )?;
    let mut rows = stmt.query(params![from.0, to.0])?;
    let text = |e: rusqlite::types::FromSqlError| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    };
    while let Some(r) = rows.next()? {
        each(
            AgentId(r.get(0)?),
            r.get_ref(1)?.as_str().map_err(text)?,
            Timestamp(r.get(2)?),
            r.get_ref(3)?.as_str_or_null().map_err(text)?,
        );
    }
    Ok(())
}

/// Forgets records older than `before` (kept as long as status history).
pub fn delete_before(db: &Db, before: Timestamp) -> Result<usize> {
    Ok(db.execute("DELETE FROM agent_activity WHERE at < ?1", [before.0])?)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Activity> {
    Ok(Activity {
        agent_id: AgentId(r.get(0)?),
        vendor_id: r.get(1)?,
        activity: r.get(2)?,
        at: Timestamp(r.get(3)?),
        contact_id: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, connections};
    use switchboard_domain::Vendor;

    #[test]
    fn a_range_is_read_offers_first_within_a_second_and_old_records_go() {
        let (_dir, store) = crate::test_support::store();
        let c = connections::tests::sample(Vendor::CcaiPlatform, "CCAI");
        let agent = store
            .write(|db| {
                connections::upsert(db, &c)?;
                let agent = agents::upsert(db, &agents::tests::sample(c.id, "7", "a@x.com"))?;
                // Logged in the same second, the pick-up kept first.
                for (id, activity, at) in [
                    ("1", "login", 1_000),
                    ("3", "chat_picked_up", 5_000),
                    ("2", "chat_notification_offered", 5_000),
                    ("4", "logout", 9_000),
                ] {
                    let new = insert(
                        db,
                        &Activity {
                            agent_id: agent,
                            vendor_id: id.into(),
                            activity: activity.into(),
                            at: Timestamp(at),
                            contact_id: (at == 5_000).then(|| "c1".to_owned()),
                        },
                    )?;
                    assert!(new);
                }
                Ok(agent)
            })
            .expect("seed");
        let read = |from: i64, to: i64| {
            let mut seen = Vec::new();
            store
                .read(|db| {
                    each_in_range(
                        db,
                        Timestamp(from),
                        Timestamp(to),
                        |a, what, at, contact| {
                            assert_eq!(a, agent);
                            seen.push((what.to_owned(), at.0, contact.map(str::to_owned)));
                        },
                    )
                })
                .expect("read");
            seen
        };
        let all = read(0, 10_000);
        let order: Vec<&str> = all.iter().map(|(w, _, _)| w.as_str()).collect();
        assert_eq!(
            order,
            [
                "login",
                "chat_notification_offered",
                "chat_picked_up",
                "logout"
            ]
        );
        assert_eq!(all[1].2.as_deref(), Some("c1"));
        assert_eq!(read(1_001, 9_000).len(), 2, "from inclusive, to exclusive");
        assert_eq!(
            store
                .write(|db| delete_before(db, Timestamp(5_000)))
                .expect("prune"),
            1
        );
        assert_eq!(read(0, 10_000).len(), 3);
    }
}
