//! The `checks` table: the problems found on a case (SPEC §4) and the
//! clerks' overrides of them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use parcours_domain::checks::{Check, CheckCode, Severity};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::sql::{self, get_enum, get_opt_ts};
use crate::{DbError, Result};

/// A stored check and its override, if a clerk overrode it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    /// The check.
    pub check: Check,
    /// Login of the clerk who overrode it.
    pub overridden_by: Option<String>,
    /// The written reason.
    pub override_reason: Option<String>,
    /// When.
    pub overridden_at: Option<NaiveDateTime>,
}

impl CheckRow {
    /// Whether a clerk overrode this check.
    pub fn is_overridden(&self) -> bool {
        self.overridden_by.is_some()
    }
}

fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "blocking" => Some(Severity::Blocking),
        "review" => Some(Severity::Review),
        _ => None,
    }
}

type Override = (Option<String>, Option<String>, Option<String>);

/// Replaces the checks of a case with `checks`, keeping the override of every
/// check whose `(code, field)` was already there and overridden.
pub fn replace(conn: &Connection, case_id: i64, checks: &[Check]) -> Result<()> {
    let mut kept: HashMap<(String, Option<String>), Override> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT code, field, overridden_by, override_reason, overridden_at FROM checks
             WHERE case_id = ?1 AND overridden_by IS NOT NULL",
        )?;
        let rows = stmt.query_map([case_id], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?)))
        })?;
        for row in rows {
            let (k, v) = row?;
            kept.insert(k, v);
        }
    }
    conn.execute("DELETE FROM checks WHERE case_id = ?1", [case_id])?;
    let mut insert = conn.prepare(
        "INSERT INTO checks (case_id, code, severity, field, overridden_by, override_reason,
             overridden_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for c in checks {
        let key = (c.code.as_str().to_string(), c.field.clone());
        let (by, reason, at) = kept.get(&key).cloned().unwrap_or_default();
        insert.execute(params![
            case_id,
            c.code.as_str(),
            c.severity.as_str(),
            c.field,
            by,
            reason,
            at
        ])?;
    }
    Ok(())
}

/// The checks of a case, in the order they were stored.
pub fn list(conn: &Connection, case_id: i64) -> Result<Vec<CheckRow>> {
    let mut stmt = conn.prepare(
        "SELECT code, severity, field, overridden_by, override_reason, overridden_at
         FROM checks WHERE case_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        Ok(CheckRow {
            check: Check {
                code: get_enum(r, 0, "check code", CheckCode::parse)?,
                severity: get_enum(r, 1, "severity", parse_severity)?,
                field: r.get(2)?,
            },
            overridden_by: r.get(3)?,
            override_reason: r.get(4)?,
            overridden_at: get_opt_ts(r, 5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a clerk's override of the check `(code, field)` of a case.
/// [`DbError::NotFound`] if the case has no such check.
pub fn override_check(
    conn: &Connection,
    case_id: i64,
    code: CheckCode,
    field: Option<&str>,
    by: &str,
    reason: &str,
    at: NaiveDateTime,
) -> Result<()> {
    let n = conn.execute(
        "UPDATE checks SET overridden_by = ?4, override_reason = ?5, overridden_at = ?6
         WHERE case_id = ?1 AND code = ?2 AND field IS ?3",
        params![case_id, code.as_str(), field, by, reason, sql::ts(at)],
    )?;
    if n == 0 {
        return Err(DbError::NotFound(format!(
            "contrôle {}{} du dossier n° {case_id}",
            code.as_str(),
            field.map(|f| format!(" ({f})")).unwrap_or_default()
        )));
    }
    Ok(())
}
