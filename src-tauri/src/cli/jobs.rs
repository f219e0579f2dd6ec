//! `switchboard jobs`: recent jobs, one job's items, sending its failed items
//! again, and undoing a reassignment (a plan first, as `reassign`).

use clap::{Args, Subcommand};
use switchboard_domain::JobId;
use switchboard_domain::job::OperationState;
use switchboard_engine::jobs::JobSummary;
use switchboard_engine::journal::OperationResult;
use switchboard_engine::reassign::ReassignOutcome;
use switchboard_engine::{EngineError, Workspace};

use super::output::{destination, json, to_output};
use super::progress::watched;
use super::reassign::{confirmed, outcome_code, report, summary};
use super::usage;
use switchboard_engine::export::Export;

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    action: Option<JobsAction>,
    /// JSON for scripts
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum JobsAction {
    /// The most recent jobs, newest first (the default)
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One job and every item
    Show { job: String },
    /// Send a job's failed and unconfirmed items again
    Retry { job: String },
    /// Send what a job still has waiting (after a pause, a crash, or a vendor that was away)
    Resume { job: String },
    /// Stop sending a job's items until it is resumed (an item on its way finishes)
    Pause { job: String },
    /// Cancel what a job has not sent yet (what it did stays; `jobs undo` puts it back)
    Cancel { job: String },
    /// Write a job's items, with how each ended, as CSV (failed rows keep what was asked)
    Export {
        job: String,
        /// Only items that ended so (repeat for several): failed, conflict, cancelled…
        #[arg(long, value_enum)]
        only: Vec<StateArg>,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Replace the --output file if it exists
        #[arg(long, requires = "output")]
        force: bool,
    },
    /// Put back what a reassignment moved (a plan first)
    Undo {
        job: String,
        /// Show the plan and send nothing
        #[arg(long)]
        dry_run: bool,
        /// Run without asking
        #[arg(long)]
        yes: bool,
    },
}

/// An item's state, as `--only` names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StateArg {
    Queued,
    Sending,
    Done,
    Failed,
    Conflict,
    Unknown,
    Cancelled,
}

impl From<StateArg> for OperationState {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Queued => OperationState::Queued,
            StateArg::Sending => OperationState::Sending,
            StateArg::Done => OperationState::Done,
            StateArg::Failed => OperationState::Failed,
            StateArg::Conflict => OperationState::Conflict,
            StateArg::Unknown => OperationState::Unknown,
            StateArg::Cancelled => OperationState::Cancelled,
        }
    }
}

fn job_id(text: &str) -> Result<JobId, EngineError> {
    text.trim().parse::<JobId>().map_err(|_| {
        usage(format!(
            "'{text}' is not a job id; `switchboard jobs` lists them"
        ))
    })
}

/// What a resume or a retry sent, and the exit code it makes.
fn sent(results: &[OperationResult], what: &str, as_json: bool) -> Result<i32, EngineError> {
    if as_json {
        json(&results)?;
    } else {
        let done = results
            .iter()
            .filter(|r| r.state == OperationState::Done)
            .count();
        say!("{what} {}: {done} done", results.len());
        report(results);
    }
    Ok(outcome_code(results))
}

/// How a job stands after a pause or a cancel.
fn stood(s: &JobSummary, what: &str, as_json: bool) -> Result<i32, EngineError> {
    if as_json {
        json(s)?;
    } else {
        let counts: Vec<String> = s.by_state.iter().map(|(k, v)| format!("{v} {k}")).collect();
        say!(
            "job {}: {what}; {} items: {}",
            s.job.id,
            s.items,
            counts.join(", ")
        );
    }
    Ok(0)
}

pub async fn jobs(ws: &Workspace, args: JobsArgs) -> Result<i32, EngineError> {
    match args.action.unwrap_or(JobsAction::List { limit: 20 }) {
        JobsAction::List { limit } => {
            let list = ws.jobs(limit).await?;
            if args.json {
                json(&list)?;
            } else {
                say!("JOB\tSTATE\tITEMS\tTITLE");
                for s in &list {
                    let counts: Vec<String> =
                        s.by_state.iter().map(|(k, v)| format!("{v} {k}")).collect();
                    say!(
                        "{}\t{}\t{}\t{}",
                        s.job.id,
                        if s.job.paused_at.is_some() {
                            "paused".to_owned()
                        } else {
                            s.job.state.to_string()
                        },
                        counts.join(", "),
                        s.job.title
                    );
                }
            }
            Ok(0)
        }
        JobsAction::Show { job } => {
            let (s, ops) = ws.job(job_id(&job)?).await?;
            if args.json {
                json(&serde_json::json!({"job": s, "items": ops}))?;
            } else {
                say!("{} ({}): {}", s.job.id, s.job.state, s.job.title);
                for op in &ops {
                    say!(
                        "{}\t{}\t{}\t{}\t{}",
                        op.id,
                        op.state,
                        op.target_label.as_deref().unwrap_or_default(),
                        op.agent_names.join(", "),
                        op.error_message.as_deref().unwrap_or_default()
                    );
                }
            }
            Ok(0)
        }
        JobsAction::Resume { job } => {
            let id = job_id(&job)?;
            let results = watched(ws, id, ws.resume_job(id)).await?;
            sent(&results, "sent", args.json)
        }
        JobsAction::Pause { job } => {
            let s = ws.pause_job(job_id(&job)?).await?;
            stood(&s, "paused", args.json)
        }
        JobsAction::Cancel { job } => {
            let s = ws.cancel_job(job_id(&job)?).await?;
            stood(&s, "cancelled what was not sent", args.json)
        }
        JobsAction::Export {
            job,
            only,
            output,
            force,
        } => {
            let write = ws.exporter(Export::Job {
                job: job_id(&job)?,
                only: only.into_iter().map(Into::into).collect(),
            });
            to_output(destination(output.as_ref(), force)?, write).await?;
            Ok(0)
        }
        JobsAction::Retry { job } => {
            let id = job_id(&job)?;
            let results = watched(ws, id, ws.retry_failed(id)).await?;
            sent(&results, "sent again", args.json)
        }
        JobsAction::Undo { job, dry_run, yes } => {
            let id = job_id(&job)?;
            let plan = ws.preview_undo(id).await?;
            if dry_run {
                if args.json {
                    json(&plan)?;
                } else {
                    summary(&plan);
                }
                return Ok(0);
            }
            if !yes && !confirmed(&plan)? {
                return Ok(0);
            }
            let started = ws.start_undo(id).await?;
            let undo = started.job_id;
            let results = watched(ws, undo, ws.resume_job(undo)).await?;
            let out = ReassignOutcome {
                job_id: undo,
                state: ws.job_progress(undo).await?.summary.job.state,
                plan: started.plan,
                results,
            };
            if args.json {
                json(&out)?;
            } else {
                say!(
                    "job {}: {} put back, {} skipped",
                    out.job_id,
                    out.results
                        .iter()
                        .filter(|r| r.state == OperationState::Done)
                        .count(),
                    out.plan.skipped.len()
                );
                report(&out.results);
            }
            Ok(outcome_code(&out.results))
        }
    }
}
