//! The post-office counter (SPEC §8): a counter agent finds a letter by its
//! barcode (S10 number) or the case reference, sees what is needed to hand
//! it over — name, birth date, ID document — and never the NIR, then records
//! the ID check.
//!
//! Only cases with a registered letter can be found. Every find is audited
//! (personal data opened); every check is recorded in `counter_checks` and
//! audited without the document number.

use anyhow::Result;
use chrono::NaiveDateTime;
use parcours_db::letters::LetterRow;
use parcours_db::rusqlite::Connection;
use parcours_db::{cases, counter as store, fields, letters, Db};
use parcours_domain::form::FieldValue;
use parcours_domain::lifecycle::Status;
use parcours_domain::roles::Permission;
use parcours_domain::s10::S10;
use parcours_domain::DocumentKind;
use serde::Serialize;

use crate::cases::move_case;
use crate::{audit_log, require, Actor, Refusal};

/// The ID document as the counter agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterDocument {
    /// Kind of document.
    pub kind: DocumentKind,
    /// Its number.
    pub number: String,
}

/// What a counter agent sees: no NIR, no address, no scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterView {
    /// Case reference.
    pub reference: String,
    /// `madame` / `monsieur`, as ticked on the form.
    pub civility: Option<String>,
    /// Given names.
    pub first_names: Option<String>,
    /// Usage name.
    pub last_name: Option<String>,
    /// Birth date (`YYYY-MM-DD`).
    pub birth_date: Option<String>,
    /// The ID document read from the copy sent.
    pub id_document: Option<CounterDocument>,
    /// Status of the case.
    pub status: Status,
    /// S10 number of the letter.
    pub s10: Option<String>,
    /// The letter was voided (reprinted): do not hand it over.
    pub letter_voided: bool,
}

/// Outcome of the check at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The document matches the person: the letter is handed over.
    Verified,
    /// The letter is not handed over.
    Refused,
}

impl Outcome {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::Refused => "refused",
        }
    }

    /// Parses `verified` / `refused`.
    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Verified, Outcome::Refused]
            .into_iter()
            .find(|o| o.as_str() == s.trim().to_lowercase())
    }
}

/// What [`verify`] recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRecorded {
    /// Case reference.
    pub reference: String,
    /// The outcome.
    pub outcome: Outcome,
    /// Whether the number typed matches the case's ID document.
    pub number_matches: bool,
    /// Status of the case afterwards.
    pub status: Status,
}

/// Letters and digits only, upper case: `ab 12-34` → `AB1234`.
fn normalise_number(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The case and letter for what the agent typed or scanned.
fn locate(c: &Connection, query: &str) -> Result<(cases::CaseRow, LetterRow, &'static str)> {
    let compact: String = query
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if compact.starts_with("PA-") {
        let id = crate::cases::case_id(c, &compact)?;
        let case = cases::require(c, id)?;
        let letter = letters::current_registered(c, id)?.ok_or_else(|| {
            Refusal::NotFound(format!(
                "aucune lettre recommandée pour le dossier {}",
                case.reference
            ))
        })?;
        return Ok((case, letter, "reference"));
    }
    let s10 = S10::parse(&compact).map_err(|e| {
        Refusal::Invalid(format!(
            "{e} (ou saisissez la référence du dossier, PA-AAAA-NNNNNN)"
        ))
    })?;
    let letter = letters::by_s10(c, &s10.compact())?.ok_or_else(|| {
        Refusal::NotFound(format!(
            "aucune lettre recommandée n° {} : vérifiez le numéro",
            s10.formatted()
        ))
    })?;
    let case = cases::require(c, letter.case_id)?;
    Ok((case, letter, "s10"))
}

fn text_field(c: &Connection, case_id: i64, key: &str) -> Result<Option<String>> {
    Ok(fields::get(c, case_id, key)?.and_then(|f| match f.value {
        Some(FieldValue::Text(s)) => Some(s),
        _ => None,
    }))
}

/// Finds a letter by S10 number or case reference (counter agents). Audited.
pub fn find(db: &mut Db, actor: &Actor, query: &str, at: NaiveDateTime) -> Result<CounterView> {
    require(
        actor,
        Permission::CounterFind,
        "rechercher une lettre au guichet",
    )?;
    db.write(|tx| {
        let (case, letter, via) = locate(tx, query)?;
        let view = CounterView {
            reference: case.reference.clone(),
            civility: text_field(tx, case.id, "civility")?,
            first_names: case.first_names,
            last_name: case.last_name,
            birth_date: case.birth_date,
            id_document: case.id_document.map(|d| CounterDocument {
                kind: d.kind,
                number: d.document_number,
            }),
            status: case.status,
            s10: letter.s10.clone(),
            letter_voided: letter.voided_at.is_some(),
        };
        audit_log(
            tx,
            at,
            actor,
            "counter.find",
            Some(case.id),
            serde_json::json!({"via": via}),
        )?;
        Ok(view)
    })
}

/// Records the ID check at the counter (counter agents). A document number
/// that does not match the case's needs a reason; `verified` moves the case
/// to `verified`, `refused` only records the check.
pub fn verify(
    db: &mut Db,
    actor: &Actor,
    query: &str,
    document_number: &str,
    outcome: Outcome,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<CheckRecorded> {
    require(
        actor,
        Permission::CounterVerify,
        "enregistrer un contrôle au guichet",
    )?;
    let typed = normalise_number(document_number);
    if typed.is_empty() {
        return Err(Refusal::Invalid(
            "saisissez le numéro de la pièce d'identité présentée (--document-number)".into(),
        )
        .into());
    }
    let reason = reason.map(str::trim).unwrap_or_default();
    db.write(|tx| {
        let (case, letter, _) = locate(tx, query)?;
        if letter.voided_at.is_some() {
            return Err(Refusal::Invalid(format!(
                "la lettre {} a été annulée (réimprimée) : ne la remettez pas, demandez la nouvelle lettre",
                letter.s10.as_deref().unwrap_or_default()
            ))
            .into());
        }
        if !matches!(case.status, Status::Dispatched | Status::AwaitingPickup) {
            return Err(Refusal::Invalid(format!(
                "le dossier {} est « {} » : aucune lettre à remettre au guichet",
                case.reference,
                case.status.label_fr()
            ))
            .into());
        }
        let matches = case
            .id_document
            .as_ref()
            .is_some_and(|d| normalise_number(&d.document_number) == typed);
        if !matches && reason.is_empty() {
            return Err(Refusal::Invalid(
                "le numéro saisi ne correspond pas à la pièce d'identité du dossier : \
                 vérifiez-le, ou indiquez le motif avec --reason (pièce renouvelée, par exemple)"
                    .into(),
            )
            .into());
        }
        store::insert(
            tx,
            &store::NewCheck {
                case_id: case.id,
                s10: letter.s10.as_deref(),
                document_number: &typed,
                number_matches: matches,
                outcome: outcome.as_str(),
                reason,
                by: &actor.name,
                at,
            },
        )?;
        let status = match outcome {
            Outcome::Verified => {
                move_case(
                    tx,
                    case.id,
                    case.status,
                    Status::Verified,
                    actor,
                    at,
                    "identité vérifiée au guichet",
                )?;
                Status::Verified
            }
            Outcome::Refused => case.status,
        };
        audit_log(
            tx,
            at,
            actor,
            "counter.verify",
            Some(case.id),
            serde_json::json!({"outcome": outcome.as_str(), "number_matches": matches}),
        )?;
        Ok(CheckRecorded {
            reference: case.reference,
            outcome,
            number_matches: matches,
            status,
        })
    })
}
