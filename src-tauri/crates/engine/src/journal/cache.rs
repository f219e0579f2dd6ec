//! The cache after a done change: what the vendor now holds.

use switchboard_domain::Timestamp;
use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::change::Change;
use switchboard_domain::job::{Operation, OperationKind};
use switchboard_store::{StoreError, agents, assignments};

use crate::{EngineError, Workspace};

/// The cache shows what the vendor now holds after a done change.
pub(super) fn cache_done(
    db: &rusqlite::Connection,
    op: &Operation,
    response: Option<&serde_json::Value>,
    several_assignees: bool,
) -> switchboard_store::Result<()> {
    if op.kind == OperationKind::SetStatus {
        if let Some(results) = response {
            crate::status_change::record_changes(db, op.connection_id, &op.request, results)?;
        }
        return Ok(());
    }
    let Some(target_id) = op.target_id else {
        return Ok(());
    };
    if !targets_exists(db, target_id)? {
        return Ok(());
    }
    let (asked, until, notes, replace) = match &op.request {
        Change::Assign {
            agents,
            until,
            notes,
            replace,
        } => (agents.clone(), until, notes, *replace),
        // A move takes `from` off and gives `to` (the only one where the
        // vendor holds one).
        Change::Move {
            from,
            to,
            until,
            notes,
            ..
        } => {
            if several_assignees {
                assignments::delete(db, target_id, from)?;
            }
            (to.iter().cloned().collect(), until, notes, false)
        }
        // A release leaves nobody; a status change has no target.
        Change::Release => return assignments::replace_for_target(db, target_id, &[]),
        Change::SetStatus { .. } => return Ok(()),
    };
    let several = several_assignees && !replace;
    let now = Timestamp::now();
    let mut rows = Vec::new();
    for vendor_id in &asked {
        rows.push(Assignment {
            target_id,
            agent_id: agents::find_by_vendor_id(db, op.connection_id, vendor_id)?.map(|a| a.id),
            agent_vendor_id: vendor_id.clone(),
            until: *until,
            notes: notes.clone(),
            source: AssignmentSource::App,
            observed_at: now,
        });
    }
    // An assignment sent with an expiry already passed (Pingup: how one is
    // ended) is not held.
    let (ended, held): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.until.is_some_and(|u| u <= now));
    if several {
        for r in &ended {
            assignments::delete(db, target_id, &r.agent_vendor_id)?;
        }
        held.iter().try_for_each(|r| assignments::upsert(db, r))
    } else {
        assignments::replace_for_target(db, target_id, &held)
    }
}

impl Workspace {
    /// Removes from the cache the assignments whose expiry has passed (Pingup's
    /// `dt_until`): an ended assignment counts nowhere. Cheap when none has.
    pub async fn end_expired_assignments(&self) -> Result<usize, EngineError> {
        self.on_store(|store| {
            let now = Timestamp::now();
            if !store.read(|db| assignments::has_expired(db, now))? {
                return Ok(0);
            }
            Ok(store.write(|db| assignments::end_expired(db, now))?)
        })
        .await
    }
}

fn targets_exists(
    db: &rusqlite::Connection,
    id: switchboard_domain::TargetId,
) -> switchboard_store::Result<bool> {
    match switchboard_store::targets::get(db, id) {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
