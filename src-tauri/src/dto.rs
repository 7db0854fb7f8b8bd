//! What crosses the IPC boundary. Domain types carry no IPC concerns: these
//! mirror them with `specta::Type` so that `ui/src/bindings.ts` is generated.

use parcours_app::cases::{CaseSummary, CaseView};
use parcours_app::identifiers::{MrzCheck, ValueCheck};
use parcours_app::settings::SettingView;
use parcours_app::users::UserSummary;
use parcours_app::Actor;
use parcours_domain::checks::{IdDocument, Severity};
use parcours_domain::form::{FieldKind, FieldValue, FormTemplate};
use parcours_domain::lifecycle::Status;
use parcours_domain::roles::Role;
use serde::{Deserialize, Serialize};

/// The stable snake_case code of a serde enum (`cni_old`, `form_page_1`).
fn code_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// A role (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Agent de traitement.
    Clerk,
    /// Guichetier.
    CounterAgent,
    /// Responsable.
    Manager,
    /// Administrateur.
    Admin,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> RoleDto {
        match r {
            Role::Clerk => RoleDto::Clerk,
            Role::CounterAgent => RoleDto::CounterAgent,
            Role::Manager => RoleDto::Manager,
            Role::Admin => RoleDto::Admin,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Role {
        match r {
            RoleDto::Clerk => Role::Clerk,
            RoleDto::CounterAgent => Role::CounterAgent,
            RoleDto::Manager => Role::Manager,
            RoleDto::Admin => Role::Admin,
        }
    }
}

/// A case status (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum StatusDto {
    Received,
    InReview,
    Incomplete,
    Approved,
    Rejected,
    LetterPrinted,
    Dispatched,
    AwaitingPickup,
    Returned,
    Verified,
    Closed,
}

impl From<Status> for StatusDto {
    fn from(s: Status) -> StatusDto {
        match s {
            Status::Received => StatusDto::Received,
            Status::InReview => StatusDto::InReview,
            Status::Incomplete => StatusDto::Incomplete,
            Status::Approved => StatusDto::Approved,
            Status::Rejected => StatusDto::Rejected,
            Status::LetterPrinted => StatusDto::LetterPrinted,
            Status::Dispatched => StatusDto::Dispatched,
            Status::AwaitingPickup => StatusDto::AwaitingPickup,
            Status::Returned => StatusDto::Returned,
            Status::Verified => StatusDto::Verified,
            Status::Closed => StatusDto::Closed,
        }
    }
}

impl From<StatusDto> for Status {
    fn from(s: StatusDto) -> Status {
        match s {
            StatusDto::Received => Status::Received,
            StatusDto::InReview => Status::InReview,
            StatusDto::Incomplete => Status::Incomplete,
            StatusDto::Approved => Status::Approved,
            StatusDto::Rejected => Status::Rejected,
            StatusDto::LetterPrinted => Status::LetterPrinted,
            StatusDto::Dispatched => Status::Dispatched,
            StatusDto::AwaitingPickup => Status::AwaitingPickup,
            StatusDto::Returned => Status::Returned,
            StatusDto::Verified => Status::Verified,
            StatusDto::Closed => Status::Closed,
        }
    }
}

/// The logged-in user.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SessionDto {
    /// Login.
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// The role in French.
    pub role_label: String,
}

impl From<&Actor> for SessionDto {
    fn from(a: &Actor) -> SessionDto {
        SessionDto {
            name: a.name.clone(),
            role: a.role.into(),
            role_label: a.role.label_fr().into(),
        }
    }
}

/// An account, as listed to an administrator.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UserDto {
    /// Login.
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// The role in French.
    pub role_label: String,
    /// The account cannot log in.
    pub disabled: bool,
}

impl From<UserSummary> for UserDto {
    fn from(u: UserSummary) -> UserDto {
        UserDto {
            name: u.name,
            role: u.role.into(),
            role_label: u.role.label_fr().into(),
            disabled: u.disabled,
        }
    }
}

/// A setting, as shown to an administrator.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SettingDto {
    /// Key (`s10.first`).
    pub key: String,
    /// Effective value; `null` when unset.
    pub value: Option<String>,
    /// What it is, in French.
    pub label: String,
}

impl From<SettingView> for SettingDto {
    fn from(s: SettingView) -> SettingDto {
        SettingDto {
            key: s.key.into(),
            value: s.value,
            label: s.label.into(),
        }
    }
}

/// Number of cases in one status.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct StatusCount {
    /// Status.
    pub status: StatusDto,
    /// Its French label.
    pub label: String,
    /// Cases in it.
    pub count: u32,
}

/// One line of a case list.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CaseLine {
    /// Reference (`PA-2026-000123`).
    pub reference: String,
    /// Status.
    pub status: StatusDto,
    /// Its French label.
    pub status_label: String,
    /// Receipt date, ISO `YYYY-MM-DD`.
    pub received: String,
    /// Usage name.
    pub last_name: Option<String>,
    /// Given names.
    pub first_names: Option<String>,
    /// Blocking checks not overridden.
    pub blocking: u32,
}

impl From<CaseSummary> for CaseLine {
    fn from(c: CaseSummary) -> CaseLine {
        CaseLine {
            reference: c.reference,
            status: c.status.into(),
            status_label: c.status.label_fr().into(),
            received: c.received.format("%Y-%m-%d").to_string(),
            last_name: c.last_name,
            first_names: c.first_names,
            blocking: u32::try_from(c.blocking).unwrap_or(u32::MAX),
        }
    }
}

/// A page of a case list, with the count of every status (work queues).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CasePage {
    /// Cases matching the filter.
    pub total: u32,
    /// Position of the first item in the filtered list.
    pub offset: u32,
    /// At most `limit` cases.
    pub items: Vec<CaseLine>,
    /// Every status with its count (all cases, not only the filter).
    pub counts: Vec<StatusCount>,
}

/// A field of the form with its value.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FieldDto {
    /// Key (`last_name`).
    pub key: String,
    /// Printed label, without asterisk.
    pub label: String,
    /// Mandatory on the form.
    pub mandatory: bool,
    /// Value as text (`Oui` / `Non` for boxes); `null` when empty.
    pub value: Option<String>,
    /// The value is an ISO date (`YYYY-MM-DD`).
    pub is_date: bool,
    /// OCR confidence 0–1, when read.
    pub confidence: Option<f32>,
}

/// A check raised on a case, with its plain French sentence.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CheckDto {
    /// Stable code (`NIR_INVALID`).
    pub code: String,
    /// Blocks approval (else: to confirm).
    pub blocking: bool,
    /// Field concerned.
    pub field: Option<String>,
    /// Plain French sentence.
    pub sentence: String,
}

/// An identity document read from its MRZ.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct IdDocumentDto {
    /// `cni_old`, `cni`, `passport`, `residence_permit`, `other`.
    pub kind: String,
    /// Surname.
    pub surname: String,
    /// Given names.
    pub given_names: Vec<String>,
    /// Birth date, ISO.
    pub birth_date: Option<String>,
    /// Expiry date, ISO.
    pub expiry_date: Option<String>,
    /// Document number.
    pub document_number: String,
    /// `F`, `M` or `X`.
    pub sex: String,
    /// Every check digit passes.
    pub mrz_valid: bool,
}

impl From<&IdDocument> for IdDocumentDto {
    fn from(d: &IdDocument) -> IdDocumentDto {
        IdDocumentDto {
            kind: code_of(&d.kind),
            surname: d.surname.clone(),
            given_names: d.given_names.clone(),
            birth_date: d.birth_date.map(|x| x.format("%Y-%m-%d").to_string()),
            expiry_date: d.expiry_date.map(|x| x.format("%Y-%m-%d").to_string()),
            document_number: d.document_number.clone(),
            sex: code_of(&d.sex),
            mrz_valid: d.mrz_valid,
        }
    }
}

/// The social-security proof.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SsnProofDto {
    /// `carte_vitale` or `attestation`.
    pub kind: String,
    /// NIR printed on it.
    pub nir: Option<String>,
}

/// A page of the envelope.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PageDto {
    /// Position, from 1.
    pub index: u32,
    /// Page kind (`form_page_1`…).
    pub kind: String,
    /// Rotation applied (0, 90, 180, 270).
    pub rotation: u32,
}

/// A whole case, for a clerk or a manager.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CaseDto {
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: StatusDto,
    /// Its French label.
    pub status_label: String,
    /// Receipt date, ISO.
    pub received: String,
    /// Every field of the form, in the form's order.
    pub fields: Vec<FieldDto>,
    /// Identity document, if one was read.
    pub id_document: Option<IdDocumentDto>,
    /// Social-security proof, if one was read.
    pub ssn_proof: Option<SsnProofDto>,
    /// Pages in envelope order.
    pub pages: Vec<PageDto>,
    /// Checks raised, blocking first.
    pub checks: Vec<CheckDto>,
}

impl CaseDto {
    /// Builds the view of `c` with the labels of `form`.
    pub fn new(c: CaseView, form: &FormTemplate) -> CaseDto {
        let mut previous = String::new();
        let fields = form
            .fields
            .iter()
            .map(|f| {
                let read = c.fields.get(&f.key).and_then(|x| x.as_ref());
                let printed = f.label.replace('*', "").trim().to_string();
                // A field without a printed label completes the one before
                // it (`Autre motif :` and its text).
                let label = if printed.is_empty() {
                    format!("{} (précision)", previous.trim_end_matches([' ', ':']))
                } else {
                    printed
                };
                previous.clone_from(&label);
                let is_box = matches!(f.kind, FieldKind::Checkbox | FieldKind::Signature);
                FieldDto {
                    key: f.key.clone(),
                    label,
                    mandatory: f.mandatory,
                    value: match read.map(|r| &r.value) {
                        Some(FieldValue::Bool(true)) => Some("Oui".to_string()),
                        Some(FieldValue::Bool(false)) => Some("Non".to_string()),
                        Some(FieldValue::Text(t)) => Some(t.clone()),
                        None if is_box => Some("Non".to_string()),
                        None => None,
                    },
                    is_date: f.kind == FieldKind::Date,
                    confidence: read.map(|r| r.confidence),
                }
            })
            .collect();
        let mut checks: Vec<CheckDto> = c
            .checks
            .iter()
            .map(|k| CheckDto {
                code: k.code.as_str().into(),
                blocking: k.severity == Severity::Blocking,
                field: k.field.clone(),
                sentence: k.sentence_fr(form),
            })
            .collect();
        checks.sort_by_key(|k| !k.blocking);
        CaseDto {
            reference: c.reference,
            status: c.status.into(),
            status_label: c.status.label_fr().into(),
            received: c.received.format("%Y-%m-%d").to_string(),
            fields,
            id_document: c.id_document.as_ref().map(IdDocumentDto::from),
            ssn_proof: c.ssn_proof.as_ref().map(|p| SsnProofDto {
                kind: code_of(&p.kind),
                nir: p.nir.clone(),
            }),
            pages: c
                .pages
                .iter()
                .map(|p| PageDto {
                    index: u32::try_from(p.index).unwrap_or(0),
                    kind: code_of(&p.kind),
                    rotation: u32::try_from(p.rotation).unwrap_or(0),
                })
                .collect(),
            checks,
        }
    }
}

/// One problem with a checked value.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ValueErrorDto {
    /// Stable code.
    pub code: String,
    /// French explanation.
    pub message: String,
}

/// The verdict on a NIR or an S10 number.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ValueCheckDto {
    /// Every rule passes.
    pub valid: bool,
    /// Normal form.
    pub normalized: String,
    /// As printed for a person.
    pub formatted: Option<String>,
    /// Every problem.
    pub errors: Vec<ValueErrorDto>,
}

impl From<ValueCheck> for ValueCheckDto {
    fn from(v: ValueCheck) -> ValueCheckDto {
        ValueCheckDto {
            valid: v.valid,
            normalized: v.normalized,
            formatted: v.formatted,
            errors: v
                .errors
                .into_iter()
                .map(|e| ValueErrorDto {
                    code: e.code,
                    message: e.message,
                })
                .collect(),
        }
    }
}

/// The verdict on an MRZ.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MrzCheckDto {
    /// Every check digit passes (after repair).
    pub valid: bool,
    /// Lines as finally read.
    pub normalized: Vec<String>,
    /// Every problem.
    pub errors: Vec<ValueErrorDto>,
    /// `td1`, `td2`, `td3`, `fr_id_old`.
    pub format: Option<String>,
    /// The document's fields.
    pub document: Option<IdDocumentDto>,
    /// Characters repaired, in French (`ligne 2, position 14 : O → 0`).
    pub repairs: Vec<String>,
}

impl From<MrzCheck> for MrzCheckDto {
    fn from(m: MrzCheck) -> MrzCheckDto {
        MrzCheckDto {
            valid: m.valid,
            normalized: m.normalized,
            errors: m
                .errors
                .into_iter()
                .map(|e| ValueErrorDto {
                    code: e.code,
                    message: e.message,
                })
                .collect(),
            format: m.format.as_ref().map(code_of),
            document: m.document.as_ref().map(IdDocumentDto::from),
            repairs: m
                .repairs
                .iter()
                .map(|r| {
                    format!(
                        "ligne {}, position {} : {} → {}",
                        r.line, r.position, r.from, r.to
                    )
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcours_app::cases::FieldOut;
    use parcours_domain::checks::{Check, CheckCode};
    use std::collections::BTreeMap;

    #[test]
    fn a_case_shows_every_field_in_order_with_french_sentences() {
        let form = FormTemplate::default_v1();
        let mut fields = BTreeMap::new();
        fields.insert(
            "birth_date".to_string(),
            Some(FieldOut {
                value: FieldValue::Text("1984-02-24".into()),
                confidence: 0.97,
            }),
        );
        let view = CaseView {
            case_id: "1".into(),
            reference: "PA-2026-000001".into(),
            status: Status::InReview,
            received: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            pages: vec![],
            fields,
            id_document: None,
            ssn_proof: None,
            checks: vec![
                Check::new(CheckCode::FieldUncertain, Some("nir")),
                Check::new(CheckCode::SignatureMissing, None),
            ],
        };
        let dto = CaseDto::new(view, &form);
        assert_eq!(dto.status_label, "En instruction");
        assert_eq!(dto.fields.len(), form.fields.len());
        let get = |k: &str| dto.fields.iter().find(|f| f.key == k).unwrap();
        assert!(get("birth_date").is_date);
        assert_eq!(get("birth_date").value.as_deref(), Some("1984-02-24"));
        assert_eq!(get("signature").value.as_deref(), Some("Non"));
        assert_eq!(get("last_name").value, None);
        assert_eq!(get("motive_other_text").label, "Autre motif (précision)");
        assert!(dto.checks[0].blocking, "blocking checks first");
        assert!(dto.checks[1].sentence.contains("sécurité sociale"));
        assert!(!dto.checks[1].sentence.contains("{champ}"));
    }
}
