//! A plan's status rows: `from` names an agent on CCAI Platform and `to` says
//! `status: NAME`, as a job's results export writes a status change. They
//! join the job as its status steps, sent first, as "going home sick" does.

use switchboard_domain::status::find_status;
use switchboard_store::tenant_statuses;

use super::lookup::Lookup;
use super::read::RawRow;
use super::row::{PlanRowError, wrong};
use crate::EngineError;
use crate::reassign::StatusStep;

/// Whether a row sets a status rather than assigning a target.
pub(super) fn is_status(raw: &RawRow) -> bool {
    raw.to.to_lowercase().starts_with("status:")
}

/// The status step a status row asks for; `None` (and its errors added) when
/// it cannot be.
pub(super) fn step(
    lookup: &mut Lookup<'_>,
    raw: &RawRow,
    errors: &mut Vec<PlanRowError>,
) -> Result<Option<StatusStep>, EngineError> {
    let c = match lookup.connection(&raw.connection) {
        Ok(c) => c.clone(),
        Err(why) => {
            errors.push(wrong(raw, "connection", &raw.connection, why));
            return Ok(None);
        }
    };
    if !switchboard_vendors::capabilities(c.vendor).set_statuses {
        errors.push(wrong(
            raw,
            "to",
            &raw.to,
            (
                format!("{} has no statuses to set", c.vendor),
                "set statuses on a CCAI Platform connection, or delete this row".into(),
            ),
        ));
        return Ok(None);
    }
    let agent = match lookup.agents_named(&c, raw.from.trim())? {
        _ if raw.from.trim().is_empty() => {
            errors.push(wrong(
                raw,
                "from",
                "",
                (
                    "nobody is named".into(),
                    "write whose status is set in from".into(),
                ),
            ));
            return Ok(None);
        }
        Ok(mut found) if found.len() == 1 => found.remove(0),
        Ok(_) => {
            errors.push(wrong(
                raw,
                "from",
                &raw.from,
                (
                    "names a team".into(),
                    "write one agent; set a team's status on the Status board".into(),
                ),
            ));
            return Ok(None);
        }
        Err(why) => {
            errors.push(wrong(raw, "from", &raw.from, why));
            return Ok(None);
        }
    };
    let wanted = raw.to["status:".len()..].trim();
    let list = tenant_statuses::list(lookup.db(), c.id)?;
    let status = match find_status(&list, wanted) {
        Ok(s) if s.offered => s,
        Ok(s) => {
            errors.push(wrong(
                raw,
                "to",
                &raw.to,
                (
                    s.why_not_offered(),
                    "choose Available or a custom status".into(),
                ),
            ));
            return Ok(None);
        }
        Err(e) => {
            errors.push(wrong(
                raw,
                "to",
                &raw.to,
                (e.message, "sync the connection if the status is new".into()),
            ));
            return Ok(None);
        }
    };
    Ok(Some(StatusStep {
        connection_id: c.id,
        name: c.display_name.clone(),
        agent_id: agent.id,
        agent_name: agent.name,
        status_id: status.vendor_id.clone(),
        status_name: status.name.clone(),
    }))
}
