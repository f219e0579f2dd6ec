//! Pingup (Pingueen): a WhatsApp business CRM. Base `https://api.pingup.ai/ext/v2/{business}`
//! (or the `api.pingueen.it` host), `Authorization: Bearer <secret key>`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{Timestamp, Vendor};
use switchboard_secrets::Secret;

use crate::http::{Answer, Transport};
use crate::parse::{iso_to_ts, to_iso};
use crate::wire::{common_error, decode, id_text, message};
use crate::{
    AccountInfo, Capabilities, Cursor, HttpOptions, Pacer, Page, RemoteAssignee, RemoteTarget,
    VendorError,
};

pub const CAPABILITIES: Capabilities = Capabilities {
    target_kind: Some(TargetKind::Client),
    list_targets: true,
    read_assignees: true,
    several_assignees: true,
    assign_many_in_one_call: true,
    expiry: true,
    notes: true,
    ..Capabilities::NONE
};

/// The hosts Pingup's docs and samples use.
pub const HOSTS: [&str; 2] = ["https://api.pingup.ai", "https://api.pingueen.it"];
/// The expiry Pingup applies when none is given.
pub const DEFAULT_UNTIL: &str = "2143-06-23";
/// The documented maximum page size.
const PAGE: u64 = 100;

// --- Wire types: Pingup's JSON as it is. ---

#[derive(Debug, Deserialize)]
struct WireMe {
    #[serde(default)]
    ds_name: Option<String>,
    #[serde(default)]
    ds_business: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireClient {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    ds_name: Option<String>,
    #[serde(default)]
    ds_surname: Option<String>,
    #[serde(default)]
    ds_phone: Option<Value>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    dt_last_message: Option<String>,
    /// `[{agent, dt_until}]`, or (one source) a plain list of agent ids.
    #[serde(default)]
    manual_assignees: Option<Vec<Value>>,
    #[serde(default)]
    ds_notes: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireAssigned {
    client: WireClient,
}

// --- Mapping. ---

fn target(c: WireClient) -> RemoteTarget {
    let name = [c.ds_name.as_deref(), c.ds_surname.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let notes = c.ds_notes.clone();
    let assignees = c.manual_assignees.map(|list| {
        list.iter()
            .filter_map(|a| {
                let (id, until) = match a {
                    Value::Object(o) => (
                        o.get("agent").and_then(id_text),
                        o.get("dt_until").and_then(Value::as_str),
                    ),
                    other => (id_text(other), None),
                };
                id.map(|agent_vendor_id| RemoteAssignee {
                    agent_vendor_id,
                    until: iso_to_ts(until),
                    notes: notes.clone(),
                })
            })
            .collect()
    });
    RemoteTarget {
        kind: TargetKind::Client,
        vendor_id: c.id,
        name: (!name.is_empty()).then_some(name),
        phone: c
            .ds_phone
            .as_ref()
            .and_then(id_text)
            .map(|p| p.chars().filter(char::is_ascii_digit).collect()),
        email: c.email.filter(|e| !e.trim().is_empty()),
        status: None,
        last_activity_at: iso_to_ts(c.dt_last_message.as_deref()),
        updated_at: None,
        assignees,
    }
}

/// Pingup's 400 messages name what is wrong; say which field.
fn error(answer: &Answer, what: &str) -> VendorError {
    if answer.status.as_u16() == 400 {
        let message = message(&answer.body);
        let field = if message.contains("dt_until") {
            "dt_until"
        } else {
            "agents"
        };
        return VendorError::InvalidInput {
            field: field.into(),
            message,
        };
    }
    common_error(answer, what)
}

/// One agent to assign, with its expiry (`None`: Pingup's default, 2143-06-23).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub agent: String,
    pub until: Option<Timestamp>,
}

// --- The client. ---

pub struct Client {
    transport: Transport,
    api: String,
    key: Secret,
}

impl Client {
    /// `base` is the host (`https://api.pingup.ai`); the business name is the
    /// account's name in Pingup's dashboard.
    pub fn new(
        base: &BaseUrl,
        business: &str,
        key: Secret,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        let business = business.trim();
        if business.is_empty()
            || business.contains('/')
            || business.chars().any(char::is_whitespace)
        {
            return Err(VendorError::invalid(
                "business_name",
                "enter the business name as it appears in Pingup's URL, e.g. acme-demo",
            ));
        }
        if key.is_blank() {
            return Err(VendorError::invalid(
                "secret_key",
                "enter the secret key from Pingup's dashboard settings",
            ));
        }
        let api = format!("{}/ext/v2/{business}", base.as_str());
        Ok(Self {
            transport: Transport::new(Vendor::Pingup, options, pacer)?,
            api,
            key,
        })
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, VendorError> {
        let url = format!("{}{path}", self.api);
        self.transport
            .send(|c| c.get(&url).bearer_auth(self.key.expose()).query(query))
            .await
    }

    /// `GET /me`: proves the key and the business name.
    pub async fn me(&self) -> Result<AccountInfo, VendorError> {
        let answer = self.get("/me", &[]).await?;
        if !answer.status.is_success() {
            return Err(error(&answer, "business"));
        }
        let me: WireMe = decode(&answer)?;
        Ok(AccountInfo::named(me.ds_name.or(me.ds_business)))
    }

    /// One page of clients (100 at a time), with their assignees.
    pub async fn clients(
        &self,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        let skip = match cursor {
            Some(Cursor::Offset(n)) => *n,
            _ => 0,
        };
        let answer = self
            .get(
                "/clients",
                &[("limit", PAGE.to_string()), ("skip", skip.to_string())],
            )
            .await?;
        if !answer.status.is_success() {
            return Err(error(&answer, "business"));
        }
        let list: Vec<WireClient> = decode(&answer)?;
        let full = list.len() as u64 >= PAGE;
        Ok(Page {
            next: full.then(|| Cursor::Offset(skip + list.len() as u64)),
            items: list.into_iter().map(target).collect(),
            total: None,
        })
    }

    /// One client by id (`None` when Pingup has none with it).
    pub async fn client(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        let answer = self
            .get("/clients", &[("_id", id.trim().to_owned())])
            .await?;
        if !answer.status.is_success() {
            return Err(error(&answer, "business"));
        }
        let list: Vec<WireClient> = decode(&answer)?;
        Ok(list.into_iter().find(|c| c.id == id.trim()).map(target))
    }

    /// Assigns one or several agents in one call, each with an expiry, plus notes.
    /// Agents already assigned get the new expiry. Idempotent.
    pub async fn assign(
        &self,
        client: &str,
        agents: &[Assignment],
        notes: Option<&str>,
    ) -> Result<RemoteTarget, VendorError> {
        if agents.is_empty() {
            return Err(VendorError::invalid("agents", "choose at least one agent"));
        }
        if agents.iter().any(|a| a.agent.trim().is_empty()) {
            return Err(VendorError::invalid("agents", "an agent has no id"));
        }
        let mut body = json!({
            "agents": agents.iter().map(|a| {
                let mut entry = json!({"agent": a.agent.trim()});
                if let Some(until) = a.until {
                    entry["dt_until"] = Value::from(to_iso(until));
                }
                entry
            }).collect::<Vec<_>>(),
        });
        if let Some(notes) = notes {
            body["ds_notes"] = Value::from(notes);
        }
        let url = format!("{}/clients/{}/assign-agents", self.api, client.trim());
        let answer = self
            .transport
            .send(|c| c.post(&url).bearer_auth(self.key.expose()).json(&body))
            .await?;
        if !answer.status.is_success() {
            return Err(error(&answer, "client"));
        }
        // The updated client, as the simulator answers. Any other success (an
        // empty body, other words) is `Unexpected`: the caller reads the client
        // back to learn whether the change took.
        decode::<WireAssigned>(&answer).map(|done| target(done.client))
    }
}
