//! Status history from the vendor's own activity log (CCAI Platform): the
//! time Switchboard was closed, or could not reach the vendor, is filled from
//! the log instead of staying unknown.
//!
//! It is read after each sync (a bounded read, [`PAGES_AT_SYNC`]), and by the
//! status poller from the start and after the vendor was unreachable, a few
//! pages a round until it has caught up (see `status_poller`).
//!
//! The log is read from where the last read left it (less a margin: a record
//! the vendor shows late is read again, which changes nothing), or a week back
//! the first time. Over each agent's records the log is authoritative: the
//! stretches Switchboard watched there are replaced by the log's, marked
//! `log`, so the dashboards can say where their figures come from. An agent
//! with no record since the last read is, by the log, still in the status it
//! was in: their open stretch goes on. What nobody can know (before the week,
//! or an agent the log never names) stays unknown. Logins, logouts, and chats
//! and calls offered and picked up are kept for the dashboards.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use switchboard_domain::status::{StatusSample, StatusSource};
use switchboard_domain::{AgentId, ConnectionId, Timestamp};
use switchboard_store::{agent_activity, agents, status_polls, status_samples};
use switchboard_vendors::{ActivityRecord, Cursor, HttpOptions, RemoteStatus};
use ts_rs::TS;

use crate::statuses::vendor;
use crate::{EngineError, Workspace};

/// How far back the first read of a connection's log goes.
pub const FIRST_READ: Duration = Duration::from_secs(7 * 24 * 3600);

/// Each read starts this long before where the last one ended (a record the
/// vendor shows late is read again, which changes nothing).
pub const LOG_MARGIN: Duration = Duration::from_secs(60);

/// How many pages of the log a sync reads after it (a read that stops there
/// goes on at the next sync, or while the status board is open).
pub const PAGES_AT_SYNC: u32 = 30;

/// What one read of a connection's activity log did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct LogReport {
    pub connection_id: ConnectionId,
    /// Records read, and requests it took.
    pub records: u32,
    pub requests: u32,
    /// Status stretches written from the log.
    pub stretches: u32,
    /// From when the log was read (the vendor's clock).
    pub from: Timestamp,
    pub took_ms: u32,
    /// The read reached the log's end (else it stopped at its page budget,
    /// and the next read goes on from where it stopped).
    pub caught_up: bool,
}

/// Whether a record moves the agent to a status (the others are events).
fn changes_status(activity: &str) -> bool {
    matches!(activity, "login" | "logout" | "status_change") || activity.is_empty()
}

impl Workspace {
    /// Reads the connection's activity log from where the last read ended to
    /// its end, and fills the status history from it (see the module's
    /// documentation).
    pub async fn read_status_log(
        &self,
        connection: ConnectionId,
    ) -> Result<LogReport, EngineError> {
        self.read_status_log_pages(connection, u32::MAX).await
    }

    /// [`Workspace::read_status_log`], reading at most `pages` pages: a
    /// week of a large tenant's log takes minutes at the vendor's pace, so the
    /// status poller reads it a few pages a round, between its polls.
    pub async fn read_status_log_pages(
        &self,
        connection: ConnectionId,
        pages: u32,
    ) -> Result<LogReport, EngineError> {
        let started = Instant::now();
        let (c, adapter) = self.adapter(connection, HttpOptions::default()).await?;
        if !adapter.capabilities().activity_log {
            return Err(switchboard_domain::ValidationError::new(
                "connection",
                format!("{} keeps no activity log", c.vendor),
            )
            .into());
        }
        let (read_to, caught_up_at) = self
            .on_store(move |store| Ok(store.read(|db| status_polls::log_position(db, connection))?))
            .await?;
        let now = Timestamp::now();
        let from = match read_to {
            Some(to) => Timestamp(to.0 - LOG_MARGIN.as_millis() as i64),
            None => Timestamp(now.0 - FIRST_READ.as_millis() as i64),
        };
        let mut report = LogReport {
            connection_id: connection,
            records: 0,
            requests: 0,
            stretches: 0,
            from,
            took_ms: 0,
            caught_up: false,
        };
        let mut cursor: Option<Cursor> = None;
        while report.requests < pages {
            let page = adapter
                .activity_log(from, cursor.as_ref())
                .await
                .map_err(vendor(c.vendor))?;
            report.requests += 1;
            report.records += page.items.len() as u32;
            let newest = page.items.iter().map(|r| r.started_at).max();
            let read_at = Timestamp::now();
            let items = page.items;
            report.stretches += self
                .on_store(move |store| {
                    Ok(store.write(|db| {
                        let written = fill(db, connection, &items, read_at)?;
                        if let Some(newest) = newest {
                            status_polls::log_read_to(db, connection, newest)?;
                        }
                        Ok(written)
                    })?)
                })
                .await?;
            match page.next {
                Some(next) => cursor = Some(next),
                None => {
                    report.caught_up = true;
                    break;
                }
            }
        }
        if report.caught_up {
            let read_at = Timestamp::now();
            self.on_store(move |store| {
                Ok(store.write(|db| {
                    // No record since the last read that caught up: by the
                    // log, still in the status it was in.
                    if let Some(since) = caught_up_at {
                        status_samples::continue_open(db, connection, since, read_at)?;
                    }
                    status_polls::log_caught_up(db, connection, read_at)
                })?)
            })
            .await?;
        }
        report.took_ms = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
        Ok(report)
    }
}

/// Writes one page of the log: per agent, the span its records cover is the
/// log's (watched stretches there give way), then each status record is a
/// stretch, and every other record an event. Returns the stretches written.
fn fill(
    db: &rusqlite::Connection,
    connection: ConnectionId,
    records: &[ActivityRecord],
    read_at: Timestamp,
) -> switchboard_store::Result<u32> {
    let mut by_agent: BTreeMap<&str, Vec<&ActivityRecord>> = BTreeMap::new();
    for r in records {
        by_agent.entry(&r.agent_vendor_id).or_default().push(r);
    }
    let mut written = 0;
    for (vendor_id, records) in by_agent {
        let Some(agent) = agents::find_by_vendor_id(db, connection, vendor_id)? else {
            // Not in the cache yet: the next sync brings the agent, the next read the log.
            continue;
        };
        let stretches: Vec<(&ActivityRecord, &RemoteStatus)> = records
            .iter()
            .filter(|r| changes_status(&r.activity))
            .filter_map(|r| Some((*r, r.status.as_ref()?)))
            .collect();
        if let (Some((first, _)), Some((last, _))) = (stretches.first(), stretches.last()) {
            let to = last.ended_at.unwrap_or(read_at).max(first.started_at);
            status_samples::clear_span(db, agent.id, first.started_at, to)?;
            for (i, (r, status)) in stretches.iter().enumerate() {
                // Only the last can still last: one left open before another
                // began ended when it did.
                let next = stretches.get(i + 1).map(|(n, _)| n.started_at);
                status_samples::insert(db, &stretch(agent.id, r, status, next, read_at))?;
                written += 1;
            }
        }
        // Logins, logouts, offers and pick-ups are kept as events too (a
        // record that names no activity is a status change only).
        for r in records
            .iter()
            .filter(|r| r.activity != "status_change" && !r.activity.is_empty())
        {
            agent_activity::insert(
                db,
                &agent_activity::Activity {
                    agent_id: agent.id,
                    vendor_id: r.vendor_id.clone(),
                    activity: r.activity.clone(),
                    at: r.started_at,
                    contact_id: r.contact_id.clone(),
                },
            )?;
        }
    }
    Ok(written)
}

/// A status record as a stretch: closed where the log closed it; open (known
/// until this read) while it lasts.
fn stretch(
    agent: AgentId,
    r: &ActivityRecord,
    status: &RemoteStatus,
    next: Option<Timestamp>,
    read_at: Timestamp,
) -> StatusSample {
    let ended_at = r.ended_at.or(next);
    StatusSample {
        id: 0,
        agent_id: agent,
        status_vendor_id: status.id.clone(),
        status_name: status.name.clone(),
        started_at: r.started_at,
        last_seen_at: ended_at.unwrap_or(read_at.max(r.started_at)),
        ended_at,
        source: StatusSource::Log,
    }
}
