//! One adapter per connection, whichever the vendor: built from the connection's
//! base URL, non-secret settings and secret, and answering the same questions.
//! This is the one list a new vendor is added to.

use std::sync::Arc;

use switchboard_domain::connection::BaseUrl;
use switchboard_domain::{Timestamp, Vendor};
use switchboard_secrets::Secret;

use crate::{
    AccountInfo, Capabilities, Cursor, HttpOptions, Pace, Pacer, Page, RemoteAgent, RemoteTarget,
    RemoteTeam, StatusOption, StatusResult, VendorError, ccai, helpcrunch, pingup, splashify,
    vambe,
};

/// Settings keys a connection stores (never secrets).
pub const BUSINESS_NAME: &str = "business_name";
pub const USERNAME: &str = "username";

pub enum Adapter {
    Pingup(pingup::Client),
    Vambe(vambe::Client),
    Helpcrunch(helpcrunch::Client),
    CcaiPlatform(ccai::Client),
    Splashify(splashify::Client),
}

/// What the vendor's docs say about its rate limit (`None`: undocumented).
pub fn documented_pace(vendor: Vendor) -> Option<Pace> {
    match vendor {
        Vendor::Helpcrunch => Some(helpcrunch::PACE),
        Vendor::CcaiPlatform => Some(ccai::PACE),
        Vendor::Splashify => Some(splashify::PACE),
        Vendor::Pingup | Vendor::Vambe => None,
    }
}

pub fn capabilities(vendor: Vendor) -> Capabilities {
    match vendor {
        Vendor::Pingup => pingup::CAPABILITIES,
        Vendor::Vambe => vambe::CAPABILITIES,
        Vendor::Helpcrunch => helpcrunch::CAPABILITIES,
        Vendor::CcaiPlatform => ccai::CAPABILITIES,
        Vendor::Splashify => splashify::CAPABILITIES,
    }
}

fn setting<'a>(settings: &'a serde_json::Map<String, serde_json::Value>, key: &str) -> &'a str {
    settings
        .get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

impl Adapter {
    /// Builds the adapter; refuses missing settings or an empty secret by name.
    pub fn new(
        vendor: Vendor,
        base: &BaseUrl,
        settings: &serde_json::Map<String, serde_json::Value>,
        secret: Secret,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        Ok(match vendor {
            Vendor::Pingup => Adapter::Pingup(pingup::Client::new(
                base,
                setting(settings, BUSINESS_NAME),
                secret,
                options,
                pacer,
            )?),
            Vendor::Vambe => Adapter::Vambe(vambe::Client::new(base, secret, options, pacer)?),
            Vendor::Helpcrunch => {
                Adapter::Helpcrunch(helpcrunch::Client::new(base, secret, options, pacer)?)
            }
            Vendor::CcaiPlatform => Adapter::CcaiPlatform(ccai::Client::new(
                base,
                setting(settings, USERNAME),
                secret,
                options,
                pacer,
            )?),
            Vendor::Splashify => {
                Adapter::Splashify(splashify::Client::new(base, secret, options, pacer)?)
            }
        })
    }

    pub fn vendor(&self) -> Vendor {
        match self {
            Adapter::Pingup(_) => Vendor::Pingup,
            Adapter::Vambe(_) => Vendor::Vambe,
            Adapter::Helpcrunch(_) => Vendor::Helpcrunch,
            Adapter::CcaiPlatform(_) => Vendor::CcaiPlatform,
            Adapter::Splashify(_) => Vendor::Splashify,
        }
    }

    pub fn capabilities(&self) -> Capabilities {
        capabilities(self.vendor())
    }

    /// The vendor's cheapest read: proves the base URL and the credentials.
    pub async fn check(&self) -> Result<AccountInfo, VendorError> {
        match self {
            Adapter::Pingup(c) => c.me().await,
            Adapter::Vambe(c) => c.check().await,
            Adapter::Helpcrunch(c) => c.check().await,
            Adapter::CcaiPlatform(c) => c.check().await,
            Adapter::Splashify(c) => c.check().await,
        }
    }

    /// One page of agents; empty for vendors that cannot list them.
    pub async fn agents(&self, cursor: Option<&Cursor>) -> Result<Page<RemoteAgent>, VendorError> {
        match self {
            Adapter::Vambe(c) => c.team_members().await.map(|items| Page {
                total: Some(items.len() as u64),
                items,
                next: None,
            }),
            Adapter::Helpcrunch(c) => c.agents(cursor).await,
            Adapter::CcaiPlatform(c) => c.agents(cursor).await,
            Adapter::Pingup(_) | Adapter::Splashify(_) => Ok(Page {
                items: Vec::new(),
                next: None,
                total: Some(0),
            }),
        }
    }

    /// Teams or departments; empty for vendors without them.
    pub async fn teams(&self) -> Result<Vec<RemoteTeam>, VendorError> {
        match self {
            Adapter::Helpcrunch(c) => c.departments().await,
            Adapter::CcaiPlatform(c) => c.teams().await,
            _ => Ok(Vec::new()),
        }
    }

    /// Assigns agents to a target the way its vendor does it: Pingup takes them
    /// all in one call with an expiry and notes; Vambe adds (or with `replace`
    /// replaces); HelpCrunch and Splashify hold one assignee, so the (single)
    /// agent replaces the current one. `agents` are vendor ids (Splashify: emails).
    ///
    /// `Ok(Some(target))` when the answer says what the target now holds
    /// (Pingup, HelpCrunch); `Ok(None)` on a success that says only that.
    /// `VendorError::Unexpected` with a 2xx status means the call succeeded in
    /// words we cannot read: the change may or may not have been applied.
    pub async fn assign(
        &self,
        target: &str,
        agents: &[String],
        until: Option<Timestamp>,
        notes: Option<&str>,
        replace: bool,
    ) -> Result<Option<RemoteTarget>, VendorError> {
        if agents.iter().any(|a| a.trim().is_empty()) {
            return Err(VendorError::invalid(
                "agents",
                "an agent has no id or email; choose the agent again",
            ));
        }
        let one = || match agents {
            [agent] => Ok(agent.as_str()),
            [] => Err(VendorError::invalid("agents", "choose an agent")),
            _ => Err(VendorError::invalid(
                "agents",
                format!("{} takes one agent per call", self.vendor()),
            )),
        };
        match self {
            Adapter::Pingup(c) => {
                let list: Vec<pingup::Assignment> = agents
                    .iter()
                    .map(|a| pingup::Assignment {
                        agent: a.clone(),
                        until,
                    })
                    .collect();
                c.assign(target, &list, notes).await.map(Some)
            }
            Adapter::Vambe(c) => c.assign(target, one()?, replace).await.map(|()| None),
            Adapter::Helpcrunch(c) => c.set_assignee(target, Some(one()?)).await.map(Some),
            Adapter::Splashify(c) => c.assign(target, one()?).await.map(|()| None),
            Adapter::CcaiPlatform(_) => Err(VendorError::invalid(
                "target",
                "CCAI Platform has nothing to assign agents to",
            )),
        }
    }

    /// Unassigns a target, where the vendor can (HelpCrunch, Splashify Pro);
    /// answers as `assign` does.
    pub async fn release(&self, target: &str) -> Result<Option<RemoteTarget>, VendorError> {
        match self {
            Adapter::Helpcrunch(c) => c.set_assignee(target, None).await.map(Some),
            Adapter::Splashify(c) => c.release(target).await.map(|()| None),
            other => Err(VendorError::invalid(
                "target",
                format!("{} has no way to unassign", other.vendor()),
            )),
        }
    }

    /// The tenant's agent statuses, where the vendor has them (CCAI Platform).
    pub async fn statuses(&self) -> Result<Vec<StatusOption>, VendorError> {
        match self {
            Adapter::CcaiPlatform(c) => c.statuses().await,
            other => Err(VendorError::invalid(
                "status",
                format!("{} has no agent statuses", other.vendor()),
            )),
        }
    }

    /// Moves agents, and every agent of the teams, to `status` in one call, with
    /// one result per agent (CCAI Platform).
    pub async fn set_status(
        &self,
        status: &StatusOption,
        tenant: &[StatusOption],
        agents: &[String],
        teams: &[String],
    ) -> Result<Vec<StatusResult>, VendorError> {
        match self {
            Adapter::CcaiPlatform(c) => c.set_status(status, tenant, agents, teams).await,
            other => Err(VendorError::invalid(
                "status",
                format!("{} has no agent statuses to set", other.vendor()),
            )),
        }
    }

    /// One target as the vendor has it now, with its assignees, where the vendor
    /// can read one (`capabilities().read_assignees`); `None` when it has none
    /// with this id.
    pub async fn target(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        match self {
            Adapter::Pingup(c) => c.client(id).await,
            Adapter::Vambe(c) => c.contact(id).await,
            Adapter::Helpcrunch(c) => c.chat(id).await,
            other => Err(VendorError::invalid(
                "target",
                format!("{} cannot read one target", other.vendor()),
            )),
        }
    }

    /// One page of targets (changed since `since` where the vendor can tell).
    pub async fn targets(
        &self,
        since: Option<Timestamp>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        match self {
            Adapter::Pingup(c) => c.clients(cursor).await,
            Adapter::Vambe(c) => c.contacts(since, cursor).await,
            Adapter::Helpcrunch(c) => c.chats(since, cursor).await,
            Adapter::Splashify(c) => c.contacts(cursor).await,
            Adapter::CcaiPlatform(_) => Ok(Page {
                items: Vec::new(),
                next: None,
                total: Some(0),
            }),
        }
    }
}
