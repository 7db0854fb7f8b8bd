//! Intake: from a scanner's files to a stored case in review.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{NaiveDate, NaiveDateTime};
use parcours_db::{pages::PageRow, scans, Db};
use parcours_domain::form::FormTemplate;
use parcours_domain::roles::Permission;

use crate::cases::{self, CaseView, NewIntake};
use crate::{require, Actor};

/// Reads the pages of `files` (one envelope), stores the scans and the
/// crops of every field, runs every check and creates the case in
/// `in_review`. Nothing is stored in the database when reading fails.
pub fn intake(
    db: &mut Db,
    actor: &Actor,
    form: &FormTemplate,
    files: &[PathBuf],
    received: NaiveDate,
    at: NaiveDateTime,
) -> Result<CaseView> {
    require(actor, Permission::Intake, "enregistrer un dossier")?;
    let envelope = parcours_capture::read_envelope(files, form, received)?;
    // Scans are content-addressed files: writing them before the transaction
    // is harmless if it fails (the same bytes are reused by a retry).
    let dir = db.scans_dir();
    let files = envelope
        .pages
        .iter()
        .map(|p| (&p.encoded[..], p.ext))
        .chain(envelope.crops.values().map(|c| (&c.png[..], "png")));
    let mut shas = scans::store_many(&dir, files)
        .context("enregistrement des pages et des extraits du formulaire")?
        .into_iter();
    let pages: Vec<PageRow> = envelope
        .pages
        .iter()
        .zip(shas.by_ref())
        .map(|(p, sha)| PageRow {
            idx: p.index as i64,
            kind: p.kind,
            rotation: i64::from(p.rotation),
            sha256: sha,
            ext: p.ext.to_string(),
            source_file: p.source_file.clone(),
            source_page: p.source_page as i64,
            width: i64::from(p.width),
            height: i64::from(p.height),
        })
        .collect();
    let crops: BTreeMap<String, (String, i64)> = envelope
        .crops
        .iter()
        .zip(shas)
        .map(|((key, crop), sha)| (key.clone(), (sha, crop.page_index as i64)))
        .collect();
    cases::record_intake(
        db,
        actor,
        form,
        NewIntake {
            reading: &envelope.reading,
            pages: &pages,
            crops: &crops,
            received,
        },
        at,
    )
}
