//! What a PDF says besides its page images: the values of a fillable
//! form's fields (AcroForm) and the text layer of each page.
//!
//! - **AcroForm.** Every terminal field of `/AcroForm /Fields` (names joined
//!   through `/Parent`–`/Kids` with dots), its type (`/FT`, inherited), its
//!   tooltip (`/TU`) and its value (`/V`: text strings in PDFDocEncoding or
//!   UTF-16BE with a BOM, names for buttons). A field maps to a template key
//!   by its name (`last_name`, or a last name part `identite.last_name`) or
//!   by its tooltip or name matching the template's printed label without
//!   regard to case, accents, asterisk or the bracketed hint
//!   (`Nom de naissance`, `NOM (nom d'usage)`, `Date de naissance`). Values
//!   go through `parcours_domain::form::normalize`, the normalisation of
//!   OCR'd values and of a clerk's corrections, with confidence 1.0; a value
//!   that cannot be a field's answer (over [`MAX_VALUE_CHARS`] characters,
//!   control characters, a checkbox given for a text field, an unknown
//!   option) is refused: no value, confidence 0 (`FIELD_UNCERTAIN`, and
//!   `FIELD_MISSING` when mandatory).
//! - **Text layer.** Text-showing operators of the page's content stream
//!   (`Tj`, `TJ`, `'`, `"` after `Tf`, `Tm`, `Td`, `TD`, `T*`, `Tc`, `Tw`,
//!   `Tz`, `TL`, `Ts`, `Tr`, under `cm`, `q`, `Q`), decoded with the font's
//!   encoding (standard, WinAnsi, MacRoman, `/Differences`, `/ToUnicode`), as
//!   runs placed in millimetres from the page's top-left corner; invisible
//!   text (`3 Tr`, what scanners' OCR adds) is marked as such. Painted paths
//!   and images are kept as segments ("ink") so that a tick or a drawn
//!   signature in a box is seen. Limits: glyph widths come from `/Widths`
//!   or 0.55 em; text inside form XObjects is not read; a composite (CID)
//!   font without `/ToUnicode` cannot be decoded and its text is ignored;
//!   `/Rotate` is not applied.
//!
//! This module only reads: it never fails on a strange PDF (what cannot be
//! read is left out) and bounds every loop.

use std::collections::{BTreeMap, HashSet};
use std::io::Cursor;

use image::{GrayImage, Luma};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, Object, ObjectId};
use parcours_domain::checks::FieldReading;
use parcours_domain::form::{normalize, FieldKind, FieldSpec, FieldValue, FormTemplate};
use parcours_domain::PageKind;

use crate::form_read::FieldRead;
use crate::geom::Frame;
use crate::ocr::OcrText;
use crate::page::{fold, PageAnalysis};
use crate::pages::PageImage;

/// Longest value accepted from a form field (the widest box holds ~60).
pub const MAX_VALUE_CHARS: usize = 200;
/// Most fields read from one AcroForm.
const MAX_FIELDS: usize = 2_000;
/// Most content-stream operations looked at on one page.
const MAX_OPERATIONS: usize = 500_000;
/// Most runs and ink segments kept for one page.
const MAX_ITEMS: usize = 100_000;
/// Confidence of a value read from the text placed in its box.
pub const TEXT_LAYER_CONFIDENCE: f32 = 0.98;

/// Millimetres per PDF point.
const MM_PER_PT: f32 = 25.4 / 72.0;

/// The type of an AcroForm field (`/FT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfFieldType {
    /// `/Tx`: text.
    Text,
    /// `/Btn`: checkbox or radio buttons (push buttons have no value).
    Button,
    /// `/Ch`: list or combo box.
    Choice,
    /// `/Sig`: digital signature.
    Signature,
    /// Missing or unknown `/FT`.
    Other,
}

/// The value of an AcroForm field (`/V`).
#[derive(Debug, Clone, PartialEq)]
pub enum PdfValue {
    /// No `/V`: the field was not filled in.
    Absent,
    /// A text string, decoded.
    Text(String),
    /// A name (`/Yes`, `/Off`, a radio button's export value).
    Name(String),
    /// A signature dictionary.
    Signed,
    /// Something that is no answer (an array, a number, an undecodable string).
    Other,
}

/// One terminal field of a fillable form.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfField {
    /// Fully qualified name (`/T` of the field and its parents, dot-joined).
    pub name: String,
    /// Tooltip (`/TU`), if any.
    pub label: Option<String>,
    /// Type, inherited from the parents when the field has none.
    pub kind: PdfFieldType,
    /// Value.
    pub value: PdfValue,
}

/// One piece of text placed on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// Start of the baseline, mm from the page's left edge.
    pub x: f32,
    /// Baseline, mm from the page's top edge.
    pub y: f32,
    /// Advance width, mm (estimated when the font has no widths).
    pub w: f32,
    /// Font size, mm.
    pub size: f32,
    /// The text.
    pub text: String,
    /// Rendering mode 3 or 7: text that is not painted (a scanner's OCR layer).
    pub invisible: bool,
}

/// What a PDF page holds besides its image: text runs and painted strokes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PdfPage {
    /// Page width, mm (MediaBox).
    pub width_mm: f32,
    /// Page height, mm.
    pub height_mm: f32,
    /// Text runs, in content order.
    pub runs: Vec<TextRun>,
    /// Painted path segments and image outlines, mm (`[x0, y0, x1, y1]`).
    pub ink: Vec<[f32; 4]>,
    /// Text the page's fonts could not decode (CID fonts without `/ToUnicode`).
    pub undecodable: usize,
    /// The form page (1 or 2) the text layer shows, if any.
    pub form_page: Option<u8>,
    /// The page is read from its vector content (no scan to read).
    pub digital: bool,
}

impl PdfPage {
    /// The visible (or, with `invisible`, every) text, runs joined in lines.
    pub fn text(&self, invisible: bool) -> String {
        let mut out = String::new();
        let mut last_y = f32::NAN;
        for r in self.runs.iter().filter(|r| invisible || !r.invisible) {
            if !out.is_empty() {
                out.push(if (r.y - last_y).abs() > r.size * 0.5 {
                    '\n'
                } else {
                    ' '
                });
            }
            out.push_str(&r.text);
            last_y = r.y;
        }
        out
    }
}

// ------------------------------------------------------------ AcroForm

fn name_of(o: &Object) -> Option<String> {
    o.as_name()
        .ok()
        .map(|n| String::from_utf8_lossy(n).into_owned())
}

fn text_of(o: &Object) -> Option<String> {
    lopdf::decode_text_string(o).ok()
}

/// Every terminal field of the document's AcroForm (empty without one).
pub fn acroform_fields(doc: &Document) -> Vec<PdfField> {
    let Ok(catalog) = doc.catalog() else {
        return Vec::new();
    };
    let Some(form) = catalog
        .get(b"AcroForm")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok())
    else {
        return Vec::new();
    };
    let Some(roots) = form
        .get(b"Fields")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_array().ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for r in roots {
        walk_field(doc, r, "", None, &mut seen, &mut out, 0);
    }
    out
}

fn walk_field(
    doc: &Document,
    node: &Object,
    parent_name: &str,
    parent_ft: Option<PdfFieldType>,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<PdfField>,
    depth: usize,
) {
    if depth > 32 || out.len() >= MAX_FIELDS || seen.len() > 4 * MAX_FIELDS {
        return;
    }
    if let Object::Reference(id) = node {
        if !seen.insert(*id) {
            return;
        }
    }
    let Some(dict) = doc
        .dereference(node)
        .ok()
        .and_then(|(_, o)| o.as_dict().ok())
    else {
        return;
    };
    let partial = dict.get(b"T").ok().and_then(text_of);
    let name = match (&partial, parent_name.is_empty()) {
        (Some(t), true) => t.clone(),
        (Some(t), false) => format!("{parent_name}.{t}"),
        (None, _) => parent_name.to_string(),
    };
    let ft = match dict.get(b"FT").ok().and_then(|o| o.as_name().ok()) {
        Some(b"Tx") => Some(PdfFieldType::Text),
        Some(b"Btn") => Some(PdfFieldType::Button),
        Some(b"Ch") => Some(PdfFieldType::Choice),
        Some(b"Sig") => Some(PdfFieldType::Signature),
        Some(_) => Some(PdfFieldType::Other),
        None => parent_ft,
    };
    let kids: Vec<&Object> = dict
        .get(b"Kids")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_array().ok())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    // Kids that carry a name are fields; kids without are its widgets.
    let named_kids: Vec<&Object> = kids
        .iter()
        .copied()
        .filter(|k| {
            doc.dereference(k)
                .ok()
                .and_then(|(_, o)| o.as_dict().ok())
                .is_some_and(|d| d.has(b"T"))
        })
        .collect();
    if !named_kids.is_empty() {
        for k in named_kids {
            walk_field(doc, k, &name, ft, seen, out, depth + 1);
        }
        return;
    }
    if partial.is_none() || name.is_empty() {
        return;
    }
    let value = match dict.get(b"V").ok().map(|o| doc.dereference(o)) {
        None => {
            // A checkbox whose value lives only on its widget's state.
            let state =
                std::iter::once(dict)
                    .chain(kids.iter().filter_map(|k| {
                        doc.dereference(k).ok().and_then(|(_, o)| o.as_dict().ok())
                    }))
                    .find_map(|d| d.get(b"AS").ok().and_then(name_of));
            match (ft, state) {
                (Some(PdfFieldType::Button), Some(s)) => PdfValue::Name(s),
                _ => PdfValue::Absent,
            }
        }
        Some(Ok((_, o))) => match o {
            Object::Name(_) => name_of(o).map_or(PdfValue::Other, PdfValue::Name),
            Object::String(bytes, _) if has_control_bytes(bytes) => PdfValue::Other,
            Object::String(..) => text_of(o).map_or(PdfValue::Other, PdfValue::Text),
            Object::Dictionary(_) if ft == Some(PdfFieldType::Signature) => PdfValue::Signed,
            Object::Null => PdfValue::Absent,
            _ => PdfValue::Other,
        },
        Some(Err(_)) => PdfValue::Other,
    };
    out.push(PdfField {
        name,
        label: dict.get(b"TU").ok().and_then(text_of),
        kind: ft.unwrap_or(PdfFieldType::Other),
        value,
    });
}

/// Codes that PDFDocEncoding leaves undefined (control characters), which
/// its decoder would drop silently; UTF-16 strings are checked once decoded.
fn has_control_bytes(b: &[u8]) -> bool {
    !b.starts_with(b"\xFE\xFF")
        && !b.starts_with(b"\xEF\xBB\xBF")
        && b.iter()
            .any(|&c| c < 0x18 && !matches!(c, b'\t' | b'\n' | b'\r'))
}

/// A label or name folded for comparison: lower case, no accents, no
/// asterisk, no bracketed hint, single spaces, no trailing colon.
fn fold_label(s: &str) -> String {
    let f = fold(s).to_lowercase();
    let f = match f.find('(') {
        Some(i) if i > 0 => f[..i].to_string(),
        _ => f,
    };
    let f: String = f
        .chars()
        .map(|c| if c == '*' || c == '_' { ' ' } else { c })
        .collect();
    f.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches([':', ' '])
        .to_string()
}

/// The template key a PDF field stands for, if any.
pub fn template_key<'a>(field: &PdfField, form: &'a FormTemplate) -> Option<&'a FieldSpec> {
    let last = field.name.rsplit('.').next().unwrap_or(&field.name);
    let key_like = |s: &str| s.trim().to_lowercase();
    if let Some(f) = form
        .fields
        .iter()
        .find(|f| key_like(&field.name) == f.key || key_like(last) == f.key)
    {
        return Some(f);
    }
    let names: Vec<String> = [field.label.as_deref(), Some(last)]
        .into_iter()
        .flatten()
        .map(fold_label)
        .filter(|s| !s.is_empty())
        .collect();
    form.fields
        .iter()
        .filter(|f| !f.label.trim().is_empty())
        .find(|f| names.contains(&fold_label(&f.label)))
}

/// Whether a checkbox's text answer says yes, no, or is no answer.
fn yes_no(s: &str) -> Option<bool> {
    match fold_label(s).as_str() {
        "" | "non" | "no" | "off" | "false" | "0" => Some(false),
        "oui" | "yes" | "on" | "true" | "1" | "x" => Some(true),
        _ => None,
    }
}

/// The reading of a template field from a PDF field's value: `None` when
/// the PDF has no value for it (another source is used), else the value
/// normalised with confidence 1, or refused (no value, confidence 0).
pub fn field_reading(spec: &FieldSpec, field: &PdfField) -> Option<FieldReading> {
    let ok = |value: Option<FieldValue>| FieldReading {
        value,
        confidence: 1.0,
    };
    let refused = FieldReading {
        value: None,
        confidence: 0.0,
    };
    let text = match &field.value {
        PdfValue::Absent => return None,
        PdfValue::Other => return Some(refused),
        PdfValue::Signed => {
            return Some(if spec.kind == FieldKind::Signature {
                ok(Some(FieldValue::Bool(true)))
            } else {
                refused
            })
        }
        PdfValue::Name(n) => n.clone(),
        PdfValue::Text(t) => t.clone(),
    };
    let is_name = matches!(field.value, PdfValue::Name(_));
    let too_long = text.chars().count() > MAX_VALUE_CHARS;
    let control = text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if too_long || control {
        return Some(refused);
    }
    let off = is_name && text == "Off";
    Some(match spec.kind {
        FieldKind::Checkbox => match (field.kind, is_name) {
            (PdfFieldType::Button, true) => ok(Some(FieldValue::Bool(!off))),
            (PdfFieldType::Text | PdfFieldType::Choice | PdfFieldType::Other, false) => {
                match yes_no(&text) {
                    Some(b) => ok(Some(FieldValue::Bool(b))),
                    None => refused,
                }
            }
            _ => refused,
        },
        // A drawn signature is not a form value; a signature field
        // without a signature dictionary is an empty one.
        FieldKind::Signature => match field.kind {
            PdfFieldType::Signature => ok(Some(FieldValue::Bool(false))),
            _ => refused,
        },
        FieldKind::Choice => {
            if off || text.trim().is_empty() {
                ok(None)
            } else {
                let t = fold_label(&text);
                match spec
                    .options
                    .iter()
                    .find(|o| fold_label(&o.value) == t || fold_label(&o.label) == t)
                {
                    Some(o) => ok(Some(FieldValue::Text(o.value.clone()))),
                    None => refused,
                }
            }
        }
        // Text answers come from text or list fields, never from a button.
        _ if field.kind == PdfFieldType::Button || is_name => refused,
        kind => ok(normalize(kind, &text)),
    })
}

/// The readings of the template's fields that the PDFs' fields give, by
/// key (the first file that has a value for a key wins).
pub fn readings(fields: &[PdfField], form: &FormTemplate) -> BTreeMap<String, FieldReading> {
    let mut out = BTreeMap::new();
    for f in fields {
        let Some(spec) = template_key(f, form) else {
            continue;
        };
        if out.contains_key(&spec.key) {
            continue;
        }
        if let Some(r) = field_reading(spec, f) {
            out.insert(spec.key.clone(), r);
        }
    }
    out
}

// ------------------------------------------------------------ text layer

type Matrix = [f32; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` (apply `a`, then `b`).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn num(o: &Object) -> Option<f32> {
    o.as_float().ok().filter(|v| v.is_finite())
}

fn nums<const N: usize>(ops: &[Object]) -> Option<[f32; N]> {
    let mut out = [0.0; N];
    if ops.len() < N {
        return None;
    }
    for (o, v) in ops[ops.len() - N..].iter().zip(out.iter_mut()) {
        *v = num(o)?;
    }
    Some(out)
}

/// A page font: how to decode its strings and how wide its glyphs are.
struct PdfFont<'a> {
    encoding: Option<Encoding<'a>>,
    two_byte: bool,
    first_char: i64,
    widths: Vec<f32>,
}

impl PdfFont<'_> {
    fn load<'a>(doc: &'a Document, dict: &'a Dictionary) -> PdfFont<'a> {
        let composite = dict.get(b"Subtype").ok().and_then(|o| o.as_name().ok()) == Some(b"Type0");
        let has_to_unicode = dict.has(b"ToUnicode");
        let encoding = if composite && !has_to_unicode {
            None
        } else {
            dict.get_font_encoding_with_limit(doc, 4 << 20).ok()
        };
        let first_char = dict
            .get(b"FirstChar")
            .ok()
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(0);
        let widths = dict
            .get(b"Widths")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_array().ok())
            .map(|a| a.iter().map(|w| num(w).unwrap_or(550.0)).collect())
            .unwrap_or_default();
        PdfFont {
            encoding,
            two_byte: composite,
            first_char,
            widths,
        }
    }

    /// Width of a code, in thousandths of an em.
    fn width(&self, code: u32) -> f32 {
        let i = code as i64 - self.first_char;
        if i >= 0 {
            if let Some(w) = self.widths.get(i as usize) {
                return *w;
            }
        }
        550.0
    }

    fn codes(&self, bytes: &[u8]) -> Vec<u32> {
        if self.two_byte {
            bytes
                .chunks(2)
                .map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0)))
                .collect()
        } else {
            bytes.iter().map(|&b| u32::from(b)).collect()
        }
    }
}

/// Text state of the content stream.
#[derive(Clone)]
struct TextState {
    tm: Matrix,
    tlm: Matrix,
    font: Vec<u8>,
    size: f32,
    char_space: f32,
    word_space: f32,
    scale: f32,
    leading: f32,
    rise: f32,
    mode: i64,
}

/// Reads a page's text runs and ink.
pub fn page_layer(doc: &Document, page_id: ObjectId, max_bytes: usize) -> PdfPage {
    let (x0, top, w, h) = media_box(doc, page_id).unwrap_or((0.0, 842.0, 595.0, 842.0));
    let mut out = PdfPage {
        width_mm: w * MM_PER_PT,
        height_mm: h * MM_PER_PT,
        ..PdfPage::default()
    };
    let Ok(bytes) = doc.get_page_content_with_limit(page_id, max_bytes) else {
        return out;
    };
    let Ok(content) = Content::decode(&bytes) else {
        return out;
    };
    let fonts: BTreeMap<Vec<u8>, PdfFont> = doc
        .get_page_fonts(page_id)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, d)| (name, PdfFont::load(doc, d)))
        .collect();
    let images = image_names(doc, page_id);
    // PDF user space (points, y up) → mm from the top-left corner.
    let to_mm = |x: f32, y: f32| ((x - x0) * MM_PER_PT, (top - y) * MM_PER_PT);

    let mut ctm = IDENTITY;
    let mut stack: Vec<(Matrix, TextState)> = Vec::new();
    let mut ts = TextState {
        tm: IDENTITY,
        tlm: IDENTITY,
        font: Vec::new(),
        size: 0.0,
        char_space: 0.0,
        word_space: 0.0,
        scale: 1.0,
        leading: 0.0,
        rise: 0.0,
        mode: 0,
    };
    let mut path: Vec<[f32; 4]> = Vec::new();
    let mut cur = (0.0f32, 0.0f32);
    let mut start = (0.0f32, 0.0f32);
    for op in content.operations.iter().take(MAX_OPERATIONS) {
        if out.runs.len() + out.ink.len() >= MAX_ITEMS {
            break;
        }
        let o = &op.operands;
        match op.operator.as_str() {
            "q" if stack.len() < 64 => stack.push((ctm, ts.clone())),
            "Q" => {
                if let Some((m, t)) = stack.pop() {
                    ctm = m;
                    ts.font = t.font;
                    ts.size = t.size;
                    ts.char_space = t.char_space;
                    ts.word_space = t.word_space;
                    ts.scale = t.scale;
                    ts.leading = t.leading;
                    ts.rise = t.rise;
                    ts.mode = t.mode;
                }
            }
            "cm" => {
                if let Some(m) = nums::<6>(o) {
                    ctm = mul(&m, &ctm);
                }
            }
            "BT" => {
                ts.tm = IDENTITY;
                ts.tlm = IDENTITY;
            }
            "Tf" => {
                if let (Some(n), Some(s)) = (
                    o.first().and_then(|n| n.as_name().ok()),
                    o.get(1).and_then(num),
                ) {
                    ts.font = n.to_vec();
                    ts.size = s;
                }
            }
            "Tc" => ts.char_space = o.first().and_then(num).unwrap_or(0.0),
            "Tw" => ts.word_space = o.first().and_then(num).unwrap_or(0.0),
            "Tz" => ts.scale = o.first().and_then(num).unwrap_or(100.0) / 100.0,
            "TL" => ts.leading = o.first().and_then(num).unwrap_or(0.0),
            "Ts" => ts.rise = o.first().and_then(num).unwrap_or(0.0),
            "Tr" => ts.mode = o.first().and_then(|v| v.as_i64().ok()).unwrap_or(0),
            "Tm" => {
                if let Some(m) = nums::<6>(o) {
                    ts.tm = m;
                    ts.tlm = m;
                }
            }
            "Td" | "TD" => {
                if let Some([tx, ty]) = nums::<2>(o) {
                    if op.operator == "TD" {
                        ts.leading = -ty;
                    }
                    ts.tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &ts.tlm);
                    ts.tm = ts.tlm;
                }
            }
            "T*" => {
                ts.tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -ts.leading], &ts.tlm);
                ts.tm = ts.tlm;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                if op.operator == "'" || op.operator == "\"" {
                    if op.operator == "\"" {
                        if let Some([aw, ac]) = o.get(..2).and_then(nums::<2>) {
                            ts.word_space = aw;
                            ts.char_space = ac;
                        }
                    }
                    ts.tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -ts.leading], &ts.tlm);
                    ts.tm = ts.tlm;
                }
                let parts: Vec<&Object> = match o.last() {
                    Some(Object::Array(a)) if op.operator == "TJ" => a.iter().collect(),
                    Some(s @ Object::String(..)) => vec![s],
                    _ => continue,
                };
                show_text(&mut out, &mut ts, &ctm, &fonts, &parts, &to_mm);
            }
            "m" => {
                if let Some([x, y]) = nums::<2>(o) {
                    cur = apply(&ctm, x, y);
                    start = cur;
                }
            }
            "l" => {
                if let Some([x, y]) = nums::<2>(o) {
                    let p = apply(&ctm, x, y);
                    path.push([cur.0, cur.1, p.0, p.1]);
                    cur = p;
                }
            }
            "c" | "v" | "y" => {
                let n = if op.operator == "c" { 6 } else { 4 };
                let v: Vec<f32> = o.iter().filter_map(num).collect();
                if v.len() == n {
                    let p = apply(&ctm, v[n - 2], v[n - 1]);
                    let c = apply(&ctm, v[0], v[1]);
                    path.push([cur.0, cur.1, c.0, c.1]);
                    path.push([c.0, c.1, p.0, p.1]);
                    cur = p;
                }
            }
            "h" => {
                path.push([cur.0, cur.1, start.0, start.1]);
                cur = start;
            }
            "re" => {
                if let Some([x, y, w, h]) = nums::<4>(o) {
                    let c: Vec<(f32, f32)> = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                        .iter()
                        .map(|&(a, b)| apply(&ctm, a, b))
                        .collect();
                    for i in 0..4 {
                        let (a, b) = (c[i], c[(i + 1) % 4]);
                        path.push([a.0, a.1, b.0, b.1]);
                    }
                    cur = c[0];
                    start = c[0];
                }
            }
            "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                for s in path.drain(..) {
                    let (a, b) = (to_mm(s[0], s[1]), to_mm(s[2], s[3]));
                    out.ink.push([a.0, a.1, b.0, b.1]);
                }
            }
            "n" => path.clear(),
            "Do" => {
                let is_image = o
                    .first()
                    .and_then(|n| n.as_name().ok())
                    .is_some_and(|n| images.contains(n));
                if is_image {
                    let c: Vec<(f32, f32)> = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
                        .iter()
                        .map(|&(a, b)| {
                            let p = apply(&ctm, a, b);
                            to_mm(p.0, p.1)
                        })
                        .collect();
                    // The outline and both diagonals: an image of a
                    // signature inside a box counts as ink there.
                    out.ink.push([c[0].0, c[0].1, c[2].0, c[2].1]);
                    out.ink.push([c[1].0, c[1].1, c[3].0, c[3].1]);
                }
            }
            _ => {}
        }
    }
    out
}

fn show_text(
    out: &mut PdfPage,
    ts: &mut TextState,
    ctm: &Matrix,
    fonts: &BTreeMap<Vec<u8>, PdfFont>,
    parts: &[&Object],
    to_mm: &dyn Fn(f32, f32) -> (f32, f32),
) {
    let font = fonts.get(&ts.font);
    let start = mul(&ts.tm, ctm);
    let mut text = String::new();
    let mut undecodable = false;
    for p in parts {
        match p {
            Object::String(bytes, _) => {
                let codes = font.map(|f| f.codes(bytes)).unwrap_or_default();
                match font.and_then(|f| f.encoding.as_ref()) {
                    Some(enc) => {
                        if let Ok(s) = enc.bytes_to_string(bytes) {
                            text.push_str(&s);
                        } else {
                            undecodable = true;
                        }
                    }
                    None => undecodable = true,
                }
                for c in codes {
                    let w0 = font.map_or(550.0, |f| f.width(c)) / 1000.0;
                    let space = if c == 32 && !font.is_some_and(|f| f.two_byte) {
                        ts.word_space
                    } else {
                        0.0
                    };
                    let tx = (w0 * ts.size + ts.char_space + space) * ts.scale;
                    ts.tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &ts.tm);
                }
            }
            other => {
                if let Some(n) = num(other) {
                    // A wide negative adjustment separates words.
                    if n < -250.0 && !text.ends_with(' ') {
                        text.push(' ');
                    }
                    let tx = -n / 1000.0 * ts.size * ts.scale;
                    ts.tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &ts.tm);
                }
            }
        }
    }
    if undecodable {
        out.undecodable += 1;
        return;
    }
    let end = mul(&ts.tm, ctm);
    let (sx, sy) = apply(&start, 0.0, ts.rise);
    let (ex, ey) = apply(&end, 0.0, ts.rise);
    let (x, y) = to_mm(sx, sy);
    let (x1, _) = to_mm(ex, ey);
    let size = ts.size * (start[2] * start[2] + start[3] * start[3]).sqrt() * MM_PER_PT;
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.trim().is_empty() || !x.is_finite() || !y.is_finite() {
        return;
    }
    out.runs.push(TextRun {
        x,
        y,
        w: (x1 - x).abs(),
        size: size.abs(),
        text,
        invisible: matches!(ts.mode, 3 | 7),
    });
}

/// Names of the page's image XObjects.
fn image_names(doc: &Document, page_id: ObjectId) -> HashSet<Vec<u8>> {
    let mut out = HashSet::new();
    let Ok((inline, ids)) = doc.get_page_resources(page_id) else {
        return out;
    };
    let dicts = inline
        .into_iter()
        .chain(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    for res in dicts {
        let Some(xo) = res
            .get(b"XObject")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            continue;
        };
        for (name, v) in xo.iter() {
            let image = doc
                .dereference(v)
                .ok()
                .and_then(|(_, o)| o.as_stream().ok())
                .is_some_and(|s| {
                    s.dict.get(b"Subtype").ok().and_then(|o| o.as_name().ok()) == Some(b"Image")
                });
            if image {
                out.insert(name.clone());
            }
        }
    }
    out
}

/// The MediaBox (x0, top, width, height) in points, following inheritance.
fn media_box(doc: &Document, page_id: ObjectId) -> Option<(f32, f32, f32, f32)> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..32 {
        if let Ok(mb) = node.get(b"MediaBox") {
            let arr = doc.dereference(mb).ok()?.1.as_array().ok()?;
            let v: Vec<f32> = arr.iter().filter_map(num).collect();
            let (a, b, c, d) = (*v.first()?, *v.get(1)?, *v.get(2)?, *v.get(3)?);
            let (w, h) = ((c - a).abs(), (d - b).abs());
            return (w >= 1.0 && h >= 1.0).then_some((a.min(c), b.max(d), w, h));
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

// ------------------------------------------------------------ form pages

fn compact(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The form page (1 or 2) that a text layer shows: the template's texts
/// printed on that page only (its `Page n/2` line, its section titles).
pub fn form_page(text: &str, form: &FormTemplate) -> Option<u8> {
    let t = compact(text);
    if t.is_empty() {
        return None;
    }
    let mut best = (0usize, None);
    for no in [1u8, 2] {
        let n = form
            .texts
            .iter()
            .filter(|s| s.pages == [no])
            .filter(|s| {
                let c = compact(&s.text);
                c.len() >= 6 && t.contains(&c)
            })
            .count();
        if n > best.0 {
            best = (n, Some(no));
        }
    }
    best.1
}

/// Whether the point (mm) lies inside `rect` shrunk by `inset` mm.
fn inside(rect: [f32; 4], inset: f32, x: f32, y: f32) -> bool {
    x >= rect[0] + inset && x <= rect[2] - inset && y >= rect[1] + inset && y <= rect[3] - inset
}

/// Whether something is drawn or written inside `rect` (mm).
fn marked(page: &PdfPage, rect: [f32; 4], inset: f32) -> bool {
    let runs = page
        .runs
        .iter()
        .filter(|r| !r.invisible)
        .any(|r| inside(rect, inset, r.x + r.w / 2.0, r.y - r.size * 0.3));
    runs || page.ink.iter().any(|s| {
        (0..=4).any(|i| {
            let t = i as f32 / 4.0;
            inside(
                rect,
                inset,
                s[0] + (s[2] - s[0]) * t,
                s[1] + (s[3] - s[1]) * t,
            )
        })
    })
}

/// The text written inside `rect` (mm), lines top to bottom.
pub fn text_in(page: &PdfPage, rect: [f32; 4]) -> String {
    let mut runs: Vec<&TextRun> = page
        .runs
        .iter()
        .filter(|r| !r.invisible)
        .filter(|r| inside(rect, -0.8, r.x + 0.2, r.y - r.size * 0.3))
        .collect();
    runs.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut lines: Vec<Vec<&TextRun>> = Vec::new();
    for r in runs {
        match lines.last_mut() {
            Some(l) if (l[0].y - r.y).abs() < r.size * 0.5 => l.push(r),
            _ => lines.push(vec![r]),
        }
    }
    let mut out = Vec::new();
    for mut l in lines {
        l.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut s = String::new();
        let mut end = f32::NEG_INFINITY;
        for r in l {
            if !s.is_empty() && r.x - end > r.size * 0.15 {
                s.push(' ');
            }
            s.push_str(&r.text);
            end = r.x + r.w;
        }
        out.push(s);
    }
    out.join(" ")
}

/// The analysis of a page read from its vector content: its kind from the
/// text layer, upright, nothing to deskew.
pub fn digital_analysis(image: &PageImage, page: &PdfPage) -> PageAnalysis {
    let kind = match page.form_page {
        Some(2) => PageKind::FormPage2,
        _ => PageKind::FormPage1,
    };
    PageAnalysis {
        kind,
        rotation: 0,
        frame: Frame::upright(image.image.width(), image.image.height()),
        ink_ratio: 0.05,
        has_id: false,
        has_ssn: false,
        proofs_not_separate: false,
        text: OcrText {
            text: page.text(false),
            confidence: 1.0,
            words: Vec::new(),
        },
        work_k: 1,
    }
}

/// Reads the fields of form page `page_no` from a page's text layer and
/// drawn strokes (a form filled in on the computer and printed to PDF):
/// the text inside each box, ticks and signature as anything drawn inside
/// theirs. Crops are cut from `image`, the page as rendered.
pub fn read_text_fields(
    image: &PageImage,
    page: &PdfPage,
    form: &FormTemplate,
    page_no: u8,
) -> BTreeMap<String, FieldRead> {
    // Template mm → page mm (a Letter page, a form saved at another size).
    let sx = page.width_mm / form.width_mm.max(1.0);
    let sy = page.height_mm / form.height_mm.max(1.0);
    let to_page = |r: [f32; 4]| [r[0] * sx, r[1] * sy, r[2] * sx, r[3] * sy];
    let mut out = BTreeMap::new();
    for f in form.fields.iter().filter(|f| f.page == page_no) {
        let rect = to_page(f.rect);
        let reading = match f.kind {
            FieldKind::Checkbox | FieldKind::Signature => {
                let inset = if f.kind == FieldKind::Checkbox {
                    0.6
                } else {
                    1.2
                };
                FieldReading {
                    value: Some(FieldValue::Bool(marked(page, rect, inset))),
                    confidence: TEXT_LAYER_CONFIDENCE,
                }
            }
            FieldKind::Choice => {
                let ticked: Vec<&str> = f
                    .options
                    .iter()
                    .filter(|o| marked(page, to_page(o.rect), 0.6))
                    .map(|o| o.value.as_str())
                    .collect();
                FieldReading {
                    value: ticked.first().map(|v| FieldValue::Text(v.to_string())),
                    confidence: if ticked.len() > 1 {
                        0.4
                    } else {
                        TEXT_LAYER_CONFIDENCE
                    },
                }
            }
            kind => FieldReading {
                value: normalize(kind, &text_in(page, rect)),
                confidence: TEXT_LAYER_CONFIDENCE,
            },
        };
        out.insert(
            f.key.clone(),
            FieldRead {
                reading,
                png: crop_png(image, page, rect),
                glyphs: None,
            },
        );
    }
    out
}

/// The PNG of a box (mm, with 1 mm around) cut from the rendered page.
fn crop_png(image: &PageImage, page: &PdfPage, rect: [f32; 4]) -> Vec<u8> {
    let img = &image.image;
    let kx = img.width() as f32 / page.width_mm.max(1.0);
    let ky = img.height() as f32 / page.height_mm.max(1.0);
    let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max.saturating_sub(1));
    let x0 = clamp((rect[0] - 1.0) * kx, img.width());
    let y0 = clamp((rect[1] - 1.0) * ky, img.height());
    let x1 = clamp((rect[2] + 1.0) * kx, img.width()).max(x0 + 1);
    let y1 = clamp((rect[3] + 1.0) * ky, img.height()).max(y0 + 1);
    let crop = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
    let mut out = Vec::new();
    let _ = crop.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

/// A plain drawing of a vector page when no renderer is at hand: its
/// strokes, and a grey bar where each visible text run stands.
pub fn sketch(page: &PdfPage, dpi: f32) -> GrayImage {
    let k = dpi / 25.4;
    let w = ((page.width_mm * k) as u32).clamp(1, 4000);
    let h = ((page.height_mm * k) as u32).clamp(1, 6000);
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    let mut dot = |x: f32, y: f32, g: u8| {
        if x >= 0.0 && y >= 0.0 && (x as u32) < w && (y as u32) < h {
            img.put_pixel(x as u32, y as u32, Luma([g]));
        }
    };
    for s in &page.ink {
        let n = ((s[2] - s[0]).hypot(s[3] - s[1]) * k).clamp(1.0, 5000.0) as usize;
        for i in 0..=n {
            let t = i as f32 / n as f32;
            dot(
                (s[0] + (s[2] - s[0]) * t) * k,
                (s[1] + (s[3] - s[1]) * t) * k,
                0,
            );
        }
    }
    for r in page.runs.iter().filter(|r| !r.invisible) {
        let (x0, x1) = (r.x * k, (r.x + r.w) * k);
        let (y0, y1) = ((r.y - r.size * 0.7) * k, r.y * k);
        let mut y = y0;
        while y <= y1 {
            let mut x = x0;
            while x <= x1 {
                dot(x, y, 120);
                x += 1.0;
            }
            y += 1.0;
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, label: Option<&str>, kind: PdfFieldType, value: PdfValue) -> PdfField {
        PdfField {
            name: name.into(),
            label: label.map(Into::into),
            kind,
            value,
        }
    }

    #[test]
    fn names_map_by_key_or_french_label() {
        let form = FormTemplate::default_v1();
        let key = |n: &str, l: Option<&str>| {
            template_key(&field(n, l, PdfFieldType::Text, PdfValue::Absent), &form)
                .map(|f| f.key.as_str())
        };
        assert_eq!(key("last_name", None), Some("last_name"));
        assert_eq!(key("identite.birth_name", None), Some("birth_name"));
        assert_eq!(key("champ12", Some("Nom de naissance")), Some("birth_name"));
        assert_eq!(key("champ13", Some("NOM (nom d'usage)")), Some("last_name"));
        assert_eq!(key("Prénoms*", None), Some("first_names"));
        assert_eq!(key("x", Some("date de naissance")), Some("birth_date"));
        assert_eq!(key("x", Some("COMMUNE")), Some("city"));
        assert_eq!(key("x", Some("Commune de naissance")), Some("birth_place"));
        assert_eq!(key("Texte1", None), None);
        assert_eq!(key("x", Some("")), None, "an empty label matches nothing");
    }

    #[test]
    fn values_are_normalised_or_refused() {
        let form = FormTemplate::default_v1();
        let read = |key: &str, kind: PdfFieldType, value: PdfValue| {
            field_reading(form.field(key).unwrap(), &field(key, None, kind, value))
        };
        let text = |s: &str| PdfValue::Text(s.into());
        let got = read("birth_date", PdfFieldType::Text, text("24/02/1984")).unwrap();
        assert_eq!(got.value, Some(FieldValue::Text("1984-02-24".into())));
        assert_eq!(got.confidence, 1.0);
        let got = read("nir", PdfFieldType::Text, text("2 69 06 24 322 843 14")).unwrap();
        assert_eq!(got.value, Some(FieldValue::Text("269062432284314".into())));
        let yes = read(
            "motive_other",
            PdfFieldType::Button,
            PdfValue::Name("Yes".into()),
        );
        assert_eq!(yes.unwrap().value, Some(FieldValue::Bool(true)));
        let off = read(
            "motive_other",
            PdfFieldType::Button,
            PdfValue::Name("Off".into()),
        );
        assert_eq!(off.unwrap().value, Some(FieldValue::Bool(false)));
        let civ = read(
            "civility",
            PdfFieldType::Button,
            PdfValue::Name("Madame".into()),
        );
        assert_eq!(civ.unwrap().value, Some(FieldValue::Text("madame".into())));
        assert!(read("last_name", PdfFieldType::Text, PdfValue::Absent).is_none());
        let refused =
            |r: Option<FieldReading>| r.is_some_and(|r| r.value.is_none() && r.confidence == 0.0);
        assert!(refused(read(
            "last_name",
            PdfFieldType::Text,
            text(&"A".repeat(500))
        )));
        assert!(refused(read(
            "last_name",
            PdfFieldType::Text,
            text("DUPONT\u{0}\u{7}")
        )));
        assert!(refused(read(
            "last_name",
            PdfFieldType::Button,
            PdfValue::Name("Yes".into())
        )));
        assert!(refused(read(
            "motive_other",
            PdfFieldType::Text,
            text("peut-être")
        )));
        assert!(refused(read(
            "civility",
            PdfFieldType::Text,
            text("Docteur")
        )));
        assert!(refused(read("email", PdfFieldType::Text, PdfValue::Other)));
    }

    #[test]
    fn form_pages_from_their_own_texts() {
        let form = FormTemplate::default_v1();
        let p1 = "FORMULAIRE DE DEMANDE DE VÉRIFICATION D'IDENTITÉ\nFormulaire Parcours Alternatif 1.0 – Page 1/2\n1. IDENTITÉ DU DEMANDEUR";
        assert_eq!(form_page(p1, &form), Some(1));
        let p2 = "Formulaire Parcours Alternatif 1.0 - Page 2/2 6. ENGAGEMENT";
        assert_eq!(form_page(p2, &form), Some(2));
        assert_eq!(form_page("Formulaire rempli a l'ordinateur", &form), None);
        assert_eq!(form_page("", &form), None);
    }
}
