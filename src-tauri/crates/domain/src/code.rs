//! The codes callers act on: [`ErrorCode`] for an error as it crosses IPC and
//! leaves the command line, and [`ResultCode`] for why an operation of the
//! journal ended as it did or waits.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;

/// What a caller (the UI, a script) can act on. Only variants a consumer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
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
    /// The database file is damaged: it was kept aside untouched, and the
    /// manager chooses to start fresh or restore a backup.
    DatabaseDamaged,
    /// The disk is full: nothing more can be saved until space is freed; work
    /// that was running waits and goes on.
    DiskFull,
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
    /// An update could not be checked, downloaded or installed (its signature
    /// did not match this build's key, say); the running version is unchanged.
    UpdateFailed,
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
            ErrorCode::WriteFailed | ErrorCode::DiskFull => 7,
            ErrorCode::DatabaseDamaged => 11,
            ErrorCode::Cancelled => 130,
            ErrorCode::UpdateFailed | ErrorCode::Internal => 1,
        }
    }
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidInput,
        ErrorCode::NotFound,
        ErrorCode::KeychainUnavailable,
        ErrorCode::KeychainLocked,
        ErrorCode::DatabaseTooNew,
        ErrorCode::Database,
        ErrorCode::DatabaseDamaged,
        ErrorCode::DiskFull,
        ErrorCode::Startup,
        ErrorCode::Unauthorized,
        ErrorCode::RateLimited,
        ErrorCode::Unreachable,
        ErrorCode::VendorError,
        ErrorCode::Cancelled,
        ErrorCode::WriteFailed,
        ErrorCode::UpdateFailed,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::KeychainLocked => "keychain_locked",
            ErrorCode::DatabaseTooNew => "database_too_new",
            ErrorCode::Database => "database",
            ErrorCode::DatabaseDamaged => "database_damaged",
            ErrorCode::DiskFull => "disk_full",
            ErrorCode::Startup => "startup",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unreachable => "unreachable",
            ErrorCode::VendorError => "vendor_error",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::WriteFailed => "write_failed",
            ErrorCode::UpdateFailed => "update_failed",
            ErrorCode::Internal => "internal",
        }
    }
}

/// Why an operation ended as it did, or why it waits. Stored as text, spelled as
/// [`ResultCode::as_str`] says; a code this version does not know (written by a
/// newer one) reads as `Other`, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// An error, as it crosses IPC: a vendor's refusal, the vendor unreachable
    /// or limiting requests, the keychain locked…
    Error(ErrorCode),
    /// The target changed at the vendor since the change was asked.
    Conflict,
    /// The vendor said it took the change, but the target does not hold it.
    NotApplied,
    /// Sent, but the answer could not be read nor the target read back.
    Unconfirmed,
    /// A waiting change past its time, dropped rather than sent late.
    Expired,
    /// Another Switchboard (the app or a command) has the change.
    Elsewhere,
    /// Replaced by an edit of the manager's.
    Edited,
    /// Waits behind an earlier change to the same vendor or of the same request.
    Waiting,
    /// Waits because the manager paused its job.
    Paused,
    /// A status change that moved every agent it named.
    Changed,
    /// A status change the vendor refused for some agents (the message says
    /// whose and why).
    Kept,
    Other(String),
}

const OWN: [(ResultCode, &str); 10] = [
    (ResultCode::Conflict, "conflict"),
    (ResultCode::NotApplied, "not_applied"),
    (ResultCode::Unconfirmed, "unconfirmed"),
    (ResultCode::Expired, "expired"),
    (ResultCode::Elsewhere, "elsewhere"),
    (ResultCode::Edited, "edited"),
    (ResultCode::Waiting, "waiting"),
    (ResultCode::Paused, "paused"),
    (ResultCode::Changed, "changed"),
    (ResultCode::Kept, "kept"),
];

impl ResultCode {
    pub fn as_str(&self) -> &str {
        match self {
            ResultCode::Error(code) => code.as_str(),
            ResultCode::Other(text) => text,
            own => OWN
                .iter()
                .find(|(c, _)| c == own)
                .map_or("", |(_, text)| text),
        }
    }

    /// The code a text spells; any text reads.
    pub fn from_text(text: &str) -> Self {
        if let Some((code, _)) = OWN.iter().find(|(_, t)| *t == text) {
            return code.clone();
        }
        ErrorCode::ALL
            .iter()
            .find(|c| c.as_str() == text)
            .map_or_else(
                || ResultCode::Other(text.to_owned()),
                |c| ResultCode::Error(*c),
            )
    }
}

impl From<ErrorCode> for ResultCode {
    fn from(code: ErrorCode) -> Self {
        ResultCode::Error(code)
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|text| ResultCode::from_text(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_spelled_as_they_cross_ipc() {
        for &code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).expect("serialise"),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    #[test]
    fn result_codes_read_back_as_written_and_keep_unknown_ones() {
        let mut all: Vec<ResultCode> = ErrorCode::ALL.iter().map(|&c| c.into()).collect();
        all.extend(OWN.iter().map(|(c, _)| c.clone()));
        for code in all {
            let text = code.as_str().to_owned();
            assert!(!text.is_empty(), "{code:?} has no spelling");
            assert_eq!(ResultCode::from_text(&text), code);
            let json = serde_json::to_value(&code).expect("serialise");
            assert_eq!(json, serde_json::Value::from(text.as_str()));
            assert_eq!(
                serde_json::from_value::<ResultCode>(json).expect("read"),
                code
            );
        }
        let newer = ResultCode::from_text("held_by_policy");
        assert_eq!(newer, ResultCode::Other("held_by_policy".into()));
        assert_eq!(newer.as_str(), "held_by_policy");
    }
}
