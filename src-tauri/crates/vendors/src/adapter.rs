//! One adapter per connection, whichever the vendor: built from the connection's
//! base URL, non-secret settings and secret, and answering the same questions.
//! [`descriptor_of`] is the one list a new vendor is added to.

use std::sync::Arc;

use switchboard_domain::connection::BaseUrl;
use switchboard_domain::{Timestamp, ValidationError, Vendor};
use switchboard_secrets::Secret;

use crate::descriptor::{Descriptor, Setup, VendorInfo};
use crate::form::{ConnectionForm, Resolved, Settings};
use crate::{
    AccountInfo, ActivityRecord, AssignCall, Capabilities, Cursor, HttpOptions, Pace, Pacer, Page,
    RemoteAgent, RemoteTarget, RemoteTeam, StatusOption, StatusResult, VendorApi, VendorError,
    ccai, helpcrunch, pingup, splashify, vambe,
};

/// Every vendor's descriptor: the one list of vendors.
pub fn descriptor_of(vendor: Vendor) -> &'static Descriptor {
    match vendor {
        Vendor::Pingup => &pingup::VENDOR,
        Vendor::Vambe => &vambe::VENDOR,
        Vendor::Helpcrunch => &helpcrunch::VENDOR,
        Vendor::CcaiPlatform => &ccai::VENDOR,
        Vendor::Splashify => &splashify::VENDOR,
    }
}

/// What the vendor's docs say about its rate limit (`None`: undocumented).
pub fn documented_pace(vendor: Vendor) -> Option<Pace> {
    descriptor_of(vendor).pace
}

pub fn capabilities(vendor: Vendor) -> Capabilities {
    descriptor_of(vendor).capabilities
}

/// Every vendor as the UI shows it, in the order of [`Vendor::ALL`].
pub fn vendor_infos() -> Vec<VendorInfo> {
    Vendor::ALL
        .into_iter()
        .map(|v| descriptor_of(v).info())
        .collect()
}

impl ConnectionForm {
    /// Checks the form for `vendor` (its descriptor's rules). `creating`
    /// requires a secret.
    pub fn resolve(&self, vendor: Vendor, creating: bool) -> Result<Resolved, ValidationError> {
        descriptor_of(vendor).resolve_form(self, creating)
    }
}

fn empty<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        next: None,
        total: Some(0),
    }
}

pub struct Adapter {
    described: &'static Descriptor,
    api: Box<dyn VendorApi>,
}

impl Adapter {
    /// Builds the adapter; refuses missing settings or an empty secret by name.
    pub fn new(
        vendor: Vendor,
        base: &BaseUrl,
        settings: &Settings,
        secret: Secret,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        let described = descriptor_of(vendor);
        let api = (described.connect)(Setup {
            base,
            settings,
            secret,
            options,
            pacer,
        })?;
        Ok(Self { described, api })
    }

    pub fn vendor(&self) -> Vendor {
        self.described.vendor
    }

    pub fn capabilities(&self) -> Capabilities {
        self.described.capabilities
    }

    pub fn descriptor(&self) -> &'static Descriptor {
        self.described
    }

    /// The vendor's cheapest read: proves the base URL and the credentials.
    pub async fn check(&self) -> Result<AccountInfo, VendorError> {
        self.api.check().await
    }

    /// One page of agents; empty for vendors that cannot list them.
    pub async fn agents(&self, cursor: Option<&Cursor>) -> Result<Page<RemoteAgent>, VendorError> {
        if !self.capabilities().list_agents {
            return Ok(empty());
        }
        self.api.agents(cursor).await
    }

    /// One page of the agents whose status changed at or after `since` (the
    /// vendor's clock); see [`VendorApi::agents_changed_since`].
    pub async fn agents_changed_since(
        &self,
        since: Timestamp,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteAgent>, VendorError> {
        self.api.agents_changed_since(since, cursor).await
    }

    /// One page of the vendor's activity log from `since` (its clock); see
    /// [`VendorApi::activity_log`].
    pub async fn activity_log(
        &self,
        since: Timestamp,
        cursor: Option<&Cursor>,
    ) -> Result<Page<ActivityRecord>, VendorError> {
        self.api.activity_log(since, cursor).await
    }

    /// Teams or departments; empty for vendors without them.
    pub async fn teams(&self) -> Result<Vec<RemoteTeam>, VendorError> {
        if !self.capabilities().list_teams {
            return Ok(Vec::new());
        }
        self.api.teams().await
    }

    /// Assigns agents to a target the way its vendor does it: Pingup takes them
    /// all in one call with an expiry and notes; Vambe adds (or with `replace`
    /// replaces); HelpCrunch and Splashify hold one assignee, so the (single)
    /// agent replaces the current one. `agents` are vendor ids (Splashify: emails).
    /// Answers as [`VendorApi::assign`].
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
        let call = AssignCall {
            agents,
            until,
            notes,
            replace,
        };
        self.api.assign(target, call).await
    }

    /// Unassigns a target, where the vendor can (HelpCrunch, Splashify Pro);
    /// answers as `assign` does.
    pub async fn release(&self, target: &str) -> Result<Option<RemoteTarget>, VendorError> {
        self.api.release(target).await
    }

    /// The tenant's agent statuses, where the vendor has them (CCAI Platform).
    pub async fn statuses(&self) -> Result<Vec<StatusOption>, VendorError> {
        self.api.statuses().await
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
        self.api.set_status(status, tenant, agents, teams).await
    }

    /// One target as the vendor has it now, with its assignees, where the vendor
    /// can read one (`capabilities().read_assignees`); `None` when it has none
    /// with this id.
    pub async fn target(&self, id: &str) -> Result<Option<RemoteTarget>, VendorError> {
        self.api.target(id).await
    }

    /// One page of targets (changed since `since` where the vendor can tell).
    pub async fn targets(
        &self,
        since: Option<Timestamp>,
        cursor: Option<&Cursor>,
    ) -> Result<Page<RemoteTarget>, VendorError> {
        if !self.capabilities().list_targets {
            return Ok(empty());
        }
        self.api.targets(since, cursor).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendor_has_its_own_descriptor() {
        for vendor in Vendor::ALL {
            let d = descriptor_of(vendor);
            assert_eq!(
                d.vendor, vendor,
                "{vendor}'s entry points at another vendor"
            );
            assert!(
                d.fields.iter().any(|f| f.key == "secret" && f.secret),
                "{vendor}'s form asks for no secret"
            );
        }
        let names: Vec<&str> = vendor_infos().iter().map(|i| i.name).collect();
        assert_eq!(
            names,
            [
                "Pingup",
                "Vambe",
                "HelpCrunch",
                "CCAI Platform",
                "Splashify Pro"
            ]
        );
    }

    #[test]
    fn a_vendors_hints_match_its_own_words_only() {
        let splashify = descriptor_of(Vendor::Splashify);
        assert!(splashify.hint("Agent not found").is_some());
        assert!(splashify.hint("Agent not found anywhere").is_none());
        assert!(splashify.hint("Conversation not found").is_some());
        assert!(
            descriptor_of(Vendor::Pingup)
                .hint("Conversation not found")
                .is_none()
        );
        assert!(
            descriptor_of(Vendor::Pingup)
                .hint("Agent 42 not found or not authorized")
                .is_some()
        );
    }
}
