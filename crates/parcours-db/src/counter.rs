//! The `counter_checks` table: every ID check recorded at the post-office
//! counter (SPEC §8), whether the document was accepted or refused.

use chrono::NaiveDateTime;
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::sql::{self, get_ts};
use crate::Result;

/// A check to record.
#[derive(Debug, Clone)]
pub struct NewCheck<'a> {
    /// The case.
    pub case_id: i64,
    /// S10 number of the letter handed over, if one.
    pub s10: Option<&'a str>,
    /// Number of the document shown, as typed.
    pub document_number: &'a str,
    /// Whether it matches the case's ID document number.
    pub number_matches: bool,
    /// `verified` or `refused`.
    pub outcome: &'a str,
    /// Why (required by the app when the number does not match).
    pub reason: &'a str,
    /// Counter agent.
    pub by: &'a str,
    /// When.
    pub at: NaiveDateTime,
}

/// A recorded check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// S10 number.
    pub s10: Option<String>,
    /// Number of the document shown (blank once purged).
    pub document_number: String,
    /// Whether it matched.
    pub number_matches: bool,
    /// `verified` or `refused`.
    pub outcome: String,
    /// Why.
    pub reason: String,
    /// Counter agent.
    pub by_user: String,
    /// When.
    pub at: NaiveDateTime,
}

/// Records a check; returns its id.
pub fn insert(conn: &Connection, c: &NewCheck) -> Result<i64> {
    conn.execute(
        "INSERT INTO counter_checks (case_id, s10, document_number, number_matches, outcome,
                                     reason, by_user, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            c.case_id,
            c.s10,
            c.document_number,
            i64::from(c.number_matches),
            c.outcome,
            c.reason,
            c.by,
            sql::ts(c.at)
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The checks of a case, oldest first.
pub fn for_case(conn: &Connection, case_id: i64) -> Result<Vec<CheckRow>> {
    let mut st = conn.prepare(
        "SELECT id, case_id, s10, document_number, number_matches, outcome, reason, by_user, at
         FROM counter_checks WHERE case_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([case_id], |r| {
        Ok(CheckRow {
            id: r.get(0)?,
            case_id: r.get(1)?,
            s10: r.get(2)?,
            document_number: r.get(3)?,
            number_matches: r.get::<_, i64>(4)? == 1,
            outcome: r.get(5)?,
            reason: r.get(6)?,
            by_user: r.get(7)?,
            at: get_ts(r, 8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
