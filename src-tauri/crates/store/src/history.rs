//! History: the journal's operations with their job and connection, newest first,
//! filtered, a page at a time (keyset paging on the operation id) or all at once
//! for exports. Reads SQLite only, so it answers the same offline.

use rusqlite::types::ToSql;
use rusqlite::{Connection as Db, Row};
use switchboard_domain::job::{HistoryPage, HistoryQuery, HistoryRow, JobGroup, JobKind};
use switchboard_domain::{JobId, OperationId, Vendor};

use crate::Result;
use crate::browse::fts_query;
use crate::columns::parsed;

/// The most rows one page returns.
pub const MAX_PAGE: u32 = 500;

/// One page of operations matching `q`, newest first.
pub fn page(db: &Db, q: &HistoryQuery) -> Result<HistoryPage> {
    let limit = match q.limit {
        0 => 100,
        n => n.min(MAX_PAGE),
    };
    if q.group_jobs && q.job_id.is_none() {
        return grouped_page(db, q, limit);
    }
    let mut rows = Vec::with_capacity(limit as usize);
    // One more than asked tells whether there is a next page.
    each(db, q, &Default::default(), Some(limit + 1), |row| {
        rows.push(row);
        true
    })?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.operation.id)
    } else {
        None
    };
    Ok(HistoryPage { rows, next })
}

/// A page where a bulk job is one row: its newest operation that matches
/// stands for it, with the job's counts. One pass, newest first: the other
/// operations of a job already met are passed over unparsed, so a job of
/// 10,000 items costs a string compare each.
fn grouped_page(db: &Db, q: &HistoryQuery, limit: u32) -> Result<HistoryPage> {
    let mut rows: Vec<HistoryRow> = Vec::with_capacity(limit as usize);
    let met = std::cell::RefCell::new(Vec::<String>::new());
    let mut failure = None;
    each(db, q, &met, None, |mut row| {
        if let Some(group) = row.group.as_mut() {
            let job = row.operation.job_id;
            met.borrow_mut().push(job.to_string());
            // On a later page, a job whose newer operation matched was shown
            // on an earlier one.
            let shown_before = match q.after {
                None => Ok(false),
                Some(_) => newest_matching(db, q, job).map(|n| n != Some(row.operation.id)),
            };
            let counts = shown_before.and_then(|before| {
                Ok((!before).then_some(crate::operations::state_counts(db, job)?))
            });
            match counts {
                Ok(None) => return true,
                Ok(Some(counts)) => {
                    group.items = counts.iter().map(|(_, n)| n).sum();
                    group.by_state = counts
                        .into_iter()
                        .map(|(s, n)| (s.as_str().to_owned(), n))
                        .collect();
                }
                Err(e) => {
                    failure = Some(e);
                    return false;
                }
            }
        }
        rows.push(row);
        rows.len() <= limit as usize
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.operation.id)
    } else {
        None
    };
    Ok(HistoryPage { rows, next })
}

/// The newest operation of `job` that matches the query's filters.
fn newest_matching(db: &Db, q: &HistoryQuery, job: JobId) -> Result<Option<OperationId>> {
    let unpaged = HistoryQuery {
        after: None,
        job_id: Some(job),
        ..q.clone()
    };
    let (filter, params) = filter(&unpaged);
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let id: Option<i64> = db.query_row(
        &format!("SELECT max(o.id) FROM operations o {filter}"),
        refs.as_slice(),
        |r| r.get(0),
    )?;
    Ok(id.map(OperationId))
}

/// One operation as the CSV export writes it, borrowed from SQLite's row: the
/// export of a million rows parses and allocates nothing per field.
pub struct FlatRow<'a> {
    pub id: i64,
    pub job_id: &'a str,
    pub job_title: &'a str,
    pub origin: &'a str,
    pub connection_name: Option<&'a str>,
    pub vendor: Option<&'a str>,
    pub kind: &'a str,
    pub target_label: Option<&'a str>,
    pub target_vendor_id: Option<&'a str>,
    /// A JSON array of names.
    pub agent_names: &'a str,
    /// JSON, as journaled.
    pub request: &'a str,
    pub before: Option<&'a str>,
    pub state: &'a str,
    pub attempts: i64,
    pub error_message: Option<&'a str>,
    pub created_at: i64,
}

/// Every operation matching `q` (its paging ignored), newest first, as flat rows.
pub fn export_flat(
    db: &Db,
    q: &HistoryQuery,
    mut each_row: impl FnMut(&FlatRow<'_>) -> std::io::Result<()>,
) -> Result<std::io::Result<()>> {
    // Every operation: an export is never grouped.
    let all = HistoryQuery {
        after: None,
        group_jobs: false,
        ..q.clone()
    };
    let (filter, params) = filter(&all);
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let sql = format!(
        "SELECT o.id, o.job_id, j.title, j.origin, c.display_name, c.vendor, o.kind, o.target_label,
                o.target_vendor_id, o.agent_names, o.request, o.before, o.state, o.attempts,
                o.error_message, o.created_at
         FROM operations o
         JOIN jobs j ON j.id = o.job_id
         LEFT JOIN connections c ON c.id = o.connection_id
         {filter}
         ORDER BY o.id DESC"
    );
    let mut stmt = db.prepare(&sql)?;
    let mut rows = stmt.query(refs.as_slice())?;
    while let Some(row) = rows.next()? {
        let text = |i: usize| -> rusqlite::Result<&str> { Ok(row.get_ref(i)?.as_str()?) };
        let opt =
            |i: usize| -> rusqlite::Result<Option<&str>> { Ok(row.get_ref(i)?.as_str_or_null()?) };
        let flat = FlatRow {
            id: row.get(0)?,
            job_id: text(1)?,
            job_title: text(2)?,
            origin: text(3)?,
            connection_name: opt(4)?,
            vendor: opt(5)?,
            kind: text(6)?,
            target_label: opt(7)?,
            target_vendor_id: opt(8)?,
            agent_names: text(9)?,
            request: text(10)?,
            before: opt(11)?,
            state: text(12)?,
            attempts: row.get(13)?,
            error_message: opt(14)?,
            created_at: row.get(15)?,
        };
        if let Err(e) = each_row(&flat) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

/// The kinds of job History shows as one row when it groups.
const BULK: [JobKind; 3] = [JobKind::Reassign, JobKind::Plan, JobKind::Cover];

/// The conditions `q` puts on operations aliased `o` (and their parameters);
/// `paging` adds the page's start.
fn conditions_on(q: &HistoryQuery, o: &str, paging: bool) -> (Vec<String>, Vec<Box<dyn ToSql>>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql>> = Vec::new();
    if let Some(c) = q.connection_id {
        conditions.push(format!("{o}.connection_id = ?"));
        params.push(Box::new(c.to_string()));
    }
    if let Some(a) = q.agent_id {
        conditions.push(format!(
            "{o}.id IN (SELECT operation_id FROM operation_agents WHERE agent_id = ?)"
        ));
        params.push(Box::new(a.0));
    }
    if let Some(p) = q.person_id {
        conditions.push(format!(
            "{o}.id IN (SELECT oa.operation_id FROM operation_agents oa JOIN agents a ON a.id = oa.agent_id WHERE a.person_id = ?)"
        ));
        params.push(Box::new(p.0));
    }
    if let Some(t) = q.target_id {
        conditions.push(format!("{o}.target_id = ?"));
        params.push(Box::new(t.0));
    }
    if let Some(j) = q.job_id {
        conditions.push(format!("{o}.job_id = ?"));
        params.push(Box::new(j.to_string()));
    }
    if !q.states.is_empty() {
        let marks = vec!["?"; q.states.len()].join(", ");
        conditions.push(format!("{o}.state IN ({marks})"));
        for s in &q.states {
            params.push(Box::new(s.as_str()));
        }
    }
    if let Some(from) = q.from {
        conditions.push(format!("{o}.created_at >= ?"));
        params.push(Box::new(from.0));
    }
    if let Some(to) = q.to {
        conditions.push(format!("{o}.created_at < ?"));
        params.push(Box::new(to.0));
    }
    if let Some(fts) = q.search.as_deref().and_then(fts_query) {
        conditions.push(format!(
            "{o}.id IN (SELECT rowid FROM operations_fts WHERE operations_fts MATCH ?)"
        ));
        params.push(Box::new(fts));
    }
    if paging && let Some(after) = q.after {
        conditions.push(format!("{o}.id < ?"));
        params.push(Box::new(after.0));
    }
    (conditions, params)
}

fn filter(q: &HistoryQuery) -> (String, Vec<Box<dyn ToSql>>) {
    let (conditions, params) = conditions_on(q, "o", true);
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (filter, params)
}

/// Each operation matching `q`, newest first, leaving out the jobs in
/// `except`, until `each_row` says stop. With `q.group_jobs`, a bulk job's
/// operation comes with an empty group naming its kind (the caller fills it
/// in or leaves the row out).
fn each(
    db: &Db,
    q: &HistoryQuery,
    except: &std::cell::RefCell<Vec<String>>,
    limit: Option<u32>,
    mut each_row: impl FnMut(HistoryRow) -> bool,
) -> Result<()> {
    let (filter, params) = filter(q);
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let limit = limit.map(|n| format!("LIMIT {n}")).unwrap_or_default();
    let sql = format!(
        "SELECT o.*, j.title AS job_title, j.origin AS job_origin, j.kind AS job_kind,
                c.display_name AS connection_name, c.vendor AS connection_vendor
         FROM operations o
         JOIN jobs j ON j.id = o.job_id
         LEFT JOIN connections c ON c.id = o.connection_id
         {filter}
         ORDER BY o.id DESC
         {limit}"
    );
    let mut stmt = db.prepare(&sql)?;
    let mut rows = stmt.query(refs.as_slice())?;
    let grouping = q.group_jobs && q.job_id.is_none();
    let job_column = rows.as_ref().map_or(Ok(0), |s| s.column_index("job_id"))?;
    while let Some(row) = rows.next()? {
        // A job already shown is passed over before anything is parsed.
        if grouping && {
            let job = row
                .get_ref(job_column)?
                .as_str()
                .map_err(rusqlite::Error::from)?;
            except.borrow().iter().any(|j| j == job)
        } {
            continue;
        }
        let mut history = history_row(row)?;
        let kind: JobKind = parsed(row, "job_kind")?;
        if grouping && BULK.contains(&kind) {
            history.group = Some(JobGroup {
                kind,
                items: 0,
                by_state: Default::default(),
            });
        }
        if !each_row(history) {
            break;
        }
    }
    Ok(())
}

fn history_row(row: &Row<'_>) -> rusqlite::Result<HistoryRow> {
    let vendor: Option<String> = row.get("connection_vendor")?;
    Ok(HistoryRow {
        operation: crate::operations::from_row(row)?,
        job_title: row.get("job_title")?,
        origin: parsed(row, "job_origin")?,
        connection_name: row.get("connection_name")?,
        vendor: vendor.and_then(|v| v.parse::<Vendor>().ok()),
        group: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{agents, connections, jobs, operations, people};
    use switchboard_domain::job::OperationState;
    use switchboard_domain::person::Person;
    use switchboard_domain::{AgentId, OperationId, PersonId, TargetId, Timestamp};

    #[test]
    fn pages_newest_first_with_every_filter() {
        let (_dir, store) = crate::test_support::store();
        let pingup = connections::tests::sample(Vendor::Pingup, "Pingup EU");
        let vambe = connections::tests::sample(Vendor::Vambe, "Vambe");
        let (ana, bo, person) = store
            .write(|db| {
                connections::upsert(db, &pingup)?;
                connections::upsert(db, &vambe)?;
                let ana = agents::upsert(db, &agents::tests::sample(pingup.id, "a1", "ana@x.com"))?;
                let bo = agents::upsert(db, &agents::tests::sample(vambe.id, "b1", "bo@x.com"))?;
                let person = people::insert(
                    db,
                    &Person {
                        id: PersonId(0),
                        display_name: "Bo".into(),
                        email: None,
                        created_at: Timestamp(1),
                    },
                )?;
                agents::set_person(
                    db,
                    bo,
                    Some(person.id),
                    switchboard_domain::agent::PersonLink::Manual,
                )?;
                Ok((ana, bo, person.id))
            })
            .expect("seed");
        // 250 operations: even ones for Ana on Pingup, odd ones for Bo on Vambe;
        // every tenth failed with a vendor message.
        store
            .write(|db| {
                for i in 0..250_i64 {
                    let job = jobs::tests::sample(i);
                    jobs::insert(db, &job)?;
                    let mut op = operations::tests::sample(job.id);
                    let (conn, agent, name) = if i % 2 == 0 {
                        (pingup.id, ana, "Ana Diaz")
                    } else {
                        (vambe.id, bo, "Bo Berg")
                    };
                    op.connection_id = conn;
                    op.agent_names = vec![name.into()];
                    op.target_id = Some(TargetId(i % 5));
                    op.target_label = Some(format!("Customer {i}"));
                    op.created_at = Timestamp(i * 1_000);
                    if i % 10 == 0 {
                        op.state = OperationState::Failed;
                        op.error_message = Some("Conversation not found".into());
                    } else {
                        op.state = OperationState::Done;
                    }
                    operations::insert(db, &op, &[agent], None)?;
                }
                Ok(())
            })
            .expect("journal");

        let ids = |q: &HistoryQuery| -> Vec<i64> {
            store
                .read(|db| page(db, q))
                .expect("page")
                .rows
                .iter()
                .map(|r| r.operation.id.0)
                .collect()
        };
        let first = store
            .read(|db| page(db, &HistoryQuery::default()))
            .expect("page");
        assert_eq!(first.rows.len(), 100);
        assert_eq!(first.rows[0].operation.id, OperationId(250), "newest first");
        assert_eq!(first.rows[0].connection_name.as_deref(), Some("Vambe"));
        assert_eq!(first.next, Some(OperationId(151)));
        let third = HistoryQuery {
            after: Some(OperationId(51)),
            ..Default::default()
        };
        let last = store.read(|db| page(db, &third)).expect("page");
        assert_eq!(
            (last.rows.len(), last.next),
            (50, None),
            "the last page says so"
        );

        let by = |f: fn(&mut HistoryQuery)| {
            let mut q = HistoryQuery {
                limit: 500,
                ..Default::default()
            };
            f(&mut q);
            q
        };
        let pingup_only = ids(&HistoryQuery {
            connection_id: Some(pingup.id),
            limit: 500,
            ..Default::default()
        });
        assert_eq!(pingup_only.len(), 125);
        assert!(pingup_only.iter().all(|id| (id - 1) % 2 == 0));
        assert_eq!(
            ids(&HistoryQuery {
                agent_id: Some(ana),
                limit: 500,
                ..Default::default()
            }),
            pingup_only
        );
        assert_eq!(
            ids(&HistoryQuery {
                person_id: Some(person),
                limit: 500,
                ..Default::default()
            })
            .len(),
            125
        );
        assert!(
            ids(&HistoryQuery {
                agent_id: Some(AgentId(999)),
                ..Default::default()
            })
            .is_empty()
        );
        assert_eq!(
            ids(&by(|q| q.states = vec![OperationState::Failed])).len(),
            25
        );
        assert_eq!(
            ids(&HistoryQuery {
                target_id: Some(TargetId(3)),
                limit: 500,
                ..Default::default()
            })
            .len(),
            50
        );
        assert_eq!(
            ids(&by(|q| {
                q.from = Some(Timestamp(10_000));
                q.to = Some(Timestamp(20_000));
            })),
            (11..=20).rev().collect::<Vec<i64>>(),
            "from is inclusive, to exclusive"
        );
        assert_eq!(ids(&by(|q| q.search = Some("customer 42".into()))), [43]);
        assert_eq!(
            ids(&by(|q| q.search = Some("berg".into()))).len(),
            125,
            "agent names are searched"
        );
        assert_eq!(
            ids(&by(|q| q.search = Some("conversation".into()))).len(),
            25,
            "the vendor's words too"
        );
        assert_eq!(
            ids(&by(|q| {
                q.search = Some("conversation".into());
                q.connection_id = None;
                q.states = vec![OperationState::Done];
            })),
            Vec::<i64>::new(),
            "filters combine"
        );

        let mut exported = Vec::new();
        store
            .read(|db| {
                export_flat(
                    db,
                    &HistoryQuery {
                        after: Some(OperationId(3)),
                        ..Default::default()
                    },
                    |r| {
                        exported.push(r.id);
                        Ok(())
                    },
                )
            })
            .expect("export")
            .expect("written");
        assert_eq!(
            exported,
            (1..=250).rev().collect::<Vec<i64>>(),
            "an export ignores paging"
        );

        // History outlives a removed connection.
        store
            .write(|db| connections::delete(db, vambe.id))
            .expect("delete");
        let first = store
            .read(|db| page(db, &HistoryQuery::default()))
            .expect("page");
        assert_eq!(first.rows[0].operation.id, OperationId(250));
        assert_eq!(
            (
                first.rows[0].connection_name.as_deref(),
                first.rows[0].vendor
            ),
            (None, None)
        );
    }

    #[test]
    fn a_bulk_job_is_one_row_that_opens_into_its_items() {
        let (_dir, store) = crate::test_support::store();
        let conn = connections::tests::sample(Vendor::Helpcrunch, "HelpCrunch");
        let bulk = switchboard_domain::job::Job {
            kind: JobKind::Reassign,
            ..jobs::tests::sample(100)
        };
        let ops = |job: &switchboard_domain::job::Job, n: usize, at: i64| {
            (0..n)
                .map(|i| {
                    let mut op = operations::tests::sample(job.id);
                    op.connection_id = conn.id;
                    op.created_at = Timestamp(at + i as i64);
                    if job.kind == JobKind::Reassign && i % 6 == 0 {
                        op.state = OperationState::Failed;
                    } else if job.kind == JobKind::Reassign {
                        op.state = OperationState::Done;
                    }
                    op
                })
                .collect::<Vec<_>>()
        };
        store
            .write(|db| {
                connections::upsert(db, &conn)?;
                let mut at = 0;
                for (job, n) in [
                    (jobs::tests::sample(1), 1),
                    (jobs::tests::sample(2), 1),
                    (bulk.clone(), 30),
                    (jobs::tests::sample(3), 1),
                    (jobs::tests::sample(4), 1),
                ] {
                    jobs::insert(db, &job)?;
                    for op in ops(&job, n, at) {
                        operations::insert(db, &op, &[], None)?;
                    }
                    at += 100;
                }
                Ok(())
            })
            .expect("seed");
        let grouped = HistoryQuery {
            group_jobs: true,
            limit: 2,
            ..Default::default()
        };
        // Paged two at a time: every single change once, the job once.
        let mut rows = Vec::new();
        let mut q = grouped.clone();
        loop {
            let p = store.read(|db| page(db, &q)).expect("page");
            rows.extend(p.rows);
            match p.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        assert_eq!(rows.len(), 5, "{rows:#?}");
        let groups: Vec<&HistoryRow> = rows.iter().filter(|r| r.group.is_some()).collect();
        assert_eq!(groups.len(), 1);
        let g = groups[0].group.as_ref().expect("group");
        assert_eq!((g.kind, g.items), (JobKind::Reassign, 30));
        assert_eq!(
            (g.by_state.get("done"), g.by_state.get("failed")),
            (Some(&25), Some(&5))
        );
        assert_eq!(groups[0].operation.job_id, bulk.id);
        assert_eq!(groups[0].operation.id, OperationId(32), "its newest item");

        // Filtered: the job stands as its newest item that matches.
        let failed = store
            .read(|db| {
                page(
                    db,
                    &HistoryQuery {
                        states: vec![OperationState::Failed],
                        ..grouped.clone()
                    },
                )
            })
            .expect("failed");
        assert_eq!(failed.rows.len(), 1);
        assert_eq!(failed.rows[0].operation.id, OperationId(27));

        // Opened: its items, one row each.
        let items = store
            .read(|db| {
                page(
                    db,
                    &HistoryQuery {
                        job_id: Some(bulk.id),
                        limit: 100,
                        ..grouped.clone()
                    },
                )
            })
            .expect("items");
        assert_eq!(items.rows.len(), 30);
        assert!(items.rows.iter().all(|r| r.group.is_none()));

        // An export is never grouped.
        let mut exported = 0;
        store
            .read(|db| {
                export_flat(db, &grouped, |_| {
                    exported += 1;
                    Ok(())
                })
            })
            .expect("export")
            .expect("written");
        assert_eq!(exported, 34);
    }
}
