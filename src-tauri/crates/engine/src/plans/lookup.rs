//! What a plan's cells name, found in the cache: connections by name, targets
//! by the vendor's id, a phone as people write it, or an email or name that
//! only one target has; agents, people and teams by id, email or name. Each
//! connection's targets and every agent are read once, so 50,000 rows check in
//! well under two seconds.

use std::collections::HashMap;

use switchboard_domain::agent::Agent;
use switchboard_domain::connection::Connection;
use switchboard_domain::target::Target;
use switchboard_domain::{ConnectionId, PersonId, Vendor};
use switchboard_store::{agents, connections, people, targets, teams};

/// A cell's words for what was found, or why nothing was, and the fix.
pub(crate) type Found<T> = Result<T, (String, String)>;

/// One connection's targets, indexed the ways a plan may name them.
struct Targets {
    all: Vec<Target>,
    by_id: HashMap<String, usize>,
    by_phone: HashMap<String, Vec<usize>>,
    by_words: HashMap<String, Vec<usize>>,
}

pub(crate) struct Lookup<'a> {
    db: &'a rusqlite::Connection,
    connections: Vec<Connection>,
    targets: HashMap<ConnectionId, Targets>,
    agents: HashMap<ConnectionId, Vec<Agent>>,
    people: Vec<(PersonId, String, Option<String>)>,
    teams: Vec<(switchboard_domain::TeamId, String)>,
}

fn key(text: &str) -> String {
    text.trim().to_lowercase()
}

impl<'a> Lookup<'a> {
    pub(crate) fn new(db: &'a rusqlite::Connection) -> switchboard_store::Result<Self> {
        let connections = connections::list(db)?;
        let mut agents = HashMap::new();
        let mut teams = Vec::new();
        for c in &connections {
            agents.insert(c.id, agents::list_by_connection(db, c.id)?);
            teams.extend(
                teams::list_by_connection(db, c.id)?
                    .into_iter()
                    .map(|t| (t.id, t.name)),
            );
        }
        let people = people::list(db)?
            .into_iter()
            .map(|p| (p.id, p.display_name, p.email))
            .collect();
        Ok(Self {
            db,
            connections,
            targets: HashMap::new(),
            agents,
            people,
            teams,
        })
    }

    pub(crate) fn db(&self) -> &'a rusqlite::Connection {
        self.db
    }

    /// A connection by its name (as the window shows it), case aside.
    pub(crate) fn connection(&self, name: &str) -> Found<&Connection> {
        if name.is_empty() {
            return Err((
                "the connection is empty".into(),
                "write a connection's name as Switchboard shows it".into(),
            ));
        }
        self.connections
            .iter()
            .find(|c| key(&c.display_name) == key(name))
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .connections
                    .iter()
                    .map(|c| c.display_name.as_str())
                    .collect();
                (
                    format!("no connection is named '{name}'"),
                    format!("use one of: {}", known.join(", ")),
                )
            })
    }

    fn targets_of(&mut self, c: &Connection) -> switchboard_store::Result<&Targets> {
        if !self.targets.contains_key(&c.id) {
            let all = targets::list_by_connection(self.db, c.id, u32::MAX, 0)?;
            let mut index = Targets {
                by_id: HashMap::with_capacity(all.len()),
                by_phone: HashMap::new(),
                by_words: HashMap::new(),
                all: Vec::new(),
            };
            for (i, t) in all.iter().enumerate() {
                index.by_id.insert(t.vendor_id.clone(), i);
                if let Some(p) = &t.phone {
                    index.by_phone.entry(p.clone()).or_default().push(i);
                }
                for words in [&t.name, &t.email].into_iter().flatten() {
                    index.by_words.entry(key(words)).or_default().push(i);
                }
            }
            index.all = all;
            self.targets.insert(c.id, index);
        }
        Ok(&self.targets[&c.id])
    }

    /// A target of `c`: by the vendor's id, by phone (as people write it, on a
    /// platform whose targets are phones), or by an email or name only one has.
    pub(crate) fn target(
        &mut self,
        c: &Connection,
        cell: &str,
    ) -> switchboard_store::Result<Found<Target>> {
        if cell.is_empty() {
            return Ok(Err((
                "the target is empty".into(),
                "write the vendor's id for it, a phone, or an email or name only one target has"
                    .into(),
            )));
        }
        let name = c.display_name.clone();
        let vendor = c.vendor;
        let index = self.targets_of(c)?;
        if let Some(i) = index.by_id.get(cell) {
            return Ok(Ok(index.all[*i].clone()));
        }
        let phone = (vendor == Vendor::Splashify)
            .then(|| switchboard_vendors::normalize_phone("target", cell).ok())
            .flatten();
        let hits: &[usize] = match phone.as_ref().and_then(|p| index.by_id.get(p)) {
            Some(i) => return Ok(Ok(index.all[*i].clone())),
            None => phone
                .as_ref()
                .and_then(|p| index.by_phone.get(p))
                .or_else(|| index.by_words.get(&key(cell)))
                .map_or(&[], Vec::as_slice),
        };
        Ok(match hits {
            [one] => Ok(index.all[*one].clone()),
            [] => Err((
                format!("{name} has no target '{cell}' in the cache"),
                "check the id, or sync the connection if it is new".into(),
            )),
            many => Err((
                format!("{} targets of {name} are called '{cell}'", many.len()),
                format!(
                    "use the vendor's id instead, one of: {}",
                    many.iter()
                        .take(5)
                        .map(|i| index.all[*i].vendor_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        })
    }

    /// The agents one cell names on `c`: an agent (id, email or name), a
    /// person (email or name: their agent there), or a team (`team:` first,
    /// or its name: its members' agents there). Inactive agents are refused.
    pub(crate) fn agents_named(
        &self,
        c: &Connection,
        token: &str,
    ) -> switchboard_store::Result<Found<Vec<Agent>>> {
        let here = self.agents.get(&c.id).map_or(&[][..], Vec::as_slice);
        let (team_only, token) = match token.strip_prefix("team:") {
            Some(name) => (true, name.trim()),
            None => (false, token),
        };
        let k = key(token);
        if !team_only {
            let by = |f: &dyn Fn(&Agent) -> bool| here.iter().filter(|a| f(a)).collect::<Vec<_>>();
            let mut hits = by(&|a| a.vendor_id == token);
            if hits.is_empty() {
                hits = by(&|a| a.email.as_deref().is_some_and(|e| key(e) == k));
            }
            if hits.is_empty() {
                hits = by(&|a| key(&a.name) == k);
            }
            match hits.as_slice() {
                [one] => return Ok(active(c, vec![(*one).clone()])),
                [] => {}
                many => {
                    return Ok(Err((
                        format!(
                            "{} agents of {} are called '{token}'",
                            many.len(),
                            c.display_name
                        ),
                        "use the agent's email or the vendor's id for them".into(),
                    )));
                }
            }
            let people: Vec<_> = self
                .people
                .iter()
                .filter(|(_, name, email)| {
                    key(name) == k || email.as_deref().is_some_and(|e| key(e) == k)
                })
                .collect();
            match people.as_slice() {
                [(id, name, _)] => {
                    return Ok(match here.iter().find(|a| a.person_id == Some(*id)) {
                        Some(a) => active(c, vec![a.clone()]),
                        None => Err((
                            format!("{name} has no agent on {}", c.display_name),
                            "link their agent in People, or choose someone who works there".into(),
                        )),
                    });
                }
                [] => {}
                many => {
                    return Ok(Err((
                        format!("{} people are called '{token}'", many.len()),
                        "use the person's email".into(),
                    )));
                }
            }
        }
        let teams: Vec<_> = self
            .teams
            .iter()
            .filter(|(_, name)| key(name) == k)
            .collect();
        let [(team, name)] = teams.as_slice() else {
            return Ok(Err(if teams.is_empty() {
                (
                    format!(
                        "no agent, person or team of {} is called '{token}'",
                        c.display_name
                    ),
                    "check the spelling, or use an email; several are separated by ';'".into(),
                )
            } else {
                (
                    format!("{} teams are called '{token}'", teams.len()),
                    "rename one of them at the vendor".into(),
                )
            }));
        };
        let mut found = Vec::new();
        for member in teams::list_members(self.db, *team)? {
            let Some(agent) = self.agents.values().flatten().find(|a| a.id == member) else {
                continue;
            };
            let there = if agent.connection_id == c.id {
                Some(agent)
            } else {
                agent
                    .person_id
                    .and_then(|p| here.iter().find(|a| a.person_id == Some(p)))
            };
            if let Some(a) = there.filter(|a| a.active)
                && !found.iter().any(|f: &Agent| f.id == a.id)
            {
                found.push(a.clone());
            }
        }
        Ok(if found.is_empty() {
            Err((
                format!(
                    "no member of {name} has an active agent on {}",
                    c.display_name
                ),
                "choose people who work there".into(),
            ))
        } else {
            Ok(found)
        })
    }
}

fn active(c: &Connection, agents: Vec<Agent>) -> Found<Vec<Agent>> {
    match agents.iter().find(|a| !a.active) {
        Some(a) => Err((
            format!("{} is inactive on {}", a.name, c.display_name),
            "choose an active agent".into(),
        )),
        None => Ok(agents),
    }
}
