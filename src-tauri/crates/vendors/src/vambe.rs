//! Vambe: an AI conversational CRM. Base `https://api.vambe.me`, header `x-api-key`.
//! Contacts hold several team members; assigning adds one, or replaces them all.

use std::sync::Arc;

use serde::Deserialize;
use switchboard_domain::Vendor;
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{Timestamp, ValidationError};
use switchboard_secrets::Secret;

use crate::http::{Answer, Transport};
use crate::parse::{iso_to_ts, to_iso, validate_uuid};
use crate::wire::{acknowledged, common_error, decode, message};
use crate::{
    AccountInfo, Capabilities, Cursor, HttpOptions, Pacer, Page, RemoteAgent, RemoteAssignee,
    RemoteTarget, VendorError,
};

pub const CAPABILITIES: Capabilities = Capabilities {
    target_kind: Some(TargetKind::Contact),
    list_agents: true,
    list_targets: true,
    incremental_targets: true,
    read_assignees: true,
    several_assignees: true,
    replace: true,
    ..Capabilities::NONE
};

pub const HOSTS: [&str; 2] = ["https://api.vambe.me", "https://api.vambe.ai"];
/// The documented maximum page size.
const PAGE: u64 = 1000;

#[derive(Debug, Deserialize)]
struct WireMember {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireContact {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    chat_status: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    last_message_at: Option<String>,
    #[serde(default)]
    team_members: Option<Vec<WireMember>>,
}

fn agent(m: WireMember) -> RemoteAgent {
    let joined = [m.first_name.as_deref(), m.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = m.name.filter(|n| !n.trim().is_empty()).unwrap_or(joined);
    RemoteAgent {
        name: if name.trim().is_empty() {
            m.id.clone()
        } else {
            name
        },
        vendor_id: m.id,
        email: m.email.filter(|e| !e.trim().is_empty()),
        role: None,
        active: true,
        status: None,
        team_ids: Vec::new(),
    }
}

fn target(c: WireContact) -> RemoteTarget {
    let updated = iso_to_ts(c.updated_at.as_deref());
    RemoteTarget {
        kind: TargetKind::Contact,
        vendor_id: c.id,
        name: c.name.filter(|n| !n.trim().is_empty()),
        phone: c
            .phone
            .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|p| !p.is_empty()),
        email: c.email.filter(|e| !e.trim().is_empty()),
        status: c.chat_status,
        last_activity_at: iso_to_ts(c.last_message_at.as_deref()).or(updated),
        updated_at: updated,
        assignees: c.team_members.map(|members| {
            members
                .into_iter()
                .map(|m| RemoteAssignee {
                    agent_vendor_id: m.id,
                    until: None,
                    notes: None,
                })
                .collect()
        }),
    }
}

fn error(answer: &Answer) -> VendorError {
    let message = message(&answer.body);
    let lower = message.to_ascii_lowercase();
    let field = if lower.contains("team member") || lower.contains("agent") {
        "team_member"
    } else {
        "contact"
    };
    match answer.status.as_u16() {
        400 => VendorError::InvalidInput {
            field: field.into(),
            message,
        },
        404 => VendorError::NotFound {
            what: field.replace('_', " "),
            message,
        },
        _ => common_error(answer, "contact"),
    }
}

pub struct Client {
    transport: Transport,
    base: String,
    key: Secret,
}

impl Client {
    pub fn new(
        base: &BaseUrl,
        key: Secret,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        if key.is_blank() {
            return Err(VendorError::invalid(
                "api_key",
                "enter the API key from Vambe's settings",
            ));
        }
        Ok(Self {
            transport: Transport::new(Vendor::Vambe, options, pacer)?,
            base: base.as_str().to_owned(),
            key,
        })
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, VendorError> {
        let url = format!("{}{path}", self.base);
        self.transport
            .send(|c| {
                c.get(&url)
                    .header("x-api-key", self.key.expose())
                    .query(query)
            })
            .await
    }

    /// The cheapest read: the team members list proves the key.
    pub async fn check(&self) -> Result<AccountInfo, VendorError> {
        self.team_members().await.map(|_| AccountInfo::named(None))
    }

    /// Every team member (no paging).
    pub async fn team_members(&self) -> Result<Vec<RemoteAgent>, VendorError> {
        let answer = self.get("/api/public/team-members/all", &[]).await?;
        if !answer.status.is_success() {
            return Err(error(&answer));
        }
        let list: Vec<WireMember> = decode(&answer)?;
        Ok(list.into_iter().map(agent).collect())
    }

    /// Contacts updated after `since` (all of them without), 1000 at a time.
    pub async fn contacts(
        &self,
        since: Option<Timestamp>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        let offset = match cursor {
            Some(Cursor::Offset(n)) => *n,
            _ => 0,
        };
        // The API needs one time filter; "updated after the epoch" is everything.
        let after = to_iso(since.unwrap_or(Timestamp(0)));
        let query = [
            ("updated_after", after),
            ("limit", PAGE.to_string()),
            ("offset", offset.to_string()),
        ];
        let answer = self.get("/api/public/contacts", &query).await?;
        if !answer.status.is_success() {
            return Err(error(&answer));
        }
        let list: Vec<WireContact> = decode(&answer)?;
        let full = list.len() as u64 >= PAGE;
        Ok(Page {
            next: full.then(|| Cursor::Offset(offset + list.len() as u64)),
            items: list.into_iter().map(target).collect(),
            total: None,
        })
    }

    /// One contact with its team members (`None` when Vambe has none with the id).
    pub async fn contact(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        let id = validate_uuid("contact", id)?;
        let answer = self
            .get(&format!("/api/public/contact/{id}/info"), &[])
            .await?;
        match answer.status.as_u16() {
            404 => Ok(None),
            s if (200..300).contains(&s) => Ok(Some(target(decode(&answer)?))),
            _ => Err(error(&answer)),
        }
    }

    /// Adds a team member to a contact, or with `replace` makes them its only one.
    /// Idempotent.
    pub async fn assign(
        &self,
        contact: &str,
        member: &str,
        replace: bool,
    ) -> Result<(), VendorError> {
        let contact = validate_uuid("contact", contact)?;
        let member = validate_uuid("team_member", member)
            .map_err(|e| ValidationError::new("team_member", e.message))?;
        let url = format!(
            "{}/api/public/contact/{contact}/assign-team-member/{member}",
            self.base
        );
        let flag = if replace { "true" } else { "false" };
        let answer = self
            .transport
            .send(|c| {
                c.post(&url)
                    .header("x-api-key", self.key.expose())
                    .query(&[("removeExistingAgents", flag)])
            })
            .await?;
        if !answer.status.is_success() {
            return Err(error(&answer));
        }
        // 200 {"success":true,...}; anything else does not confirm the change.
        acknowledged(&answer, "success")
    }
}
