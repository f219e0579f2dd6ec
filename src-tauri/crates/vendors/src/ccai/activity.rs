//! CCAI Platform's agent activity log (Manager API): one record each time an
//! agent's widget state changes, read from a time on, oldest first, paged by
//! `Link` headers like the agents listing (path and filters as `tap-ujet`
//! reads them).

use serde::Deserialize;
use serde_json::Value;
use switchboard_domain::Timestamp;

use crate::parse::iso_to_ts;
use crate::wire::id_text;
use crate::{ActivityRecord, RemoteStatus};

#[derive(Debug, Deserialize)]
pub(super) struct WireRecord {
    id: Value,
    agent_id: Value,
    #[serde(default)]
    status: Option<WireRecordStatus>,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    ended_at: Option<String>,
    #[serde(default)]
    activity: Option<String>,
    #[serde(default)]
    call_id: Option<Value>,
    #[serde(default)]
    chat_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct WireRecordStatus {
    id: Value,
    name: String,
}

/// The first page's path: records that started at or after `since`.
pub(super) fn first_page(since: Timestamp, per: u32) -> String {
    format!(
        "/manager/api/v1/agent_activity_logs?started_at%5Bfrom%5D={}&sort_column=started_at&sort_direction=ASC&page=1&per={per}",
        crate::parse::to_iso(since)
    )
}

/// A record as Switchboard keeps it; one without an id, an agent or a start
/// is left out (nothing could be placed from it).
pub(super) fn record(r: WireRecord) -> Option<ActivityRecord> {
    let started_at = iso_to_ts(r.started_at.as_deref())?;
    Some(ActivityRecord {
        vendor_id: id_text(&r.id)?,
        agent_vendor_id: id_text(&r.agent_id)?,
        status: r.status.and_then(|s| {
            Some(RemoteStatus {
                id: Some(id_text(&s.id)?),
                name: s.name,
                since: Some(started_at),
            })
        }),
        started_at,
        ended_at: iso_to_ts(r.ended_at.as_deref()),
        activity: r.activity.unwrap_or_default(),
        contact_id: r
            .chat_id
            .as_ref()
            .and_then(id_text)
            .or_else(|| r.call_id.as_ref().and_then(id_text)),
    })
}
