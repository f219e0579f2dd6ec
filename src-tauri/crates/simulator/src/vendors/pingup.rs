//! Pingup (also sold as Pingueen): `/ext/v2/{business}` with a bearer secret key.
//! Clients carry `manual_assignees`; assigning adds agents (or renews their
//! `dt_until`) and is idempotent.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{World, auth_token, iso, offset, page_size, parse_iso, read, reply, write};
use crate::gate::Gate;
use crate::rng::Rng;
use crate::seed::{self, Person, Scale, customer_name, customer_phone, object_id, object_id_index};
use crate::{Credentials, ManifestAgent};

/// The default expiry Pingup documents for an assignment without `dt_until`.
pub const DEFAULT_UNTIL: &str = "2143-06-23T00:00:00.000Z";

const AGENT_KIND: u32 = 1;
const CLIENT_KIND: u32 = 2;

pub struct Data {
    seed: u64,
    business: String,
    key: String,
    created: i64,
    pub agents: Vec<Agent>,
    agent_index: HashMap<String, u32>,
    pub clients: Vec<Client>,
}

pub struct Agent {
    pub id: String,
    pub person: Person,
}

pub struct Client {
    name: u32,
    phone: u64,
    has_email: bool,
    enabled: bool,
    last_message: i64,
    pub assignees: Vec<Assignee>,
    pub notes: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignee {
    pub agent: u32,
    pub until: Box<str>,
}

impl Data {
    pub fn generate(seed: u64, scale: Scale, now: i64, credentials: &Credentials) -> Self {
        let agents: Vec<Agent> = seed::people_for(seed, "pingup", scale)
            .into_iter()
            .enumerate()
            .map(|(i, person)| Agent {
                id: object_id(seed, AGENT_KIND, i as u32),
                person,
            })
            .collect();
        let agent_index = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i as u32))
            .collect();
        let mut rng = Rng::derive(seed, "pingup-clients");
        let clients = (0..scale.targets_per_vendor())
            .map(|i| {
                let mut assignees = Vec::new();
                if rng.chance(0.7) && !agents.is_empty() {
                    for _ in 0..=rng.below(2) {
                        let agent = rng.index(agents.len()) as u32;
                        if assignees.iter().all(|a: &Assignee| a.agent != agent) {
                            // Most keep the default expiry; some expire within a week.
                            let until = if rng.chance(0.15) {
                                iso(now + 3600 * (1 + rng.below(7 * 24) as i64)).into()
                            } else {
                                DEFAULT_UNTIL.into()
                            };
                            assignees.push(Assignee { agent, until });
                        }
                    }
                }
                Client {
                    name: i,
                    phone: customer_phone(i, seed),
                    has_email: rng.chance(0.6),
                    enabled: !rng.chance(0.05),
                    last_message: now - rng.below(30 * 24 * 3600) as i64,
                    assignees,
                    notes: None,
                }
            })
            .collect();
        Self {
            seed,
            business: credentials.pingup_business.clone(),
            key: credentials.pingup_secret_key.clone(),
            created: now - 400 * 24 * 3600,
            agents,
            agent_index,
            clients,
        }
    }

    pub fn manifest_agents(&self) -> Vec<ManifestAgent> {
        self.agents
            .iter()
            .map(|a| ManifestAgent {
                id: Some(a.id.clone()),
                email: a.person.email(),
                name: a.person.full_name(),
                active: true,
            })
            .collect()
    }

    pub fn client_id(&self, index: usize) -> String {
        object_id(self.seed, CLIENT_KIND, index as u32)
    }

    fn client_index(&self, id: &str) -> Option<usize> {
        object_id_index(self.seed, CLIENT_KIND, id)
            .map(|i| i as usize)
            .filter(|i| *i < self.clients.len())
    }

    /// The agent ids assigned to a client, with their expiry, in assignment order.
    pub fn assignees_of(&self, client_id: &str) -> Option<Vec<(String, String)>> {
        let client = &self.clients[self.client_index(client_id)?];
        Some(
            client
                .assignees
                .iter()
                .map(|a| {
                    (
                        self.agents[a.agent as usize].id.clone(),
                        a.until.to_string(),
                    )
                })
                .collect(),
        )
    }

    /// Sets a client's assignees directly (tests: a change made behind the app's back).
    pub fn set_assignees(&mut self, client_id: &str, agents: &[&str]) -> bool {
        let Some(index) = self.client_index(client_id) else {
            return false;
        };
        let ids: Option<Vec<u32>> = agents
            .iter()
            .map(|a| self.agent_index.get(*a).copied())
            .collect();
        let Some(ids) = ids else { return false };
        self.clients[index].assignees = ids
            .into_iter()
            .map(|agent| Assignee {
                agent,
                until: DEFAULT_UNTIL.into(),
            })
            .collect();
        true
    }

    fn client_json(&self, index: usize) -> Value {
        let c = &self.clients[index];
        let (first, last) = customer_name(c.name);
        json!({
            "_id": self.client_id(index),
            "ds_name": first,
            "ds_surname": last,
            "ds_phone": c.phone.to_string(),
            "email": if c.has_email { Value::from(format!("{}.{}{}@mail.example", first.to_lowercase(), last.to_lowercase(), index)) } else { Value::Null },
            "is_enabled": c.enabled,
            "dt_last_message": iso(c.last_message),
            "manual_assignees": c.assignees.iter().map(|a| json!({
                "agent": self.agents[a.agent as usize].id,
                "dt_until": a.until,
            })).collect::<Vec<_>>(),
            "ds_notes": c.notes.as_deref(),
        })
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    reply(status, json!({"message": message.into()}))
}

/// Credentials first (401), then the business (404).
fn authorize(data: &Data, headers: &HeaderMap, business: &str) -> Result<(), Response> {
    if auth_token(headers, "Bearer") != Some(data.key.as_str()) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Missing or invalid authentication token",
        ));
    }
    if business != data.business {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("Business {business} not found"),
        ));
    }
    Ok(())
}

pub fn router(world: Arc<World>, gate: Gate) -> Router {
    Router::new()
        .route("/ext/v2/{business}/me", gate.route("me", get(me)))
        .route(
            "/ext/v2/{business}/clients",
            gate.route("clients", get(clients)),
        )
        .route(
            "/ext/v2/{business}/clients/{id}/assign-agents",
            gate.route("assign_agents", post(assign_agents)),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") })
        .with_state(world)
}

async fn me(
    State(world): State<Arc<World>>,
    Path(business): Path<String>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.pingup);
    if let Err(r) = authorize(&data, &headers, &business) {
        return r;
    }
    reply(
        StatusCode::OK,
        json!({
            "_id": object_id(data.seed, 0, 0),
            "ds_business": data.business,
            "ds_name": "Acme Support (demo)",
            "email": format!("owner@{}", seed::DOMAIN),
            "dt_created": iso(data.created),
        }),
    )
}

async fn clients(
    State(world): State<Arc<World>>,
    Path(business): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.pingup);
    if let Err(r) = authorize(&data, &headers, &business) {
        return r;
    }
    let limit = page_size(q.get("limit").map(String::as_str), 20, 100) as usize;
    let skip = offset(q.get("skip").map(String::as_str));
    let page: Vec<Value> = if let Some(id) = q.get("_id") {
        data.client_index(id)
            .map(|i| data.client_json(i))
            .into_iter()
            .skip(skip)
            .take(limit)
            .collect()
    } else if let Some(phone) = q.get("ds_phone") {
        let phone = phone.trim();
        (0..data.clients.len())
            .filter(|&i| data.clients[i].phone.to_string() == phone)
            .skip(skip)
            .take(limit)
            .map(|i| data.client_json(i))
            .collect()
    } else {
        (skip..data.clients.len())
            .take(limit)
            .map(|i| data.client_json(i))
            .collect()
    };
    reply(StatusCode::OK, Value::Array(page))
}

async fn assign_agents(
    State(world): State<Arc<World>>,
    Path((business, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut data = write(&world.pingup);
    if let Err(r) = authorize(&data, &headers, &business) {
        return r;
    }
    let Some(index) = data.client_index(&id) else {
        return error(StatusCode::NOT_FOUND, "Client not found");
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let agents = match body.get("agents").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a,
        _ => return error(StatusCode::BAD_REQUEST, "Missing or invalid agents array"),
    };
    // Each documented message in turn, over the whole array.
    let mut wanted = Vec::with_capacity(agents.len());
    for entry in agents {
        match entry.get("agent").and_then(Value::as_str).map(str::trim) {
            Some(agent) if !agent.is_empty() => {
                wanted.push((agent.to_owned(), entry.get("dt_until")))
            }
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Invalid agent data: missing agent ID",
                );
            }
        }
    }
    let mut resolved = Vec::with_capacity(wanted.len());
    for (agent, until) in &wanted {
        match data.agent_index.get(agent) {
            Some(&i) => resolved.push((i, agent, *until)),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("Agent {agent} not found or not authorized"),
                );
            }
        }
    }
    let mut changes = Vec::with_capacity(resolved.len());
    for (i, agent, until) in resolved {
        let until: Box<str> = match until {
            None | Some(Value::Null) => DEFAULT_UNTIL.into(),
            Some(Value::String(s)) if parse_iso(s).is_some() => s.trim().into(),
            Some(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("Invalid dt_until for agent {agent}"),
                );
            }
        };
        changes.push(Assignee { agent: i, until });
    }
    let client = &mut data.clients[index];
    for change in changes {
        match client
            .assignees
            .iter_mut()
            .find(|a| a.agent == change.agent)
        {
            Some(existing) => existing.until = change.until,
            None => client.assignees.push(change),
        }
    }
    if let Some(notes) = body.get("ds_notes").and_then(Value::as_str) {
        client.notes = Some(notes.into());
    }
    reply(
        StatusCode::OK,
        json!({"message": "Agents assigned", "client": data.client_json(index)}),
    )
}
