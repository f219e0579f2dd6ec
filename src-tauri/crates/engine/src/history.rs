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
    let io = |e: std::io::Error| EngineError::Internal(format!("writing the export: {e}"));
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(CSV_HEADER).map_err(|e| io(e.into()))?;
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
            let record: [&[u8]; 16] = [
                id.as_bytes(),
                r.job_id.as_bytes(),
                r.job_title.as_bytes(),
                r.origin.as_bytes(),
                r.connection_name.unwrap_or_default().as_bytes(),
                r.vendor.unwrap_or_default().as_bytes(),
                r.kind.as_bytes(),
                r.target_label.unwrap_or_default().as_bytes(),
                r.target_vendor_id.unwrap_or_default().as_bytes(),
                names.as_bytes(),
                r.request.as_bytes(),
                r.before.unwrap_or_default().as_bytes(),
                r.state.as_bytes(),
                attempts.as_bytes(),
                r.error_message.unwrap_or_default().as_bytes(),
                at.as_bytes(),
            ];
            csv.write_record(record).map_err(std::io::Error::from)?;
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

    /// Writes History matching `query` to `path` as CSV (to a temporary file
    /// first, so a failed export never leaves half a file); returns the rows.
    pub async fn export_history(
        &self,
        query: HistoryQuery,
        path: std::path::PathBuf,
    ) -> Result<u64, EngineError> {
        self.on_store(move |store| {
            let io = |e: std::io::Error| {
                EngineError::Internal(format!("cannot write {}: {e}", path.display()))
            };
            let tmp = path.with_extension("csv.part");
            let file = std::fs::File::create(&tmp).map_err(io)?;
            let rows = write_csv(store, &query, std::io::BufWriter::new(file));
            match rows {
                Ok(n) => {
                    std::fs::rename(&tmp, &path).map_err(io)?;
                    Ok(n)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            }
        })
        .await
    }
}
