//! The dashboards: time in status, timelines, team shares, workload, connection
//! health and mismatch alerts. They read SQLite only, so they work offline.

use std::time::Duration;

use serde::Deserialize;
use switchboard_domain::Timestamp;
use switchboard_domain::dashboard::{
    AgentTimeline, Mismatch, StatusChart, StatusChartQuery, Workload,
};
use switchboard_store::{dashboards, status_charts, vendor_calls};
use ts_rs::TS;

use crate::{EngineError, Workspace};

/// How long the call log keeps calls.
pub const CALLS_KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, Deserialize, TS)]
pub struct WorkloadQuery {
    /// "Expiring soon": assignments ending within this many ms (default a week).
    #[serde(default)]
    pub expiring_within_ms: Option<i64>,
    /// The health panel looks at calls in this last stretch (default an hour).
    #[serde(default)]
    pub health_window_ms: Option<i64>,
}

/// A chart's range runs forwards.
pub(crate) fn check_range(q: &StatusChartQuery) -> Result<(), EngineError> {
    if q.to.0 <= q.from.0 {
        return Err(switchboard_domain::ValidationError::new(
            "to",
            "the end must come after the start",
        )
        .into());
    }
    Ok(())
}

impl Workspace {
    /// Writes the calls each connection made since the last time to the call
    /// log, and forgets old ones (when there were new ones to write).
    pub async fn flush_calls(&self) -> Result<(), EngineError> {
        let taken: Vec<_> = {
            let pacers = self
                .pacers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            pacers
                .iter()
                .map(|(id, p)| {
                    let calls: Vec<vendor_calls::Call> = p
                        .take_calls()
                        .into_iter()
                        .map(|c| (c.at_ms, c.status, c.took_ms))
                        .collect();
                    (*id, calls)
                })
                .filter(|(_, c)| !c.is_empty())
                .collect()
        };
        // Nothing new: no write (connection lists and every command flush).
        if taken.is_empty() {
            return Ok(());
        }
        self.on_store(move |store| {
            Ok(store.write(|db| {
                for (id, calls) in &taken {
                    // A connection removed meanwhile has no rows to keep.
                    if switchboard_store::connections::get(db, *id).is_ok() {
                        vendor_calls::insert_all(db, *id, calls)?;
                    }
                }
                let cutoff = Timestamp::now().0 - CALLS_KEPT_FOR.as_millis() as i64;
                vendor_calls::delete_before(db, Timestamp(cutoff))?;
                Ok(())
            })?)
        })
        .await
    }

    /// Time in each status per bucket for a person, team, agent or everyone.
    pub async fn status_chart(&self, q: StatusChartQuery) -> Result<StatusChart, EngineError> {
        check_range(&q)?;
        if (q.to.0 - q.from.0) / q.bucket_ms.max(60_000) > 2_000 {
            return Err(switchboard_domain::ValidationError::new(
                "bucket_ms",
                "too many buckets for the range; choose longer buckets or a shorter range",
            )
            .into());
        }
        self.on_store(move |store| {
            Ok(store.read(|db| {
                status_charts::status_chart(
                    db,
                    &q.scope,
                    q.from,
                    q.to,
                    q.bucket_ms,
                    Timestamp::now(),
                )
            })?)
        })
        .await
    }

    /// Each agent's statuses over a range, as stretches (gaps are unknown).
    pub async fn status_timelines(
        &self,
        q: StatusChartQuery,
    ) -> Result<Vec<AgentTimeline>, EngineError> {
        self.on_store(move |store| {
            Ok(store.read(|db| status_charts::timelines(db, &q.scope, q.from, q.to))?)
        })
        .await
    }

    /// Open work per person, unassigned targets, assignments expiring soon, and
    /// each connection's health.
    pub async fn workload(&self, q: WorkloadQuery) -> Result<Workload, EngineError> {
        self.flush_calls().await?;
        let now = Timestamp::now();
        let within = q.expiring_within_ms.unwrap_or(7 * 24 * 3_600_000);
        let window = q.health_window_ms.unwrap_or(3_600_000);
        self.on_store(move |store| {
            Ok(store.read(|db| {
                Ok(Workload {
                    people: dashboards::people_load(db)?,
                    unassigned: dashboards::unassigned(db)?,
                    expiring: dashboards::expiring(db, now, within, 500)?,
                    health: dashboards::health(db, Timestamp(now.0 - window))?,
                })
            })?)
        })
        .await
    }

    /// People away on a status platform who still own open work elsewhere.
    pub async fn mismatches(&self) -> Result<Vec<Mismatch>, EngineError> {
        self.on_store(|store| Ok(store.read(dashboards::mismatches)?))
            .await
    }
}
