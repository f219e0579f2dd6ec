//! A status change on its way and back: sending a journaled one (the status
//! by its id in the tenant's list), reading the vendor's per-agent results,
//! and recording what moved as the agents' statuses from now. The journal
//! calls this; the status board and the sync record what they see through
//! `record`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use switchboard_domain::change::Change;
use switchboard_domain::code::ResultCode;
use switchboard_domain::job::Operation;
use switchboard_domain::status::{SampleChange, Seen, StatusSource, TenantStatus, observe};
use switchboard_domain::{AgentId, ConnectionId, Timestamp};
use switchboard_store::{agents, status_samples, tenant_statuses};
use switchboard_vendors::{Adapter, StatusOption, VendorError};
use ts_rs::TS;

use crate::Workspace;

/// One agent's result of a status change, as the vendor confirmed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AgentStatusResult {
    pub agent_vendor_id: String,
    pub agent_id: Option<AgentId>,
    pub name: String,
    pub previous: String,
    pub current: String,
    /// True only when the vendor says the agent is now in the status asked for,
    /// and was not before.
    pub changed: bool,
    /// The agent was already in the status asked for: nothing changed, and
    /// nothing was refused.
    #[serde(default)]
    pub already: bool,
    /// The vendor's reason when it kept the agent's status.
    pub message: Option<String>,
}

fn option(s: &TenantStatus) -> StatusOption {
    StatusOption {
        id: s.vendor_id.clone(),
        name: s.name.clone(),
        color: s.color.clone(),
        system: s.system,
        settable: s.offered,
        offered: s.offered,
    }
}

/// "8 changed; 2 kept: Ana Lima (Agent can't be changed from system status
/// 'In-call'), …" from a status change's per-agent results.
pub(crate) fn summary(response: Option<&Value>) -> Option<(ResultCode, String)> {
    let results: Vec<AgentStatusResult> = serde_json::from_value(response?.clone()).ok()?;
    let changed = results.iter().filter(|r| r.changed).count();
    let already = results.iter().filter(|r| r.already).count();
    let done = if already > 0 {
        format!("{changed} changed, {already} already there")
    } else {
        format!("{changed} changed")
    };
    let kept: Vec<String> = results
        .iter()
        .filter(|r| !r.changed && !r.already)
        .map(|r| match &r.message {
            Some(m) => format!("{} ({m})", r.name),
            None => format!("{} (still {})", r.name, r.current),
        })
        .collect();
    Some(if kept.is_empty() {
        (ResultCode::Changed, done)
    } else {
        (
            ResultCode::Kept,
            format!("{done}; {} kept: {}", kept.len(), kept.join(", ")),
        )
    })
}

/// Applies looks at agents' statuses to their samples; returns how many changed.
pub(crate) fn record(
    db: &rusqlite::Connection,
    connection: ConnectionId,
    seen: &[(String, Seen)],
) -> switchboard_store::Result<u32> {
    let mut changed = 0;
    for (vendor_id, s) in seen {
        let Some(agent) = agents::find_by_vendor_id(db, connection, vendor_id)? else {
            // Not in the cache yet: the next sync brings the agent in.
            continue;
        };
        let latest = status_samples::latest(db, agent.id)?;
        for change in observe(agent.id, latest.as_ref(), s) {
            match change {
                SampleChange::Touch { id, at } => status_samples::touch(db, id, at)?,
                SampleChange::End { id, at } => status_samples::end(db, id, at)?,
                SampleChange::Start(sample) => {
                    status_samples::insert(db, &sample)?;
                    changed += 1;
                }
            }
        }
    }
    Ok(changed)
}

/// After a confirmed change: the agents the vendor moved are in the new status
/// from now.
pub(crate) fn record_changes(
    db: &rusqlite::Connection,
    connection: ConnectionId,
    request: &Change,
    results: &Value,
) -> switchboard_store::Result<()> {
    let Change::SetStatus {
        status_id,
        status_name,
        ..
    } = request
    else {
        return Ok(());
    };
    let Ok(results) = serde_json::from_value::<Vec<AgentStatusResult>>(results.clone()) else {
        return Ok(());
    };
    let now = Timestamp::now();
    let seen: Vec<(String, Seen)> = results
        .into_iter()
        .filter(|r| r.changed)
        .map(|r| {
            (
                r.agent_vendor_id,
                Seen {
                    status_vendor_id: Some(status_id.clone()),
                    status_name: status_name.clone(),
                    since: Some(now),
                    at: now,
                    source: StatusSource::App,
                },
            )
        })
        .collect();
    record(db, connection, &seen).map(|_| ())
}

impl Workspace {
    /// Sends a journaled status change: the status by its id in the cached list,
    /// checked against the tenant's system statuses; the per-agent results come
    /// back as JSON for the journal.
    pub(crate) async fn send_status(
        &self,
        adapter: &Adapter,
        op: &Operation,
    ) -> Result<Value, VendorError> {
        let connection = op.connection_id;
        let tenant = self
            .on_store(move |store| Ok(store.read(|db| tenant_statuses::list(db, connection))?))
            .await
            .map_err(|e| VendorError::invalid("status", e.to_string()))?;
        let Change::SetStatus {
            status_id: wanted,
            agents: asked_agents,
            teams: asked_teams,
            ..
        } = &op.request
        else {
            return Err(VendorError::invalid("status", "not a status change"));
        };
        let status = tenant
            .iter()
            .find(|s| s.vendor_id == *wanted)
            .map(option)
            .ok_or_else(|| {
                VendorError::invalid(
                    "status",
                    format!("the tenant no longer has status {wanted}"),
                )
            })?;
        let options: Vec<StatusOption> = tenant.iter().map(option).collect();
        let results = adapter
            .set_status(&status, &options, asked_agents, asked_teams)
            .await?;
        // The agents' cache rows, in one read off the async runtime.
        let status_name = status.name.clone();
        let mapped = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    results
                        .into_iter()
                        .map(|r| {
                            // A lookup that fails only costs the agent's link.
                            let agent =
                                agents::find_by_vendor_id(db, connection, &r.agent_vendor_id)
                                    .ok()
                                    .flatten();
                            // Confirmed only when the vendor says the agent is now in it.
                            let now_in = r.changed && r.current.eq_ignore_ascii_case(&status_name);
                            let was_in = r.previous.eq_ignore_ascii_case(&r.current);
                            Ok(AgentStatusResult {
                                changed: now_in && !was_in,
                                already: now_in && was_in,
                                agent_id: agent.as_ref().map(|a| a.id),
                                name: r
                                    .name
                                    .or(agent.map(|a| a.name))
                                    .unwrap_or_else(|| r.agent_vendor_id.clone()),
                                agent_vendor_id: r.agent_vendor_id,
                                previous: r.previous,
                                current: r.current,
                                message: r.message,
                            })
                        })
                        .collect::<switchboard_store::Result<Vec<_>>>()
                })?)
            })
            .await
            .map_err(|e| VendorError::invalid("status", e.to_string()))?;
        Ok(json!(mapped))
    }
}
