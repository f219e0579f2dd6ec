//! A bulk job written out for spreadsheets: its plan before it runs, or each
//! item's fate after, in one format. The input columns (connection, target,
//! from, to, until, notes) are what an assignment plan imported from CSV says,
//! so the rows that failed can be fixed and imported again; the outcome
//! columns (outcome, message, fix) say how each item ended and what to do.

use std::collections::HashMap;
use std::io::Write;

use switchboard_domain::change::Change;
use switchboard_domain::connection::Connection;
use switchboard_domain::job::OperationState;
use switchboard_domain::{ConnectionId, JobId};
use switchboard_store::{agents, connections, operations, targets};

use super::{cell, csv_error, io_error};
use crate::EngineError;
use crate::history::iso;
use crate::reassign::ReassignRequest;

/// The columns of a job's rows, plan or results.
pub const JOB_COLUMNS: [&str; 11] = [
    "connection",
    "platform",
    "target",
    "label",
    "from",
    "to",
    "until",
    "notes",
    "outcome",
    "message",
    "fix",
];

/// Names agents and connections as a spreadsheet reader knows them, each
/// looked up once.
struct Namer<'a> {
    db: &'a rusqlite::Connection,
    agents: HashMap<(ConnectionId, String), String>,
    connections: HashMap<ConnectionId, Connection>,
}

impl<'a> Namer<'a> {
    fn new(db: &'a rusqlite::Connection) -> Self {
        Namer {
            db,
            agents: HashMap::new(),
            connections: HashMap::new(),
        }
    }

    fn connection(&mut self, id: ConnectionId) -> switchboard_store::Result<&Connection> {
        if !self.connections.contains_key(&id) {
            let c = connections::get(self.db, id)?;
            self.connections.insert(id, c);
        }
        Ok(&self.connections[&id])
    }

    /// An agent by the vendor's reference: their email where known (people
    /// are linked by email, and an import finds them by it), else their name,
    /// else the reference itself.
    fn agent(&mut self, c: ConnectionId, vendor_ref: &str) -> switchboard_store::Result<String> {
        let key = (c, vendor_ref.to_owned());
        if let Some(name) = self.agents.get(&key) {
            return Ok(name.clone());
        }
        let name = agents::find_by_vendor_id(self.db, c, vendor_ref)?
            .map(|a| a.email.unwrap_or(a.name))
            .unwrap_or_else(|| vendor_ref.to_owned());
        self.agents.insert(key, name.clone());
        Ok(name)
    }

    /// The input cells of a change: from, to, until, notes.
    fn change(
        &mut self,
        c: ConnectionId,
        change: &Change,
    ) -> switchboard_store::Result<[String; 4]> {
        let names = |n: &mut Self, ids: &[String]| -> switchboard_store::Result<String> {
            let list: Vec<String> = ids
                .iter()
                .map(|id| n.agent(c, id))
                .collect::<Result<_, _>>()?;
            Ok(list.join("; "))
        };
        Ok(match change {
            Change::Move {
                from,
                to,
                until,
                notes,
                ..
            } => [
                self.agent(c, from)?,
                match to {
                    Some(to) => self.agent(c, to)?,
                    None => "release".into(),
                },
                iso(*until),
                notes.clone().unwrap_or_default(),
            ],
            Change::Assign {
                agents,
                until,
                notes,
                ..
            } => [
                String::new(),
                names(self, agents)?,
                iso(*until),
                notes.clone().unwrap_or_default(),
            ],
            Change::Release => [
                String::new(),
                "release".into(),
                String::new(),
                String::new(),
            ],
            Change::SetStatus {
                status_name,
                agents,
                ..
            } => [
                names(self, agents)?,
                format!("status: {status_name}"),
                String::new(),
                String::new(),
            ],
        })
    }
}

/// One row: where, the change, and how it ended.
struct Row<'r> {
    connection: ConnectionId,
    target: &'r str,
    label: &'r str,
    change: &'r Change,
    outcome: &'r str,
    message: &'r str,
}

fn write_row(
    csv: &mut csv::Writer<&mut dyn Write>,
    namer: &mut Namer<'_>,
    row: Row<'_>,
) -> Result<(), EngineError> {
    let [from, to, until, notes] = namer.change(row.connection, row.change)?;
    let c = namer.connection(row.connection)?;
    let fix = if row.message.is_empty() {
        None
    } else {
        crate::outcome::hint(c.vendor, row.message)
    };
    let cells = [
        c.display_name.as_str(),
        c.vendor.display_name(),
        row.target,
        row.label,
        &from,
        &to,
        &until,
        &notes,
        row.outcome,
        row.message,
        fix.as_deref().unwrap_or_default(),
    ];
    csv.write_record(cells.map(cell).iter().map(|c| c.as_bytes()))
        .map_err(csv_error)
}

fn header(out: &mut dyn Write) -> Result<csv::Writer<&mut dyn Write>, EngineError> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(JOB_COLUMNS).map_err(csv_error)?;
    Ok(csv)
}

/// Every item of a job (or those in `only`), in order, with how it ended.
/// The number of rows written.
pub fn write_job(
    store: &switchboard_store::Store,
    job: JobId,
    only: &[OperationState],
    out: &mut dyn Write,
) -> Result<u64, EngineError> {
    store.read(|db| switchboard_store::jobs::get(db, job).map(|_| ()))?;
    let mut csv = header(out)?;
    let mut rows = 0;
    let result = store.read(|db| {
        let mut namer = Namer::new(db);
        for op in operations::list_by_job(db, job)? {
            if !only.is_empty() && !only.contains(&op.state) {
                continue;
            }
            let row = Row {
                connection: op.connection_id,
                target: op.target_vendor_id.as_deref().unwrap_or_default(),
                label: op.target_label.as_deref().unwrap_or_default(),
                change: &op.request,
                outcome: op.state.as_str(),
                message: op.error_message.as_deref().unwrap_or_default(),
            };
            if let Err(e) = write_row(&mut csv, &mut namer, row) {
                return Ok(Err(e));
            }
            rows += 1;
        }
        Ok(Ok(()))
    })?;
    result?;
    csv.flush().map_err(io_error)?;
    Ok(rows)
}

/// A reassignment's plan, from the cache (nothing is journaled): each item
/// `planned`, each item left out `skipped` with the reason.
pub fn write_plan(
    store: &switchboard_store::Store,
    request: &ReassignRequest,
    out: &mut dyn Write,
) -> Result<u64, EngineError> {
    let (plan, drafts) = store.read(|db| Ok(crate::reassign::planned(db, request)))??;
    let mut csv = header(out)?;
    let mut rows = 0;
    let result = store.read(|db| {
        let mut namer = Namer::new(db);
        for (item, draft) in plan.items.iter().zip(&drafts) {
            let row = Row {
                connection: item.connection_id,
                target: &draft.target_vendor_id,
                label: &item.target_label,
                change: &draft.change,
                outcome: "planned",
                message: "",
            };
            if let Err(e) = write_row(&mut csv, &mut namer, row) {
                return Ok(Err(e));
            }
            rows += 1;
        }
        Ok(Ok(()))
    })?;
    result?;
    let skipped = store.read(|db| {
        plan.skipped
            .iter()
            .map(|s| {
                let c = connections::get(db, s.connection_id)?;
                let target = targets::get(db, s.target_id)?.vendor_id;
                Ok((c, target, s))
            })
            .collect::<switchboard_store::Result<Vec<_>>>()
    })?;
    for (c, target, s) in skipped {
        let cells = [
            c.display_name.as_str(),
            c.vendor.display_name(),
            &target,
            &s.target_label,
            &plan.from_name,
            "",
            "",
            "",
            "skipped",
            &s.reason,
            "",
        ];
        csv.write_record(cells.map(cell).iter().map(|c| c.as_bytes()))
            .map_err(csv_error)?;
        rows += 1;
    }
    csv.flush().map_err(io_error)?;
    Ok(rows)
}

impl crate::Workspace {
    /// Writes a job's items (those in `only`, unless empty) to `path`, whole
    /// or not at all; the number of rows.
    pub async fn export_job(
        &self,
        job: JobId,
        only: Vec<OperationState>,
        path: std::path::PathBuf,
    ) -> Result<u64, EngineError> {
        self.on_store(move |store| {
            super::Destination {
                path,
                replace: true,
            }
            .write(|out| write_job(store, job, &only, out))
        })
        .await
    }

    /// Writes a reassignment's plan to `path`, whole or not at all.
    pub async fn export_reassign_plan(
        &self,
        request: ReassignRequest,
        path: std::path::PathBuf,
    ) -> Result<u64, EngineError> {
        self.on_store(move |store| {
            super::Destination {
                path,
                replace: true,
            }
            .write(|out| write_plan(store, &request, out))
        })
        .await
    }
}
