//! What a vendor's answer to a change means for the journal. A change is done
//! only when the vendor confirms it: a documented success, or an answer (or a
//! read back) showing the target holds it. A success we cannot read, with no way
//! to read the target back, is *unknown*; a temporary refusal (unreachable,
//! rate-limited, a vendor error that outlasted the retries) leaves it waiting.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use switchboard_domain::code::{ErrorCode, ResultCode};
use switchboard_domain::job::{OperationKind, OperationState};
use switchboard_domain::{Timestamp, Vendor};
use switchboard_vendors::{RemoteTarget, VendorError};

/// After a vendor answered 5xx through every retry, the change waits this long.
const AFTER_VENDOR_ERRORS: Duration = Duration::from_secs(60);

/// How one send ended, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sent {
    pub state: OperationState,
    pub code: Option<ResultCode>,
    pub message: Option<String>,
    /// Kept on the operation: the vendor's answer, or what we read back.
    pub response: Option<serde_json::Value>,
    /// A change left waiting is not tried before this.
    pub next_attempt_at: Option<Timestamp>,
}

impl Sent {
    pub fn done(response: Option<serde_json::Value>) -> Self {
        Self {
            state: OperationState::Done,
            code: None,
            message: None,
            response,
            next_attempt_at: None,
        }
    }

    pub fn with(
        state: OperationState,
        code: impl Into<ResultCode>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            state,
            code: Some(code.into()),
            message: Some(message.into()),
            response: None,
            next_attempt_at: None,
        }
    }
}

/// Advice for the messages a manager can act on: the vendor's own words (its
/// descriptor's hints), then Switchboard's.
pub(crate) fn hint(vendor: Vendor, message: &str) -> Option<String> {
    if let Some(h) = switchboard_vendors::descriptor_of(vendor).hint(message) {
        return Some(h.to_owned());
    }
    let m = message.to_ascii_lowercase();
    let h = if m.contains("changed at the vendor") {
        "Someone changed this target since you asked: apply your change anyway, or drop it."
    } else if m.contains("not confirmed") {
        "Check the target at the vendor; if the change is not there, send it again."
    } else if m.contains("does not hold it") {
        "Send it again; if it keeps happening, tell the vendor's support what you asked."
    } else if m.contains("refused the credentials") {
        "The key was refused: open Connections, edit this connection, paste the current key and press Test."
    } else {
        return None;
    };
    Some(h.to_owned())
}

/// The vendor's own words, without our field prefix.
fn vendor_message(e: &VendorError) -> String {
    match e {
        VendorError::InvalidInput { message, .. } | VendorError::NotFound { message, .. } => {
            message.clone()
        }
        other => other.to_string(),
    }
}

/// A success status whose body we could not read: the change may have been applied.
pub(crate) fn unreadable_success(e: &VendorError) -> Option<(u16, &str)> {
    match e {
        VendorError::Unexpected { status, excerpt } if (200..300).contains(status) => {
            Some((*status, excerpt))
        }
        _ => None,
    }
}

/// A failed call: waiting (temporary) or failed (the vendor refused it).
pub(crate) fn from_error(vendor: Vendor, e: &VendorError) -> Sent {
    let now = Timestamp::now().0;
    let later = |d: Duration| Some(Timestamp(now + d.as_millis() as i64));
    match e {
        e if e.is_unreachable() => Sent::with(
            OperationState::Queued,
            ErrorCode::Unreachable,
            e.to_string(),
        ),
        VendorError::RateLimited { retry_after, .. } => {
            let wait = retry_after.unwrap_or(AFTER_VENDOR_ERRORS);
            Sent {
                next_attempt_at: later(wait),
                ..Sent::with(
                    OperationState::Queued,
                    ErrorCode::RateLimited,
                    format!(
                        "{vendor} is limiting requests; waiting, tried again in {} (it is sent then)",
                        words(wait)
                    ),
                )
            }
        }
        VendorError::Vendor { status, message } if *status >= 500 => Sent {
            next_attempt_at: later(AFTER_VENDOR_ERRORS),
            ..Sent::with(
                OperationState::Queued,
                ErrorCode::VendorError,
                format!(
                    "{vendor} answered {status} ({message}) to every try; waiting, tried again in {}",
                    words(AFTER_VENDOR_ERRORS)
                ),
            )
        },
        e => Sent::with(
            OperationState::Failed,
            crate::error::vendor_code(e),
            vendor_message(e),
        ),
    }
}

fn words(d: Duration) -> String {
    match d.as_secs() {
        0..=90 => format!("{} s", d.as_secs().max(1)),
        s => format!("{} min", s.div_ceil(60)),
    }
}

/// Whether `holding` (vendor agent ids) shows `kind` with these agents applied:
/// a release leaves nobody; an assignment holds every asked agent, and only
/// them where the vendor holds one or the change replaced the rest.
pub(crate) fn holds(
    kind: OperationKind,
    asked: &BTreeSet<String>,
    exclusive: bool,
    holding: &BTreeSet<String>,
) -> bool {
    match kind {
        OperationKind::Release => holding.is_empty(),
        OperationKind::Assign if exclusive => holding == asked,
        OperationKind::Assign => asked.is_subset(holding),
        // Judged elsewhere: a status change by its per-agent results, a move
        // by `Change::is_held`.
        OperationKind::SetStatus | OperationKind::Move => true,
    }
}

pub(crate) fn assignee_ids(target: &RemoteTarget) -> BTreeSet<String> {
    target
        .assignees
        .iter()
        .flatten()
        .map(|a| a.agent_vendor_id.clone())
        .collect()
}

/// Decides from what the vendor says the target holds (its answer, or a read back).
pub(crate) fn judged(
    vendor: Vendor,
    kind: OperationKind,
    asked: &BTreeSet<String>,
    exclusive: bool,
    target: &RemoteTarget,
    read_back: bool,
) -> Sent {
    let holding = assignee_ids(target);
    let response = json!({"assignees": holding, "read_back": read_back});
    if holds(kind, asked, exclusive, &holding) {
        return Sent::done(Some(response));
    }
    let now = if holding.is_empty() {
        "nobody".to_owned()
    } else {
        holding.iter().cloned().collect::<Vec<_>>().join(", ")
    };
    Sent {
        response: Some(response),
        ..Sent::with(
            OperationState::Failed,
            ResultCode::NotApplied,
            format!(
                "{vendor} answered that it took the change, but the target now has {now}: it does not hold it"
            ),
        )
    }
}

/// Sent, not confirmed: the answer was unreadable and the target could not be read back.
pub(crate) fn unconfirmed(vendor: Vendor, status: u16, excerpt: &str, why: &str) -> Sent {
    Sent {
        response: Some(json!({"unreadable_answer": excerpt, "status": status})),
        ..Sent::with(
            OperationState::Unknown,
            ResultCode::Unconfirmed,
            format!(
                "sent, not confirmed: {vendor} answered {status} in words Switchboard cannot read ({}), and {why}",
                if excerpt.trim().is_empty() {
                    "an empty answer"
                } else {
                    "kept with the change"
                }
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_assignment_holds_when_every_asked_agent_is_there() {
        let asked = set(&["a", "b"]);
        assert!(holds(
            OperationKind::Assign,
            &asked,
            false,
            &set(&["a", "b", "c"])
        ));
        assert!(!holds(OperationKind::Assign, &asked, false, &set(&["a"])));
        assert!(
            !holds(OperationKind::Assign, &asked, true, &set(&["a", "b", "c"])),
            "replaced: only them"
        );
        assert!(holds(OperationKind::Release, &asked, false, &set(&[])));
        assert!(!holds(OperationKind::Release, &asked, false, &set(&["a"])));
    }

    #[test]
    fn temporary_refusals_wait_and_say_until_when() {
        let limited = from_error(
            Vendor::Helpcrunch,
            &VendorError::RateLimited {
                retry_after: Some(Duration::from_secs(600)),
                message: "too_many_requests".into(),
            },
        );
        assert_eq!(limited.state, OperationState::Queued);
        assert!(
            limited
                .message
                .as_deref()
                .unwrap_or_default()
                .contains("10 min"),
            "{limited:?}"
        );
        let at = limited.next_attempt_at.expect("a time").0 - Timestamp::now().0;
        assert!((590_000..=600_000).contains(&at), "{at}");
        let five = from_error(
            Vendor::Vambe,
            &VendorError::Vendor {
                status: 503,
                message: "busy".into(),
            },
        );
        assert_eq!(five.state, OperationState::Queued);
        assert!(five.next_attempt_at.is_some());
        let refused = from_error(
            Vendor::Vambe,
            &VendorError::NotFound {
                what: "contact".into(),
                message: "Contact not found".into(),
            },
        );
        assert_eq!(
            (refused.state, refused.message.as_deref()),
            (OperationState::Failed, Some("Contact not found"))
        );
    }
}
