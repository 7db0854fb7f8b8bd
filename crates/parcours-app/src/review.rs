//! Review: correcting what OCR read, and deciding on a case (SPEC §4, §5).

use anyhow::Result;
use chrono::NaiveDateTime;
use parcours_db::rusqlite::Connection;
use parcours_db::{cases as case_store, checks as check_store, fields, Db};
use parcours_domain::checks::{check_case, CheckContext, Severity};
use parcours_domain::form::{self, FormTemplate};
use parcours_domain::lifecycle::Status;
use parcours_domain::roles::Permission;
use serde::{Deserialize, Serialize};

use crate::cases::{case_id, move_case, reading_of, view, CaseView};
use crate::{audit_log, require, Actor, Refusal};

/// A clerk's decision on a case in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approve: the registered letter will be printed.
    Approve,
    /// Reject: a rejection letter is sent.
    Reject,
    /// Ask the applicant for what is missing (the clock pauses).
    Incomplete,
}

impl Decision {
    /// Parses `approve` / `reject` / `incomplete`.
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "reject" => Some(Decision::Reject),
            "incomplete" => Some(Decision::Incomplete),
            _ => None,
        }
    }
}

/// Runs every check of a stored case again and stores them, keeping the
/// overrides of checks that are still raised.
fn recheck(tx: &Connection, form: &FormTemplate, id: i64) -> Result<()> {
    let row = case_store::require(tx, id)?;
    let settings = crate::settings::load(tx)?;
    let others = case_store::open_nirs_except(tx, Some(id))?;
    let ctx = CheckContext {
        received: row.received,
        confidence_threshold: settings.confidence_threshold,
        other_open_nirs: &others,
    };
    let found = check_case(form, &reading_of(tx, id)?, &ctx);
    check_store::replace(tx, id, &found)?;
    Ok(())
}

/// The fields the recipient block of the registered letter is built from.
/// They may still be corrected once a case is approved, until its letter is
/// printed: an address that the postal norm refuses must not strand a case.
pub const RECIPIENT_FIELDS: [&str; 7] = [
    "civility",
    "last_name",
    "first_names",
    "address_line",
    "address_complement",
    "postcode",
    "city",
];

/// Corrects one field of a case in review (or an address field of an
/// approved case, see [`RECIPIENT_FIELDS`]): the clerk's value is normalised
/// like a read one, gets confidence 1, and every check runs again.
pub fn correct_field(
    db: &mut Db,
    actor: &Actor,
    form: &FormTemplate,
    reference: &str,
    key: &str,
    raw: &str,
    at: NaiveDateTime,
) -> Result<CaseView> {
    require(actor, Permission::Decide, "corriger un dossier")?;
    let spec = form
        .field(key)
        .ok_or_else(|| Refusal::Invalid(format!("rubrique inconnue « {key} »")))?;
    db.write(|tx| {
        let id = case_id(tx, reference)?;
        let row = case_store::require(tx, id)?;
        let postal = row.status == Status::Approved && RECIPIENT_FIELDS.contains(&key);
        if row.status != Status::InReview && !postal {
            return Err(Refusal::Invalid(format!(
                "le dossier {} est « {} » : seules les rubriques d'un dossier en instruction \
                 (et l'adresse d'un dossier approuvé pas encore imprimé) se corrigent",
                row.reference,
                row.status.label_fr()
            ))
            .into());
        }
        let old = fields::get(tx, id, key)?;
        fields::upsert(
            tx,
            id,
            &fields::FieldRow {
                key: key.to_string(),
                value: form::normalize(spec.kind, raw),
                confidence: 1.0,
                crop_sha: old.as_ref().and_then(|f| f.crop_sha.clone()),
                page_idx: old.as_ref().and_then(|f| f.page_idx),
                corrected_by: Some(actor.name.clone()),
                corrected_at: Some(at),
            },
        )?;
        let r = reading_of(tx, id)?;
        let mut summary = row_summary(&row);
        match key {
            "nir" => summary.nir = r.text("nir").map(str::to_string),
            "last_name" => summary.last_name = r.text("last_name").map(str::to_string),
            "first_names" => summary.first_names = r.text("first_names").map(str::to_string),
            "birth_date" => summary.birth_date = r.text("birth_date").map(str::to_string),
            "postcode" => summary.postcode = r.text("postcode").map(str::to_string),
            "city" => summary.city = r.text("city").map(str::to_string),
            _ => {}
        }
        case_store::update_summary(tx, id, &summary, at)?;
        recheck(tx, form, id)?;
        // The value itself is personal data: the audit says which field, not what.
        audit_log(
            tx,
            at,
            actor,
            "case.correct",
            Some(id),
            serde_json::json!({"field": key}),
        )?;
        view(tx, id)
    })
}

fn row_summary(row: &case_store::CaseRow) -> case_store::CaseSummary {
    case_store::CaseSummary {
        nir: row.nir.clone(),
        last_name: row.last_name.clone(),
        first_names: row.first_names.clone(),
        birth_date: row.birth_date.clone(),
        postcode: row.postcode.clone(),
        city: row.city.clone(),
        id_document: row.id_document.clone(),
        ssn_proof: row.ssn_proof.clone(),
    }
}

/// Decides on a case in review. Approving a case with blocking checks needs
/// a written reason, recorded as the override of each of them; rejecting
/// needs a reason (it is printed in the rejection letter); asking for a
/// complement needs at least one blocking check or a reason.
pub fn decide(
    db: &mut Db,
    actor: &Actor,
    reference: &str,
    decision: Decision,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<CaseView> {
    require(actor, Permission::Decide, "décider d'un dossier")?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    db.write(|tx| {
        let id = case_id(tx, reference)?;
        let row = case_store::require(tx, id)?;
        let open_blocking: Vec<_> = check_store::list(tx, id)?
            .into_iter()
            .filter(|c| c.check.severity == Severity::Blocking && !c.is_overridden())
            .collect();
        let to = match decision {
            Decision::Approve => {
                if !open_blocking.is_empty() {
                    let Some(why) = reason else {
                        let codes: Vec<&str> = open_blocking.iter().map(|c| c.check.code.as_str()).collect();
                        return Err(Refusal::Invalid(format!(
                            "le dossier a {} point(s) bloquant(s) ({}) : pour l'approuver quand même, donnez la raison (--reason)",
                            codes.len(),
                            codes.join(", ")
                        ))
                        .into());
                    };
                    for c in &open_blocking {
                        check_store::override_check(tx, id, c.check.code, c.check.field.as_deref(), &actor.name, why, at)?;
                    }
                }
                Status::Approved
            }
            Decision::Reject => {
                if reason.is_none() {
                    return Err(Refusal::Invalid("un rejet doit être motivé (--reason) : le motif figure dans la lettre".into()).into());
                }
                Status::Rejected
            }
            Decision::Incomplete => {
                if open_blocking.is_empty() && reason.is_none() {
                    return Err(Refusal::Invalid(
                        "aucun point bloquant : indiquez ce qui manque (--reason)".into(),
                    )
                    .into());
                }
                Status::Incomplete
            }
        };
        move_case(tx, id, row.status, to, actor, at, reason.unwrap_or(""))?;
        audit_log(
            tx,
            at,
            actor,
            "case.decide",
            Some(id),
            serde_json::json!({"decision": decision, "overridden": if decision == Decision::Approve { open_blocking.len() } else { 0 }}),
        )?;
        view(tx, id)
    })
}
