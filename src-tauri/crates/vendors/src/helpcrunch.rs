//! HelpCrunch: live chat and help desk. Base `https://api.helpcrunch.com/v1`,
//! `Authorization: Bearer <key>`, 120 requests per minute. Integer ids, UNIX-second
//! times; one assignee per chat, `null` unassigns.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_domain::Vendor;
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{Timestamp, ValidationError};
use switchboard_secrets::Secret;

use crate::descriptor::{Descriptor, FormField, keyed};
use crate::form::{or_default, with_path};
use crate::http::{Answer, Auth, Credentials, Endpoint, retry_after};
use crate::wire::{codes, common_error, decode, id_text, message};
use crate::{
    AccountInfo, AssignCall, Capabilities, Cursor, HttpOptions, Pace, Pacer, Page, RemoteAgent,
    RemoteAssignee, RemoteTarget, RemoteTeam, VendorApi, VendorError,
};

pub const CAPABILITIES: Capabilities = Capabilities {
    target_kind: Some(TargetKind::Chat),
    list_agents: true,
    list_teams: true,
    list_targets: true,
    incremental_targets: true,
    // "Get a single chat" (`GET /chats/{id}`) reads one chat's assignee.
    read_assignees: true,
    release: true,
    team_online: true,
    ..Capabilities::NONE
};

pub const PACE: Pace = Pace::per_minute(120);
pub const HOST: &str = "https://api.helpcrunch.com/v1";
/// The documented maximum page size.
const PAGE: u64 = 100;

#[derive(Debug, Deserialize)]
struct List<T> {
    data: Vec<T>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Debug, Deserialize)]
struct Meta {
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct WireAgent {
    id: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireDepartment {
    id: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    agents: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
struct WireCustomer {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireChat {
    id: Value,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "lastMessageAt")]
    last_message_at: Option<i64>,
    #[serde(default)]
    customer: Option<WireCustomer>,
    #[serde(default)]
    assignee: Option<WireAgent>,
}

#[derive(Debug, Deserialize)]
struct WireOrganization {
    data: WireOrgData,
}

#[derive(Debug, Deserialize)]
struct WireOrgData {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "teamOnline")]
    team_online: Option<bool>,
}

fn agent(a: WireAgent) -> Option<RemoteAgent> {
    let vendor_id = id_text(&a.id)?;
    Some(RemoteAgent {
        name: a
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| vendor_id.clone()),
        vendor_id,
        email: a.email.filter(|e| !e.trim().is_empty()),
        role: a.role,
        active: true,
        status: None,
        team_ids: Vec::new(),
    })
}

fn target(c: WireChat) -> Option<RemoteTarget> {
    let vendor_id = id_text(&c.id)?;
    let customer = c.customer;
    let assignee = c.assignee.and_then(|a| id_text(&a.id));
    Some(RemoteTarget {
        kind: TargetKind::Chat,
        vendor_id,
        name: customer.as_ref().and_then(|cu| cu.name.clone()),
        phone: None,
        email: customer.and_then(|cu| cu.email),
        status: c.status,
        last_activity_at: c.last_message_at.map(|s| Timestamp(s * 1000)),
        updated_at: None,
        assignees: Some(
            assignee
                .into_iter()
                .map(|agent_vendor_id| RemoteAssignee {
                    agent_vendor_id,
                    until: None,
                    notes: None,
                })
                .collect(),
        ),
    })
}

/// HelpCrunch's codes say what went wrong; both documented body shapes are read.
fn error(answer: &Answer) -> VendorError {
    let message = message(&answer.body);
    let codes = codes(&answer.body);
    let has = |code: &str| codes.iter().any(|c| c == code);
    if has("invalid_token") {
        VendorError::Unauthorized { message }
    } else if has("chat_not_found") {
        VendorError::NotFound {
            what: "chat".into(),
            message,
        }
    } else if has("too_many_requests") {
        VendorError::RateLimited {
            retry_after: retry_after(&answer.headers),
            message,
        }
    } else if has("invalid_chat_value") {
        let field = if message.starts_with("id ") {
            "chat"
        } else {
            "assignee"
        };
        VendorError::InvalidInput {
            field: field.into(),
            message,
        }
    } else {
        common_error(answer, "chat")
    }
}

/// An id HelpCrunch takes as a number.
fn numeric_id(field: &str, id: &str) -> Result<u64, ValidationError> {
    id.trim().parse::<u64>().map_err(|_| {
        ValidationError::new(
            field,
            format!(
                "'{}' is not a HelpCrunch id; they are whole numbers like 4188",
                id.trim()
            ),
        )
    })
}

pub struct Client {
    endpoint: Endpoint,
}

impl Client {
    pub fn new(
        base: &BaseUrl,
        key: Secret,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        let credentials = Credentials {
            secret: key,
            auth: Auth::Bearer,
            field: "api_key",
            missing: "enter the key from Settings > Developers > Public API",
        };
        Ok(Self {
            endpoint: Endpoint::new(Vendor::Helpcrunch, base, credentials, options, pacer, error)?,
        })
    }

    /// The chats assigned to an agent (`POST /chats/search`).
    pub async fn chats_of(
        &self,
        agent: &str,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        let agent = numeric_id("agent", agent)?;
        let offset = offset(cursor);
        let body = json!({
            "filter": [{"field": "chats.assignee", "operator": "=", "value": agent.to_string()}],
            "offset": offset,
            "limit": PAGE,
        });
        let answer = self
            .endpoint
            .call(Method::POST, "/chats/search", &[], Some(&body))
            .await?;
        let list: List<WireChat> = decode(&answer)?;
        Ok(page(list, offset, target))
    }

    /// Assigns a chat to an agent, or with `None` unassigns it. Returns the chat as
    /// HelpCrunch now has it.
    pub async fn set_assignee(
        &self,
        chat: &str,
        agent: Option<&str>,
    ) -> Result<RemoteTarget, VendorError> {
        let chat = numeric_id("chat", chat)?;
        let assignee = match agent {
            Some(a) => Value::from(numeric_id("assignee", a)?),
            None => Value::Null,
        };
        let body = json!({"id": chat, "assignee": assignee});
        let answer = self
            .endpoint
            .call(Method::PUT, "/chats/assignee", &[], Some(&body))
            .await?;
        let chat: WireChat = decode(&answer)?;
        target(chat).ok_or_else(|| VendorError::Unexpected {
            status: 200,
            excerpt: "the chat came back without an id".into(),
        })
    }
}

#[async_trait]
impl VendorApi for Client {
    fn vendor(&self) -> Vendor {
        Vendor::Helpcrunch
    }

    /// `GET /organization`: proves the key and names the account.
    async fn check(&self) -> Result<AccountInfo, VendorError> {
        let answer = self
            .endpoint
            .call(Method::GET, "/organization", &[], None)
            .await?;
        let org: WireOrganization = decode(&answer)?;
        Ok(AccountInfo {
            name: org.data.name,
            team_online: org.data.team_online,
        })
    }

    async fn agents(&self, cursor: Option<&Cursor>) -> Result<Page<RemoteAgent>, VendorError> {
        let offset = offset(cursor);
        let answer = self
            .endpoint
            .call(Method::GET, "/agents", &paging(offset), None)
            .await?;
        let list: List<WireAgent> = decode(&answer)?;
        Ok(page(list, offset, agent))
    }

    /// Departments with their agents' ids.
    async fn teams(&self) -> Result<Vec<RemoteTeam>, VendorError> {
        let answer = self
            .endpoint
            .call(Method::GET, "/departments", &[], None)
            .await?;
        let list: List<WireDepartment> = decode(&answer)?;
        Ok(list
            .data
            .into_iter()
            .filter_map(|d| {
                Some(RemoteTeam {
                    vendor_id: id_text(&d.id)?,
                    name: d.name.unwrap_or_default(),
                    parent_vendor_id: None,
                    member_ids: d.agents.map(|a| a.iter().filter_map(id_text).collect()),
                })
            })
            .collect())
    }

    /// Chats, newest message first, 100 at a time. With `since`, the listing ends
    /// at the first chat whose last message is older.
    async fn targets(
        &self,
        since: Option<Timestamp>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        let offset = offset(cursor);
        let mut query = paging(offset);
        query.push(("sort", "chats.lastMessageAt".into()));
        query.push(("order", "desc".into()));
        let answer = self
            .endpoint
            .call(Method::GET, "/chats", &query, None)
            .await?;
        let list: List<WireChat> = decode(&answer)?;
        let mut page = page(list, offset, target);
        if let Some(since) = since {
            let before = page.items.len();
            page.items
                .retain(|t| t.last_activity_at.is_none_or(|at| at >= since));
            if page.items.len() < before {
                page.next = None;
            }
        }
        Ok(page)
    }

    /// One chat (`GET /chats/{id}`); `None` when HelpCrunch has none with the id.
    async fn target(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        let id = numeric_id("chat", id)?;
        match self
            .endpoint
            .call(Method::GET, &format!("/chats/{id}"), &[], None)
            .await
        {
            Ok(answer) => Ok(target(decode(&answer)?)),
            Err(VendorError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One agent per chat: the agent replaces the current one.
    async fn assign(
        &self,
        target: &str,
        call: AssignCall<'_>,
    ) -> Result<Option<RemoteTarget>, VendorError> {
        let agent = call.one(Vendor::Helpcrunch)?;
        self.set_assignee(target, Some(agent)).await.map(Some)
    }

    async fn release(&self, target: &str) -> Result<Option<RemoteTarget>, VendorError> {
        self.set_assignee(target, None).await.map(Some)
    }
}

// --- What the app knows about HelpCrunch. ---

pub static VENDOR: Descriptor = Descriptor {
    vendor: Vendor::Helpcrunch,
    color: "blue",
    capabilities: CAPABILITIES,
    pace: Some(PACE),
    hosts: &[HOST],
    default_base_url: HOST,
    secret_name: "API key",
    fields: &[FormField::secret(
        "API key",
        "",
        "Settings > Developers > Public API.",
    )],
    resolve: |_, url, _| {
        with_path(
            or_default(url, &[HOST])?,
            "/v1",
            Vendor::Helpcrunch,
            "https://api.helpcrunch.com/v1",
        )
    },
    hints: &[],
    connect: |setup| keyed(setup, Client::new),
};

fn offset(cursor: Option<&Cursor>) -> u64 {
    match cursor {
        Some(Cursor::Offset(n)) => *n,
        _ => 0,
    }
}

fn paging(offset: u64) -> Vec<(&'static str, String)> {
    vec![("offset", offset.to_string()), ("limit", PAGE.to_string())]
}

fn page<W, T>(list: List<W>, offset: u64, map: impl Fn(W) -> Option<T>) -> Page<T> {
    let total = list.meta.and_then(|m| m.total);
    let received = list.data.len() as u64;
    let items: Vec<T> = list.data.into_iter().filter_map(map).collect();
    let more = match total {
        Some(total) => offset + received < total && received > 0,
        None => received >= PAGE,
    };
    Page {
        items,
        next: more.then(|| Cursor::Offset(offset + received)),
        total,
    }
}
