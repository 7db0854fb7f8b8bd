//! Forms filled in on the computer: a fillable PDF's fields (AcroForm) and a
//! form printed to PDF (text layer, no page image), the proofs scanned in
//! the same file (`generate.py --digital acroform|text`); and PDFs whose
//! form fields or pages are wrong, built here with lopdf.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use lopdf::{dictionary, Document, Object, Stream, StringFormat};
use parcours_capture::pdf_fields::TEXT_LAYER_CONFIDENCE;
use parcours_capture::CaptureError;
use parcours_domain::checks::{check_case, CheckContext};
use parcours_domain::form::{FieldValue, FormTemplate};
use serde_json::Value;

/// Runs the generator with `--digital MODE`; the envelopes and their truths.
fn generate(dir: &Path, mode: &str, count: usize, seed: u64) -> Vec<(PathBuf, Value)> {
    crate::generate(dir, &["--digital", mode], count, seed);
    (1..=count)
        .map(|i| {
            let stem = dir.join(format!("env-{i:04}"));
            let truth = std::fs::read_to_string(stem.with_extension("expected.json")).unwrap();
            (
                stem.with_extension("pdf"),
                serde_json::from_str(&truth).unwrap(),
            )
        })
        .collect()
}

fn truth_value(truth: &Value, key: &str) -> Option<FieldValue> {
    match truth["fields"][key].get("value") {
        Some(Value::Bool(b)) => Some(FieldValue::Bool(*b)),
        Some(Value::String(s)) => Some(FieldValue::Text(s.clone())),
        _ => None,
    }
}

/// Reads every envelope of `mode` and checks values, confidences, page kinds
/// and checks against the truth; `sure` is the least confidence expected
/// of the fields the form gives.
fn read_digital(mode: &str, seed: u64, sure: f32) {
    let dir = tempfile::tempdir().unwrap();
    let form = FormTemplate::default_v1();
    for (pdf, truth) in generate(dir.path(), mode, 3, seed) {
        let name = pdf.file_name().unwrap().to_string_lossy().into_owned();
        let received =
            NaiveDate::parse_from_str(truth["received"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let env = parcours_capture::read_envelope(std::slice::from_ref(&pdf), &form, received)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let kinds: Vec<&str> = env.pages.iter().map(|p| p.kind.as_str()).collect();
        let want: Vec<&str> = truth["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, want, "{name}: every page's kind");
        for f in &form.fields {
            let r = &env.reading.fields[&f.key];
            let want = truth_value(&truth, &f.key);
            let got = r.value.clone().filter(|v| *v != FieldValue::Bool(false));
            let want = want.filter(|v| *v != FieldValue::Bool(false));
            assert_eq!(got, want, "{name} {}: the value as typed", f.key);
            // The signature is drawn in the page's content, not a form
            // value; an empty field has no value in the form either.
            let least = if f.key == "signature" || truth["fields"][&f.key].is_null() {
                TEXT_LAYER_CONFIDENCE
            } else {
                sure
            };
            assert!(
                r.confidence >= least,
                "{name} {}: confidence {} (a typed value is not an OCR guess)",
                f.key,
                r.confidence
            );
        }
        for p in env
            .pages
            .iter()
            .filter(|p| p.kind.as_str().starts_with("form"))
        {
            assert_eq!(p.ext, "png", "{name}: the form page is stored as rendered");
            assert!(p.width > 1000, "{name}: rendered at 150 dpi");
        }
        // The checks of SPEC §4 on this reading are the truth's, but for
        // what depends on reading the scanned proofs.
        let checks = check_case(
            &form,
            &env.reading,
            &CheckContext {
                received,
                confidence_threshold: 0.7,
                other_open_nirs: &[],
            },
        );
        let mrz_read = env
            .reading
            .id_document
            .as_ref()
            .is_some_and(|d| d.mrz_valid);
        let proof_nir = env
            .reading
            .ssn_proof
            .as_ref()
            .is_some_and(|s| s.nir.is_some());
        let keep = |code: &str| {
            !(matches!(
                code,
                "FIELD_UNCERTAIN" | "ID_MRZ_UNREADABLE" | "DUPLICATE_OPEN_CASE"
            ) || code.starts_with("ID_") && code != "ID_PROOF_MISSING" && !mrz_read
                || code == "SSN_PROOF_NIR_MISMATCH" && !proof_nir)
        };
        let got: BTreeSet<(String, Option<String>)> = checks
            .iter()
            .filter(|c| keep(c.code.as_str()))
            .map(|c| (c.code.as_str().to_string(), c.field.clone()))
            .collect();
        let want: BTreeSet<(String, Option<String>)> = truth["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| keep(c["code"].as_str().unwrap()))
            .map(|c| {
                (
                    c["code"].as_str().unwrap().to_string(),
                    c["field"].as_str().map(String::from),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}: the checks of the typed values");
        let uncertain: Vec<_> = checks
            .iter()
            .filter(|c| c.code.as_str() == "FIELD_UNCERTAIN")
            .collect();
        assert!(
            uncertain.is_empty(),
            "{name}: nothing typed is sent to review as uncertain: {uncertain:?}"
        );
    }
}

#[test]
fn a_fillable_form_is_read_from_its_fields() {
    read_digital("acroform", 9301, 1.0);
}

#[test]
fn a_form_printed_to_pdf_is_read_from_its_text() {
    read_digital("text", 9302, TEXT_LAYER_CONFIDENCE);
}

// ------------------------------------------------------------ built here

fn text(s: &str) -> Object {
    Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
}

/// A PDF of one vector page showing form page 1's title lines, with these
/// AcroForm fields, and an optional second page with nothing on it.
fn form_pdf(fields: Vec<lopdf::Dictionary>, empty_second_page: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let content =
        b"BT /F1 13 Tf 100 780 Td (FORMULAIRE DE DEMANDE DE V\xc9RIFICATION D'IDENTIT\xc9) Tj ET \
BT /F1 8 Tf 200 742 Td (Formulaire Parcours Alternatif 1.0 \x97 Page 1/2) Tj ET \
BT /F1 10 Tf 42 717 Td (1. IDENTIT\xc9 DU DEMANDEUR) Tj ET 0.7 w 226.8 624 326 25.5 re S"
            .to_vec();
    let c = doc.add_object(Stream::new(dictionary! {}, content));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "Contents" => c,
    });
    let mut kids = vec![Object::from(page)];
    if empty_second_page {
        let c = doc.add_object(Stream::new(dictionary! {}, Vec::new()));
        kids.push(
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Contents" => c,
            })
            .into(),
        );
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let mut refs = Vec::new();
    for mut f in fields {
        f.set("P", page);
        f.set("Rect", vec![0.into(), 0.into(), 10.into(), 10.into()]);
        refs.push(Object::from(doc.add_object(f)));
    }
    // A field whose kids hold itself: the walk must end.
    let cyclic = doc.new_object_id();
    doc.objects.insert(
        cyclic,
        Object::Dictionary(dictionary! { "T" => text("boucle"), "Kids" => vec![cyclic.into()] }),
    );
    refs.push(cyclic.into());
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id,
        "AcroForm" => dictionary! { "Fields" => refs },
    });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn wrong_form_values_are_refused_not_fatal() {
    let utf16 = |s: &str| {
        let mut b = vec![0xFE, 0xFF];
        b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(b, StringFormat::Hexadecimal)
    };
    let fields = vec![
        // Overlong.
        dictionary! { "FT" => "Tx", "T" => text("last_name"), "V" => text(&"A".repeat(5000)) },
        // A checkbox where a date is expected.
        dictionary! { "FT" => "Btn", "T" => text("birth_date"), "V" => "Yes" },
        // Control characters.
        dictionary! { "FT" => "Tx", "T" => text("email"), "V" => text("jo\u{1}@x.fr") },
        // An array for a text.
        dictionary! { "FT" => "Tx", "T" => text("nir"), "V" => vec![1.into(), 2.into()] },
        // An option the form does not have.
        dictionary! { "FT" => "Btn", "T" => text("civility"), "V" => "Docteur" },
        // Good ones: a tooltip in UTF-16, a PDFDocEncoding value.
        dictionary! { "FT" => "Tx", "T" => text("champ7"), "TU" => utf16("Prénoms"), "V" => utf16("Zoé Anaïs") },
        dictionary! { "FT" => "Tx", "T" => text("birth_name"),
        "V" => Object::String(b"L\xe9v\xeaque".to_vec(), StringFormat::Literal) },
    ];
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("formulaire.pdf");
    std::fs::write(&pdf, form_pdf(fields, false)).unwrap();
    let form = FormTemplate::default_v1();
    let on = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    let env = parcours_capture::read_envelope(std::slice::from_ref(&pdf), &form, on)
        .expect("a form with wrong values is read, not refused");
    assert_eq!(env.pages.len(), 1);
    assert_eq!(env.pages[0].kind.as_str(), "form_page_1");
    let f = &env.reading.fields;
    for key in ["last_name", "birth_date", "email", "nir", "civility"] {
        assert_eq!(
            f[key].value, None,
            "{key}: a value that is no answer is dropped"
        );
        assert_eq!(f[key].confidence, 0.0, "{key}: and sent to review");
    }
    assert_eq!(
        f["first_names"].value,
        Some(FieldValue::Text("ZOÉ ANAÏS".into())),
        "a field named by its French label, in UTF-16"
    );
    assert_eq!(
        f["birth_name"].value,
        Some(FieldValue::Text("LÉVÊQUE".into()))
    );
    let checks = check_case(
        &form,
        &env.reading,
        &CheckContext {
            received: on,
            confidence_threshold: 0.7,
            other_open_nirs: &[],
        },
    );
    let has = |code: &str, field: &str| {
        checks
            .iter()
            .any(|c| c.code.as_str() == code && c.field.as_deref() == Some(field))
    };
    assert!(has("FIELD_MISSING", "last_name") && has("FIELD_UNCERTAIN", "last_name"));
    assert!(has("FIELD_UNCERTAIN", "civility"));
    assert!(!has("FIELD_UNCERTAIN", "first_names"));
}

#[test]
fn a_page_with_neither_scan_nor_form_text_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("envoi.pdf");
    std::fs::write(&pdf, form_pdf(Vec::new(), true)).unwrap();
    let form = FormTemplate::default_v1();
    let on = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    let e = parcours_capture::read_envelope(std::slice::from_ref(&pdf), &form, on).unwrap_err();
    assert!(
        matches!(e, CaptureError::PageWithoutScan { page: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().starts_with("envoi.pdf, page 2 : "), "{e}");
    // A text-only page that is not the form: as before, nothing to read.
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bad/no-image.pdf");
    let e = parcours_capture::read_envelope(&[bad], &form, on).unwrap_err();
    assert!(matches!(e, CaptureError::NoPageImage { .. }), "{e}");
}
