//! Bulk reassignment: everything one person holds, on every platform, handed
//! to others (or released) in one job. The plan comes from the cache alone
//! (`plan`); confirming re-plans and journals every item as a `Change::Move`
//! in one transaction before the first call; then each vendor's items go out
//! at its own pace, in parallel with the other vendors'. Each move reads its
//! target first, so an item someone else changed meanwhile stops in conflict,
//! and a move cut off half-way goes on where it stopped (`journal::moves`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_domain::change::Change;
use switchboard_domain::job::{Job, JobKind, JobState, Operation, OperationState};
use switchboard_domain::{
    AgentId, ConnectionId, JobId, OperationId, PersonId, TargetId, TeamId, Timestamp, Vendor,
};
use switchboard_store::{jobs, operations};
use ts_rs::TS;

use crate::journal::OperationResult;
use crate::{EngineError, ErrorCode, Workspace};

/// How many items of one connection are on their way at once.
const LANES: usize = 4;

mod plan;
mod scope;
mod status;
mod undo;

pub(crate) use plan::vendor_ref;
pub use scope::TargetScope;
pub use status::StatusStep;
pub(crate) use undo::undo_plan;

/// The plan's count per connection, with the time each vendor's documented
/// limit gives its calls.
#[derive(Default)]
pub(crate) struct Tally(BTreeMap<ConnectionId, ConnectionPlan>);

impl Tally {
    pub(crate) fn row(
        &mut self,
        db: &rusqlite::Connection,
        c: &switchboard_domain::connection::Connection,
    ) -> switchboard_store::Result<&mut ConnectionPlan> {
        use std::collections::btree_map::Entry;
        Ok(match self.0.entry(c.id) {
            Entry::Occupied(row) => row.into_mut(),
            Entry::Vacant(row) => {
                let synced_at = switchboard_store::sync_runs::latest_done(db, c.id)?
                    .and_then(|r| r.finished_at);
                row.insert(ConnectionPlan {
                    connection_id: c.id,
                    name: c.display_name.clone(),
                    vendor: c.vendor,
                    items: 0,
                    calls: 0,
                    skipped: 0,
                    seconds: None,
                    synced_at,
                })
            }
        })
    }

    /// The connections with anything in the plan, and the slowest one's time
    /// (vendors run side by side).
    pub(crate) fn finish(self) -> (Vec<ConnectionPlan>, Option<u32>) {
        let rows: Vec<ConnectionPlan> = self
            .0
            .into_values()
            .filter(|r| r.items + r.skipped > 0)
            .map(|mut r| {
                r.seconds = switchboard_vendors::documented_pace(r.vendor).map(|p| {
                    (u64::from(r.calls) * p.window_ms).div_ceil(u64::from(p.max.max(1)) * 1000)
                        as u32
                });
                r
            })
            .collect();
        let seconds = rows.iter().filter_map(|r| r.seconds).max();
        (rows, seconds)
    }
}

/// Whose work moves, and where to.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReassignRequest {
    /// Whose work moves: everything this person's agents hold, or (with
    /// `targets`) their share of those targets.
    #[serde(default)]
    pub from: Option<PersonId>,
    /// Which targets: all a filter matches, or a selection (with `from` or
    /// alone: then each target's one holder's share moves, and a target
    /// nobody holds is assigned).
    #[serde(default)]
    pub targets: Option<TargetScope>,
    /// Only on these connections (every connection when empty).
    #[serde(default)]
    pub connections: Vec<ConnectionId>,
    pub to: Destination,
    #[serde(default)]
    pub strategy: Strategy,
    /// No one is given more than this many items.
    #[serde(default)]
    pub max_per_person: Option<u32>,
    /// Only people who are Available on CCAI Platform right now.
    #[serde(default)]
    pub only_available: bool,
    /// Also set the person's status on CCAI Platform, in the same job (a
    /// status's id, or its name).
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    /// These people, spread by the strategy.
    People { ids: Vec<PersonId> },
    /// The people of this team (the source left out), spread by the strategy.
    Team { id: TeamId },
    /// Nobody new: the person is taken off (where the vendor can).
    Release,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// In turn.
    #[default]
    RoundRobin,
    /// To whoever holds the least (open assignments on every platform and
    /// changes waiting for them, plus what this job gives).
    LeastLoaded,
}

/// One item of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PlanItem {
    pub target_id: TargetId,
    pub connection_id: ConnectionId,
    pub vendor: Vendor,
    pub target_label: String,
    /// Whose share moves; none for a target nobody held (it is assigned).
    pub from_agent: Option<AgentId>,
    pub from_name: Option<String>,
    pub to_person: Option<PersonId>,
    pub to_agent: Option<AgentId>,
    pub to_name: Option<String>,
    /// The calls it takes at the vendor.
    pub calls: u32,
}

/// An item left as it is, and why.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Skipped {
    pub target_id: TargetId,
    pub connection_id: ConnectionId,
    pub target_label: String,
    pub reason: String,
}

/// The plan on one connection.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionPlan {
    pub connection_id: ConnectionId,
    pub name: String,
    pub vendor: Vendor,
    pub items: u32,
    pub calls: u32,
    pub skipped: u32,
    /// The calls at the vendor's documented limit; none where it documents none.
    pub seconds: Option<u32>,
    /// When the cache last synced this connection.
    pub synced_at: Option<Timestamp>,
}

/// What one destination person is given.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PersonShare {
    pub person_id: PersonId,
    pub name: String,
    pub items: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReassignPlan {
    /// Whose work it is.
    pub from_name: String,
    pub items: Vec<PlanItem>,
    pub skipped: Vec<Skipped>,
    pub connections: Vec<ConnectionPlan>,
    pub people: Vec<PersonShare>,
    /// The person's status set on CCAI Platform, when asked.
    pub status: Vec<StatusStep>,
    /// The slowest vendor's time at its documented limit: vendors go in parallel.
    pub seconds: Option<u32>,
    pub planned_at: Timestamp,
}

/// A job journaled and on its way: its plan, and where to watch it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StartedJob {
    pub job_id: JobId,
    pub plan: ReassignPlan,
}

/// How a reassignment job went.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ReassignOutcome {
    pub job_id: JobId,
    pub state: JobState,
    pub plan: ReassignPlan,
    pub results: Vec<OperationResult>,
}

/// What an item journals, as the plan read it: its change, the target's id at
/// the vendor, and whom the target held.
pub(crate) struct Draft {
    pub(crate) change: Change,
    pub(crate) target_vendor_id: String,
    pub(crate) before: std::collections::BTreeSet<String>,
    /// The agents it gives the target, for History's filters by agent.
    pub(crate) agents: Vec<AgentId>,
}

/// The plan and each item's change, from the cache (for its export).
pub(crate) fn planned(
    db: &rusqlite::Connection,
    request: &ReassignRequest,
) -> Result<(ReassignPlan, Vec<Draft>), EngineError> {
    plan::plan(db, request)
}

/// Journals a plan's items as one job, every item queued and reserved for this
/// process's sender, in the caller's transaction.
pub(crate) fn journal_plan(
    db: &rusqlite::Connection,
    kind: JobKind,
    title: String,
    origin: switchboard_domain::job::Origin,
    owner: &crate::claims::Owner,
    plan: &ReassignPlan,
    drafts: Vec<Draft>,
) -> switchboard_store::Result<(Job, Vec<Operation>)> {
    let now = Timestamp::now();
    let job = Job {
        id: JobId::new(),
        kind,
        title,
        state: JobState::Queued,
        origin,
        created_at: now,
        updated_at: now,
        finished_at: None,
        paused_at: None,
    };
    jobs::insert(db, &job)?;
    let reserve = owner.claim();
    let mut ops = Vec::with_capacity(drafts.len() + plan.status.len());
    // The status first: one call, and routing stops while the work moves.
    for step in &plan.status {
        let (mut op, agent) = status::operation(db, &job, step)?;
        op.id = operations::insert(db, &op, &[agent], Some(reserve))?;
        ops.push(op);
    }
    for (item, draft) in plan.items.iter().zip(drafts) {
        let Draft {
            change,
            target_vendor_id,
            before,
            agents,
        } = draft;
        let mut op = Operation {
            id: OperationId(0),
            job_id: job.id,
            connection_id: item.connection_id,
            kind: change.kind(),
            target_id: Some(item.target_id),
            target_vendor_id: Some(target_vendor_id),
            target_label: Some(item.target_label.clone()),
            agent_names: item.to_name.iter().cloned().collect(),
            request: change,
            before: Some(json!(before)),
            state: OperationState::Queued,
            attempts: 0,
            response: None,
            error_code: None,
            error_message: None,
            not_after: None,
            next_attempt_at: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        };
        op.id = operations::insert(db, &op, &agents, Some(reserve))?;
        ops.push(op);
    }
    Ok((job, ops))
}

impl Workspace {
    /// The plan, from the cache alone; nothing is journaled or sent.
    pub async fn preview_reassign(
        &self,
        request: ReassignRequest,
    ) -> Result<ReassignPlan, EngineError> {
        self.statuses_for(&request).await;
        self.on_store(move |store| Ok(store.read(|db| Ok(plan::plan(db, &request)))??.0))
            .await
    }

    /// A status asked for on a CCAI Platform connection whose statuses were
    /// never read: read them once from the vendor (unreachable, the plan says
    /// they are not known yet).
    async fn statuses_for(&self, request: &ReassignRequest) {
        let (Some(_), Some(person)) = (&request.status, request.from) else {
            return;
        };
        let unknown = self
            .on_store(move |store| Ok(store.read(|db| status::uncached(db, person))?))
            .await
            .unwrap_or_default();
        for connection in unknown {
            let _ = self.refresh_status_list(connection).await;
        }
    }

    /// Plans again, journals every item in one transaction, then sends each
    /// vendor's items in parallel with the others'. What could not go out yet
    /// waits in the queue.
    pub async fn reassign(&self, request: ReassignRequest) -> Result<ReassignOutcome, EngineError> {
        let (plan, ops, job) = self.journal_reassign(request).await?;
        self.run_plan(plan, ops, job).await
    }

    /// Plans again and journals every item (queued) in one transaction; nothing
    /// is sent. The window then sends it in the background (`resume_job`) and
    /// watches the job's progress.
    pub async fn start_reassign(
        &self,
        request: ReassignRequest,
    ) -> Result<StartedJob, EngineError> {
        let (plan, _, job_id) = self.journal_reassign(request).await?;
        Ok(StartedJob { job_id, plan })
    }

    async fn journal_reassign(
        &self,
        request: ReassignRequest,
    ) -> Result<(ReassignPlan, Vec<Operation>, JobId), EngineError> {
        self.statuses_for(&request).await;
        let origin = self.origin;
        let owner = self.owner.clone();
        self.on_store(move |store| {
            store.write(|db| {
                let (plan, changes) = match plan::plan(db, &request) {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                let destination = match &request.to {
                    Destination::Release => "nobody (released)".to_owned(),
                    _ => plan
                        .people
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                let mut title = match &request.targets {
                    None => format!(
                        "Reassign everything {} holds to {destination}",
                        plan.from_name
                    ),
                    Some(_) => format!(
                        "Reassign {} targets of {} to {destination}",
                        plan.items.len(),
                        plan.from_name
                    ),
                };
                if let Some(step) = plan.status.first() {
                    title.push_str(&format!("; set {} {}", plan.from_name, step.status_name));
                }
                let (job, ops) =
                    journal_plan(db, JobKind::Reassign, title, origin, &owner, &plan, changes)?;
                Ok(Ok((plan, ops, job.id)))
            })?
        })
        .await
    }

    /// Sends a journaled plan and reports it.
    pub(crate) async fn run_plan(
        &self,
        plan: ReassignPlan,
        ops: Vec<Operation>,
        job: JobId,
    ) -> Result<ReassignOutcome, EngineError> {
        self.leased(job, async {
            let results = self.send_by_connection(ops, job).await?;
            let state = self.settle_job(job).await?;
            Ok(ReassignOutcome {
                job_id: job,
                state,
                plan,
                results,
            })
        })
        .await
    }

    /// Sends a job's operations: the connections side by side, and on each a
    /// few items at once ([`LANES`]), all of them through the connection's one
    /// pacer, so its documented limit holds while the wait for each answer
    /// overlaps the next call. A target's operations share a lane, in order.
    /// A full disk or a locked keychain makes the job wait and go on (see `disk`).
    pub(crate) async fn send_by_connection(
        &self,
        ops: Vec<Operation>,
        job: JobId,
    ) -> Result<Vec<OperationResult>, EngineError> {
        self.send_through_stalls(ops, job).await
    }

    /// One pass of [`Workspace::send_by_connection`]. A lane that stopped on a
    /// full disk is the error reported, so the job waits for space.
    pub(crate) async fn send_lanes(
        &self,
        ops: Vec<Operation>,
        job: JobId,
    ) -> Result<Vec<OperationResult>, EngineError> {
        let mut lanes: BTreeMap<(ConnectionId, usize), Vec<Operation>> = BTreeMap::new();
        for op in ops {
            let lane = op
                .target_id
                .map_or(0, |t| t.0.unsigned_abs() as usize % LANES);
            lanes.entry((op.connection_id, lane)).or_default().push(op);
        }
        let sends = lanes.into_values().map(|ops| self.send_fresh(ops, job));
        let mut results = Vec::new();
        let mut failed: Option<EngineError> = None;
        for sent in futures_util::future::join_all(sends).await {
            match sent {
                Ok(sent) => results.extend(sent),
                Err(e)
                    if failed
                        .as_ref()
                        .is_none_or(|f| f.code() != ErrorCode::DiskFull) =>
                {
                    failed = Some(e);
                }
                Err(_) => {}
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(results),
        }
    }
}
