//! Google CCAI Platform: HTTP Basic (subdomain or company key, API token); the Apps
//! API sets and reads agent statuses for agents and whole teams with per-agent
//! partial results; the Manager API (`manager`) lists agents, teams, the
//! tenant's statuses and the agent activity log (`log`).

mod log;
mod manager;

pub use log::{Activity, Log, Record, SEEDED_DAYS};

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use chrono::Utc;
use serde_json::{Value, json};

use super::{World, auth_token, read, reply, write};
use crate::gate::Gate;
use crate::rng::Rng;
use crate::seed::{self, Person, Scale};
use crate::{Credentials, ManifestAgent};

/// A status of the tenant. Ids <= 0 are the system's, > 0 custom ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub id: i32,
    pub name: &'static str,
    pub color: &'static str,
}

pub const STATUSES: &[Status] = &[
    Status {
        id: 0,
        name: "Available",
        color: "#2ecc71",
    },
    Status {
        id: -1,
        name: "Unavailable",
        color: "#e74c3c",
    },
    Status {
        id: -2,
        name: "Break",
        color: "#f39c12",
    },
    Status {
        id: -3,
        name: "Special Task",
        color: "#9b59b6",
    },
    Status {
        id: -4,
        name: "Meal",
        color: "#e67e22",
    },
    Status {
        id: -5,
        name: "Missed Call",
        color: "#c0392b",
    },
    Status {
        id: -6,
        name: "Wrap-up",
        color: "#16a085",
    },
    Status {
        id: -7,
        name: "In-call",
        color: "#2980b9",
    },
    Status {
        id: -8,
        name: "In-chat",
        color: "#3498db",
    },
    Status {
        id: -10,
        name: "Offline",
        color: "#7f8c8d",
    },
    Status {
        id: 1,
        name: "Lunch",
        color: "#d35400",
    },
    Status {
        id: 2,
        name: "Training",
        color: "#8e44ad",
    },
    Status {
        id: 3,
        name: "Coaching",
        color: "#27ae60",
    },
    // A custom status with a system status's name: clients must match by id.
    Status {
        id: 4,
        name: "Break",
        color: "#f1c40f",
    },
];

/// Statuses only the platform sets: the API can neither set nor leave them.
pub const PLATFORM_ONLY: [i32; 5] = [-5, -6, -7, -8, -10];
const OFFLINE: i32 = -10;
const FIRST_AGENT_ID: u64 = 11;
/// The statuses of the first team's agents, in order: two of them on a call.
const FIRST_TEAM: [i32; 10] = [0, -7, -7, 1, 0, -2, 0, 2, 0, 0];
const TEAM_SIZE: usize = 10;

pub struct Data {
    user: String,
    token: String,
    pub agents: Vec<Agent>,
    pub teams: Vec<Team>,
    /// Every status change, from a few days before the simulator started.
    pub log: Log,
}

pub struct Agent {
    pub person: Person,
    pub team: u32,
    pub status: i32,
    pub status_updated: i64,
}

pub struct Team {
    pub name: String,
    pub parent: Option<u32>,
}

fn status(id: i32) -> Status {
    STATUSES
        .iter()
        .copied()
        .find(|s| s.id == id)
        .unwrap_or(STATUSES[0])
}

impl Data {
    pub fn generate(
        seed: u64,
        scale: Scale,
        now: i64,
        log_days: i64,
        credentials: &Credentials,
    ) -> Self {
        let mut rng = Rng::derive(seed, "ccai");
        let people = seed::people_for(seed, "ccai_platform", scale);
        let team_count = people.len().div_ceil(TEAM_SIZE).max(1);
        let teams = (0..team_count)
            .map(|t| Team {
                name: match t {
                    0 => "Tier 1 Support".into(),
                    1 => "Tier 2 Support".into(),
                    n => format!("Team {}", n + 1),
                },
                // Some teams are sub-teams of Tier 2.
                parent: (t >= 2 && t % 3 == 0).then_some(1),
            })
            .collect();
        let weighted: [(i32, u64); 10] = [
            (0, 50),
            (-7, 10),
            (-8, 5),
            (-6, 5),
            (-10, 10),
            (1, 5),
            (2, 5),
            (-2, 4),
            (-4, 3),
            (-1, 3),
        ];
        let total: u64 = weighted.iter().map(|w| w.1).sum();
        let agents: Vec<Agent> = people
            .into_iter()
            .enumerate()
            .map(|(i, person)| {
                let status = if i < FIRST_TEAM.len() {
                    FIRST_TEAM[i]
                } else {
                    let mut roll = rng.below(total);
                    weighted
                        .iter()
                        .find(|(_, w)| {
                            if roll < *w {
                                true
                            } else {
                                roll -= w;
                                false
                            }
                        })
                        .map_or(0, |w| w.0)
                };
                Agent {
                    person,
                    team: (i / TEAM_SIZE) as u32,
                    status,
                    status_updated: now - rng.below(4 * 3600) as i64,
                }
            })
            .collect();
        let now_and_since: Vec<(i32, i64)> = agents
            .iter()
            .map(|a: &Agent| (a.status, a.status_updated))
            .collect();
        let log = Log::seeded(
            &mut Rng::derive(seed, "ccai log"),
            now,
            log_days,
            &now_and_since,
        );
        Self {
            user: credentials.ccai_username.clone(),
            token: credentials.ccai_api_token.clone(),
            agents,
            teams,
            log,
        }
    }

    /// Moves the agent at `index` to `status` now, and logs it.
    fn change_status(&mut self, index: usize, status: i32, now: i64) {
        let agent = &mut self.agents[index];
        if agent.status == status {
            return;
        }
        let from = agent.status;
        agent.status = status;
        agent.status_updated = now;
        self.log.change(index, from, status, now);
    }

    /// A chat offered to the agent at `agent_id` now, picked up `after` seconds
    /// later (tests of the time to pick up).
    pub fn offer_chat(&mut self, agent_id: u64, after: i64) -> bool {
        let Some(i) = self.agent_index(agent_id) else {
            return false;
        };
        let status = self.agents[i].status;
        self.log.chat(i, status, Utc::now().timestamp(), after);
        true
    }

    pub fn manifest_agents(&self) -> Vec<ManifestAgent> {
        Vec::new()
    }

    pub fn agent_id(index: usize) -> u64 {
        FIRST_AGENT_ID + index as u64
    }

    fn agent_index(&self, id: u64) -> Option<usize> {
        id.checked_sub(FIRST_AGENT_ID)
            .map(|i| i as usize)
            .filter(|i| *i < self.agents.len())
    }

    /// An agent's current status (tests).
    pub fn status_of(&self, agent_id: u64) -> Option<Status> {
        self.agent_index(agent_id)
            .map(|i| status(self.agents[i].status))
    }

    /// Sets an agent's status directly, system ones included (tests: the platform
    /// putting an agent on a call).
    pub fn set_status(&mut self, agent_id: u64, status_id: i32) -> bool {
        match self.agent_index(agent_id) {
            Some(i) if STATUSES.iter().any(|s| s.id == status_id) => {
                self.change_status(i, status_id, Utc::now().timestamp());
                true
            }
            _ => false,
        }
    }

    /// The agents of a team (its own, not its sub-teams'), by id.
    pub fn team_members(&self, team: usize) -> Vec<u64> {
        (0..self.agents.len())
            .filter(|&i| self.agents[i].team as usize == team)
            .map(Self::agent_id)
            .collect()
    }

    fn number(index: usize) -> String {
        format!("Agent No.{}", 100 + Self::agent_id(index))
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    reply(status, json!({"message": message.into()}))
}

fn authorize(data: &Data, headers: &HeaderMap) -> Result<(), Response> {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", data.user, data.token));
    if auth_token(headers, "Basic") != Some(expected.as_str()) {
        let mut r = error(StatusCode::UNAUTHORIZED, "Unauthorized");
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"CCAI Platform\""),
        );
        return Err(r);
    }
    Ok(())
}

pub fn router(world: Arc<World>, gate: Gate) -> Router {
    Router::new()
        .route(
            "/apps/api/v1/agent_statuses",
            gate.route("agent_statuses", get(get_statuses).post(set_statuses)),
        )
        .route(
            "/manager/api/v1/agents",
            gate.route("agents", get(manager::agents)),
        )
        .route(
            "/manager/api/v1/agent_activity_logs",
            gate.route("agent_activity_logs", get(manager::activity_logs)),
        )
        .route(
            "/manager/api/v1/teams",
            gate.route("teams", get(manager::teams)),
        )
        .route(
            "/manager/api/v1/user_statuses",
            gate.route("user_statuses", get(manager::user_statuses)),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") })
        .with_state(world)
}

/// A list of integer ids from a JSON field (absent: empty).
fn ids(body: &Value, field: &str) -> Result<Vec<u64>, Response> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_u64().ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        format!("{field} must be an array of integers"),
                    )
                })
            })
            .collect(),
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("{field} must be an array of integers"),
        )),
    }
}

/// The agents addressed by `agent_ids` then `team_ids` (a team's own agents), each
/// once, in that order; unknown ids are the documented 400s.
fn addressed(data: &Data, agent_ids: &[u64], team_ids: &[u64]) -> Result<Vec<usize>, Response> {
    let mut out = Vec::new();
    for &id in agent_ids {
        let i = data.agent_index(id).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                format!("agent {id} does not exist"),
            )
        })?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    for &id in team_ids {
        let team = id
            .checked_sub(1)
            .map(|t| t as usize)
            .filter(|t| *t < data.teams.len());
        let team = team
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, format!("team {id} does not exist")))?;
        for i in 0..data.agents.len() {
            if data.agents[i].team as usize == team && !out.contains(&i) {
                out.push(i);
            }
        }
    }
    Ok(out)
}

fn agent_head(data: &Data, i: usize) -> serde_json::Map<String, Value> {
    let a = &data.agents[i];
    let mut m = serde_json::Map::new();
    m.insert("agent_id".into(), Data::agent_id(i).into());
    m.insert("name".into(), a.person.full_name().into());
    m.insert("email".into(), a.person.email().into());
    m.insert("agent_number".into(), Data::number(i).into());
    m
}

async fn set_statuses(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut data = write(&world.ccai);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(wanted) = body
        .get("status")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return error(StatusCode::BAD_REQUEST, "status is required");
    };
    // A name both a system and a custom status carry selects the system one.
    let target = STATUSES
        .iter()
        .filter(|s| s.name.eq_ignore_ascii_case(wanted))
        .min_by_key(|s| (s.id > 0, s.id.unsigned_abs()))
        .copied();
    let Some(target) = target else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("status '{wanted}' does not exist"),
        );
    };
    if PLATFORM_ONLY.contains(&target.id) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("Agent can't be changed to system status '{}'", target.name),
        );
    }
    let (agent_ids, team_ids) = match (ids(&body, "agent_ids"), ids(&body, "team_ids")) {
        (Ok(a), Ok(t)) => (a, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if agent_ids.is_empty() && team_ids.is_empty() {
        return error(StatusCode::BAD_REQUEST, "agent_ids or team_ids is required");
    }
    let agents = match addressed(&data, &agent_ids, &team_ids) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = Utc::now().timestamp();
    let results: Vec<Value> = agents
        .into_iter()
        .map(|i| {
            let mut result = agent_head(&data, i);
            let previous = status(data.agents[i].status);
            result.insert("previous_status".into(), previous.name.into());
            if PLATFORM_ONLY.contains(&previous.id) {
                let message = if previous.id == OFFLINE {
                    "Agent's status can't be changed if they are offline or logged out".to_owned()
                } else {
                    format!(
                        "Agent can't be changed from system status '{}'",
                        previous.name
                    )
                };
                result.insert("current_status".into(), previous.name.into());
                result.insert("message".into(), message.into());
            } else {
                data.change_status(i, target.id, now);
                result.insert("current_status".into(), target.name.into());
            }
            Value::Object(result)
        })
        .collect();
    reply(StatusCode::OK, Value::Array(results))
}

/// `agent_ids[]=11&team_ids[]=1` (also without the brackets).
fn query_ids(uri: &Uri, field: &str) -> Result<Vec<u64>, Response> {
    let query = uri.query().unwrap_or_default();
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = key.replace("%5B%5D", "[]").replace("%5b%5d", "[]");
        if key == format!("{field}[]") || key == field {
            let id = value.parse().map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    format!("{field} must be an array of integers"),
                )
            })?;
            out.push(id);
        }
    }
    Ok(out)
}

async fn get_statuses(
    State(world): State<Arc<World>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let data = read(&world.ccai);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let collect = |field: &str| -> Result<Vec<u64>, Response> {
        let mut all = ids(&body, field)?;
        all.extend(query_ids(&uri, field)?);
        Ok(all)
    };
    let (agent_ids, team_ids) = match (collect("agent_ids"), collect("team_ids")) {
        (Ok(a), Ok(t)) => (a, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let agents = if agent_ids.is_empty() && team_ids.is_empty() {
        (0..data.agents.len()).collect()
    } else {
        match addressed(&data, &agent_ids, &team_ids) {
            Ok(a) => a,
            Err(r) => return r,
        }
    };
    let list: Vec<Value> = agents
        .into_iter()
        .map(|i| {
            let mut m = agent_head(&data, i);
            m.insert("status".into(), status(data.agents[i].status).name.into());
            m.insert(
                "ip_addrs".into(),
                json!([format!("34.211.{}.{}", 11 + i / 250 % 200, 1 + i % 250)]),
            );
            Value::Object(m)
        })
        .collect();
    reply(StatusCode::OK, Value::Array(list))
}
