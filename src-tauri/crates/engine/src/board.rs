//! Which agents of the status board to show: one rule, used by the window's
//! board and the command line's `status list` alike.

use std::collections::BTreeSet;

use serde::Deserialize;
use switchboard_domain::status::BoardAgent;
use switchboard_domain::{ConnectionId, TeamId, Vendor};
use ts_rs::TS;

use crate::statuses::StatusBoard;
use crate::{EngineError, Workspace};

/// Every field is optional; an agent matches when it matches all that are given.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, TS)]
#[serde(default)]
pub struct BoardFilter {
    /// Text in the agent's name or email, or its person's name (any case).
    pub search: Option<String>,
    pub vendor: Option<Vendor>,
    pub connection: Option<ConnectionId>,
    pub team: Option<TeamId>,
    /// A status by its id at the vendor or by its name (any case).
    pub status: Option<String>,
    /// Only agents that have a status (platforms with statuses).
    pub with_status: bool,
}

fn given(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

impl BoardFilter {
    /// The one rule.
    pub fn matches(&self, a: &BoardAgent) -> bool {
        let search_ok = given(&self.search).is_none_or(|words| {
            let text = format!(
                "{} {} {}",
                a.person_name.as_deref().unwrap_or_default(),
                a.email.as_deref().unwrap_or_default(),
                a.name
            );
            text.to_lowercase().contains(&words)
        });
        let status_ok = given(&self.status).is_none_or(|wanted| {
            a.status.as_ref().is_some_and(|s| {
                s.name.to_lowercase() == wanted
                    || s.status_vendor_id
                        .as_deref()
                        .is_some_and(|id| id.to_lowercase() == wanted)
            })
        });
        search_ok
            && status_ok
            && (!self.with_status || a.status.is_some())
            && self.vendor.is_none_or(|v| a.vendor == v)
            && self.connection.is_none_or(|c| a.connection_id == c)
            && self.team.is_none_or(|t| a.team_ids.contains(&t))
    }
}

/// Agents linked to one person are that person's; an agent linked to nobody
/// stands alone.
fn owner(a: &BoardAgent) -> (bool, i64) {
    match a.person_id {
        Some(p) => (true, p.0),
        None => (false, a.agent_id.0),
    }
}

impl StatusBoard {
    /// The people (and unlinked agents) one of whose agents matches, each with
    /// all their agents, so the board shows them on every platform.
    pub fn filtered(mut self, filter: &BoardFilter) -> StatusBoard {
        if *filter == BoardFilter::default() {
            return self;
        }
        let kept: BTreeSet<(bool, i64)> = self
            .agents
            .iter()
            .filter(|a| filter.matches(a))
            .map(owner)
            .collect();
        self.agents.retain(|a| kept.contains(&owner(a)));
        self
    }
}

impl Workspace {
    /// The status board with only the people `filter` keeps.
    pub async fn filtered_status_board(
        &self,
        filter: &BoardFilter,
    ) -> Result<StatusBoard, EngineError> {
        Ok(self.status_board().await?.filtered(filter))
    }
}

#[cfg(test)]
mod tests {
    use switchboard_domain::status::{CurrentStatus, StatusSource};
    use switchboard_domain::{AgentId, PersonId, Timestamp};

    use super::*;

    fn agent(id: i64, name: &str, person: Option<i64>, status: Option<(&str, &str)>) -> BoardAgent {
        BoardAgent {
            agent_id: AgentId(id),
            connection_id: ConnectionId::new(),
            connection_name: "Demo CCAI Platform".into(),
            vendor: Vendor::CcaiPlatform,
            is_demo: true,
            name: name.into(),
            email: Some(format!(
                "{}@x.example",
                name.split(' ').next().unwrap_or_default().to_lowercase()
            )),
            active: true,
            role: None,
            assignments: 0,
            person_id: person.map(PersonId),
            person_name: person.map(|_| name.to_owned()),
            team_ids: vec![TeamId(1)],
            status: status.map(|(id, name)| CurrentStatus {
                status_vendor_id: Some(id.into()),
                name: name.into(),
                since: Timestamp(0),
                seen_at: Timestamp(0),
                source: StatusSource::Poll,
            }),
        }
    }

    /// The UI's board test's people: Ana on CCAI Platform and HelpCrunch, Bo
    /// in a call, Cy Available in no team and linked to nobody.
    fn board() -> StatusBoard {
        let ccai = ConnectionId::new();
        let mut agents = vec![
            agent(1, "Ana Lima", Some(10), Some(("0", "Available"))),
            agent(2, "Bo Berg", Some(11), Some(("-7", "In-call"))),
            agent(3, "Cy Dorn", None, Some(("0", "Available"))),
        ];
        for a in &mut agents {
            a.connection_id = ccai;
        }
        agents[2].team_ids.clear();
        let mut helpcrunch = agent(4, "Ana Lima", Some(10), None);
        helpcrunch.vendor = Vendor::Helpcrunch;
        helpcrunch.team_ids.clear();
        agents.push(helpcrunch);
        StatusBoard {
            agents,
            teams: Vec::new(),
            statuses: Vec::new(),
            polls: Vec::new(),
            now: Timestamp(0),
        }
    }

    fn shown(filter: &BoardFilter) -> Vec<(String, Vendor)> {
        board()
            .filtered(filter)
            .agents
            .into_iter()
            .map(|a| (a.name, a.vendor))
            .collect()
    }

    fn ccai(name: &str) -> (String, Vendor) {
        (name.to_owned(), Vendor::CcaiPlatform)
    }

    #[test]
    fn a_person_is_kept_with_every_platform_when_one_agent_matches() {
        assert_eq!(
            shown(&BoardFilter::default()).len(),
            4,
            "no filter: everyone"
        );
        let in_call = BoardFilter {
            status: Some("-7".into()),
            ..BoardFilter::default()
        };
        assert_eq!(shown(&in_call), [ccai("Bo Berg")]);
        let by_name = BoardFilter {
            status: Some(" in-CALL ".into()),
            ..BoardFilter::default()
        };
        assert_eq!(shown(&by_name), [ccai("Bo Berg")], "a status by its name");
        let helpcrunch = BoardFilter {
            vendor: Some(Vendor::Helpcrunch),
            ..BoardFilter::default()
        };
        assert_eq!(
            shown(&helpcrunch),
            [ccai("Ana Lima"), ("Ana Lima".into(), Vendor::Helpcrunch)],
            "Ana is shown with her agents on both platforms"
        );
        let dorn = BoardFilter {
            search: Some("DORN".into()),
            ..BoardFilter::default()
        };
        assert_eq!(shown(&dorn), [ccai("Cy Dorn")]);
        let team = BoardFilter {
            team: Some(TeamId(1)),
            status: Some("available".into()),
            ..BoardFilter::default()
        };
        assert_eq!(
            shown(&team),
            [ccai("Ana Lima"), ("Ana Lima".into(), Vendor::Helpcrunch)],
            "Cy is Available but in no team"
        );
        let elsewhere = BoardFilter {
            connection: Some(ConnectionId::new()),
            ..BoardFilter::default()
        };
        assert!(shown(&elsewhere).is_empty());
    }

    #[test]
    fn with_status_leaves_out_agents_of_platforms_without_statuses() {
        let only = BoardFilter {
            with_status: true,
            ..BoardFilter::default()
        };
        let b = board();
        let listed: Vec<&str> = b
            .agents
            .iter()
            .filter(|a| only.matches(a))
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(listed, ["Ana Lima", "Bo Berg", "Cy Dorn"]);
    }
}
