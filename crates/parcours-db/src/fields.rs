//! The `fields` table: the value of every form field of a case as read by
//! OCR or corrected by a clerk, with the reader's confidence and the crop of
//! the scan it was read from.

use chrono::NaiveDateTime;
use parcours_domain::form::FieldValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::{self, get_json, get_opt_ts, to_json};
use crate::Result;

/// One field of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldRow {
    /// Field key of the form template (`last_name`).
    pub key: String,
    /// Normalised value; `None` when empty.
    pub value: Option<FieldValue>,
    /// Confidence of the reading, 0–1 (1 once a clerk typed it).
    pub confidence: f32,
    /// SHA-256 of the crop image in the scans store, if one.
    pub crop_sha: Option<String>,
    /// Page (index in the case) the value was read from.
    pub page_idx: Option<i64>,
    /// Login of the clerk who corrected it.
    pub corrected_by: Option<String>,
    /// When it was corrected.
    pub corrected_at: Option<NaiveDateTime>,
}

const COLUMNS: &str = "key, value, confidence, crop_sha, page_idx, corrected_by, corrected_at";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<FieldRow> {
    let confidence: f64 = r.get(2)?;
    Ok(FieldRow {
        key: r.get(0)?,
        value: get_json(r, 1)?,
        // Stored from an f32, so this narrowing is exact.
        confidence: confidence as f32,
        crop_sha: r.get(3)?,
        page_idx: r.get(4)?,
        corrected_by: r.get(5)?,
        corrected_at: get_opt_ts(r, 6)?,
    })
}

/// Inserts the field, or replaces every column of the existing one.
pub fn upsert(conn: &Connection, case_id: i64, f: &FieldRow) -> Result<()> {
    conn.execute(
        "INSERT INTO fields (case_id, key, value, confidence, crop_sha, page_idx,
             corrected_by, corrected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (case_id, key) DO UPDATE SET value = excluded.value,
             confidence = excluded.confidence, crop_sha = excluded.crop_sha,
             page_idx = excluded.page_idx, corrected_by = excluded.corrected_by,
             corrected_at = excluded.corrected_at",
        params![
            case_id,
            f.key,
            to_json(f.value.as_ref())?,
            f64::from(f.confidence),
            f.crop_sha,
            f.page_idx,
            f.corrected_by,
            f.corrected_at.map(sql::ts),
        ],
    )?;
    Ok(())
}

/// The fields of a case, in the order they were first stored.
pub fn list(conn: &Connection, case_id: i64) -> Result<Vec<FieldRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM fields WHERE case_id = ?1 ORDER BY rowid"
    ))?;
    let rows = stmt.query_map([case_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One field of a case, if stored.
pub fn get(conn: &Connection, case_id: i64, key: &str) -> Result<Option<FieldRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM fields WHERE case_id = ?1 AND key = ?2"),
            params![case_id, key],
            from_row,
        )
        .optional()?)
}
