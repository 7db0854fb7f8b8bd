//! The `tracking_events` table: La Poste's delivery events, one row per
//! `(s10, event, event_date)` (SPEC §7). The UNIQUE key makes a second
//! import of the same file insert nothing.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::sql::{self, get_date, get_ts};
use crate::Result;

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// S10 number, compact.
    pub s10: &'a str,
    /// La Poste's code (`DISTRIBUE`).
    pub event: &'a str,
    /// Day of the event.
    pub event_date: NaiveDate,
    /// The case holding the letter, if known.
    pub case_id: Option<i64>,
    /// When it was imported.
    pub at: NaiveDateTime,
    /// Who imported it.
    pub by: &'a str,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// Row id.
    pub id: i64,
    /// S10 number, compact.
    pub s10: String,
    /// La Poste's code.
    pub event: String,
    /// Day of the event.
    pub event_date: NaiveDate,
    /// The case.
    pub case_id: Option<i64>,
    /// When it was imported.
    pub imported_at: NaiveDateTime,
    /// Who imported it.
    pub imported_by: String,
}

/// Records an event; `false` when the same `(s10, event, event_date)` is
/// already there (nothing is written then).
pub fn insert(conn: &Connection, e: &NewEvent) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO tracking_events (s10, event, event_date, case_id, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (s10, event, event_date) DO NOTHING",
        params![
            e.s10,
            e.event,
            sql::date(e.event_date),
            e.case_id,
            sql::ts(e.at),
            e.by
        ],
    )?;
    Ok(n == 1)
}

/// Whether this event is already recorded.
pub fn exists(conn: &Connection, s10: &str, event: &str, event_date: NaiveDate) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM tracking_events
                       WHERE s10 = ?1 AND event = ?2 AND event_date = ?3)",
        params![s10, event, sql::date(event_date)],
        |r| r.get(0),
    )?)
}

/// The events of a case, by date then import order.
pub fn for_case(conn: &Connection, case_id: i64) -> Result<Vec<EventRow>> {
    let mut st = conn.prepare(
        "SELECT id, s10, event, event_date, case_id, imported_at, imported_by
         FROM tracking_events WHERE case_id = ?1 ORDER BY event_date, id",
    )?;
    let rows = st.query_map([case_id], |r| {
        Ok(EventRow {
            id: r.get(0)?,
            s10: r.get(1)?,
            event: r.get(2)?,
            event_date: get_date(r, 3)?,
            case_id: r.get(4)?,
            imported_at: get_ts(r, 5)?,
            imported_by: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of events recorded.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM tracking_events", [], |r| r.get(0))?)
}
