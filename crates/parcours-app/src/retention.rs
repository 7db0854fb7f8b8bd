//! End of life of cases: closing verified cases once the promise is over,
//! and the retention purge (SPEC §8).
//!
//! - [`close_due`]: a `verified` case is closed once its due date (receipt,
//!   plus 28 days, plus pauses) has passed — until then the applicant may
//!   still call about it.
//! - [`purge`]: first [`close_due`], then, for every case closed more than
//!   `retention.days` (default 180) days ago: its personal columns, pages,
//!   fields, letter PDFs and counter-check document numbers are removed;
//!   its reference, status, dates, checks, transitions and tracking events
//!   stay, so that the reports still count it. Files of the scans store are
//!   deleted after the commit, only when nothing refers to them any more.
//!   A second run on the same day finds nothing to do.

use anyhow::Result;
use chrono::{Days, NaiveDateTime};
use parcours_db::rusqlite::Connection;
use parcours_db::{cases, retention as store, scans, transitions, Db};
use parcours_domain::lifecycle::Status;
use parcours_domain::roles::Permission;
use parcours_domain::turnaround;
use serde::Serialize;

use crate::cases::move_case;
use crate::{audit_log, require, Actor};

/// What [`purge`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// References of the verified cases closed at the end of their promise.
    pub closed: Vec<String>,
    /// Number of cases whose personal data were purged.
    pub purged: usize,
    /// Files removed from the scans store.
    pub files_removed: usize,
    /// Retention period applied, days after closure.
    pub retention_days: i64,
}

fn close_due_in(tx: &Connection, actor: &Actor, as_of: NaiveDateTime) -> Result<Vec<String>> {
    let settings = crate::settings::load(tx)?;
    let mut closed = Vec::new();
    for row in cases::list(tx, Some(Status::Verified), usize::MAX >> 1, 0)? {
        let history = transitions::list(tx, row.id)?;
        let t = turnaround::assess(row.received, &history, as_of.date(), &settings);
        if as_of.date() > t.due {
            move_case(
                tx,
                row.id,
                Status::Verified,
                Status::Closed,
                actor,
                as_of,
                "délai de 4 semaines écoulé après vérification",
            )?;
            audit_log(
                tx,
                as_of,
                actor,
                "case.close",
                Some(row.id),
                serde_json::json!({"why": "promise_over", "due": t.due}),
            )?;
            closed.push(row.reference);
        }
    }
    Ok(closed)
}

/// Closes the `verified` cases whose due date is before `as_of`
/// (administrators; run by [`purge`] too). Returns their references.
pub fn close_due(db: &mut Db, actor: &Actor, as_of: NaiveDateTime) -> Result<Vec<String>> {
    require(actor, Permission::Purge, "clore les dossiers vérifiés")?;
    db.write(|tx| close_due_in(tx, actor, as_of))
}

/// Closes what is due, then purges the personal data and scans of the cases
/// closed more than `retention.days` before `as_of` (administrators). Audited.
pub fn purge(db: &mut Db, actor: &Actor, as_of: NaiveDateTime) -> Result<PurgeReport> {
    require(actor, Permission::Purge, "purger les données personnelles")?;
    let (report, files) = db.write(|tx| {
        let closed = close_due_in(tx, actor, as_of)?;
        let retention_days = crate::settings::load(tx)?.retention_days;
        let cutoff = as_of
            .date()
            .checked_sub_days(Days::new(retention_days.unsigned_abs()))
            .unwrap_or(as_of.date());
        let ids = store::closed_before(tx, cutoff)?;
        let mut files: Vec<(String, &'static str)> = Vec::new();
        let mut pages_ext: Vec<(String, String)> = Vec::new();
        for id in &ids {
            let purged = cases::purge(tx, *id, as_of)?;
            pages_ext.extend(purged.pages);
            files.extend(purged.crops.into_iter().map(|s| (s, "png")));
            files.extend(
                store::forget_letter_files(tx, *id)?
                    .into_iter()
                    .map(|s| (s, "pdf")),
            );
            store::blank_counter_checks(tx, *id)?;
            audit_log(
                tx,
                as_of,
                actor,
                "case.purge",
                Some(*id),
                serde_json::json!({"retention_days": retention_days}),
            )?;
        }
        files.extend(
            store::forget_batch_files(tx)?
                .into_iter()
                .map(|s| (s, "pdf")),
        );
        let mut all: Vec<(String, String)> = pages_ext;
        all.extend(files.into_iter().map(|(s, e)| (s, e.to_string())));
        all.sort();
        all.dedup();
        audit_log(
            tx,
            as_of,
            actor,
            "retention.purge",
            None,
            serde_json::json!({
                "closed": closed.len(),
                "purged": ids.len(),
                "cutoff": cutoff,
                "retention_days": retention_days,
            }),
        )?;
        let report = PurgeReport {
            closed,
            purged: ids.len(),
            files_removed: 0,
            retention_days,
        };
        Ok::<_, anyhow::Error>((report, all))
    })?;
    // After the commit: a file is deleted only when no row refers to it any
    // more (another case may hold the same scan).
    let dir = db.scans_dir();
    let mut removed = 0;
    for (sha, ext) in files {
        let in_use = db.read(|c| Ok::<_, anyhow::Error>(store::file_in_use(c, &sha)?))?;
        if !in_use && scans::exists(&dir, &sha, &ext) {
            scans::remove(&dir, &sha, &ext)?;
            removed += 1;
        }
    }
    Ok(PurgeReport {
        files_removed: removed,
        ..report
    })
}
