//! History: every journaled operation and its outcome, from SQLite only (so it
//! works offline), a page at a time or exported whole as CSV.

use std::io::Write;

use switchboard_domain::Timestamp;
use switchboard_domain::job::{HistoryPage, HistoryQuery, HistoryRow};
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

fn record(r: &HistoryRow) -> [String; 16] {
    let o = &r.operation;
    [
        o.id.0.to_string(),
        o.job_id.to_string(),
        r.job_title.clone(),
        r.origin.to_string(),
        r.connection_name.clone().unwrap_or_default(),
        r.vendor.map(|v| v.as_str().to_owned()).unwrap_or_default(),
        o.kind.to_string(),
        o.target_label.clone().unwrap_or_default(),
        o.target_vendor_id.clone().unwrap_or_default(),
        o.agent_names.join("; "),
        o.request.to_string(),
        o.before
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        o.state.to_string(),
        o.attempts.to_string(),
        o.error_message.clone().unwrap_or_default(),
        iso(Some(o.created_at)),
    ]
}

/// Writes every operation matching `q` as CSV, newest first; returns how many.
pub fn write_csv(store: &Store, q: &HistoryQuery, out: impl Write) -> Result<u64, EngineError> {
    let io = |e: csv::Error| EngineError::Internal(format!("writing the export: {e}"));
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(CSV_HEADER).map_err(io)?;
    let mut rows = 0_u64;
    let mut failure = None;
    store.read(|db| {
        history::export(db, q, |row| {
            if failure.is_none() {
                match csv.write_record(record(&row)) {
                    Ok(()) => rows += 1,
                    Err(e) => failure = Some(e),
                }
            }
        })
    })?;
    if let Some(e) = failure {
        return Err(io(e));
    }
    csv.flush()
        .map_err(|e| EngineError::Internal(format!("writing the export: {e}")))?;
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
