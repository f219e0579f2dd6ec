//! Shared by the vendors' wire modules: decoding answers leniently and reading
//! error messages in every shape the vendors' docs show.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::VendorError;
use crate::error::excerpt;
use crate::http::{Answer, retry_after};

/// The body as `T`, or `Unexpected` with an excerpt of what came instead.
pub(crate) fn decode<T: DeserializeOwned>(answer: &Answer) -> Result<T, VendorError> {
    serde_json::from_slice(&answer.body).map_err(|e| VendorError::Unexpected {
        status: answer.status.as_u16(),
        excerpt: format!("{} ({e})", excerpt(&answer.body)),
    })
}

/// A change's success answer of the shape `{"<flag>": true, "message": ...}`
/// (Vambe's `success`, Splashify's `result`): `Ok` when the flag is true, the
/// vendor's words when it is false, and `Unexpected` when the body is not that
/// shape: the change was sent, but the answer does not confirm it.
pub(crate) fn acknowledged(answer: &Answer, flag: &str) -> Result<(), VendorError> {
    let value = serde_json::from_slice::<Value>(&answer.body).ok();
    match value
        .as_ref()
        .and_then(|v| v.get(flag))
        .and_then(Value::as_bool)
    {
        Some(true) => Ok(()),
        Some(false) => Err(VendorError::Vendor {
            status: answer.status.as_u16(),
            message: message(&answer.body),
        }),
        None => Err(VendorError::Unexpected {
            status: answer.status.as_u16(),
            excerpt: excerpt(&answer.body),
        }),
    }
}

/// The vendor's own message from an error body: `{"message"}`, `{"error"}`,
/// HelpCrunch's `{"errors":[{code, message}]}` or a bare array of those (every
/// entry read), or the raw text.
pub(crate) fn message(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let text = excerpt(body);
        return if text.trim().is_empty() {
            "no details given".into()
        } else {
            text
        };
    };
    let entries = match &value {
        Value::Array(list) => list.clone(),
        Value::Object(o) => match o.get("errors") {
            Some(Value::Array(list)) => list.clone(),
            _ => vec![value.clone()],
        },
        _ => vec![value.clone()],
    };
    let messages: Vec<String> = entries
        .iter()
        .filter_map(|e| {
            ["message", "error", "detail"]
                .iter()
                .find_map(|k| e.get(k).and_then(Value::as_str))
                .map(str::to_owned)
        })
        .collect();
    if messages.is_empty() {
        excerpt(body)
    } else {
        shortened(&messages.join("; "))
    }
}

/// The longest vendor message kept: enough for any real one, and a vendor (or
/// a proxy) answering with megabytes of text does not fill the window or the
/// journal with it.
const MESSAGE_MAX: usize = 500;

fn shortened(message: &str) -> String {
    if message.chars().count() <= MESSAGE_MAX {
        return message.to_owned();
    }
    let mut out: String = message.chars().take(MESSAGE_MAX).collect();
    out.push('…');
    out
}

/// The error codes of a HelpCrunch-style body, in order.
pub(crate) fn codes(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let list = match &value {
        Value::Array(list) => list.clone(),
        Value::Object(o) => o
            .get("errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    list.iter()
        .filter_map(|e| e.get("code").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// The mapping every vendor shares for statuses it does not single out.
pub(crate) fn common_error(answer: &Answer, what: &str) -> VendorError {
    let message = message(&answer.body);
    match answer.status.as_u16() {
        401 => VendorError::Unauthorized { message },
        403 => VendorError::Forbidden { message },
        404 => VendorError::NotFound {
            what: what.to_owned(),
            message,
        },
        429 => VendorError::RateLimited {
            retry_after: retry_after(&answer.headers),
            message,
        },
        400 | 422 => VendorError::InvalidInput {
            field: "request".into(),
            message,
        },
        status => VendorError::Vendor { status, message },
    }
}

/// An id the docs show as a number in one place and a string in another.
pub(crate) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_every_documented_shape() {
        assert_eq!(
            message(br#"{"message":"Agent 1 not found or not authorized"}"#),
            "Agent 1 not found or not authorized"
        );
        assert_eq!(
            message(br#"{"result":false,"message":"Agent inactive"}"#),
            "Agent inactive"
        );
        assert_eq!(
            message(br#"{"errors":[{"code":"a","message":"one"},{"code":"b","message":"two"}]}"#),
            "one; two",
            "every entry is read"
        );
        assert_eq!(
            message(br#"[{"code":"invalid_chat_value","message":"assignee value is invalid"}]"#),
            "assignee value is invalid"
        );
        assert_eq!(
            message(b"<html>Bad Gateway</html>"),
            "<html>Bad Gateway</html>"
        );
        assert_eq!(message(b""), "no details given");
        assert_eq!(codes(br#"[{"code":"x","message":"m"}]"#), ["x"]);
    }

    #[test]
    fn ids_as_numbers_or_strings() {
        assert_eq!(id_text(&serde_json::json!(4188)).as_deref(), Some("4188"));
        assert_eq!(id_text(&serde_json::json!("4188")).as_deref(), Some("4188"));
        assert_eq!(id_text(&serde_json::json!(null)), None);
    }
}
