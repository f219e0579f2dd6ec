//! The queries behind the browse views: people with their agents on every
//! connection, teams with members, and a paged, searchable list of targets with
//! their assignees. Read-only, so they work with no network at all.

use std::collections::BTreeMap;

use rusqlite::types::ToSql;
use rusqlite::{Connection as Db, Row};
use switchboard_domain::browse::{
    AgentRef, AssigneeRef, PersonRow, TargetPage, TargetQuery, TargetRow, TeamRow,
};
use switchboard_domain::{AgentId, PersonId, TeamId};

use crate::Result;
use crate::columns::parsed;

/// The biggest page a caller can ask for.
pub const MAX_PAGE: u32 = 500;

/// A full-text query from what a manager typed: words become prefixes that must
/// all match; something that looks like a phone number becomes its digits.
pub fn fts_query(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let phone_like = !digits.is_empty()
        && digits.len() >= 3
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || "+-(). ".contains(c));
    let terms: Vec<String> = if phone_like {
        vec![digits]
    } else {
        trimmed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    };
    (!terms.is_empty()).then(|| {
        terms
            .iter()
            .map(|t| format!("\"{t}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn like(search: Option<&str>) -> Option<String> {
    search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.replace(['%', '_'], "")))
}

fn agent_ref(row: &Row<'_>, offset: usize) -> rusqlite::Result<AgentRef> {
    let at = |i: usize| offset + i;
    Ok(AgentRef {
        id: AgentId(row.get(at(0))?),
        connection_id: row
            .get::<_, String>(at(1))?
            .parse()
            .map_err(|e| conversion(at(1), e))?,
        connection_name: row.get(at(2))?,
        vendor: row
            .get::<_, String>(at(3))?
            .parse()
            .map_err(|e| conversion(at(3), e))?,
        is_demo: row.get(at(4))?,
        vendor_id: row.get(at(5))?,
        name: row.get(at(6))?,
        email: row.get(at(7))?,
        active: row.get(at(8))?,
        link: row
            .get::<_, String>(at(9))?
            .parse()
            .map_err(|e| conversion(at(9), e))?,
        assignments: row.get(at(10))?,
    })
}

fn conversion(i: usize, e: switchboard_domain::ValidationError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
}

/// An assignee as the targets query packs it: vendor id, agent id, name, until.
type PackedAssignee = (String, Option<i64>, Option<String>, Option<i64>);

const AGENT_COLUMNS: &str = "a.id, a.connection_id, c.display_name, c.vendor, c.is_demo, a.vendor_id, a.name, a.email, a.active, a.link,
    a.assignment_count";

/// Everyone, with their agents on every connection, by name. `search` matches a
/// person's or any of their agents' name or email.
pub fn people(db: &Db, search: Option<&str>) -> Result<Vec<PersonRow>> {
    let pattern = like(search);
    let sql = format!(
        "SELECT p.id, p.display_name, p.email, {AGENT_COLUMNS}
         FROM people p JOIN agents a ON a.person_id = p.id JOIN connections c ON c.id = a.connection_id
         WHERE ?1 IS NULL OR p.display_name LIKE ?1 OR p.email LIKE ?1
            OR p.id IN (SELECT person_id FROM agents WHERE name LIKE ?1 OR email LIKE ?1)
         ORDER BY p.display_name COLLATE NOCASE, p.id, c.display_name COLLATE NOCASE, a.id"
    );
    let mut stmt = db.prepare(&sql)?;
    let mut rows: Vec<PersonRow> = Vec::new();
    let mut iter = stmt.query([pattern])?;
    while let Some(row) = iter.next()? {
        let id = PersonId(row.get(0)?);
        let agent = agent_ref(row, 3)?;
        match rows.last_mut() {
            Some(last) if last.id == id => {
                last.assignments += agent.assignments;
                last.agents.push(agent);
            }
            _ => rows.push(PersonRow {
                id,
                display_name: row.get(1)?,
                email: row.get(2)?,
                assignments: agent.assignments,
                agents: vec![agent],
            }),
        }
    }
    Ok(rows)
}

/// Agents of every connection (or one), with the person each belongs to.
pub fn agents(
    db: &Db,
    connection: Option<switchboard_domain::ConnectionId>,
    search: Option<&str>,
) -> Result<Vec<(AgentRef, PersonId, String)>> {
    let pattern = like(search);
    let sql = format!(
        "SELECT {AGENT_COLUMNS}, p.id, p.display_name
         FROM agents a JOIN connections c ON c.id = a.connection_id JOIN people p ON p.id = a.person_id
         WHERE (?1 IS NULL OR a.connection_id = ?1) AND (?2 IS NULL OR a.name LIKE ?2 OR a.email LIKE ?2 OR a.vendor_id LIKE ?2)
         ORDER BY a.name COLLATE NOCASE, c.display_name COLLATE NOCASE, a.id"
    );
    let mut stmt = db.prepare(&sql)?;
    let rows = stmt
        .query_map(
            rusqlite::params![connection.map(|c| c.to_string()), pattern],
            |row| Ok((agent_ref(row, 0)?, PersonId(row.get(11)?), row.get(12)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Teams (and departments) with their members' ids.
pub fn teams(
    db: &Db,
    connection: Option<switchboard_domain::ConnectionId>,
) -> Result<Vec<TeamRow>> {
    let mut stmt = db.prepare(
        "SELECT t.id, t.connection_id, c.display_name, c.vendor, t.vendor_id, t.name, t.parent_vendor_id, m.agent_id
         FROM teams t JOIN connections c ON c.id = t.connection_id LEFT JOIN team_members m ON m.team_id = t.id
         WHERE ?1 IS NULL OR t.connection_id = ?1
         ORDER BY c.display_name COLLATE NOCASE, t.name COLLATE NOCASE, t.id, m.agent_id",
    )?;
    let mut rows: Vec<TeamRow> = Vec::new();
    let mut iter = stmt.query([connection.map(|c| c.to_string())])?;
    while let Some(row) = iter.next()? {
        let id = TeamId(row.get(0)?);
        let member: Option<i64> = row.get(7)?;
        if rows.last().is_none_or(|t| t.id != id) {
            rows.push(TeamRow {
                id,
                connection_id: parsed(row, "connection_id")?,
                connection_name: row.get(2)?,
                vendor: parsed(row, "vendor")?,
                vendor_id: row.get(4)?,
                name: row.get(5)?,
                parent_vendor_id: row.get(6)?,
                members: Vec::new(),
            });
        }
        if let (Some(m), Some(last)) = (member, rows.last_mut()) {
            last.members.push(AgentId(m));
        }
    }
    Ok(rows)
}

/// One page of targets, most recently active first, with their assignees.
pub fn targets(db: &Db, q: &TargetQuery) -> Result<TargetPage> {
    let (filter, params) = target_filter(q);
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let total: i64 = db.query_row(
        &format!("SELECT count(*) FROM targets t {filter}"),
        refs.as_slice(),
        |r| r.get(0),
    )?;
    let limit = q.limit.clamp(1, MAX_PAGE);
    let mut rows = Vec::with_capacity(limit as usize);
    each_target(db, q, Some((limit, q.offset)), |row| rows.push(row))?;
    Ok(TargetPage { rows, total })
}

/// The ids of every target matching `q` (its paging ignored), in the views'
/// order: the scope of a bulk job ("select all N matching").
pub fn matching_ids(db: &Db, q: &TargetQuery) -> Result<Vec<switchboard_domain::TargetId>> {
    let (filter, params) = target_filter(q);
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut stmt = db.prepare(&format!(
        "SELECT t.id FROM targets t {filter} ORDER BY t.last_activity_at DESC NULLS LAST, t.id"
    ))?;
    let ids = stmt
        .query_map(refs.as_slice(), |r| {
            Ok(switchboard_domain::TargetId(r.get(0)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Every target matching `q` (its paging ignored), in the views' order, one at a
/// time: for exports of any size.
pub fn export_targets(db: &Db, q: &TargetQuery, each: impl FnMut(TargetRow)) -> Result<()> {
    each_target(db, q, None, each)
}

fn target_filter(q: &TargetQuery) -> (String, Vec<Box<dyn ToSql>>) {
    let mut conditions: Vec<&str> = Vec::new();
    let mut params: Vec<Box<dyn ToSql>> = Vec::new();
    if let Some(fts) = q.search.as_deref().and_then(fts_query) {
        conditions.push("t.id IN (SELECT rowid FROM targets_fts WHERE targets_fts MATCH ?)");
        params.push(Box::new(fts));
    }
    if let Some(c) = q.connection_id {
        conditions.push("t.connection_id = ?");
        params.push(Box::new(c.to_string()));
    }
    match q.unassigned {
        Some(true) => conditions.push("t.assignee_count = 0"),
        Some(false) => conditions.push("t.assignee_count > 0"),
        None => {}
    }
    if let Some(target) = q.target_id {
        conditions.push("t.id = ?");
        params.push(Box::new(target.0));
    }
    if let Some(agent) = q.agent_id {
        conditions.push(
            "EXISTS (SELECT 1 FROM assignments s WHERE s.target_id = t.id AND s.agent_id = ?)",
        );
        params.push(Box::new(agent.0));
    }
    if let Some(person) = q.person_id {
        conditions.push(
            "EXISTS (SELECT 1 FROM assignments s JOIN agents a ON a.id = s.agent_id
                     WHERE s.target_id = t.id AND a.person_id = ?)",
        );
        params.push(Box::new(person.0));
    }
    if let Some(after) = q.active_after {
        conditions.push("t.last_activity_at >= ?");
        params.push(Box::new(after.0));
    }
    if let Some(before) = q.active_before {
        conditions.push("coalesce(t.last_activity_at, 0) < ?");
        params.push(Box::new(before.0));
    }
    if let Some(by) = q.expiring_before {
        conditions.push(
            "EXISTS (SELECT 1 FROM assignments s WHERE s.target_id = t.id AND s.until IS NOT NULL AND s.until <= ?)",
        );
        params.push(Box::new(by.0));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (filter, params)
}

fn each_target(
    db: &Db,
    q: &TargetQuery,
    page: Option<(u32, u32)>,
    mut each: impl FnMut(TargetRow),
) -> Result<()> {
    let (filter, params) = target_filter(q);
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let paging = page
        .map(|(limit, offset)| format!("LIMIT {limit} OFFSET {offset}"))
        .unwrap_or_default();
    let sql = format!(
        "SELECT t.id, t.connection_id, t.kind, t.vendor_id, t.name, t.phone, t.email, t.status, t.last_activity_at, t.synced_at,
                c.display_name, c.vendor, c.is_demo,
                (SELECT json_group_array(json_array(s.agent_vendor_id, s.agent_id, ag.name, s.until))
                   FROM assignments s LEFT JOIN agents ag ON ag.id = s.agent_id WHERE s.target_id = t.id) AS assignees
         FROM targets t JOIN connections c ON c.id = t.connection_id
         {filter}
         ORDER BY t.last_activity_at DESC NULLS LAST, t.id
         {paging}"
    );
    let mut stmt = db.prepare(&sql)?;
    let mut rows = stmt.query(refs.as_slice())?;
    while let Some(row) = rows.next()? {
        each(target_row(row)?);
    }
    Ok(())
}

fn target_row(row: &Row<'_>) -> rusqlite::Result<TargetRow> {
    let assignees: String = row.get("assignees")?;
    let assignees: Vec<PackedAssignee> = serde_json::from_str(&assignees).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(13, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(TargetRow {
        target: crate::targets::from_row(row)?,
        connection_name: row.get("display_name")?,
        vendor: parsed(row, "vendor")?,
        is_demo: row.get("is_demo")?,
        assignees: assignees
            .into_iter()
            .map(|(agent_vendor_id, agent_id, name, until)| AssigneeRef {
                agent_vendor_id,
                agent_id: agent_id.map(AgentId),
                name,
                until: until.map(switchboard_domain::Timestamp),
            })
            .collect(),
    })
}

/// One target as the views show it.
pub fn target(db: &Db, id: switchboard_domain::TargetId) -> Result<TargetRow> {
    let q = TargetQuery {
        target_id: Some(id),
        ..Default::default()
    };
    let mut found = None;
    each_target(db, &q, Some((1, 0)), |row| found = Some(row))?;
    found.ok_or_else(|| crate::StoreError::NotFound {
        what: "target",
        id: id.to_string(),
    })
}

/// How many targets each connection has, and how many of them are unassigned.
pub fn target_counts(db: &Db) -> Result<BTreeMap<String, (i64, i64)>> {
    let mut stmt = db.prepare(
        "SELECT connection_id, count(*), sum(assignee_count = 0) FROM targets GROUP BY connection_id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, assignments, connections, targets as target_table};
    use switchboard_domain::Timestamp;
    use switchboard_domain::Vendor;
    use switchboard_domain::assignment::{Assignment, AssignmentSource};

    #[test]
    fn fts_queries_from_what_managers_type() {
        assert_eq!(fts_query("  ana lima "), Some("\"ana\"* \"lima\"*".into()));
        assert_eq!(fts_query("+91 98765-43"), Some("\"919876543\"*".into()));
        assert_eq!(
            fts_query("noah@example.com"),
            Some("\"noah\"* \"example\"* \"com\"*".into())
        );
        assert_eq!(
            fts_query("\"; DROP"),
            Some("\"DROP\"*".into()),
            "quotes cannot break out"
        );
        assert_eq!(fts_query("  "), None);
    }

    #[test]
    fn targets_search_filter_and_page_with_assignees() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Helpcrunch, "HC");
        store
            .write(|db| {
                connections::upsert(db, &conn)?;
                let agent = agents::upsert(
                    db,
                    &agents::tests::sample(conn.id, "4188", "john@x.example"),
                )?;
                for i in 0..30 {
                    let mut t = target_table::tests::sample(conn.id, &format!("{i}"), i);
                    t.name = Some(if i == 7 {
                        "Noah Lima".into()
                    } else {
                        format!("Customer {i}")
                    });
                    t.phone = Some(format!("9198765{i:05}"));
                    let id = target_table::upsert(db, &t)?;
                    if i % 2 == 0 {
                        assignments::upsert(
                            db,
                            &Assignment {
                                target_id: id,
                                agent_vendor_id: "4188".into(),
                                agent_id: Some(agent),
                                until: None,
                                notes: None,
                                source: AssignmentSource::Vendor,
                                observed_at: Timestamp(1),
                            },
                        )?;
                    }
                }
                Ok(())
            })
            .expect("seed");
        let q = |search: Option<&str>, unassigned: Option<bool>, offset, limit| TargetQuery {
            search: search.map(Into::into),
            unassigned,
            offset,
            limit,
            ..Default::default()
        };
        let page = store
            .read(|db| targets(db, &q(None, None, 0, 10)))
            .expect("page");
        assert_eq!((page.total, page.rows.len()), (30, 10));
        assert_eq!(page.rows[0].target.vendor_id, "29", "most recent first");
        let found = store
            .read(|db| targets(db, &q(Some("noah li"), None, 0, 10)))
            .expect("search");
        assert_eq!(
            found
                .rows
                .iter()
                .map(|r| r.target.vendor_id.as_str())
                .collect::<Vec<_>>(),
            ["7"]
        );
        let by_phone = store
            .read(|db| targets(db, &q(Some("+91 98765 00012"), None, 0, 10)))
            .expect("phone");
        assert_eq!(by_phone.rows[0].target.vendor_id, "12");
        let unassigned = store
            .read(|db| targets(db, &q(None, Some(true), 0, 100)))
            .expect("unassigned");
        assert_eq!(unassigned.total, 15);
        assert!(unassigned.rows.iter().all(|r| r.assignees.is_empty()));
        let assigned = store
            .read(|db| targets(db, &q(None, Some(false), 0, 100)))
            .expect("assigned");
        assert_eq!(
            assigned.rows[0].assignees[0].name.as_deref(),
            Some("Agent 4188")
        );

        // Renaming a target updates the index; deleting removes it.
        store
            .write(|db| {
                let mut t = target_table::tests::sample(conn.id, "7", 7);
                t.name = Some("Olivia Park".into());
                target_table::upsert(db, &t)?;
                Ok(())
            })
            .expect("rename");
        assert_eq!(
            store
                .read(|db| targets(db, &q(Some("noah"), None, 0, 10)))
                .expect("old")
                .total,
            0
        );
        assert_eq!(
            store
                .read(|db| targets(db, &q(Some("olivia"), None, 0, 10)))
                .expect("new")
                .total,
            1
        );
        let counts = store.read(target_counts).expect("counts");
        assert_eq!(counts[&conn.id.to_string()], (30, 15));
    }
}
