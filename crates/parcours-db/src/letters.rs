//! The `letters` and `batches` tables: every letter produced for a case, the
//! S10 numbers they hold, and the batches printed together (SPEC §6).
//!
//! An S10 number is never reused: the column is UNIQUE and a voided letter
//! keeps its number. Choosing the next serial is [`next_serial`]; the caller
//! runs it inside the same write transaction as the insert, so two printers
//! can never take the same number.

use chrono::NaiveDateTime;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::{self, get_opt_ts, get_ts};
use crate::Result;

/// Kind of letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    /// Registered letter with activation code (lettre recommandée).
    Registered,
    /// Demande de complément.
    Complement,
    /// Rejection letter.
    Rejection,
}

impl LetterKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Registered => "registered",
            LetterKind::Complement => "complement",
            LetterKind::Rejection => "rejection",
        }
    }

    fn parse(s: &str) -> Option<LetterKind> {
        [
            LetterKind::Registered,
            LetterKind::Complement,
            LetterKind::Rejection,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A letter to record.
#[derive(Debug, Clone)]
pub struct NewLetter<'a> {
    /// The case.
    pub case_id: i64,
    /// Kind.
    pub kind: LetterKind,
    /// S10 number, compact (`RA123456785FR`), with its service and serial.
    pub s10: Option<(&'a str, &'a str, u32)>,
    /// Batch it was printed in.
    pub batch_id: Option<i64>,
    /// sha256 of the one-time activation code.
    pub activation_hash: Option<&'a str>,
    /// The PDF in the scans store.
    pub pdf_sha: Option<&'a str>,
    /// When.
    pub at: NaiveDateTime,
    /// Who.
    pub by: &'a str,
}

/// A stored letter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LetterRow {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Kind.
    pub kind: LetterKind,
    /// S10 number, compact.
    pub s10: Option<String>,
    /// Batch.
    pub batch_id: Option<i64>,
    /// sha256 of the activation code.
    #[serde(skip)]
    pub activation_hash: Option<String>,
    /// The PDF in the scans store.
    pub pdf_sha: Option<String>,
    /// When it was produced.
    pub created_at: NaiveDateTime,
    /// By whom.
    pub created_by: String,
    /// When it was voided (a reprint voids the previous letter).
    pub voided_at: Option<NaiveDateTime>,
}

const COLUMNS: &str =
    "id, case_id, kind, s10, batch_id, activation_hash, pdf_sha, created_at, created_by, voided_at";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<LetterRow> {
    Ok(LetterRow {
        id: r.get(0)?,
        case_id: r.get(1)?,
        kind: sql::get_enum(r, 2, "letter kind", LetterKind::parse)?,
        s10: r.get(3)?,
        batch_id: r.get(4)?,
        activation_hash: r.get(5)?,
        pdf_sha: r.get(6)?,
        created_at: get_ts(r, 7)?,
        created_by: r.get(8)?,
        voided_at: get_opt_ts(r, 9)?,
    })
}

/// The next free serial of `service` within `first..=last`, or `None` when
/// the range is exhausted. Serials below the highest one used are never
/// handed out again, even if a gap exists.
pub fn next_serial(conn: &Connection, service: &str, first: u32, last: u32) -> Result<Option<u32>> {
    let max: Option<i64> = conn.query_row(
        "SELECT max(s10_serial) FROM letters WHERE s10_service = ?1 AND s10_serial BETWEEN ?2 AND ?3",
        params![service, first, last],
        |r| r.get(0),
    )?;
    let next = max.map_or(i64::from(first), |m| m + 1);
    Ok((next <= i64::from(last)).then_some(next as u32))
}

/// Records a letter; returns its id.
pub fn insert(conn: &Connection, l: &NewLetter) -> Result<i64> {
    conn.execute(
        "INSERT INTO letters (case_id, kind, s10, s10_service, s10_serial, batch_id,
                              activation_hash, pdf_sha, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            l.case_id,
            l.kind.as_str(),
            l.s10.map(|s| s.0),
            l.s10.map(|s| s.1),
            l.s10.map(|s| s.2),
            l.batch_id,
            l.activation_hash,
            l.pdf_sha,
            sql::ts(l.at),
            l.by
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The letter holding this S10 number (compact form).
pub fn by_s10(conn: &Connection, s10: &str) -> Result<Option<LetterRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM letters WHERE s10 = ?1"),
            [s10],
            from_row,
        )
        .optional()?)
}

/// The letters of a case, oldest first.
pub fn for_case(conn: &Connection, case_id: i64) -> Result<Vec<LetterRow>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM letters WHERE case_id = ?1 ORDER BY id"
    ))?;
    let rows = st.query_map([case_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The letters of a batch, in print order.
pub fn in_batch(conn: &Connection, batch_id: i64) -> Result<Vec<LetterRow>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM letters WHERE batch_id = ?1 ORDER BY id"
    ))?;
    let rows = st.query_map([batch_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The case's current (not voided) registered letter.
pub fn current_registered(conn: &Connection, case_id: i64) -> Result<Option<LetterRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM letters WHERE case_id = ?1 AND kind = 'registered'
                 AND voided_at IS NULL ORDER BY id DESC LIMIT 1"
            ),
            [case_id],
            from_row,
        )
        .optional()?)
}

/// Voids a letter (its activation code stops working; its S10 stays taken).
pub fn void(conn: &Connection, id: i64, by: &str, at: NaiveDateTime) -> Result<()> {
    conn.execute(
        "UPDATE letters SET voided_at = ?2, voided_by = ?3 WHERE id = ?1 AND voided_at IS NULL",
        params![id, sql::ts(at), by],
    )?;
    Ok(())
}

/// A batch of letters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRow {
    /// Batch number.
    pub id: i64,
    /// When it was printed.
    pub created_at: NaiveDateTime,
    /// By whom.
    pub created_by: String,
    /// The deposit slip PDF in the scans store.
    pub slip_sha: Option<String>,
    /// The combined PDF in the scans store.
    pub combined_sha: Option<String>,
    /// When it was handed to La Poste.
    pub dispatched_at: Option<NaiveDateTime>,
}

/// The number [`create_batch`] will give the next batch (batches are never
/// deleted, so this is one more than the highest so far).
pub fn next_batch_id(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM batches", [], |r| {
            r.get(0)
        })?,
    )
}

/// Opens a new batch; returns its number.
pub fn create_batch(conn: &Connection, by: &str, at: NaiveDateTime) -> Result<i64> {
    conn.execute(
        "INSERT INTO batches (created_at, created_by) VALUES (?1, ?2)",
        params![sql::ts(at), by],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Stores the PDFs of a batch. The combined PDF holds the activation codes in
/// clear, so callers that keep codes only as hashes pass `None` for it.
pub fn set_batch_files(
    conn: &Connection,
    id: i64,
    slip_sha: &str,
    combined_sha: Option<&str>,
) -> Result<()> {
    conn.execute(
        "UPDATE batches SET slip_sha = ?2, combined_sha = ?3 WHERE id = ?1",
        params![id, slip_sha, combined_sha],
    )?;
    Ok(())
}

/// Marks a batch as handed to La Poste.
pub fn set_dispatched(conn: &Connection, id: i64, by: &str, at: NaiveDateTime) -> Result<()> {
    conn.execute(
        "UPDATE batches SET dispatched_at = ?2, dispatched_by = ?3 WHERE id = ?1",
        params![id, sql::ts(at), by],
    )?;
    Ok(())
}

/// A batch by number.
pub fn batch(conn: &Connection, id: i64) -> Result<Option<BatchRow>> {
    Ok(conn
        .query_row(
            "SELECT id, created_at, created_by, slip_sha, combined_sha, dispatched_at
             FROM batches WHERE id = ?1",
            [id],
            |r| {
                Ok(BatchRow {
                    id: r.get(0)?,
                    created_at: get_ts(r, 1)?,
                    created_by: r.get(2)?,
                    slip_sha: r.get(3)?,
                    combined_sha: r.get(4)?,
                    dispatched_at: get_opt_ts(r, 5)?,
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    #[test]
    fn serials_advance_never_repeat_and_run_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = crate::Db::open(&dir.path().join("t.db")).unwrap();
        db.write(|tx| {
            tx.execute_batch(
                "INSERT INTO cases (reference, status, received, created_at, updated_at)
                 VALUES ('PA-2026-000001', 'approved', '2026-03-01', '2026-03-01T00:00:00', '2026-03-01T00:00:00')",
            )?;
            assert_eq!(next_serial(tx, "RA", 100, 101)?, Some(100));
            for (s10, serial) in [("RA000001006FR", 100), ("RA000001015FR", 101)] {
                let id = insert(
                    tx,
                    &NewLetter {
                        case_id: 1,
                        kind: LetterKind::Registered,
                        s10: Some((s10, "RA", serial)),
                        batch_id: None,
                        activation_hash: Some("h"),
                        pdf_sha: None,
                        at: at(),
                        by: "alice",
                    },
                )?;
                void(tx, id, "alice", at())?;
            }
            assert_eq!(next_serial(tx, "RA", 100, 101)?, None, "the range is exhausted");
            assert_eq!(next_serial(tx, "RB", 100, 101)?, Some(100), "each service has its own range");
            assert!(current_registered(tx, 1)?.is_none(), "both letters are voided");
            assert_eq!(by_s10(tx, "RA000001015FR")?.map(|l| l.id), Some(2));
            Ok::<_, crate::DbError>(())
        })
        .unwrap();
    }
}
