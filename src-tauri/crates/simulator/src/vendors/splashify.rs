//! Splashify Pro: `/api/v1`, `Authorization: Basic <API key>` with the key as is.
//! Conversations are addressed by the customer's phone (digits only) and assigned
//! by agent email; an empty or missing email releases the chat.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use super::{World, auth_token, iso, offset, page_size, read, reply, write};
use crate::gate::Gate;
use crate::rng::Rng;
use crate::seed::{self, Person, Scale, customer_name, customer_phone, uuid, uuid_text};
use crate::{Credentials, ManifestAgent};

pub struct Data {
    seed: u64,
    key: String,
    pub agents: Vec<Agent>,
    agent_by_email: HashMap<String, u32>,
    pub customers: Vec<Customer>,
    by_phone: HashMap<u64, u32>,
}

pub struct Agent {
    pub person: Person,
    pub active: bool,
}

pub struct Customer {
    name: u32,
    pub phone: u64,
    /// False for customers who have not written yet: assigning them fails.
    pub has_conversation: bool,
    pub assigned: Option<u32>,
    created: i64,
    last_message: i64,
}

impl Data {
    pub fn generate(seed: u64, scale: Scale, now: i64, credentials: &Credentials) -> Self {
        let agents: Vec<Agent> = seed::people_for(seed, "splashify", scale)
            .into_iter()
            .enumerate()
            .map(|(i, person)| Agent {
                person,
                active: i % 9 != 8,
            })
            .collect();
        let agent_by_email = agents
            .iter()
            .enumerate()
            .map(|(i, a)| (a.person.email(), i as u32))
            .collect();
        let active: Vec<u32> = (0..agents.len() as u32)
            .filter(|&i| agents[i as usize].active)
            .collect();
        let mut rng = Rng::derive(seed, "splashify-customers");
        let customers: Vec<Customer> = (0..scale.targets_per_vendor())
            .map(|i| {
                let has_conversation = !rng.chance(0.1);
                let created = now - 3600 - rng.below(90 * 24 * 3600) as i64;
                Customer {
                    name: i + 300_000,
                    phone: customer_phone(i + 300_000, seed),
                    has_conversation,
                    assigned: (has_conversation && !active.is_empty() && rng.chance(0.6))
                        .then(|| *rng.pick(&active)),
                    created,
                    last_message: created + rng.below((now - created) as u64) as i64,
                }
            })
            .collect();
        let by_phone = customers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.phone, i as u32))
            .collect();
        Self {
            seed,
            key: credentials.splashify_api_key.clone(),
            agents,
            agent_by_email,
            customers,
            by_phone,
        }
    }

    pub fn manifest_agents(&self) -> Vec<ManifestAgent> {
        self.agents
            .iter()
            .map(|a| ManifestAgent {
                id: None,
                email: a.person.email(),
                name: a.person.full_name(),
                active: a.active,
            })
            .collect()
    }

    /// The email of the agent a phone's conversation is assigned to (`None`: no such
    /// customer).
    /// Removes an agent from the account (tests: someone deleted them in
    /// Splashify's dashboard). Their assignments go with them.
    pub fn remove_agent(&mut self, email: &str) -> bool {
        let Some(index) = self.agent_by_email.remove(&email.to_lowercase()) else {
            return false;
        };
        // Keep indexes stable: the agent stays in the list, unreachable by email.
        for c in &mut self.customers {
            if c.assigned == Some(index) {
                c.assigned = None;
            }
        }
        true
    }

    pub fn assignee_of(&self, phone: u64) -> Option<Option<String>> {
        let c = &self.customers[*self.by_phone.get(&phone)? as usize];
        Some(c.assigned.map(|a| self.agents[a as usize].person.email()))
    }

    /// Sets a conversation's agent directly (tests: a change behind the app's back).
    pub fn set_assignee(&mut self, phone: u64, email: Option<&str>) -> bool {
        let Some(&i) = self.by_phone.get(&phone) else {
            return false;
        };
        let agent = match email {
            Some(e) => match self.agent_by_email.get(&e.to_lowercase()) {
                Some(a) => Some(*a),
                None => return false,
            },
            None => None,
        };
        self.customers[i as usize].assigned = agent;
        true
    }

    fn customer_json(&self, index: usize) -> Value {
        let c = &self.customers[index];
        let (first, last) = customer_name(c.name);
        json!({
            "id": uuid_text(uuid(self.seed, "splashify-customer", index as u32)),
            "phone_number": c.phone.to_string(),
            "name": format!("{first} {last}"),
            "created_at": iso(c.created),
            "last_message_at": if c.has_conversation { Some(iso(c.last_message)) } else { None },
            "assigned_agent": c.assigned.map(|a| {
                let p = self.agents[a as usize].person;
                json!({"email": p.email(), "name": p.full_name()})
            }),
        })
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    reply(status, json!({"result": false, "message": message}))
}

fn authorize(data: &Data, headers: &HeaderMap) -> Result<(), Response> {
    if auth_token(headers, "Basic") != Some(data.key.as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, "Unauthorized"));
    }
    Ok(())
}

pub fn router(world: Arc<World>, gate: Gate) -> Router {
    // The docs write these paths with a trailing slash and the SDK without: both.
    Router::new()
        .route(
            "/api/v1/public/assignment",
            gate.route("assignment", post(assignment)),
        )
        .route(
            "/api/v1/public/assignment/",
            gate.route("assignment", post(assignment)),
        )
        .route(
            "/api/v1/public/apis/users",
            gate.route("users", post(users)),
        )
        .route(
            "/api/v1/public/apis/users/",
            gate.route("users", post(users)),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") })
        .with_state(world)
}

/// 8 to 15 digits, nothing else.
fn phone(value: Option<&Value>) -> Option<u64> {
    let text = match value? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ok = (8..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

async fn assignment(State(world): State<Arc<World>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut data = write(&world.splashify);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(phone) = phone(body.get("user_phone_number")) else {
        return error(StatusCode::BAD_REQUEST, "Invalid phone number");
    };
    let email = body
        .get("agent_email")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let agent = match email {
        Some(e) => match data.agent_by_email.get(&e.to_lowercase()) {
            Some(&a) => Some(a),
            None => return error(StatusCode::BAD_REQUEST, "Agent not found"),
        },
        None => None,
    };
    let customer = data
        .by_phone
        .get(&phone)
        .copied()
        .filter(|&c| data.customers[c as usize].has_conversation);
    let Some(customer) = customer else {
        return error(StatusCode::BAD_REQUEST, "Conversation not found");
    };
    if agent.is_some_and(|a| !data.agents[a as usize].active) {
        return error(StatusCode::BAD_REQUEST, "Agent inactive");
    }
    data.customers[customer as usize].assigned = agent;
    reply(
        StatusCode::OK,
        json!({"result": true, "message": "Chat Assigned Successfully"}),
    )
}

async fn users(
    State(world): State<Arc<World>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let data = read(&world.splashify);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let mut wanted_phone = None;
    match body.get("filters") {
        None | Some(Value::Null) => {}
        Some(Value::Array(filters)) => {
            for f in filters {
                match (
                    f.get("field").and_then(Value::as_str),
                    phone(f.get("value")),
                ) {
                    (Some("phone_number"), Some(p)) => wanted_phone = Some(p),
                    _ => return error(StatusCode::BAD_REQUEST, "Invalid filters"),
                }
            }
        }
        Some(_) => return error(StatusCode::BAD_REQUEST, "Invalid filters"),
    }
    if !body.is_object() {
        return error(StatusCode::BAD_REQUEST, "Invalid request body");
    }
    let limit = page_size(q.get("limit").map(String::as_str), 100, 100) as usize;
    let skip = offset(q.get("offset").map(String::as_str));
    let matching: Vec<usize> = match wanted_phone {
        Some(p) => data
            .by_phone
            .get(&p)
            .map(|i| *i as usize)
            .into_iter()
            .collect(),
        None => (0..data.customers.len()).collect(),
    };
    let total = matching.len();
    let customers: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|i| data.customer_json(i))
        .collect();
    reply(
        StatusCode::OK,
        json!({
            "result": true,
            "message": "Customers fetched successfully",
            "data": {
                "total_customers": total,
                "offset": skip,
                "limit": limit,
                "has_next_page": skip + customers.len() < total,
                "customers": customers,
            },
        }),
    )
}
