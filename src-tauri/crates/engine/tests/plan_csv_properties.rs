//! Properties of the assignment plan's CSV reader: any cells a spreadsheet or
//! a script writes (quotes, delimiters, line breaks, any Unicode, formula
//! guards) read back as written, with comma or semicolon, with or without a
//! BOM; and any bytes at all are read or refused with a message, never a panic.

use proptest::prelude::*;
use switchboard_engine::EngineError;
use switchboard_engine::plans::{PLAN_COLUMNS, read_bytes};

/// A cell: any text, often with the characters CSV must quote.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,12}",
        2 => "[a-z ,;\"'\\n=+@-]{0,10}",
        1 => Just(String::new()),
    ]
}

/// What the reader gives back for a cell: trimmed, and the `'` Switchboard's
/// exports put before a formula taken off again.
fn as_read(cell: &str) -> String {
    let t = cell.trim();
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => t.to_owned(),
    }
}

fn write(rows: &[Vec<String>], delimiter: u8, bom: bool) -> Vec<u8> {
    let mut out = if bom {
        b"\xEF\xBB\xBF".to_vec()
    } else {
        Vec::new()
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    w.write_record(PLAN_COLUMNS).expect("header");
    for r in rows {
        w.write_record(r).expect("row");
    }
    out.extend(w.into_inner().expect("flush"));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_cells_read_back_as_written(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 7), 0..30),
        semicolon in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let delimiter = if semicolon { b';' } else { b',' };
        let plan = read_bytes(&write(&rows, delimiter, bom)).map_err(|e| e.to_string());
        let kept: Vec<&Vec<String>> = rows.iter().filter(|r| !r.iter().all(|c| c.trim().is_empty())).collect();
        // A header with no rows (or only blank ones) is refused, with an example row.
        if kept.is_empty() {
            let refused = plan.err().unwrap_or_default();
            prop_assert!(refused.contains("no rows"), "{}", refused);
            return Ok(());
        }
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => return Err(TestCaseError::fail(format!("refused: {e}"))),
        };
        prop_assert_eq!(plan.delimiter, delimiter);
        prop_assert_eq!(plan.header, PLAN_COLUMNS.map(String::from).to_vec());
        prop_assert_eq!(plan.rows.len(), kept.len());
        let mut last_line = 1;
        for (got, want) in plan.rows.iter().zip(kept) {
            let got_cells = [&got.connection, &got.target, &got.from, &got.to, &got.until, &got.notes, &got.replace];
            for (g, w) in got_cells.iter().zip(want) {
                prop_assert_eq!(g.as_str(), as_read(w));
            }
            prop_assert_eq!(&got.cells, want);
            prop_assert!(got.line > last_line, "lines in order: {} after {}", got.line, last_line);
            last_line = got.line;
        }
    }

    #[test]
    fn any_bytes_are_read_or_refused_naming_the_file(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        if let Err(e) = read_bytes(&bytes) {
            match e {
                EngineError::Invalid(v) => {
                    prop_assert_eq!(v.field.as_str(), "file");
                    prop_assert!(!v.message.is_empty());
                }
                other => return Err(TestCaseError::fail(format!("not a validation error: {other}"))),
            }
        }
    }
}
