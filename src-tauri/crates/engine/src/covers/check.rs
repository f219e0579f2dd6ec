//! A cover as the manager asks for it, checked before it is saved: times in
//! order and not over, someone to cover who is not the person, nobody away
//! twice at once, and no one covering while away themselves.

use serde::Deserialize;
use switchboard_domain::cover::{Cover, CoverState};
use switchboard_domain::{ConnectionId, CoverId, PersonId, Timestamp, ValidationError};
use switchboard_store::{connections, covers, people, teams};
use ts_rs::TS;

use crate::EngineError;
use crate::assign::NOTES_MAX;
use crate::reassign::{Destination, Strategy};

/// Someone away, and who covers.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct CoverRequest {
    /// Who is away.
    pub person: PersonId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The time zone the times were given in (an IANA name, as the window
    /// shows them); empty: this computer's.
    #[serde(default)]
    pub zone: String,
    /// These people, or a team's (not a release: someone takes the work).
    pub to: Destination,
    #[serde(default)]
    pub strategy: Strategy,
    /// Only these connections (every one when empty).
    #[serde(default)]
    pub connections: Vec<ConnectionId>,
    /// During the cover, what newly arrives for the person goes to the cover too.
    #[serde(default)]
    pub follow_new: bool,
    /// On Pingup, the cover's assignments end with the cover (`dt_until`), so
    /// Pingup takes them back even if no Switchboard runs at the end.
    #[serde(default)]
    pub pingup_until: bool,
    #[serde(default)]
    pub note: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> EngineError {
    ValidationError::new(field, message).into()
}

/// An instant as the manager reads it: this computer's local time, with its offset.
pub(crate) fn local(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp_millis(t.0)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%a %-d %b %Y %H:%M (UTC%:z)")
                .to_string()
        })
        .unwrap_or_default()
}

/// This computer's time zone (an IANA name), or UTC where it cannot be told.
pub(crate) fn this_zone() -> String {
    iana_time_zone::get_timezone().unwrap_or_else(|_| "UTC".into())
}

fn name(db: &rusqlite::Connection, p: PersonId) -> switchboard_store::Result<String> {
    Ok(people::get(db, p)?.display_name)
}

/// Says so when `person` is away (in another cover) during `from..until`.
fn away(
    db: &rusqlite::Connection,
    person: PersonId,
    from: Timestamp,
    until: Timestamp,
    except: Option<CoverId>,
) -> switchboard_store::Result<Option<String>> {
    Ok(covers::overlapping(db, person, from, until, except)?
        .first()
        .map(|c| {
            format!(
                "from {} to {} (cover {})",
                local(c.starts_at),
                local(c.ends_at),
                c.id
            )
        }))
}

/// The cover `request` asks for, checked; `id` is the cover being edited.
pub(crate) fn checked(
    db: &rusqlite::Connection,
    request: &CoverRequest,
    id: Option<CoverId>,
    now: Timestamp,
) -> Result<Cover, EngineError> {
    let person = people::get(db, request.person)
        .map_err(|_| invalid("person", "no such person; choose someone from People"))?;
    if request.ends_at <= request.starts_at {
        return Err(invalid(
            "ends_at",
            "the cover ends before it starts; choose a later end",
        ));
    }
    if request.ends_at <= now {
        return Err(invalid(
            "ends_at",
            "the end has already passed; choose a later end",
        ));
    }
    let (to_people, to_team) = match &request.to {
        Destination::People { ids } if ids.is_empty() => {
            return Err(invalid(
                "to",
                "choose who covers: one or more people, or a team",
            ));
        }
        Destination::People { ids } => (ids.clone(), None),
        Destination::Team { id } => {
            teams::get(db, *id)
                .map_err(|_| invalid("to", "no such team; choose one from Teams"))?;
            (Vec::new(), Some(*id))
        }
        Destination::Release => {
            return Err(invalid(
                "to",
                "a cover hands the work to someone; choose people or a team",
            ));
        }
    };
    if to_people.contains(&request.person) {
        return Err(invalid(
            "to",
            format!("{} cannot cover for themselves", person.display_name),
        ));
    }
    let mut covering = to_people.clone();
    if let Some(team) = to_team {
        for member in teams::list_members(db, team)? {
            if let Some(p) = switchboard_store::agents::get(db, member)?.person_id
                && p != request.person
                && !covering.contains(&p)
            {
                covering.push(p);
            }
        }
    }
    for p in &to_people {
        people::get(db, *p)
            .map_err(|_| invalid("to", format!("no person {p}; choose people from People")))?;
    }
    if let Some(when) = away(db, request.person, request.starts_at, request.ends_at, id)? {
        return Err(invalid(
            "starts_at",
            format!(
                "{} is already away {when}; change that cover instead",
                person.display_name
            ),
        ));
    }
    if let Some(other) =
        covers::covered_by(db, request.person, request.starts_at, request.ends_at, id)?.first()
    {
        return Err(invalid(
            "starts_at",
            format!(
                "{} covers for {} from {} to {} (cover {}); choose someone else for that cover first",
                person.display_name,
                name(db, other.person_id)?,
                local(other.starts_at),
                local(other.ends_at),
                other.id
            ),
        ));
    }
    for p in &covering {
        if let Some(when) = away(db, *p, request.starts_at, request.ends_at, None)? {
            return Err(invalid(
                "to",
                format!(
                    "{} is away themselves {when}; choose someone else",
                    name(db, *p)?
                ),
            ));
        }
    }
    for c in &request.connections {
        connections::get(db, *c)
            .map_err(|_| invalid("connections", format!("no connection {c}")))?;
    }
    if let Some(note) = &request.note
        && note.chars().count() > NOTES_MAX
    {
        return Err(invalid(
            "note",
            format!("use at most {NOTES_MAX} characters"),
        ));
    }
    let zone = match request.zone.trim() {
        "" => this_zone(),
        z if z.len() > 64 || z.chars().any(char::is_control) => {
            return Err(invalid("zone", "a time zone is a name like Europe/Lisbon"));
        }
        z => z.to_owned(),
    };
    Ok(Cover {
        id: id.unwrap_or(CoverId(0)),
        person_id: request.person,
        starts_at: request.starts_at,
        ends_at: request.ends_at,
        zone,
        to_people,
        to_team,
        strategy: match request.strategy {
            Strategy::RoundRobin => "round_robin".into(),
            Strategy::LeastLoaded => "least_loaded".into(),
        },
        connections: request.connections.clone(),
        follow_new: request.follow_new,
        pingup_until: request.pingup_until,
        note: request.note.clone().filter(|n| !n.trim().is_empty()),
        state: CoverState::Scheduled,
        started_at: None,
        ended_at: None,
        skipped: Vec::new(),
        created_at: now,
        updated_at: now,
    })
}
