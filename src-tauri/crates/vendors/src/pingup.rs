//! Pingup (Pingueen): a WhatsApp business CRM. Base `https://api.pingup.ai/ext/v2/{business}`
//! (or the `api.pingueen.it` host), `Authorization: Bearer <secret key>`.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::target::TargetKind;
use switchboard_domain::{Timestamp, ValidationError, Vendor};
use switchboard_secrets::Secret;

use crate::descriptor::{Descriptor, FormField, Hint, Setup};
use crate::form::{ConnectionForm, Settings, host_only, origin_of, path_of, set, text};
use crate::http::{Answer, Auth, Credentials, Endpoint};
use crate::parse::{iso_to_ts, to_iso};
use crate::wire::{common_error, decode, id_text, message};
use crate::{
    AccountInfo, AssignCall, Capabilities, Cursor, HttpOptions, Pacer, Page, RemoteAssignee,
    RemoteTarget, VendorApi, VendorError,
};

/// Settings a Pingup connection stores.
pub const BUSINESS_NAME: &str = "business_name";
const HOST: &str = "host";

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

/// A client as Switchboard sees it. An entry whose `dt_until` is at or before
/// now is an ended assignment (re-assigning with `dt_until` now is how one is
/// ended): it is not among the assignees.
fn target(c: WireClient) -> RemoteTarget {
    let now = Timestamp::now();
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
                let until = iso_to_ts(until);
                if until.is_some_and(|u| u <= now) {
                    return None;
                }
                id.map(|agent_vendor_id| RemoteAssignee {
                    agent_vendor_id,
                    until,
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
    endpoint: Endpoint,
    /// `{base}/ext/v2/{business}`.
    api: String,
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
                BUSINESS_NAME,
                "enter the business name as it appears in Pingup's URL, e.g. acme-demo",
            ));
        }
        let credentials = Credentials {
            secret: key,
            auth: Auth::Bearer,
            field: "secret_key",
            missing: "enter the secret key from Pingup's dashboard settings",
        };
        let endpoint = Endpoint::new(
            Vendor::Pingup,
            base,
            credentials,
            options,
            pacer,
            |answer| error(answer, "business"),
        )?;
        Ok(Self {
            api: endpoint.url(&format!("/ext/v2/{business}")),
            endpoint,
        })
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, VendorError> {
        let url = format!("{}{path}", self.api);
        self.endpoint.call_url(Method::GET, &url, query, None).await
    }

    /// Assigns one or several agents in one call, each with an expiry, plus notes.
    /// Agents already assigned get the new expiry. Idempotent.
    pub async fn assign_agents(
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
            .endpoint
            .send(Method::POST, &url, &[], Some(&body))
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

#[async_trait]
impl VendorApi for Client {
    fn vendor(&self) -> Vendor {
        Vendor::Pingup
    }

    /// `GET /me`: proves the key and the business name.
    async fn check(&self) -> Result<AccountInfo, VendorError> {
        let me: WireMe = decode(&self.get("/me", &[]).await?)?;
        Ok(AccountInfo::named(me.ds_name.or(me.ds_business)))
    }

    /// One page of clients (100 at a time), with their assignees.
    async fn targets(
        &self,
        _since: Option<Timestamp>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        let skip = match cursor {
            Some(Cursor::Offset(n)) => *n,
            _ => 0,
        };
        let query = [("limit", PAGE.to_string()), ("skip", skip.to_string())];
        let list: Vec<WireClient> = decode(&self.get("/clients", &query).await?)?;
        let full = list.len() as u64 >= PAGE;
        Ok(Page {
            next: full.then(|| Cursor::Offset(skip + list.len() as u64)),
            items: list.into_iter().map(target).collect(),
            total: None,
        })
    }

    /// One client by id (`None` when Pingup has none with it).
    async fn target(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        let answer = self
            .get("/clients", &[("_id", id.trim().to_owned())])
            .await?;
        let list: Vec<WireClient> = decode(&answer)?;
        Ok(list.into_iter().find(|c| c.id == id.trim()).map(target))
    }

    /// All the agents in one call, each with the expiry, plus the notes.
    async fn assign(
        &self,
        target: &str,
        call: AssignCall<'_>,
    ) -> Result<Option<RemoteTarget>, VendorError> {
        let list: Vec<Assignment> = call
            .agents
            .iter()
            .map(|a| Assignment {
                agent: a.clone(),
                until: call.until,
            })
            .collect();
        self.assign_agents(target, &list, call.notes)
            .await
            .map(Some)
    }
}

// --- What the app knows about Pingup. ---

fn resolve(
    form: &ConnectionForm,
    url: Option<BaseUrl>,
    settings: &mut Settings,
) -> Result<BaseUrl, ValidationError> {
    let mut business = text(&form.business_name).map(str::to_owned);
    let base = match url {
        Some(url) => {
            // A pasted documented base (`…/ext/v2/acme`) gives its host and business.
            let path = path_of(&url);
            if let Some(rest) = path.strip_prefix("/ext/v2/") {
                let from_url = rest.split('/').next().unwrap_or_default();
                match &business {
                    Some(b) if b != from_url => {
                        return Err(ValidationError::new(
                            "base_url",
                            format!(
                                "the URL names business '{from_url}' but the business name is '{b}'; make them the same"
                            ),
                        ));
                    }
                    _ => business = Some(from_url.to_owned()),
                }
                origin_of(&url)?
            } else {
                host_only(url, Vendor::Pingup, "https://api.pingup.ai")?
            }
        }
        None => {
            let host = text(&form.host)
                .unwrap_or("api.pingup.ai")
                .trim_start_matches("https://");
            let known = HOSTS
                .iter()
                .find(|h| h.trim_start_matches("https://") == host)
                .ok_or_else(|| {
                    ValidationError::new(
                        HOST,
                        format!("'{host}' is not a Pingup host; choose api.pingup.ai or api.pingueen.it, or set a base URL"),
                    )
                })?;
            set(settings, HOST, host);
            BaseUrl::parse(known)?
        }
    };
    let business = business.ok_or_else(|| {
        ValidationError::new(
            BUSINESS_NAME,
            "enter the business name from your Pingup URLs, e.g. acme-demo",
        )
    })?;
    if business.contains('/') || business.chars().any(char::is_whitespace) {
        return Err(ValidationError::new(
            BUSINESS_NAME,
            "a business name has no spaces or slashes, e.g. acme-demo",
        ));
    }
    set(settings, BUSINESS_NAME, &business);
    Ok(base)
}

fn connect(setup: Setup<'_>) -> Result<Box<dyn VendorApi>, VendorError> {
    let business = setup.setting(BUSINESS_NAME).to_owned();
    Ok(Box::new(Client::new(
        setup.base,
        &business,
        setup.secret,
        setup.options,
        setup.pacer,
    )?))
}

pub static VENDOR: Descriptor = Descriptor {
    vendor: Vendor::Pingup,
    color: "pink",
    capabilities: CAPABILITIES,
    pace: None,
    hosts: &HOSTS,
    default_base_url: HOSTS[0],
    secret_name: "secret key",
    fields: &[
        FormField::text(
            BUSINESS_NAME,
            "Business name",
            true,
            "acme-demo",
            "As it appears in your Pingup API URLs.",
        ),
        FormField::text(
            HOST,
            "Host",
            false,
            "api.pingup.ai",
            "api.pingup.ai, or api.pingueen.it for Pingueen accounts.",
        ),
        FormField::secret(
            "Secret key",
            "eyJhbGciOi…",
            "From Pingup's dashboard settings.",
        ),
    ],
    resolve,
    hints: &[Hint::contains(
        "not found or not authorized",
        "Pingup does not know this agent id for your business: check it in Pingup's dashboard.",
    )],
    connect,
};
