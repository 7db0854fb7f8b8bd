//! Conversions shared by the table modules: timestamps, dates, JSON columns
//! and stored names of domain enums.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::Type;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Format of every stored timestamp.
pub(crate) const TS_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";
/// Format of every stored date.
pub(crate) const DATE_FORMAT: &str = "%Y-%m-%d";

/// `YYYY-MM-DDTHH:MM:SS` (fractions of a second are dropped).
pub(crate) fn ts(at: NaiveDateTime) -> String {
    at.format(TS_FORMAT).to_string()
}

/// `YYYY-MM-DD`.
pub(crate) fn date(d: NaiveDate) -> String {
    d.format(DATE_FORMAT).to_string()
}

/// A conversion failure of column `idx`, reported as a rusqlite error.
pub(crate) fn bad(idx: usize, msg: impl Into<String>) -> rusqlite::Error {
    let msg: String = msg.into();
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, msg.into())
}

/// Reads a timestamp column.
pub(crate) fn get_ts(row: &rusqlite::Row, idx: usize) -> rusqlite::Result<NaiveDateTime> {
    let s: String = row.get(idx)?;
    NaiveDateTime::parse_from_str(&s, TS_FORMAT)
        .map_err(|e| bad(idx, format!("bad timestamp {s:?}: {e}")))
}

/// Reads a nullable timestamp column.
pub(crate) fn get_opt_ts(
    row: &rusqlite::Row,
    idx: usize,
) -> rusqlite::Result<Option<NaiveDateTime>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| {
        NaiveDateTime::parse_from_str(&s, TS_FORMAT)
            .map_err(|e| bad(idx, format!("bad timestamp {s:?}: {e}")))
    })
    .transpose()
}

/// Reads a date column.
pub(crate) fn get_date(row: &rusqlite::Row, idx: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = row.get(idx)?;
    NaiveDate::parse_from_str(&s, DATE_FORMAT).map_err(|e| bad(idx, format!("bad date {s:?}: {e}")))
}

/// Serialises a nullable JSON column.
pub(crate) fn to_json<T: Serialize>(v: Option<&T>) -> serde_json::Result<Option<String>> {
    v.map(serde_json::to_string).transpose()
}

/// Reads a nullable JSON column.
pub(crate) fn get_json<T: DeserializeOwned>(
    row: &rusqlite::Row,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| {
        serde_json::from_str(&s)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
    })
    .transpose()
}

/// Reads a column holding a stable enum name, parsed by `parse`.
pub(crate) fn get_enum<T>(
    row: &rusqlite::Row,
    idx: usize,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    parse(&s).ok_or_else(|| bad(idx, format!("unknown {what} {s:?}")))
}

/// `usize` → SQLite integer, saturating (for LIMIT / OFFSET).
pub(crate) fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
