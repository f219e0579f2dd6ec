//! Properties of the pure parts every vendor call goes through: phone
//! normalisation, UUID and date parsing, and the pacer's sliding window. Each
//! holds for any input proptest makes up (and shrinks a failure to its least).

use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use switchboard_vendors::{Pace, Pacer, normalize_phone, parse_iso8601, validate_uuid};

/// Ways people write the same number: separators between digits, and the
/// country code after `+`, `00` or nothing.
fn written_as(digits: &str, separators: &[char], prefix: u8) -> String {
    let mut out = match prefix % 3 {
        0 => "+".to_owned(),
        1 => "00".to_owned(),
        _ => String::new(),
    };
    for (i, d) in digits.chars().enumerate() {
        out.push(d);
        if let Some(sep) = separators.get(i).filter(|s| **s != 'x') {
            out.push(*sep);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_is_a_phone_or_refused_with_the_field_named(input in "\\PC{0,40}") {
        match normalize_phone("phone", &input) {
            Ok(digits) => {
                prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits}");
                prop_assert!((8..=15).contains(&digits.len()), "{digits}");
                // Normalising again changes nothing.
                prop_assert_eq!(normalize_phone("phone", &digits).ok(), Some(digits.clone()));
            }
            Err(e) => {
                prop_assert_eq!(e.field.as_str(), "phone");
                prop_assert!(e.message.contains("country code"), "{}", e.message);
            }
        }
    }

    #[test]
    fn a_number_however_written_is_the_same_digits(
        digits in "[1-9][0-9]{7,14}",
        separators in proptest::collection::vec(prop_oneof![Just(' '), Just('-'), Just('.'), Just('/'), Just('x'), Just('x')], 0..15),
        prefix in 0u8..3,
    ) {
        let written = written_as(&digits, &separators, prefix);
        prop_assert_eq!(normalize_phone("phone", &written).map_err(|e| e.message), Ok(digits));
    }

    #[test]
    fn a_uuid_in_any_case_and_spacing_is_its_canonical_form(bytes in any::<[u8; 16]>(), upper in any::<bool>(), pad in "[ \t]{0,3}") {
        let canonical = uuid::Uuid::from_bytes(bytes).hyphenated().to_string();
        let written = if upper { canonical.to_uppercase() } else { canonical.clone() };
        let got = validate_uuid("id", &format!("{pad}{written}{pad}"));
        prop_assert_eq!(got.map_err(|e| e.message), Ok(canonical));
    }

    #[test]
    fn any_text_is_a_uuid_or_refused_with_an_example(input in "\\PC{0,50}") {
        match validate_uuid("id", &input) {
            Ok(id) => prop_assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}"),
            Err(e) => {
                prop_assert_eq!(e.field.as_str(), "id");
                prop_assert!(e.message.contains("is not a UUID"), "{}", e.message);
            }
        }
    }

    #[test]
    fn a_moment_written_any_documented_way_reads_back(
        ms in 0i64..4_102_444_800_000, // 1970 to 2100
        offset_min in -14i32 * 60..=14 * 60,
        form in 0u8..4,
    ) {
        use chrono::{FixedOffset, TimeZone, Utc};
        let utc = Utc.timestamp_millis_opt(ms).single().expect("in range");
        let (text, want) = match form {
            // RFC 3339 with an offset, to the millisecond.
            0 => {
                let zone = FixedOffset::east_opt(offset_min * 60).expect("offset");
                (utc.with_timezone(&zone).to_rfc3339_opts(chrono::SecondsFormat::Millis, false), ms)
            }
            // Zulu, to the millisecond.
            1 => (utc.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), ms),
            // A time without zone is UTC (to the minute).
            2 => (utc.format("%Y-%m-%d %H:%M").to_string(), ms - ms.rem_euclid(60_000)),
            // A date is its midnight, UTC.
            _ => (utc.format("%Y-%m-%d").to_string(), ms - ms.rem_euclid(86_400_000)),
        };
        prop_assert_eq!(parse_iso8601("until", &text).map(|t| t.0).map_err(|e| e.message), Ok(want), "{}", text);
    }

    #[test]
    fn any_text_is_a_date_or_refused_with_the_form_to_write(input in "\\PC{0,40}") {
        if let Err(e) = parse_iso8601("until", &input) {
            prop_assert_eq!(e.field.as_str(), "until");
            prop_assert!(e.message.contains("2026-12-31"), "{}", e.message);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The vendor counts a call when it arrives, some time between its sending
    /// and its answer. Whatever the latencies and however many callers at once,
    /// no window can hold more than `max` calls that might have arrived in it.
    #[test]
    fn the_pacer_never_lets_a_window_see_more_than_its_limit(
        max in 1u32..6,
        window_ms in 50u64..2_000,
        latencies in proptest::collection::vec(0u64..1_500, 1..40),
        callers in 1usize..6,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let calls = runtime.block_on(async {
            let pacer = Arc::new(Pacer::new(Some(Pace { max, window_ms })));
            let start = tokio::time::Instant::now();
            let latencies = Arc::new(std::sync::Mutex::new(latencies));
            let mut tasks = Vec::new();
            for _ in 0..callers {
                let (pacer, latencies) = (pacer.clone(), latencies.clone());
                tasks.push(tokio::spawn(async move {
                    let mut spans = Vec::new();
                    loop {
                        let Some(latency) = latencies.lock().expect("lock").pop() else { break };
                        let ticket = pacer.wait().await;
                        let sent = start.elapsed();
                        tokio::time::sleep(Duration::from_millis(latency)).await;
                        let answered = start.elapsed();
                        drop(ticket);
                        spans.push((sent, answered));
                    }
                    spans
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.expect("caller"));
            }
            all
        });
        let window = Duration::from_millis(window_ms);
        // The worst window starts at some call's sending.
        for &(t, _) in &calls {
            let might_arrive = calls
                .iter()
                .filter(|(sent, answered)| *sent < t + window && *answered >= t)
                .count();
            prop_assert!(
                might_arrive <= max as usize,
                "{might_arrive} calls may arrive in the window from {t:?} (max {max}, {window_ms} ms): {calls:?}"
            );
        }
    }
}
