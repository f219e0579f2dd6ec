//! The status charts' reads: each agent's stretches over a range, for whose
//! statuses a chart covers, bucketed into time in each status (with the time
//! nobody knows, and the time the vendor's activity log filled in) or laid out
//! as timelines. The bucketing is done here, in one pass over the stretches.

use std::collections::HashMap;

use rusqlite::{Connection as Db, params};
use switchboard_domain::dashboard::{
    AgentTimeline, Scope, Segment, StatusBucket, StatusChart, StatusTime,
};
use switchboard_domain::status::StatusSource;
use switchboard_domain::{AgentId, Timestamp};

use crate::Result;

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

/// Calls `out` with each stretch of `agents` that reaches into [from, to),
/// clipped to it (streamed: a week of everyone is 200,000 stretches).
fn stretches(
    db: &Db,
    agents: &[(AgentId, String)],
    (from, to): (i64, i64),
    everyone: bool,
    statuses: &mut Statuses,
    mut out: impl FnMut(Stretch),
) -> Result<()> {
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
            out(Stretch {
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
    Ok(())
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
    let everyone = matches!(scope, Scope::Everyone);
    stretches(db, &agents, (from, to), everyone, &mut statuses, |s| {
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
    })?;
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
    let mut all = Vec::new();
    let everyone = matches!(scope, Scope::Everyone);
    stretches(db, &agents, (from.0, to.0), everyone, &mut statuses, |s| {
        all.push(s)
    })?;
    for s in all {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, status_samples};
    use switchboard_domain::status::StatusSample;

    const H: i64 = 3_600_000;

    fn sample(
        agent: AgentId,
        (id, name): (&str, &str),
        (start, last, end): (i64, i64, Option<i64>),
        source: StatusSource,
    ) -> StatusSample {
        StatusSample {
            id: 0,
            agent_id: agent,
            status_vendor_id: Some(id.into()),
            status_name: name.into(),
            started_at: Timestamp(start),
            last_seen_at: Timestamp(last),
            ended_at: end.map(Timestamp),
            source,
        }
    }

    #[test]
    fn time_in_status_and_timelines_from_stretches_with_a_gap_and_their_sources() {
        let (_dir, store) = crate::test_support::store();
        let agent = store
            .write(|db| {
                let (_, _, agent, _) = crate::test_support::ana_on_two_platforms(db)?;
                // Available 0-2h (polled), Lunch 2-3h (from the vendor's log),
                // nobody knows 3-4h, Available from 4h (the app's own change,
                // last seen 5h).
                let available = ("0", "Available");
                for s in [
                    sample(
                        agent,
                        available,
                        (0, 2 * H, Some(2 * H)),
                        StatusSource::Poll,
                    ),
                    sample(
                        agent,
                        ("1", "Lunch"),
                        (2 * H, 3 * H, Some(3 * H)),
                        StatusSource::Log,
                    ),
                    sample(agent, available, (4 * H, 5 * H, None), StatusSource::App),
                ] {
                    status_samples::insert(db, &s)?;
                }
                Ok(agent)
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
        let from_log: Vec<i64> = chart
            .buckets
            .iter()
            .map(|b| b.from_log_ms / 60_000)
            .collect();
        assert_eq!(
            from_log,
            [0, 0, 60, 0, 0, 0],
            "Lunch came from the vendor's log"
        );
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
        let segments: Vec<(i64, i64, String, StatusSource)> = lines[0]
            .segments
            .iter()
            .map(|s| (s.start.0 / H, s.end.0 / H, s.name.clone(), s.source))
            .collect();
        assert_eq!(
            segments,
            [
                (1, 2, "Available".into(), StatusSource::Poll),
                (2, 3, "Lunch".into(), StatusSource::Log),
                (4, 5, "Available".into(), StatusSource::App)
            ],
            "clipped to the range, the gap left out, each marked with its source"
        );
    }
}
