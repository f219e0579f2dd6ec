//! A job's progress on standard error while it runs, as a bar (`indicatif`),
//! when someone is at the terminal to see it; scripts and pipes get nothing
//! extra (the results go to standard output as always).

use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use switchboard_domain::JobId;
use switchboard_engine::jobs::JobProgress;
use switchboard_engine::{EngineError, Workspace};

/// How often the bar reads the job's counts.
const EVERY: Duration = Duration::from_millis(250);

/// The bar's words: what ended how, the pace, and what waits where.
pub(super) fn words(p: &JobProgress) -> String {
    let n = |s: &str| p.summary.by_state.get(s).copied().unwrap_or(0);
    let mut text = format!("{} done", n("done"));
    for (state, label) in [
        ("failed", "failed"),
        ("conflict", "in conflict"),
        ("unknown", "not confirmed"),
        ("cancelled", "cancelled"),
    ] {
        if n(state) > 0 {
            text.push_str(&format!(", {} {label}", n(state)));
        }
    }
    if let Some(stall) = &p.stalled {
        text.push_str(match stall.code {
            switchboard_engine::ErrorCode::KeychainLocked => " · waiting: unlock your keychain",
            _ => " · waiting for room: the disk is full",
        });
    } else if p.summary.job.paused_at.is_some() && p.remaining > 0 {
        text.push_str(" · paused");
    } else if let Some(left) = p.seconds_left {
        text.push_str(&format!(" · {:.1}/s, {left} s left", p.per_second));
    }
    let waiting: Vec<String> = p
        .connections
        .iter()
        .filter(|c| c.remaining > 0 && c.waiting.is_some())
        .map(|c| format!("{} waits", c.name))
        .collect();
    if !waiting.is_empty() {
        text.push_str(&format!(" · {}", waiting.join(", ")));
    }
    text
}

/// Runs `work` (which sends job `job`) with a bar on standard error when it
/// is a terminal.
pub(super) async fn watched<T>(
    ws: &Workspace,
    job: JobId,
    work: impl Future<Output = Result<T, EngineError>>,
) -> Result<T, EngineError> {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:30.green/white} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let draw = async {
        loop {
            if let Ok(p) = ws.job_progress(job).await {
                bar.set_length(u64::from(p.summary.items));
                bar.set_position(u64::from(p.summary.items - p.remaining));
                bar.set_message(words(&p));
            }
            tokio::time::sleep(EVERY).await;
        }
    };
    let result = tokio::select! {
        r = work => r,
        () = draw => unreachable!("the bar draws until the work ends"),
    };
    // The summary line that follows says how it ended.
    bar.finish_and_clear();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::job::{Job, JobKind, JobState, Origin};
    use switchboard_domain::{ConnectionId, Timestamp, Vendor};
    use switchboard_engine::jobs::{ConnectionProgress, JobSummary};

    fn progress(paused: bool, waiting: Option<&str>) -> JobProgress {
        let by_state = [("done", 40), ("failed", 2), ("queued", 8)]
            .map(|(s, n)| (s.to_owned(), n))
            .into();
        JobProgress {
            summary: JobSummary {
                job: Job {
                    id: JobId::new(),
                    kind: JobKind::Reassign,
                    title: "Reassign".into(),
                    state: JobState::Queued,
                    origin: Origin::Cli,
                    created_at: Timestamp(0),
                    updated_at: Timestamp(0),
                    finished_at: None,
                    paused_at: paused.then_some(Timestamp(1)),
                },
                items: 50,
                by_state,
            },
            trouble: Vec::new(),
            remaining: 8,
            connections: vec![ConnectionProgress {
                connection_id: ConnectionId::new(),
                name: "Demo Vambe".into(),
                vendor: Vendor::Vambe,
                by_state: Default::default(),
                remaining: 8,
                waiting: waiting.map(str::to_owned),
            }],
            per_second: 4.0,
            seconds_left: Some(2),
            stalled: None,
        }
    }

    #[test]
    fn the_bar_says_what_ended_how_the_pace_and_what_waits() {
        assert_eq!(
            words(&progress(false, None)),
            "40 done, 2 failed · 4.0/s, 2 s left"
        );
        assert_eq!(
            words(&progress(true, Some("paused"))),
            "40 done, 2 failed · paused · Demo Vambe waits"
        );
        let full = JobProgress {
            stalled: Some(switchboard_engine::jobs::Stall {
                code: switchboard_engine::ErrorCode::DiskFull,
                message: "the disk holding Switchboard's data folder is full".into(),
            }),
            seconds_left: None,
            ..progress(false, None)
        };
        assert_eq!(
            words(&full),
            "40 done, 2 failed · waiting for room: the disk is full"
        );
    }
}
