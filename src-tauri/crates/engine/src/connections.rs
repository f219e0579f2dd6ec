//! Connections: adding, editing, testing and removing vendor accounts. The secret
//! goes to the keychain and everything else to SQLite, together or not at all.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use switchboard_domain::audit::AuditEntry;
use switchboard_domain::connection::Connection;
use switchboard_domain::sync::{ConnectionCheck, SyncRun};
use switchboard_domain::{ConnectionId, Timestamp, ValidationError, Vendor};
use switchboard_secrets::Secret;
use switchboard_store::{Store, audit_log, connection_checks, connections, sync_runs};
use switchboard_vendors::{Adapter, Capabilities, HttpOptions, Ledger, Pace, Pacer, VendorError};
use ts_rs::TS;

use crate::connection_form::{ConnectionForm, Resolved};
use crate::{EngineError, Workspace};

/// A connection as the Connections view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionSummary {
    pub connection: Connection,
    pub capabilities: Capabilities,
    pub last_sync: Option<SyncRun>,
    pub last_check: Option<ConnectionCheck>,
    /// The latest check or sync could not reach the vendor.
    pub unreachable: bool,
    #[ts(type = "number")]
    pub agents: i64,
    #[ts(type = "number")]
    pub targets: i64,
}

/// What "Test connection" found, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CheckOutcome {
    pub ok: bool,
    /// `ok`, `unauthorized`, `not_found`, `unreachable`, `tls`, `timeout`,
    /// `rate_limited`, `invalid_input`, `vendor_error` or `unexpected`.
    pub outcome: String,
    pub message: String,
    pub account_name: Option<String>,
    #[ts(type = "number | null")]
    pub latency_ms: Option<i64>,
}

/// The manager-facing words for a failed check.
pub(crate) fn explain(vendor: Vendor, host: &str, e: &VendorError) -> (String, String) {
    let (code, message) = match e {
        VendorError::Unauthorized { message } | VendorError::Forbidden { message } => (
            "unauthorized",
            format!(
                "{vendor} refused the key. Copy it again from {vendor}'s settings and paste it here. ({message})"
            ),
        ),
        VendorError::NotFound { what, message } => (
            "not_found",
            format!("{vendor} does not know this {what}: check the {what} name. ({message})"),
        ),
        VendorError::Transport { message } => (
            "unreachable",
            format!("Cannot reach {host}. Check the address and the network. ({message})"),
        ),
        VendorError::Tls { message } => (
            "tls",
            format!("The secure connection to {host} failed. ({message})"),
        ),
        VendorError::Timeout { after } => (
            "timeout",
            format!("{host} did not answer within {} seconds.", after.as_secs()),
        ),
        VendorError::RateLimited {
            retry_after,
            message,
        } => (
            "rate_limited",
            format!(
                "{vendor} is limiting requests{}. ({message})",
                retry_after
                    .map(|d| format!("; try again in {} seconds", d.as_secs().max(1)))
                    .unwrap_or_default()
            ),
        ),
        VendorError::InvalidInput { field, message } => {
            ("invalid_input", format!("{field}: {message}"))
        }
        VendorError::Vendor { status, message } => (
            "vendor_error",
            format!("{vendor} answered with an error ({status}): {message}"),
        ),
        VendorError::Unexpected { status, excerpt } => (
            "unexpected",
            format!(
                "{host} answered something that is not {vendor}'s API (HTTP {status}): {excerpt}"
            ),
        ),
    };
    (code.to_owned(), message)
}

/// The folder, in the data folder, of the windows every process shares (one
/// file per connection; see `switchboard_vendors::Ledger`).
const PACE_DIR: &str = "pace";

impl Workspace {
    /// The pacer every call to this connection shares, at the vendor's documented
    /// limit unless the connection's settings say otherwise (`rate_limit`).
    pub(crate) fn pacer(&self, connection: &Connection) -> Arc<Pacer> {
        let mut pacers = self
            .pacers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pacers
            .entry(connection.id)
            .or_insert_with(|| {
                let pace = match connection.settings.get("rate_limit") {
                    Some(serde_json::Value::String(off)) if off == "off" => None,
                    Some(value) => serde_json::from_value::<Pace>(value.clone())
                        .ok()
                        .or_else(|| switchboard_vendors::documented_pace(connection.vendor)),
                    None => switchboard_vendors::documented_pace(connection.vendor),
                };
                // Shared with every process on this data folder.
                let ledger = self
                    .config()
                    .data_dir
                    .join(PACE_DIR)
                    .join(connection.id.to_string());
                Arc::new(Pacer::shared(pace, Ledger::new(ledger)))
            })
            .clone()
    }

    /// The adapter for a stored connection, with its secret from the keychain.
    pub async fn adapter(
        &self,
        id: ConnectionId,
        options: HttpOptions,
    ) -> Result<(Connection, Adapter), EngineError> {
        let store = self.store().clone();
        let keychain = self.keychain();
        let (connection, secret) =
            tokio::task::spawn_blocking(move || -> Result<_, EngineError> {
                let connection = store.read(|db| connections::get(db, id))?;
                let secret = keychain?.get(&id.to_string())?;
                Ok((connection, secret))
            })
            .await??;
        let secret = secret.ok_or_else(|| {
            ValidationError::new(
                "secret",
                format!(
                    "{} has no key in the keychain; edit the connection and enter it",
                    connection.display_name
                ),
            )
        })?;
        let adapter = Adapter::new(
            connection.vendor,
            &connection.base_url,
            &connection.settings,
            secret,
            options,
            self.pacer(&connection),
        )
        .map_err(|source| EngineError::Vendor {
            vendor: connection.vendor,
            source,
        })?;
        Ok((connection, adapter))
    }

    /// Adds a connection: the secret to the keychain, the rest to SQLite.
    pub async fn create_connection(
        &self,
        vendor: Vendor,
        form: ConnectionForm,
        is_demo: bool,
    ) -> Result<Connection, EngineError> {
        let resolved = form.resolve(vendor, true)?;
        let secret = form
            .secret
            .ok_or_else(|| ValidationError::new("secret", "enter the key"))?;
        let connection = new_connection(vendor, resolved, is_demo);
        let origin = self.origin;
        let keychain = self.keychain();
        let store = self.store().clone();
        let saved = connection.clone();
        tokio::task::spawn_blocking(move || -> Result<(), EngineError> {
            let keychain = keychain?;
            // Both or neither: the row is committed only once the secret is stored.
            store.write(|db| {
                connections::upsert(db, &saved)?;
                audit(
                    db,
                    origin,
                    "connection.created",
                    saved.id,
                    format!("Added {} ({})", saved.display_name, saved.vendor),
                )?;
                Ok(())
            })?;
            if let Err(e) = keychain.set(&saved.id.to_string(), &secret) {
                let _ = store.write(|db| connections::delete(db, saved.id));
                return Err(e.into());
            }
            Ok(())
        })
        .await??;
        Ok(connection)
    }

    /// Edits a connection; an empty secret keeps the stored one.
    pub async fn update_connection(
        &self,
        id: ConnectionId,
        form: ConnectionForm,
    ) -> Result<Connection, EngineError> {
        let store = self.store().clone();
        let current =
            tokio::task::spawn_blocking(move || store.read(|db| connections::get(db, id)))
                .await??;
        let resolved = form.resolve(current.vendor, false)?;
        let mut settings = current.settings.clone();
        for (k, v) in resolved.settings {
            settings.insert(k, v);
        }
        let updated = Connection {
            display_name: resolved.display_name,
            base_url: resolved.base_url,
            settings,
            updated_at: Timestamp::now(),
            ..current.clone()
        };
        let secret = form.secret.filter(|s| !s.is_blank());
        let (origin, keychain, store, saved) = (
            self.origin,
            self.keychain(),
            self.store().clone(),
            updated.clone(),
        );
        tokio::task::spawn_blocking(move || -> Result<(), EngineError> {
            if let Some(secret) = &secret {
                keychain?.set(&saved.id.to_string(), secret)?;
            }
            store.write(|db| {
                connections::upsert(db, &saved)?;
                let what = if secret.is_some() {
                    "Edited (new key)"
                } else {
                    "Edited"
                };
                audit(
                    db,
                    origin,
                    "connection.updated",
                    saved.id,
                    format!("{what} {}", saved.display_name),
                )
            })?;
            Ok(())
        })
        .await??;
        // A new base URL or limit starts with a fresh pacer.
        self.pacers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
        Ok(updated)
    }

    /// Removes a connection: its keychain entry and its cached agents, teams and
    /// targets. Its history (operations, audit) stays.
    pub async fn remove_connection(&self, id: ConnectionId) -> Result<(), EngineError> {
        let (origin, keychain, store) = (self.origin, self.keychain(), self.store().clone());
        tokio::task::spawn_blocking(move || -> Result<(), EngineError> {
            let connection = store.read(|db| connections::get(db, id))?;
            keychain?.delete(&id.to_string())?;
            store.write(|db| {
                connections::delete(db, id)?;
                audit(
                    db,
                    origin,
                    "connection.removed",
                    id,
                    format!("Removed {} and its cached data", connection.display_name),
                )
            })?;
            Ok(())
        })
        .await??;
        self.pacers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
        Ok(())
    }

    /// Every connection with its last sync, last check and cache sizes.
    pub async fn connection_summaries(&self) -> Result<Vec<ConnectionSummary>, EngineError> {
        // The calls made since the last flush count for the badges too.
        let _ = self.flush_calls().await;
        let store = self.store().clone();
        tokio::task::spawn_blocking(move || summaries(&store)).await?
    }

    /// Calls the vendor's cheapest read with the stored connection and records it.
    pub async fn test_connection(&self, id: ConnectionId) -> Result<CheckOutcome, EngineError> {
        let (connection, adapter) = match self.adapter(id, HttpOptions::quick()).await {
            Ok(pair) => pair,
            Err(EngineError::Vendor { vendor, source }) => {
                let (outcome, message) = explain(vendor, "", &source);
                return Ok(CheckOutcome {
                    ok: false,
                    outcome,
                    message,
                    account_name: None,
                    latency_ms: None,
                });
            }
            Err(e) => return Err(e),
        };
        let outcome = check(&connection, &adapter).await;
        self.record_check(id, &outcome).await?;
        Ok(outcome)
    }

    /// Tests what a manager typed, before saving it (nothing is stored).
    pub async fn test_form(
        &self,
        vendor: Vendor,
        form: ConnectionForm,
    ) -> Result<CheckOutcome, EngineError> {
        let resolved = form.resolve(vendor, true)?;
        let secret = form.secret.unwrap_or_else(|| Secret::new(""));
        let connection = new_connection(vendor, resolved, false);
        let pacer = Arc::new(Pacer::new(switchboard_vendors::documented_pace(vendor)));
        let adapter = Adapter::new(
            vendor,
            &connection.base_url,
            &connection.settings,
            secret,
            HttpOptions::quick(),
            pacer,
        )
        .map_err(|source| EngineError::Vendor { vendor, source })?;
        Ok(check(&connection, &adapter).await)
    }

    pub(crate) async fn record_check(
        &self,
        id: ConnectionId,
        outcome: &CheckOutcome,
    ) -> Result<(), EngineError> {
        let store = self.store().clone();
        let check = ConnectionCheck {
            id: 0,
            connection_id: id,
            at: Timestamp::now(),
            outcome: outcome.outcome.clone(),
            message: outcome.message.clone(),
            latency_ms: outcome.latency_ms,
        };
        tokio::task::spawn_blocking(move || {
            store.write(|db| connection_checks::insert(db, &check))
        })
        .await??;
        Ok(())
    }
}

/// A connection not stored yet, from a checked form.
fn new_connection(vendor: Vendor, resolved: Resolved, is_demo: bool) -> Connection {
    let now = Timestamp::now();
    Connection {
        id: ConnectionId::new(),
        vendor,
        display_name: resolved.display_name,
        base_url: resolved.base_url,
        settings: resolved.settings,
        is_demo,
        created_at: now,
        updated_at: now,
    }
}

fn host_of(connection: &Connection) -> String {
    url::Url::parse(connection.base_url.as_str())
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn check(connection: &Connection, adapter: &Adapter) -> CheckOutcome {
    let started = Instant::now();
    let result = adapter.check().await;
    let latency_ms = Some(started.elapsed().as_millis() as i64);
    match result {
        Ok(info) => CheckOutcome {
            ok: true,
            outcome: "ok".into(),
            message: match &info.name {
                Some(name) => format!("Connected to {} as {name}.", connection.vendor),
                None => format!("Connected to {}.", connection.vendor),
            },
            account_name: info.name,
            latency_ms,
        },
        Err(e) => {
            let (outcome, message) = explain(connection.vendor, &host_of(connection), &e);
            CheckOutcome {
                ok: false,
                outcome,
                message,
                account_name: None,
                latency_ms,
            }
        }
    }
}

/// What the badge says: the last check (a test, a sync), unless a later call
/// (an assignment, a status read, from this process or another) told
/// otherwise: a key refused after a good test, or a call that worked after a
/// refusal or an outage.
fn latest_word(
    connection: &Connection,
    check: Option<ConnectionCheck>,
    call: Option<(Timestamp, Option<u16>)>,
) -> Option<ConnectionCheck> {
    let Some((at, status)) = call else {
        return check;
    };
    if check.as_ref().is_some_and(|c| c.at.0 >= at.0) {
        return check;
    }
    let vendor = connection.vendor;
    let (outcome, message) = match status {
        Some(200..=299) => ("ok", format!("The last call to {vendor} worked.")),
        Some(401 | 403) => (
            "unauthorized",
            format!(
                "{vendor} refused the credentials on the last call: paste a new key with Edit (it is checked when saved)."
            ),
        ),
        _ => (
            "unreachable",
            format!("The last call to {vendor} got no answer; changes wait until it is back."),
        ),
    };
    // An unchanged verdict keeps the check's own words (the vendor's, or the test's).
    if check.as_ref().is_some_and(|c| c.outcome == outcome) {
        return check;
    }
    Some(ConnectionCheck {
        id: 0,
        connection_id: connection.id,
        at,
        outcome: outcome.into(),
        message,
        latency_ms: None,
    })
}

fn summaries(store: &Store) -> Result<Vec<ConnectionSummary>, EngineError> {
    Ok(store.read(|db| {
        let mut out = Vec::new();
        for connection in connections::list(db)? {
            let last_sync = sync_runs::latest(db, connection.id)?;
            let last_check = connection_checks::latest(db, connection.id)?;
            let last_call = switchboard_store::vendor_calls::latest_verdict(db, connection.id)?;
            let last_check = latest_word(&connection, last_check, last_call);
            let unreachable = last_check
                .as_ref()
                .is_some_and(|c| matches!(c.outcome.as_str(), "unreachable" | "timeout" | "tls"));
            let agents = db.query_row(
                "SELECT count(*) FROM agents WHERE connection_id = ?1",
                [connection.id.to_string()],
                |r| r.get(0),
            )?;
            let targets = switchboard_store::targets::count_by_connection(db, connection.id)?;
            out.push(ConnectionSummary {
                capabilities: switchboard_vendors::capabilities(connection.vendor),
                connection,
                last_sync,
                last_check,
                unreachable,
                agents,
                targets,
            });
        }
        Ok(out)
    })?)
}

pub(crate) fn audit(
    db: &rusqlite::Connection,
    origin: switchboard_domain::job::Origin,
    action: &str,
    connection: ConnectionId,
    summary: String,
) -> switchboard_store::Result<()> {
    audit_log::insert(
        db,
        &AuditEntry {
            id: 0,
            at: Timestamp::now(),
            origin,
            action: action.into(),
            connection_id: Some(connection),
            summary,
        },
    )?;
    Ok(())
}
