//! Splashify Pro: WhatsApp business messaging. Base `https://apis.splashifypro.com/api/v1`,
//! `Authorization: Basic <API key>` with the key as is, 100 requests per minute.
//! Conversations are addressed by the customer's phone and assigned by agent email;
//! no email releases the chat. There is no endpoint that lists agents.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_domain::agent::validate_email;
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{Timestamp, Vendor};
use switchboard_secrets::Secret;

use crate::descriptor::{Descriptor, FormField, Hint, keyed};
use crate::form::{or_default, with_path};
use crate::http::{Answer, Auth, Credentials, Endpoint};
use crate::parse::{iso_to_ts, normalize_phone};
use crate::wire::{acknowledged, common_error, decode, id_text, message};
use crate::{
    AccountInfo, AssignCall, Capabilities, Cursor, HttpOptions, Pace, Pacer, Page, RemoteAssignee,
    RemoteTarget, VendorApi, VendorError,
};

pub const CAPABILITIES: Capabilities = Capabilities {
    target_kind: Some(TargetKind::Conversation),
    list_targets: true,
    release: true,
    agents_by_email: true,
    ..Capabilities::NONE
};

pub const PACE: Pace = Pace::per_minute(100);
pub const HOST: &str = "https://apis.splashifypro.com/api/v1";
const PAGE: u64 = 100;

#[derive(Debug, Deserialize)]
struct WireUsers {
    data: WireUsersData,
}

#[derive(Debug, Deserialize)]
struct WireUsersData {
    #[serde(default)]
    total_customers: Option<u64>,
    #[serde(default)]
    has_next_page: Option<bool>,
    #[serde(default)]
    customers: Vec<WireCustomer>,
}

#[derive(Debug, Deserialize)]
struct WireCustomer {
    #[serde(default)]
    phone_number: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    last_message_at: Option<String>,
    /// Not in the public docs: read when present.
    #[serde(default)]
    assigned_agent: Option<Option<WireAgent>>,
}

#[derive(Debug, Deserialize)]
struct WireAgent {
    #[serde(default)]
    email: Option<String>,
}

fn target(c: WireCustomer) -> Option<RemoteTarget> {
    let phone: String = c
        .phone_number
        .as_ref()
        .and_then(id_text)?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if phone.is_empty() {
        return None;
    }
    Some(RemoteTarget {
        kind: TargetKind::Conversation,
        vendor_id: phone.clone(),
        name: c.name.filter(|n| !n.trim().is_empty()),
        phone: Some(phone),
        email: c.email.filter(|e| !e.trim().is_empty()),
        status: None,
        last_activity_at: iso_to_ts(c.last_message_at.as_deref()),
        updated_at: None,
        assignees: c.assigned_agent.map(|a| {
            a.and_then(|a| a.email)
                .map(|email| RemoteAssignee {
                    agent_vendor_id: email.to_lowercase(),
                    until: None,
                    notes: None,
                })
                .into_iter()
                .collect()
        }),
    })
}

/// Splashify's documented 400 messages, each with the field to fix.
fn error(answer: &Answer) -> VendorError {
    if answer.status.as_u16() == 400 {
        let message = message(&answer.body);
        return match message.as_str() {
            "Conversation not found" => VendorError::NotFound {
                what: "conversation".into(),
                message,
            },
            m if m.starts_with("Agent") => VendorError::InvalidInput {
                field: "agent_email".into(),
                message,
            },
            m if m.contains("phone") => VendorError::InvalidInput {
                field: "user_phone_number".into(),
                message,
            },
            _ => VendorError::InvalidInput {
                field: "request".into(),
                message,
            },
        };
    }
    common_error(answer, "conversation")
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
            // The SDK sends the configured key verbatim after "Basic".
            auth: Auth::Verbatim("Basic"),
            field: "api_key",
            missing: "enter the API key (it starts with sk_live_)",
        };
        Ok(Self {
            endpoint: Endpoint::new(Vendor::Splashify, base, credentials, options, pacer, error)?,
        })
    }

    async fn post(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: &Value,
    ) -> Result<Answer, VendorError> {
        self.endpoint
            .call(Method::POST, path, query, Some(body))
            .await
    }

    /// Assigns the conversation with `phone` to the agent with `email`. The phone
    /// is normalised (`+91 98765-43210` becomes `919876543210`) or refused before
    /// sending. Idempotent.
    pub async fn assign_email(&self, phone: &str, email: &str) -> Result<(), VendorError> {
        // An empty email releases the chat at Splashify: only `release` sends one.
        let email = validate_email("agent_email", email)?;
        self.assignment(phone, &email).await
    }

    async fn assignment(&self, phone: &str, email: &str) -> Result<(), VendorError> {
        let phone = normalize_phone("user_phone_number", phone)?;
        let body = json!({"user_phone_number": phone, "agent_email": email});
        let answer = self.post("/public/assignment/", &[], &body).await?;
        // 200 {"result":true,...}; anything else does not confirm the change.
        acknowledged(&answer, "result")
    }
}

#[async_trait]
impl VendorApi for Client {
    fn vendor(&self) -> Vendor {
        Vendor::Splashify
    }

    /// The cheapest read (one contact) proves the key.
    async fn check(&self) -> Result<AccountInfo, VendorError> {
        let query = [("offset", "0".to_owned()), ("limit", "1".to_owned())];
        let answer = self
            .post("/public/apis/users/", &query, &json!({"filters": []}))
            .await?;
        let _: WireUsers = decode(&answer)?;
        Ok(AccountInfo::named(None))
    }

    /// One page of contacts (conversations by phone), 100 at a time.
    async fn targets(
        &self,
        _since: Option<Timestamp>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        let offset = match cursor {
            Some(Cursor::Offset(n)) => *n,
            _ => 0,
        };
        let query = [("offset", offset.to_string()), ("limit", PAGE.to_string())];
        let answer = self
            .post("/public/apis/users/", &query, &json!({"filters": []}))
            .await?;
        let users: WireUsers = decode(&answer)?;
        let received = users.data.customers.len() as u64;
        let more = users.data.has_next_page.unwrap_or(received >= PAGE) && received > 0;
        Ok(Page {
            items: users
                .data
                .customers
                .into_iter()
                .filter_map(target)
                .collect(),
            next: more.then(|| Cursor::Offset(offset + received)),
            total: users.data.total_customers,
        })
    }

    /// One agent (by email) per conversation (by phone).
    async fn assign(
        &self,
        target: &str,
        call: AssignCall<'_>,
    ) -> Result<Option<RemoteTarget>, VendorError> {
        let email = call.one(Vendor::Splashify)?;
        self.assign_email(target, email).await.map(|()| None)
    }

    /// Releases the conversation with `phone` (an empty `agent_email`, as documented).
    async fn release(&self, phone: &str) -> Result<Option<RemoteTarget>, VendorError> {
        self.assignment(phone, "").await.map(|()| None)
    }
}

// --- What the app knows about Splashify Pro. ---

pub static VENDOR: Descriptor = Descriptor {
    vendor: Vendor::Splashify,
    color: "green",
    capabilities: CAPABILITIES,
    pace: Some(PACE),
    hosts: &[HOST],
    default_base_url: HOST,
    secret_name: "API key",
    fields: &[FormField::secret(
        "API key",
        "sk_live_…",
        "From Splashify Pro's developer settings.",
    )],
    resolve: |_, url, _| {
        with_path(
            or_default(url, &[HOST])?,
            "/api/v1",
            Vendor::Splashify,
            "https://apis.splashifypro.com/api/v1",
        )
    },
    hints: &[
        Hint::contains(
            "conversation not found",
            "The customer has not written yet: once they message your WhatsApp number, assign again.",
        ),
        Hint::contains(
            "agent inactive",
            "The agent's access is disabled in Splashify Pro (Settings → Team): reactivate them or choose another agent.",
        ),
        Hint::exactly(
            "agent not found",
            "The vendor no longer knows this agent: update the agent list (sync, or import them again) and choose again.",
        ),
    ],
    connect: |setup| keyed(setup, Client::new),
};
