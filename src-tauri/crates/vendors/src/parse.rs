//! Inputs checked before anything is sent, with messages that name the field and
//! the fix.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use switchboard_domain::{Timestamp, ValidationError};

/// A phone number as country code and number, digits only: `+91 98765-43210` and
/// `0091 (98765) 43210` both become `919876543210`. Anything else is refused.
pub fn normalize_phone(field: &str, input: &str) -> Result<String, ValidationError> {
    let trimmed = input.trim();
    let mut digits = String::with_capacity(trimmed.len());
    for (i, ch) in trimmed.chars().enumerate() {
        match ch {
            '0'..='9' => digits.push(ch),
            '+' if i == 0 => {}
            ' ' | '-' | '(' | ')' | '.' | '/' => {}
            other => {
                return Err(ValidationError::new(
                    field,
                    format!(
                        "'{trimmed}' has '{other}'; write the number with country code, e.g. +91 98765 43210"
                    ),
                ));
            }
        }
    }
    if !trimmed.starts_with('+') && digits.starts_with("00") {
        digits.drain(..2);
    }
    if !(8..=15).contains(&digits.len()) {
        return Err(ValidationError::new(
            field,
            format!(
                "'{trimmed}' has {} digits; a number with country code has 8 to 15, e.g. +91 98765 43210",
                digits.len()
            ),
        ));
    }
    Ok(digits)
}

/// A UUID in its canonical form (lower-cased).
pub fn validate_uuid(field: &str, input: &str) -> Result<String, ValidationError> {
    let t = input.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    if lens == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(ValidationError::new(
            field,
            format!("'{t}' is not a UUID; it looks like 0b7c2d3e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"),
        ))
    }
}

/// An ISO 8601 date or date-time (a time without zone is UTC).
pub fn parse_iso8601(field: &str, input: &str) -> Result<Timestamp, ValidationError> {
    let t = input.trim();
    let parsed = DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
            .map(|n| n.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        });
    parsed
        .map(|d| Timestamp(d.timestamp_millis()))
        .ok_or_else(|| {
            ValidationError::new(
                field,
                format!("'{t}' is not a date; write it as 2026-12-31 or 2026-12-31T18:00:00Z"),
            )
        })
}

/// A timestamp as RFC 3339 UTC with milliseconds, as the vendors write them.
pub(crate) fn to_iso(ts: Timestamp) -> String {
    DateTime::<Utc>::from_timestamp_millis(ts.0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Reads a vendor's ISO time leniently (`None` when absent or unreadable).
pub(crate) fn iso_to_ts(text: Option<&str>) -> Option<Timestamp> {
    text.and_then(|t| parse_iso8601("time", t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_to_digits() {
        for (input, want) in [
            ("+91 98765-43210", "919876543210"),
            ("919876543210", "919876543210"),
            ("0091 (98765) 43210", "919876543210"),
            (" +1 415.555.0100 ", "14155550100"),
        ] {
            assert_eq!(normalize_phone("phone", input).expect(input), want);
        }
    }

    #[test]
    fn bad_phones_say_why() {
        for (input, why) in [
            ("+91 98765", "digits"),
            ("call me", "has 'c'"),
            ("+91 98765 43210 12345", "digits"),
            ("91+98765", "has '+'"),
        ] {
            let e = normalize_phone("user_phone_number", input).expect_err(input);
            assert_eq!(e.field, "user_phone_number");
            assert!(e.message.contains(why), "{input}: {e}");
        }
    }

    #[test]
    fn uuids_and_dates() {
        assert!(validate_uuid("contact", "0B7C2D3E-1F2A-4B3C-8D4E-5F6A7B8C9D0E").is_ok());
        assert_eq!(
            validate_uuid("contact", "12345").expect_err("bad").field,
            "contact"
        );
        assert_eq!(
            parse_iso8601("dt_until", "2143-06-23").expect("date"),
            Timestamp(5_474_304_000_000)
        );
        assert!(parse_iso8601("dt_until", "2026-12-31T18:00:00+01:00").is_ok());
        let e = parse_iso8601("dt_until", "next week").expect_err("bad");
        assert!(e.message.contains("2026-12-31"), "{e}");
        assert_eq!(to_iso(Timestamp(0)), "1970-01-01T00:00:00.000Z");
    }
}
