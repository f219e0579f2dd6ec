//! The cache written out for spreadsheets and scripts: targets, agents and
//! people, as CSV (cells made safe, see [`super::cell`]) or JSON.

use std::io::Write;

use switchboard_domain::ConnectionId;
use switchboard_domain::browse::{PersonRow, TargetQuery, TargetRow};

use super::{cell, csv_error, io_error};
use crate::EngineError;
use crate::history::iso;

/// A failed write, its I/O kind kept (a closed pipe, a full disk).
trait Failure {
    fn failure(self) -> EngineError;
}

impl Failure for std::io::Error {
    fn failure(self) -> EngineError {
        io_error(self)
    }
}

impl Failure for csv::Error {
    fn failure(self) -> EngineError {
        csv_error(self)
    }
}

impl Failure for serde_json::Error {
    fn failure(self) -> EngineError {
        io_error(self.into())
    }
}

fn io(e: impl Failure) -> EngineError {
    e.failure()
}

/// One data row, every cell made safe for a spreadsheet.
fn write_row<W: Write, const N: usize>(
    csv: &mut csv::Writer<W>,
    record: [&str; N],
) -> Result<(), csv::Error> {
    csv.write_record(record.map(cell).iter().map(|c| c.as_bytes()))
}

/// Every target `query` matches, with its assignees, streamed from the cache.
pub fn write_targets(
    store: &switchboard_store::Store,
    query: &TargetQuery,
    out: &mut dyn Write,
    json: bool,
) -> Result<(), EngineError> {
    if json {
        let mut first = true;
        out.write_all(b"[\n").map_err(io)?;
        let mut failure = None;
        store.read(|db| {
            switchboard_store::browse::export_targets(db, query, |row: TargetRow| {
                if failure.is_some() {
                    return;
                }
                let sep = if first { "" } else { ",\n" };
                first = false;
                if let Err(e) = serde_json::to_string(&row)
                    .map_err(io)
                    .and_then(|s| write!(out, "{sep}{s}").map_err(io))
                {
                    failure = Some(e);
                }
            })
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        out.write_all(b"\n]\n").map_err(io)?;
        return out.flush().map_err(io);
    }
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "connection",
        "vendor",
        "kind",
        "vendor_id",
        "name",
        "phone",
        "email",
        "status",
        "last_activity_at",
        "assignees",
        "assignee_ids",
    ])
    .map_err(io)?;
    let mut failure = None;
    store.read(|db| {
        switchboard_store::browse::export_targets(db, query, |r: TargetRow| {
            if failure.is_some() {
                return;
            }
            let names: Vec<String> = r
                .assignees
                .iter()
                .map(|a| a.name.clone().unwrap_or_else(|| a.agent_vendor_id.clone()))
                .collect();
            let ids: Vec<&str> = r
                .assignees
                .iter()
                .map(|a| a.agent_vendor_id.as_str())
                .collect();
            let t = &r.target;
            let record = [
                r.connection_name.as_str(),
                r.vendor.as_str(),
                t.kind.as_str(),
                t.vendor_id.as_str(),
                t.name.as_deref().unwrap_or_default(),
                t.phone.as_deref().unwrap_or_default(),
                t.email.as_deref().unwrap_or_default(),
                t.status.as_deref().unwrap_or_default(),
                &iso(t.last_activity_at),
                &names.join("; "),
                &ids.join("; "),
            ];
            if let Err(e) = write_row(&mut csv, record) {
                failure = Some(io(e));
            }
        })
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    csv.flush().map_err(io)
}

/// People with their agents (`agents: false`), or one row per agent.
pub fn write_people(
    agents: bool,
    connection: Option<ConnectionId>,
    people: &[PersonRow],
    out: &mut dyn Write,
    json: bool,
) -> Result<(), EngineError> {
    if json {
        let text = if agents {
            let list: Vec<_> = people
                .iter()
                .flat_map(|p| p.agents.iter())
                .filter(|a| connection.is_none_or(|c| a.connection_id == c))
                .collect();
            serde_json::to_string_pretty(&list)
        } else {
            serde_json::to_string_pretty(people)
        };
        writeln!(out, "{}", text.map_err(io)?).map_err(io)?;
        return out.flush().map_err(io);
    }
    let mut csv = csv::Writer::from_writer(out);
    if agents {
        csv.write_record([
            "connection",
            "vendor",
            "vendor_id",
            "name",
            "email",
            "active",
            "person",
            "assignments",
        ])
        .map_err(io)?;
        for p in people {
            for a in p
                .agents
                .iter()
                .filter(|a| connection.is_none_or(|c| a.connection_id == c))
            {
                write_row(
                    &mut csv,
                    [
                        a.connection_name.as_str(),
                        a.vendor.as_str(),
                        &a.vendor_id,
                        &a.name,
                        a.email.as_deref().unwrap_or_default(),
                        if a.active { "yes" } else { "no" },
                        &p.display_name,
                        &a.assignments.to_string(),
                    ],
                )
                .map_err(io)?;
            }
        }
    } else {
        csv.write_record(["person", "email", "platforms", "agents", "assignments"])
            .map_err(io)?;
        for p in people {
            let platforms: Vec<&str> = p.agents.iter().map(|a| a.vendor.as_str()).collect();
            let agents: Vec<String> = p
                .agents
                .iter()
                .map(|a| format!("{}:{}", a.connection_name, a.vendor_id))
                .collect();
            write_row(
                &mut csv,
                [
                    &p.display_name,
                    p.email.as_deref().unwrap_or_default(),
                    &platforms.join("; "),
                    &agents.join("; "),
                    &p.assignments.to_string(),
                ],
            )
            .map_err(io)?;
        }
    }
    csv.flush().map_err(io)
}
