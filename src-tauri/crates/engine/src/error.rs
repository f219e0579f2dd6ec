use switchboard_domain::ValidationError;
pub use switchboard_domain::code::ErrorCode;
use switchboard_secrets::KeychainError;
use switchboard_store::StoreError;

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
    #[error("{message}")]
    Unrecorded { message: String, code: ErrorCode },

    #[error("cancelled")]
    Cancelled,

    #[error("cannot write {}: {source}", shown_path(path))]
    Write {
        path: String,
        source: std::io::Error,
    },

    #[error("internal error: {0}")]
    Internal(String),
}

/// A path as said in a message: a very long one keeps its start and its end.
fn shown_path(path: &str) -> String {
    const KEEP: usize = 120;
    let n = path.chars().count();
    if n <= 2 * KEEP {
        return path.to_owned();
    }
    let start: String = path.chars().take(KEEP).collect();
    let end: String = path.chars().skip(n - KEEP).collect();
    format!("{start}…{end} ({n} characters)")
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
            EngineError::Store(StoreError::Damaged { .. }) => ErrorCode::DatabaseDamaged,
            EngineError::Store(StoreError::DiskFull) => ErrorCode::DiskFull,
            EngineError::Store(_) => ErrorCode::Database,
            EngineError::Startup(_) => ErrorCode::Startup,
            EngineError::Unrecorded { code, .. } => *code,
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
