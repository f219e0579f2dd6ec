//! Reading agents' statuses: the status board's poll. The first read of a
//! connection reads every agent; after it, where the vendor can list agents by
//! when their status changed (CCAI Platform), a poll asks only for the agents
//! whose status changed since the newest change it has seen (the vendor's
//! clock, never ours, less a margin), and every other agent's stretch goes on.
//! A full read comes back every `FULL_READ_EVERY`, and whenever the vendor
//! refuses (or ignores) the filter.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use switchboard_domain::status::{Seen, StatusSource};
use switchboard_domain::{ConnectionId, Timestamp};
use switchboard_store::{status_polls, status_samples, tenant_statuses};
use switchboard_vendors::{Adapter, Cursor, HttpOptions, VendorError};

use crate::status_change::record;
use crate::statuses::{PollReport, vendor};
use crate::{EngineError, Workspace};

/// How long change-only polls go on before a full read (agents removed at the
/// vendor, or a change a filter could have missed, are found by it).
pub const FULL_READ_EVERY: Duration = Duration::from_secs(10 * 60);

/// A change-only poll asks from this long before the newest change the vendor
/// showed: a change the vendor stamped just before a read but showed only
/// after it is still found.
pub const CHANGE_MARGIN: Duration = Duration::from_secs(60);

/// What the last read of a connection's statuses left to go on from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LastRead {
    /// The newest `status_updated_at` the vendor has shown (its clock).
    newest: Option<Timestamp>,
    /// When that read began (our clock): the stretches it confirmed, seen at
    /// or after it, are the ones a change-only read continues.
    at: Timestamp,
    /// When the last full read was.
    full_at: Instant,
    /// The vendor refused or ignored the filter: full reads until the next
    /// full read is due anyway.
    filter_refused: bool,
}

pub(crate) type LastReads = std::sync::Mutex<HashMap<ConnectionId, LastRead>>;

/// What a read brought: each agent seen, the requests it took, and whether it
/// read every agent.
struct Read {
    seen: Vec<(String, Seen)>,
    requests: u32,
    full: bool,
    newest: Option<Timestamp>,
}

/// Whether a vendor's answer to a filtered listing says it does not take the
/// filter (rather than that it is unreachable or busy).
fn refuses_filter(e: &VendorError) -> bool {
    matches!(
        e,
        VendorError::InvalidInput { .. }
            | VendorError::NotFound { .. }
            | VendorError::Unexpected { .. }
            | VendorError::Vendor {
                status: 400..=499,
                ..
            }
    )
}

/// The agents' statuses, page by page: every agent (`from` is `None`), or the
/// agents whose status changed at or after `from` (the vendor's clock). A
/// vendor that ignores the filter answers with every agent: that read is then
/// a full one.
async fn read_pages(adapter: &Adapter, from: Option<Timestamp>) -> Result<Read, VendorError> {
    let mut cursor: Option<Cursor> = None;
    let mut read = Read {
        seen: Vec::new(),
        requests: 0,
        full: false,
        newest: None,
    };
    loop {
        let page = match from {
            None => adapter.agents(cursor.as_ref()).await?,
            Some(from) => adapter.agents_changed_since(from, cursor.as_ref()).await?,
        };
        read.requests += 1;
        let at = Timestamp::now();
        for a in page.items {
            let Some(status) = a.status else { continue };
            read.newest = read.newest.max(status.since);
            // Older than asked for: the vendor did not filter.
            if let (Some(from), Some(since)) = (from, status.since)
                && since < from
            {
                read.full = true;
            }
            read.seen.push((
                a.vendor_id,
                Seen {
                    status_vendor_id: status.id,
                    status_name: status.name,
                    since: status.since,
                    at,
                    source: StatusSource::Poll,
                },
            ));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(read),
        }
    }
}

/// Every agent's status, page by page.
async fn read_all(adapter: &Adapter) -> Result<Read, VendorError> {
    let mut read = read_pages(adapter, None).await?;
    read.full = true;
    Ok(read)
}

impl Workspace {
    /// Reads a connection's agents' statuses and records what changed: every
    /// agent on the first read, after it only those whose status changed (see
    /// the module's documentation). The tenant's status list is read too when
    /// it is not cached yet or an agent is in a status it does not have.
    pub async fn poll_statuses(&self, connection: ConnectionId) -> Result<PollReport, EngineError> {
        let started = Instant::now();
        let (c, adapter) = self.adapter(connection, HttpOptions::default()).await?;
        if !adapter.capabilities().read_statuses {
            return Err(switchboard_domain::ValidationError::new(
                "connection",
                format!("{} has no agent statuses", c.vendor),
            )
            .into());
        }
        let last = self.last_read(connection);
        // Every stretch this read confirms is seen at or after this moment.
        let read_started = Timestamp::now();
        // The last read, while its full read is recent enough to go on from.
        let current = last.filter(|l| l.full_at.elapsed() < FULL_READ_EVERY);
        let refused_before = current.is_some_and(|l| l.filter_refused);
        let changes_from = current
            .filter(|l| adapter.capabilities().status_changes_since && !l.filter_refused)
            .and_then(|l| l.newest)
            .map(|newest| Timestamp(newest.0 - CHANGE_MARGIN.as_millis() as i64));
        let (read, filter_refused) = match changes_from {
            Some(from) => match read_pages(&adapter, Some(from)).await {
                Ok(read) => {
                    let ignored = read.full;
                    (Ok(read), ignored)
                }
                Err(e) if refuses_filter(&e) => {
                    tracing::info!(
                        "{}: the status filter was refused ({e}); reading every agent",
                        c.vendor
                    );
                    (read_all(&adapter).await, true)
                }
                Err(e) => (Err(e), false),
            },
            None => (read_all(&adapter).await, refused_before),
        };
        let mut read = match read {
            Ok(read) => read,
            Err(e) => return Err(self.poll_failed(connection, c.vendor, e).await),
        };
        let known: Vec<String> = self
            .on_store(move |store| Ok(store.read(|db| tenant_statuses::list(db, connection))?))
            .await?
            .into_iter()
            .map(|s| s.vendor_id)
            .collect();
        let unknown = known.is_empty()
            || read.seen.iter().any(|(_, s)| {
                s.status_vendor_id
                    .as_ref()
                    .is_some_and(|id| !known.contains(id))
            });
        if unknown {
            self.refresh_status_list(connection).await?;
            read.requests += 1;
        }
        let took_ms = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
        let at = Timestamp::now();
        let continued_from = (!read.full).then(|| last.map_or(at, |l| l.at));
        let requests = read.requests;
        let full = read.full;
        let newest = read
            .newest
            .max(last.and_then(|l| l.newest).filter(|_| !full));
        let seen = std::mem::take(&mut read.seen);
        let read_agents = seen.len() as u32;
        let (changed, agents) = self
            .on_store(move |store| {
                Ok(store.write(|db| {
                    let changed = record(db, connection, &seen)?;
                    // A change-only read vouches for every agent it did not
                    // list: their stretch confirmed by the last read goes on.
                    let agents = match continued_from {
                        Some(since) => {
                            status_samples::continue_open(db, connection, since, at)? as u32
                        }
                        None => read_agents,
                    };
                    status_polls::ok(db, connection, at, agents, requests, took_ms)?;
                    Ok((changed, agents))
                })?)
            })
            .await?;
        self.note_read(
            connection,
            LastRead {
                newest,
                at: read_started,
                full_at: match last {
                    Some(l) if !full => l.full_at,
                    _ => Instant::now(),
                },
                filter_refused,
            },
        );
        Ok(PollReport {
            connection_id: connection,
            agents,
            changed,
            requests,
            took_ms,
            changes_only: !full,
        })
    }

    /// The next poll of every connection reads every agent (as after a start).
    pub fn read_every_status_next(&self) {
        self.status_reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    fn last_read(&self, connection: ConnectionId) -> Option<LastRead> {
        self.status_reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&connection)
            .copied()
    }

    fn note_read(&self, connection: ConnectionId, read: LastRead) {
        self.status_reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(connection, read);
    }

    /// Notes a failed read (the last good one stands) and says why it failed.
    async fn poll_failed(
        &self,
        connection: ConnectionId,
        v: switchboard_domain::Vendor,
        e: VendorError,
    ) -> EngineError {
        let message = e.to_string();
        let noted = self
            .on_store(move |store| {
                Ok(store
                    .write(|db| status_polls::failed(db, connection, Timestamp::now(), &message))?)
            })
            .await;
        match noted {
            Ok(()) => vendor(v)(e),
            Err(store) => store,
        }
    }

    /// Asks a vendor that only knows whether the team is online (HelpCrunch).
    pub async fn poll_team_online(
        &self,
        connection: ConnectionId,
    ) -> Result<PollReport, EngineError> {
        let started = Instant::now();
        let (c, adapter) = self.adapter(connection, HttpOptions::default()).await?;
        let online = match adapter.check().await {
            Ok(info) => info.team_online,
            Err(e) => return Err(self.poll_failed(connection, c.vendor, e).await),
        };
        if let Some(online) = online {
            self.on_store(move |store| {
                Ok(store.write(|db| {
                    status_polls::team_online(db, connection, Timestamp::now(), online)
                })?)
            })
            .await?;
        }
        Ok(PollReport {
            connection_id: connection,
            agents: 0,
            changed: 0,
            requests: 1,
            took_ms: started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32,
            changes_only: false,
        })
    }
}
