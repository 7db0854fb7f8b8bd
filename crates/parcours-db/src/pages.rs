//! The `pages` table: the scanned pages of a case, in reading order, each
//! pointing at its image in the [`crate::scans`] store.

use parcours_domain::PageKind;
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::sql::get_enum;
use crate::Result;

/// Every page kind, to read back the stored name.
const KINDS: [PageKind; 7] = [
    PageKind::FormPage1,
    PageKind::FormPage2,
    PageKind::IdProof,
    PageKind::SsnProof,
    PageKind::Notice,
    PageKind::Blank,
    PageKind::Unknown,
];

/// Parses the stored name of a page kind ([`PageKind::as_str`], e.g. `form_page_1`).
pub fn parse_kind(s: &str) -> Option<PageKind> {
    KINDS.into_iter().find(|k| k.as_str() == s)
}

/// One page of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageRow {
    /// Position in the case, from 1.
    pub idx: i64,
    /// What the page is.
    pub kind: PageKind,
    /// Clockwise rotation applied to read it upright, degrees (0, 90, 180, 270).
    pub rotation: i64,
    /// SHA-256 of the stored image.
    pub sha256: String,
    /// Extension of the stored image (`png`).
    pub ext: String,
    /// Name of the file it came from (file name only, no folder).
    pub source_file: String,
    /// Page number in that file, from 1.
    pub source_page: i64,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
}

/// Adds a page to case `case_id`. A second page with the same `idx` is a
/// constraint error.
pub fn insert(conn: &Connection, case_id: i64, p: &PageRow) -> Result<()> {
    conn.execute(
        "INSERT INTO pages (case_id, idx, kind, rotation, sha256, ext, source_file,
             source_page, width, height)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            case_id,
            p.idx,
            p.kind.as_str(),
            p.rotation,
            p.sha256,
            p.ext,
            p.source_file,
            p.source_page,
            p.width,
            p.height
        ],
    )?;
    Ok(())
}

/// Changes the kind and rotation of a page (a clerk's correction).
pub fn set_kind(
    conn: &Connection,
    case_id: i64,
    idx: i64,
    kind: PageKind,
    rotation: i64,
) -> Result<()> {
    let n = conn.execute(
        "UPDATE pages SET kind = ?3, rotation = ?4 WHERE case_id = ?1 AND idx = ?2",
        params![case_id, idx, kind.as_str(), rotation],
    )?;
    if n == 0 {
        return Err(crate::DbError::NotFound(format!(
            "page {idx} du dossier n° {case_id}"
        )));
    }
    Ok(())
}

/// The pages of a case, in order.
pub fn list(conn: &Connection, case_id: i64) -> Result<Vec<PageRow>> {
    let mut stmt = conn.prepare(
        "SELECT idx, kind, rotation, sha256, ext, source_file, source_page, width, height
         FROM pages WHERE case_id = ?1 ORDER BY idx",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        Ok(PageRow {
            idx: r.get(0)?,
            kind: get_enum(r, 1, "page kind", parse_kind)?,
            rotation: r.get(2)?,
            sha256: r.get(3)?,
            ext: r.get(4)?,
            source_file: r.get(5)?,
            source_page: r.get(6)?,
            width: r.get(7)?,
            height: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The next free page index of a case (1 for a case without pages), for
/// attaching new mail.
pub fn next_idx(conn: &Connection, case_id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(idx), 0) + 1 FROM pages WHERE case_id = ?1",
        [case_id],
        |r| r.get(0),
    )?)
}

/// Whether any page or field crop still refers to the stored file `sha`
/// (before deleting it from the scans folder).
pub fn sha_in_use(conn: &Connection, sha: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM pages WHERE sha256 = ?1)
             OR EXISTS(SELECT 1 FROM fields WHERE crop_sha = ?1)",
        [sha],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_name() {
        for k in KINDS {
            assert_eq!(parse_kind(k.as_str()), Some(k));
        }
        assert_eq!(parse_kind("form_page_1"), Some(PageKind::FormPage1));
    }
}
