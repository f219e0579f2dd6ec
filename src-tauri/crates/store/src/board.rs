//! The status board's read: every agent with their connection, person, teams,
//! workload and current (open) status, in one query.

use rusqlite::Connection as Db;
use switchboard_domain::status::{BoardAgent, CurrentStatus};
use switchboard_domain::{AgentId, PersonId, TeamId};

use crate::Result;
use crate::columns::{parsed, timestamp};

pub fn agents(db: &Db) -> Result<Vec<BoardAgent>> {
    let mut stmt = db.prepare_cached(
        "SELECT a.id, a.connection_id, c.display_name, c.vendor, c.is_demo, a.name, a.email, a.active, a.role,
                a.assignment_count, a.person_id, p.display_name AS person_name,
                (SELECT group_concat(tm.team_id) FROM team_members tm WHERE tm.agent_id = a.id) AS team_ids,
                s.status_vendor_id, s.status_name, s.started_at, s.last_seen_at, s.source
         FROM agents a
         JOIN connections c ON c.id = a.connection_id
         LEFT JOIN people p ON p.id = a.person_id
         LEFT JOIN status_samples s ON s.agent_id = a.id AND s.ended_at IS NULL
         ORDER BY coalesce(p.display_name, a.name), a.id",
    )?;
    let rows = stmt
        .query_map([], |row| {
            let teams: Option<String> = row.get("team_ids")?;
            let status_name: Option<String> = row.get("status_name")?;
            Ok(BoardAgent {
                agent_id: AgentId(row.get("id")?),
                connection_id: parsed(row, "connection_id")?,
                connection_name: row.get("display_name")?,
                vendor: parsed(row, "vendor")?,
                is_demo: row.get("is_demo")?,
                name: row.get("name")?,
                email: row.get("email")?,
                active: row.get("active")?,
                role: row.get("role")?,
                assignments: row.get("assignment_count")?,
                person_id: row.get::<_, Option<i64>>("person_id")?.map(PersonId),
                person_name: row.get("person_name")?,
                team_ids: teams
                    .map(|t| {
                        t.split(',')
                            .filter_map(|id| id.parse().ok())
                            .map(TeamId)
                            .collect()
                    })
                    .unwrap_or_default(),
                status: match status_name {
                    Some(name) => Some(CurrentStatus {
                        status_vendor_id: row.get("status_vendor_id")?,
                        name,
                        since: timestamp(row, "started_at")?,
                        seen_at: timestamp(row, "last_seen_at")?,
                        source: parsed(row, "source")?,
                    }),
                    None => None,
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
