//! An agent account on one connection. The same human usually has one agent per
//! platform; `person` links them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::text_enum::text_enum;
use crate::{AgentId, ConnectionId, PersonId, Timestamp, ValidationError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Agent {
    pub id: AgentId,
    pub connection_id: ConnectionId,
    /// The vendor's own id for this agent (an object id, UUID, integer or email).
    pub vendor_id: String,
    pub name: String,
    pub email: Option<String>,
    /// The vendor's role name as given (e.g. HelpCrunch `superviser`).
    pub role: Option<String>,
    /// False when the vendor says the agent is inactive or disabled.
    pub active: bool,
    pub person_id: Option<PersonId>,
    pub link: PersonLink,
    pub source: AgentSource,
    pub synced_at: Option<Timestamp>,
}

text_enum!(
    /// How an agent came to belong (or not) to a person. Manual choices survive re-syncs.
    PersonLink, "link" {
        /// Linked by matching email; re-evaluated on every sync.
        Auto = "auto",
        /// Linked by the manager; kept as is.
        Manual = "manual",
        /// Unlinked by the manager; never linked by email again.
        Unlinked = "unlinked",
    }
);

text_enum!(
    /// Where the cache learnt of this agent.
    AgentSource, "source" {
        Sync = "sync",
        Manual = "manual",
        Csv = "csv",
    }
);

/// Emails link agents into people, compared case-insensitively after trimming.
/// Returns `None` for anything that is not plausibly an address.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim();
    let (local, domain) = email.split_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || email.chars().any(char::is_whitespace)
    {
        return None;
    }
    Some(email.to_lowercase())
}

/// A required email, as typed by a manager or read from a CSV.
pub fn validate_email(field: &str, email: &str) -> Result<String, ValidationError> {
    normalize_email(email).ok_or_else(|| {
        ValidationError::new(
            field,
            format!(
                "'{}' is not an email address; write it as name@example.com",
                email.trim()
            ),
        )
    })
}

/// The longest agent id or name Switchboard keeps.
pub const AGENT_TEXT_MAX: usize = 200;

/// An agent as a manager enters it (by hand or from a file), checked and
/// cleaned: a name; the vendor's id, which for vendors that know agents by
/// email (`by_email`) is a well-formed email; an optional email. Nothing is
/// ever empty: an empty agent would be sent as "nobody", which some vendors
/// take as a release.
pub fn validate_new(
    vendor_id: &str,
    name: &str,
    email: Option<&str>,
    by_email: bool,
) -> Result<(String, String, Option<String>), ValidationError> {
    let text = |field: &str, value: &str, empty: &str| -> Result<String, ValidationError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ValidationError::new(field, empty));
        }
        if value.chars().count() > AGENT_TEXT_MAX || value.chars().any(char::is_control) {
            return Err(ValidationError::new(
                field,
                format!("use at most {AGENT_TEXT_MAX} characters, with no control characters"),
            ));
        }
        Ok(value.to_owned())
    };
    let name = text("name", name, "enter the agent's name")?;
    let email = email
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate_email("email", e))
        .transpose()?;
    let vendor_id = if by_email {
        let id = if vendor_id.trim().is_empty() {
            email.clone().unwrap_or_default()
        } else {
            vendor_id.to_owned()
        };
        if id.trim().is_empty() {
            return Err(ValidationError::new(
                "email",
                "enter the agent's email: this vendor knows agents by email",
            ));
        }
        validate_email("email", &id)?
    } else {
        text(
            "vendor_id",
            vendor_id,
            "enter the agent's id; copy it from the vendor's dashboard",
        )?
    };
    Ok((vendor_id, name, email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_is_never_empty() {
        assert_eq!(
            validate_new("", "", None, true).expect_err("refused").field,
            "name"
        );
        assert_eq!(
            validate_new("", "Ana", None, true)
                .expect_err("refused")
                .field,
            "email"
        );
        assert_eq!(
            validate_new("  ", "Ana", None, false)
                .expect_err("refused")
                .field,
            "vendor_id"
        );
        assert_eq!(
            validate_new("x", "Ana\u{1b}[31m", None, false)
                .expect_err("refused")
                .field,
            "name"
        );
        assert_eq!(
            validate_new("", " Ana ", Some("Ana@X.example"), true),
            Ok((
                "ana@x.example".into(),
                "Ana".into(),
                Some("ana@x.example".into())
            ))
        );
        assert_eq!(
            validate_new("4188", "Ana", Some("not mail"), false)
                .expect_err("refused")
                .field,
            "email"
        );
    }

    #[test]
    fn emails_compare_case_insensitively() {
        assert_eq!(
            normalize_email(" Ana.Lima@Example.COM ").as_deref(),
            Some("ana.lima@example.com")
        );
        assert_eq!(normalize_email("nobody"), None);
        assert_eq!(normalize_email("a@b@c"), None);
        assert_eq!(normalize_email("@x.com"), None);
    }

    #[test]
    fn invalid_email_names_the_field() {
        let err = validate_email("agent_email", "bob at acme").expect_err("invalid");
        assert_eq!(err.field, "agent_email");
        assert!(err.message.contains("name@example.com"));
    }

    #[test]
    fn person_link_parses_its_own_names_only() {
        for link in PersonLink::ALL {
            assert_eq!(link.as_str().parse::<PersonLink>().expect("parses"), *link);
        }
        let err = "maybe".parse::<PersonLink>().expect_err("unknown");
        assert_eq!(err.field, "link");
        assert!(err.message.contains("auto, manual, unlinked"), "{err}");
    }
}
