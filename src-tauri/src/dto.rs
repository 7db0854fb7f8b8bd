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
    /// Type of the answer: `name`, `names`, `date`, `postcode`, `phone`,
    /// `email`, `nir`, `choice`, `checkbox`, `signature`, `text`.
    pub kind: String,
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
                    kind: code_of(&f.kind),
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

/// `data:` URL of an image file's bytes, for an `<img>` (the CSP allows
/// `data:` images; nothing is served from disk).
pub fn data_url(ext: &str, bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mime = match ext.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "tif" | "tiff" => "image/tiff",
        _ => "image/png",
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4 + 32);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";base64,");
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One page image of a case.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PageImageDto {
    /// Position, from 1.
    pub index: u32,
    /// Page kind (`form_page_1`…).
    pub kind: String,
    /// Clockwise rotation that makes the image upright.
    pub rotation: u32,
    /// Width in pixels, as scanned.
    pub width: u32,
    /// Height in pixels, as scanned.
    pub height: u32,
    /// The image, as a `data:` URL.
    pub url: String,
}

impl From<parcours_app::cases::PageImage> for PageImageDto {
    fn from(p: parcours_app::cases::PageImage) -> PageImageDto {
        PageImageDto {
            index: u32::try_from(p.index).unwrap_or(0),
            kind: code_of(&p.kind),
            rotation: u32::try_from(p.rotation).unwrap_or(0),
            width: u32::try_from(p.width).unwrap_or(0),
            height: u32::try_from(p.height).unwrap_or(0),
            url: data_url(&p.ext, &p.bytes),
        }
    }
}

/// The crop of the scan a field was read from.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CropDto {
    /// Field key.
    pub key: String,
    /// Page it was cut from.
    pub page_index: Option<u32>,
    /// The crop, as a `data:` URL (PNG).
    pub url: String,
}

impl From<parcours_app::cases::FieldCrop> for CropDto {
    fn from(c: parcours_app::cases::FieldCrop) -> CropDto {
        CropDto {
            key: c.key,
            page_index: c.page_index.and_then(|i| u32::try_from(i).ok()),
            url: data_url("png", &c.png),
        }
    }
}

/// A file waiting in the scanner's folder (one envelope per file).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScanFileDto {
    /// File name.
    pub name: String,
    /// Full path.
    pub path: String,
    /// Size in kilobytes.
    pub kilobytes: u32,
}

/// A decision on a case in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DecisionDto {
    /// Approve (with a reason, overrides the blocking checks).
    Approve,
    /// Ask for a complement.
    Incomplete,
    /// Reject (reason required).
    Reject,
}

impl From<DecisionDto> for parcours_app::review::Decision {
    fn from(d: DecisionDto) -> Self {
        match d {
            DecisionDto::Approve => parcours_app::review::Decision::Approve,
            DecisionDto::Incomplete => parcours_app::review::Decision::Incomplete,
            DecisionDto::Reject => parcours_app::review::Decision::Reject,
        }
    }
}

/// One registered letter of a printed batch.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PrintedLetterDto {
    /// Case reference.
    pub reference: String,
    /// S10 number, compact.
    pub s10: String,
    /// The letter's PDF.
    pub file: String,
}

/// An approved case left out of a batch.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SkippedDto {
    /// Case reference.
    pub reference: String,
    /// What is wrong with the address, in French.
    pub message: String,
}

/// A printed batch: where its PDFs are.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PrintedBatchDto {
    /// Batch number.
    pub batch: u32,
    /// Folder of the PDFs.
    pub folder: String,
    /// Deposit slip.
    pub slip: String,
    /// Every letter then the slip, for the printer.
    pub combined: String,
    /// The letters.
    pub letters: Vec<PrintedLetterDto>,
    /// Cases left out.
    pub skipped: Vec<SkippedDto>,
}

fn path_text(p: &std::path::Path) -> String {
    p.display().to_string()
}

impl PrintedBatchDto {
    /// The DTO of a batch printed into `folder`.
    pub fn new(b: parcours_app::letters::PrintedBatch, folder: &std::path::Path) -> Self {
        PrintedBatchDto {
            batch: u32::try_from(b.batch).unwrap_or(0),
            folder: path_text(folder),
            slip: path_text(&b.slip),
            combined: path_text(&b.combined),
            letters: b
                .letters
                .into_iter()
                .map(|l| PrintedLetterDto {
                    reference: l.reference,
                    s10: l.s10,
                    file: path_text(&l.file),
                })
                .collect(),
            skipped: b
                .skipped
                .into_iter()
                .map(|s| SkippedDto {
                    reference: s.reference,
                    message: s.message,
                })
                .collect(),
        }
    }
}

/// An ordinary letter about one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OrdinaryKindDto {
    /// Demande de complément (incomplete case).
    Complement,
    /// Rejection letter (rejected case).
    Rejection,
}

/// An ordinary letter printed to disk.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LetterFileDto {
    /// Case reference.
    pub reference: String,
    /// The PDF.
    pub file: String,
    /// What the letter says is missing or wrong, in French.
    pub reasons: Vec<String>,
}

/// A batch handed to La Poste.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DispatchedDto {
    /// Batch number.
    pub batch: u32,
    /// Cases moved to dispatched.
    pub count: u32,
}

/// What the counter agent sees of a letter: never the NIR nor the address.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CounterDto {
    /// Case reference.
    pub reference: String,
    /// `madame` / `monsieur`.
    pub civility: Option<String>,
    /// Given names.
    pub first_names: Option<String>,
    /// Usage name.
    pub last_name: Option<String>,
    /// Birth date, ISO.
    pub birth_date: Option<String>,
    /// Kind of ID document (`passport`…).
    pub document_kind: Option<String>,
    /// Number of the ID document sent with the form.
    pub document_number: Option<String>,
    /// Status.
    pub status: StatusDto,
    /// Its French label.
    pub status_label: String,
    /// S10 number of the letter.
    pub s10: Option<String>,
    /// The letter was reprinted: do not hand it over.
    pub letter_voided: bool,
}

impl From<parcours_app::counter::CounterView> for CounterDto {
    fn from(v: parcours_app::counter::CounterView) -> CounterDto {
        CounterDto {
            reference: v.reference,
            civility: v.civility,
            first_names: v.first_names,
            last_name: v.last_name,
            birth_date: v.birth_date,
            document_kind: v.id_document.as_ref().map(|d| code_of(&d.kind)),
            document_number: v.id_document.map(|d| d.number),
            status: v.status.into(),
            status_label: v.status.label_fr().into(),
            s10: v.s10,
            letter_voided: v.letter_voided,
        }
    }
}

/// Outcome of the ID check at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    /// Identity checked: the letter is handed over.
    Verified,
    /// Refused: the letter stays at the counter.
    Refused,
}

impl From<OutcomeDto> for parcours_app::counter::Outcome {
    fn from(o: OutcomeDto) -> Self {
        match o {
            OutcomeDto::Verified => parcours_app::counter::Outcome::Verified,
            OutcomeDto::Refused => parcours_app::counter::Outcome::Refused,
        }
    }
}

/// The check recorded at the counter.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CounterCheckDto {
    /// Case reference.
    pub reference: String,
    /// `verified` or `refused`.
    pub outcome: OutcomeDto,
    /// The number typed matches the case's document.
    pub number_matches: bool,
    /// Status after the check.
    pub status: StatusDto,
    /// Its French label.
    pub status_label: String,
}

/// One ageing bucket of running cases.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AgeBucketDto {
    /// `0-7`, `8-14`, `15-21`, `22-28`, `>28` (days).
    pub bucket: String,
    /// Cases.
    pub count: u32,
}

/// One ISO week of throughput.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct WeekDto {
    /// `2026-W09`.
    pub week: String,
    /// Its Monday, ISO.
    pub start: String,
    /// Cases received.
    pub intake: u32,
    /// Cases verified.
    pub completed: u32,
}

/// A case watched against the 4-week promise.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct WatchedDto {
    /// Reference.
    pub reference: String,
    /// Receipt date, ISO.
    pub received: String,
    /// Due date, ISO.
    pub due: String,
    /// Days left (negative when past).
    pub days_left: i32,
    /// Status.
    pub status: StatusDto,
    /// Its French label.
    pub status_label: String,
}

/// The manager's dashboard.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BacklogDto {
    /// Day the figures are read on, ISO.
    pub as_of: String,
    /// Every case.
    pub total: u32,
    /// Cases per status, lifecycle order.
    pub by_status: Vec<StatusCount>,
    /// Running cases by age.
    pub ageing: Vec<AgeBucketDto>,
    /// Running cases with 7 days or less left.
    pub at_risk: Vec<WatchedDto>,
    /// Running cases past their due date.
    pub breached: Vec<WatchedDto>,
    /// The last 12 ISO weeks, oldest first.
    pub weekly: Vec<WeekDto>,
    /// Median days from receipt to verified.
    pub median_turnaround_days: Option<f64>,
}

fn n32(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl From<parcours_app::reports::Backlog> for BacklogDto {
    fn from(b: parcours_app::reports::Backlog) -> BacklogDto {
        let watched = |w: Vec<parcours_app::parcours_db::reports::Watched>| {
            w.into_iter()
                .map(|w| WatchedDto {
                    reference: w.reference,
                    received: iso(w.received),
                    due: iso(w.due),
                    days_left: i32::try_from(w.days_left).unwrap_or(i32::MIN),
                    status: w.status.into(),
                    status_label: w.status.label_fr().into(),
                })
                .collect()
        };
        BacklogDto {
            as_of: iso(b.as_of),
            total: n32(b.total),
            by_status: b
                .by_status
                .0
                .iter()
                .map(|(s, n)| StatusCount {
                    status: (*s).into(),
                    label: s.label_fr().into(),
                    count: n32(*n),
                })
                .collect(),
            ageing: b
                .ageing
                .into_iter()
                .map(|a| AgeBucketDto {
                    bucket: a.bucket,
                    count: n32(a.count),
                })
                .collect(),
            at_risk: watched(b.at_risk),
            breached: watched(b.breached),
            weekly: b
                .weekly
                .into_iter()
                .map(|w| WeekDto {
                    week: w.week,
                    start: iso(w.start),
                    intake: n32(w.intake),
                    completed: n32(w.completed),
                })
                .collect(),
            median_turnaround_days: b.median_turnaround_days,
        }
    }
}

/// A CSV export written to disk.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ExportDto {
    /// The file written.
    pub path: String,
    /// Cases in it.
    pub count: u32,
}

/// Default folders proposed by the screens.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FoldersDto {
    /// Where letters are printed (`<data>/parcours/courriers`).
    pub letters: String,
    /// Where exports are written (`<data>/parcours/exports`).
    pub exports: String,
    /// The scanner's folder (`PARCOURS_SCANNER_DIR`, else `<data>/parcours/scanner`).
    pub scanner: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcours_app::cases::FieldOut;
    use parcours_domain::checks::{Check, CheckCode};
    use std::collections::BTreeMap;

    #[test]
    fn data_urls_are_standard_base64() {
        assert_eq!(data_url("png", b""), "data:image/png;base64,");
        assert_eq!(data_url("jpg", b"f"), "data:image/jpeg;base64,Zg==");
        assert_eq!(data_url("png", b"fo"), "data:image/png;base64,Zm8=");
        assert_eq!(data_url("png", b"foobar"), "data:image/png;base64,Zm9vYmFy");
        assert_eq!(data_url("png", &[0xff, 0xfe]), "data:image/png;base64,//4=");
    }

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
