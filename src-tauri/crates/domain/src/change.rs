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

    /// The agents it names, by the vendor's id.
    pub fn agents(&self) -> &[String] {
        match self {
            Change::Assign { agents, .. } | Change::SetStatus { agents, .. } => agents,
            Change::Release => &[],
        }
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
}
