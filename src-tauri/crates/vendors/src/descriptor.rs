//! Everything the app knows about a vendor besides its API calls, in one value
//! per vendor: its name, capabilities, pace, hosts, the connection form's fields
//! and base-URL rules, the hints that explain its error messages, and how to
//! build its client.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use switchboard_domain::connection::{BaseUrl, validate_display_name};
use switchboard_domain::{ValidationError, Vendor};
use switchboard_secrets::Secret;
use ts_rs::TS;

use crate::form::{ConnectionForm, Resolved, Settings, text};
use crate::{Capabilities, HttpOptions, Pace, Pacer, VendorApi, VendorError};

/// A field of the connection form.
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct FormField {
    /// The `ConnectionForm` key.
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub secret: bool,
    pub placeholder: &'static str,
    pub help: &'static str,
}

impl FormField {
    pub(crate) const fn text(
        key: &'static str,
        label: &'static str,
        required: bool,
        placeholder: &'static str,
        help: &'static str,
    ) -> Self {
        Self {
            key,
            label,
            required,
            secret: false,
            placeholder,
            help,
        }
    }

    /// The form's `secret` field, always required to create.
    pub(crate) const fn secret(
        label: &'static str,
        placeholder: &'static str,
        help: &'static str,
    ) -> Self {
        Self {
            key: "secret",
            label,
            required: true,
            secret: true,
            placeholder,
            help,
        }
    }
}

/// Advice shown next to a vendor message that contains (or is exactly) `when`,
/// compared in lower case.
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    pub when: &'static str,
    pub exactly: bool,
    pub says: &'static str,
}

impl Hint {
    pub(crate) const fn contains(when: &'static str, says: &'static str) -> Self {
        Self {
            when,
            exactly: false,
            says,
        }
    }

    pub(crate) const fn exactly(when: &'static str, says: &'static str) -> Self {
        Self {
            when,
            exactly: true,
            says,
        }
    }

    fn matches(&self, lower: &str) -> bool {
        if self.exactly {
            lower == self.when
        } else {
            lower.contains(self.when)
        }
    }
}

/// What a client is built from: a stored connection, its secret, and the HTTP
/// settings and pacer of the connection.
pub struct Setup<'a> {
    pub base: &'a BaseUrl,
    pub settings: &'a Settings,
    pub secret: Secret,
    pub options: HttpOptions,
    pub pacer: Arc<Pacer>,
}

impl Setup<'_> {
    /// A text setting, empty when absent.
    pub(crate) fn setting(&self, key: &str) -> &str {
        self.settings
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Turns the vendor's part of a connection form into a base URL (the `base_url`
/// override already parsed), adding the settings it stores.
pub type ResolveFn =
    fn(&ConnectionForm, Option<BaseUrl>, &mut Settings) -> Result<BaseUrl, ValidationError>;

pub type ConnectFn = fn(Setup<'_>) -> Result<Box<dyn VendorApi>, VendorError>;

/// How a client that needs only the base URL and the secret is built.
pub(crate) type KeyedClient<C> =
    fn(&BaseUrl, Secret, HttpOptions, Arc<Pacer>) -> Result<C, VendorError>;

/// `connect` for a vendor whose client needs nothing but the base URL and the
/// secret.
pub(crate) fn keyed<C: VendorApi + 'static>(
    setup: Setup<'_>,
    new: KeyedClient<C>,
) -> Result<Box<dyn VendorApi>, VendorError> {
    Ok(Box::new(new(
        setup.base,
        setup.secret,
        setup.options,
        setup.pacer,
    )?))
}

/// One vendor, described.
pub struct Descriptor {
    pub vendor: Vendor,
    /// The Mantine colour of its badges and chart series, far enough from the
    /// others' to tell apart in a stacked chart.
    pub color: &'static str,
    pub capabilities: Capabilities,
    /// What the vendor's docs say about its rate limit (`None`: undocumented).
    pub pace: Option<Pace>,
    /// The hosts the vendor's docs and samples use; the first is the default.
    pub hosts: &'static [&'static str],
    /// The base URL the form shows as the default.
    pub default_base_url: &'static str,
    /// What the secret is called ("API key", "secret key", "API token").
    pub secret_name: &'static str,
    /// Exactly the connection form's fields for this vendor, in order.
    pub fields: &'static [FormField],
    pub resolve: ResolveFn,
    /// Advice for the vendor's own error messages a manager can act on.
    pub hints: &'static [Hint],
    pub connect: ConnectFn,
}

impl Descriptor {
    pub fn name(&self) -> &'static str {
        self.vendor.display_name()
    }

    /// The first hint whose words the message carries.
    pub fn hint(&self, message: &str) -> Option<&'static str> {
        let lower = message.to_ascii_lowercase();
        self.hints
            .iter()
            .find(|h| h.matches(&lower))
            .map(|h| h.says)
    }

    /// Checks a connection form for this vendor. `creating` requires a secret.
    pub fn resolve_form(
        &self,
        form: &ConnectionForm,
        creating: bool,
    ) -> Result<Resolved, ValidationError> {
        let display_name = validate_display_name(&form.display_name)?;
        if creating && form.secret.as_ref().is_none_or(Secret::is_blank) {
            return Err(ValidationError::new(
                "secret",
                format!("enter the {}", self.secret_name),
            ));
        }
        let override_url = text(&form.base_url).map(BaseUrl::parse).transpose()?;
        let mut settings = Settings::new();
        let base_url = (self.resolve)(form, override_url, &mut settings)?;
        Ok(Resolved {
            display_name,
            base_url,
            settings,
        })
    }

    /// What the UI shows about the vendor.
    pub fn info(&self) -> VendorInfo {
        VendorInfo {
            vendor: self.vendor,
            name: self.name(),
            color: self.color,
            capabilities: self.capabilities,
            fields: self.fields.to_vec(),
            default_base_url: self.default_base_url,
        }
    }
}

/// A vendor as the UI sees it: its name, capabilities and connection form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct VendorInfo {
    pub vendor: Vendor,
    pub name: &'static str,
    /// The Mantine colour of its badges and chart series.
    pub color: &'static str,
    pub capabilities: Capabilities,
    /// Exactly the fields this vendor needs, in order.
    pub fields: Vec<FormField>,
    pub default_base_url: &'static str,
}
