//! `switchboard reassign`: everything one person holds, on every platform,
//! handed to others or released, after a plan (all of it with `--dry-run`).

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, ValueEnum};
use switchboard_domain::PersonId;
use switchboard_domain::browse::TargetQuery;
use switchboard_domain::job::OperationState;
use switchboard_engine::journal::OperationResult;
use switchboard_engine::reassign::{
    Destination, ReassignOutcome, ReassignPlan, ReassignRequest, Strategy, TargetScope,
};

use super::history::moment;
use switchboard_engine::{EngineError, Workspace};

use super::output::{destination, json, to_output};
use super::{connection_of, text, usage};
use switchboard_engine::export::Export;

#[derive(Debug, Args)]
pub struct ReassignArgs {
    /// Whose work moves: a person's email, or name as the People view shows it
    /// (with target filters: their share of the targets that match)
    #[arg(long, value_parser = text)]
    from: Option<String>,
    /// Only targets whose name, phone, email or id has these words
    #[arg(long, value_parser = text, help_heading = "Target filters (instead of, or with, --from)")]
    search: Option<String>,
    /// Only targets nobody holds (they are assigned to the destination)
    #[arg(long, conflicts_with_all = ["from", "release"], help_heading = "Target filters (instead of, or with, --from)")]
    unassigned: bool,
    /// Only targets last active before this date (2026-11-21) or moment (RFC 3339)
    #[arg(long, value_name = "DATE", value_parser = text, help_heading = "Target filters (instead of, or with, --from)")]
    active_before: Option<String>,
    /// Only targets last active at or after this date or moment
    #[arg(long, value_name = "DATE", value_parser = text, help_heading = "Target filters (instead of, or with, --from)")]
    active_after: Option<String>,
    /// Only targets with an assignment that ends within this many days (Pingup)
    #[arg(long, value_name = "DAYS", value_parser = text, help_heading = "Target filters (instead of, or with, --from)")]
    expiring_within: Option<String>,
    /// Only what they hold on this connection (repeat for several)
    #[arg(long = "connection", value_name = "CONNECTION", value_parser = text)]
    connections: Vec<String>,
    /// A person it goes to, by email or name (repeat to spread it)
    #[arg(long = "to", value_name = "PERSON", value_parser = text, conflicts_with_all = ["team", "release"])]
    to: Vec<String>,
    /// The people of a team it goes to, by name or vendor id
    #[arg(long, value_parser = text, conflicts_with = "release")]
    team: Option<String>,
    /// Give it to nobody: take the person off (where the vendor can)
    #[arg(long)]
    release: bool,
    /// How it is spread over several people
    #[arg(long, value_enum, default_value = "round-robin")]
    strategy: StrategyArg,
    /// No one is given more than this many items
    #[arg(long, value_name = "N", value_parser = text)]
    max_per_person: Option<String>,
    /// Only people who are Available on CCAI Platform right now
    #[arg(long)]
    only_available: bool,
    /// Also set the person's status on CCAI Platform, in the same job (a name or id)
    #[arg(long, value_parser = text)]
    status: Option<String>,
    /// Show the plan and send nothing
    #[arg(long)]
    dry_run: bool,
    /// Run without asking (required when no one is at a terminal to answer)
    #[arg(long)]
    yes: bool,
    /// The plan (and the results) as JSON, for scripts
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// With --dry-run: the plan as CSV (the columns `jobs export` writes)
    #[arg(long, requires = "dry_run")]
    csv: bool,
    /// With --csv: write it to this file instead of standard output
    #[arg(long, value_name = "FILE", requires = "csv")]
    output: Option<std::path::PathBuf>,
    /// Replace the --output file if it exists
    #[arg(long, requires = "output")]
    force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StrategyArg {
    RoundRobin,
    LeastLoaded,
}

fn minutes(seconds: Option<u32>) -> String {
    match seconds {
        None => "no documented limit".into(),
        Some(s) if s < 90 => format!("about {} s", s.max(1)),
        Some(s) => format!("about {} min", s.div_ceil(60)),
    }
}

pub(super) fn summary(plan: &ReassignPlan) {
    say!(
        "{}: {} items move, {} skipped; the slowest vendor takes {}",
        plan.from_name,
        plan.items.len(),
        plan.skipped.len(),
        minutes(plan.seconds)
    );
    for c in &plan.connections {
        say!(
            "  {}\t{} items\t{} calls\t{} skipped\t{}",
            c.name,
            c.items,
            c.calls,
            c.skipped,
            minutes(c.seconds)
        );
    }
    for p in &plan.people {
        say!("  to {}\t{} items", p.name, p.items);
    }
    for s in &plan.status {
        say!("  {}: {} is set {}", s.name, s.agent_name, s.status_name);
    }
    for s in &plan.skipped {
        say!("  skipped {}: {}", s.target_label, s.reason);
    }
}

/// Shows the plan and asks on the terminal; `false` unless the answer is yes.
/// With no one at a terminal to answer, `--yes` is required.
pub(super) fn confirmed(plan: &ReassignPlan) -> Result<bool, EngineError> {
    if !std::io::stdin().is_terminal() {
        return Err(usage(
            "add --yes to send it without asking (or --dry-run to see the plan)",
        ));
    }
    summary(plan);
    eprint!("Send it? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let yes = std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes");
    if !yes {
        tell!("Nothing was sent.");
    }
    Ok(yes)
}

/// Each item that did not end done, on standard error.
pub(super) fn report(results: &[OperationResult]) {
    for r in results.iter().filter(|r| r.state != OperationState::Done) {
        tell!(
            "{} {}: {}",
            r.operation_id,
            r.state,
            r.message.as_deref().unwrap_or_default()
        );
    }
}

/// The exit code of a job's results, as the other changes say them.
pub(super) fn outcome_code(results: &[OperationResult]) -> i32 {
    let count = |s: OperationState| results.iter().filter(|r| r.state == s).count();
    if count(OperationState::Failed) + count(OperationState::Conflict) > 0 {
        8
    } else if count(OperationState::Unknown) > 0 {
        super::changes::UNCONFIRMED
    } else if count(OperationState::Queued) + count(OperationState::Sending) > 0 {
        10
    } else {
        0
    }
}

/// The target filters given, as the Targets view's query; none when none is.
fn target_filter(
    args: &ReassignArgs,
    from: Option<PersonId>,
    connections: &[switchboard_domain::ConnectionId],
) -> Result<Option<TargetScope>, EngineError> {
    let now = switchboard_domain::Timestamp::now();
    let expiring = args
        .expiring_within
        .as_deref()
        .map(|d| match d.trim().parse::<u32>() {
            Ok(days) if days > 0 => Ok(switchboard_domain::Timestamp(
                now.0 + i64::from(days) * 86_400_000,
            )),
            _ => Err(usage(format!(
                "--expiring-within is a number of days (1 or more), not {d}"
            ))),
        })
        .transpose()?;
    let query = TargetQuery {
        search: args.search.clone(),
        connection_id: match connections {
            [one] => Some(*one),
            _ => None,
        },
        unassigned: args.unassigned.then_some(true),
        person_id: from,
        active_before: args
            .active_before
            .as_deref()
            .map(|t| moment("active_before", t))
            .transpose()?,
        active_after: args
            .active_after
            .as_deref()
            .map(|t| moment("active_after", t))
            .transpose()?,
        expiring_before: expiring,
        ..TargetQuery::default()
    };
    let filtered = query.search.is_some()
        || query.unassigned.is_some()
        || query.active_before.is_some()
        || query.active_after.is_some()
        || query.expiring_before.is_some();
    Ok(filtered.then_some(TargetScope::Matching { query }))
}

pub async fn reassign(ws: &Workspace, args: ReassignArgs) -> Result<i32, EngineError> {
    let from = match args.from.clone() {
        Some(p) => Some(ws.find_person("from", p).await?),
        None => None,
    };
    let mut connections = Vec::new();
    for c in &args.connections {
        connections.extend(connection_of(ws, Some(c)).await?);
    }
    let targets = target_filter(&args, from, &connections)?;
    if from.is_none() && targets.is_none() {
        return Err(usage(
            "say whose work moves (--from PERSON) or which targets (--search, --unassigned, --active-before, --active-after, --expiring-within)",
        ));
    }
    let to = if args.release {
        Destination::Release
    } else if let Some(team) = args.team {
        let ids = ws.find_teams(None, vec![team]).await?;
        Destination::Team { id: ids[0] }
    } else if args.to.is_empty() {
        return Err(usage(
            "say where the work goes: --to PERSON, --team TEAM or --release",
        ));
    } else {
        let mut ids = Vec::new();
        for p in args.to {
            ids.push(ws.find_person("to", p).await?);
        }
        Destination::People { ids }
    };
    let max_per_person = args
        .max_per_person
        .map(|n| {
            n.parse::<u32>()
                .map_err(|_| usage(format!("--max-per-person is a number, not {n}")))
        })
        .transpose()?;
    let request = ReassignRequest {
        from,
        targets,
        connections,
        to,
        strategy: match args.strategy {
            StrategyArg::RoundRobin => Strategy::RoundRobin,
            StrategyArg::LeastLoaded => Strategy::LeastLoaded,
        },
        max_per_person,
        only_available: args.only_available,
        status: args.status,
    };
    if args.csv {
        let write = ws.exporter(Export::ReassignPlan(request));
        to_output(destination(args.output.as_ref(), args.force)?, write).await?;
        return Ok(0);
    }
    let plan = ws.preview_reassign(request.clone()).await?;
    if args.dry_run {
        if args.json {
            json(&plan)?;
        } else {
            summary(&plan);
        }
        return Ok(0);
    }
    if !args.yes && !confirmed(&plan)? {
        return Ok(0);
    }
    let started = ws.start_reassign(request).await?;
    let job = started.job_id;
    let results = super::progress::watched(ws, job, ws.resume_job(job)).await?;
    let out = ReassignOutcome {
        job_id: job,
        state: ws.job_progress(job).await?.summary.job.state,
        plan: started.plan,
        results,
    };
    finished(&out, args.json)
}

/// Says how a bulk job went (as JSON with `as_json`); its exit code.
pub(super) fn finished(out: &ReassignOutcome, as_json: bool) -> Result<i32, EngineError> {
    let count = |s: OperationState| out.results.iter().filter(|r| r.state == s).count();
    let (failed, conflict, unknown, waiting) = (
        count(OperationState::Failed),
        count(OperationState::Conflict),
        count(OperationState::Unknown),
        count(OperationState::Queued) + count(OperationState::Sending),
    );
    if as_json {
        json(out)?;
    } else {
        say!(
            "job {}: {} done, {failed} failed, {conflict} in conflict, {unknown} not confirmed, {waiting} waiting, {} skipped",
            out.job_id,
            count(OperationState::Done),
            out.plan.skipped.len()
        );
        report(&out.results);
    }
    Ok(outcome_code(&out.results))
}
