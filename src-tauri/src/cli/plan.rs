//! `switchboard plan`: assignment plans from CSV. `template` writes the
//! header and example rows; `check` reads a file and reports every error of
//! every row (exit 2 when there is any; `--errors-to` writes the rows back
//! with their errors, to fix and check again); `run` checks, shows the plan
//! and sends it as one bulk job (nothing at all when a row is wrong).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use switchboard_engine::plans::{self, PlanCheck, RawPlan};
use switchboard_engine::reassign::ReassignOutcome;
use switchboard_engine::{EngineError, Workspace};

use super::output::{destination, json, to_output};
use super::reassign::{confirmed, finished, summary};

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    command: PlanCommand,
}

#[derive(Debug, Subcommand)]
enum PlanCommand {
    /// Write the plan's header and example rows (to edit in a spreadsheet)
    Template {
        /// Write it to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace the --output file if it exists
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// Check every row against the cache and report every error (exit 2 when any)
    Check {
        file: PathBuf,
        /// The result as JSON, for scripts
        #[arg(long)]
        json: bool,
        /// Write the rows back with an `errors` column to this file (fix them, check again)
        #[arg(long, value_name = "FILE")]
        errors_to: Option<PathBuf>,
        /// Replace the --errors-to file if it exists
        #[arg(long, requires = "errors_to")]
        force: bool,
    },
    /// Check the plan and send it as one bulk job (nothing is sent if a row is wrong)
    Run {
        file: PathBuf,
        /// Show the plan and send nothing
        #[arg(long)]
        dry_run: bool,
        /// Run without asking (required when no one is at a terminal to answer)
        #[arg(long)]
        yes: bool,
        /// The plan (and the results) as JSON, for scripts
        #[arg(long)]
        json: bool,
    },
}

/// The file's name, as the job's title says it.
fn name_of(file: &std::path::Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

async fn read(file: &std::path::Path) -> Result<RawPlan, EngineError> {
    let path = file.to_path_buf();
    tokio::task::spawn_blocking(move || plans::read_file(&path)).await?
}

fn errors_said(check: &PlanCheck) {
    for e in &check.errors {
        tell!(
            "row {}, {} '{}': {}; {}",
            e.row,
            e.column,
            e.value,
            e.message,
            e.fix
        );
    }
    tell!(
        "{}: {} errors in {} rows; nothing was sent",
        check.name,
        check.errors.len(),
        check.rows
    );
}

pub async fn plan(ws: &Workspace, args: PlanArgs) -> Result<i32, EngineError> {
    match args.command {
        PlanCommand::Template { output, force } => {
            let template = plans::template();
            let write: switchboard_engine::export::Exporter = Box::new(move |out| {
                out.write_all(template.as_bytes())
                    .map_err(switchboard_engine::export::io_error)
            });
            to_output(destination(output.as_ref(), force)?, write).await?;
            Ok(0)
        }
        PlanCommand::Check {
            file,
            json: as_json,
            errors_to,
            force,
        } => {
            let raw = read(&file).await?;
            let check = ws.check_plan(name_of(&file), raw.clone()).await?;
            if let Some(path) = errors_to {
                let errors = check.errors.clone();
                let write: switchboard_engine::export::Exporter =
                    Box::new(move |out| plans::write_errors(&raw, &errors, out));
                to_output(destination(Some(&path), force)?, write).await?;
            }
            if as_json {
                json(&check)?;
            } else if check.errors.is_empty() {
                summary(&check.plan);
                if check.left_out > 0 {
                    say!(
                        "  {} rows the export marked skipped were left out",
                        check.left_out
                    );
                }
            } else {
                errors_said(&check);
            }
            Ok(if check.errors.is_empty() { 0 } else { 2 })
        }
        PlanCommand::Run {
            file,
            dry_run,
            yes,
            json: as_json,
        } => {
            let raw = read(&file).await?;
            let name = name_of(&file);
            let check = ws.check_plan(name.clone(), raw.clone()).await?;
            if !check.errors.is_empty() {
                if as_json {
                    json(&check)?;
                } else {
                    errors_said(&check);
                }
                return Ok(2);
            }
            if dry_run {
                if as_json {
                    json(&check)?;
                } else {
                    summary(&check.plan);
                }
                return Ok(0);
            }
            if !yes && !confirmed(&check.plan)? {
                return Ok(0);
            }
            let started = ws.start_plan_file(name, raw).await?;
            let job = started.job_id;
            let results = super::progress::watched(ws, job, ws.resume_job(job)).await?;
            let out = ReassignOutcome {
                job_id: job,
                state: ws.job_progress(job).await?.summary.job.state,
                plan: started.plan,
                results,
            };
            finished(&out, as_json)
        }
    }
}
