//! A table the window already holds (a dashboard's data) saved as CSV by the
//! one writer, with cells a spreadsheet would run made text.

use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use switchboard_domain::ValidationError;
use ts_rs::TS;

use super::{Destination, cell, csv_error};
use crate::EngineError;

#[derive(Debug, Clone, Deserialize, TS)]
pub struct Table {
    /// What the data is (letters, digits and dashes; used in the file name).
    pub name: String,
    pub columns: Vec<String>,
    /// Each row's cells as text, in the columns' order.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Writes the header and the rows; refuses a row whose cells do not match
    /// the columns, before writing anything.
    pub fn write(&self, out: &mut dyn Write) -> Result<u64, EngineError> {
        self.check()?;
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(self.columns.iter().map(|c| cell(c).into_owned()))
            .map_err(csv_error)?;
        for row in &self.rows {
            csv.write_record(row.iter().map(|c| cell(c).into_owned()))
                .map_err(csv_error)?;
        }
        csv.flush().map_err(super::io_error)?;
        Ok(self.rows.len() as u64)
    }

    /// Columns named, and every row with a cell for each.
    pub fn check(&self) -> Result<(), EngineError> {
        if self.columns.is_empty() {
            return Err(ValidationError::new("columns", "name at least one column").into());
        }
        if let Some((i, row)) = self
            .rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != self.columns.len())
        {
            return Err(ValidationError::new(
                "rows",
                format!(
                    "row {} has {} cells for {} columns",
                    i + 1,
                    row.len(),
                    self.columns.len()
                ),
            )
            .into());
        }
        Ok(())
    }

    /// The file name's part for this table: letters and digits, dashes for the rest.
    pub fn file_part(&self) -> Result<String, EngineError> {
        let name: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let name = name.trim_matches('-');
        if name.is_empty() {
            return Err(ValidationError::new(
                "name",
                "give the export a name of letters or digits",
            )
            .into());
        }
        Ok(name.to_owned())
    }

    /// Saves the table as the file `path` (replaced if there), whole or not at
    /// all: its rows.
    pub fn save_to(&self, path: &Path) -> Result<u64, EngineError> {
        self.check()?;
        Destination {
            path: path.to_path_buf(),
            replace: true,
        }
        .write(|out| self.write(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            name: "mismatches".into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
        }
    }

    fn csv_of(t: &Table) -> String {
        let mut out = Vec::new();
        t.write(&mut out).expect("written");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn writes_csv_that_spreadsheets_read_back() {
        let t = table(
            &["name", "note"],
            &[&["Ana", "says \"hi\", then leaves"], &["Bo", ""]],
        );
        assert_eq!(
            csv_of(&t),
            "name,note\nAna,\"says \"\"hi\"\", then leaves\"\nBo,\n"
        );
        // Names a spreadsheet would run are made text; signed numbers stay numbers.
        let t = table(
            &["name", "n"],
            &[&["=1+1", "-2.5"], &["@SUM(A1)", "+1 (555) 010"]],
        );
        assert_eq!(csv_of(&t), "name,n\n'=1+1,-2.5\n'@SUM(A1),+1 (555) 010\n");
    }

    #[test]
    fn a_ragged_row_or_a_nameless_table_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("dir");
        let ragged = table(&["name", "n"], &[&["Ana", "1"], &["Bo"]]);
        let path = dir.path().join("table.csv");
        let err = ragged.save_to(&path).expect_err("ragged");
        assert!(
            err.to_string().contains("row 2 has 1 cells for 2 columns"),
            "{err}"
        );
        let mut nameless = table(&["name"], &[&["Ana"]]);
        nameless.name = " ?! ".into();
        assert_eq!(
            nameless.file_part().expect_err("no name").code(),
            crate::ErrorCode::InvalidInput
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert!(left.is_empty(), "{left:?}");
        let rows = table(&["name"], &[&["Ana"]]).save_to(&path).expect("saved");
        assert_eq!(rows, 1);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "name\nAna\n");
    }
}
