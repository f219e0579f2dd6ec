//! History: every journaled operation and its outcome, from SQLite only (so it
//! works offline), a page at a time or exported whole as CSV.

use std::io::Write;

use switchboard_domain::Timestamp;
use switchboard_domain::job::{HistoryPage, HistoryQuery};
use switchboard_store::{Store, history};

use crate::{EngineError, Workspace};

/// The export's columns, in order.
pub const CSV_HEADER: [&str; 16] = [
    "operation",
    "job",
    "job_title",
    "origin",
    "connection",
    "vendor",
    "kind",
    "target",
    "target_id",
    "agents",
    "request",
    "before",
    "state",
    "attempts",
    "error",
    "created_at",
];

/// RFC 3339 in UTC, to the second; empty for none.
pub fn iso(t: Option<Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t.0))
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Writes every operation matching `q` as CSV, newest first; returns how many.
pub fn write_csv(store: &Store, q: &HistoryQuery, out: impl Write) -> Result<u64, EngineError> {
    let io = crate::export::io_error;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(CSV_HEADER)
        .map_err(crate::export::csv_error)?;
    let mut rows = 0_u64;
    let mut names = String::new();
    let written = store.read(|db| {
        history::export_flat(db, q, |r| {
            names.clear();
            if r.agent_names != "[]" {
                let list: Vec<String> = serde_json::from_str(r.agent_names).unwrap_or_default();
                names.push_str(&list.join("; "));
            }
            let (id, attempts, at) = (
                r.id.to_string(),
                r.attempts.to_string(),
                iso(Some(Timestamp(r.created_at))),
            );
            let record = [
                id.as_str(),
                r.job_id,
                r.job_title,
                r.origin,
                r.connection_name.unwrap_or_default(),
                r.vendor.unwrap_or_default(),
                r.kind,
                r.target_label.unwrap_or_default(),
                r.target_vendor_id.unwrap_or_default(),
                names.as_str(),
                r.request,
                r.before.unwrap_or_default(),
                r.state,
                attempts.as_str(),
                r.error_message.unwrap_or_default(),
                at.as_str(),
            ]
            .map(crate::export::cell);
            csv.write_record(record.iter().map(|c| c.as_bytes()))
                .map_err(crate::export::csv_io)?;
            rows += 1;
            Ok(())
        })
    })?;
    written.map_err(io)?;
    csv.flush().map_err(io)?;
    Ok(rows)
}

impl Workspace {
    /// One page of History, newest first.
    pub async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, EngineError> {
        self.on_store(move |store| Ok(store.read(|db| history::page(db, &query))?))
            .await
    }

    /// Writes History matching `query` to `path` as CSV (whole or not at all,
    /// see [`crate::export`]); returns the rows.
    pub async fn export_history(
        &self,
        query: HistoryQuery,
        path: std::path::PathBuf,
    ) -> Result<u64, EngineError> {
        self.on_store(move |store| {
            crate::export::Destination {
                path,
                replace: true,
            }
            .write(|out| write_csv(store, &query, out))
        })
        .await
    }
}
