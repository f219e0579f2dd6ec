//! The dashboards' reads: status samples over a range for whose statuses a chart
//! covers, workload across platforms, connection health and mismatches. The
//! bucketing is done here, in one pass over the samples.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection as Db, params};
use switchboard_domain::dashboard::{
    AgentTimeline, ConnectionHealth, Expiring, Mismatch, PersonLoad, Scope, Segment, StatusBucket,
    StatusChart, StatusTime, UnassignedCount,
};
use switchboard_domain::status::StatusSource;
use switchboard_domain::{AgentId, PersonId, TargetId, Timestamp, Vendor};

use crate::Result;
use crate::columns::parsed;

/// A stretch of one agent in one status: [start, end). The status is an index
/// into the read's status table (a million stretches share a dozen statuses).
struct Stretch {
    agent: AgentId,
    start: i64,
    end: i64,
    status: usize,
    source: StatusSource,
}

/// The distinct statuses a read met, each once.
#[derive(Default)]
struct Statuses {
    list: Vec<(Option<String>, String)>,
}

impl Statuses {
    /// The status's index; most rows repeat one already met, found without
    /// allocating.
    fn intern(&mut self, id: Option<&str>, name: &str) -> usize {
        if let Some(i) = self
            .list
            .iter()
            .position(|(i, n)| i.as_deref() == id && n == name)
        {
            return i;
        }
        self.list.push((id.map(str::to_owned), name.to_owned()));
        self.list.len() - 1
    }

    fn intern_row(&mut self, row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<usize> {
        let id = row.get_ref(at)?.as_str_or_null()?;
        let name = row.get_ref(at + 1)?.as_str()?;
        Ok(self.intern(id, name))
    }
}

/// The agents a scope covers, with their names.
pub fn scope_agents(db: &Db, scope: &Scope) -> Result<Vec<(AgentId, String)>> {
    let (sql, param): (&str, Option<i64>) = match scope {
        Scope::Agent(a) => ("SELECT id, name FROM agents WHERE id = ?1", Some(a.0)),
        Scope::Person(p) => (
            "SELECT id, name FROM agents WHERE person_id = ?1 ORDER BY name",
            Some(p.0),
        ),
        Scope::Team(t) => (
            "SELECT a.id, a.name FROM team_members m JOIN agents a ON a.id = m.agent_id WHERE m.team_id = ?1 ORDER BY a.name",
            Some(t.0),
        ),
        // Everyone with a current status (served by the open-sample index).
        Scope::Everyone => (
            "SELECT a.id, a.name FROM status_samples s JOIN agents a ON a.id = s.agent_id WHERE s.ended_at IS NULL ORDER BY a.name",
            None,
        ),
    };
    let mut stmt = db.prepare_cached(sql)?;
    let map = |r: &rusqlite::Row<'_>| Ok((AgentId(r.get(0)?), r.get(1)?));
    let rows = match param {
        Some(p) => stmt.query_map([p], map)?.collect::<rusqlite::Result<_>>()?,
        None => stmt.query_map([], map)?.collect::<rusqlite::Result<_>>()?,
    };
    Ok(rows)
}

/// The stretches of `agents` that reach into [from, to), clipped to it.
fn stretches(
    db: &Db,
    agents: &[(AgentId, String)],
    from: i64,
    to: i64,
    everyone: bool,
    statuses: &mut Statuses,
) -> Result<Vec<Stretch>> {
    let mut out = Vec::new();
    // The row's status is at `at` and `at + 1`, its source at `at + 2`.
    let mut push = |statuses: &mut Statuses,
                    agent: AgentId,
                    start: i64,
                    end: i64,
                    row: &rusqlite::Row<'_>,
                    at: usize|
     -> rusqlite::Result<()> {
        let (start, end) = (start.max(from), end.min(to));
        if end > start {
            let status = statuses.intern_row(row, at)?;
            // Compared as bytes: a week of everyone is 200,000 rows.
            let source = match row.get_ref(at + 2)?.as_bytes()? {
                b"log" => StatusSource::Log,
                b"app" => StatusSource::App,
                b"sync" => StatusSource::Sync,
                _ => StatusSource::Poll,
            };
            out.push(Stretch {
                agent,
                start,
                end,
                status,
                source,
            });
        }
        Ok(())
    };
    if agents.len() <= 50 && !everyone {
        // A few agents: each one's samples by its own index.
        let mut stmt = db.prepare_cached(
            "SELECT started_at, coalesce(ended_at, last_seen_at), status_vendor_id, status_name, source FROM status_samples
             WHERE agent_id = ?1 AND started_at < ?3 AND coalesce(ended_at, last_seen_at) > ?2
             ORDER BY started_at",
        )?;
        for (agent, _) in agents {
            let mut rows = stmt.query(params![agent.0, from, to])?;
            while let Some(r) = rows.next()? {
                push(statuses, *agent, r.get(0)?, r.get(1)?, r, 2)?;
            }
        }
    } else {
        // Many agents: every sample that reaches into the range, by when it ends
        // (from an index that covers the query: no row is looked up).
        let wanted: std::collections::HashSet<i64> = agents.iter().map(|(a, _)| a.0).collect();
        let mut stmt = db.prepare_cached(
            "SELECT agent_id, started_at, coalesce(ended_at, last_seen_at), status_vendor_id, status_name, source FROM status_samples INDEXED BY status_samples_finish
             WHERE coalesce(ended_at, last_seen_at) > ?1 AND started_at < ?2",
        )?;
        let mut rows = stmt.query(params![from, to])?;
        while let Some(r) = rows.next()? {
            let agent: i64 = r.get(0)?;
            // Everyone: every sample counts, no need to look the agent up.
            if everyone || wanted.contains(&agent) {
                push(statuses, AgentId(agent), r.get(1)?, r.get(2)?, r, 3)?;
            }
        }
    }
    Ok(out)
}

/// Time in each status per bucket, summed over the scope's agents; the rest of
/// each bucket (up to now) is unknown.
pub fn status_chart(
    db: &Db,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
    bucket_ms: i64,
    now: Timestamp,
) -> Result<StatusChart> {
    let agents = scope_agents(db, scope)?;
    let bucket_ms = bucket_ms.max(60_000);
    let (from, to) = (from.0, to.0.max(from.0));
    let buckets = ((to - from + bucket_ms - 1) / bucket_ms).clamp(0, 10_000) as usize;
    let mut statuses = Statuses::default();
    let mut sums: Vec<Vec<i64>> = vec![Vec::new(); buckets];
    let mut from_log: Vec<i64> = vec![0; buckets];
    let add = |sums: &mut Vec<Vec<i64>>, bucket: usize, status: usize, ms: i64| {
        if let Some(b) = sums.get_mut(bucket) {
            if b.len() <= status {
                b.resize(status + 1, 0);
            }
            b[status] += ms;
        }
    };
    for s in stretches(
        db,
        &agents,
        from,
        to,
        matches!(scope, Scope::Everyone),
        &mut statuses,
    )? {
        let mut t = s.start;
        while t < s.end {
            let i = ((t - from) / bucket_ms) as usize;
            let until = (from + (i as i64 + 1) * bucket_ms).min(s.end);
            add(&mut sums, i, s.status, until - t);
            if s.source == StatusSource::Log
                && let Some(b) = from_log.get_mut(i)
            {
                *b += until - t;
            }
            t = until;
        }
    }
    // Statuses in name order, as the charts list them.
    let mut order: Vec<usize> = (0..statuses.list.len()).collect();
    order.sort_by(|a, b| {
        statuses.list[*a]
            .1
            .cmp(&statuses.list[*b].1)
            .then_with(|| statuses.list[*a].0.cmp(&statuses.list[*b].0))
    });
    let agents_n = agents.len() as i64;
    let buckets = sums
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let start = from + i as i64 * bucket_ms;
            let watchable = ((start + bucket_ms).min(to).min(now.0) - start).max(0) * agents_n;
            let known: i64 = b.iter().sum();
            StatusBucket {
                start: Timestamp(start),
                unknown_ms: (watchable - known).max(0),
                from_log_ms: from_log.get(i).copied().unwrap_or(0),
                statuses: order
                    .iter()
                    .filter(|k| b.get(**k).copied().unwrap_or(0) > 0)
                    .map(|k| StatusTime {
                        status_vendor_id: statuses.list[*k].0.clone(),
                        name: statuses.list[*k].1.clone(),
                        ms: b[*k],
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(StatusChart {
        agents: agents.len() as u32,
        buckets,
    })
}

/// Each agent's stretches in [from, to), in order; gaps between them are unknown.
pub fn timelines(
    db: &Db,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<AgentTimeline>> {
    let agents = scope_agents(db, scope)?;
    let mut statuses = Statuses::default();
    let mut by_agent: HashMap<AgentId, Vec<Segment>> = HashMap::new();
    for s in stretches(
        db,
        &agents,
        from.0,
        to.0,
        matches!(scope, Scope::Everyone),
        &mut statuses,
    )? {
        let (id, name) = &statuses.list[s.status];
        by_agent.entry(s.agent).or_default().push(Segment {
            start: Timestamp(s.start),
            end: Timestamp(s.end),
            status_vendor_id: id.clone(),
            name: name.clone(),
            source: s.source,
        });
    }
    Ok(agents
        .into_iter()
        .map(|(agent_id, name)| {
            let mut segments = by_agent.remove(&agent_id).unwrap_or_default();
            segments.sort_by_key(|s| s.start);
            AgentTimeline {
                agent_id,
                name,
                segments,
            }
        })
        .collect())
}

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
    use crate::{agents, assignments, connections, people, status_samples, targets};
    use switchboard_domain::assignment::{Assignment, AssignmentSource};
    use switchboard_domain::person::Person;
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
    fn time_in_status_timelines_and_mismatches_from_samples_with_a_gap() {
        let (_dir, store) = crate::test_support::store();
        let ccai = connections::tests::sample(Vendor::CcaiPlatform, "CCAI");
        let hc = connections::tests::sample(Vendor::Helpcrunch, "HC");
        let (agent, other) = store
            .write(|db| {
                connections::upsert(db, &ccai)?;
                connections::upsert(db, &hc)?;
                let person = people::insert(
                    db,
                    &Person {
                        id: PersonId(0),
                        display_name: "Ana".into(),
                        email: None,
                        created_at: Timestamp(0),
                    },
                )?;
                let agent = agents::upsert(db, &agents::tests::sample(ccai.id, "11", "ana@x.com"))?;
                let other = agents::upsert(db, &agents::tests::sample(hc.id, "4100", "ana@x.com"))?;
                for a in [agent, other] {
                    agents::set_person(
                        db,
                        a,
                        Some(person.id),
                        switchboard_domain::agent::PersonLink::Manual,
                    )?;
                }
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
                Ok((agent, other))
            })
            .expect("seed");

        let chart = store
            .read(|db| {
                status_chart(
                    db,
                    &Scope::Agent(agent),
                    Timestamp(0),
                    Timestamp(6 * H),
                    H,
                    Timestamp(5 * H),
                )
            })
            .expect("chart");
        let summary: Vec<(Vec<(String, i64)>, i64)> = chart
            .buckets
            .iter()
            .map(|b| {
                (
                    b.statuses
                        .iter()
                        .map(|s| (s.name.clone(), s.ms / 60_000))
                        .collect(),
                    b.unknown_ms / 60_000,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (vec![("Available".into(), 60)], 0),
                (vec![("Available".into(), 60)], 0),
                (vec![("Lunch".into(), 60)], 0),
                (vec![], 60),
                (vec![("Available".into(), 60)], 0),
                (vec![], 0),
            ],
            "the gap is unknown, the future is nothing"
        );
        let day = store
            .read(|db| {
                status_chart(
                    db,
                    &Scope::Person(agents::get(db, agent)?.person_id.expect("person")),
                    Timestamp(0),
                    Timestamp(24 * H),
                    24 * H,
                    Timestamp(5 * H),
                )
            })
            .expect("day");
        assert_eq!(day.buckets.len(), 1);
        assert_eq!(day.agents, 2, "the person's two agents");
        let available: i64 = day.buckets[0]
            .statuses
            .iter()
            .filter(|s| s.name == "Available")
            .map(|s| s.ms)
            .sum();
        assert_eq!(available, 3 * H);

        let lines = store
            .read(|db| timelines(db, &Scope::Agent(agent), Timestamp(H), Timestamp(6 * H)))
            .expect("timeline");
        let segments: Vec<(i64, i64, String)> = lines[0]
            .segments
            .iter()
            .map(|s| (s.start.0 / H, s.end.0 / H, s.name.clone()))
            .collect();
        assert_eq!(
            segments,
            [
                (1, 2, "Available".into()),
                (2, 3, "Lunch".into()),
                (4, 5, "Available".into())
            ],
            "clipped to the range, the gap left out"
        );

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
