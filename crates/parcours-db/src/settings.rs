//! The `settings` table: key → string value, with who changed it and when.
//! Typing and validating the values is the domain's (`parcours_domain::settings`).

use chrono::NaiveDateTime;
use rusqlite::{params, Connection, OptionalExtension};

use crate::sql;
use crate::Result;

/// The stored value of `key`, if set.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Sets `key` to `value`, recording who and when.
pub fn set(conn: &Connection, key: &str, value: &str, by: &str, at: NaiveDateTime) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![key, value, sql::ts(at), by],
    )?;
    Ok(())
}

/// Every stored setting, by key.
pub fn all(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Removes `key` (back to the default). Returns whether it was set.
pub fn unset(conn: &Connection, key: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM settings WHERE key = ?1", [key])? > 0)
}
