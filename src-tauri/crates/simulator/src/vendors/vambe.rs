//! Vambe: `x-api-key`, UUID ids, assign adds a team member to a contact or, with
//! `removeExistingAgents=true`, replaces them all. No unassign endpoint.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::{Value, json};

use super::{World, header, iso, offset, page_size, parse_iso, read, reply, write};
use crate::gate::Gate;
use crate::rng::Rng;
use crate::seed::{
    self, Person, Scale, customer_name, customer_phone, parse_uuid, uuid, uuid_text,
};
use crate::{Credentials, ManifestAgent};

const CHAT_STATUS: [&str; 3] = ["UNATTENDED", "ATTENDED", "CLOSED"];
const PLATFORM: [&str; 4] = ["whatsapp", "instagram", "messenger", "webchat"];

pub struct Data {
    key: String,
    pub members: Vec<Member>,
    member_index: HashMap<u128, u32>,
    pub contacts: Vec<Contact>,
    contact_index: HashMap<u128, u32>,
}

pub struct Member {
    pub id: u128,
    pub person: Person,
}

pub struct Contact {
    pub id: u128,
    name: u32,
    phone: u64,
    status: u8,
    platform: u8,
    created: i64,
    updated: i64,
    pub members: Vec<u32>,
}

impl Data {
    pub fn generate(seed: u64, scale: Scale, now: i64, credentials: &Credentials) -> Self {
        let members: Vec<Member> = seed::people_for(seed, "vambe", scale)
            .into_iter()
            .enumerate()
            .map(|(i, person)| Member {
                id: uuid(seed, "vambe-member", i as u32),
                person,
            })
            .collect();
        let member_index = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i as u32))
            .collect();
        let mut rng = Rng::derive(seed, "vambe-contacts");
        let contacts: Vec<Contact> = (0..scale.targets_per_vendor())
            .map(|i| {
                // Seeded times are relative to the start, so `days` finds data.
                let created = now - 3600 - rng.below(60 * 24 * 3600) as i64;
                let updated = created + rng.below((now - created) as u64) as i64;
                let mut assigned = Vec::new();
                if rng.chance(0.75) && !members.is_empty() {
                    for _ in 0..=rng.below(2) {
                        let m = rng.index(members.len()) as u32;
                        if !assigned.contains(&m) {
                            assigned.push(m);
                        }
                    }
                }
                Contact {
                    id: uuid(seed, "vambe-contact", i),
                    name: i + 100_000,
                    phone: customer_phone(i + 100_000, seed),
                    status: rng.below(3) as u8,
                    platform: rng.below(4) as u8,
                    created,
                    updated,
                    members: assigned,
                }
            })
            .collect();
        let contact_index = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u32))
            .collect();
        Self {
            key: credentials.vambe_api_key.clone(),
            members,
            member_index,
            contacts,
            contact_index,
        }
    }

    pub fn manifest_agents(&self) -> Vec<ManifestAgent> {
        Vec::new()
    }

    pub fn contact_id(&self, index: usize) -> String {
        uuid_text(self.contacts[index].id)
    }

    pub fn member_id(&self, index: usize) -> String {
        uuid_text(self.members[index].id)
    }

    fn contact(&self, id: &str) -> Option<usize> {
        parse_uuid(id)
            .and_then(|u| self.contact_index.get(&u))
            .map(|i| *i as usize)
    }

    /// The member ids assigned to a contact, in assignment order.
    pub fn assignees_of(&self, contact_id: &str) -> Option<Vec<String>> {
        let c = &self.contacts[self.contact(contact_id)?];
        Some(
            c.members
                .iter()
                .map(|m| uuid_text(self.members[*m as usize].id))
                .collect(),
        )
    }

    /// Sets a contact's members directly (tests: a change behind the app's back).
    pub fn set_assignees(&mut self, contact_id: &str, members: &[&str]) -> bool {
        let Some(index) = self.contact(contact_id) else {
            return false;
        };
        let ids: Option<Vec<u32>> = members
            .iter()
            .map(|m| parse_uuid(m).and_then(|u| self.member_index.get(&u).copied()))
            .collect();
        let Some(ids) = ids else { return false };
        let contact = &mut self.contacts[index];
        contact.members = ids;
        contact.updated = Utc::now().timestamp();
        true
    }

    fn member_json(&self, m: u32) -> Value {
        let member = &self.members[m as usize];
        json!({"id": uuid_text(member.id), "name": member.person.full_name(), "email": member.person.email()})
    }

    fn contact_json(&self, index: usize) -> Value {
        let c = &self.contacts[index];
        let (first, last) = customer_name(c.name);
        json!({
            "id": uuid_text(c.id),
            "name": format!("{first} {last}"),
            "phone": format!("+{}", c.phone),
            "chat_status": CHAT_STATUS[c.status as usize],
            "platform": PLATFORM[c.platform as usize],
            "team_members": c.members.iter().map(|m| self.member_json(*m)).collect::<Vec<_>>(),
            "created_at": iso(c.created),
            "updated_at": iso(c.updated),
        })
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    reply(status, json!({"success": false, "message": message.into()}))
}

fn authorize(data: &Data, headers: &HeaderMap) -> Result<(), Response> {
    if header(headers, "x-api-key").map(str::trim) != Some(data.key.as_str()) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing API key",
        ));
    }
    Ok(())
}

pub fn router(world: Arc<World>, gate: Gate) -> Router {
    Router::new()
        .route(
            "/api/public/contact/{contact}/assign-team-member/{member}",
            gate.route("assign_team_member", post(assign)),
        )
        .route(
            "/api/public/team-members/all",
            gate.route("team_members", get(team_members)),
        )
        .route(
            "/api/public/contact/{contact}/info",
            gate.route("contact_info", get(info)),
        )
        .route(
            "/api/public/contacts",
            gate.route("contacts", get(contacts)),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") })
        .with_state(world)
}

async fn assign(
    State(world): State<Arc<World>>,
    Path((contact, member)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut data = write(&world.vambe);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let (Some(contact_id), Some(member_id)) = (parse_uuid(&contact), parse_uuid(&member)) else {
        let which = if parse_uuid(&contact).is_none() {
            "contact"
        } else {
            "team member"
        };
        return error(
            StatusCode::BAD_REQUEST,
            format!("Invalid {which} id: must be a UUID"),
        );
    };
    let Some(&ci) = data.contact_index.get(&contact_id) else {
        return error(StatusCode::NOT_FOUND, "Contact not found");
    };
    let Some(&mi) = data.member_index.get(&member_id) else {
        return error(StatusCode::NOT_FOUND, "Team member not found");
    };
    let replace = match q
        .get("removeExistingAgents")
        .map(|v| v.trim().to_ascii_lowercase())
    {
        None => false,
        Some(v) if v == "false" => false,
        Some(v) if v == "true" => true,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "removeExistingAgents must be true or false",
            );
        }
    };
    let c = &mut data.contacts[ci as usize];
    if replace {
        c.members = vec![mi];
    } else if !c.members.contains(&mi) {
        c.members.push(mi);
    }
    c.updated = Utc::now().timestamp();
    reply(
        StatusCode::OK,
        json!({"success": true, "message": "Team member assigned successfully"}),
    )
}

async fn team_members(State(world): State<Arc<World>>, headers: HeaderMap) -> Response {
    let data = read(&world.vambe);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let members: Vec<Value> = data
        .members
        .iter()
        .map(|m| {
            json!({
                "id": uuid_text(m.id),
                "name": m.person.full_name(),
                "first_name": m.person.first_name(),
                "last_name": m.person.last_name(),
                "email": m.person.email(),
                "phone": m.person.phone(),
            })
        })
        .collect();
    reply(StatusCode::OK, Value::Array(members))
}

async fn info(
    State(world): State<Arc<World>>,
    Path(contact): Path<String>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.vambe);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    if parse_uuid(&contact).is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid contact id: must be a UUID",
        );
    }
    match data.contact(&contact) {
        Some(i) => reply(StatusCode::OK, data.contact_json(i)),
        None => error(StatusCode::NOT_FOUND, "Contact not found"),
    }
}

async fn contacts(
    State(world): State<Arc<World>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.vambe);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let now = Utc::now().timestamp();
    let mut updated_after = None;
    let mut created_after = None;
    if let Some(days) = q.get("days") {
        match days.trim().parse::<i64>() {
            Ok(d) if (1..=365).contains(&d) => updated_after = Some(now - d * 24 * 3600),
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "days must be a whole number from 1 to 365",
                );
            }
        }
    }
    for (name, slot) in [
        ("updated_after", &mut updated_after),
        ("created_after", &mut created_after),
    ] {
        if let Some(text) = q.get(name) {
            match parse_iso(text) {
                Some(t) => *slot = Some(slot.map_or(t.timestamp(), |s: i64| s.max(t.timestamp()))),
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("{name} must be an ISO 8601 date"),
                    );
                }
            }
        }
    }
    if updated_after.is_none() && created_after.is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "One of days, created_after or updated_after is required",
        );
    }
    let limit = page_size(q.get("limit").map(String::as_str), 100, 1000) as usize;
    let skip = offset(q.get("offset").map(String::as_str));
    let page: Vec<Value> = (0..data.contacts.len())
        .filter(|&i| {
            let c = &data.contacts[i];
            updated_after.is_none_or(|t| c.updated > t)
                && created_after.is_none_or(|t| c.created > t)
        })
        .skip(skip)
        .take(limit)
        .map(|i| data.contact_json(i))
        .collect();
    reply(StatusCode::OK, Value::Array(page))
}
