//! Assignment plans from CSV: a spreadsheet's rows (connection, target, and
//! whom it goes to, with the platform's options) checked against the cache all
//! at once, then run as one bulk job with the same preview, progress, results,
//! retry, undo and resume as a reassignment. A file with any error sends
//! nothing; its rows can be written back out with their errors to fix.

use std::io::Write;

use serde::Serialize;
use switchboard_domain::job::{JobKind, Operation};
use switchboard_domain::{JobId, Timestamp, ValidationError};
use ts_rs::TS;

use crate::export::{cell, csv_error, io_error};
use crate::reassign::{ReassignOutcome, ReassignPlan, StartedJob, journal_plan};
use crate::{EngineError, Workspace};

mod check;
mod lookup;
pub mod read;
mod row;
mod status;

pub use read::{MAX_PLAN_BYTES, PLAN_COLUMNS, RawPlan, read_bytes, read_csv_file, read_file};
pub use row::PlanRowError;

/// A plan checked against the cache.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PlanCheck {
    /// The file's name, as the job's title says it.
    pub name: String,
    /// The rows read (not counting the header and empty lines).
    pub rows: u32,
    /// Rows an exported preview marked skipped, with nobody to give them to:
    /// left out.
    pub left_out: u32,
    /// The job the good rows make (its preview: counts, skipped, time).
    pub plan: ReassignPlan,
    /// Everything wrong, row by row; when there is anything, nothing is sent.
    pub errors: Vec<PlanRowError>,
}

/// The template: the header, and rows showing each kind of line. Their
/// connection is not a real one, so a template imported as it is says so.
pub fn template() -> String {
    let mut out = String::new();
    out.push_str(&PLAN_COLUMNS.join(","));
    out.push('\n');
    for row in [
        "Example: delete this row,customer id or phone,,agent@example.com,,,",
        "Example: delete this row,contact email or name,,Ana Lima; Bruno Costa,,,yes",
        "Example: delete this row,client id,,team:Night shift,2027-01-31T18:00:00Z,Cover for Ana,",
        "Example: delete this row,chat id,ana@example.com,bruno@example.com,,,",
        "Example: delete this row,chat id,,release,,,",
    ] {
        out.push_str(row);
        out.push('\n');
    }
    out
}

/// The plan's rows as they were read, with a last column saying what is
/// wrong with each (empty for good rows): fix them and import the file again.
pub fn write_errors(
    raw: &RawPlan,
    errors: &[PlanRowError],
    out: &mut dyn Write,
) -> Result<(), EngineError> {
    let mut csv = csv::WriterBuilder::new()
        .delimiter(raw.delimiter)
        .from_writer(out);
    let mut header = raw.header.clone();
    // A file written back with its errors, fixed and checked again, keeps one.
    let old = header.iter().position(|h| h == "errors");
    if old.is_none() {
        header.push("errors".into());
    }
    csv.write_record(&header).map_err(csv_error)?;
    for row in &raw.rows {
        let said: Vec<String> = errors
            .iter()
            .filter(|e| e.row == row.line)
            .map(|e| format!("{}: {}; {}", e.column, e.message, e.fix))
            .collect();
        let mut cells: Vec<String> = row.cells.iter().map(|c| cell(c).into_owned()).collect();
        cells.resize(header.len(), String::new());
        let last = old.unwrap_or(header.len() - 1);
        cells[last] = cell(&said.join(" | ")).into_owned();
        csv.write_record(&cells).map_err(csv_error)?;
    }
    csv.flush().map_err(io_error)
}

fn title(name: &str, items: usize) -> String {
    format!("Plan from {name}: {items} items")
}

impl Workspace {
    /// Writes the template to `path`, whole or not at all.
    pub async fn export_plan_template(&self, path: std::path::PathBuf) -> Result<u64, EngineError> {
        self.on_store(move |_| {
            let template = template();
            crate::export::Destination {
                path,
                replace: true,
            }
            .write(|out| {
                out.write_all(template.as_bytes()).map_err(io_error)?;
                Ok(template.lines().count() as u64 - 1)
            })
        })
        .await
    }

    /// Checks the plan and writes its rows with their errors to `path`.
    pub async fn export_plan_errors(
        &self,
        name: String,
        raw: RawPlan,
        path: std::path::PathBuf,
    ) -> Result<u64, EngineError> {
        let checked = self.check_plan(name, raw.clone()).await?;
        self.on_store(move |_| {
            crate::export::Destination {
                path,
                replace: true,
            }
            .write(|out| {
                write_errors(&raw, &checked.errors, out)?;
                Ok(raw.rows.len() as u64)
            })
        })
        .await
    }

    /// A plan's status rows name CCAI Platform connections whose statuses may
    /// never have been read: read them once from the vendor (unreachable, the
    /// rows say the status is not known).
    async fn plan_statuses(&self, raw: &RawPlan) {
        let names: Vec<String> = raw
            .rows
            .iter()
            .filter(|r| status::is_status(r))
            .map(|r| r.connection.to_lowercase())
            .collect();
        if names.is_empty() {
            return;
        }
        let unknown = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let mut out = Vec::new();
                    for c in switchboard_store::connections::list(db)? {
                        if names.contains(&c.display_name.to_lowercase())
                            && switchboard_store::tenant_statuses::list(db, c.id)?.is_empty()
                        {
                            out.push(c.id);
                        }
                    }
                    Ok(out)
                })?)
            })
            .await
            .unwrap_or_default();
        for c in unknown {
            let _ = self.refresh_status_list(c).await;
        }
    }

    /// Checks every row against the cache; nothing is journaled or sent.
    pub async fn check_plan(&self, name: String, raw: RawPlan) -> Result<PlanCheck, EngineError> {
        self.plan_statuses(&raw).await;
        self.on_store(move |store| {
            let (rows, left_out) = (raw.rows.len() as u32, raw.left_out);
            let checked =
                store.read(|db| Ok(check::check(db, &raw, &name, Timestamp::now())))??;
            Ok(PlanCheck {
                plan: checked.plan,
                errors: checked.errors,
                name,
                rows,
                left_out,
            })
        })
        .await
    }

    /// Checks the plan again, journals it as one job, and sends it.
    pub async fn run_plan_file(
        &self,
        name: String,
        raw: RawPlan,
    ) -> Result<ReassignOutcome, EngineError> {
        let (plan, ops, job) = self.journal_plan_file(name, raw).await?;
        self.run_plan(plan, ops, job).await
    }

    /// Checks the plan again and journals it; nothing is sent (the window
    /// sends it in the background with `resume_job` and watches it).
    pub async fn start_plan_file(
        &self,
        name: String,
        raw: RawPlan,
    ) -> Result<StartedJob, EngineError> {
        let (plan, _, job_id) = self.journal_plan_file(name, raw).await?;
        Ok(StartedJob { job_id, plan })
    }

    async fn journal_plan_file(
        &self,
        name: String,
        raw: RawPlan,
    ) -> Result<(ReassignPlan, Vec<Operation>, JobId), EngineError> {
        self.plan_statuses(&raw).await;
        let origin = self.origin;
        let owner = self.owner.clone();
        self.on_store(move |store| {
            store.write(|db| {
                let checked = match check::check(db, &raw, &name, Timestamp::now()) {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e)),
                };
                if let Some(first) = checked.errors.first() {
                    return Ok(Err(ValidationError::new(
                        "file",
                        format!(
                            "the plan has {} errors (the first: row {}, {}: {}; {}); nothing was sent. Check it, fix the rows and import it again",
                            checked.errors.len(),
                            first.row,
                            first.column,
                            first.message,
                            first.fix
                        ),
                    )
                    .into()));
                }
                if checked.plan.items.is_empty() && checked.plan.status.is_empty() {
                    return Ok(Err(ValidationError::new(
                        "file",
                        "the plan changes nothing: every target is already as it asks (or it has no rows)",
                    )
                    .into()));
                }
                let title = title(&name, checked.plan.items.len());
                let (job, ops) = journal_plan(
                    db,
                    JobKind::Plan,
                    title,
                    origin,
                    &owner,
                    &checked.plan,
                    checked.drafts,
                )?;
                Ok(Ok((checked.plan, ops, job.id)))
            })?
        })
        .await
    }
}
