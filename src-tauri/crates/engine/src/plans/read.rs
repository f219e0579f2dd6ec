//! Reading an assignment plan's CSV: UTF-8 with or without a BOM, comma or
//! semicolon, a header row naming the columns (in any order; columns the plan
//! does not use, like an export's `outcome`, are ignored). A file too big or
//! not text is refused before it is read whole.

use std::io::Read;
use std::path::Path;

use switchboard_domain::ValidationError;

use crate::EngineError;

/// The largest plan read: 50,000 rows take about 5 MB.
pub const MAX_PLAN_BYTES: u64 = 64 * 1024 * 1024;

/// The columns a plan's rows say, in the template's order.
pub const PLAN_COLUMNS: [&str; 7] = [
    "connection",
    "target",
    "from",
    "to",
    "until",
    "notes",
    "replace",
];

/// Columns a plan must have.
const REQUIRED: [&str; 3] = ["connection", "target", "to"];

/// One row as written, by column (empty cells as empty strings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    /// The row's line in the file (the header is line 1).
    pub line: u32,
    pub connection: String,
    pub target: String,
    pub from: String,
    pub to: String,
    pub until: String,
    pub notes: String,
    pub replace: String,
    /// Every cell as written, for writing the row back out with its errors.
    pub cells: Vec<String>,
}

/// A plan's header and rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawPlan {
    pub header: Vec<String>,
    pub rows: Vec<RawRow>,
    pub delimiter: u8,
    /// Rows an exported preview marked skipped and gave nobody: left out.
    pub left_out: u32,
}

fn refused(message: impl Into<String>) -> EngineError {
    ValidationError::new("file", message).into()
}

/// Reads a plan file, refusing one too big or not text before reading it whole.
pub fn read_file(path: &Path) -> Result<RawPlan, EngineError> {
    read_text(&read_csv_file(path)?)
}

/// The text of a CSV file the manager chose (a plan, agents to import): one too
/// big or not text is refused before it is read whole; a BOM is taken off;
/// UTF-16 and text that is not UTF-8 are refused with the fix.
pub fn read_csv_file(path: &Path) -> Result<String, EngineError> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| refused(format!("cannot read {name}: {e}")))?
        .len();
    if size > MAX_PLAN_BYTES {
        return Err(too_big(size));
    }
    let mut file = std::fs::File::open(path)
        .map_err(|e| refused(format!("cannot read {name}: {e}")))?
        .take(MAX_PLAN_BYTES + 1);
    // The start says whether it is text at all, before the rest is read.
    let mut bytes = Vec::with_capacity(size as usize);
    (&mut file)
        .take(SNIFF)
        .read_to_end(&mut bytes)
        .map_err(|e| refused(format!("cannot read {name}: {e}")))?;
    not_binary(&bytes)?;
    file.read_to_end(&mut bytes)
        .map_err(|e| refused(format!("cannot read {name}: {e}")))?;
    text_of(&bytes).map(str::to_owned)
}

/// How much of a file is looked at to tell text from binary.
const SNIFF: u64 = 64 * 1024;

/// Refuses bytes that hold a NUL in their first [`SNIFF`] bytes: no text has one.
fn not_binary(bytes: &[u8]) -> Result<(), EngineError> {
    match bytes.iter().take(SNIFF as usize).position(|b| *b == 0) {
        Some(at) => Err(refused(format!(
            "this is not a CSV file (it holds binary data from byte {at}); export the spreadsheet as CSV UTF-8"
        ))),
        None => Ok(()),
    }
}

fn too_big(size: u64) -> EngineError {
    refused(format!(
        "the file is {} MB; a plan can be at most {} MB (about 500,000 rows). Split it into several plans",
        size / (1024 * 1024),
        MAX_PLAN_BYTES / (1024 * 1024)
    ))
}

/// Reads a plan from the file's bytes.
pub fn read_bytes(bytes: &[u8]) -> Result<RawPlan, EngineError> {
    read_text(text_of(bytes)?)
}

/// The text of a CSV file's bytes, without its BOM, or why it is not UTF-8 text.
fn text_of(bytes: &[u8]) -> Result<&str, EngineError> {
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(refused(
            "the file is UTF-16; save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)",
        ));
    }
    not_binary(bytes)?;
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        refused(format!(
            "line {line} is not UTF-8 text; save the file as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"
        ))
    })
}

/// The delimiter the header uses: a semicolon when it has more of them than
/// commas (spreadsheets in many European locales), else a comma.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c: char| header.chars().filter(|x| *x == c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

/// A cell as the manager wrote it: Switchboard's exports put a `'` before a
/// cell a spreadsheet would run (`=`, `+`, `-`, `@`), which is taken off again.
fn as_written(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn read_text(text: &str) -> Result<RawPlan, EngineError> {
    let delimiter = delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = loop {
        match records.next() {
            None => {
                return Err(refused(format!(
                    "the file is empty; a plan starts with a header row: {}",
                    PLAN_COLUMNS.join(",")
                )));
            }
            Some(Err(e)) => return Err(refused(format!("cannot read the header row: {e}"))),
            Some(Ok(r)) if r.iter().all(|c| c.trim().is_empty()) => {}
            Some(Ok(r)) => break r.iter().map(|c| c.trim().to_lowercase()).collect(),
        }
    };
    let at = |name: &str| header.iter().position(|h| h == name);
    let missing: Vec<&str> = REQUIRED.into_iter().filter(|c| at(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(refused(format!(
            "the header row has no {} column; a plan's header is: {} (from, until, notes and replace may be left out)",
            missing.join(", "),
            PLAN_COLUMNS.join(",")
        )));
    }
    let columns = PLAN_COLUMNS.map(at);
    let outcome = at("outcome");
    let mut rows = Vec::new();
    let mut left_out = 0;
    for record in records {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refused(format!(
                "line {line} cannot be read as CSV ({e}); check its quotes"
            ))
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| {
            columns[i]
                .and_then(|c| record.get(c))
                .map(|c| as_written(c.trim()).to_owned())
                .unwrap_or_default()
        };
        let skipped = outcome
            .and_then(|c| record.get(c))
            .is_some_and(|o| o.trim() == "skipped");
        if skipped && cell(3).is_empty() {
            left_out += 1;
            continue;
        }
        rows.push(RawRow {
            line: record.position().map_or(0, |p| p.line() as u32),
            connection: cell(0),
            target: cell(1),
            from: cell(2),
            to: cell(3),
            until: cell(4),
            notes: cell(5),
            replace: cell(6),
            cells: record.iter().map(str::to_owned).collect(),
        });
    }
    if rows.is_empty() && left_out == 0 {
        return Err(refused(format!(
            "the file has a header but no rows; add one row per change under it, e.g. {}",
            EXAMPLE_ROW
        )));
    }
    Ok(RawPlan {
        header,
        rows,
        delimiter,
        left_out,
    })
}

/// A row as a plan's rows are written (the template has more).
const EXAMPLE_ROW: &str = "Support Vambe,5491122334455,,ana@acme.com,,,";

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: EngineError) -> (String, String) {
        match e {
            EngineError::Invalid(v) => (v.field, v.message),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn reads_comma_and_semicolon_with_or_without_a_bom_in_any_column_order() {
        let comma = "connection,target,to,until\nSupport,42,ana@x.io,2030-01-01\n";
        let semi = "\u{feff}To;Target;CONNECTION;outcome\n\"b;c\";7;Sales;done\n\n";
        let a = read_bytes(comma.as_bytes()).expect("comma");
        assert_eq!((a.delimiter, a.rows.len()), (b',', 1));
        assert_eq!(
            (
                a.rows[0].line,
                a.rows[0].connection.as_str(),
                a.rows[0].until.as_str()
            ),
            (2, "Support", "2030-01-01")
        );
        let b = read_bytes(semi.as_bytes()).expect("semicolon");
        assert_eq!(b.delimiter, b';');
        assert_eq!(
            (
                b.rows[0].connection.as_str(),
                b.rows[0].target.as_str(),
                b.rows[0].to.as_str()
            ),
            ("Sales", "7", "b;c")
        );
        assert_eq!(b.rows[0].cells, ["b;c", "7", "Sales", "done"]);
    }

    #[test]
    fn refuses_what_is_not_a_plan_with_the_reason() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "empty"),
            (
                b"name,email\nAna,a@x.io\n",
                "no connection, target, to column",
            ),
            (b"connection,target,to\n\x00\x01\x02", "binary data"),
            (
                b"connection,target,to\nS,\xff\xfe,x\n",
                "line 2 is not UTF-8",
            ),
            (b"\xff\xfec\x00o\x00", "UTF-16"),
        ];
        for (bytes, says) in cases {
            let (field, message) = field_of(read_bytes(bytes).expect_err("refused"));
            assert_eq!(field, "file");
            assert!(message.contains(says), "{message}");
        }
    }

    #[test]
    fn a_file_too_big_is_refused_from_its_size_alone() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("huge.csv");
        let f = std::fs::File::create(&path).expect("create");
        f.set_len(1 << 30).expect("a sparse file of 1 GB");
        let (field, message) = field_of(read_file(&path).expect_err("refused"));
        assert_eq!(field, "file");
        assert!(message.contains("at most 64 MB"), "{message}");
    }
}
