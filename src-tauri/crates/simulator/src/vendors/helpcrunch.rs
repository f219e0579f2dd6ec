//! HelpCrunch: `/v1`, bearer key, integer ids, UNIX-second times, errors as
//! `{"errors":[{code, message}]}`. One assignee per chat; `assignee: null` unassigns.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::{World, auth_token, offset, page_size, read, reply, write};
use crate::gate::Gate;
use crate::rng::Rng;
use crate::seed::{self, Person, Scale, customer_name};
use crate::{Credentials, ManifestAgent};

pub const STATUSES: [&str; 7] = [
    "new",
    "opened",
    "pending",
    "onhold",
    "no communication",
    "closed",
    "empty",
];
const ROLES: [&str; 4] = ["agentChatOnly", "agent", "superviser", "admin"];
const DEPARTMENTS: [&str; 4] = ["Support", "Sales", "Billing", "VIP"];
const FIRST_CHAT_ID: u32 = 5_214_000;
const FIRST_CUSTOMER_ID: u32 = 8_740_000;
const FIRST_AGENT_ID: u32 = 4_100;
const MESSAGES: [&str; 5] = [
    "HelpCrunch is the best! Thank you guys.",
    "Where is my order?",
    "Can I change my plan?",
    "The invoice has the wrong address.",
    "Thanks, that fixed it.",
];

pub struct Data {
    key: String,
    pub agents: Vec<Agent>,
    departments: Vec<Vec<u32>>,
    pub chats: Vec<Chat>,
    /// Chat indexes by last message time, oldest first (it never changes here).
    by_last_message: Vec<u32>,
}

pub struct Agent {
    pub person: Person,
    role: u8,
    /// Some agents' emails are written with capitals, as people type them.
    capitalised: bool,
}

pub struct Chat {
    status: u8,
    created: i64,
    last_message: i64,
    department: Option<u8>,
    pub assignee: Option<u32>,
}

impl Data {
    pub fn generate(seed: u64, scale: Scale, now: i64, credentials: &Credentials) -> Self {
        let mut rng = Rng::derive(seed, "helpcrunch");
        let agents: Vec<Agent> = seed::people_for(seed, "helpcrunch", scale)
            .into_iter()
            .enumerate()
            .map(|(i, person)| Agent {
                person,
                role: if i == 0 { 3 } else { rng.below(3) as u8 },
                capitalised: i % 7 == 3,
            })
            .collect();
        let mut departments = vec![Vec::new(); DEPARTMENTS.len()];
        for i in 0..agents.len() {
            departments[i % DEPARTMENTS.len()].push(i as u32);
        }
        let n = scale.targets_per_vendor();
        let chats: Vec<Chat> = (0..n)
            .map(|i| {
                let created = now - i64::from(n - i) * 60 - 3600;
                let status = rng.below(STATUSES.len() as u64) as u8;
                Chat {
                    status,
                    created,
                    last_message: created + rng.below(((now - created) as u64).max(1)) as i64,
                    department: rng
                        .chance(0.5)
                        .then(|| rng.below(DEPARTMENTS.len() as u64) as u8),
                    assignee: (rng.chance(0.7) && !agents.is_empty())
                        .then(|| rng.index(agents.len()) as u32),
                }
            })
            .collect();
        let mut by_last_message: Vec<u32> = (0..n).collect();
        by_last_message.sort_by_key(|&i| (chats[i as usize].last_message, i));
        Self {
            key: credentials.helpcrunch_api_key.clone(),
            agents,
            departments,
            chats,
            by_last_message,
        }
    }

    pub fn manifest_agents(&self) -> Vec<ManifestAgent> {
        Vec::new()
    }

    pub fn chat_id(index: usize) -> u64 {
        u64::from(FIRST_CHAT_ID) + index as u64
    }

    pub fn agent_id(index: usize) -> u64 {
        u64::from(FIRST_AGENT_ID) + index as u64
    }

    fn chat_index(&self, id: u64) -> Option<usize> {
        id.checked_sub(u64::from(FIRST_CHAT_ID))
            .map(|i| i as usize)
            .filter(|i| *i < self.chats.len())
    }

    fn agent_index(&self, id: u64) -> Option<u32> {
        id.checked_sub(u64::from(FIRST_AGENT_ID))
            .map(|i| i as u32)
            .filter(|i| (*i as usize) < self.agents.len())
    }

    /// A chat's assignee id, if any (`None` when the chat does not exist).
    pub fn assignee_of(&self, chat_id: u64) -> Option<Option<u64>> {
        let chat = &self.chats[self.chat_index(chat_id)?];
        Some(chat.assignee.map(|a| Self::agent_id(a as usize)))
    }

    /// Sets a chat's assignee directly (tests: a change behind the app's back).
    pub fn set_assignee(&mut self, chat_id: u64, agent_id: Option<u64>) -> bool {
        let Some(index) = self.chat_index(chat_id) else {
            return false;
        };
        let assignee = match agent_id {
            Some(id) => match self.agent_index(id) {
                Some(a) => Some(a),
                None => return false,
            },
            None => None,
        };
        self.chats[index].assignee = assignee;
        true
    }

    fn agent_json(&self, index: u32) -> Value {
        let a = &self.agents[index as usize];
        let email = if a.capitalised {
            let e = a.person.email();
            let (local, domain) = e.split_once('@').unwrap_or((&e, ""));
            let cap = |s: &str| s.split('.').map(capitalise).collect::<Vec<_>>().join(".");
            format!("{}@{}", cap(local), cap(domain))
        } else {
            a.person.email()
        };
        json!({"id": Self::agent_id(index as usize), "name": a.person.full_name(), "email": email, "role": ROLES[a.role as usize]})
    }

    fn chat_json(&self, index: usize) -> Value {
        let c = &self.chats[index];
        let (first, last) = customer_name(index as u32 + 200_000);
        let closed = STATUSES[c.status as usize] == "closed";
        json!({
            "id": Self::chat_id(index),
            "closedBy": if closed { c.assignee.map(|a| self.agent_json(a)) } else { None },
            "lastCustomerMessageAt": c.last_message,
            "status": STATUSES[c.status as usize],
            "closedAt": if closed { Some(c.last_message + 60) } else { None },
            "rating": null,
            "createdAt": c.created,
            "lastMessageAt": c.last_message,
            "snoozedUntil": null,
            "lastMessageText": MESSAGES[index % MESSAGES.len()],
            "lastMessageId": 8_579_581 + index as u64,
            "lastCommunicatedAgentId": c.assignee.map(|a| Self::agent_id(a as usize)),
            "agents": [],
            "customer": {
                "id": u64::from(FIRST_CUSTOMER_ID) + index as u64,
                "name": format!("{first} {last}"),
                "email": format!("{}.{}{}@mail.example", first.to_lowercase(), last.to_lowercase(), index),
                "userId": null,
            },
            "assignee": c.assignee.map(|a| self.agent_json(a)),
            "department": c.department.map(|d| json!({"id": d as u64 + 1, "name": DEPARTMENTS[d as usize]})),
        })
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    reply(
        status,
        json!({"errors": [{"code": code, "message": message.into()}]}),
    )
}

fn authorize(data: &Data, headers: &HeaderMap) -> Result<(), Response> {
    if auth_token(headers, "Bearer") != Some(data.key.as_str()) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Invalid token",
        ));
    }
    Ok(())
}

pub fn router(world: Arc<World>, gate: Gate) -> Router {
    Router::new()
        .route(
            "/v1/chats/assignee",
            gate.route("chat_assignee", put(assignee)),
        )
        .route("/v1/agents", gate.route("agents", get(agents)))
        .route(
            "/v1/departments",
            gate.route("departments", get(departments)),
        )
        .route("/v1/chats", gate.route("chats", get(chats)))
        .route("/v1/chats/{id}", gate.route("chat", get(chat)))
        .route("/v1/chats/search", gate.route("chats_search", post(search)))
        .route(
            "/v1/organization",
            gate.route("organization", get(organization)),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "Not found") })
        .with_state(world)
}

async fn assignee(State(world): State<Arc<World>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut data = write(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(chat_id) = body.get("id").and_then(Value::as_u64) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_chat_value",
            "id value is invalid",
        );
    };
    let Some(index) = data.chat_index(chat_id) else {
        return error(StatusCode::NOT_FOUND, "chat_not_found", "Chat is missing");
    };
    let assignee = match body.get("assignee") {
        Some(Value::Null) => None,
        Some(v) => match v.as_u64().and_then(|id| data.agent_index(id)) {
            Some(a) => Some(a),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_chat_value",
                    "assignee value is invalid",
                );
            }
        },
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_chat_value",
                "assignee value is invalid",
            );
        }
    };
    data.chats[index].assignee = assignee;
    reply(StatusCode::OK, data.chat_json(index))
}

/// `GET /v1/chats/{id}`: one chat, as documented ("Get a single chat").
async fn chat(
    State(world): State<Arc<World>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    match id.parse::<u64>().ok().and_then(|id| data.chat_index(id)) {
        Some(index) => reply(StatusCode::OK, data.chat_json(index)),
        None => error(StatusCode::NOT_FOUND, "chat_not_found", "Chat not found"),
    }
}

async fn agents(
    State(world): State<Arc<World>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let limit = page_size(q.get("limit").map(String::as_str), 100, 100) as usize;
    let skip = offset(q.get("offset").map(String::as_str));
    let page: Vec<Value> = (skip..data.agents.len())
        .take(limit)
        .map(|i| data.agent_json(i as u32))
        .collect();
    reply(
        StatusCode::OK,
        json!({"data": page, "meta": {"total": data.agents.len()}}),
    )
}

async fn departments(State(world): State<Arc<World>>, headers: HeaderMap) -> Response {
    let data = read(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let list: Vec<Value> = data
        .departments
        .iter()
        .enumerate()
        .map(|(i, members)| {
            json!({
                "id": i as u64 + 1,
                "name": DEPARTMENTS[i],
                "agents": members.iter().map(|a| Data::agent_id(*a as usize)).collect::<Vec<_>>(),
            })
        })
        .collect();
    reply(StatusCode::OK, json!({"data": list}))
}

async fn organization(State(world): State<Arc<World>>, headers: HeaderMap) -> Response {
    let data = read(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    reply(
        StatusCode::OK,
        json!({"data": {"id": 1, "name": "Acme Support", "domain": "acme-support", "teamOnline": true, "chatEnabled": true}}),
    )
}

/// A sort and order as HelpCrunch takes them; `None` names what is wrong.
fn ordering(sort: Option<&str>, order: Option<&str>) -> Result<(Sort, bool), String> {
    let sort = match sort.unwrap_or("chats.id") {
        "chats.id" | "chats.createdAt" => Sort::Created,
        "chats.lastMessageAt" => Sort::LastMessage,
        other => return Err(format!("sort value {other} is invalid")),
    };
    let descending = match order.unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        other => return Err(format!("order value {other} is invalid")),
    };
    Ok((sort, descending))
}

#[derive(Clone, Copy)]
enum Sort {
    Created,
    LastMessage,
}

/// Chat indexes that pass `keep`, sorted, one page of them, and how many passed.
fn page(
    data: &Data,
    sort: Sort,
    descending: bool,
    skip: usize,
    limit: usize,
    keep: impl Fn(&Chat) -> bool,
) -> (Vec<Value>, usize) {
    let n = data.chats.len() as u32;
    let order: Box<dyn Iterator<Item = u32>> = match (sort, descending) {
        (Sort::Created, false) => Box::new(0..n),
        (Sort::Created, true) => Box::new((0..n).rev()),
        (Sort::LastMessage, false) => Box::new(data.by_last_message.iter().copied()),
        (Sort::LastMessage, true) => Box::new(data.by_last_message.iter().rev().copied()),
    };
    let mut total = 0;
    let mut items = Vec::new();
    for i in order {
        if keep(&data.chats[i as usize]) {
            if total >= skip && items.len() < limit {
                items.push(data.chat_json(i as usize));
            }
            total += 1;
        }
    }
    (items, total)
}

async fn chats(
    State(world): State<Arc<World>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let (sort, descending) = match ordering(
        q.get("sort").map(String::as_str),
        q.get("order").map(String::as_str),
    ) {
        Ok(o) => o,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid_query", message),
    };
    let limit = page_size(q.get("limit").map(String::as_str), 100, 100) as usize;
    let skip = offset(q.get("offset").map(String::as_str));
    let (items, total) = page(&data, sort, descending, skip, limit, |_| true);
    reply(
        StatusCode::OK,
        json!({"data": items, "meta": {"total": total}}),
    )
}

/// One `{field, operator, value}` of a search.
struct Filter {
    field: Field,
    op: String,
    value: Value,
}

enum Field {
    Assignee,
    Status,
    LastMessageAt,
    Department,
}

fn parse_filters(body: &Value) -> Result<Vec<Filter>, String> {
    let Some(list) = body
        .get("filter")
        .map(|f| f.as_array().cloned().unwrap_or_default())
    else {
        return Ok(Vec::new());
    };
    list.iter()
        .map(|f| {
            let field = match f.get("field").and_then(Value::as_str) {
                Some("chats.assignee") => Field::Assignee,
                Some("chats.status") => Field::Status,
                Some("chats.lastMessageAt") => Field::LastMessageAt,
                Some("chats.department") => Field::Department,
                other => {
                    return Err(format!(
                        "filter field {} is invalid",
                        other.unwrap_or("(missing)")
                    ));
                }
            };
            let op = f
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("=")
                .to_owned();
            if !["=", "!=", ">", "<", ">=", "<="].contains(&op.as_str()) {
                return Err(format!("filter operator {op} is invalid"));
            }
            Ok(Filter {
                field,
                op,
                value: f.get("value").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// A filter value as a number: ids and times come as numbers or numeric strings.
fn number(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn compare(op: &str, left: Option<i64>, right: Option<i64>) -> bool {
    match (op, left, right) {
        ("=", l, r) => l == r,
        ("!=", l, r) => l != r,
        (">", Some(l), Some(r)) => l > r,
        ("<", Some(l), Some(r)) => l < r,
        (">=", Some(l), Some(r)) => l >= r,
        ("<=", Some(l), Some(r)) => l <= r,
        _ => false,
    }
}

async fn search(State(world): State<Arc<World>>, headers: HeaderMap, body: Bytes) -> Response {
    let data = read(&world.helpcrunch);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let filters = match parse_filters(&body) {
        Ok(f) => f,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid_filter", message),
    };
    let (sort, descending) = match ordering(
        body.get("sort").and_then(Value::as_str),
        body.get("order").and_then(Value::as_str),
    ) {
        Ok(o) => o,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid_query", message),
    };
    let limit = page_size(
        body.get("limit").map(|v| v.to_string()).as_deref(),
        100,
        100,
    ) as usize;
    let skip = body.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let keep = |chat: &Chat| {
        filters.iter().all(|f| match f.field {
            Field::Assignee => compare(
                &f.op,
                chat.assignee.map(|a| Data::agent_id(a as usize) as i64),
                number(&f.value),
            ),
            Field::Status => {
                let wanted = f.value.as_str().unwrap_or_default();
                (STATUSES[chat.status as usize] == wanted) == (f.op != "!=")
            }
            Field::LastMessageAt => compare(&f.op, Some(chat.last_message), number(&f.value)),
            Field::Department => compare(
                &f.op,
                chat.department.map(|d| i64::from(d) + 1),
                number(&f.value),
            ),
        })
    };
    let (items, total) = page(&data, sort, descending, skip, limit, keep);
    reply(
        StatusCode::OK,
        json!({"data": items, "meta": {"total": total}}),
    )
}
