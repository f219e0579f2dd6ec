//! What one operation asks a vendor to do, as a typed value: every kind of
//! change the journal can hold. Stored as JSON tagged by `type`; requests
//! journaled before the tag existed are read by the operation's kind.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Timestamp;
use crate::text_enum::text_enum;

text_enum!(
    /// What kind of change an operation is (a column of its own, for filters).
    OperationKind, "kind" {
        Assign = "assign",
        Release = "release",
        SetStatus = "set_status",
        Move = "move",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// Give a target these agents (by the vendor's id, or email where the
    /// vendor addresses agents so).
    Assign {
        agents: Vec<String>,
        /// Pingup: when the assignment ends.
        #[serde(default)]
        until: Option<Timestamp>,
        /// Pingup: notes sent with it.
        #[serde(default)]
        notes: Option<String>,
        /// Vambe: these become the only agents, instead of being added.
        #[serde(default)]
        replace: bool,
    },
    /// Leave a target with nobody.
    Release,
    /// Hand a target from one agent to another, or (`to` none) take that agent
    /// off it. On a vendor with one assignee this is one call; on Vambe a
    /// replace and an add for each agent kept; on Pingup `to` is assigned with
    /// `from`'s expiry and notes, and `from`'s assignment is ended (re-assigned
    /// with an expiry of now).
    Move {
        /// The agent it is taken from (the vendor's id, or email where the
        /// vendor addresses agents so).
        from: String,
        /// The agent it goes to; none takes `from` off and gives it nobody new.
        #[serde(default)]
        to: Option<String>,
        /// The other agents the target holds, which stay.
        #[serde(default)]
        keep: Vec<String>,
        /// Pingup: `from`'s expiry and notes, which `to` takes over.
        #[serde(default)]
        until: Option<Timestamp>,
        #[serde(default)]
        notes: Option<String>,
    },
    /// Move agents and whole teams to a status (CCAI Platform).
    SetStatus {
        status_id: String,
        status_name: String,
        #[serde(default)]
        agents: Vec<String>,
        #[serde(default)]
        teams: Vec<String>,
    },
}

/// The shapes journaled before requests were tagged, by operation kind.
#[derive(Deserialize)]
struct OldAssign {
    #[serde(default)]
    agents: Vec<String>,
    #[serde(default)]
    until: Option<Timestamp>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    replace: bool,
}

#[derive(Deserialize)]
struct OldStatus {
    status_id: String,
    #[serde(default)]
    status_name: String,
    #[serde(default)]
    agents: Vec<String>,
    #[serde(default)]
    teams: Vec<String>,
}

impl Change {
    pub fn kind(&self) -> OperationKind {
        match self {
            Change::Assign { .. } => OperationKind::Assign,
            Change::Release => OperationKind::Release,
            Change::SetStatus { .. } => OperationKind::SetStatus,
            Change::Move { .. } => OperationKind::Move,
        }
    }

    /// Reads a stored request: tagged as this version writes it, or untagged as
    /// earlier versions did, told apart by the operation's kind.
    pub fn from_stored(kind: OperationKind, value: serde_json::Value) -> serde_json::Result<Self> {
        if value.get("type").is_some() {
            return serde_json::from_value(value);
        }
        Ok(match kind {
            OperationKind::Assign => {
                let old: OldAssign = serde_json::from_value(value)?;
                Change::Assign {
                    agents: old.agents,
                    until: old.until,
                    notes: old.notes,
                    replace: old.replace,
                }
            }
            OperationKind::Release => Change::Release,
            // Moves were tagged from the start.
            OperationKind::Move => serde_json::from_value(value)?,
            OperationKind::SetStatus => {
                let old: OldStatus = serde_json::from_value(value)?;
                Change::SetStatus {
                    status_id: old.status_id,
                    status_name: old.status_name,
                    agents: old.agents,
                    teams: old.teams,
                }
            }
        })
    }

    /// The agents it names, by the vendor's id (a move: the one it goes to).
    pub fn agents(&self) -> &[String] {
        match self {
            Change::Assign { agents, .. } | Change::SetStatus { agents, .. } => agents,
            Change::Move { to: Some(to), .. } => std::slice::from_ref(to),
            Change::Release | Change::Move { .. } => &[],
        }
    }

    /// Whether a target holding `holding` is as this change wants it: for a
    /// move, `to` (if any) and every kept agent held, `from` not. `None` for the
    /// other kinds, whose answers are judged by what they asked.
    pub fn is_held(&self, holding: &BTreeSet<String>, several: bool) -> Option<bool> {
        let Change::Move { from, to, keep, .. } = self else {
            return None;
        };
        Some(if several {
            !holding.contains(from)
                && to.as_ref().is_none_or(|t| holding.contains(t))
                && keep.iter().all(|k| holding.contains(k))
        } else {
            holding.iter().eq(to.iter())
        })
    }

    /// What a target's assignees will be once this is applied to `before`, as
    /// vendor agent ids. `several`: the vendor holds several assignees.
    pub fn expected_after(&self, before: &BTreeSet<String>, several: bool) -> BTreeSet<String> {
        match self {
            Change::Release => BTreeSet::new(),
            Change::Assign {
                agents, replace, ..
            } => {
                let asked = agents.iter().cloned();
                if several && !replace {
                    before.iter().cloned().chain(asked).collect()
                } else {
                    asked.collect()
                }
            }
            Change::SetStatus { .. } => before.clone(),
            Change::Move { from, to, .. } => {
                if several {
                    before
                        .iter()
                        .filter(|a| *a != from)
                        .chain(to.iter())
                        .cloned()
                        .collect()
                } else {
                    to.iter().cloned().collect()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tagged_and_earlier_untagged_requests_read_alike() {
        let assign = Change::Assign {
            agents: vec!["4188".into()],
            until: Some(Timestamp(1_800_000_000_000)),
            notes: Some("VIP".into()),
            replace: false,
        };
        let stored = serde_json::to_value(&assign).expect("serialise");
        assert_eq!(stored["type"], "assign");
        assert_eq!(
            Change::from_stored(OperationKind::Assign, stored).expect("tagged"),
            assign
        );
        let old = json!({"agents": ["4188"], "until": 1_800_000_000_000_i64, "notes": "VIP", "replace": false});
        assert_eq!(
            Change::from_stored(OperationKind::Assign, old).expect("untagged"),
            assign
        );
        assert_eq!(
            Change::from_stored(OperationKind::Release, json!({"agents": []})).expect("release"),
            Change::Release
        );
        let status =
            json!({"status_id": "2", "status_name": "Training", "agents": ["11"], "teams": ["1"]});
        assert_eq!(
            Change::from_stored(OperationKind::SetStatus, status).expect("status"),
            Change::SetStatus {
                status_id: "2".into(),
                status_name: "Training".into(),
                agents: vec!["11".into()],
                teams: vec!["1".into()],
            }
        );
        assert!(
            Change::from_stored(OperationKind::SetStatus, json!({"agents": 3})).is_err(),
            "a damaged row is an error, not a guess"
        );
    }

    #[test]
    fn what_a_target_holds_after_a_change() {
        let before: BTreeSet<String> = ["a".to_owned()].into();
        let add = |replace| Change::Assign {
            agents: vec!["b".into()],
            until: None,
            notes: None,
            replace,
        };
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(add(false).expected_after(&before, true), set(&["a", "b"]));
        assert_eq!(add(true).expected_after(&before, true), set(&["b"]));
        assert_eq!(add(false).expected_after(&before, false), set(&["b"]));
        assert_eq!(Change::Release.expected_after(&before, true), set(&[]));
    }

    #[test]
    fn a_move_takes_from_gives_to_and_keeps_the_others() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let mv = |to: Option<&str>| Change::Move {
            from: "a".into(),
            to: to.map(Into::into),
            keep: vec!["c".into()],
            until: None,
            notes: None,
        };
        let before = set(&["a", "c"]);
        assert_eq!(
            mv(Some("b")).expected_after(&before, true),
            set(&["b", "c"])
        );
        assert_eq!(mv(None).expected_after(&before, true), set(&["c"]));
        assert_eq!(
            mv(Some("b")).expected_after(&set(&["a"]), false),
            set(&["b"])
        );
        assert_eq!(mv(Some("b")).is_held(&set(&["b", "c"]), true), Some(true));
        assert_eq!(
            mv(Some("b")).is_held(&set(&["b"]), true),
            Some(false),
            "c was dropped"
        );
        assert_eq!(
            mv(Some("b")).is_held(&set(&["a", "b", "c"]), true),
            Some(false)
        );
        assert_eq!(mv(Some("b")).is_held(&set(&["b"]), false), Some(true));
        assert_eq!(mv(None).is_held(&set(&[]), false), Some(true));
        assert_eq!(Change::Release.is_held(&set(&[]), false), None);
        let stored = serde_json::to_value(mv(Some("b"))).expect("serialise");
        assert_eq!(stored["type"], "move");
        assert_eq!(
            Change::from_stored(OperationKind::Move, stored).expect("read"),
            mv(Some("b"))
        );
    }
}
