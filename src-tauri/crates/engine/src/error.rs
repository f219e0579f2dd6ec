use serde::Serialize;
use switchboard_domain::ValidationError;
use switchboard_secrets::KeychainError;
use switchboard_store::StoreError;
use ts_rs::TS;

/// What a caller (the UI, a script) can act on. Only variants a consumer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A value given is wrong; the message names the field and the fix.
    InvalidInput,
    NotFound,
    /// No keychain on this system: the message says what to install.
    KeychainUnavailable,
    /// The keychain is locked or refused access.
    KeychainLocked,
    /// The database was written by a newer Switchboard and is left untouched.
    DatabaseTooNew,
    /// The database could not be opened or written.
    Database,
    /// Switchboard could not start (no data folder, ...): nothing else will work.
    Startup,
    /// The vendor refused the credentials: fix the key in the connection.
    Unauthorized,
    /// The vendor is limiting requests; try later.
    RateLimited,
    /// The vendor could not be reached (network, host, timeout): changes can wait.
    Unreachable,
    /// The vendor answered with an error; the message has its words.
    VendorError,
    /// The work was cancelled by the manager.
    Cancelled,
    /// A file could not be written (disk full, no permission, a folder missing);
    /// the message names the file and the reason. Nothing half-written is left.
    WriteFailed,
    Internal,
}

impl ErrorCode {
    /// The process exit code the command line uses for this error.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCode::InvalidInput => 2,
            ErrorCode::NotFound => 3,
            ErrorCode::KeychainUnavailable | ErrorCode::KeychainLocked => 4,
            ErrorCode::DatabaseTooNew | ErrorCode::Database | ErrorCode::Startup => 5,
            ErrorCode::Unauthorized
            | ErrorCode::RateLimited
            | ErrorCode::Unreachable
            | ErrorCode::VendorError => 6,
            ErrorCode::WriteFailed => 7,
            ErrorCode::Cancelled => 130,
            ErrorCode::Internal => 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    #[error(transparent)]
    Keychain(#[from] KeychainError),

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("{0}")]
    Startup(String),

    #[error("{vendor}: {source}")]
    Vendor {
        vendor: switchboard_domain::Vendor,
        source: switchboard_vendors::VendorError,
    },

    /// A vendor took a change, and the journal could not record it; the change
    /// stays `sending` and is finished by the next send.
    #[error("{0}")]
    Unrecorded(String),

    #[error("cancelled")]
    Cancelled,

    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },

    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Invalid(_) => ErrorCode::InvalidInput,
            EngineError::Keychain(KeychainError::Locked { .. }) => ErrorCode::KeychainLocked,
            EngineError::Keychain(KeychainError::Unavailable { .. }) => {
                ErrorCode::KeychainUnavailable
            }
            EngineError::Keychain(_) => ErrorCode::Internal,
            EngineError::Store(StoreError::NotFound { .. }) => ErrorCode::NotFound,
            EngineError::Store(StoreError::NewerSchema { .. }) => ErrorCode::DatabaseTooNew,
            EngineError::Store(_) => ErrorCode::Database,
            EngineError::Startup(_) => ErrorCode::Startup,
            EngineError::Unrecorded(_) => ErrorCode::Database,
            EngineError::Vendor { source, .. } => vendor_code(source),
            EngineError::Cancelled => ErrorCode::Cancelled,
            EngineError::Write { .. } => ErrorCode::WriteFailed,
            EngineError::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl EngineError {
    /// The code as the UI and the journal spell it (`keychain_unavailable`).
    pub fn code_str(&self) -> &'static str {
        self.code().as_str()
    }
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::KeychainLocked => "keychain_locked",
            ErrorCode::DatabaseTooNew => "database_too_new",
            ErrorCode::Database => "database",
            ErrorCode::Startup => "startup",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::VendorError => "vendor_error",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::WriteFailed => "write_failed",
            ErrorCode::Internal => "internal",
        }
    }
}

impl From<tokio::task::JoinError> for EngineError {
    fn from(err: tokio::task::JoinError) -> Self {
        EngineError::Internal(format!("a background task stopped: {err}"))
    }
}

pub(crate) fn vendor_code(e: &switchboard_vendors::VendorError) -> ErrorCode {
    use switchboard_vendors::VendorError as V;
    match e {
        V::Unauthorized { .. } | V::Forbidden { .. } => ErrorCode::Unauthorized,
        V::NotFound { .. } => ErrorCode::NotFound,
        V::RateLimited { .. } => ErrorCode::RateLimited,
        V::InvalidInput { .. } => ErrorCode::InvalidInput,
        V::Transport { .. } | V::Tls { .. } | V::Timeout { .. } => ErrorCode::Unreachable,
        V::Vendor { .. } | V::Unexpected { .. } => ErrorCode::VendorError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_as_they_cross_ipc() {
        use ErrorCode::*;
        for code in [
            InvalidInput,
            NotFound,
            KeychainUnavailable,
            KeychainLocked,
            DatabaseTooNew,
            Database,
            Startup,
            Unauthorized,
            RateLimited,
            Unreachable,
            VendorError,
            Cancelled,
            WriteFailed,
            Internal,
        ] {
            assert_eq!(
                serde_json::to_value(code).expect("serialise"),
                serde_json::Value::from(code.as_str())
            );
        }
    }
}
