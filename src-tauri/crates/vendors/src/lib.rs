//! The vendor adapters. Each vendor is one module of the same shape: wire types
//! that mirror the vendor's JSON exactly, the mapping to Switchboard's types, the
//! client (implementing [`VendorApi`]), and its [`Descriptor`]: capabilities,
//! pace, hosts, the connection form's fields and rules, and the hints for its
//! error messages. They share one HTTP layer (the secret sent the vendor's way,
//! timeouts, retries with backoff and jitter that honour `Retry-After`, a
//! per-connection pacer at the documented rate limit, request logs without
//! secrets) and one error type.
//!
//! Callers ask an adapter's [`Capabilities`] instead of matching on vendor names.
//! Adding a vendor: see this crate's README.

mod adapter;
mod api;
mod capabilities;
mod descriptor;
mod error;
pub mod form;
mod http;
mod ledger;
mod model;
mod pace;
mod parse;
mod wire;

pub mod ccai;
pub mod helpcrunch;
pub mod pingup;
pub mod splashify;
pub mod vambe;

pub use adapter::{Adapter, capabilities, descriptor_of, documented_pace, vendor_infos};
pub use api::{AssignCall, VendorApi};
pub use capabilities::Capabilities;
pub use ccai::USERNAME;
pub use descriptor::{Descriptor, FormField, Hint, VendorInfo};
pub use error::VendorError;
pub use form::Settings;
pub use http::HttpOptions;
pub use ledger::Ledger;
pub use model::*;
pub use pace::{CallRecord, Pace, Pacer};
pub use parse::{normalize_phone, parse_iso8601, validate_uuid};
pub use pingup::BUSINESS_NAME;
