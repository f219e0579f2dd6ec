//! What the UI needs to know about each vendor: the connection form's fields and
//! the vendor's capabilities.

use serde::Serialize;
use switchboard_domain::Vendor;
use switchboard_vendors::Capabilities;
use ts_rs::TS;

/// A field of the connection form.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FormField {
    /// The `ConnectionForm` key.
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub secret: bool,
    pub placeholder: &'static str,
    pub help: &'static str,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct VendorInfo {
    pub vendor: Vendor,
    pub name: &'static str,
    pub capabilities: Capabilities,
    /// Exactly the fields this vendor needs, in order.
    pub fields: Vec<FormField>,
    pub default_base_url: &'static str,
}

const fn field(
    key: &'static str,
    label: &'static str,
    required: bool,
    secret: bool,
    placeholder: &'static str,
    help: &'static str,
) -> FormField {
    FormField {
        key,
        label,
        required,
        secret,
        placeholder,
        help,
    }
}

impl VendorInfo {
    pub fn of(vendor: Vendor) -> Self {
        let fields = match vendor {
            Vendor::Pingup => vec![
                field(
                    "business_name",
                    "Business name",
                    true,
                    false,
                    "acme-demo",
                    "As it appears in your Pingup API URLs.",
                ),
                field(
                    "host",
                    "Host",
                    false,
                    false,
                    "api.pingup.ai",
                    "api.pingup.ai, or api.pingueen.it for Pingueen accounts.",
                ),
                field(
                    "secret",
                    "Secret key",
                    true,
                    true,
                    "eyJhbGciOi…",
                    "From Pingup's dashboard settings.",
                ),
            ],
            Vendor::Vambe => vec![field(
                "secret",
                "API key",
                true,
                true,
                "",
                "From Vambe's settings.",
            )],
            Vendor::Helpcrunch => vec![field(
                "secret",
                "API key",
                true,
                true,
                "",
                "Settings > Developers > Public API.",
            )],
            Vendor::CcaiPlatform => vec![
                field(
                    "subdomain",
                    "Subdomain",
                    false,
                    false,
                    "acme",
                    "acme in https://acme.uc1.ccaiplatform.com",
                ),
                field(
                    "domain",
                    "Domain",
                    false,
                    false,
                    "uc1.ccaiplatform.com",
                    "The rest of your tenant's address.",
                ),
                field(
                    "username",
                    "User",
                    false,
                    false,
                    "acme",
                    "The subdomain; on older tenants the company key.",
                ),
                field(
                    "secret",
                    "API token",
                    true,
                    true,
                    "",
                    "On older tenants: the company secret.",
                ),
            ],
            Vendor::Splashify => vec![field(
                "secret",
                "API key",
                true,
                true,
                "sk_live_…",
                "From Splashify Pro's developer settings.",
            )],
        };
        let default_base_url = match vendor {
            Vendor::Pingup => switchboard_vendors::pingup::HOSTS[0],
            Vendor::Vambe => switchboard_vendors::vambe::HOSTS[0],
            Vendor::Helpcrunch => switchboard_vendors::helpcrunch::HOST,
            Vendor::CcaiPlatform => "https://{subdomain}.{domain}",
            Vendor::Splashify => switchboard_vendors::splashify::HOST,
        };
        Self {
            vendor,
            name: vendor.display_name(),
            capabilities: switchboard_vendors::capabilities(vendor),
            fields,
            default_base_url,
        }
    }
}
