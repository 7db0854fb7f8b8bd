//! SQL aggregates for the managers' reports (SPEC §7), on the `case_clock`
//! table that migration 0003 keeps up to date from every transition.
//!
//! No rules here: which statuses count as running, the length of the
//! promise and the bucket bounds are passed in by the caller
//! (`parcours_domain::turnaround`). Every query reads an index or the open
//! cases only, so that the backlog answers quickly on a million cases.

use chrono::{Datelike, Days, NaiveDate};
use parcours_domain::lifecycle::Status;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::{self, get_date, get_enum};
use crate::{DbError, Result};

/// The turnaround clock of one case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// Calendar days of finished pauses.
    pub paused_days: i64,
    /// Day the running pause began.
    pub paused_since: Option<NaiveDate>,
    /// Day of the first `verified`.
    pub verified_on: Option<NaiveDate>,
    /// Clock days from receipt to `verified`.
    pub turnaround_days: Option<i64>,
    /// Day of `closed`.
    pub closed_on: Option<NaiveDate>,
}

fn opt_date(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let s: Option<String> = r.get(idx)?;
    s.map(|s| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|e| sql::bad(idx, format!("bad date {s:?}: {e}")))
    })
    .transpose()
}

/// The clock of a case (`None` for a case without any transition yet).
pub fn clock(conn: &Connection, case_id: i64) -> Result<Option<Clock>> {
    Ok(conn
        .query_row(
            "SELECT paused_days, paused_since, verified_on, turnaround_days, closed_on
             FROM case_clock WHERE case_id = ?1",
            [case_id],
            |r| {
                Ok(Clock {
                    paused_days: r.get(0)?,
                    paused_since: opt_date(r, 1)?,
                    verified_on: opt_date(r, 2)?,
                    turnaround_days: r.get(3)?,
                    closed_on: opt_date(r, 4)?,
                })
            },
        )
        .optional()?)
}

/// `status IN ('a', 'b')` from stable names (never user input).
fn status_in(statuses: &[Status]) -> String {
    let names: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("c.status IN ({})", names.join(", "))
}

/// Days paused up to the day whose Julian day number is `?2` (finished
/// pauses plus the running one), as SQL.
const PAUSED_TOTAL: &str = "(COALESCE(k.paused_days, 0) + CASE WHEN k.paused_since IS NULL THEN 0 \
     ELSE MAX(0, ?2 - julianday(k.paused_since)) END)";

/// SQLite's `julianday(day)`, computed once here rather than on every row.
fn julian(day: NaiveDate) -> f64 {
    // julianday('0001-01-01') is 1721425.5 and that day is day 1 from the CE.
    f64::from(day.num_days_from_ce()) + 1_721_424.5
}

/// Ageing of the cases in `statuses` received on or before `as_of`: clock
/// days since receipt (pauses excluded), counted in buckets bounded above by
/// `upper` (inclusive), plus one last bucket for the rest.
pub fn ageing(
    conn: &Connection,
    statuses: &[Status],
    as_of: NaiveDate,
    upper: &[i64],
) -> Result<Vec<i64>> {
    let mut bucket = String::from("CASE");
    for (i, u) in upper.iter().enumerate() {
        bucket.push_str(&format!(" WHEN age <= {u} THEN {i}"));
    }
    bucket.push_str(&format!(" ELSE {} END", upper.len()));
    let query = format!(
        "SELECT {bucket} AS b, COUNT(*) FROM (
             SELECT CAST(round(?2 - julianday(c.received) - {PAUSED_TOTAL}) AS INTEGER) AS age
             FROM cases c LEFT JOIN case_clock k ON k.case_id = c.id
             WHERE {} AND c.received <= ?1)
         GROUP BY b",
        status_in(statuses)
    );
    let mut out = vec![0; upper.len() + 1];
    let mut st = conn.prepare(&query)?;
    let rows = st.query_map(params![sql::date(as_of), julian(as_of)], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (b, n) = row?;
        if let Some(slot) = usize::try_from(b).ok().and_then(|b| out.get_mut(b)) {
            *slot = n;
        }
    }
    Ok(out)
}

/// A running case close to or past its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Watched {
    /// Reference.
    pub reference: String,
    /// Receipt date.
    pub received: NaiveDate,
    /// Due date on `as_of`.
    pub due: NaiveDate,
    /// Days from `as_of` to `due` (negative when past).
    pub days_left: i64,
    /// Status.
    pub status: Status,
}

/// The cases in `statuses`, received on or before `as_of`, with at most
/// `max_days_left` days left on `as_of` (due = receipt + `promise_days` +
/// days paused), fewest days left first.
pub fn watch(
    conn: &Connection,
    statuses: &[Status],
    as_of: NaiveDate,
    promise_days: i64,
    max_days_left: i64,
) -> Result<Vec<Watched>> {
    let query = format!(
        "SELECT reference, received, status, days_left FROM (
             SELECT c.reference, c.received, c.status,
                    CAST(round(julianday(c.received) + ?3 + {PAUSED_TOTAL} - ?2) AS INTEGER)
                        AS days_left
             FROM cases c LEFT JOIN case_clock k ON k.case_id = c.id
             WHERE {} AND c.received <= ?1)
         WHERE days_left <= ?4
         ORDER BY days_left, received, reference",
        status_in(statuses)
    );
    let mut st = conn.prepare(&query)?;
    let rows = st.query_map(
        params![sql::date(as_of), julian(as_of), promise_days, max_days_left],
        |r| {
            let days_left: i64 = r.get(3)?;
            Ok(Watched {
                reference: r.get(0)?,
                received: get_date(r, 1)?,
                status: get_enum(r, 2, "status", Status::parse)?,
                due: shift(as_of, days_left).map_err(|e| sql::bad(3, e.to_string()))?,
                days_left,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn shift(date: NaiveDate, days: i64) -> Result<NaiveDate> {
    let n = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(n)
    } else {
        date.checked_sub_days(n)
    }
    .ok_or_else(|| DbError::NotFound(format!("date {date} + {days} jours")))
}

fn per_day(
    conn: &Connection,
    query: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>> {
    let mut st = conn.prepare(query)?;
    let rows = st.query_map([sql::date(from), sql::date(to)], |r| {
        Ok((get_date(r, 0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Cases received per day, `from..=to` (days without any are left out).
pub fn intake_per_day(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>> {
    per_day(
        conn,
        "SELECT received, COUNT(*) FROM cases WHERE received BETWEEN ?1 AND ?2 GROUP BY received",
        from,
        to,
    )
}

/// Cases verified per day, `from..=to` (days without any are left out).
pub fn verified_per_day(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>> {
    per_day(
        conn,
        "SELECT verified_on, COUNT(*) FROM case_clock WHERE verified_on BETWEEN ?1 AND ?2
         GROUP BY verified_on",
        from,
        to,
    )
}

/// `(clock days receipt → verified, number of cases)`, fewest days first,
/// over the cases verified `from..=to` (every verified case when `None`).
pub fn turnaround_histogram(
    conn: &Connection,
    range: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> = match range {
        None => {
            let mut st =
                conn.prepare("SELECT days, n FROM turnaround_counts WHERE n > 0 ORDER BY days")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        }
        Some((from, to)) => {
            let mut st = conn.prepare(
                "SELECT turnaround_days, COUNT(*) FROM case_clock
                 WHERE verified_on BETWEEN ?1 AND ?2 AND turnaround_days IS NOT NULL
                 GROUP BY turnaround_days ORDER BY turnaround_days",
            )?;
            let rows = st.query_map([sql::date(from), sql::date(to)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        }
    };
    Ok(rows)
}

/// One case as exported: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: Status,
    /// Receipt date.
    pub received: NaiveDate,
    /// The clock (default for a case without transitions).
    pub clock: Clock,
    /// S10 number of the current registered letter.
    pub s10: Option<String>,
}

/// Number of cases in each status, every status in lifecycle order (zeros
/// included), from the running totals kept by migration 0003's triggers.
pub fn status_counts(conn: &Connection) -> Result<Vec<(Status, i64)>> {
    let mut st = conn.prepare("SELECT status, n FROM status_counts")?;
    let counted: Vec<(String, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(parcours_domain::lifecycle::ALL_STATUSES
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect())
}

/// Calls `f` on every case, by receipt date then id, streaming (a million
/// rows never sit in memory).
pub fn each_case<E: From<DbError>>(
    conn: &Connection,
    mut f: impl FnMut(ExportRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut st = conn
        .prepare(
            "SELECT c.reference, c.status, c.received, k.paused_days, k.paused_since,
                    k.verified_on, k.turnaround_days, k.closed_on,
                    (SELECT l.s10 FROM letters l WHERE l.case_id = c.id AND l.kind = 'registered'
                       AND l.voided_at IS NULL ORDER BY l.id DESC LIMIT 1)
             FROM cases c LEFT JOIN case_clock k ON k.case_id = c.id
             ORDER BY c.received, c.id",
        )
        .map_err(DbError::from)?;
    let mut rows = st.query([]).map_err(DbError::from)?;
    while let Some(r) = rows.next().map_err(DbError::from)? {
        let read = || -> rusqlite::Result<ExportRow> {
            Ok(ExportRow {
                reference: r.get(0)?,
                status: get_enum(r, 1, "status", Status::parse)?,
                received: get_date(r, 2)?,
                clock: Clock {
                    paused_days: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    paused_since: opt_date(r, 4)?,
                    verified_on: opt_date(r, 5)?,
                    turnaround_days: r.get(6)?,
                    closed_on: opt_date(r, 7)?,
                },
                s10: r.get(8)?,
            })
        };
        f(read().map_err(DbError::from)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database written before migration 0003 gets its clocks and totals
    /// from the transitions it already has.
    #[test]
    fn migration_0003_replays_existing_cases() {
        let mut conn = Connection::open_in_memory().unwrap();
        for m in &crate::migrations::MIGRATIONS[..2] {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO cases (id, reference, status, received, created_at, updated_at) VALUES
               (1, 'PA-2026-000001', 'verified', '2026-03-02', '2026-03-02T09:00:00', '2026-03-02T09:00:00'),
               (2, 'PA-2026-000002', 'incomplete', '2026-03-02', '2026-03-02T09:00:00', '2026-03-02T09:00:00');
             INSERT INTO transitions (case_id, from_status, to_status, actor, at) VALUES
               (1, 'received', 'in_review', 'a', '2026-03-02T10:00:00'),
               (1, 'in_review', 'incomplete', 'a', '2026-03-03T10:00:00'),
               (2, 'received', 'in_review', 'a', '2026-03-02T10:00:00'),
               (1, 'incomplete', 'in_review', 'a', '2026-03-07T10:00:00'),
               (2, 'in_review', 'incomplete', 'a', '2026-03-05T10:00:00'),
               (1, 'in_review', 'approved', 'a', '2026-03-09T10:00:00'),
               (1, 'approved', 'letter_printed', 'a', '2026-03-09T10:00:00'),
               (1, 'letter_printed', 'dispatched', 'a', '2026-03-09T10:00:00'),
               (1, 'dispatched', 'verified', 'a', '2026-03-12T10:00:00');",
        )
        .unwrap();
        crate::migrations::apply(&mut conn).unwrap();
        let one = clock(&conn, 1).unwrap().unwrap();
        assert_eq!(
            (one.paused_days, one.turnaround_days),
            (4, Some(6)),
            "10 days to verified, 4 of them paused"
        );
        let two = clock(&conn, 2).unwrap().unwrap();
        assert_eq!(
            two.paused_since,
            Some(NaiveDate::from_ymd_opt(2026, 3, 5).unwrap())
        );
        let counts = status_counts(&conn).unwrap();
        assert!(
            counts.contains(&(Status::Verified, 1)) && counts.contains(&(Status::Incomplete, 1))
        );
        assert_eq!(turnaround_histogram(&conn, None).unwrap(), [(6, 1)]);
    }

    #[test]
    fn julian_day_numbers_match_sqlite() {
        let conn = Connection::open_in_memory().unwrap();
        for day in ["0001-01-01", "1970-01-01", "2026-03-02", "2099-12-31"] {
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            let want: f64 = conn
                .query_row("SELECT julianday(?1)", [day], |r| r.get(0))
                .unwrap();
            assert_eq!(julian(d), want, "{day}");
        }
    }
}
