//! The `cases` table: one row per envelope, with its status and a
//! denormalised summary of the applicant (for lists, search and duplicate
//! detection). The authoritative field values live in [`crate::fields`].

use chrono::{NaiveDate, NaiveDateTime};
use parcours_domain::checks::{IdDocument, SsnProof};
use parcours_domain::lifecycle::{Status, ALL_STATUSES};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::{self, get_date, get_enum, get_json, get_opt_ts, get_ts, to_json};
use crate::{DbError, Result};

/// A case to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// Unique reference, from [`next_reference`].
    pub reference: String,
    /// Initial status.
    pub status: Status,
    /// Date the envelope was received.
    pub received: NaiveDate,
    /// Creation time (also the first `updated_at`).
    pub at: NaiveDateTime,
    /// NIR, normalised.
    pub nir: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// First names.
    pub first_names: Option<String>,
    /// Birth date as read (`YYYY-MM-DD` when it parses).
    pub birth_date: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Identity document read from the proof.
    pub id_document: Option<IdDocument>,
    /// Social-security proof read.
    pub ssn_proof: Option<SsnProof>,
}

impl NewCase {
    /// The denormalised summary part of the new case.
    pub fn summary(&self) -> CaseSummary {
        CaseSummary {
            nir: self.nir.clone(),
            last_name: self.last_name.clone(),
            first_names: self.first_names.clone(),
            birth_date: self.birth_date.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            id_document: self.id_document.clone(),
            ssn_proof: self.ssn_proof.clone(),
        }
    }
}

/// The denormalised columns rewritten by [`update_summary`] after a correction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CaseSummary {
    /// NIR, normalised.
    pub nir: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// First names.
    pub first_names: Option<String>,
    /// Birth date as read.
    pub birth_date: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Identity document read from the proof.
    pub id_document: Option<IdDocument>,
    /// Social-security proof read.
    pub ssn_proof: Option<SsnProof>,
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    /// Row id.
    pub id: i64,
    /// Unique reference (`PA-2026-000042`).
    pub reference: String,
    /// Current status.
    pub status: Status,
    /// Date the envelope was received.
    pub received: NaiveDate,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change of the row.
    pub updated_at: NaiveDateTime,
    /// NIR, normalised (`None` once purged).
    pub nir: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// First names.
    pub first_names: Option<String>,
    /// Birth date as read.
    pub birth_date: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Identity document read from the proof.
    pub id_document: Option<IdDocument>,
    /// Social-security proof read.
    pub ssn_proof: Option<SsnProof>,
    /// When the personal data were purged, if they were.
    pub purged_at: Option<NaiveDateTime>,
}

const COLUMNS: &str = "id, reference, status, received, created_at, updated_at, nir, \
     last_name, first_names, birth_date, postcode, city, id_document, ssn_proof, purged_at";

fn from_row(row: &rusqlite::Row) -> rusqlite::Result<CaseRow> {
    Ok(CaseRow {
        id: row.get(0)?,
        reference: row.get(1)?,
        status: get_enum(row, 2, "status", Status::parse)?,
        received: get_date(row, 3)?,
        created_at: get_ts(row, 4)?,
        updated_at: get_ts(row, 5)?,
        nir: row.get(6)?,
        last_name: row.get(7)?,
        first_names: row.get(8)?,
        birth_date: row.get(9)?,
        postcode: row.get(10)?,
        city: row.get(11)?,
        id_document: get_json(row, 12)?,
        ssn_proof: get_json(row, 13)?,
        purged_at: get_opt_ts(row, 14)?,
    })
}

/// The next free reference of `year`: `PA-{year}-{n:06}` where `n` is one more
/// than the highest number used that year. References are never reused,
/// since cases are never deleted.
pub fn next_reference(conn: &Connection, year: i32) -> Result<String> {
    let prefix = format!("PA-{year}-");
    let max: Option<i64> = conn.query_row(
        "SELECT MAX(CAST(substr(reference, ?2) AS INTEGER)) FROM cases
         WHERE substr(reference, 1, ?1) = ?3",
        params![sql::int(prefix.len()), sql::int(prefix.len() + 1), prefix],
        |r| r.get(0),
    )?;
    Ok(format!("{prefix}{:06}", max.unwrap_or(0) + 1))
}

/// Inserts a case and returns its id. A duplicate reference is a
/// [`DbError::Conflict`].
pub fn insert(conn: &Connection, c: &NewCase) -> Result<i64> {
    if by_reference(conn, &c.reference)?.is_some() {
        return Err(DbError::Conflict(format!("dossier {}", c.reference)));
    }
    let at = sql::ts(c.at);
    conn.execute(
        "INSERT INTO cases (reference, status, received, created_at, updated_at, nir,
             last_name, first_names, birth_date, postcode, city, id_document, ssn_proof)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            c.reference,
            c.status.as_str(),
            sql::date(c.received),
            at,
            c.nir,
            c.last_name,
            c.first_names,
            c.birth_date,
            c.postcode,
            c.city,
            to_json(c.id_document.as_ref())?,
            to_json(c.ssn_proof.as_ref())?,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The case with this id, if any.
pub fn get(conn: &Connection, id: i64) -> Result<Option<CaseRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM cases WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The case with this id, or [`DbError::NotFound`].
pub fn require(conn: &Connection, id: i64) -> Result<CaseRow> {
    get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("dossier n° {id}")))
}

/// The case with this reference, if any.
pub fn by_reference(conn: &Connection, reference: &str) -> Result<Option<CaseRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM cases WHERE reference = ?1"),
            [reference],
            from_row,
        )
        .optional()?)
}

/// Cases, optionally of one status, ordered by receipt date then id.
pub fn list(
    conn: &Connection,
    status: Option<Status>,
    limit: usize,
    offset: usize,
) -> Result<Vec<CaseRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM cases WHERE (?1 IS NULL OR status = ?1)
         ORDER BY received, id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![
            status.map(Status::as_str),
            sql::int(limit),
            sql::int(offset)
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One line of a work queue: the listed columns of a case and the number of
/// its blocking checks not overridden, read in one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueLine {
    /// Row id.
    pub id: i64,
    /// Unique reference.
    pub reference: String,
    /// Current status.
    pub status: Status,
    /// Date the envelope was received.
    pub received: NaiveDate,
    /// Last name.
    pub last_name: Option<String>,
    /// First names.
    pub first_names: Option<String>,
    /// Blocking checks not overridden.
    pub blocking: i64,
}

/// A page of cases, optionally of one status, ordered by receipt date then
/// id, with their blocking checks counted — one query whatever the page, so
/// that a work queue stays fast with 100 000 cases (the `(status, received)`
/// and `(received)` indexes give the order).
pub fn list_lines(
    conn: &Connection,
    status: Option<Status>,
    limit: usize,
    offset: usize,
) -> Result<Vec<QueueLine>> {
    let filter = if status.is_some() {
        "WHERE c.status = ?1"
    } else {
        "WHERE ?1 IS NULL"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT c.id, c.reference, c.status, c.received, c.last_name, c.first_names,
             (SELECT COUNT(*) FROM checks k WHERE k.case_id = c.id
                  AND k.severity = 'blocking' AND k.overridden_by IS NULL)
         FROM cases c {filter}
         ORDER BY c.received, c.id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![
            status.map(Status::as_str),
            sql::int(limit),
            sql::int(offset)
        ],
        |row| {
            Ok(QueueLine {
                id: row.get(0)?,
                reference: row.get(1)?,
                status: get_enum(row, 2, "status", Status::parse)?,
                received: get_date(row, 3)?,
                last_name: row.get(4)?,
                first_names: row.get(5)?,
                blocking: row.get(6)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of cases in each status, for every status in lifecycle order
/// (zeros included).
pub fn count_by_status(conn: &Connection) -> Result<Vec<(Status, i64)>> {
    let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM cases GROUP BY status")?;
    let counted: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ALL_STATUSES
        .iter()
        .map(|st| {
            let n = counted
                .iter()
                .find(|(s, _)| s == st.as_str())
                .map_or(0, |(_, n)| *n);
            (*st, n)
        })
        .collect())
}

/// Sets the status of a case (the caller records the transition).
pub fn set_status(conn: &Connection, id: i64, status: Status, at: NaiveDateTime) -> Result<()> {
    let n = conn.execute(
        "UPDATE cases SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, status.as_str(), sql::ts(at)],
    )?;
    found(n, id)
}

/// Rewrites the denormalised summary columns after a correction.
pub fn update_summary(
    conn: &Connection,
    id: i64,
    s: &CaseSummary,
    at: NaiveDateTime,
) -> Result<()> {
    let n = conn.execute(
        "UPDATE cases SET nir = ?2, last_name = ?3, first_names = ?4, birth_date = ?5,
             postcode = ?6, city = ?7, id_document = ?8, ssn_proof = ?9, updated_at = ?10
         WHERE id = ?1",
        params![
            id,
            s.nir,
            s.last_name,
            s.first_names,
            s.birth_date,
            s.postcode,
            s.city,
            to_json(s.id_document.as_ref())?,
            to_json(s.ssn_proof.as_ref())?,
            sql::ts(at),
        ],
    )?;
    found(n, id)
}

/// NIRs of the open cases (status other than `closed`), except case `id`.
pub fn open_nirs_except(conn: &Connection, id: Option<i64>) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT nir FROM cases
         WHERE status != 'closed' AND nir IS NOT NULL AND (?1 IS NULL OR id != ?1)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What [`purge`] removed, so that the caller can delete the files
/// (after checking with [`crate::pages::sha_in_use`] that no other case uses them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    /// `(sha256, ext)` of the case's page images.
    pub pages: Vec<(String, String)>,
    /// Hashes of the case's field crops.
    pub crops: Vec<String>,
}

/// Retention purge of one case: blanks its personal columns, deletes its
/// pages and field rows, sets `purged_at`. Status, dates, checks and
/// transitions stay, for anonymous statistics. Deciding *when* is the app's.
pub fn purge(conn: &Connection, id: i64, at: NaiveDateTime) -> Result<Purged> {
    require(conn, id)?;
    let mut out = Purged::default();
    {
        let mut stmt = conn.prepare("SELECT sha256, ext FROM pages WHERE case_id = ?1")?;
        out.pages = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = conn
            .prepare("SELECT crop_sha FROM fields WHERE case_id = ?1 AND crop_sha IS NOT NULL")?;
        out.crops = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    conn.execute("DELETE FROM pages WHERE case_id = ?1", [id])?;
    conn.execute("DELETE FROM fields WHERE case_id = ?1", [id])?;
    conn.execute(
        "UPDATE cases SET nir = NULL, last_name = NULL, first_names = NULL, birth_date = NULL,
             postcode = NULL, city = NULL, id_document = NULL, ssn_proof = NULL,
             purged_at = ?2, updated_at = ?2
         WHERE id = ?1",
        params![id, sql::ts(at)],
    )?;
    Ok(out)
}

fn found(n: usize, id: i64) -> Result<()> {
    if n == 0 {
        Err(DbError::NotFound(format!("dossier n° {id}")))
    } else {
        Ok(())
    }
}

/// Stores what intake found about the proofs (JSON), for later re-checks.
pub fn set_proofs(conn: &Connection, id: i64, proofs: &serde_json::Value) -> Result<()> {
    let n = conn.execute(
        "UPDATE cases SET proofs = ?2 WHERE id = ?1",
        params![id, proofs.to_string()],
    )?;
    found(n, id)
}

/// What intake found about the proofs, if stored.
pub fn proofs(conn: &Connection, id: i64) -> Result<Option<serde_json::Value>> {
    let s: Option<String> =
        conn.query_row("SELECT proofs FROM cases WHERE id = ?1", [id], |r| r.get(0))?;
    Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
}
