//! One row of a plan, cell by cell: what each cell names in the cache, and
//! whether the platform has the options it asks for. Every problem of the row
//! is reported, not only the first.

use serde::Serialize;
use switchboard_domain::Timestamp;
use switchboard_domain::agent::Agent;
use switchboard_domain::connection::Connection;
use switchboard_domain::target::Target;
use ts_rs::TS;

use super::lookup::Lookup;
use super::read::RawRow;
use crate::EngineError;
use crate::assign::NOTES_MAX;

/// One thing wrong in a plan's row.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PlanRowError {
    /// The row's line in the file (the header is line 1).
    pub row: u32,
    /// The column: connection, target, from, to, until, notes or replace.
    pub column: String,
    /// The cell as written.
    pub value: String,
    pub message: String,
    /// What to write instead.
    pub fix: String,
}

/// A row's cells, checked: everything the row's change needs.
pub(super) struct Row {
    pub(super) connection: Connection,
    pub(super) target: Target,
    /// None: release.
    pub(super) to: Option<Vec<Agent>>,
    pub(super) from: Option<Agent>,
    pub(super) until: Option<Timestamp>,
    pub(super) notes: Option<String>,
    pub(super) replace: bool,
}

pub(super) fn wrong(
    raw: &RawRow,
    column: &str,
    value: &str,
    (message, fix): (String, String),
) -> PlanRowError {
    // A cell of megabytes is not echoed back whole, in the value or the words.
    let value = if value.chars().count() > VALUE_SHOWN {
        let cut: String = value.chars().take(VALUE_SHOWN).collect();
        format!("{cut}… ({} characters)", value.chars().count())
    } else {
        value.to_owned()
    };
    PlanRowError {
        row: raw.line,
        column: column.into(),
        value,
        message: switchboard_domain::shorten_quoted(&message),
        fix: switchboard_domain::shorten_quoted(&fix),
    }
}

/// The longest cell shown as written in a row's error.
const VALUE_SHOWN: usize = 200;

/// The agents a `to` or `from` cell names (several separated by `;`); `None`
/// (and the reasons added to `errors`) when any of them cannot be found.
fn named(
    lookup: &Lookup<'_>,
    c: &Connection,
    raw: &RawRow,
    column: &str,
    errors: &mut Vec<PlanRowError>,
) -> Result<Option<Vec<Agent>>, EngineError> {
    let cell = if column == "from" { &raw.from } else { &raw.to };
    let mut all: Vec<Agent> = Vec::new();
    let mut ok = true;
    for token in cell
        .split([';', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match lookup.agents_named(c, token)? {
            Ok(found) => {
                for a in found {
                    if !all.iter().any(|b| b.id == a.id) {
                        all.push(a);
                    }
                }
            }
            Err(why) => {
                ok = false;
                errors.push(wrong(raw, column, token, why));
            }
        }
    }
    Ok(ok.then_some(all))
}

/// Checks one row's cells; every problem is added to `errors`.
pub(super) fn check_row(
    lookup: &mut Lookup<'_>,
    raw: &RawRow,
    now: Timestamp,
    errors: &mut Vec<PlanRowError>,
) -> Result<Option<Row>, EngineError> {
    let before = errors.len();
    macro_rules! fail {
        ($column:expr, $value:expr, $why:expr $(,)?) => {
            errors.push(wrong(raw, $column, $value, $why))
        };
    }
    let connection = match lookup.connection(&raw.connection) {
        Ok(c) => c.clone(),
        Err(why) => {
            fail!("connection", &raw.connection, why);
            return Ok(None);
        }
    };
    let vendor = connection.vendor;
    let caps = switchboard_vendors::capabilities(vendor);
    let Some(kind) = caps.target_kind else {
        fail!(
            "connection",
            &raw.connection,
            (
                format!("{vendor} has nothing to assign agents to"),
                "use a Pingup, Vambe, HelpCrunch or Splashify Pro connection".into(),
            ),
        );
        return Ok(None);
    };
    let target = lookup.target(&connection, &raw.target)?;
    let target = match target {
        Ok(t) => Some(t),
        Err(why) => {
            fail!("target", &raw.target, why);
            None
        }
    };
    let to = if raw.to.is_empty() {
        fail!(
            "to",
            "",
            (
                "nobody is named".into(),
                "write an agent, a person or a team (several separated by ';'), or release".into(),
            ),
        );
        None
    } else if raw.to.eq_ignore_ascii_case("release") {
        Some(None)
    } else {
        named(lookup, &connection, raw, "to", errors)?.map(Some)
    };
    let from = if raw.from.is_empty() {
        Some(None)
    } else {
        match named(lookup, &connection, raw, "from", errors)? {
            Some(mut agents) if agents.len() == 1 => Some(agents.pop()),
            Some(_) => {
                fail!(
                    "from",
                    &raw.from,
                    (
                        "names more than one agent".into(),
                        "write the one agent the target is taken from".into()
                    ),
                );
                None
            }
            None => None,
        }
    };
    let until = match raw.until.as_str() {
        "" => None,
        _ if !caps.expiry => {
            fail!(
                "until",
                &raw.until,
                (
                    format!("{vendor} assignments have no end date"),
                    "leave until empty".into()
                )
            );
            None
        }
        text => match switchboard_vendors::parse_iso8601("until", text) {
            Ok(t) if t <= now => {
                fail!(
                    "until",
                    text,
                    (
                        "the date is in the past".into(),
                        "write a later date, or leave until empty".into()
                    )
                );
                None
            }
            Ok(t) => Some(t),
            Err(_) => {
                fail!(
                    "until",
                    text,
                    (
                        format!("'{text}' is not an ISO 8601 date"),
                        "write it as 2026-12-31 or 2026-12-31T18:00:00Z".into()
                    )
                );
                None
            }
        },
    };
    let notes = match raw.notes.as_str() {
        "" => None,
        _ if !caps.notes => {
            fail!(
                "notes",
                &raw.notes,
                (
                    format!("{vendor} assignments have no notes"),
                    "leave notes empty".into()
                )
            );
            None
        }
        text if text.chars().count() > NOTES_MAX => {
            fail!(
                "notes",
                "",
                (
                    format!("the notes are {} characters long", text.chars().count()),
                    format!("shorten them to at most {NOTES_MAX}")
                )
            );
            None
        }
        text => Some(text.to_owned()),
    };
    let replace = match raw.replace.to_lowercase().as_str() {
        "" | "no" | "false" | "0" => false,
        "yes" | "true" | "1" if caps.replace => true,
        "yes" | "true" | "1" => {
            fail!(
                "replace",
                &raw.replace,
                (
                    format!("{vendor} cannot replace a {kind}'s agents"),
                    "leave replace empty".into()
                )
            );
            false
        }
        _ => {
            fail!(
                "replace",
                &raw.replace,
                (
                    "is neither yes nor no".into(),
                    "write yes, no, or leave it empty".into()
                )
            );
            false
        }
    };
    let (Some(target), Some(to), Some(from)) = (target, to, from) else {
        return Ok(None);
    };
    // What the cells say together.
    match (&from, &to) {
        (Some(_), Some(agents)) if agents.len() > 1 => fail!(
            "to",
            &raw.to,
            (
                "a move from one agent gives the target to one agent".into(),
                "write one agent, or leave from empty to add several".into()
            ),
        ),
        (Some(f), Some(agents)) if agents.iter().any(|a| a.id == f.id) => fail!(
            "to",
            &raw.to,
            (
                "is the agent in from".into(),
                "write whom the target goes to".into()
            ),
        ),
        (None, None) if !caps.release => fail!(
            "to",
            &raw.to,
            (
                format!("{vendor} cannot leave a {kind} with nobody"),
                "name who comes off in from, or give it to someone".into()
            ),
        ),
        (None, Some(agents)) if agents.len() > 1 && !caps.several_assignees => fail!(
            "to",
            &raw.to,
            (
                format!(
                    "a {vendor} {kind} has one agent; this names {}",
                    agents.len()
                ),
                "write one agent".into()
            ),
        ),
        _ => {}
    }
    if replace && from.is_some() {
        fail!(
            "replace",
            &raw.replace,
            (
                "a move keeps the target's other agents".into(),
                "leave from or replace empty".into()
            )
        );
    }
    Ok((errors.len() == before).then_some(Row {
        connection,
        target,
        to,
        from,
        until,
        notes,
        replace,
    }))
}
