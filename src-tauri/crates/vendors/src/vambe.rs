//! Vambe: an AI conversational CRM. Base `https://api.vambe.me`, header `x-api-key`.
//! Contacts hold several team members; assigning adds one, or replaces them all.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use switchboard_domain::Vendor;
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{Timestamp, ValidationError};
use switchboard_secrets::Secret;

use crate::descriptor::{Descriptor, FormField, Hint, keyed};
use crate::form::{host_only, or_default};
use crate::http::{Answer, Auth, Credentials, Endpoint};
use crate::parse::{iso_to_ts, to_iso, validate_uuid};
use crate::wire::{acknowledged, common_error, decode, message};
use crate::{
    AccountInfo, AssignCall, Capabilities, Cursor, HttpOptions, Pacer, Page, RemoteAgent,
    RemoteAssignee, RemoteTarget, VendorApi, VendorError,
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
            auth: Auth::Header("x-api-key"),
            field: "api_key",
            missing: "enter the API key from Vambe's settings",
        };
        Ok(Self {
            endpoint: Endpoint::new(Vendor::Vambe, base, credentials, options, pacer, error)?,
        })
    }

    /// Every team member (no paging).
    pub async fn team_members(&self) -> Result<Vec<RemoteAgent>, VendorError> {
        let answer = self
            .endpoint
            .get("/api/public/team-members/all", &[])
            .await?;
        let list: Vec<WireMember> = decode(&answer)?;
        Ok(list.into_iter().map(agent).collect())
    }

    /// Adds a team member to a contact, or with `replace` makes them its only one.
    /// Idempotent.
    pub async fn assign_member(
        &self,
        contact: &str,
        member: &str,
        replace: bool,
    ) -> Result<(), VendorError> {
        let contact = validate_uuid("contact", contact)?;
        let member = validate_uuid("team_member", member)
            .map_err(|e| ValidationError::new("team_member", e.message))?;
        let path = format!("/api/public/contact/{contact}/assign-team-member/{member}");
        let flag = if replace { "true" } else { "false" };
        let query = [("removeExistingAgents", flag.to_owned())];
        let answer = self
            .endpoint
            .call(Method::POST, &path, &query, None)
            .await?;
        // 200 {"success":true,...}; anything else does not confirm the change.
        acknowledged(&answer, "success")
    }
}

#[async_trait]
impl VendorApi for Client {
    fn vendor(&self) -> Vendor {
        Vendor::Vambe
    }

    /// The cheapest read: the team members list proves the key.
    async fn check(&self) -> Result<AccountInfo, VendorError> {
        self.team_members().await.map(|_| AccountInfo::named(None))
    }

    /// Every team member, as one page.
    async fn agents(&self, _cursor: Option<&Cursor>) -> Result<Page<RemoteAgent>, VendorError> {
        let items = self.team_members().await?;
        Ok(Page {
            total: Some(items.len() as u64),
            items,
            next: None,
        })
    }

    /// Contacts updated after `since` (all of them without), 1000 at a time.
    async fn targets(
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
        let answer = self.endpoint.get("/api/public/contacts", &query).await?;
        let list: Vec<WireContact> = decode(&answer)?;
        let full = list.len() as u64 >= PAGE;
        Ok(Page {
            next: full.then(|| Cursor::Offset(offset + list.len() as u64)),
            items: list.into_iter().map(target).collect(),
            total: None,
        })
    }

    /// One contact with its team members (`None` when Vambe has none with the id).
    async fn target(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        let id = validate_uuid("contact", id)?;
        let url = self.endpoint.url(&format!("/api/public/contact/{id}/info"));
        let answer = self.endpoint.send(Method::GET, &url, &[], None).await?;
        match answer.status.as_u16() {
            404 => Ok(None),
            s if (200..300).contains(&s) => Ok(Some(target(decode(&answer)?))),
            _ => Err(error(&answer)),
        }
    }

    /// One team member per call: added, or with `replace` the only one.
    async fn assign(
        &self,
        target: &str,
        call: AssignCall<'_>,
    ) -> Result<Option<RemoteTarget>, VendorError> {
        self.assign_member(target, call.one(Vendor::Vambe)?, call.replace)
            .await
            .map(|()| None)
    }
}

// --- What the app knows about Vambe. ---

pub static VENDOR: Descriptor = Descriptor {
    vendor: Vendor::Vambe,
    color: "grape",
    capabilities: CAPABILITIES,
    pace: None,
    hosts: &HOSTS,
    default_base_url: HOSTS[0],
    secret_name: "API key",
    fields: &[FormField::secret("API key", "", "From Vambe's settings.")],
    resolve: |_, url, _| host_only(or_default(url, &HOSTS)?, Vendor::Vambe, HOSTS[0]),
    hints: &[Hint::contains(
        "team member not found",
        "Vambe does not know this team member any more: sync the connection and choose again.",
    )],
    connect: |setup| keyed(setup, Client::new),
};
