//! Google Contact Center AI Platform (formerly UJET). Base `https://{subdomain}.{domain}`,
//! HTTP Basic (subdomain or company key, API token), 10 requests per second. The
//! Apps API reads and sets agent statuses for agents and whole teams, with
//! per-agent results; the Manager API lists agents, teams and statuses.

mod activity;

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_domain::connection::BaseUrl;
use switchboard_domain::{Timestamp, ValidationError, Vendor};
use switchboard_secrets::Secret;

use crate::descriptor::{Descriptor, FormField, Setup};
use crate::form::{ConnectionForm, Settings, host_only, origin_of, path_of, set, text};
use crate::http::{Answer, Auth, Credentials, Endpoint};
use crate::parse::{iso_to_ts, to_iso};
use crate::wire::{common_error, decode, id_text, message};
use crate::{
    AccountInfo, ActivityRecord, Capabilities, Cursor, HttpOptions, Pace, Pacer, Page, RemoteAgent,
    RemoteStatus, RemoteTeam, StatusOption, StatusResult, VendorApi, VendorError,
};

pub const CAPABILITIES: Capabilities = Capabilities {
    list_agents: true,
    list_teams: true,
    read_statuses: true,
    status_changes_since: true,
    activity_log: true,
    set_statuses: true,
    set_team_statuses: true,
    ..Capabilities::NONE
};

pub const PACE: Pace = Pace::per_second(10);
/// Statuses only the platform sets (Missed Call, Wrap-up, In-call, In-chat,
/// Offline): the API can neither set nor leave them.
pub const PLATFORM_ONLY: [&str; 5] = ["-5", "-6", "-7", "-8", "-10"];
const PER: u32 = 100;

#[derive(Debug, Deserialize)]
struct WireStatus {
    id: Value,
    name: String,
    #[serde(default)]
    color: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireTeamRef {
    id: Value,
}

#[derive(Debug, Deserialize)]
struct WireAgent {
    id: Value,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    status: Option<WireStatus>,
    #[serde(default)]
    status_updated_at: Option<String>,
    #[serde(default)]
    teams: Option<Vec<WireTeamRef>>,
}

#[derive(Debug, Deserialize)]
struct WireTeam {
    id: Value,
    name: String,
    #[serde(default)]
    parent_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct WireAgentStatus {
    agent_id: Value,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireResult {
    agent_id: Value,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    previous_status: Option<String>,
    #[serde(default)]
    current_status: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// The statuses Switchboard offers to set: Available (id 0) and the tenant's
/// own, never one the platform alone sets, and never a custom one that shares its
/// name with a system status (the API sets by name and would pick the system one).
fn offer(mut list: Vec<StatusOption>) -> Vec<StatusOption> {
    let system_names: Vec<String> = list
        .iter()
        .filter(|s| s.system)
        .map(|s| s.name.to_lowercase())
        .collect();
    for s in &mut list {
        let shadowed = !s.system && system_names.contains(&s.name.to_lowercase());
        s.offered = s.settable && (!s.system || s.id == "0") && !shadowed;
    }
    list
}

fn status_option(s: WireStatus) -> Option<StatusOption> {
    let id = id_text(&s.id)?;
    let system = id.parse::<i64>().map(|n| n <= 0).unwrap_or(false);
    Some(StatusOption {
        settable: !PLATFORM_ONLY.contains(&id.as_str()),
        offered: false,
        id,
        name: s.name,
        color: s.color,
        system,
    })
}

fn agent(a: WireAgent) -> Option<RemoteAgent> {
    let vendor_id = id_text(&a.id)?;
    let name = [a.first_name.as_deref(), a.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Some(RemoteAgent {
        name: if name.trim().is_empty() {
            vendor_id.clone()
        } else {
            name
        },
        vendor_id,
        email: a.email.filter(|e| !e.trim().is_empty()),
        role: None,
        active: true,
        status: a.status.map(|s| RemoteStatus {
            id: id_text(&s.id),
            name: s.name,
            since: iso_to_ts(a.status_updated_at.as_deref()),
        }),
        team_ids: a
            .teams
            .unwrap_or_default()
            .iter()
            .filter_map(|t| id_text(&t.id))
            .collect(),
    })
}

/// CCAI Platform's 400 messages say which part of the request is wrong.
fn error(answer: &Answer) -> VendorError {
    if answer.status.as_u16() == 400 {
        let message = message(&answer.body);
        let field = if message.starts_with("agent ") {
            "agents"
        } else if message.starts_with("team ") {
            "teams"
        } else {
            "status"
        };
        return VendorError::InvalidInput {
            field: field.into(),
            message,
        };
    }
    common_error(answer, "agent")
}

/// The URL of a `Link` header's `rel="next"`.
fn next_link(answer: &Answer) -> Option<String> {
    let link = answer.headers.get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',')
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| {
            let start = part.find('<')? + 1;
            let end = part.find('>')?;
            Some(part[start..end].to_owned())
        })
}

/// One page of a Manager API listing: its items, where `Link: rel="next"`
/// goes on, and the `Total` header.
fn listing<W: serde::de::DeserializeOwned, T>(
    answer: &Answer,
    item: impl Fn(W) -> Option<T>,
) -> Result<Page<T>, VendorError> {
    let total = answer
        .headers
        .get("total")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let list: Vec<W> = decode(answer)?;
    Ok(Page {
        items: list.into_iter().filter_map(item).collect(),
        next: next_link(answer).map(Cursor::Url),
        total,
    })
}

pub struct Client {
    endpoint: Endpoint,
}

impl Client {
    /// `user` is the subdomain (older tenants: the company key); the token is the
    /// API token (older: the company secret).
    pub fn new(
        base: &BaseUrl,
        user: &str,
        token: Secret,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        let user = user.trim();
        if user.is_empty() || user.contains(':') {
            return Err(VendorError::invalid(
                "username",
                "enter the subdomain (or company key) as the user; it cannot contain ':'",
            ));
        }
        let credentials = Credentials {
            secret: token,
            auth: Auth::Basic(user.to_owned()),
            field: "api_token",
            missing: "enter the API token from CCAI Platform's settings",
        };
        Ok(Self {
            endpoint: Endpoint::new(
                Vendor::CcaiPlatform,
                base,
                credentials,
                options,
                pacer,
                error,
            )?,
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, VendorError> {
        self.endpoint.call(method, path, &[], body).await
    }

    /// One page of the agents listing: the first at `first` (a path), the
    /// others where the previous page's `Link: rel="next"` says.
    async fn agents_page(
        &self,
        first: &str,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteAgent>, VendorError> {
        let url = match cursor {
            Some(Cursor::Url(url)) => url.clone(),
            _ => self.endpoint.url(first),
        };
        let answer = self.endpoint.call_url(Method::GET, &url, &[], None).await?;
        listing(&answer, agent)
    }

    /// The current status of the listed agents and teams' agents (all agents when
    /// both lists are empty), as `(agent id, status name)`.
    pub async fn agent_statuses(
        &self,
        agents: &[String],
        teams: &[String],
    ) -> Result<Vec<(String, String)>, VendorError> {
        let body =
            json!({"agent_ids": numbers("agents", agents)?, "team_ids": numbers("teams", teams)?});
        let answer = self
            .call(Method::GET, "/apps/api/v1/agent_statuses", Some(&body))
            .await?;
        let list: Vec<WireAgentStatus> = decode(&answer)?;
        Ok(list
            .into_iter()
            .filter_map(|s| Some((id_text(&s.agent_id)?, s.status.unwrap_or_default())))
            .collect())
    }
}

#[async_trait]
impl VendorApi for Client {
    fn vendor(&self) -> Vendor {
        Vendor::CcaiPlatform
    }

    /// The cheapest read (the tenant's statuses) proves the credentials.
    async fn check(&self) -> Result<AccountInfo, VendorError> {
        self.statuses().await.map(|_| AccountInfo::named(None))
    }

    /// The tenant's statuses, system and custom, with whether each can be set.
    async fn statuses(&self) -> Result<Vec<StatusOption>, VendorError> {
        let answer = self
            .call(Method::GET, "/manager/api/v1/user_statuses", None)
            .await?;
        let list: Vec<WireStatus> = decode(&answer)?;
        Ok(offer(list.into_iter().filter_map(status_option).collect()))
    }

    /// One page of agents with their status and teams; follows `Link: rel="next"`.
    async fn agents(&self, cursor: Option<&Cursor>) -> Result<Page<RemoteAgent>, VendorError> {
        let first = format!("/manager/api/v1/agents?page=1&per={PER}");
        self.agents_page(&first, cursor).await
    }

    /// The agents listing sorted by `status_updated_at` and filtered from
    /// `since` (inclusive), as the published `tap-ujet` reads it.
    async fn agents_changed_since(
        &self,
        since: Timestamp,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteAgent>, VendorError> {
        let first = format!(
            "/manager/api/v1/agents?sort_column=status_updated_at&sort_direction=ASC&status_updated_at%5Bfrom%5D={}&page=1&per={PER}",
            to_iso(since)
        );
        self.agents_page(&first, cursor).await
    }

    /// The agent activity log from `since`, oldest first; follows `Link: rel="next"`.
    async fn activity_log(
        &self,
        since: Timestamp,
        cursor: Option<&Cursor>,
    ) -> Result<Page<ActivityRecord>, VendorError> {
        let url = match cursor {
            Some(Cursor::Url(url)) => url.clone(),
            _ => self.endpoint.url(&activity::first_page(since, PER)),
        };
        let answer = self.endpoint.call_url(Method::GET, &url, &[], None).await?;
        listing(&answer, activity::record)
    }

    async fn teams(&self) -> Result<Vec<RemoteTeam>, VendorError> {
        let answer = self
            .call(Method::GET, "/manager/api/v1/teams", None)
            .await?;
        let list: Vec<WireTeam> = decode(&answer)?;
        Ok(list
            .into_iter()
            .filter_map(|t| {
                Some(RemoteTeam {
                    vendor_id: id_text(&t.id)?,
                    name: t.name,
                    parent_vendor_id: t.parent_id.as_ref().and_then(id_text),
                    member_ids: None,
                })
            })
            .collect())
    }

    /// Moves the agents, and every agent of the teams, to `status` in one call.
    /// `status` must be one of `statuses()`: the call sends its name, so it is
    /// refused first if it cannot be set or if a system status has the same name
    /// (the platform would set that one instead).
    async fn set_status(
        &self,
        status: &StatusOption,
        tenant: &[StatusOption],
        agents: &[String],
        teams: &[String],
    ) -> Result<Vec<StatusResult>, VendorError> {
        if !status.settable {
            return Err(VendorError::invalid(
                "status",
                format!(
                    "'{}' is set by the platform only; choose Available or a custom status",
                    status.name
                ),
            ));
        }
        if !status.system
            && tenant
                .iter()
                .any(|s| s.system && s.name.eq_ignore_ascii_case(&status.name))
        {
            return Err(VendorError::invalid(
                "status",
                format!(
                    "the custom status '{}' has the same name as a system status, and CCAI Platform would set the system one; rename it in CCAI Platform to use it here",
                    status.name
                ),
            ));
        }
        if agents.is_empty() && teams.is_empty() {
            return Err(VendorError::invalid(
                "agents",
                "choose at least one agent or team",
            ));
        }
        let body = json!({"status": status.name, "agent_ids": numbers("agents", agents)?, "team_ids": numbers("teams", teams)?});
        let answer = self
            .call(Method::POST, "/apps/api/v1/agent_statuses", Some(&body))
            .await?;
        let list: Vec<WireResult> = decode(&answer)?;
        Ok(list
            .into_iter()
            .filter_map(|r| {
                Some(StatusResult {
                    agent_vendor_id: id_text(&r.agent_id)?,
                    name: r.name,
                    changed: r.message.is_none(),
                    previous: r.previous_status.unwrap_or_default(),
                    current: r.current_status.unwrap_or_default(),
                    message: r.message,
                })
            })
            .collect())
    }
}

// --- What the app knows about CCAI Platform. ---

/// Settings a CCAI Platform connection stores.
pub const USERNAME: &str = "username";
const SUBDOMAIN: &str = "subdomain";
const DOMAIN: &str = "domain";

fn subdomain_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
}

fn resolve(
    form: &ConnectionForm,
    url: Option<BaseUrl>,
    settings: &mut Settings,
) -> Result<BaseUrl, ValidationError> {
    let vendor = Vendor::CcaiPlatform;
    let base = match url {
        Some(url) => {
            let path = path_of(&url);
            if path.starts_with("/apps/api") || path.starts_with("/manager/api") {
                origin_of(&url)?
            } else {
                host_only(url, vendor, "https://acme.uc1.ccaiplatform.com")?
            }
        }
        None => {
            let sub = text(&form.subdomain).ok_or_else(|| {
                ValidationError::new(
                    SUBDOMAIN,
                    "enter the subdomain, e.g. acme in acme.uc1.ccaiplatform.com",
                )
            })?;
            if !subdomain_ok(sub) {
                return Err(ValidationError::new(
                    SUBDOMAIN,
                    format!(
                        "'{sub}' is not a subdomain; use letters, digits and dashes, e.g. acme"
                    ),
                ));
            }
            let domain = text(&form.domain).ok_or_else(|| {
                ValidationError::new(DOMAIN, "enter the domain, e.g. uc1.ccaiplatform.com")
            })?;
            let domain = domain
                .trim_start_matches("https://")
                .trim_start_matches('.')
                .trim_end_matches('/');
            set(settings, SUBDOMAIN, sub);
            set(settings, DOMAIN, domain);
            BaseUrl::parse(&format!("https://{sub}.{domain}"))
                .map_err(|e| ValidationError::new(DOMAIN, e.message))?
        }
    };
    let user = text(&form.username)
        .or(text(&form.subdomain))
        .ok_or_else(|| {
            ValidationError::new(
                USERNAME,
                "enter the user: your subdomain, or the company key on older tenants",
            )
        })?;
    if user.contains(':') {
        return Err(ValidationError::new(
            USERNAME,
            "the user cannot contain ':'",
        ));
    }
    set(settings, USERNAME, user);
    Ok(base)
}

fn connect(setup: Setup<'_>) -> Result<Box<dyn VendorApi>, VendorError> {
    let user = setup.setting(USERNAME).to_owned();
    Ok(Box::new(Client::new(
        setup.base,
        &user,
        setup.secret,
        setup.options,
        setup.pacer,
    )?))
}

pub static VENDOR: Descriptor = Descriptor {
    vendor: Vendor::CcaiPlatform,
    color: "orange",
    capabilities: CAPABILITIES,
    pace: Some(PACE),
    hosts: &[],
    default_base_url: "https://{subdomain}.{domain}",
    secret_name: "API token",
    fields: &[
        FormField::text(
            SUBDOMAIN,
            "Subdomain",
            false,
            "acme",
            "acme in https://acme.uc1.ccaiplatform.com",
        ),
        FormField::text(
            DOMAIN,
            "Domain",
            false,
            "uc1.ccaiplatform.com",
            "The rest of your tenant's address.",
        ),
        FormField::text(
            USERNAME,
            "User",
            false,
            "acme",
            "The subdomain; on older tenants the company key.",
        ),
        FormField::secret("API token", "", "On older tenants: the company secret."),
    ],
    resolve,
    hints: &[],
    connect,
};

/// CCAI Platform ids are integers; refuse anything else before sending.
fn numbers(field: &str, ids: &[String]) -> Result<Vec<u64>, VendorError> {
    ids.iter()
        .map(|id| {
            id.trim().parse::<u64>().map_err(|_| {
                VendorError::invalid(
                    field,
                    format!("'{id}' is not a CCAI Platform id; they are whole numbers"),
                )
            })
        })
        .collect()
}
