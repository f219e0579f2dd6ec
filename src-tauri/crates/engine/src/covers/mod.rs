//! Temporary cover: "Ana is away from Monday 08:00 to Friday 18:00; Bruno
//! covers". At the start her work moves to the cover (a bulk job); during it,
//! optionally, what newly arrives for her follows; at the end what the cover
//! still holds goes back to her, and what someone else changed meanwhile is
//! left and listed with the reason. Steps are taken by `run_due_covers`: the
//! window calls it every half minute and at start (a step that fell while it
//! was closed runs then, said late), `switchboard covers run-due` from cron.

use serde::Serialize;
use switchboard_domain::cover::{Cover, CoverState, CoverStep};
use switchboard_domain::sync::SyncMode;
use switchboard_domain::{CoverId, JobId, Timestamp, ValidationError};
use switchboard_store::{covers, operations, people, teams};
use ts_rs::TS;

use crate::jobs::JobSummary;
use crate::sync::Cancel;
use crate::{EngineError, Workspace};

mod check;
mod steps;

pub use check::CoverRequest;

/// A step later than this after it was due is said to have run late.
const LATE_MS: i64 = 60_000;

/// A cover as the Covers view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CoverRow {
    pub cover: Cover,
    pub person_name: String,
    /// Who covers: the people's names, or the team's.
    pub to_names: Vec<String>,
    /// Its jobs, oldest first: the start, what followed, the hand-back.
    pub jobs: Vec<CoverJobRow>,
    /// How late the start and the end ran, when they ran a minute or more
    /// after they were due (Switchboard was closed).
    #[ts(type = "number | null")]
    pub started_late_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub ended_late_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CoverJobRow {
    pub step: CoverStep,
    pub summary: JobSummary,
}

/// A step a run took.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CoverRun {
    pub cover_id: CoverId,
    pub person_name: String,
    pub step: CoverStep,
    pub job_id: Option<JobId>,
    /// Items moved (or handed back) and left as they were.
    pub items: u32,
    pub skipped: u32,
    /// How long after it was due the step ran.
    #[ts(type = "number")]
    pub late_ms: i64,
    /// Why nothing moved, when something stopped it.
    pub problem: Option<String>,
}

fn late(ran: Option<Timestamp>, due: Timestamp) -> Option<i64> {
    ran.map(|r| r.0 - due.0).filter(|ms| *ms >= LATE_MS)
}

fn row(db: &rusqlite::Connection, cover: Cover) -> Result<CoverRow, EngineError> {
    let person_name = people::get(db, cover.person_id)?.display_name;
    let to_names = match cover.to_team {
        Some(t) => vec![teams::get(db, t)?.name],
        None => cover
            .to_people
            .iter()
            .map(|p| Ok(people::get(db, *p)?.display_name))
            .collect::<Result<_, EngineError>>()?,
    };
    let jobs = covers::jobs_of(db, cover.id)?
        .into_iter()
        .map(|j| {
            Ok(CoverJobRow {
                step: j.step,
                summary: crate::jobs::summary(db, switchboard_store::jobs::get(db, j.job_id)?)?,
            })
        })
        .collect::<Result<_, EngineError>>()?;
    Ok(CoverRow {
        started_late_ms: late(cover.started_at, cover.starts_at),
        ended_late_ms: late(cover.ended_at, cover.ends_at),
        cover,
        person_name,
        to_names,
        jobs,
    })
}

impl Workspace {
    /// Every cover: under way, upcoming, then ended and cancelled.
    pub async fn covers(&self) -> Result<Vec<CoverRow>, EngineError> {
        self.on_store(|store| {
            store.read(|db| Ok(covers::list(db)?.into_iter().map(|c| row(db, c)).collect()))?
        })
        .await
    }

    pub async fn cover(&self, id: CoverId) -> Result<CoverRow, EngineError> {
        self.on_store(move |store| store.read(|db| Ok(row(db, covers::get(db, id)?)))?)
            .await
    }

    /// What the cover's start would move if it started now, from the cache
    /// (the reassignment's plan: counts, skipped and why, time); nothing is
    /// saved or sent. `id`: the cover being changed.
    pub async fn preview_cover(
        &self,
        id: Option<CoverId>,
        request: CoverRequest,
    ) -> Result<crate::reassign::ReassignPlan, EngineError> {
        let now = self.now();
        let cover = self
            .on_store(move |store| store.read(|db| Ok(check::checked(db, &request, id, now)))?)
            .await?;
        self.preview_reassign(steps::request(&cover)).await
    }

    /// Checks and saves a cover; its start runs when it is due (at once when
    /// it already is: call `run_due_covers`).
    pub async fn add_cover(&self, request: CoverRequest) -> Result<CoverRow, EngineError> {
        let now = self.now();
        self.on_store(move |store| {
            let id = store.write(|db| match check::checked(db, &request, None, now) {
                Ok(cover) => Ok(Ok(covers::insert(db, &cover)?)),
                Err(e) => Ok(Err(e)),
            })??;
            store.read(|db| Ok(row(db, covers::get(db, id)?)))?
        })
        .await
    }

    /// Changes a cover: anything before it starts; once under way, its end,
    /// note, and whether new work follows (extending it is changing its end).
    pub async fn edit_cover(
        &self,
        id: CoverId,
        request: CoverRequest,
    ) -> Result<CoverRow, EngineError> {
        let now = self.now();
        self.on_store(move |store| {
            store.write(|db| {
                let old = covers::get(db, id)?;
                let mut cover = match check::checked(db, &request, Some(id), now) {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e)),
                };
                let started = old.state == CoverState::Active;
                if !matches!(old.state, CoverState::Scheduled | CoverState::Active) {
                    return Ok(Err(ValidationError::new("cover", format!("cover {id} is {}; it can no longer change", old.state)).into()));
                }
                if started
                    && (cover.person_id != old.person_id
                        || cover.starts_at != old.starts_at
                        || cover.to_people != old.to_people
                        || cover.to_team != old.to_team
                        || cover.connections != old.connections)
                {
                    return Ok(Err(ValidationError::new(
                        "cover",
                        "the cover has started: only its end, note and whether new work follows can change (end it and add another for the rest)",
                    )
                    .into()));
                }
                cover.id = id;
                cover.updated_at = now;
                if !covers::update(db, &cover, old.state)? {
                    return Ok(Err(ValidationError::new("cover", "the cover changed meanwhile; look again").into()));
                }
                Ok(row(db, covers::get(db, id)?))
            })?
        })
        .await
    }

    /// Moves a cover's end (the person is still away, or back sooner).
    pub async fn extend_cover(
        &self,
        id: CoverId,
        ends_at: Timestamp,
    ) -> Result<CoverRow, EngineError> {
        let c = self.cover(id).await?.cover;
        let reassign = steps::request(&c);
        let request = CoverRequest {
            person: c.person_id,
            starts_at: c.starts_at,
            ends_at,
            zone: c.zone.clone(),
            to: reassign.to,
            strategy: reassign.strategy,
            connections: c.connections.clone(),
            follow_new: c.follow_new,
            pingup_until: c.pingup_until,
            note: c.note.clone(),
        };
        self.edit_cover(id, request).await
    }

    /// Cancels a cover that has not started.
    pub async fn cancel_cover(&self, id: CoverId) -> Result<CoverRow, EngineError> {
        let now = self.now();
        self.on_store(move |store| {
            store.write(|db| {
                if !covers::step(db, id, CoverState::Scheduled, CoverState::Cancelled, now)? {
                    let state = covers::get(db, id)?.state;
                    return Ok(Err(ValidationError::new(
                        "cover",
                        format!("cover {id} is {state}; only one that has not started can be cancelled (end it instead)"),
                    )
                    .into()));
                }
                Ok(row(db, covers::get(db, id)?))
            })?
        })
        .await
    }

    /// Ends a cover now: its end becomes now, and the work goes back at once.
    pub async fn end_cover(&self, id: CoverId) -> Result<Vec<CoverRun>, EngineError> {
        let now = self.now();
        let cover = self
            .on_store(move |store| {
                store.write(|db| {
                    let mut c = covers::get(db, id)?;
                    if c.state != CoverState::Active {
                        return Ok(Err(ValidationError::new(
                            "cover",
                            format!("cover {id} is {}; only one under way can end (cancel one that has not started)", c.state),
                        )
                        .into()));
                    }
                    c.ends_at = Timestamp(now.0.max(c.starts_at.0 + 1));
                    c.updated_at = now;
                    covers::update(db, &c, CoverState::Active)?;
                    Ok(Ok(c))
                })?
            })
            .await?;
        Ok(self.hand_back(cover, now).await?.into_iter().collect())
    }

    /// Takes every step that is due: covers whose start has come start, those
    /// under way hand on what newly arrived, and those whose end has come hand
    /// the work back. Each step's job is sent before the next step.
    pub async fn run_due_covers(&self) -> Result<Vec<CoverRun>, EngineError> {
        let now = self.now();
        let (starting, ending) = self
            .on_store(move |store| Ok(store.read(|db| covers::due(db, now))?))
            .await?;
        let mut runs = Vec::new();
        for c in starting {
            let (origin, owner, cover) = (self.origin, self.owner.clone(), c.clone());
            let taken = self
                .on_store(move |store| {
                    Ok(store.write(|db| steps::start(db, &cover, now, origin, &owner))?)
                })
                .await?;
            if let Some(t) = taken {
                runs.push(self.send_step(&c, t, c.starts_at, now).await?);
            }
        }
        let following = self
            .on_store(|store| Ok(store.read(covers::active)?))
            .await?;
        for c in following.into_iter().filter(|c| c.ends_at > now) {
            let cover = c.clone();
            let new = self
                .on_store(move |store| Ok(store.read(|db| Ok(steps::has_new(db, &cover)))?))
                .await?;
            if !new {
                continue;
            }
            let (origin, owner, cover) = (self.origin, self.owner.clone(), c.clone());
            let taken = self
                .on_store(move |store| {
                    Ok(store.write(|db| steps::follow(db, &cover, origin, &owner))?)
                })
                .await?;
            if let Some(t) = taken {
                runs.push(self.send_step(&c, t, now, now).await?);
            }
        }
        for c in ending {
            runs.extend(self.hand_back(c, now).await?);
        }
        Ok(runs)
    }

    /// The end step: the connections the cover moved work on are synced first
    /// (so what the cover closed or someone else took is known), then what the
    /// cover still holds goes back.
    async fn hand_back(&self, c: Cover, now: Timestamp) -> Result<Option<CoverRun>, EngineError> {
        let id = c.id;
        let touched = self
            .on_store(move |store| {
                Ok(store.read(|db| {
                    let mut touched = Vec::new();
                    for j in covers::jobs_of(db, id)? {
                        for op in operations::list_by_job(db, j.job_id)? {
                            if !touched.contains(&op.connection_id) {
                                touched.push(op.connection_id);
                            }
                        }
                    }
                    Ok(touched)
                })?)
            })
            .await?;
        for connection in touched {
            // Unreachable now: each move still reads its target before it is sent.
            if let Err(e) = self
                .sync(connection, SyncMode::Full, &|_| {}, &Cancel::default())
                .await
            {
                tracing::warn!("cover {id}: syncing {connection} before handing back: {e}");
            }
        }
        let (origin, owner, cover) = (self.origin, self.owner.clone(), c.clone());
        let taken = self
            .on_store(move |store| {
                Ok(store.write(|db| steps::end(db, &cover, now, origin, &owner))?)
            })
            .await?;
        match taken {
            Some(t) => Ok(Some(self.send_step(&c, t, c.ends_at, now).await?)),
            None => Ok(None),
        }
    }

    /// Sends a step's job (if it has one) and says how the step went.
    async fn send_step(
        &self,
        c: &Cover,
        taken: steps::Taken,
        due: Timestamp,
        now: Timestamp,
    ) -> Result<CoverRun, EngineError> {
        let person = c.person_id;
        let person_name = self
            .on_store(move |store| Ok(store.read(|db| people::get(db, person))?.display_name))
            .await?;
        let mut run = CoverRun {
            cover_id: c.id,
            person_name,
            step: taken.step,
            job_id: None,
            items: 0,
            skipped: 0,
            late_ms: (now.0 - due.0).max(0),
            problem: taken.problem,
        };
        if let Some((plan, ops, job)) = taken.job {
            run.job_id = Some(job);
            run.items = plan.items.len() as u32;
            run.skipped = plan.skipped.len() as u32;
            self.run_plan(plan, ops, job).await?;
        }
        Ok(run)
    }
}
