//! One target, live: re-read from its vendor where the vendor can say who holds
//! it, and found by the reference a manager or a script gives.

use switchboard_domain::assignment::{Assignment, AssignmentSource};
use switchboard_domain::browse::TargetRow;
use switchboard_domain::target::{Target, TargetKind};
use switchboard_domain::{ConnectionId, TargetId, Timestamp, ValidationError};
use switchboard_store::{agents, assignments, browse, connections, targets};
use switchboard_vendors::{HttpOptions, RemoteTarget};

use crate::{EngineError, Workspace};

/// Writes what the vendor said of one target to the cache; returns its id.
fn store_remote(
    db: &rusqlite::Connection,
    connection: ConnectionId,
    remote: &RemoteTarget,
) -> switchboard_store::Result<TargetId> {
    let now = Timestamp::now();
    let existing = targets::find_by_vendor_id(db, connection, remote.kind, &remote.vendor_id)?;
    let id = targets::upsert(
        db,
        &Target {
            id: TargetId(0),
            connection_id: connection,
            kind: remote.kind,
            vendor_id: remote.vendor_id.clone(),
            name: remote
                .name
                .clone()
                .or(existing.as_ref().and_then(|t| t.name.clone())),
            phone: remote
                .phone
                .clone()
                .or(existing.as_ref().and_then(|t| t.phone.clone())),
            email: remote
                .email
                .clone()
                .or(existing.as_ref().and_then(|t| t.email.clone())),
            status: remote.status.clone(),
            last_activity_at: remote
                .last_activity_at
                .or(existing.and_then(|t| t.last_activity_at)),
            synced_at: Some(now),
        },
    )?;
    if let Some(list) = &remote.assignees {
        let mut rows = Vec::with_capacity(list.len());
        for a in list {
            let agent = match agents::find_by_vendor_id(db, connection, &a.agent_vendor_id)? {
                Some(found) => Some(found.id),
                None => agents::list_by_connection(db, connection)?
                    .into_iter()
                    .find(|x| x.email.as_deref() == Some(a.agent_vendor_id.as_str()))
                    .map(|x| x.id),
            };
            rows.push(Assignment {
                target_id: id,
                agent_vendor_id: a.agent_vendor_id.clone(),
                agent_id: agent,
                until: a.until,
                notes: a.notes.clone(),
                source: AssignmentSource::Vendor,
                observed_at: now,
            });
        }
        assignments::replace_for_target(db, id, &rows)?;
    }
    Ok(id)
}

impl Workspace {
    /// One target as the cache has it.
    pub async fn target_row(&self, id: TargetId) -> Result<TargetRow, EngineError> {
        self.on_store(move |store| Ok(store.read(|db| browse::target(db, id))?))
            .await
    }

    /// Re-reads one target and its assignees from the vendor into the cache and
    /// returns it. Vendors that cannot read one target answer from the cache.
    /// An unreachable vendor is an error (code `unreachable`): the cache stands.
    pub async fn refresh_target(&self, id: TargetId) -> Result<TargetRow, EngineError> {
        let cached = self.target_row(id).await?;
        let caps = switchboard_vendors::capabilities(cached.vendor);
        if !caps.read_assignees {
            return Ok(cached);
        }
        // One quick try: the manager is looking at the form, and the cache stands
        // in if the vendor does not answer.
        let (_, adapter) = self
            .adapter(cached.target.connection_id, HttpOptions::quick())
            .await?;
        let vendor = cached.vendor;
        let remote = adapter
            .target(&cached.target.vendor_id)
            .await
            .map_err(|source| EngineError::Vendor { vendor, source })?;
        let Some(remote) = remote else {
            return Err(ValidationError::new(
                "target",
                format!(
                    "{} no longer has this {}; sync the connection",
                    cached.vendor, cached.target.kind
                ),
            )
            .into());
        };
        let connection = cached.target.connection_id;
        self.on_store(move |store| {
            let id = store.write(|db| store_remote(db, connection, &remote))?;
            Ok(store.read(|db| browse::target(db, id))?)
        })
        .await
    }

    /// Finds a target by the vendor's id (Splashify Pro: the customer's phone, as
    /// people write it): in the cache, else at the vendor where it can read one,
    /// which is then cached. Splashify conversations are addressed by phone and
    /// cannot be read: one not cached is added, and the vendor says at send time
    /// if the customer has never written.
    pub async fn find_target(
        &self,
        connection: ConnectionId,
        reference: &str,
    ) -> Result<Target, EngineError> {
        let c = self
            .on_store(move |store| Ok(store.read(|db| connections::get(db, connection))?))
            .await?;
        let caps = switchboard_vendors::capabilities(c.vendor);
        let kind = caps.target_kind.ok_or_else(|| {
            ValidationError::new(
                "target",
                format!("{} has nothing to assign agents to", c.vendor),
            )
        })?;
        let reference = if kind == TargetKind::Conversation {
            switchboard_vendors::normalize_phone("target", reference)?
        } else {
            reference.trim().to_owned()
        };
        if reference.is_empty() {
            return Err(ValidationError::new("target", "give the target's id").into());
        }
        let r = reference.clone();
        if let Some(t) = self
            .on_store(move |store| {
                Ok(store.read(|db| targets::find_by_vendor_id(db, connection, kind, &r))?)
            })
            .await?
        {
            return Ok(t);
        }
        let remote = if caps.read_assignees {
            let (_, adapter) = self.adapter(connection, HttpOptions::default()).await?;
            match adapter.target(&reference).await {
                Ok(Some(remote)) => remote,
                Ok(None) => {
                    return Err(ValidationError::new(
                        "target",
                        format!(
                            "no {kind} '{reference}' in the cache or at {}; check the id",
                            c.vendor
                        ),
                    )
                    .into());
                }
                // An id the vendor refuses outright (not a UUID, not a number).
                Err(switchboard_vendors::VendorError::InvalidInput { field, message }) => {
                    return Err(
                        ValidationError::new("target", format!("{field}: {message}")).into(),
                    );
                }
                Err(source) => {
                    return Err(EngineError::Vendor {
                        vendor: c.vendor,
                        source,
                    });
                }
            }
        } else if kind == TargetKind::Conversation {
            RemoteTarget {
                kind,
                vendor_id: reference.clone(),
                name: None,
                phone: Some(reference.clone()),
                email: None,
                status: None,
                last_activity_at: None,
                updated_at: None,
                assignees: None,
            }
        } else {
            return Err(ValidationError::new(
                "target",
                format!("no {kind} '{reference}' in the cache; sync the connection"),
            )
            .into());
        };
        self.on_store(move |store| {
            let id = store.write(|db| store_remote(db, connection, &remote))?;
            Ok(store.read(|db| targets::get(db, id))?)
        })
        .await
    }
}
