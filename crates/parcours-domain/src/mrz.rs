//! Machine-readable zones (MRZ) of identity documents, SPEC §3 and §9.
//!
//! Four layouts are read: ICAO 9303 TD1 (3 × 30: French ID card since 2021,
//! residence permits, EU ID cards), TD2 (2 × 36), TD3 (2 × 44: passports) and
//! the old French ID card (2 × 36, line 1 starting `IDFRA`, issued until
//! 2021). [`read`] detects the layout, parses every field, validates every
//! check digit (ICAO weights 7-3-1, see [`check_digit`]) and reports all the
//! problems at once, in French, for a clerk.
//!
//! OCR output is expected: [`normalize_lines`] fixes case, spaces and the
//! `«`/`‹` glyphs, and [`read`] repairs the usual OCR confusions (O/0, I/1,
//! B/8, S/5, Z/2, G/6…) inside the fields whose check digit fails, keeping a
//! repair only when it makes the check digits pass. Every change is reported
//! as a [`Repair`].
//!
//! Pure functions only: no IO, no clock. The reference date that chooses the
//! century of two-digit birth years is passed in.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{DocumentKind, Sex};

/// The filler character of an MRZ.
const FILLER: char = '<';

/// Residence-permit document codes of a TD1 (French titres de séjour use `IR`
/// or `TS`).
const RESIDENCE_PERMIT_CODES: [&str; 6] = ["IR", "TS", "RC", "RP", "AR", "CR"];

/// The layout of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzFormat {
    /// ICAO 9303 TD1: 3 lines of 30 (ID cards, residence permits).
    Td1,
    /// ICAO 9303 TD2: 2 lines of 36.
    Td2,
    /// ICAO 9303 TD3: 2 lines of 44 (passports).
    Td3,
    /// Old French ID card: 2 lines of 36, line 1 starting `IDFRA`.
    FrIdOld,
}

impl MrzFormat {
    /// Number of lines of this layout.
    pub fn line_count(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            MrzFormat::Td2 | MrzFormat::Td3 | MrzFormat::FrIdOld => 2,
        }
    }

    /// Number of characters of each line of this layout.
    pub fn line_len(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::FrIdOld => 36,
            MrzFormat::Td3 => 44,
        }
    }

    /// The stable name used in JSON (`td1`, `td2`, `td3`, `fr_id_old`).
    pub fn as_str(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "td1",
            MrzFormat::Td2 => "td2",
            MrzFormat::Td3 => "td3",
            MrzFormat::FrIdOld => "fr_id_old",
        }
    }
}

/// The fields of an MRZ read by [`read`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    /// The layout.
    pub format: MrzFormat,
    /// What kind of document this is, from the format and document code.
    pub kind: DocumentKind,
    /// The document code without filler: `P`, `ID`, `IR`, `I`…
    pub document_code: String,
    /// The issuing state or organisation (`FRA`, `D` for Germany…).
    pub issuing_state: String,
    /// The primary identifier as written in the MRZ, unaccented, `<` inside
    /// the name turned to spaces (`DA COSTA`).
    pub surname: String,
    /// The secondary identifiers (given names), in order; on the old French
    /// card the last one may be cut (`BER` for `BERNADETTE`).
    pub given_names: Vec<String>,
    /// The document number without filler (long TD1/TD2 numbers included).
    pub document_number: String,
    /// The nationality (`FRA` for the old French card, which has no field).
    pub nationality: String,
    /// The date of birth, `None` when unknown (`<` in the MRZ) or impossible.
    pub birth_date: Option<NaiveDate>,
    /// The sex.
    pub sex: Sex,
    /// The expiry date; for the old French card, the generous bound from
    /// [`cni_old_expiry`].
    pub expiry_date: Option<NaiveDate>,
    /// Year and month of issue (old French card only: the first four digits
    /// of the card number).
    pub issue_year_month: Option<(i32, u32)>,
    /// Optional data without trailing filler: TD1 both optional fields joined
    /// by `<`, TD3 the personal number, old French card the issuing office
    /// (département and office code, line 1 positions 31–36).
    pub optional_data: String,
    /// The lines as finally read (normalised, length-fixed and repaired).
    pub lines: Vec<String>,
    /// The name field is completely filled, so the name may be truncated.
    pub truncated_name: bool,
}

/// One character changed by [`read`] to make the check digits pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Repair {
    /// Line number, from 1.
    pub line: usize,
    /// Character position in the line, from 1 (as in ICAO 9303).
    pub position: usize,
    /// The character as read.
    pub from: char,
    /// The character it was replaced with.
    pub to: char,
}

/// The outcome of [`read`]: the fields when the layout was recognised, and
/// every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzReading {
    /// The parsed fields, `None` when no layout matches the lines.
    pub mrz: Option<Mrz>,
    /// A layout was recognised, every check digit passes (after repair) and no
    /// problem was found.
    pub valid: bool,
    /// Every problem found, in reading order.
    pub errors: Vec<MrzError>,
    /// Every character changed, in the order applied.
    pub repairs: Vec<Repair>,
}

/// A field of an MRZ, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzField {
    /// The document code (`P`, `ID`, `IR`…).
    DocumentCode,
    /// The issuing state.
    IssuingState,
    /// The document number.
    DocumentNumber,
    /// The date of birth.
    BirthDate,
    /// The sex.
    Sex,
    /// The expiry date.
    ExpiryDate,
    /// The nationality.
    Nationality,
    /// The optional data (personal number in a passport).
    OptionalData,
    /// The name field of an ICAO MRZ (surname and given names).
    Name,
    /// The surname field of the old French card (line 1).
    Surname,
    /// The given-names field of the old French card (line 2).
    GivenNames,
    /// The issuing office of the old French card (line 1, positions 31–36).
    Office,
    /// The month of issue of the old French card (start of the card number).
    IssueDate,
}

impl MrzField {
    /// The French name of the field, for messages.
    pub fn label(self) -> &'static str {
        match self {
            MrzField::DocumentCode => "type de document",
            MrzField::IssuingState => "État émetteur",
            MrzField::DocumentNumber => "numéro du document",
            MrzField::BirthDate => "date de naissance",
            MrzField::Sex => "sexe",
            MrzField::ExpiryDate => "date d'expiration",
            MrzField::Nationality => "nationalité",
            MrzField::OptionalData => "données facultatives",
            MrzField::Name => "nom et prénoms",
            MrzField::Surname => "nom",
            MrzField::GivenNames => "prénoms",
            MrzField::Office => "bureau de délivrance",
            MrzField::IssueDate => "date de délivrance (début du numéro de carte)",
        }
    }
}

/// A problem found in an MRZ. Messages are French and meant for a clerk.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MrzError {
    /// The number of lines matches no layout.
    #[error("une bande MRZ compte 2 lignes (passeport, ancienne carte d'identité) ou 3 lignes (carte d'identité depuis 2021, titre de séjour) : {lines} ligne(s) lue(s) ; recopiez toutes les lignes du bas du document, et elles seules")]
    UnknownFormat {
        /// Number of non-empty lines given.
        lines: usize,
    },
    /// The lengths of the lines match no layout.
    #[error("longueur des lignes MRZ inattendue ({}) : une bande MRZ compte 3 lignes de 30 caractères (carte d'identité depuis 2021, titre de séjour), 2 lignes de 36 (ancienne carte d'identité) ou 2 lignes de 44 (passeport) ; vérifiez qu'aucun caractère ne manque, chevrons « < » compris", lengths_text(.found))]
    LineLengths {
        /// Number of characters of each line, in order.
        found: Vec<usize>,
    },
    /// One line is a little too long or too short and could not be fixed safely.
    #[error("la ligne {line} de la bande MRZ compte {found} caractères au lieu de {expected} : des caractères ont été lus en trop ou manquent, relisez-la sur le document")]
    LineLength {
        /// Line number, from 1.
        line: usize,
        /// Length of this layout's lines.
        expected: usize,
        /// Length as read.
        found: usize,
    },
    /// A character that cannot appear in its field.
    #[error("caractère « {found} » impossible ligne {line}, position {position} ({}) ; vérifiez ce caractère sur le document", .field.label())]
    BadCharacter {
        /// The field holding the character.
        field: MrzField,
        /// Line number, from 1.
        line: usize,
        /// Position in the line, from 1.
        position: usize,
        /// The character as read.
        found: char,
    },
    /// The check digit of the document number fails.
    #[error("la clé de contrôle du numéro du document est fausse (ligne {line}, position {position} : « {found} » lu, {expected} attendu) ; vérifiez le numéro du document caractère par caractère")]
    DocumentNumberCheck {
        /// Line of the check digit, from 1.
        line: usize,
        /// Position of the check digit, from 1.
        position: usize,
        /// The check digit computed from the field.
        expected: u8,
        /// The check digit as read.
        found: char,
    },
    /// The check digit of the date of birth fails.
    #[error("la clé de contrôle de la date de naissance est fausse (ligne {line}, position {position} : « {found} » lu, {expected} attendu) ; vérifiez la date de naissance (AAMMJJ) dans la bande MRZ")]
    BirthDateCheck {
        /// Line of the check digit, from 1.
        line: usize,
        /// Position of the check digit, from 1.
        position: usize,
        /// The check digit computed from the field.
        expected: u8,
        /// The check digit as read.
        found: char,
    },
    /// The check digit of the expiry date fails.
    #[error("la clé de contrôle de la date d'expiration est fausse (ligne {line}, position {position} : « {found} » lu, {expected} attendu) ; vérifiez la date d'expiration (AAMMJJ) dans la bande MRZ")]
    ExpiryDateCheck {
        /// Line of the check digit, from 1.
        line: usize,
        /// Position of the check digit, from 1.
        position: usize,
        /// The check digit computed from the field.
        expected: u8,
        /// The check digit as read.
        found: char,
    },
    /// The check digit of the optional data (personal number) fails.
    #[error("la clé de contrôle du numéro personnel (données facultatives) est fausse (ligne {line}, position {position} : « {found} » lu, {expected} attendu) ; vérifiez les caractères qui précèdent cette clé")]
    OptionalDataCheck {
        /// Line of the check digit, from 1.
        line: usize,
        /// Position of the check digit, from 1.
        position: usize,
        /// The check digit computed from the field.
        expected: u8,
        /// The check digit as read.
        found: char,
    },
    /// The composite check digit (over several fields) fails.
    #[error("la clé de contrôle globale de la bande MRZ est fausse (ligne {line}, position {position} : « {found} » lu, {expected} attendu) : un caractère contrôlé par cette clé est mal lu (numéro, dates, données facultatives, et sur l'ancienne carte d'identité aussi le nom et les prénoms) ; relisez la bande entière")]
    CompositeCheck {
        /// Line of the check digit, from 1.
        line: usize,
        /// Position of the check digit, from 1.
        position: usize,
        /// The check digit computed from the fields.
        expected: u8,
        /// The check digit as read.
        found: char,
    },
    /// A date field holds a date that does not exist.
    #[error("la {} lue dans la bande MRZ n'existe pas (« {value} ») ; vérifiez-la sur le document", .field.label())]
    ImpossibleDate {
        /// The date field.
        field: MrzField,
        /// The digits as read (`AAMMJJ`, or `AAMM` for the issue month).
        value: String,
    },
}

impl MrzError {
    /// The stable code of this error, for the UI and the JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            MrzError::UnknownFormat { .. } => "UNKNOWN_FORMAT",
            MrzError::LineLengths { .. } => "LINE_LENGTHS",
            MrzError::LineLength { .. } => "LINE_LENGTH",
            MrzError::BadCharacter { .. } => "BAD_CHARACTER",
            MrzError::DocumentNumberCheck { .. } => "DOCUMENT_NUMBER_CHECK",
            MrzError::BirthDateCheck { .. } => "BIRTH_DATE_CHECK",
            MrzError::ExpiryDateCheck { .. } => "EXPIRY_DATE_CHECK",
            MrzError::OptionalDataCheck { .. } => "OPTIONAL_DATA_CHECK",
            MrzError::CompositeCheck { .. } => "COMPOSITE_CHECK",
            MrzError::ImpossibleDate { .. } => "IMPOSSIBLE_DATE",
        }
    }
}

fn lengths_text(found: &[usize]) -> String {
    let parts: Vec<String> = found.iter().map(|n| format!("{n}")).collect();
    format!("{} caractères", parts.join(", "))
}

/// The ICAO 9303 check digit of `field`: weights 7, 3, 1 repeated; digits
/// count as their value, `A`–`Z` as 10–35 (lower case as upper case), `<`
/// and any other character as 0.
pub fn check_digit(field: &str) -> u8 {
    check_of(field.chars())
}

fn check_of(chars: impl IntoIterator<Item = char>) -> u8 {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum = chars.into_iter().enumerate().fold(0u32, |acc, (i, c)| {
        (acc + char_value(c) * WEIGHTS[i % 3]) % 10
    });
    sum as u8
}

fn char_value(c: char) -> u32 {
    match c.to_ascii_uppercase() {
        d @ '0'..='9' => d as u32 - '0' as u32,
        l @ 'A'..='Z' => l as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

/// Normalises OCR output into MRZ lines: each argument may hold several lines
/// (split on newlines); whitespace is removed, letters are upper-cased, `«`
/// and `≪` become `<<`, `‹`, `〈`, `＜` and similar glyphs become `<`, and
/// empty lines are dropped. Letters and digits are left alone: [`read`]
/// repairs them field by field.
pub fn normalize_lines(lines: &[&str]) -> Vec<String> {
    lines
        .iter()
        .flat_map(|l| l.split(['\n', '\r']))
        .map(normalize_line)
        .filter(|l| !l.is_empty())
        .collect()
}

fn normalize_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            c if c.is_whitespace() || c.is_control() || c == '\u{200B}' || c == '\u{FEFF}' => {}
            '\u{00AB}' | '\u{226A}' | '\u{300A}' => out.push_str("<<"),
            '\u{2039}' | '\u{2329}' | '\u{3008}' | '\u{27E8}' | '\u{FF1C}' | '\u{227A}'
            | '\u{02C2}' => out.push(FILLER),
            c => out.extend(c.to_uppercase()),
        }
    }
    out
}

/// The expiry of an old French ID card issued in `issue_year`-`issue_month`
/// to a person born on `birth_date` (SPEC §3): 15 years for cards issued to
/// adults from 2004-01-02 on, 10 years for cards issued before or to minors.
///
/// Only the month of issue is known, so this is the generous bound: a card
/// issued in January 2004 counts as issued from the 2nd, the holder counts as
/// an adult when the 18th birthday falls within the issue month or before
/// (or when the birth date is unknown), and the result is the last day of
/// the expiry month. A month outside 1–12 is clamped.
pub fn cni_old_expiry(
    issue_year: i32,
    issue_month: u32,
    birth_date: Option<NaiveDate>,
) -> NaiveDate {
    let month = issue_month.clamp(1, 12);
    let issue_end = last_day_of_month(issue_year, month);
    let adult = birth_date.is_none_or(|b| {
        b.checked_add_months(Months::new(18 * 12))
            .is_some_and(|eighteen| eighteen <= issue_end)
    });
    let years = if adult && (issue_year, month) >= (2004, 1) {
        15
    } else {
        10
    };
    last_day_of_month(issue_year + years, month)
}

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (ny, nm) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

// ---------------------------------------------------------------------------
// Layouts
// ---------------------------------------------------------------------------

type Grid = Vec<Vec<char>>;

/// A range of characters `[start, end)` of one line (0-based).
#[derive(Debug, Clone, Copy)]
struct Span {
    line: usize,
    start: usize,
    end: usize,
}

fn sp(line: usize, start: usize, end: usize) -> Span {
    Span { line, start, end }
}

impl Span {
    fn positions(self) -> impl Iterator<Item = (usize, usize)> {
        (self.start..self.end).map(move |p| (self.line, p))
    }
}

/// What may appear at a position, and so which repairs are tried there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letters and filler (codes, states, nationality).
    Alpha,
    /// Letters and filler, with filler runs at the end.
    Name,
    /// Digits (and filler for unknown date parts).
    Numeric,
    /// Letters, digits and filler.
    AlphaNum,
    /// A check digit.
    Check,
    /// `F`, `M`, `X` or `<`.
    Sex,
}

#[derive(Debug, Clone, Copy)]
struct FieldDef {
    field: MrzField,
    span: Span,
    class: Class,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckKind {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    OptionalData,
    Composite,
}

#[derive(Debug, Clone)]
struct CheckDef {
    kind: CheckKind,
    parts: Vec<Span>,
    digit: (usize, usize),
    /// `<` is accepted as check digit when the field is all filler (TD3
    /// personal number).
    filler_ok: bool,
}

struct Layout {
    fields: Vec<FieldDef>,
    checks: Vec<CheckDef>,
    class_at: Vec<Vec<Class>>,
}

fn fd(field: MrzField, line: usize, start: usize, end: usize, class: Class) -> FieldDef {
    FieldDef {
        field,
        span: sp(line, start, end),
        class,
    }
}

fn ck(kind: CheckKind, parts: Vec<Span>, digit: (usize, usize)) -> CheckDef {
    CheckDef {
        kind,
        parts,
        digit,
        filler_ok: false,
    }
}

/// The document-number check of a TD1/TD2, long numbers included: when the
/// check-digit position holds `<`, the number goes on in the optional data
/// up to the next `<`, whose previous character is the check digit.
fn document_number_check(
    grid: &Grid,
    line: usize,
    start: usize,
    opt: Span,
) -> (CheckDef, Option<usize>) {
    let cd = start + 9;
    let l = &grid[line];
    if l[cd] == FILLER && l[opt.start].is_ascii_alphanumeric() {
        let end = (opt.start..opt.end)
            .find(|&p| l[p] == FILLER)
            .unwrap_or(opt.end);
        let check = ck(
            CheckKind::DocumentNumber,
            vec![sp(line, start, cd), sp(line, opt.start, end - 1)],
            (line, end - 1),
        );
        (check, Some(end))
    } else {
        (
            ck(
                CheckKind::DocumentNumber,
                vec![sp(line, start, cd)],
                (line, cd),
            ),
            None,
        )
    }
}

fn layout(format: MrzFormat, grid: &Grid) -> Layout {
    use CheckKind as K;
    use Class::*;
    use MrzField as F;
    let (fields, checks) = match format {
        MrzFormat::Td1 => {
            let (doc, _) = document_number_check(grid, 0, 5, sp(0, 15, 30));
            (
                vec![
                    fd(F::DocumentCode, 0, 0, 2, Alpha),
                    fd(F::IssuingState, 0, 2, 5, Alpha),
                    fd(F::DocumentNumber, 0, 5, 14, AlphaNum),
                    fd(F::DocumentNumber, 0, 14, 15, Check),
                    fd(F::OptionalData, 0, 15, 30, AlphaNum),
                    fd(F::BirthDate, 1, 0, 6, Numeric),
                    fd(F::BirthDate, 1, 6, 7, Check),
                    fd(F::Sex, 1, 7, 8, Sex),
                    fd(F::ExpiryDate, 1, 8, 14, Numeric),
                    fd(F::ExpiryDate, 1, 14, 15, Check),
                    fd(F::Nationality, 1, 15, 18, Alpha),
                    fd(F::OptionalData, 1, 18, 29, AlphaNum),
                    fd(F::OptionalData, 1, 29, 30, Check),
                    fd(F::Name, 2, 0, 30, Name),
                ],
                vec![
                    doc,
                    ck(K::BirthDate, vec![sp(1, 0, 6)], (1, 6)),
                    ck(K::ExpiryDate, vec![sp(1, 8, 14)], (1, 14)),
                    ck(
                        K::Composite,
                        vec![sp(0, 5, 30), sp(1, 0, 7), sp(1, 8, 15), sp(1, 18, 29)],
                        (1, 29),
                    ),
                ],
            )
        }
        MrzFormat::Td2 | MrzFormat::Td3 => {
            let len = format.line_len();
            let opt_end = len - 1 - usize::from(format == MrzFormat::Td3);
            let mut fields = vec![
                fd(F::DocumentCode, 0, 0, 2, Alpha),
                fd(F::IssuingState, 0, 2, 5, Alpha),
                fd(F::Name, 0, 5, len, Name),
                fd(F::DocumentNumber, 1, 0, 9, AlphaNum),
                fd(F::DocumentNumber, 1, 9, 10, Check),
                fd(F::Nationality, 1, 10, 13, Alpha),
                fd(F::BirthDate, 1, 13, 19, Numeric),
                fd(F::BirthDate, 1, 19, 20, Check),
                fd(F::Sex, 1, 20, 21, Sex),
                fd(F::ExpiryDate, 1, 21, 27, Numeric),
                fd(F::ExpiryDate, 1, 27, 28, Check),
                fd(F::OptionalData, 1, 28, opt_end, AlphaNum),
                fd(F::OptionalData, 1, opt_end, len, Check),
            ];
            let doc = if format == MrzFormat::Td2 {
                document_number_check(grid, 1, 0, sp(1, 28, opt_end)).0
            } else {
                ck(K::DocumentNumber, vec![sp(1, 0, 9)], (1, 9))
            };
            let mut checks = vec![
                doc,
                ck(K::BirthDate, vec![sp(1, 13, 19)], (1, 19)),
                ck(K::ExpiryDate, vec![sp(1, 21, 27)], (1, 27)),
            ];
            if format == MrzFormat::Td3 {
                checks.push(CheckDef {
                    filler_ok: true,
                    ..ck(K::OptionalData, vec![sp(1, 28, 42)], (1, 42))
                });
                fields.push(fd(F::OptionalData, 1, 43, 44, Check));
            }
            checks.push(ck(
                K::Composite,
                vec![sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, len - 1)],
                (1, len - 1),
            ));
            (fields, checks)
        }
        MrzFormat::FrIdOld => (
            vec![
                fd(F::DocumentCode, 0, 0, 2, Alpha),
                fd(F::IssuingState, 0, 2, 5, Alpha),
                fd(F::Surname, 0, 5, 30, Name),
                fd(F::Office, 0, 30, 36, AlphaNum),
                fd(F::DocumentNumber, 1, 0, 4, Numeric),
                fd(F::DocumentNumber, 1, 4, 7, AlphaNum),
                fd(F::DocumentNumber, 1, 7, 12, Numeric),
                fd(F::DocumentNumber, 1, 12, 13, Check),
                fd(F::GivenNames, 1, 13, 27, Name),
                fd(F::BirthDate, 1, 27, 33, Numeric),
                fd(F::BirthDate, 1, 33, 34, Check),
                fd(F::Sex, 1, 34, 35, Sex),
                fd(F::DocumentNumber, 1, 35, 36, Check),
            ],
            vec![
                ck(K::DocumentNumber, vec![sp(1, 0, 12)], (1, 12)),
                ck(K::BirthDate, vec![sp(1, 27, 33)], (1, 33)),
                ck(K::Composite, vec![sp(0, 0, 36), sp(1, 0, 35)], (1, 35)),
            ],
        ),
    };
    let mut class_at: Vec<Vec<Class>> = grid.iter().map(|l| vec![AlphaNum; l.len()]).collect();
    for f in &fields {
        for (l, p) in f.span.positions() {
            class_at[l][p] = f.class;
        }
    }
    for c in &checks {
        class_at[c.digit.0][c.digit.1] = Check;
    }
    Layout {
        fields,
        checks,
        class_at,
    }
}

fn computed(grid: &Grid, check: &CheckDef) -> u8 {
    check_of(
        check
            .parts
            .iter()
            .flat_map(|s| grid[s.line][s.start..s.end].iter().copied()),
    )
}

fn passes(grid: &Grid, check: &CheckDef) -> bool {
    match grid[check.digit.0][check.digit.1] {
        d @ '0'..='9' => d as u8 - b'0' == computed(grid, check),
        FILLER => {
            check.filler_ok
                && check
                    .parts
                    .iter()
                    .all(|s| grid[s.line][s.start..s.end].iter().all(|&c| c == FILLER))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Detection and line lengths
// ---------------------------------------------------------------------------

fn is_mrz_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == FILLER
}

fn format_of(lines: &Grid) -> Option<MrzFormat> {
    let near = |l: &Vec<char>, want: usize| {
        let clean = l.iter().filter(|&&c| is_mrz_char(c)).count();
        l.len().abs_diff(want) <= 2 || clean.abs_diff(want) <= 2
    };
    let all_near = |want| lines.iter().all(|l| near(l, want));
    match lines.len() {
        3 if all_near(30) => Some(MrzFormat::Td1),
        2 if all_near(44) => Some(MrzFormat::Td3),
        2 if all_near(36) => {
            let start: String = lines[0]
                .iter()
                .take(5)
                .map(|&c| to_alpha(c).unwrap_or(c))
                .collect();
            Some(if start == "IDFRA" {
                MrzFormat::FrIdOld
            } else {
                MrzFormat::Td2
            })
        }
        _ => None,
    }
}

fn detect(lines: Grid) -> Result<(MrzFormat, Grid), MrzError> {
    if let Some(f) = format_of(&lines) {
        return Ok((f, lines));
    }
    // OCR may return text around the zone: keep the lines that look like MRZ.
    let kept: Grid = lines
        .iter()
        .filter(|l| l.len() >= 26 && l.contains(&FILLER))
        .cloned()
        .collect();
    if kept.len() != lines.len() {
        if let Some(f) = format_of(&kept) {
            return Ok((f, kept));
        }
    }
    Err(match lines.len() {
        2 | 3 => MrzError::LineLengths {
            found: lines.iter().map(Vec::len).collect(),
        },
        n => MrzError::UnknownFormat { lines: n },
    })
}

#[derive(Debug, Clone)]
struct Variant {
    chars: Vec<char>,
    /// Letters or digits were dropped to reach the length.
    lossy: bool,
}

/// Ways to bring `line` to `want` characters, best guess first: drop
/// characters that cannot appear in an MRZ, trim or pad filler at the end,
/// remove or add one filler inside runs of filler, and as a last resort cut
/// or pad the end.
fn length_variants(line: &[char], want: usize) -> Vec<Variant> {
    let mut out: Vec<Variant> = Vec::new();
    let mut push = |chars: Vec<char>, lossy: bool| {
        if chars.len() == want && !out.iter().any(|v| v.chars == chars) {
            out.push(Variant { chars, lossy });
        }
    };
    if line.len() == want {
        push(line.to_vec(), false);
        return out;
    }
    let cleaned: Vec<char> = line.iter().copied().filter(|&c| is_mrz_char(c)).collect();
    let mut bases = vec![cleaned];
    if bases[0].len() != line.len() {
        bases.push(line.to_vec());
    }
    for base in &bases {
        if base.len() == want {
            push(base.clone(), false);
            continue;
        }
        if base.len().abs_diff(want) > 2 {
            continue;
        }
        if base.len() > want {
            let d = base.len() - want;
            if base[want..].iter().all(|&c| c == FILLER) {
                push(base[..want].to_vec(), false);
            }
            for v in filler_run_edits(base, d, false) {
                push(v, false);
            }
        } else {
            let d = want - base.len();
            let mut padded = base.clone();
            padded.extend(std::iter::repeat_n(FILLER, d));
            push(padded, false);
            for v in filler_run_edits(base, d, true) {
                push(v, false);
            }
        }
    }
    // Last resort: cut or pad the end of the cleaned line.
    let mut cut = bases[0].clone();
    let lossy = cut.len() > want && cut[want..].iter().any(|&c| c != FILLER);
    cut.resize(want, FILLER);
    push(cut, lossy);
    let mut raw = line.to_vec();
    let lossy = raw.len() > want && raw[want..].iter().any(|&c| c != FILLER);
    raw.resize(want, FILLER);
    push(raw, lossy);
    out
}

/// Removes (or inserts) `d` fillers inside runs of at least two fillers,
/// rightmost runs first.
fn filler_run_edits(line: &[char], d: usize, insert: bool) -> Vec<Vec<char>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i] == FILLER {
            let start = i;
            while i < line.len() && line[i] == FILLER {
                i += 1;
            }
            if i - start >= 2 {
                runs.push((start, i - start));
            }
        } else {
            i += 1;
        }
    }
    runs.reverse();
    let edit = |l: &[char], at: usize| -> Vec<char> {
        let mut v = l.to_vec();
        if insert {
            v.insert(at, FILLER);
        } else {
            v.remove(at);
        }
        v
    };
    let mut out = Vec::new();
    match d {
        1 => {
            for &(s, _) in &runs {
                out.push(edit(line, s));
            }
        }
        2 => {
            // Two edits: both in one run (if long enough to lose two), or one
            // in each of two runs, the later run edited first so that the
            // earlier start stays valid.
            for (a, &(sa, la)) in runs.iter().enumerate() {
                if insert || la >= 3 {
                    out.push(edit(&edit(line, sa), sa));
                }
                for &(sb, _) in &runs[a + 1..] {
                    out.push(edit(&edit(line, sa), sb));
                }
            }
        }
        _ => {}
    }
    out
}

// ---------------------------------------------------------------------------
// Repair
// ---------------------------------------------------------------------------

fn to_digit(c: char) -> Option<char> {
    Some(match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'B' => '8',
        'S' => '5',
        'Z' => '2',
        'G' => '6',
        'T' => '7',
        _ => return None,
    })
}

fn to_alpha(c: char) -> Option<char> {
    Some(match c {
        '0' => 'O',
        '1' => 'I',
        '8' => 'B',
        '5' => 'S',
        '2' => 'Z',
        '6' => 'G',
        _ => return None,
    })
}

/// Characters OCR reads in place of a run of `<`.
fn fillerish(c: char) -> bool {
    matches!(c, FILLER | 'K' | 'X' | 'C')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sub {
    line: usize,
    pos: usize,
    from: char,
    to: char,
    /// 0 for the likely confusions (a letter in place of a digit, a letter
    /// in a filler run), 1 for a digit read in place of a letter.
    rank: u8,
}

impl Sub {
    fn repair(self) -> Repair {
        Repair {
            line: self.line + 1,
            position: self.pos + 1,
            from: self.from,
            to: self.to,
        }
    }
}

fn apply(grid: &mut Grid, subs: &[Sub]) {
    for s in subs {
        grid[s.line][s.pos] = s.to;
    }
}

fn undo(grid: &mut Grid, subs: &[Sub]) {
    for s in subs.iter().rev() {
        grid[s.line][s.pos] = s.from;
    }
}

/// The substitutions worth trying at one position, given its class.
fn subs_at(grid: &Grid, class: Class, line: usize, pos: usize) -> Vec<Sub> {
    let from = grid[line][pos];
    let sub = |to, rank| Sub {
        line,
        pos,
        from,
        to,
        rank,
    };
    let mut out = Vec::new();
    match class {
        Class::Numeric | Class::Check => out.extend(to_digit(from).map(|to| sub(to, 0))),
        Class::AlphaNum => {
            out.extend(to_digit(from).map(|to| sub(to, 0)));
            let l = &grid[line];
            let near_filler = (pos > 0 && l[pos - 1] == FILLER) || l.get(pos + 1) == Some(&FILLER);
            if from != FILLER && fillerish(from) && near_filler {
                out.push(sub(FILLER, 0));
            }
            out.extend(to_alpha(from).map(|to| sub(to, 1)));
        }
        Class::Alpha | Class::Name | Class::Sex => {}
    }
    // `G`/`6`, `L`/`1` and `K`/`<` weigh the same modulo 10: no check digit
    // can tell them apart, so trying them proves nothing.
    out.retain(|s| !same_weight(s.from, s.to));
    out
}

fn same_weight(a: char, b: char) -> bool {
    char_value(a) % 10 == char_value(b) % 10
}

fn items_at(grid: &Grid, lay: &Layout, positions: &[(usize, usize)]) -> Vec<Sub> {
    positions
        .iter()
        .flat_map(|&(l, p)| subs_at(grid, lay.class_at[l][p], l, p))
        .collect()
}

fn check_positions(check: &CheckDef) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = check.parts.iter().flat_map(|s| s.positions()).collect();
    v.push(check.digit);
    v
}

/// The smallest sets (one substitution, else two) of `items` that make `ok`
/// hold, at most `max` of them; pairs only when `pairs`.
fn solutions(
    grid: &mut Grid,
    items: &[Sub],
    ok: &dyn Fn(&Grid) -> bool,
    pairs: bool,
    max: usize,
) -> Vec<Vec<Sub>> {
    let mut found = Vec::new();
    for &it in items {
        apply(grid, &[it]);
        if ok(grid) {
            found.push(vec![it]);
        }
        undo(grid, &[it]);
        if found.len() >= max {
            return found;
        }
    }
    if !found.is_empty() || !pairs || items.len() > 80 {
        return found;
    }
    // Pairs only among the likely confusions: two digit-to-letter guesses
    // match a check digit by chance far too often.
    let likely: Vec<Sub> = items.iter().copied().filter(|s| s.rank == 0).collect();
    for (i, &a) in likely.iter().enumerate() {
        for &b in &likely[i + 1..] {
            if (a.line, a.pos) == (b.line, b.pos) {
                continue;
            }
            let pair = [a, b];
            apply(grid, &pair);
            if ok(grid) {
                found.push(pair.to_vec());
            }
            undo(grid, &pair);
            if found.len() >= max {
                return found;
            }
        }
    }
    found
}

/// Repairs that need no check digit: digits in letter-only fields, `G` and
/// `L` in digit-only fields (they weigh as 6 and 1, so check digits cannot
/// catch them), and runs of `K`/`X`/`C` at the end of a name field that
/// stand for filler.
fn forced_repairs(grid: &mut Grid, lay: &Layout) -> Vec<Sub> {
    let mut done = Vec::new();
    for f in &lay.fields {
        if matches!(f.class, Class::Numeric | Class::Check) {
            for (l, p) in f.span.positions() {
                let from = grid[l][p];
                if let Some(to) = to_digit(from).filter(|&to| same_weight(from, to)) {
                    done.push(Sub {
                        line: l,
                        pos: p,
                        from,
                        to,
                        rank: 0,
                    });
                    grid[l][p] = to;
                }
            }
            continue;
        }
        if !matches!(f.class, Class::Alpha | Class::Name) {
            continue;
        }
        for (l, p) in f.span.positions() {
            if let Some(to) = to_alpha(grid[l][p]) {
                done.push(Sub {
                    line: l,
                    pos: p,
                    from: grid[l][p],
                    to,
                    rank: 1,
                });
                grid[l][p] = to;
            }
        }
        if f.class == Class::Name {
            let field = &grid[f.span.line][f.span.start..f.span.end];
            for i in filler_run_repairs(field) {
                let (l, p) = (f.span.line, f.span.start + i);
                done.push(Sub {
                    line: l,
                    pos: p,
                    from: grid[l][p],
                    to: FILLER,
                    rank: 0,
                });
                grid[l][p] = FILLER;
            }
        }
    }
    done
}

/// Indices of a name field's trailing run that OCR read as `K`, `X` or `C`
/// instead of `<`. The run is the longest suffix of such characters and `<`;
/// letters before its first `<` belong to the name (`MARC<<<<`). It is
/// repaired when at least 3 long and holding a `<`, or, without any `<`, at
/// least 4 long (no name ends with four of these letters).
fn filler_run_repairs(field: &[char]) -> Vec<usize> {
    let mut s = field.len();
    while s > 0 && fillerish(field[s - 1]) {
        s -= 1;
    }
    let run_start = match field[s..].iter().position(|&c| c == FILLER) {
        Some(p) if field.len() - (s + p) >= 3 => s + p,
        None if field.len() - s >= 4 => s,
        _ => return Vec::new(),
    };
    (run_start..field.len())
        .filter(|&i| field[i] != FILLER)
        .collect()
}

/// Tries the OCR confusions inside the fields whose check digit fails and
/// applies the unambiguous smallest set that makes them pass.
fn search_repairs(grid: &mut Grid, lay: &Layout) -> Vec<Sub> {
    let checks = &lay.checks;
    let failing: Vec<usize> = (0..checks.len())
        .filter(|&i| !passes(grid, &checks[i]))
        .collect();
    if failing.is_empty() {
        return Vec::new();
    }
    let composite = checks.iter().position(|c| c.kind == CheckKind::Composite);
    let mut groups: Vec<Vec<Vec<Sub>>> = Vec::new();
    let mut unrepairable = false;
    for &i in failing.iter().filter(|&&i| Some(i) != composite) {
        let items = items_at(grid, lay, &check_positions(&checks[i]));
        let check = &checks[i];
        let sols = solutions(grid, &items, &|g| passes(g, check), true, 16);
        if sols.is_empty() {
            unrepairable = true;
        } else {
            groups.push(sols);
        }
    }
    // Positions only the composite covers, and the composite digit itself.
    let composite_items = match composite {
        Some(ci) if !unrepairable => {
            let mut covered: Vec<(usize, usize)> = Vec::new();
            for (i, c) in checks.iter().enumerate() {
                if i != ci {
                    covered.extend(check_positions(c));
                }
            }
            let only: Vec<(usize, usize)> = check_positions(&checks[ci])
                .into_iter()
                .filter(|p| !covered.contains(p))
                .collect();
            items_at(grid, lay, &only)
        }
        _ => Vec::new(),
    };
    let combo_count: usize = groups.iter().map(Vec::len).product();
    // Each full solution: one alternative per group, then the composite-only part.
    let mut full: Vec<Vec<Vec<Sub>>> = Vec::new();
    let mut idx = vec![0usize; groups.len()];
    for _ in 0..combo_count.min(256) {
        let parts: Vec<Vec<Sub>> = groups
            .iter()
            .zip(&idx)
            .map(|(g, &i)| g[i].clone())
            .collect();
        let combo: Vec<Sub> = parts.concat();
        apply(grid, &combo);
        match composite {
            Some(ci) if !passes(grid, &checks[ci]) => {
                if !unrepairable {
                    let comp = &checks[ci];
                    for extra in solutions(
                        grid,
                        &composite_items,
                        &|g| passes(g, comp),
                        combo_count == 1,
                        16,
                    ) {
                        let mut p = parts.clone();
                        p.push(extra);
                        full.push(p);
                    }
                }
            }
            _ => {
                let mut p = parts.clone();
                p.push(Vec::new());
                full.push(p);
            }
        }
        undo(grid, &combo);
        // Next combination (odometer).
        for (k, g) in groups.iter().enumerate() {
            idx[k] += 1;
            if idx[k] < g.len() {
                break;
            }
            idx[k] = 0;
        }
    }
    let chosen: Vec<Sub> = if full.is_empty() {
        // The composite cannot be satisfied: keep the repairs that are the
        // only way to make their own check digit pass.
        groups
            .iter()
            .filter(|g| g.len() == 1)
            .flat_map(|g| g[0].iter().copied())
            .collect()
    } else {
        let key = |s: &Vec<Vec<Sub>>| {
            let subs = s.iter().flatten();
            (
                subs.clone().count(),
                subs.map(|x| u32::from(x.rank)).sum::<u32>(),
            )
        };
        let best_key = full.iter().map(key).min().unwrap_or((0, 0));
        let best: Vec<&Vec<Vec<Sub>>> = full.iter().filter(|s| key(s) == best_key).collect();
        // When several solutions are equally good, keep only the parts (one
        // field's repair) that they all share: the others are guesses.
        (0..best[0].len())
            .filter(|&k| best.iter().all(|b| b[k] == best[0][k]))
            .flat_map(|k| best[0][k].iter().copied())
            .collect()
    };
    apply(grid, &chosen);
    chosen
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

struct Analysis {
    grid: Grid,
    subs: Vec<Sub>,
    failing: Vec<usize>,
    lossy: usize,
}

impl Analysis {
    fn score(&self) -> (usize, usize, usize) {
        (self.failing.len(), self.lossy, self.subs.len())
    }
}

fn analyse(format: MrzFormat, variants: &[Vec<Variant>], choice: &[usize]) -> Analysis {
    let mut grid: Grid = variants
        .iter()
        .zip(choice)
        .map(|(v, &i)| v[i].chars.clone())
        .collect();
    let lossy = variants
        .iter()
        .zip(choice)
        .filter(|(v, &i)| v[i].lossy)
        .count();
    let lay = layout(format, &grid);
    let mut subs = forced_repairs(&mut grid, &lay);
    subs.extend(search_repairs(&mut grid, &lay));
    let failing = (0..lay.checks.len())
        .filter(|&i| !passes(&grid, &lay.checks[i]))
        .collect();
    Analysis {
        grid,
        subs,
        failing,
        lossy,
    }
}

/// Reads an MRZ from its lines (OCR output welcome: see [`normalize_lines`]).
///
/// Detects the layout from the line count and lengths (lines one or two
/// characters off are fixed by trimming or padding filler, the fix that makes
/// the check digits pass being kept), repairs OCR confusions in the fields
/// whose check digit fails, parses every field and reports every problem.
/// `on` chooses the century of two-digit birth years (and of the old French
/// card's issue year): 20yy unless that is after `on`, else 19yy; expiry
/// years are 20yy. Never panics, whatever the input.
pub fn read(lines: &[&str], on: NaiveDate) -> MrzReading {
    let normalized = normalize_lines(lines);
    let raw: Grid = normalized.iter().map(|l| l.chars().collect()).collect();
    let (format, raw) = match detect(raw) {
        Ok(x) => x,
        Err(e) => {
            return MrzReading {
                mrz: None,
                valid: false,
                errors: vec![e],
                repairs: Vec::new(),
            }
        }
    };
    let want = format.line_len();
    let variants: Vec<Vec<Variant>> = raw.iter().map(|l| length_variants(l, want)).collect();
    let mut choice = vec![0usize; variants.len()];
    let mut best = analyse(format, &variants, &choice);
    for li in 0..variants.len() {
        for vi in 1..variants[li].len() {
            let mut c = choice.clone();
            c[li] = vi;
            let a = analyse(format, &variants, &c);
            if a.score() < best.score() {
                best = a;
                choice = c;
            }
        }
    }
    let grid = best.grid;
    let lay = layout(format, &grid);
    let mut errors = Vec::new();

    for (li, line) in raw.iter().enumerate() {
        if line.len() == want {
            continue;
        }
        let checked_here = best.failing.iter().any(|&i| {
            let c = &lay.checks[i];
            c.digit.0 == li || c.parts.iter().any(|s| s.line == li)
        });
        if variants[li][choice[li]].lossy || checked_here {
            errors.push(MrzError::LineLength {
                line: li + 1,
                expected: want,
                found: line.len(),
            });
        }
    }
    errors.extend(bad_characters(&grid, &lay));
    for &i in &best.failing {
        let c = &lay.checks[i];
        let (line, position) = (c.digit.0 + 1, c.digit.1 + 1);
        let expected = computed(&grid, c);
        let found = grid[c.digit.0][c.digit.1];
        errors.push(match c.kind {
            CheckKind::DocumentNumber => MrzError::DocumentNumberCheck {
                line,
                position,
                expected,
                found,
            },
            CheckKind::BirthDate => MrzError::BirthDateCheck {
                line,
                position,
                expected,
                found,
            },
            CheckKind::ExpiryDate => MrzError::ExpiryDateCheck {
                line,
                position,
                expected,
                found,
            },
            CheckKind::OptionalData => MrzError::OptionalDataCheck {
                line,
                position,
                expected,
                found,
            },
            CheckKind::Composite => MrzError::CompositeCheck {
                line,
                position,
                expected,
                found,
            },
        });
    }
    let mrz = parse(format, &grid, on, &mut errors);
    MrzReading {
        mrz: Some(mrz),
        valid: errors.is_empty(),
        errors,
        repairs: best.subs.iter().map(|s| s.repair()).collect(),
    }
}

fn bad_characters(grid: &Grid, lay: &Layout) -> Vec<MrzError> {
    let mut out: Vec<MrzError> = Vec::new();
    let mut seen: Vec<MrzField> = Vec::new();
    for f in &lay.fields {
        if f.class == Class::Check || seen.contains(&f.field) {
            continue;
        }
        let allowed = |c: char| match f.class {
            Class::Alpha | Class::Name => c.is_ascii_uppercase() || c == FILLER,
            Class::Numeric => c.is_ascii_digit() || c == FILLER,
            Class::AlphaNum | Class::Check => is_mrz_char(c),
            Class::Sex => matches!(c, 'F' | 'M' | 'X' | FILLER),
        };
        if let Some((l, p)) = f.span.positions().find(|&(l, p)| !allowed(grid[l][p])) {
            seen.push(f.field);
            out.push(MrzError::BadCharacter {
                field: f.field,
                line: l + 1,
                position: p + 1,
                found: grid[l][p],
            });
        }
    }
    out
}

fn text(grid: &Grid, line: usize, start: usize, end: usize) -> String {
    grid[line][start..end].iter().collect()
}

fn trimmed(s: &str) -> String {
    s.trim_end_matches(FILLER).to_string()
}

/// `SURNAME<<GIVEN<NAMES` → (`SURNAME`, [`GIVEN`, `NAMES`]); `<` inside the
/// surname becomes a space.
fn icao_names(field: &str) -> (String, Vec<String>) {
    let field = field.trim_end_matches(FILLER);
    let (surname, given) = field.split_once("<<").unwrap_or((field, ""));
    (
        spaced(surname),
        given
            .split(FILLER)
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

fn spaced(s: &str) -> String {
    s.split(FILLER)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn two_digits(chars: &[char]) -> Option<u32> {
    match chars {
        [a, b] => Some(a.to_digit(10)? * 10 + b.to_digit(10)?),
        _ => None,
    }
}

enum DateRead {
    Date(NaiveDate),
    Unknown,
    Impossible,
}

/// Reads `YYMMDD`; `birth_on` picks the century of a birth date, else 20yy.
fn read_date(chars: &[char], birth_on: Option<NaiveDate>) -> DateRead {
    let (Some(yy), Some(mm), Some(dd)) = (
        two_digits(&chars[0..2]),
        two_digits(&chars[2..4]),
        two_digits(&chars[4..6]),
    ) else {
        return DateRead::Unknown;
    };
    let y20 = 2000 + yy as i32;
    let year = match birth_on {
        Some(on) if (y20, mm, dd) > (on.year(), on.month(), on.day()) => y20 - 100,
        _ => y20,
    };
    NaiveDate::from_ymd_opt(year, mm, dd).map_or(DateRead::Impossible, DateRead::Date)
}

fn date_field(
    grid: &Grid,
    span: Span,
    field: MrzField,
    birth_on: Option<NaiveDate>,
    errors: &mut Vec<MrzError>,
) -> Option<NaiveDate> {
    let chars = &grid[span.line][span.start..span.end];
    match read_date(chars, birth_on) {
        DateRead::Date(d) => Some(d),
        DateRead::Unknown => None,
        DateRead::Impossible => {
            errors.push(MrzError::ImpossibleDate {
                field,
                value: chars.iter().collect(),
            });
            None
        }
    }
}

fn sex_of(c: char) -> Sex {
    match c {
        'F' => Sex::F,
        'M' => Sex::M,
        _ => Sex::X,
    }
}

fn kind_of(format: MrzFormat, code: &str, state: &str) -> DocumentKind {
    match format {
        MrzFormat::FrIdOld => DocumentKind::CniOld,
        _ if code.starts_with('P') => DocumentKind::Passport,
        MrzFormat::Td1 if code == "ID" && state == "FRA" => DocumentKind::Cni,
        MrzFormat::Td1 if RESIDENCE_PERMIT_CODES.contains(&code) => DocumentKind::ResidencePermit,
        _ => DocumentKind::Other,
    }
}

fn parse(format: MrzFormat, grid: &Grid, on: NaiveDate, errors: &mut Vec<MrzError>) -> Mrz {
    let document_code = trimmed(&text(grid, 0, 0, 2));
    let issuing_state = trimmed(&text(grid, 0, 2, 5));
    let kind = kind_of(format, &document_code, &issuing_state);
    let lines: Vec<String> = grid.iter().map(|l| l.iter().collect()).collect();
    let birth = |span, errors: &mut Vec<MrzError>| {
        date_field(grid, span, MrzField::BirthDate, Some(on), errors)
    };
    let expiry = |span, errors: &mut Vec<MrzError>| {
        date_field(grid, span, MrzField::ExpiryDate, None, errors)
    };
    match format {
        MrzFormat::Td1 => {
            let (_, long_end) = document_number_check(grid, 0, 5, sp(0, 15, 30));
            let (document_number, opt1) = match long_end {
                Some(end) => (
                    format!("{}{}", text(grid, 0, 5, 14), text(grid, 0, 15, end - 1)),
                    text(grid, 0, end, 30),
                ),
                None => (text(grid, 0, 5, 14), text(grid, 0, 15, 30)),
            };
            let (surname, given_names) = icao_names(&text(grid, 2, 0, 30));
            let opts: Vec<String> = [opt1, text(grid, 1, 18, 29)]
                .iter()
                .map(|o| o.trim_matches(FILLER).to_string())
                .filter(|o| !o.is_empty())
                .collect();
            let birth_date = birth(sp(1, 0, 6), errors);
            let expiry_date = expiry(sp(1, 8, 14), errors);
            Mrz {
                format,
                kind,
                document_code,
                issuing_state,
                surname,
                given_names,
                document_number: trimmed(&document_number),
                nationality: trimmed(&text(grid, 1, 15, 18)),
                birth_date,
                sex: sex_of(grid[1][7]),
                expiry_date,
                issue_year_month: None,
                optional_data: opts.join("<"),
                truncated_name: grid[2][29] != FILLER,
                lines,
            }
        }
        MrzFormat::Td2 | MrzFormat::Td3 => {
            let len = format.line_len();
            let opt_end = if format == MrzFormat::Td3 { 42 } else { 35 };
            let long_end = if format == MrzFormat::Td2 {
                document_number_check(grid, 1, 0, sp(1, 28, opt_end)).1
            } else {
                None
            };
            let (document_number, optional) = match long_end {
                Some(end) => (
                    format!("{}{}", text(grid, 1, 0, 9), text(grid, 1, 28, end - 1)),
                    text(grid, 1, end, opt_end),
                ),
                None => (text(grid, 1, 0, 9), text(grid, 1, 28, opt_end)),
            };
            let (surname, given_names) = icao_names(&text(grid, 0, 5, len));
            let birth_date = birth(sp(1, 13, 19), errors);
            let expiry_date = expiry(sp(1, 21, 27), errors);
            Mrz {
                format,
                kind,
                document_code,
                issuing_state,
                surname,
                given_names,
                document_number: trimmed(&document_number),
                nationality: trimmed(&text(grid, 1, 10, 13)),
                birth_date,
                sex: sex_of(grid[1][20]),
                expiry_date,
                issue_year_month: None,
                optional_data: optional.trim_matches(FILLER).to_string(),
                truncated_name: grid[0][len - 1] != FILLER,
                lines,
            }
        }
        MrzFormat::FrIdOld => {
            let birth_date = birth(sp(1, 27, 33), errors);
            let issue_year_month = match (two_digits(&grid[1][0..2]), two_digits(&grid[1][2..4])) {
                (Some(yy), Some(mm)) if (1..=12).contains(&mm) => {
                    let y20 = 2000 + yy as i32;
                    let year = if (y20, mm) > (on.year(), on.month()) {
                        y20 - 100
                    } else {
                        y20
                    };
                    Some((year, mm))
                }
                (Some(_), Some(_)) => {
                    errors.push(MrzError::ImpossibleDate {
                        field: MrzField::IssueDate,
                        value: text(grid, 1, 0, 4),
                    });
                    None
                }
                _ => None,
            };
            let given_names = text(grid, 1, 13, 27)
                .trim_end_matches(FILLER)
                .split("<<")
                .map(spaced)
                .filter(|g| !g.is_empty())
                .collect();
            Mrz {
                format,
                kind,
                document_code,
                issuing_state,
                surname: spaced(&text(grid, 0, 5, 30)),
                given_names,
                document_number: trimmed(&text(grid, 1, 0, 12)),
                nationality: "FRA".to_string(),
                birth_date,
                sex: sex_of(grid[1][34]),
                expiry_date: issue_year_month.map(|(y, m)| cni_old_expiry(y, m, birth_date)),
                issue_year_month,
                optional_data: trimmed(&text(grid, 0, 30, 36)),
                truncated_name: grid[0][29] != FILLER || grid[1][26] != FILLER,
                lines,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const TD1: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    const TD2: [&str; 2] = [
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ];
    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    /// /work/shared/samples/sample-0003: French residence permit.
    const S0003: [&str; 3] = [
        "IRFRAPE10764885<<<<<<<<<<<<<<<",
        "8402242F2602039POL<<<<<<<<<<<4",
        "OMIOTEK<<MELANIA<<<<<<<<<<<<<<",
    ];
    /// sample-0008: French passport.
    const S0008: [&str; 2] = [
        "P<FRAJACOB<<ODETTE<<<<<<<<<<<<<<<<<<<<<<<<<<",
        "30LZ026148FRA4211150F2307138<<<<<<<<<<<<<<08",
    ];
    /// sample-0010: French passport.
    const S0010: [&str; 2] = [
        "P<FRAMAHE<<GREGOIRE<DENIS<ANTOINE<<<<<<<<<<<",
        "82GK732730FRA7001280M2611066<<<<<<<<<<<<<<04",
    ];
    /// sample-0013: old French ID card.
    const S0013: [&str; 2] = [
        "IDFRABODIN<<<<<<<<<<<<<<<<<<<<244258",
        "1109244812538JOSEPHINE<<BER6906034F8",
    ];
    /// sample-0024: French ID card since 2021.
    const S0024: [&str; 3] = [
        "IDFRAYJNZZSST87<<<<<<<<<<<<<<<",
        "8002192M3508264FRA<<<<<<<<<<<8",
        "VALLEE<<THIBAUT<THIERRY<<<<<<<",
    ];
    /// sample-0025: old French ID card.
    const S0025: [&str; 2] = [
        "IDFRAPERRET<<<<<<<<<<<<<<<<<<<925171",
        "1107925404726JEAN<<BENOIT<<8908180M3",
    ];

    fn on() -> NaiveDate {
        d("2025-06-01")
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn valid(lines: &[&str]) -> Mrz {
        let r = read(lines, on());
        assert!(r.valid, "{lines:?} must read as valid: {:?}", r.errors);
        assert!(
            r.repairs.is_empty(),
            "a clean MRZ needs no repair: {:?}",
            r.repairs
        );
        r.mrz.expect("a valid reading has fields")
    }

    fn codes(r: &MrzReading) -> Vec<&'static str> {
        r.errors.iter().map(MrzError::code).collect()
    }

    /// Upper-case without accents, as the MRZ writes names.
    fn fold(s: &str) -> String {
        s.to_uppercase()
            .chars()
            .map(|c| match c {
                'À' | 'Â' | 'Ä' => 'A',
                'É' | 'È' | 'Ê' | 'Ë' => 'E',
                'Î' | 'Ï' => 'I',
                'Ô' | 'Ö' => 'O',
                'Ù' | 'Û' | 'Ü' => 'U',
                'Ç' => 'C',
                c => c,
            })
            .collect()
    }

    #[rstest]
    #[case::td3_document_number("L898902C3", 6)]
    #[case::birth_date("740812", 2)]
    #[case::expiry_date("120415", 9)]
    #[case::personal_number("ZE184226B<<<<<", 1)]
    #[case::td1_document_number("D23145890", 7)]
    #[case::all_filler("<<<<<<<<<<<<<<", 0)]
    #[case::lower_case_counts_as_upper("l898902c3", 6)]
    #[case::empty("", 0)]
    fn check_digit_follows_icao(#[case] field: &str, #[case] expected: u8) {
        assert_eq!(
            check_digit(field),
            expected,
            "ICAO 9303 part 3 weights 7-3-1"
        );
    }

    #[rstest]
    #[case::spaces_and_case(&["p<uto eriksson << anna"], &["P<UTOERIKSSON<<ANNA"])]
    #[case::one_string_with_newlines(&["LINE<1\r\n\n LINE<2 \n"], &["LINE<1", "LINE<2"])]
    #[case::guillemets_are_double_filler(&["ANNA«MARIA«"], &["ANNA<<MARIA<<"])]
    #[case::single_angle_glyphs(&["A‹B＜C〈D"], &["A<B<C<D"])]
    #[case::empty_lines_dropped(&["", "   ", "A<", "\n"], &["A<"])]
    #[case::letters_left_alone(&["ERIKSS0N"], &["ERIKSS0N"])]
    fn normalize_lines_cleans_ocr_text(#[case] input: &[&str], #[case] expected: &[&str]) {
        assert_eq!(normalize_lines(input), expected);
    }

    #[test]
    fn reads_the_icao_td1_specimen() {
        let m = valid(&TD1);
        assert_eq!(m.format, MrzFormat::Td1);
        assert_eq!(m.kind, DocumentKind::Other);
        assert_eq!(m.document_code, "I");
        assert_eq!(m.issuing_state, "UTO");
        assert_eq!(m.document_number, "D23145890");
        assert_eq!(m.surname, "ERIKSSON");
        assert_eq!(m.given_names, ["ANNA", "MARIA"]);
        assert_eq!(m.birth_date, Some(d("1974-08-12")));
        assert_eq!(m.expiry_date, Some(d("2012-04-15")));
        assert_eq!(m.sex, Sex::F);
        assert_eq!(m.nationality, "UTO");
        assert_eq!(m.optional_data, "");
        assert!(!m.truncated_name);
        assert_eq!(m.lines, TD1);
    }

    #[test]
    fn reads_the_icao_td2_specimen() {
        let m = valid(&TD2);
        assert_eq!(m.format, MrzFormat::Td2);
        assert_eq!(m.kind, DocumentKind::Other);
        assert_eq!(m.document_number, "D23145890");
        assert_eq!(
            (m.surname.as_str(), m.given_names.clone()),
            ("ERIKSSON", vec!["ANNA".to_string(), "MARIA".to_string()])
        );
        assert_eq!(m.birth_date, Some(d("1974-08-12")));
        assert_eq!(m.expiry_date, Some(d("2012-04-15")));
        assert_eq!(m.sex, Sex::F);
    }

    #[test]
    fn reads_the_icao_td3_specimen() {
        let m = valid(&TD3);
        assert_eq!(m.format, MrzFormat::Td3);
        assert_eq!(m.kind, DocumentKind::Passport);
        assert_eq!(m.document_code, "P");
        assert_eq!(m.document_number, "L898902C3");
        assert_eq!(m.surname, "ERIKSSON");
        assert_eq!(m.given_names, ["ANNA", "MARIA"]);
        assert_eq!(m.birth_date, Some(d("1974-08-12")));
        assert_eq!(m.expiry_date, Some(d("2012-04-15")));
        assert_eq!(m.optional_data, "ZE184226B");
        assert_eq!(m.issue_year_month, None);
    }

    /// The `id_document` of each sample's expected.json. Names there carry
    /// the accents of the printed zone, and the old French card's MRZ keeps
    /// only the given names that fit (the last one possibly cut); its expiry
    /// there is the printed day, ours the last day of that month.
    #[rstest]
    #[case::s0003_residence_permit(&S0003, DocumentKind::ResidencePermit, "OMIOTEK", &["MELANIA"], ("1984-02-24", "2026-02-03"), "PE1076488", Sex::F)]
    #[case::s0008_passport(&S0008, DocumentKind::Passport, "JACOB", &["ODETTE"], ("1942-11-15", "2023-07-13"), "30LZ02614", Sex::F)]
    #[case::s0010_passport(&S0010, DocumentKind::Passport, "MAHE", &["GRÉGOIRE", "DENIS", "ANTOINE"], ("1970-01-28", "2026-11-06"), "82GK73273", Sex::M)]
    #[case::s0013_old_id_card(&S0013, DocumentKind::CniOld, "BODIN", &["JOSÉPHINE", "BERNADETTE"], ("1969-06-03", "2026-09-18"), "110924481253", Sex::F)]
    #[case::s0024_id_card(&S0024, DocumentKind::Cni, "VALLÉE", &["THIBAUT", "THIERRY"], ("1980-02-19", "2035-08-26"), "YJNZZSST8", Sex::M)]
    #[case::s0025_old_id_card(&S0025, DocumentKind::CniOld, "PERRET", &["JEAN", "BENOÎT", "MARTIN"], ("1989-08-18", "2026-07-01"), "110792540472", Sex::M)]
    fn reads_every_sample(
        #[case] lines: &[&str],
        #[case] kind: DocumentKind,
        #[case] surname: &str,
        #[case] given: &[&str],
        #[case] (birth, expiry): (&str, &str),
        #[case] number: &str,
        #[case] sex: Sex,
    ) {
        let m = valid(lines);
        assert_eq!(m.kind, kind);
        assert_eq!(m.surname, fold(surname));
        assert_eq!(m.birth_date, Some(d(birth)));
        assert_eq!(m.document_number, number);
        assert_eq!(m.sex, sex);
        let expiry = d(expiry);
        if kind == DocumentKind::CniOld {
            assert!(m.given_names.len() <= given.len());
            for (ours, theirs) in m.given_names.iter().zip(given) {
                assert!(
                    fold(theirs).starts_with(ours.as_str()),
                    "{ours} is (a cut) {theirs}"
                );
            }
            let ours = m.expiry_date.expect("old card expiry from the issue month");
            assert_eq!((ours.year(), ours.month()), (expiry.year(), expiry.month()));
            assert!(
                ours >= expiry,
                "the generous bound is never before the printed date"
            );
        } else {
            let folded: Vec<String> = given.iter().map(|g| fold(g)).collect();
            assert_eq!(m.given_names, folded);
            assert_eq!(m.expiry_date, Some(expiry));
        }
    }

    #[test]
    fn reads_the_old_french_card_fields() {
        let m = valid(&S0013);
        assert_eq!(m.format, MrzFormat::FrIdOld);
        assert_eq!(m.document_code, "ID");
        assert_eq!(m.issuing_state, "FRA");
        assert_eq!(m.nationality, "FRA");
        assert_eq!(m.given_names, ["JOSEPHINE", "BER"]);
        assert_eq!(m.issue_year_month, Some((2011, 9)));
        assert_eq!(m.expiry_date, Some(d("2026-09-30")));
        assert_eq!(m.optional_data, "244258");
        assert!(
            m.truncated_name,
            "the given-names field is full: BER may be cut"
        );
        let m = valid(&S0025);
        assert_eq!(m.given_names, ["JEAN", "BENOIT"]);
        assert!(!m.truncated_name);
    }

    fn corrupt(lines: &[&str], line: usize, position: usize, to: char) -> (Vec<String>, char) {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mut chars: Vec<char> = out[line - 1].chars().collect();
        let from = chars[position - 1];
        chars[position - 1] = to;
        out[line - 1] = chars.into_iter().collect();
        (out, from)
    }

    /// One OCR confusion in a field (line and position from 1) is repaired,
    /// reported, and the reading is valid again.
    #[rstest]
    #[case::td3_document_number_0_as_o(&TD3, 2, 6, 'O')]
    #[case::td3_document_number_8_as_b(&TD3, 2, 4, 'B')]
    #[case::td3_document_check_6_as_g(&TD3, 2, 10, 'G')]
    #[case::td3_nationality_o_as_0(&TD3, 2, 13, '0')]
    #[case::td3_birth_1_as_i(&TD3, 2, 18, 'I')]
    #[case::td3_birth_check_2_as_z(&TD3, 2, 20, 'Z')]
    #[case::td3_expiry_5_as_s(&TD3, 2, 27, 'S')]
    #[case::td3_expiry_0_as_d(&TD3, 2, 24, 'D')]
    #[case::td3_personal_1_as_i(&TD3, 2, 31, 'I')]
    #[case::td3_personal_check_1_as_l(&TD3, 2, 43, 'L')]
    #[case::td3_composite_0_as_o(&TD3, 2, 44, 'O')]
    #[case::td3_state_o_as_0(&TD3, 1, 5, '0')]
    #[case::td3_name_s_as_5(&TD3, 1, 10, '5')]
    #[case::td3_name_filler_as_k(&TD3, 1, 40, 'K')]
    #[case::td1_document_number_1_as_i(&TD1, 1, 9, 'I')]
    #[case::td1_document_check_7_as_t(&TD1, 1, 15, 'T')]
    #[case::td1_optional_filler_as_x(&TD1, 1, 20, 'X')]
    #[case::td1_birth_0_as_o(&TD1, 2, 3, 'O')]
    #[case::td1_birth_check_2_as_z(&TD1, 2, 7, 'Z')]
    #[case::td1_expiry_2_as_z(&TD1, 2, 10, 'Z')]
    #[case::td1_expiry_0_as_d(&TD1, 2, 11, 'D')]
    #[case::td1_nationality_o_as_0(&TD1, 2, 18, '0')]
    #[case::td1_composite_6_as_g(&TD1, 2, 30, 'G')]
    #[case::td1_name_i_as_1(&TD1, 3, 3, '1')]
    #[case::td2_document_number_5_as_s(&TD2, 2, 6, 'S')]
    #[case::td2_expiry_1_as_l(&TD2, 2, 22, 'L')]
    #[case::td2_composite_6_as_g(&TD2, 2, 36, 'G')]
    #[case::old_document_number_1_as_i(&S0013, 2, 2, 'I')]
    #[case::old_department_2_as_z(&S0013, 2, 5, 'Z')]
    #[case::old_document_check_8_as_b(&S0013, 2, 13, 'B')]
    #[case::old_birth_6_as_g(&S0013, 2, 28, 'G')]
    #[case::old_birth_0_as_o(&S0013, 2, 32, 'O')]
    #[case::old_composite_8_as_b(&S0013, 2, 36, 'B')]
    #[case::old_surname_o_as_0(&S0013, 1, 7, '0')]
    #[case::old_given_names_s_as_5(&S0013, 2, 16, '5')]
    #[case::old_office_2_as_z(&S0013, 1, 31, 'Z')]
    #[case::passport_document_number_0_as_o(&S0008, 2, 5, 'O')]
    #[case::passport_document_number_8_as_b(&S0010, 2, 1, 'B')]
    #[case::permit_document_number_0_as_o(&S0003, 1, 9, 'O')]
    #[case::id_card_birth_0_as_o(&S0024, 2, 1, 'B')]
    fn repairs_one_ocr_confusion(
        #[case] lines: &[&str],
        #[case] line: usize,
        #[case] position: usize,
        #[case] misread: char,
    ) {
        let (bad, from) = corrupt(lines, line, position, misread);
        let refs: Vec<&str> = bad.iter().map(String::as_str).collect();
        let r = read(&refs, on());
        assert_eq!(
            r.repairs,
            [Repair {
                line,
                position,
                from: misread,
                to: from
            }],
            "exactly the corrupted character is repaired: {:?}",
            r.errors
        );
        assert!(r.valid, "the repair makes every check pass: {:?}", r.errors);
        assert_eq!(
            r.mrz.expect("fields").lines,
            lines,
            "the repaired lines are the original ones"
        );
    }

    fn owned(lines: &[String]) -> Vec<&str> {
        lines.iter().map(String::as_str).collect()
    }

    #[test]
    fn repairs_two_confusions_in_one_field_and_one_in_another() {
        let (bad, _) = corrupt(&TD3, 2, 16, 'O');
        let (bad, _) = corrupt(&owned(&bad), 2, 18, 'I');
        let (bad, _) = corrupt(&owned(&bad), 2, 23, 'Z');
        let r = read(&owned(&bad), on());
        assert!(r.valid, "{:?}", r.errors);
        assert_eq!(r.repairs.len(), 3, "{:?}", r.repairs);
        assert_eq!(r.mrz.expect("fields").lines, TD3);
    }

    #[test]
    fn swapped_digits_in_the_document_number_cannot_be_repaired() {
        // L898902C3 read as L898092C3: no OCR confusion explains it.
        let lines = [TD3[0], "L898092C36UTO7408122F1204159ZE184226B<<<<<10"];
        let r = read(&lines, on());
        assert!(!r.valid);
        assert!(r.repairs.is_empty(), "no guess is applied: {:?}", r.repairs);
        assert_eq!(codes(&r), ["DOCUMENT_NUMBER_CHECK", "COMPOSITE_CHECK"]);
        assert_eq!(
            r.errors[0],
            MrzError::DocumentNumberCheck {
                line: 2,
                position: 10,
                expected: check_digit("L898092C3"),
                found: '6'
            }
        );
        let m = r.mrz.expect("fields are still read for the clerk");
        assert_eq!(m.document_number, "L898092C3");
        assert_eq!(m.surname, "ERIKSSON");
    }

    #[test]
    fn ambiguous_repairs_are_not_guessed() {
        // ZE184226B read as ZE1B4226B: B→8 there or Z→2 at the start both
        // satisfy the check digit, so neither is applied.
        let (bad, _) = corrupt(&TD3, 2, 32, 'B');
        let r = read(&owned(&bad), on());
        assert!(!r.valid);
        assert!(r.repairs.is_empty(), "{:?}", r.repairs);
        assert_eq!(codes(&r), ["OPTIONAL_DATA_CHECK", "COMPOSITE_CHECK"]);
    }

    #[test]
    fn g_for_6_in_a_document_number_is_invisible_to_check_digits() {
        // G weighs 16 and 6 weighs 6: every check digit still passes, and a
        // letters-and-digits field may hold a G, so it is left as read.
        let (bad, _) = corrupt(&S0008, 2, 7, 'G');
        let r = read(&owned(&bad), on());
        assert!(r.valid);
        assert_eq!(r.mrz.expect("fields").document_number, "30LZ02G14");
    }

    #[test]
    fn a_wrong_birth_digit_names_the_birth_date() {
        let lines = [TD3[0], "L898902C36UTO7408132F1204159ZE184226B<<<<<10"];
        let r = read(&lines, on());
        assert!(!r.valid);
        assert_eq!(codes(&r), ["BIRTH_DATE_CHECK", "COMPOSITE_CHECK"]);
        let message = r.errors[0].to_string();
        assert!(
            message.contains("date de naissance"),
            "the clerk is told which field: {message}"
        );
        assert!(
            message.contains("ligne 2, position 20"),
            "and where: {message}"
        );
    }

    #[rstest]
    #[case::one_line(&["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"], "UNKNOWN_FORMAT")]
    #[case::nothing(&[], "UNKNOWN_FORMAT")]
    #[case::blank(&["  ", "\n"], "UNKNOWN_FORMAT")]
    #[case::four_lines(&["A<", "B<", "C<", "D<"], "UNKNOWN_FORMAT")]
    #[case::two_short_lines(&["P<UTOERIKSSON<<ANNA", "L898902C36UTO7408122F"], "LINE_LENGTHS")]
    #[case::mixed_lengths(&[TD3[0], TD2[1]], "LINE_LENGTHS")]
    #[case::td1_line_far_too_short(&[TD1[0], TD1[1], "ERIKSSON<<ANNA"], "LINE_LENGTHS")]
    fn unknown_layouts_are_explained(#[case] lines: &[&str], #[case] code: &str) {
        let r = read(lines, on());
        assert!(!r.valid);
        assert!(r.mrz.is_none());
        assert_eq!(codes(&r), [code]);
    }

    #[test]
    fn the_length_message_gives_the_expected_lengths() {
        let r = read(&["ABC<", "DEF<"], on());
        let message = r.errors[0].to_string();
        assert!(message.contains("4, 4 caractères"), "{message}");
        for expected in ["30", "36", "44"] {
            assert!(
                message.contains(expected),
                "{message} must name the {expected}-character lines"
            );
        }
    }

    /// Lines one or two characters off are fixed when filler explains it.
    #[rstest]
    #[case::td3_name_line_one_filler_too_many(&[&format!("{}<", TD3[0]), TD3[1]], &TD3)]
    #[case::td3_name_line_two_fillers_short(&[&TD3[0][..42], TD3[1]], &TD3)]
    #[case::td3_personal_number_run_one_short(&[TD3[0], "L898902C36UTO7408122F1204159ZE184226B<<<<10"], &TD3)]
    #[case::td3_personal_number_run_one_too_many(&[TD3[0], "L898902C36UTO7408122F1204159ZE184226B<<<<<<10"], &TD3)]
    #[case::td1_optional_run_two_too_many(&["I<UTOD231458907<<<<<<<<<<<<<<<<<", TD1[1], TD1[2]], &TD1)]
    #[case::td1_line_2_one_short(&[TD1[0], "7408122F1204159UTO<<<<<<<<<<6", TD1[2]], &TD1)]
    #[case::old_card_with_ocr_junk(&["IDFRABODIN<<<<<<<<<<<<<<<<<<<<244258.", S0013[1]], &S0013)]
    #[case::guillemet_for_two_fillers(&["I<UTOD231458907«<<<<<<<<<<<<<", TD1[1], TD1[2]], &TD1)]
    fn fixes_lines_slightly_off(#[case] lines: &[&str], #[case] expected: &[&str]) {
        let r = read(lines, on());
        assert!(r.valid, "{:?}", r.errors);
        assert_eq!(r.mrz.expect("fields").lines, expected);
    }

    #[test]
    fn a_character_inserted_in_a_checked_field_is_reported() {
        // An extra 9 in the document number: no filler removal makes it pass.
        let lines = [TD3[0], "L8989902C36UTO7408122F1204159ZE184226B<<<<<10"];
        let r = read(&lines, on());
        assert!(!r.valid);
        assert!(
            r.errors.contains(&MrzError::LineLength {
                line: 2,
                expected: 44,
                found: 45
            }),
            "{:?}",
            r.errors
        );
    }

    #[test]
    fn finds_the_zone_among_other_ocr_lines() {
        let lines = ["PASSEPORT / PASSPORT", TD3[0], TD3[1], "Signature"];
        assert_eq!(valid(&lines).lines, TD3);
        let one_string = format!("{}\n{}\n", TD1.join("\n"), "");
        assert_eq!(valid(&[one_string.as_str()]).format, MrzFormat::Td1);
    }

    #[rstest]
    #[case::k_run_after_a_filler("ANNA<MARIA<<<<K<<<<<", "ANNA<MARIA<<<<<<<<<<")]
    #[case::k_run_without_filler("ANNA<MARIAKKKKKKK", "ANNA<MARIA<<<<<<<")]
    #[case::mixed_run("ANNA<MARIA<KXCK<<", "ANNA<MARIA<<<<<<<")]
    #[case::name_ending_in_c_kept("MARC<<<<<<", "MARC<<<<<<")]
    #[case::name_ending_in_x_kept("FELIX<<<K<<", "FELIX<<<<<<")]
    #[case::short_run_kept("ANNA<MARIA<K", "ANNA<MARIA<K")]
    #[case::three_letters_kept("ANNA<MAX", "ANNA<MAX")]
    fn filler_runs_at_the_end_of_names(#[case] field: &str, #[case] expected: &str) {
        let mut chars: Vec<char> = field.chars().collect();
        for i in filler_run_repairs(&chars) {
            chars[i] = FILLER;
        }
        assert_eq!(chars.into_iter().collect::<String>(), expected);
    }

    #[test]
    fn reads_a_name_whose_filler_came_out_as_k() {
        let lines = [TD1[0], TD1[1], "ERIKSSON<<ANNA<MARIAKKKKKKKKKK"];
        let r = read(&lines, on());
        assert!(r.valid, "{:?}", r.errors);
        assert_eq!(r.repairs.len(), 10);
        assert!(r
            .repairs
            .iter()
            .all(|x| x.line == 3 && x.from == 'K' && x.to == '<'));
        assert_eq!(r.mrz.expect("fields").given_names, ["ANNA", "MARIA"]);
    }

    #[rstest]
    #[case::surname_with_space("DA<COSTA<<JOAO<PEDRO<<<<<<<<<<", "DA COSTA", &["JOAO", "PEDRO"], false)]
    #[case::single_name("<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<", "", &["ANNA"], false)]
    #[case::only_surname("ERIKSSON<<<<<<<<<<<<<<<<<<<<<<", "ERIKSSON", &[], false)]
    #[case::full_field("ABCDEFGHIJKLMNOPQRST<<UVWXYZAB", "ABCDEFGHIJKLMNOPQRST", &["UVWXYZAB"], true)]
    fn splits_icao_names(
        #[case] name: &str,
        #[case] surname: &str,
        #[case] given: &[&str],
        #[case] truncated: bool,
    ) {
        let m = valid(&[TD1[0], TD1[1], name]);
        assert_eq!(m.surname, surname);
        assert_eq!(m.given_names, given);
        assert_eq!(m.truncated_name, truncated);
    }

    /// Builds a TD1 with its check digits from its fields.
    fn td1(code: &str, state: &str, number: &str, birth: &str, expiry: &str) -> Vec<String> {
        let (first9, rest) = number.split_at(number.len().min(9));
        let doc_field = if rest.is_empty() {
            format!("{first9:<<9}{}", check_digit(first9))
        } else {
            format!("{first9}<{rest}{}", check_digit(number))
        };
        let l1 = format!("{code:<<2}{state:<<3}{doc_field:<<25}");
        let mut l2 = format!(
            "{birth}{}F{expiry}{}{state:<<3}{:<<11}",
            check_digit(birth),
            check_digit(expiry),
            ""
        );
        let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        l2.push_str(&check_digit(&composite).to_string());
        vec![l1, l2, "DUPONT<<MARIE<<<<<<<<<<<<<<<<".to_string()]
    }

    #[test]
    fn reads_a_long_td1_document_number() {
        let lines = td1("I", "NLD", "D23145890AB12", "740812", "300415");
        let m = valid(&owned(&lines));
        assert_eq!(m.document_number, "D23145890AB12");
        assert_eq!(m.optional_data, "");
    }

    #[test]
    fn reads_a_long_td2_document_number() {
        let number = "D23145890AB12";
        let l2 = format!("D23145890<UTO7408122F1204159AB12{}<<", check_digit(number));
        let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]);
        let l2 = format!("{l2}{}", check_digit(&composite));
        let m = valid(&[TD2[0], &l2]);
        assert_eq!(m.document_number, number);
        assert_eq!(m.optional_data, "");
    }

    #[test]
    fn an_unused_personal_number_may_have_a_filler_check_digit() {
        let (lines, _) = corrupt(&S0008, 2, 43, '<');
        assert_eq!(valid(&owned(&lines)).optional_data, "");
    }

    #[rstest]
    #[case::french_id_card("ID", "FRA", DocumentKind::Cni)]
    #[case::french_residence_permit_ir("IR", "FRA", DocumentKind::ResidencePermit)]
    #[case::french_titre_de_sejour_ts("TS", "FRA", DocumentKind::ResidencePermit)]
    #[case::resident_card("RC", "FRA", DocumentKind::ResidencePermit)]
    #[case::foreign_permit("AR", "BEL", DocumentKind::ResidencePermit)]
    #[case::eu_id_card("ID", "BEL", DocumentKind::Other)]
    #[case::german_id_card("ID", "D", DocumentKind::Other)]
    #[case::other_i("I", "UTO", DocumentKind::Other)]
    #[case::crew_card("AC", "FRA", DocumentKind::Other)]
    fn td1_kind_follows_the_document_code(
        #[case] code: &str,
        #[case] state: &str,
        #[case] kind: DocumentKind,
    ) {
        let lines = td1(code, state, "X12345678", "900101", "300101");
        assert_eq!(valid(&owned(&lines)).kind, kind);
    }

    #[test]
    fn td2_kind_is_other_unless_a_passport() {
        assert_eq!(valid(&TD2).kind, DocumentKind::Other);
        let mut p = TD2.map(str::to_string);
        p[0].replace_range(0..1, "P");
        assert_eq!(valid(&owned(&p)).kind, DocumentKind::Passport);
    }

    #[rstest]
    #[case::born_this_century("050301", "2025-06-01", "2005-03-01")]
    #[case::born_last_century("740812", "2025-06-01", "1974-08-12")]
    #[case::today_is_this_century("250601", "2025-06-01", "2025-06-01")]
    #[case::tomorrow_is_last_century("250602", "2025-06-01", "1925-06-02")]
    fn birth_century_follows_the_reference_date(
        #[case] birth: &str,
        #[case] on: &str,
        #[case] expected: &str,
    ) {
        let lines = td1("ID", "FRA", "X12345678", birth, "300101");
        let r = read(&owned(&lines), d(on));
        assert!(r.valid, "{:?}", r.errors);
        assert_eq!(r.mrz.expect("fields").birth_date, Some(d(expected)));
    }

    #[test]
    fn expiry_years_are_this_century() {
        let lines = td1("ID", "FRA", "X12345678", "900101", "991231");
        assert_eq!(valid(&owned(&lines)).expiry_date, Some(d("2099-12-31")));
    }

    #[rstest]
    #[case::impossible_month("741312", MrzField::BirthDate)]
    #[case::impossible_day("740230", MrzField::BirthDate)]
    fn impossible_dates_are_reported(#[case] birth: &str, #[case] field: MrzField) {
        let lines = td1("ID", "FRA", "X12345678", birth, "300101");
        let r = read(&owned(&lines), on());
        assert!(!r.valid);
        assert_eq!(
            r.errors,
            [MrzError::ImpossibleDate {
                field,
                value: birth.to_string()
            }]
        );
        assert_eq!(r.mrz.expect("fields").birth_date, None);
    }

    #[test]
    fn unknown_birth_day_is_not_an_error() {
        let lines = td1("ID", "FRA", "X12345678", "7408<<", "300101");
        let m = valid(&owned(&lines));
        assert_eq!(m.birth_date, None);
    }

    #[test]
    fn an_impossible_issue_month_on_an_old_card_is_reported() {
        // Issue month 13 with every check digit recomputed.
        let l1 = S0013[0];
        let number = "111324481253";
        let mut l2 = format!("{number}{}JOSEPHINE<<BER6906034F", check_digit(number));
        l2.push_str(&check_digit(&format!("{l1}{l2}")).to_string());
        let r = read(&[l1, &l2], on());
        assert_eq!(
            r.errors,
            [MrzError::ImpossibleDate {
                field: MrzField::IssueDate,
                value: "1113".to_string()
            }]
        );
        let m = r.mrz.expect("fields");
        assert_eq!((m.issue_year_month, m.expiry_date), (None, None));
    }

    #[test]
    fn a_bad_character_is_located() {
        let (bad, _) = corrupt(&TD1, 3, 5, '#');
        let r = read(&owned(&bad), on());
        assert_eq!(
            r.errors,
            [MrzError::BadCharacter {
                field: MrzField::Name,
                line: 3,
                position: 5,
                found: '#'
            }]
        );
        let (bad, _) = corrupt(&TD1, 2, 8, 'Q');
        let r = read(&owned(&bad), on());
        assert_eq!(codes(&r), ["BAD_CHARACTER"], "an unknown sex is reported");
        assert_eq!(r.mrz.expect("fields").sex, Sex::X);
    }

    #[rstest]
    #[case::adult_after_2004(2011, 9, Some("1969-06-03"), "2026-09-30")]
    #[case::adult_january_2004_is_generous(2004, 1, Some("1960-01-01"), "2019-01-31")]
    #[case::adult_december_2003(2003, 12, Some("1960-01-01"), "2013-12-31")]
    #[case::adult_1995(1995, 3, Some("1960-01-01"), "2005-03-31")]
    #[case::minor_after_2004(2010, 5, Some("1995-06-15"), "2020-05-31")]
    #[case::eighteen_during_the_issue_month(2013, 6, Some("1995-06-15"), "2028-06-30")]
    #[case::eighteen_the_month_after(2013, 5, Some("1995-06-01"), "2023-05-31")]
    #[case::unknown_birth_is_generous(2010, 2, None, "2025-02-28")]
    #[case::leap_year_end_of_february(2009, 2, Some("1980-01-01"), "2024-02-29")]
    #[case::born_on_29_february(2014, 2, Some("1996-02-29"), "2029-02-28")]
    #[case::month_out_of_range_clamped(2010, 13, None, "2025-12-31")]
    fn old_card_expiry(
        #[case] year: i32,
        #[case] month: u32,
        #[case] birth: Option<&str>,
        #[case] expected: &str,
    ) {
        assert_eq!(cni_old_expiry(year, month, birth.map(d)), d(expected));
    }

    #[test]
    fn serialises_for_the_json_contract() {
        assert_eq!(
            serde_json::to_value(MrzFormat::FrIdOld).expect("json"),
            "fr_id_old"
        );
        assert_eq!(serde_json::to_value(MrzFormat::Td1).expect("json"), "td1");
        let r = read(&S0013, on());
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["mrz"]["format"], "fr_id_old");
        assert_eq!(v["mrz"]["kind"], "cni_old");
        assert_eq!(v["mrz"]["birth_date"], "1969-06-03");
        assert_eq!(v["mrz"]["sex"], "F");
        let (bad, _) = corrupt(&TD3, 2, 6, 'O');
        let v = serde_json::to_value(read(&owned(&bad), on())).expect("json");
        assert_eq!(
            v["repairs"][0],
            serde_json::json!({"line": 2, "position": 6, "from": "O", "to": "0"})
        );
    }

    #[test]
    fn error_codes_match_their_json_tag() {
        let errors = [
            MrzError::UnknownFormat { lines: 1 },
            MrzError::LineLengths { found: vec![3] },
            MrzError::LineLength {
                line: 1,
                expected: 30,
                found: 31,
            },
            MrzError::BadCharacter {
                field: MrzField::Sex,
                line: 2,
                position: 8,
                found: 'Q',
            },
            MrzError::DocumentNumberCheck {
                line: 1,
                position: 15,
                expected: 1,
                found: '2',
            },
            MrzError::BirthDateCheck {
                line: 1,
                position: 15,
                expected: 1,
                found: '2',
            },
            MrzError::ExpiryDateCheck {
                line: 1,
                position: 15,
                expected: 1,
                found: '2',
            },
            MrzError::OptionalDataCheck {
                line: 1,
                position: 15,
                expected: 1,
                found: '2',
            },
            MrzError::CompositeCheck {
                line: 1,
                position: 15,
                expected: 1,
                found: '2',
            },
            MrzError::ImpossibleDate {
                field: MrzField::BirthDate,
                value: "741332".into(),
            },
        ];
        for e in errors {
            let v = serde_json::to_value(&e).expect("json");
            assert_eq!(
                v["code"],
                e.code(),
                "the UI branches on one code, whichever way it reads it"
            );
            assert!(!e.to_string().is_empty());
        }
    }

    /// A small deterministic generator, so that the test needs no crate.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        const ALPHABET: &[char] = &[
            'A', 'B', 'D', 'G', 'I', 'K', 'L', 'O', 'S', 'X', 'Z', '0', '1', '2', '5', '6', '8',
            '9', '<', '<', '<', '<', '«', '‹', 'é', 'ß', ' ', '\n', '.', '#', '\u{0}', '𝔸',
        ];
        let mut rng = Lcg(0x5EED);
        let lengths = [
            0, 1, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38, 42, 43, 44, 45, 46, 60,
        ];
        for _ in 0..400 {
            let count = rng.below(5);
            let lines: Vec<String> = (0..count)
                .map(|_| {
                    let len = lengths[rng.below(lengths.len())];
                    let prefix = ["", "IDFRA", "P<", "I<", "IR"][rng.below(5)];
                    let body: String = (0..len)
                        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                        .collect();
                    format!("{prefix}{body}")
                })
                .collect();
            let r = read(&owned(&lines), on());
            assert_eq!(
                r.valid,
                r.mrz.is_some() && r.errors.is_empty(),
                "valid means fields and no error"
            );
        }
        // Random mutations of real zones, closer to OCR output.
        let zones: [&[&str]; 6] = [&TD1, &TD2, &TD3, &S0013, &S0024, &S0010];
        for _ in 0..400 {
            let zone = zones[rng.below(zones.len())];
            let mut lines: Vec<Vec<char>> = zone.iter().map(|l| l.chars().collect()).collect();
            for _ in 0..1 + rng.below(4) {
                let l = rng.below(lines.len());
                let p = rng.below(lines[l].len() + 1);
                let c = ALPHABET[rng.below(ALPHABET.len())];
                match rng.below(3) {
                    0 if p < lines[l].len() => lines[l][p] = c,
                    1 => lines[l].insert(p, c),
                    _ if p < lines[l].len() => {
                        lines[l].remove(p);
                    }
                    _ => {}
                }
            }
            let lines: Vec<String> = lines.into_iter().map(String::from_iter).collect();
            let r = read(&owned(&lines), on());
            if r.valid {
                let m = r.mrz.expect("fields");
                assert!(m.lines.iter().all(|l| l.len() == m.format.line_len()));
            }
        }
    }
}
