//! The check codes of SPEC §4 and the one-pass check of a case.
//!
//! [`check_case`] takes everything that was read from an envelope
//! ([`CaseReading`]) and returns every problem at once. A defect in the
//! applicant's file is a [`Check`], never an `Err`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::form::{FieldKind, FieldValue, FormTemplate};
use crate::{nir, values, Civility, DocumentKind, Sex, SsnProofKind};

/// How serious a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The case cannot be approved until resolved or overridden with a reason.
    Blocking,
    /// A clerk must confirm before approval.
    Review,
}

impl Severity {
    /// The stable name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Blocking => "blocking",
            Severity::Review => "review",
        }
    }
}

/// A check code of SPEC §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckCode {
    /// A mandatory field is empty.
    FieldMissing,
    /// No motive box is ticked.
    MotiveMissing,
    /// The signature box is empty.
    SignatureMissing,
    /// OCR confidence under the threshold.
    FieldUncertain,
    /// A date does not parse or is impossible.
    DateInvalid,
    /// NIR malformed or wrong key.
    NirInvalid,
    /// NIR year/month disagree with the birth date.
    NirBirthMismatch,
    /// NIR sex digit disagrees with the civility.
    NirSexMismatch,
    /// Under 18 on the receipt date.
    ApplicantMinor,
    /// Not a French postcode.
    PostcodeInvalid,
    /// Not an e-mail address.
    EmailInvalid,
    /// No identity-proof page.
    IdProofMissing,
    /// No social-security-proof page.
    SsnProofMissing,
    /// The two proofs share a page, or a proof is on a form page.
    ProofsNotSeparate,
    /// An identity proof is there but no MRZ passes its check digits.
    IdMrzUnreadable,
    /// The identity document expired before the receipt date.
    IdExpired,
    /// Birth name or first given name disagree with the MRZ.
    IdNameMismatch,
    /// Birth date disagrees with the MRZ.
    IdBirthDateMismatch,
    /// The NIR on the social-security proof differs from the form's.
    SsnProofNirMismatch,
    /// Another open case has the same NIR.
    DuplicateOpenCase,
}

/// `(code, stable name, severity, French sentence)` for every code, in the order of SPEC §4.
const CODES: &[(CheckCode, &str, Severity, &str)] = &[
    (
        CheckCode::FieldMissing,
        "FIELD_MISSING",
        Severity::Blocking,
        "La rubrique « {champ} » du formulaire n'est pas remplie.",
    ),
    (
        CheckCode::MotiveMissing,
        "MOTIVE_MISSING",
        Severity::Blocking,
        "Aucun motif de la demande n'est coché (rubrique 4 du formulaire).",
    ),
    (
        CheckCode::SignatureMissing,
        "SIGNATURE_MISSING",
        Severity::Blocking,
        "Le formulaire n'est pas signé.",
    ),
    (
        CheckCode::FieldUncertain,
        "FIELD_UNCERTAIN",
        Severity::Review,
        "La lecture de la rubrique « {champ} » est incertaine : vérifiez-la sur le scan.",
    ),
    (
        CheckCode::DateInvalid,
        "DATE_INVALID",
        Severity::Blocking,
        "La date indiquée dans la rubrique « {champ} » n'est pas une date valide.",
    ),
    (
        CheckCode::NirInvalid,
        "NIR_INVALID",
        Severity::Blocking,
        "Le numéro de sécurité sociale indiqué n'est pas valide.",
    ),
    (
        CheckCode::NirBirthMismatch,
        "NIR_BIRTH_MISMATCH",
        Severity::Blocking,
        "Le numéro de sécurité sociale ne correspond pas à la date de naissance indiquée.",
    ),
    (
        CheckCode::NirSexMismatch,
        "NIR_SEX_MISMATCH",
        Severity::Review,
        "Le numéro de sécurité sociale ne correspond pas à la civilité indiquée.",
    ),
    (
        CheckCode::ApplicantMinor,
        "APPLICANT_MINOR",
        Severity::Blocking,
        "La demande doit être faite par une personne majeure.",
    ),
    (
        CheckCode::PostcodeInvalid,
        "POSTCODE_INVALID",
        Severity::Blocking,
        "Le code postal indiqué n'est pas un code postal français valide.",
    ),
    (
        CheckCode::EmailInvalid,
        "EMAIL_INVALID",
        Severity::Blocking,
        "L'adresse e-mail indiquée n'est pas valide.",
    ),
    (
        CheckCode::IdProofMissing,
        "ID_PROOF_MISSING",
        Severity::Blocking,
        "La copie de votre pièce d'identité est absente.",
    ),
    (
        CheckCode::SsnProofMissing,
        "SSN_PROOF_MISSING",
        Severity::Blocking,
        "La copie de votre justificatif de sécurité sociale (carte Vitale ou attestation de droits) est absente.",
    ),
    (
        CheckCode::ProofsNotSeparate,
        "PROOFS_NOT_SEPARATE",
        Severity::Blocking,
        "Les justificatifs doivent être copiés chacun sur une page séparée.",
    ),
    (
        CheckCode::IdMrzUnreadable,
        "ID_MRZ_UNREADABLE",
        Severity::Review,
        "La bande de lecture automatique de la pièce d'identité est illisible.",
    ),
    (
        CheckCode::IdExpired,
        "ID_EXPIRED",
        Severity::Blocking,
        "La pièce d'identité fournie n'est plus en cours de validité.",
    ),
    (
        CheckCode::IdNameMismatch,
        "ID_NAME_MISMATCH",
        Severity::Blocking,
        "Le nom ou le prénom indiqué ne correspond pas à la pièce d'identité.",
    ),
    (
        CheckCode::IdBirthDateMismatch,
        "ID_BIRTH_DATE_MISMATCH",
        Severity::Blocking,
        "La date de naissance indiquée ne correspond pas à la pièce d'identité.",
    ),
    (
        CheckCode::SsnProofNirMismatch,
        "SSN_PROOF_NIR_MISMATCH",
        Severity::Blocking,
        "Le numéro de sécurité sociale du formulaire ne correspond pas à celui du justificatif.",
    ),
    (
        CheckCode::DuplicateOpenCase,
        "DUPLICATE_OPEN_CASE",
        Severity::Review,
        "Un autre dossier en cours porte le même numéro de sécurité sociale.",
    ),
];

impl CheckCode {
    /// Every code, in the order of SPEC §4.
    pub fn all() -> impl Iterator<Item = CheckCode> {
        CODES.iter().map(|c| c.0)
    }

    fn entry(self) -> &'static (CheckCode, &'static str, Severity, &'static str) {
        CODES
            .iter()
            .find(|c| c.0 == self)
            .expect("every code is in the table")
    }

    /// The stable code (`NIR_INVALID`).
    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    /// Its severity.
    pub fn severity(self) -> Severity {
        self.entry().2
    }

    /// A plain French sentence for the applicant or the clerk;
    /// `{champ}` is replaced by the field's label when there is one.
    pub fn sentence_fr(self) -> &'static str {
        self.entry().3
    }

    /// Parses the stable code.
    pub fn parse(s: &str) -> Option<CheckCode> {
        CODES.iter().find(|c| c.1 == s).map(|c| c.0)
    }
}

/// One problem found in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable code.
    pub code: CheckCode,
    /// Its severity.
    pub severity: Severity,
    /// The field concerned, if one.
    pub field: Option<String>,
}

impl Check {
    /// A check of `code` about `field`.
    pub fn new(code: CheckCode, field: Option<&str>) -> Check {
        Check {
            code,
            severity: code.severity(),
            field: field.map(str::to_string),
        }
    }

    /// The French sentence, with the field's label filled in.
    pub fn sentence_fr(&self, form: &FormTemplate) -> String {
        let label = self
            .field
            .as_deref()
            .and_then(|k| form.field(k))
            .map(|f| f.label.trim_end_matches('*').replace('*', ""))
            .unwrap_or_default();
        self.code.sentence_fr().replace("{champ}", label.trim())
    }
}

/// A field as read: its normalised value and the reader's confidence (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldReading {
    /// Normalised value; `None` when empty.
    pub value: Option<FieldValue>,
    /// Confidence of the reading, 0–1 (1 for a value typed by a clerk).
    pub confidence: f32,
}

/// What was read from the identity document (SPEC §9 `id_document`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdDocument {
    /// Kind of document.
    pub kind: DocumentKind,
    /// Surname.
    pub surname: String,
    /// Given names.
    pub given_names: Vec<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Expiry date (computed from the issue month for old French ID cards).
    pub expiry_date: Option<NaiveDate>,
    /// Document number.
    pub document_number: String,
    /// Sex.
    pub sex: Sex,
    /// Every check digit of the MRZ passes.
    pub mrz_valid: bool,
    /// The MRZ lines as finally read.
    #[serde(default)]
    pub mrz: Vec<String>,
    /// The MRZ name field was full (names may be truncated).
    #[serde(default)]
    pub name_truncated: bool,
}

impl IdDocument {
    /// The document as its MRZ describes it; `mrz_valid` when every check digit passed.
    pub fn from_mrz(m: &crate::mrz::Mrz, mrz_valid: bool) -> IdDocument {
        IdDocument {
            kind: m.kind,
            surname: m.surname.clone(),
            given_names: m.given_names.clone(),
            birth_date: m.birth_date,
            expiry_date: m.expiry_date,
            document_number: m.document_number.clone(),
            sex: m.sex,
            mrz_valid,
            mrz: m.lines.clone(),
            name_truncated: m.truncated_name,
        }
    }
}

/// What was read from the social-security proof (SPEC §9 `ssn_proof`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsnProof {
    /// Carte Vitale or attestation.
    pub kind: SsnProofKind,
    /// The NIR printed on it, normalised, if read.
    pub nir: Option<String>,
}

/// Everything read from an envelope, as input of [`check_case`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseReading {
    /// Every field of the form by key.
    pub fields: BTreeMap<String, FieldReading>,
    /// Number of pages that carry an identity proof.
    pub id_proof_pages: usize,
    /// Number of pages that carry a social-security proof.
    pub ssn_proof_pages: usize,
    /// The two proofs share a page, or a proof is on a form page.
    pub proofs_not_separate: bool,
    /// The identity document read, if any.
    pub id_document: Option<IdDocument>,
    /// The social-security proof read, if any.
    pub ssn_proof: Option<SsnProof>,
}

impl CaseReading {
    /// The text value of a field, if present.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .and_then(|f| f.value.as_ref())
            .and_then(FieldValue::as_text)
            .filter(|s| !s.is_empty())
    }

    /// Whether a checkbox is ticked / a signature present.
    pub fn ticked(&self, key: &str) -> bool {
        self.fields
            .get(key)
            .and_then(|f| f.value.as_ref())
            .is_some_and(FieldValue::is_true)
    }

    fn date(&self, key: &str) -> Option<NaiveDate> {
        self.text(key)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }
}

/// What the check needs besides the reading.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// Date the envelope was received.
    pub received: NaiveDate,
    /// Under this confidence a field is `FIELD_UNCERTAIN`.
    pub confidence_threshold: f32,
    /// NIRs of the other open cases.
    pub other_open_nirs: &'a [String],
}

/// Every check of SPEC §4 on a case, in one pass, in the order of the form.
pub fn check_case(form: &FormTemplate, reading: &CaseReading, ctx: &CheckContext) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |code, field: Option<&str>| out.push(Check::new(code, field));

    // Per field: presence, confidence, shape.
    for f in &form.fields {
        let key = f.key.as_str();
        let read = reading.fields.get(key);
        let present = match f.kind {
            k if k.is_boolean() => reading.ticked(key),
            _ => reading.text(key).is_some(),
        };
        let required = f.mandatory
            || f.required_if
                .as_deref()
                .is_some_and(|dep| reading.ticked(dep));
        if !present && f.kind == FieldKind::Signature && required {
            push(CheckCode::SignatureMissing, None);
        } else if !present && required && f.group.is_none() {
            push(CheckCode::FieldMissing, Some(key));
        }
        if read.is_some_and(|r| r.confidence < ctx.confidence_threshold) {
            push(CheckCode::FieldUncertain, Some(key));
        }
        let Some(text) = reading.text(key) else {
            continue;
        };
        match f.kind {
            FieldKind::Date => {
                let ok = reading
                    .date(key)
                    .is_some_and(|d| d.year_ce().1 >= 1900 && d <= ctx.received);
                if !ok {
                    push(CheckCode::DateInvalid, Some(key));
                }
            }
            FieldKind::Postcode if values::normalize_postcode(text).is_err() => {
                push(CheckCode::PostcodeInvalid, Some(key))
            }
            FieldKind::Email if values::normalize_email(text).is_err() => {
                push(CheckCode::EmailInvalid, Some(key))
            }
            _ => {}
        }
    }

    // Motive group.
    let groups: std::collections::BTreeSet<&str> = form
        .fields
        .iter()
        .filter_map(|f| f.group.as_deref())
        .collect();
    for g in groups {
        let any = form
            .fields
            .iter()
            .filter(|f| f.group.as_deref() == Some(g))
            .any(|f| reading.ticked(&f.key));
        if !any {
            push(CheckCode::MotiveMissing, None);
        }
    }

    // NIR and its consistency with the rest of the form.
    let birth = reading.date("birth_date");
    let form_nir = reading.text("nir").map(nir::normalize);
    let parsed_nir = form_nir.as_deref().map(nir::parse);
    match &parsed_nir {
        Some(Err(_)) => push(CheckCode::NirInvalid, Some("nir")),
        Some(Ok(n)) => {
            if birth.is_some_and(|b| !n.matches_birth_date(b)) {
                push(CheckCode::NirBirthMismatch, Some("nir"));
            }
            let civility = reading.text("civility").and_then(Civility::parse);
            if civility.and_then(|c| n.matches_civility(c)) == Some(false) {
                push(CheckCode::NirSexMismatch, Some("nir"));
            }
        }
        None => {}
    }
    if let Some(b) = birth.filter(|b| *b <= ctx.received) {
        if !values::is_adult(b, ctx.received) {
            push(CheckCode::ApplicantMinor, Some("birth_date"));
        }
    }

    // Proofs.
    if reading.id_proof_pages == 0 {
        push(CheckCode::IdProofMissing, None);
    }
    if reading.ssn_proof_pages == 0 {
        push(CheckCode::SsnProofMissing, None);
    }
    if reading.proofs_not_separate {
        push(CheckCode::ProofsNotSeparate, None);
    }
    match reading.id_document.as_ref().filter(|d| d.mrz_valid) {
        None if reading.id_proof_pages > 0 => push(CheckCode::IdMrzUnreadable, None),
        None => {}
        Some(doc) => {
            if doc.expiry_date.is_some_and(|e| e < ctx.received) {
                push(CheckCode::IdExpired, None);
            }
            if let Some(field) = name_mismatch(reading, doc) {
                push(CheckCode::IdNameMismatch, Some(field));
            }
            if let (Some(b), Some(m)) = (birth, doc.birth_date) {
                if b != m {
                    push(CheckCode::IdBirthDateMismatch, Some("birth_date"));
                }
            }
        }
    }
    if let (Some(form_nir), Some(proof_nir)) = (
        form_nir.as_deref(),
        reading.ssn_proof.as_ref().and_then(|p| p.nir.as_deref()),
    ) {
        if nir::normalize(proof_nir) != form_nir {
            push(CheckCode::SsnProofNirMismatch, Some("nir"));
        }
    }
    if let Some(n) = form_nir.as_deref() {
        if ctx.other_open_nirs.iter().any(|o| o == n) {
            push(CheckCode::DuplicateOpenCase, Some("nir"));
        }
    }
    out
}

/// `Some(field)` when the birth name or the first given name disagree with the MRZ.
fn name_mismatch(reading: &CaseReading, doc: &IdDocument) -> Option<&'static str> {
    let mrz_surname = values::fold_for_mrz(&doc.surname);
    if let Some(name) = reading.text("birth_name") {
        if !mrz_name_matches(
            &values::fold_for_mrz(name),
            &mrz_surname,
            doc.name_truncated,
        ) {
            return Some("birth_name");
        }
    }
    let first = reading
        .text("first_names")
        .and_then(|s| s.split_whitespace().next());
    if let Some(first) = first {
        let mrz_given = values::fold_for_mrz(&doc.given_names.join(" "));
        let first = values::fold_for_mrz(first);
        // The MRZ separates hyphenated names like any other: JEAN-PIERRE is JEAN<PIERRE.
        let whole = mrz_given == first
            || mrz_given.starts_with(&format!("{first}<"))
            || (doc.name_truncated || doc.kind == DocumentKind::CniOld)
                && !mrz_given.is_empty()
                && first.starts_with(&mrz_given);
        if !whole {
            return Some("first_names");
        }
    }
    None
}

/// Equal after folding, or the MRZ holds a truncation of the form's name.
/// Separators are not compared: ICAO 9303 drops apostrophes (O'NEIL is
/// ONEIL) where some issuers write a filler (O<NEIL).
fn mrz_name_matches(form: &str, mrz: &str, truncated: bool) -> bool {
    let bare = |s: &str| s.replace('<', "");
    let (form, mrz) = (bare(form), bare(mrz));
    form == mrz || (truncated && !mrz.is_empty() && form.starts_with(&mrz))
}

use chrono::Datelike;

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn text(v: &str) -> FieldReading {
        FieldReading {
            value: Some(FieldValue::Text(v.to_string())),
            confidence: 0.95,
        }
    }

    fn tick(v: bool) -> FieldReading {
        FieldReading {
            value: Some(FieldValue::Bool(v)),
            confidence: 0.99,
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A clean case: sample-0003's truth (a residence permit holder).
    fn clean() -> CaseReading {
        let mut fields = BTreeMap::new();
        for (k, v) in [
            ("civility", "madame"),
            ("last_name", "LEMOINE"),
            ("birth_name", "OMIOTEK"),
            ("first_names", "MELANIA"),
            ("birth_date", "1984-02-24"),
            ("birth_place", "Cracovie"),
            ("birth_country", "Pologne"),
            ("address_line", "69 impasse Langlois"),
            ("address_complement", "Logement 27"),
            ("postcode", "59500"),
            ("city", "Douai"),
            ("phone", "0399655138"),
            ("email", "mlemoine@sfr.fr"),
            ("nir", "284999912269342"),
            ("signed_place", "Douai"),
            ("signed_date", "2025-03-25"),
        ] {
            fields.insert(k.to_string(), text(v));
        }
        for (k, v) in [
            ("motive_no_smartphone", false),
            ("motive_no_french_id", true),
            ("motive_recent_permit", true),
            ("motive_other", false),
            ("signature", true),
        ] {
            fields.insert(k.to_string(), tick(v));
        }
        fields.insert(
            "motive_other_text".into(),
            FieldReading {
                value: None,
                confidence: 0.9,
            },
        );
        CaseReading {
            fields,
            id_proof_pages: 1,
            ssn_proof_pages: 1,
            proofs_not_separate: false,
            id_document: Some(IdDocument {
                kind: DocumentKind::ResidencePermit,
                surname: "OMIOTEK".into(),
                given_names: vec!["MELANIA".into()],
                birth_date: Some(date("1984-02-24")),
                expiry_date: Some(date("2026-02-03")),
                document_number: "PE1076488".into(),
                sex: Sex::F,
                mrz_valid: true,
                mrz: vec![],
                name_truncated: false,
            }),
            ssn_proof: Some(SsnProof {
                kind: SsnProofKind::CarteVitale,
                nir: Some("284999912269342".into()),
            }),
        }
    }

    fn run(reading: &CaseReading, others: &[String]) -> Vec<(String, Option<String>)> {
        let ctx = CheckContext {
            received: date("2025-03-27"),
            confidence_threshold: 0.6,
            other_open_nirs: others,
        };
        check_case(&FormTemplate::default_v1(), reading, &ctx)
            .into_iter()
            .map(|c| (c.code.as_str().to_string(), c.field))
            .collect()
    }

    fn set(r: &mut CaseReading, key: &str, v: Option<&str>) {
        r.fields.insert(
            key.to_string(),
            FieldReading {
                value: v.map(|s| FieldValue::Text(s.into())),
                confidence: 0.95,
            },
        );
    }

    #[test]
    fn clean_case_raises_nothing() {
        assert_eq!(run(&clean(), &[]), vec![], "sample-0003 expects no check");
    }

    type Edit = fn(&mut CaseReading);

    #[rstest]
    #[case::field_missing(|r: &mut CaseReading| set(r, "address_line", None), "FIELD_MISSING", Some("address_line"))]
    #[case::motive_missing(|r: &mut CaseReading| { r.fields.insert("motive_no_french_id".into(), tick(false)); r.fields.insert("motive_recent_permit".into(), tick(false)); }, "MOTIVE_MISSING", None)]
    #[case::other_motive_without_text(|r: &mut CaseReading| { r.fields.insert("motive_other".into(), tick(true)); }, "FIELD_MISSING", Some("motive_other_text"))]
    #[case::signature_missing(|r: &mut CaseReading| { r.fields.insert("signature".into(), tick(false)); }, "SIGNATURE_MISSING", None)]
    #[case::uncertain(|r: &mut CaseReading| { r.fields.get_mut("city").unwrap().confidence = 0.3; }, "FIELD_UNCERTAIN", Some("city"))]
    #[case::date_invalid(|r: &mut CaseReading| set(r, "signed_date", Some("31/02/2025")), "DATE_INVALID", Some("signed_date"))]
    #[case::date_in_future(|r: &mut CaseReading| set(r, "signed_date", Some("2025-04-02")), "DATE_INVALID", Some("signed_date"))]
    #[case::nir_invalid(|r: &mut CaseReading| { set(r, "nir", Some("284999912269343")); r.ssn_proof = None; r.ssn_proof_pages = 1; }, "NIR_INVALID", Some("nir"))]
    #[case::nir_sex(|r: &mut CaseReading| set(r, "civility", Some("monsieur")), "NIR_SEX_MISMATCH", Some("nir"))]
    #[case::postcode(|r: &mut CaseReading| set(r, "postcode", Some("00100")), "POSTCODE_INVALID", Some("postcode"))]
    #[case::email(|r: &mut CaseReading| set(r, "email", Some("mlemoine.sfr.fr")), "EMAIL_INVALID", Some("email"))]
    #[case::id_missing(|r: &mut CaseReading| { r.id_proof_pages = 0; r.id_document = None; }, "ID_PROOF_MISSING", None)]
    #[case::ssn_missing(|r: &mut CaseReading| { r.ssn_proof_pages = 0; r.ssn_proof = None; }, "SSN_PROOF_MISSING", None)]
    #[case::not_separate(|r: &mut CaseReading| r.proofs_not_separate = true, "PROOFS_NOT_SEPARATE", None)]
    #[case::mrz_unreadable(|r: &mut CaseReading| r.id_document.as_mut().unwrap().mrz_valid = false, "ID_MRZ_UNREADABLE", None)]
    #[case::expired(|r: &mut CaseReading| r.id_document.as_mut().unwrap().expiry_date = Some(date("2025-03-26")), "ID_EXPIRED", None)]
    #[case::surname(|r: &mut CaseReading| r.id_document.as_mut().unwrap().surname = "OMIOTAK".into(), "ID_NAME_MISMATCH", Some("birth_name"))]
    #[case::given(|r: &mut CaseReading| r.id_document.as_mut().unwrap().given_names = vec!["MELANIE".into()], "ID_NAME_MISMATCH", Some("first_names"))]
    #[case::id_birth(|r: &mut CaseReading| r.id_document.as_mut().unwrap().birth_date = Some(date("1984-02-25")), "ID_BIRTH_DATE_MISMATCH", Some("birth_date"))]
    #[case::ssn_nir(|r: &mut CaseReading| r.ssn_proof.as_mut().unwrap().nir = Some("293089122853790".into()), "SSN_PROOF_NIR_MISMATCH", Some("nir"))]
    fn one_defect_one_check(#[case] edit: Edit, #[case] code: &str, #[case] field: Option<&str>) {
        let mut r = clean();
        edit(&mut r);
        assert_eq!(
            run(&r, &[]),
            vec![(code.to_string(), field.map(str::to_string))],
            "one defect must raise exactly its own check"
        );
    }

    #[test]
    fn birth_mismatch_and_minor() {
        let mut r = clean();
        // Born 1984-07-xx per the NIR; the form says 2010: both NIR and age fail.
        set(&mut r, "birth_date", Some("2010-02-24"));
        r.id_document.as_mut().unwrap().birth_date = Some(date("2010-02-24"));
        let got = run(&r, &[]);
        assert_eq!(
            got,
            vec![
                ("NIR_BIRTH_MISMATCH".to_string(), Some("nir".to_string())),
                (
                    "APPLICANT_MINOR".to_string(),
                    Some("birth_date".to_string())
                ),
            ]
        );
    }

    #[test]
    fn every_problem_in_one_pass() {
        let mut r = clean();
        set(&mut r, "email", None);
        set(&mut r, "postcode", Some("9999"));
        r.ssn_proof_pages = 0;
        r.ssn_proof = None;
        let codes: Vec<String> = run(&r, &[]).into_iter().map(|c| c.0).collect();
        assert_eq!(
            codes,
            ["POSTCODE_INVALID", "FIELD_MISSING", "SSN_PROOF_MISSING"],
            "all defects are reported together, not the first one only"
        );
    }

    #[test]
    fn duplicate_open_case() {
        let got = run(&clean(), &["284999912269342".to_string()]);
        assert_eq!(
            got,
            vec![("DUPLICATE_OPEN_CASE".to_string(), Some("nir".to_string()))]
        );
    }

    #[test]
    fn truncated_mrz_names_match_their_prefix() {
        let mut r = clean();
        set(
            &mut r,
            "birth_name",
            Some("DE LA TOUR D'AUVERGNE-LAURAGAIS"),
        );
        let doc = r.id_document.as_mut().unwrap();
        doc.surname = "DE LA TOUR D AUVERGNE LAUR".into();
        doc.name_truncated = true;
        assert_eq!(run(&r, &[]), vec![], "an MRZ may truncate long names");
        r.id_document.as_mut().unwrap().name_truncated = false;
        assert_eq!(
            run(&r, &[]),
            vec![("ID_NAME_MISMATCH".to_string(), Some("birth_name".into()))]
        );
    }

    #[test]
    fn accents_and_hyphens_compare_as_mrz() {
        let mut r = clean();
        set(&mut r, "birth_name", Some("VALLÉE"));
        set(&mut r, "first_names", Some("JEAN-PIERRE MARC"));
        let doc = r.id_document.as_mut().unwrap();
        doc.surname = "VALLEE".into();
        doc.given_names = vec!["JEAN".into(), "PIERRE".into(), "MARC".into()];
        assert_eq!(run(&r, &[]), vec![]);
    }

    #[rstest]
    #[case::filler("ETO<O")]
    #[case::icao_omits_it("ETOO")]
    fn an_apostrophe_may_be_a_filler_or_left_out(#[case] surname: &str) {
        let mut r = clean();
        set(&mut r, "birth_name", Some("ETO'O"));
        r.id_document.as_mut().unwrap().surname = surname.into();
        assert_eq!(run(&r, &[]), vec![]);
        r.id_document.as_mut().unwrap().surname = "ETOA".into();
        assert_eq!(
            run(&r, &[]),
            vec![("ID_NAME_MISMATCH".to_string(), Some("birth_name".into()))]
        );
    }

    #[test]
    fn every_code_has_a_french_sentence_and_round_trips() {
        for c in CheckCode::all() {
            assert_eq!(CheckCode::parse(c.as_str()), Some(c));
            assert!(c.sentence_fr().ends_with('.'), "{c:?}");
        }
        let form = FormTemplate::default_v1();
        let s = Check::new(CheckCode::FieldMissing, Some("birth_name")).sentence_fr(&form);
        assert_eq!(
            s,
            "La rubrique « Nom de naissance » du formulaire n'est pas remplie."
        );
    }
}
