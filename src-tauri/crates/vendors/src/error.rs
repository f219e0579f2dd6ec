use std::time::Duration;

/// Every way a vendor call can fail, told apart as callers need to act on them.
/// Messages keep the vendor's own words where the vendor gave any.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VendorError {
    /// The key, token or password was refused.
    #[error("the vendor refused the credentials: {message}")]
    Unauthorized { message: String },

    #[error("the vendor refused access: {message}")]
    Forbidden { message: String },

    /// `what` names the thing that is missing (a business, client, contact, chat...).
    #[error("{what} not found: {message}")]
    NotFound { what: String, message: String },

    #[error("rate-limited by the vendor{}: {message}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },

    /// A value is wrong: caught before sending (our message) or refused by the
    /// vendor (its message). `field` names what to fix.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },

    /// The vendor answered with an error we do not classify further.
    #[error("the vendor answered {status}: {message}")]
    Vendor { status: u16, message: String },

    /// No answer: the host is unreachable, refused the connection, or it dropped.
    #[error("cannot reach the vendor: {message}")]
    Transport { message: String },

    /// The TLS handshake failed (certificate, protocol).
    #[error("secure connection failed: {message}")]
    Tls { message: String },

    #[error("the vendor did not answer within {} s", after.as_secs())]
    Timeout { after: Duration },

    /// An answer we cannot read, with a short excerpt of it.
    #[error("unexpected answer from the vendor (HTTP {status}): {excerpt}")]
    Unexpected { status: u16, excerpt: String },
}

impl VendorError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        VendorError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Whether the same call may succeed if sent again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            VendorError::RateLimited { .. }
                | VendorError::Transport { .. }
                | VendorError::Timeout { .. }
        ) || matches!(self, VendorError::Vendor { status, .. } if *status >= 500)
    }

    /// Whether the vendor could not be reached at all (the change can be queued).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            VendorError::Transport { .. } | VendorError::Timeout { .. }
        )
    }
}

impl From<switchboard_domain::ValidationError> for VendorError {
    fn from(e: switchboard_domain::ValidationError) -> Self {
        VendorError::InvalidInput {
            field: e.field,
            message: e.message,
        }
    }
}

/// At most this much of an unreadable answer is kept.
const EXCERPT: usize = 200;

pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(EXCERPT).collect();
    if text.chars().count() > EXCERPT {
        out.push('…');
    }
    out
}
