//! The journal, newest first: a table, JSON, or every match as CSV.

use clap::Args;
use switchboard_domain::job::{HistoryQuery, OperationState};
use switchboard_engine::export::Export;
use switchboard_engine::history::iso;
use switchboard_engine::{EngineError, Workspace};

use super::output::{csv_destination, json, to_output};
use super::{connection_of, text, usage};

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long, value_parser = text)]
    connection: Option<String>,
    /// queued, sending, done, failed, conflict, unknown or cancelled (repeat for several)
    #[arg(long = "state", value_name = "STATE", value_parser = text)]
    states: Vec<String>,
    /// From this date (2026-11-21) or moment (RFC 3339)
    #[arg(long, value_name = "DATE", value_parser = text)]
    since: Option<String>,
    /// Before this date or moment
    #[arg(long, value_name = "DATE", value_parser = text)]
    before: Option<String>,
    /// Words of the customer, the agents or the vendor's message
    #[arg(long, value_parser = text)]
    search: Option<String>,
    /// How many rows (the table; CSV writes every match)
    #[arg(long, value_parser = text)]
    limit: Option<String>,
    /// table, csv or json
    #[arg(long, value_parser = text)]
    format: Option<String>,
    /// A file for --format csv, written whole or not at all
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Replace the --output file if it exists
    #[arg(long)]
    force: bool,
    /// The same as --format json
    #[arg(long)]
    json: bool,
}

/// A date (`2026-11-21`) or a moment (RFC 3339) for History filters.
pub(super) fn moment(
    field: &str,
    text: &str,
) -> Result<switchboard_domain::Timestamp, EngineError> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let start = d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
        return start
            .map(switchboard_domain::Timestamp)
            .ok_or_else(|| usage(format!("{field}: {text} is not a date")));
    }
    Ok(switchboard_vendors::parse_iso8601(field, text)?)
}

pub async fn history(ws: &Workspace, args: HistoryArgs) -> Result<i32, EngineError> {
    let connection = connection_of(ws, args.connection.as_deref()).await?;
    let states = args
        .states
        .iter()
        .map(|s| {
            s.parse::<OperationState>().map_err(|_| {
                usage(format!(
                    "--state is one of queued, sending, done, failed, conflict, unknown, cancelled, not {s}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let from = args
        .since
        .as_deref()
        .map(|d| moment("since", d))
        .transpose()?;
    let to = args
        .before
        .as_deref()
        .map(|d| moment("before", d))
        .transpose()?;
    let limit = match args.limit.as_deref() {
        Some(n) => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| usage(format!("--limit is a positive number, not {n}")))?,
        None => 50,
    };
    let query = HistoryQuery {
        connection_id: connection,
        states,
        from,
        to,
        search: args.search,
        limit,
        ..Default::default()
    };
    let format = match (args.json, args.format.as_deref()) {
        (true, None | Some("json")) => "json",
        (true, Some(other)) => {
            return Err(usage(format!(
                "--json and --format {other} disagree; give one"
            )));
        }
        (false, format) => format.unwrap_or("table"),
    };
    let destination = csv_destination(format, args.output.as_ref(), args.force)?;
    match format {
        "csv" => {
            let write = ws.exporter(Export::History(query.clone()));
            to_output(destination, write).await?;
        }
        "json" => json(&ws.history(query).await?.rows)?,
        "table" => {
            let page = ws.history(query).await?;
            for r in &page.rows {
                let op = &r.operation;
                say!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    op.id,
                    iso(Some(op.created_at)),
                    op.state,
                    r.connection_name.as_deref().unwrap_or("(removed)"),
                    op.target_label.as_deref().unwrap_or_default(),
                    op.agent_names.join(", "),
                    op.error_message.as_deref().unwrap_or_default()
                );
            }
            if page.next.is_some() {
                tell!("(more: raise --limit, or --format csv for everything)");
            }
        }
        other => {
            return Err(usage(format!(
                "--format is table, csv or json, not {other}"
            )));
        }
    }
    Ok(0)
}
