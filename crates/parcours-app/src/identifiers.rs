//! Checking one identifier as a clerk would on the phone (`parcours check`).
//! No database, no role: these are public rules.

use chrono::NaiveDate;
use parcours_domain::checks::IdDocument;
use parcours_domain::{mrz, nir, s10};
use serde::Serialize;

/// One problem with a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueError {
    /// Stable code.
    pub code: String,
    /// French explanation.
    pub message: String,
}

/// The verdict on a NIR or S10 number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueCheck {
    /// Every rule passes.
    pub valid: bool,
    /// The value in normal form.
    pub normalized: String,
    /// What is wrong, all at once.
    pub errors: Vec<ValueError>,
    /// The value as printed for a person (`RA 123 456 785 FR`, `1 84 12 …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
}

/// Checks a NIR.
pub fn check_nir(value: &str) -> ValueCheck {
    let normalized = nir::normalize(value);
    match nir::parse(value) {
        Ok(n) => ValueCheck {
            valid: true,
            formatted: Some(n.formatted()),
            normalized,
            errors: vec![],
        },
        Err(errs) => ValueCheck {
            valid: false,
            normalized,
            formatted: None,
            errors: errs
                .iter()
                .map(|e| ValueError {
                    code: e.code().to_string(),
                    message: e.to_string(),
                })
                .collect(),
        },
    }
}

/// Checks a registered-item number.
pub fn check_s10(value: &str) -> ValueCheck {
    let normalized: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    match s10::S10::parse(value) {
        Ok(n) => ValueCheck {
            valid: true,
            normalized: n.compact(),
            formatted: Some(n.formatted()),
            errors: vec![],
        },
        Err(e) => ValueCheck {
            valid: false,
            normalized,
            formatted: None,
            errors: vec![ValueError {
                code: e.code().to_string(),
                message: e.to_string(),
            }],
        },
    }
}

/// The verdict on an MRZ: the parsed fields as in `id_document`, its format
/// and what was repaired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MrzCheck {
    /// Every check digit passes (after repair).
    pub valid: bool,
    /// The lines as finally read.
    pub normalized: Vec<String>,
    /// What is wrong, all at once.
    pub errors: Vec<ValueError>,
    /// `td1`, `td2`, `td3` or `fr_id_old`, when recognised.
    pub format: Option<mrz::MrzFormat>,
    /// The fields, as in `id_document` of `parcours intake`.
    #[serde(flatten)]
    pub document: Option<IdDocument>,
    /// Characters changed to make the check digits pass.
    pub repairs: Vec<mrz::Repair>,
}

/// Checks an MRZ given as its lines; `on` chooses the century of birth years.
pub fn check_mrz(lines: &[String], on: NaiveDate) -> MrzCheck {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let reading = mrz::read(&refs, on);
    MrzCheck {
        valid: reading.valid,
        normalized: reading
            .mrz
            .as_ref()
            .map(|m| m.lines.clone())
            .unwrap_or_else(|| mrz::normalize_lines(&refs)),
        errors: reading
            .errors
            .iter()
            .map(|e| ValueError {
                code: e.code().to_string(),
                message: e.to_string(),
            })
            .collect(),
        format: reading.mrz.as_ref().map(|m| m.format),
        document: reading
            .mrz
            .as_ref()
            .map(|m| IdDocument::from_mrz(m, reading.valid)),
        repairs: reading.repairs,
    }
}
