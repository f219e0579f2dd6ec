//! Reading domain values out of rows. A value that does not parse is a conversion
//! failure naming the column, never a panic.

use std::str::FromStr;

use rusqlite::Row;
use rusqlite::types::Type;
use switchboard_domain::{Timestamp, ValidationError};

fn failure(
    index: &str,
    ty: Type,
    err: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, ty, format!("{index}: {err}").into())
}

/// A text column holding a domain enum or id.
pub fn parsed<T>(row: &Row<'_>, column: &str) -> rusqlite::Result<T>
where
    T: FromStr<Err = ValidationError>,
{
    let text: String = row.get(column)?;
    text.parse()
        .map_err(|e: ValidationError| failure(column, Type::Text, e))
}

/// A nullable text column holding a domain id or enum.
pub fn opt_parsed<T>(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<T>>
where
    T: FromStr<Err = ValidationError>,
{
    let text: Option<String> = row.get(column)?;
    text.map(|t| {
        t.parse()
            .map_err(|e: ValidationError| failure(column, Type::Text, e))
    })
    .transpose()
}

pub fn timestamp(row: &Row<'_>, column: &str) -> rusqlite::Result<Timestamp> {
    row.get::<_, i64>(column).map(Timestamp)
}

pub fn opt_timestamp(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Timestamp>> {
    Ok(row.get::<_, Option<i64>>(column)?.map(Timestamp))
}

pub fn json(row: &Row<'_>, column: &str) -> rusqlite::Result<serde_json::Value> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| failure(column, Type::Text, e))
}

pub fn opt_json(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<serde_json::Value>> {
    let text: Option<String> = row.get(column)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| failure(column, Type::Text, e)))
        .transpose()
}

/// A JSON array of strings.
pub fn string_list(row: &Row<'_>, column: &str) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| failure(column, Type::Text, e))
}
