//! The dashboards' reads beside the status charts (`status_charts`): workload
//! across platforms, unassigned and expiring work, connection health and
//! mismatch alerts.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection as Db, params};
use switchboard_domain::dashboard::{
    ConnectionHealth, Expiring, Mismatch, PersonLoad, UnassignedCount,
};
use switchboard_domain::{AgentId, PersonId, TargetId, Timestamp, Vendor};

use crate::Result;
use crate::columns::parsed;

/// Open assignments per person (or unlinked agent) and platform, and assign
/// changes still waiting for them; busiest first.
pub fn people_load(db: &Db) -> Result<Vec<PersonLoad>> {
    let mut waiting: HashMap<i64, u32> = HashMap::new();
    {
        let mut stmt = db.prepare_cached(
            "SELECT coalesce(a.person_id, -a.id), count(*) FROM operations o
             JOIN operation_agents oa ON oa.operation_id = o.id
             JOIN agents a ON a.id = oa.agent_id
             WHERE o.state IN ('queued', 'sending', 'conflict') AND o.kind IN ('assign', 'move')
             GROUP BY 1",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            waiting.insert(r.get(0)?, r.get(1)?);
        }
    }
    let mut stmt = db.prepare_cached(
        "SELECT coalesce(a.person_id, -a.id) AS who, a.person_id, coalesce(p.display_name, a.name) AS name, c.vendor,
                sum(a.assignment_count)
         FROM agents a JOIN connections c ON c.id = a.connection_id LEFT JOIN people p ON p.id = a.person_id
         GROUP BY who, c.vendor",
    )?;
    let mut loads: BTreeMap<i64, PersonLoad> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let who: i64 = r.get(0)?;
        let vendor: Vendor = parsed(r, "vendor")?;
        let n: u32 = r.get(4)?;
        let load = loads.entry(who).or_insert_with(|| PersonLoad {
            person_id: None,
            name: String::new(),
            by_vendor: Vec::new(),
            total: 0,
            waiting: waiting.get(&who).copied().unwrap_or(0),
        });
        load.person_id = r.get::<_, Option<i64>>(1)?.map(PersonId);
        load.name = r.get(2)?;
        if n > 0 {
            load.by_vendor.push((vendor, n));
        }
        load.total += n;
    }
    let mut out: Vec<PersonLoad> = loads.into_values().collect();
    out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

pub fn unassigned(db: &Db) -> Result<Vec<UnassignedCount>> {
    let mut stmt = db.prepare_cached(
        "SELECT c.id, c.display_name, c.vendor, count(t.id), coalesce(sum(t.assignee_count = 0), 0)
         FROM connections c JOIN targets t ON t.connection_id = c.id
         GROUP BY c.id ORDER BY c.display_name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(UnassignedCount {
                connection_id: parsed(r, "id")?,
                connection_name: r.get(1)?,
                vendor: parsed(r, "vendor")?,
                targets: r.get(3)?,
                unassigned: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Assignments ending in [now, now + within), soonest first.
pub fn expiring(db: &Db, now: Timestamp, within_ms: i64, limit: u32) -> Result<Vec<Expiring>> {
    let mut stmt = db.prepare_cached(
        "SELECT s.target_id, coalesce(t.name, t.phone, t.vendor_id), c.display_name, coalesce(ag.name, s.agent_vendor_id), s.until
         FROM assignments s
         JOIN targets t ON t.id = s.target_id
         JOIN connections c ON c.id = t.connection_id
         LEFT JOIN agents ag ON ag.id = s.agent_id
         WHERE s.until IS NOT NULL AND s.until >= ?1 AND s.until < ?2
         ORDER BY s.until LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![now.0, now.0 + within_ms, limit], |r| {
            Ok(Expiring {
                target_id: TargetId(r.get(0)?),
                target_name: r.get(1)?,
                connection_name: r.get(2)?,
                agent_name: r.get(3)?,
                until: Timestamp(r.get(4)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Per connection: its last sync, and its calls since `since`.
pub fn health(db: &Db, since: Timestamp) -> Result<Vec<ConnectionHealth>> {
    let mut out = Vec::new();
    for c in crate::connections::list(db)? {
        let last = crate::sync_runs::latest(db, c.id)?;
        let calls = crate::vendor_calls::since(db, c.id, since)?;
        let errors = calls
            .iter()
            .filter(|(s, _)| s.is_none_or(|s| matches!(s, 401 | 403 | 429) || s >= 500))
            .count() as u32;
        let mut times: Vec<u32> = calls.iter().map(|(_, t)| *t).collect();
        times.sort_unstable();
        let pct = |p: usize| (!times.is_empty()).then(|| times[(times.len() - 1) * p / 100]);
        out.push(ConnectionHealth {
            connection_id: c.id,
            connection_name: c.display_name,
            vendor: c.vendor,
            last_sync_at: last.as_ref().map(|r| r.finished_at.unwrap_or(r.started_at)),
            last_sync_state: last.map(|r| r.state.to_string()),
            calls: calls.len() as u32,
            errors,
            p50_ms: pct(50),
            p95_ms: pct(95),
        });
    }
    Ok(out)
}

/// People offline or unavailable on a status platform who still own open
/// targets on others.
pub fn mismatches(db: &Db) -> Result<Vec<Mismatch>> {
    let mut stmt = db.prepare_cached(
        "SELECT a.person_id, coalesce(p.display_name, a.name), s.status_name, s.started_at, o.id, o.name || ' (' || c.display_name || ')', o.assignment_count
         FROM status_samples s
         JOIN agents a ON a.id = s.agent_id
         JOIN people p ON p.id = a.person_id
         JOIN agents o ON o.person_id = a.person_id AND o.id != a.id AND o.assignment_count > 0
         JOIN connections c ON c.id = o.connection_id
         WHERE s.ended_at IS NULL
           AND (s.status_vendor_id IN ('-10', '-1') OR lower(s.status_name) IN ('offline', 'unavailable'))
         ORDER BY 2, 6",
    )?;
    let mut by_person: BTreeMap<(String, i64), Mismatch> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let person: i64 = r.get(0)?;
        let name: String = r.get(1)?;
        let n: u32 = r.get(6)?;
        let m = by_person
            .entry((name.clone(), person))
            .or_insert_with(|| Mismatch {
                person_id: Some(PersonId(person)),
                name,
                status: String::new(),
                since: Timestamp(0),
                owners: Vec::new(),
                open: 0,
            });
        m.status = r.get(2)?;
        m.since = Timestamp(r.get(3)?);
        m.owners.push((AgentId(r.get(4)?), r.get(5)?, n));
        m.open += n;
    }
    Ok(by_person.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assignments, status_samples, targets};
    use switchboard_domain::assignment::{Assignment, AssignmentSource};
    use switchboard_domain::status::{StatusSample, StatusSource};

    const H: i64 = 3_600_000;

    fn sample(
        agent: AgentId,
        id: &str,
        name: &str,
        start: i64,
        last: i64,
        end: Option<i64>,
    ) -> StatusSample {
        StatusSample {
            id: 0,
            agent_id: agent,
            status_vendor_id: Some(id.into()),
            status_name: name.into(),
            started_at: Timestamp(start),
            last_seen_at: Timestamp(last),
            ended_at: end.map(Timestamp),
            source: StatusSource::Poll,
        }
    }

    #[test]
    fn mismatches_workload_expiring_and_health() {
        let (_dir, store) = crate::test_support::store();
        let (hc, agent, other) = store
            .write(|db| {
                let (_, hc, agent, other) = crate::test_support::ana_on_two_platforms(db)?;
                let target = targets::upsert(db, &targets::tests::sample(hc.id, "5214000", 1))?;
                assignments::upsert(
                    db,
                    &Assignment {
                        target_id: target,
                        agent_vendor_id: "4100".into(),
                        agent_id: Some(other),
                        until: None,
                        notes: None,
                        source: AssignmentSource::Vendor,
                        observed_at: Timestamp(1),
                    },
                )?;
                // Available 0-2h, Lunch 2-3h, nobody watching 3-4h, Available from 4h (last seen 5h).
                status_samples::insert(
                    db,
                    &sample(agent, "0", "Available", 0, 2 * H, Some(2 * H)),
                )?;
                status_samples::insert(
                    db,
                    &sample(agent, "1", "Lunch", 2 * H, 3 * H, Some(3 * H)),
                )?;
                status_samples::insert(db, &sample(agent, "0", "Available", 4 * H, 5 * H, None))?;
                Ok((hc, agent, other))
            })
            .expect("seed");

        // Offline on CCAI while owning a HelpCrunch chat: a mismatch.
        assert!(
            store.read(mismatches).expect("none").is_empty(),
            "Available is fine"
        );
        store
            .write(|db| {
                let open = status_samples::latest(db, agent)?.expect("open");
                status_samples::end(db, open.id, Timestamp(5 * H))?;
                status_samples::insert(db, &sample(agent, "-10", "Offline", 5 * H, 5 * H, None))?;
                Ok(())
            })
            .expect("offline");
        let found = store.read(mismatches).expect("mismatches");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (
                found[0].name.as_str(),
                found[0].status.as_str(),
                found[0].open
            ),
            ("Ana", "Offline", 1)
        );
        assert_eq!(found[0].owners[0].0, other);

        let load = store.read(people_load).expect("load");
        assert_eq!(
            (
                load[0].name.as_str(),
                load[0].total,
                load[0].by_vendor.clone()
            ),
            ("Ana", 1, vec![(Vendor::Helpcrunch, 1)])
        );
        let unassigned = store.read(unassigned).expect("unassigned");
        assert_eq!((unassigned[0].targets, unassigned[0].unassigned), (1, 0));

        // Expiring: only what ends within the window, soonest first.
        store
            .write(|db| {
                let target = targets::find_by_vendor_id(
                    db,
                    hc.id,
                    switchboard_domain::target::TargetKind::Chat,
                    "5214000",
                )?
                .expect("target")
                .id;
                for (agent_vendor_id, until) in [("a", 3 * H), ("b", 30 * H), ("c", 400 * H)] {
                    assignments::upsert(
                        db,
                        &Assignment {
                            target_id: target,
                            agent_vendor_id: agent_vendor_id.into(),
                            agent_id: None,
                            until: Some(Timestamp(until)),
                            notes: None,
                            source: AssignmentSource::App,
                            observed_at: Timestamp(1),
                        },
                    )?;
                }
                Ok(())
            })
            .expect("expiring");
        let soon: Vec<(String, i64)> = store
            .read(|db| expiring(db, Timestamp(2 * H), 7 * 24 * H, 10))
            .expect("soon")
            .into_iter()
            .map(|e| (e.agent_name, e.until.0 / H))
            .collect();
        assert_eq!(soon, [("a".to_owned(), 3), ("b".to_owned(), 30)]);

        // Health: calls in the window, failures (no answer, refused credentials,
        // 429, 5xx) and latency.
        store
            .write(|db| {
                crate::vendor_calls::insert_all(
                    db,
                    hc.id,
                    &[
                        (10, Some(200), 40),
                        (20, Some(200), 60),
                        (30, Some(429), 5),
                        (40, None, 10_000),
                        (50, Some(404), 30),
                        (55, Some(401), 50),
                        (1, Some(200), 1),
                    ],
                )
            })
            .expect("calls");
        let health = store.read(|db| health(db, Timestamp(5))).expect("health");
        let hc_health = health
            .iter()
            .find(|h| h.connection_id == hc.id)
            .expect("hc");
        assert_eq!(
            (hc_health.calls, hc_health.errors),
            (6, 3),
            "a refused key is a failure; a 404 is an answer"
        );
        assert_eq!((hc_health.p50_ms, hc_health.p95_ms), (Some(40), Some(60)));
    }
}
