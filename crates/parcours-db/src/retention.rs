//! What the retention purge needs besides [`crate::cases::purge`]: which
//! closed cases are old enough, the personal data held by letters and
//! counter checks, and whether a stored file is still referenced.
//!
//! Deciding the retention period is the app's; this module stores and reads.

use chrono::NaiveDate;
use rusqlite::Connection;

use crate::sql;
use crate::Result;

/// Ids of the closed, not yet purged cases closed before `cutoff`.
pub fn closed_before(conn: &Connection, cutoff: NaiveDate) -> Result<Vec<i64>> {
    let mut st = conn.prepare(
        "SELECT c.id FROM cases c JOIN case_clock k ON k.case_id = c.id
         WHERE c.status = 'closed' AND c.purged_at IS NULL AND k.closed_on < ?1
         ORDER BY c.id",
    )?;
    let rows = st.query_map([sql::date(cutoff)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Forgets the PDFs of a case's letters (they show the name and address)
/// and returns their hashes, for the caller to delete the files. The letters
/// themselves (kind, S10 number, dates) stay.
pub fn forget_letter_files(conn: &Connection, case_id: i64) -> Result<Vec<String>> {
    let shas: Vec<String> = {
        let mut st = conn.prepare(
            "SELECT DISTINCT pdf_sha FROM letters WHERE case_id = ?1 AND pdf_sha IS NOT NULL",
        )?;
        let rows = st.query_map([case_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    conn.execute(
        "UPDATE letters SET pdf_sha = NULL WHERE case_id = ?1",
        [case_id],
    )?;
    Ok(shas)
}

/// Blanks the document numbers and free-text reasons of a case's counter
/// checks; outcome, agent and date stay.
pub fn blank_counter_checks(conn: &Connection, case_id: i64) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE counter_checks SET document_number = '', reason = '' WHERE case_id = ?1",
        [case_id],
    )?)
}

/// Forgets the deposit slips and combined PDFs of the batches whose every
/// letter belongs to a purged case, and returns their hashes.
pub fn forget_batch_files(conn: &Connection) -> Result<Vec<String>> {
    let done = "SELECT b.id FROM batches b
         WHERE (b.slip_sha IS NOT NULL OR b.combined_sha IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM letters l JOIN cases c ON c.id = l.case_id
                           WHERE l.batch_id = b.id AND c.purged_at IS NULL)";
    let shas: Vec<String> = {
        let mut st = conn.prepare(&format!(
            "SELECT slip_sha FROM batches WHERE id IN ({done}) AND slip_sha IS NOT NULL
             UNION SELECT combined_sha FROM batches WHERE id IN ({done}) AND combined_sha IS NOT NULL"
        ))?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    conn.execute(
        &format!("UPDATE batches SET slip_sha = NULL, combined_sha = NULL WHERE id IN ({done})"),
        [],
    )?;
    Ok(shas)
}

/// Whether any page, field crop, letter or batch still refers to the stored
/// file `sha` (before deleting it from the scans folder).
pub fn file_in_use(conn: &Connection, sha: &str) -> Result<bool> {
    Ok(crate::pages::sha_in_use(conn, sha)?
        || conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM letters WHERE pdf_sha = ?1)
                 OR EXISTS(SELECT 1 FROM batches WHERE slip_sha = ?1 OR combined_sha = ?1)",
            [sha],
            |r| r.get(0),
        )?)
}
