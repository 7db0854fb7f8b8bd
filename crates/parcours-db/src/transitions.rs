//! The `transitions` table: every change of status of a case, with who, when
//! and why (SPEC §5). Rows are only ever appended.

use parcours_domain::lifecycle::{Status, Transition};
use rusqlite::{params, Connection};

use crate::sql::{self, get_enum, get_ts};
use crate::Result;

/// Appends the record of a transition of case `case_id`; returns its id.
pub fn record(conn: &Connection, case_id: i64, t: &Transition) -> Result<i64> {
    conn.execute(
        "INSERT INTO transitions (case_id, from_status, to_status, actor, at, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            case_id,
            t.from.as_str(),
            t.to.as_str(),
            t.actor,
            sql::ts(t.at),
            t.reason
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

fn from_row(r: &rusqlite::Row, first: usize) -> rusqlite::Result<Transition> {
    Ok(Transition {
        from: get_enum(r, first, "status", Status::parse)?,
        to: get_enum(r, first + 1, "status", Status::parse)?,
        actor: r.get(first + 2)?,
        at: get_ts(r, first + 3)?,
        reason: r.get(first + 4)?,
    })
}

/// The transitions of a case, oldest first.
pub fn list(conn: &Connection, case_id: i64) -> Result<Vec<Transition>> {
    let mut stmt = conn.prepare(
        "SELECT from_status, to_status, actor, at, reason FROM transitions
         WHERE case_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([case_id], |r| from_row(r, 0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every transition of every case as `(case_id, transition)`, oldest first
/// (for turnaround and throughput figures).
pub fn all(conn: &Connection) -> Result<Vec<(i64, Transition)>> {
    let mut stmt = conn.prepare(
        "SELECT case_id, from_status, to_status, actor, at, reason FROM transitions
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, from_row(r, 1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
