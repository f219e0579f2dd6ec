//! Cover: someone is away for a while and colleagues take their work; when
//! they are back, what the cover still holds goes back to them by itself.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{ConnectionId, CoverId, JobId, PersonId, TeamId, Timestamp};

text_enum!(
    /// Where a cover stands.
    CoverState, "state" {
        /// Its start has not come yet.
        Scheduled = "scheduled",
        /// The work was handed over; it goes back at the end.
        Active = "active",
        /// The work was handed back.
        Ended = "ended",
        /// Cancelled before it started.
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// What a job did for a cover.
    CoverStep, "step" {
        /// Handed the person's work to the cover at the start.
        Start = "start",
        /// Handed on what newly arrived for the person during the cover.
        Follow = "follow",
        /// Handed the work back at the end.
        End = "end",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Cover {
    pub id: CoverId,
    /// Who is away.
    pub person_id: PersonId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The time zone the manager gave the times in (an IANA name), to show
    /// them as given; the times themselves are instants.
    pub zone: String,
    /// Who covers: these people, or (when set) the people of this team.
    pub to_people: Vec<PersonId>,
    pub to_team: Option<TeamId>,
    /// `round_robin` or `least_loaded`, as a reassignment spreads work.
    pub strategy: String,
    /// Only these connections (every one when empty).
    pub connections: Vec<ConnectionId>,
    /// During the cover, what newly arrives for the person (seen at sync) goes to the cover too.
    pub follow_new: bool,
    /// On Pingup, the cover's assignments end with the cover (`dt_until`).
    pub pingup_until: bool,
    pub note: Option<String>,
    pub state: CoverState,
    /// When the work was handed over, and back (a start or end that fell while
    /// Switchboard was closed runs later: these say when).
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    /// What its steps left as it was, and why (the first few hundred).
    pub skipped: Vec<CoverSkipped>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An item a cover's step left as it was, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CoverSkipped {
    pub step: CoverStep,
    pub target: String,
    pub reason: String,
}

/// A job a cover ran, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CoverJob {
    pub job_id: JobId,
    pub step: CoverStep,
}
