//! The vendor adapters. Each vendor has one module of the same shape: wire types
//! that mirror the vendor's JSON exactly, the mapping to Switchboard's types, and
//! the client. They share one HTTP layer (timeouts, retries with backoff and
//! jitter that honour `Retry-After`, a per-connection pacer at the documented rate
//! limit, request logs without secrets) and one error type.
//!
//! Callers ask an adapter's [`Capabilities`] instead of matching on vendor names.

mod adapter;
mod capabilities;
mod error;
mod http;
mod model;
mod pace;
mod parse;
mod wire;

pub mod ccai;
pub mod helpcrunch;
pub mod pingup;
pub mod splashify;
pub mod vambe;

pub use adapter::{Adapter, BUSINESS_NAME, USERNAME, capabilities, documented_pace};
pub use capabilities::Capabilities;
pub use error::VendorError;
pub use http::HttpOptions;
pub use model::*;
pub use pace::{CallRecord, Pace, Pacer};
pub use parse::{normalize_phone, parse_iso8601, validate_uuid};
