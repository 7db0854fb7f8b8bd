//! Cases: recording what intake read, listing, opening a case.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use parcours_db::rusqlite::Connection;
use parcours_db::{cases, checks as check_store, fields, pages, transitions, Db};
use parcours_domain::checks::{check_case, CaseReading, Check, CheckContext, IdDocument, SsnProof};
use parcours_domain::form::{FieldValue, FormTemplate};
use parcours_domain::lifecycle::{self, Status};
use parcours_domain::roles::Permission;
use serde::Serialize;

use crate::{audit_log, require, Actor, Refusal};

/// A page as stored with a case.
pub use parcours_db::pages::PageRow;

/// A field value with its confidence, as in SPEC §9.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldOut {
    /// Normalised value.
    pub value: FieldValue,
    /// Confidence 0–1.
    pub confidence: f32,
}

/// A page as in SPEC §9.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageOut {
    /// 1-based position in the envelope.
    pub index: i64,
    /// Page kind.
    pub kind: parcours_domain::PageKind,
    /// Rotation applied to read it (0, 90, 180, 270).
    pub rotation: i64,
}

/// A case as printed by `parcours intake --json` and `parcours case show --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseView {
    /// Internal identifier.
    pub case_id: String,
    /// Reference printed on letters (`PA-2026-000123`).
    pub reference: String,
    /// Status.
    pub status: Status,
    /// Receipt date.
    pub received: NaiveDate,
    /// Pages in envelope order.
    pub pages: Vec<PageOut>,
    /// Every field of the form (`null` when empty).
    pub fields: BTreeMap<String, Option<FieldOut>>,
    /// The identity document read, if any.
    pub id_document: Option<IdDocument>,
    /// The social-security proof read, if any.
    pub ssn_proof: Option<SsnProof>,
    /// The checks raised.
    pub checks: Vec<Check>,
}

/// One line of a case list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: Status,
    /// Receipt date.
    pub received: NaiveDate,
    /// Usage name.
    pub last_name: Option<String>,
    /// Given names.
    pub first_names: Option<String>,
    /// Number of blocking checks not overridden.
    pub blocking: i64,
}

/// What intake stores: the reading, its pages, and the receipt date.
pub struct NewIntake<'a> {
    /// The reading of the envelope.
    pub reading: &'a CaseReading,
    /// The pages, already stored on disk (content-addressed).
    pub pages: &'a [PageRow],
    /// Crops of fields: key → (sha256 of the PNG crop, page index).
    pub crops: &'a BTreeMap<String, (String, i64)>,
    /// Receipt date.
    pub received: NaiveDate,
}

/// Stores a new case from what intake read, runs every check, and moves it
/// to `in_review` — one transaction. Returns the case as SPEC §9 prints it.
pub fn record_intake(
    db: &mut Db,
    actor: &Actor,
    form: &FormTemplate,
    new: NewIntake,
    at: NaiveDateTime,
) -> Result<CaseView> {
    require(actor, Permission::Intake, "enregistrer un dossier")?;
    let id = db.write(|tx| {
        let settings = crate::settings::load(tx)?;
        let others = cases::open_nirs_except(tx, None)?;
        let ctx = CheckContext {
            received: new.received,
            confidence_threshold: settings.confidence_threshold,
            other_open_nirs: &others,
        };
        let found = check_case(form, new.reading, &ctx);
        let reference = cases::next_reference(tx, new.received.year())?;
        let r = new.reading;
        let id = cases::insert(
            tx,
            &cases::NewCase {
                reference,
                status: Status::Received,
                received: new.received,
                at,
                nir: r.text("nir").map(str::to_string),
                last_name: r.text("last_name").map(str::to_string),
                first_names: r.text("first_names").map(str::to_string),
                birth_date: r.text("birth_date").map(str::to_string),
                postcode: r.text("postcode").map(str::to_string),
                city: r.text("city").map(str::to_string),
                id_document: r.id_document.clone(),
                ssn_proof: r.ssn_proof.clone(),
            },
        )?;
        for p in new.pages {
            pages::insert(tx, id, p)?;
        }
        for f in &form.fields {
            let read = r.fields.get(&f.key);
            let crop = new.crops.get(&f.key);
            fields::upsert(
                tx,
                id,
                &fields::FieldRow {
                    key: f.key.clone(),
                    value: read.and_then(|x| x.value.clone()),
                    confidence: read.map_or(0.0, |x| x.confidence),
                    crop_sha: crop.map(|c| c.0.clone()),
                    page_idx: crop.map(|c| c.1),
                    corrected_by: None,
                    corrected_at: None,
                },
            )?;
        }
        cases::set_proofs(tx, id, &proofs_json(r))?;
        check_store::replace(tx, id, &found)?;
        move_case(
            tx,
            id,
            Status::Received,
            Status::InReview,
            actor,
            at,
            "lecture automatique",
        )?;
        audit_log(
            tx,
            at,
            actor,
            "case.intake",
            Some(id),
            serde_json::json!({"pages": new.pages.len(), "checks": found.len()}),
        )?;
        Ok::<_, anyhow::Error>(id)
    })?;
    db.read(|c| view(c, id))
}

fn proofs_json(r: &CaseReading) -> serde_json::Value {
    serde_json::json!({
        "id_proof_pages": r.id_proof_pages,
        "ssn_proof_pages": r.ssn_proof_pages,
        "proofs_not_separate": r.proofs_not_separate,
    })
}

/// Rebuilds the reading of a stored case (fields as corrected, proofs as
/// found at intake), to run the checks again.
pub(crate) fn reading_of(c: &Connection, id: i64) -> Result<CaseReading> {
    let row = cases::require(c, id)?;
    let proofs = cases::proofs(c, id)?.unwrap_or_default();
    let count = |k: &str| {
        proofs
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as usize
    };
    Ok(CaseReading {
        fields: fields::list(c, id)?
            .into_iter()
            .map(|f| {
                let read = parcours_domain::checks::FieldReading {
                    value: f.value,
                    confidence: f.confidence,
                };
                (f.key, read)
            })
            .collect(),
        id_proof_pages: count("id_proof_pages"),
        ssn_proof_pages: count("ssn_proof_pages"),
        proofs_not_separate: proofs
            .get("proofs_not_separate")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        id_document: row.id_document,
        ssn_proof: row.ssn_proof,
    })
}

/// The id of the case with this reference.
pub(crate) fn case_id(c: &Connection, reference: &str) -> Result<i64> {
    let r = reference.trim().to_uppercase();
    cases::by_reference(c, &r)?
        .map(|row| row.id)
        .ok_or_else(|| Refusal::NotFound(format!("aucun dossier de référence « {r} »")).into())
}

/// Applies a lifecycle transition and records it.
pub(crate) fn move_case(
    tx: &Connection,
    case_id: i64,
    from: Status,
    to: Status,
    actor: &Actor,
    at: NaiveDateTime,
    reason: &str,
) -> Result<()> {
    let t = lifecycle::transition(from, to, &actor.name, at, reason)
        .map_err(|e| Refusal::Invalid(e.to_string()))?;
    cases::set_status(tx, case_id, to, at)?;
    transitions::record(tx, case_id, &t)?;
    Ok(())
}

/// Builds the SPEC §9 view of a stored case.
pub(crate) fn view(c: &Connection, id: i64) -> Result<CaseView> {
    let row = cases::require(c, id)?;
    let fields = fields::list(c, id)?
        .into_iter()
        .map(|f| {
            let out = f.value.map(|value| FieldOut {
                value,
                confidence: f.confidence,
            });
            (f.key, out)
        })
        .collect();
    Ok(CaseView {
        case_id: row.id.to_string(),
        reference: row.reference,
        status: row.status,
        received: row.received,
        pages: pages::list(c, id)?
            .into_iter()
            .map(|p| PageOut {
                index: p.idx,
                kind: p.kind,
                rotation: p.rotation,
            })
            .collect(),
        fields,
        id_document: row.id_document,
        ssn_proof: row.ssn_proof,
        checks: check_store::list(c, id)?
            .into_iter()
            .map(|r| r.check)
            .collect(),
    })
}

/// Lists cases, optionally of one status (roles that read cases). Audited:
/// the list shows names.
pub fn list(
    db: &mut Db,
    actor: &Actor,
    status: Option<Status>,
    at: NaiveDateTime,
) -> Result<Vec<CaseSummary>> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    db.write(|tx| {
        let rows = cases::list(tx, status, usize::MAX >> 1, 0)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let blocking = check_store::list(tx, row.id)?
                .iter()
                .filter(|c| {
                    c.check.severity == parcours_domain::checks::Severity::Blocking
                        && c.overridden_by.is_none()
                })
                .count() as i64;
            out.push(CaseSummary {
                reference: row.reference,
                status: row.status,
                received: row.received,
                last_name: row.last_name,
                first_names: row.first_names,
                blocking,
            });
        }
        audit_log(
            tx,
            at,
            actor,
            "case.list",
            None,
            serde_json::json!({"status": status.map(|s| s.as_str()), "count": out.len()}),
        )?;
        Ok(out)
    })
}

/// Opens a whole case (roles that read cases). Audited.
pub fn show(db: &mut Db, actor: &Actor, reference: &str, at: NaiveDateTime) -> Result<CaseView> {
    require(actor, Permission::ReadCase, "consulter les dossiers")?;
    db.write(|tx| {
        let id = case_id(tx, reference)?;
        audit_log(tx, at, actor, "case.open", Some(id), serde_json::json!({}))?;
        view(tx, id)
    })
}
