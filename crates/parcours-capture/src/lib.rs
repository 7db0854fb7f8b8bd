//! Capture: from the scanner's files of one envelope to what they say.
//!
//! Pages come in as PDF page images, JPEG, PNG or multi-page TIFF
//! ([`pages`]); each page is classified, turned upright and deskewed
//! ([`page`]); form pages are registered against their drawn answer boxes
//! and every field of the [`FormTemplate`] is read with Tesseract
//! ([`form_read`]); identity and social-security proofs are read
//! ([`proofs`]). [`read_envelope`] does all of it, two pages at a time.
//! A form filled in on the computer is read from the PDF itself: its
//! fillable fields, or the text of its vector pages ([`pdf_fields`]).
//!
//! This crate only reads: it must not decide anything about a case (the
//! checks live in `parcours_domain::checks`) nor store anything (that is
//! `parcours-db`). It never panics on bad input: a broken file is a
//! [`CaptureError`]. Tesseract is slow with OpenMP on two cores: binaries
//! call [`ensure_single_thread_openmp`] first thing in `main`.

pub mod communes;
pub mod error;
pub mod form_read;
pub mod geom;
pub mod hand_digits;
pub mod hand_letters;
mod mend;
pub mod mrz_zone;
pub mod ocr;
pub mod ocrb;
pub mod ocrb_templates;
pub mod page;
pub mod pages;
pub mod pdf_fields;
pub mod proofs;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use parcours_domain::checks::{CaseReading, FieldReading, IdDocument, SsnProof};
use parcours_domain::form::FormTemplate;
use parcours_domain::PageKind;

pub use error::CaptureError;
pub use pages::{load_pages, PageImage};

/// Pages read at the same time.
pub const THREADS: usize = 2;

/// One page of the envelope, as stored.
#[derive(Debug, Clone)]
pub struct PageResult {
    /// 1-based position in the envelope (files in order, pages in order).
    pub index: usize,
    /// Kind of page.
    pub kind: PageKind,
    /// 0 or 180: how much the scan must be turned to be upright.
    pub rotation: u16,
    /// File name the page came from.
    pub source_file: String,
    /// 1-based page within that file.
    pub source_page: usize,
    /// Width of the scan, pixels.
    pub width: u32,
    /// Height of the scan, pixels.
    pub height: u32,
    /// The scan's bytes to store (JPEG as scanned, else PNG).
    pub encoded: Vec<u8>,
    /// Extension of `encoded`.
    pub ext: &'static str,
}

/// The picture of one answer box, for the clerk's review.
#[derive(Debug, Clone)]
pub struct FieldCrop {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// Index (1-based, as [`PageResult::index`]) of the page it comes from.
    pub page_index: usize,
}

/// Everything read from one envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The pages, in envelope order.
    pub pages: Vec<PageResult>,
    /// What was read, as the checks take it.
    pub reading: CaseReading,
    /// A crop per field key read from a form page.
    pub crops: BTreeMap<String, FieldCrop>,
}

/// Re-executes the current program with `OMP_THREAD_LIMIT=1` when it is not
/// set: Debian's Tesseract uses OpenMP, which runs about twice slower on two
/// cores, and the variable is read only when the process starts. Returns
/// (doing nothing) when the variable is set or the re-exec fails.
pub fn ensure_single_thread_openmp() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        if let Ok(exe) = std::env::current_exe() {
            // `exec` only returns on failure; then go on multi-threaded.
            let _ = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env("OMP_THREAD_LIMIT", "1")
                .exec();
        }
    }
}

/// What was read on one page.
struct PageOutcome {
    analysis: page::PageAnalysis,
    fields: Option<(u8, BTreeMap<String, form_read::FieldRead>)>,
    id: Option<IdDocument>,
    ssn: Option<SsnProof>,
}

fn read_page(
    p: &PageImage,
    pdf: Option<&pdf_fields::PdfPage>,
    form: &FormTemplate,
    on: NaiveDate,
) -> Result<PageOutcome, String> {
    // A form page filled in on the computer: read from its text layer.
    if let Some(d) = pdf.filter(|d| d.digital) {
        let analysis = pdf_fields::digital_analysis(p, d);
        let no = if analysis.kind == PageKind::FormPage2 {
            2
        } else {
            1
        };
        let fields = pdf_fields::read_text_fields(p, d, form, no);
        return Ok(PageOutcome {
            analysis,
            fields: Some((no, fields)),
            id: None,
            ssn: None,
        });
    }
    let mut analysis = page::analyze(p)?;
    // A scanner's OCR layer names the form page that the page's own OCR missed.
    if let Some(no) = pdf.and_then(|d| d.form_page) {
        if !matches!(analysis.kind, PageKind::FormPage1 | PageKind::FormPage2) {
            analysis.kind = if no == 2 {
                PageKind::FormPage2
            } else {
                PageKind::FormPage1
            };
        }
    }
    let mut out = PageOutcome {
        fields: None,
        id: None,
        ssn: None,
        analysis,
    };
    let a = &out.analysis;
    match a.kind {
        PageKind::FormPage1 | PageKind::FormPage2 => {
            let no = if a.kind == PageKind::FormPage1 { 1 } else { 2 };
            let (fields, _) = form_read::read_fields(p, a, form, no)?;
            out.fields = Some((no, fields));
            // A proof copied onto the form page: only what reads for sure
            // (an MRZ passing its check digits; a dark card with a NIR
            // passing its key, or a carte Vitale's words).
            out.id = proofs::read_id_on_form(p, a, on);
            let cards = proofs::read_cards(p, a);
            out.ssn = (cards.nir.is_some() || cards.vitale).then_some(SsnProof {
                kind: parcours_domain::SsnProofKind::CarteVitale,
                nir: cards.nir,
            });
            let a = &mut out.analysis;
            a.has_id = out.id.is_some();
            a.has_ssn = out.ssn.is_some();
            a.proofs_not_separate = a.has_id || a.has_ssn;
        }
        _ => {
            if a.kind == PageKind::IdProof {
                out.id = proofs::read_id(p, a, on);
            } else if a.kind == PageKind::Unknown
                || (a.kind == PageKind::SsnProof && mrz_zone::seen_in_text(a))
            {
                // A card lying askew can defeat the page's OCR, not its MRZ;
                // an ID beside a carte Vitale shows at least MRZ-like lines.
                if let Some(d) = proofs::read_id(p, a, on).filter(|d| d.mrz_valid) {
                    out.id = Some(d);
                    out.analysis.kind = PageKind::IdProof;
                    out.analysis.has_id = true;
                    out.analysis.proofs_not_separate = out.analysis.has_ssn;
                }
            }
            let a = &out.analysis;
            if a.kind == PageKind::SsnProof || a.has_ssn {
                out.ssn = Some(proofs::read_ssn(p, a));
            }
        }
    }
    Ok(out)
}

/// A page to read and where to send what was read.
type Job = Box<dyn FnOnce() + Send>;

/// The page readers: [`THREADS`] threads that live as long as the program,
/// so that each starts its Tesseract engines once (they are per thread, see
/// `ocr`) rather than once per envelope, and none is torn down while
/// another reads. Envelopes read at the same time share them.
fn readers() -> &'static Mutex<mpsc::Sender<Job>> {
    static READERS: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    READERS.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        for n in 0..THREADS {
            let receive = Arc::clone(&receive);
            // Without threads (none could start), pages are read by the caller.
            let _ = std::thread::Builder::new()
                .name(format!("page-reader-{n}"))
                .spawn(move || loop {
                    let job = match receive.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
        }
        Mutex::new(send)
    })
}

/// Reads every page on the page readers; the pages come back in order with
/// what was read on each.
#[allow(clippy::type_complexity)]
fn read_pages(
    images: Vec<(PageImage, Option<Arc<pdf_fields::PdfPage>>)>,
    form: &FormTemplate,
    on: NaiveDate,
) -> (Vec<PageImage>, Vec<Option<Result<PageOutcome, String>>>) {
    let n = images.len();
    let form = Arc::new(form.clone());
    let (done, finished) = mpsc::channel();
    let mut kept: Vec<Option<PageImage>> = (0..n).map(|_| None).collect();
    let readers = readers().lock().map(|s| s.clone());
    for (i, (p, pdf)) in images.into_iter().enumerate() {
        let (done, form) = (done.clone(), Arc::clone(&form));
        let job: Job = Box::new(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                read_page(&p, pdf.as_deref(), &form, on)
            }))
            .unwrap_or_else(|_| Err("erreur interne".to_string()));
            let _ = done.send((i, p, r));
        });
        match &readers {
            Ok(r) => {
                if let Err(mpsc::SendError(job)) = r.send(job) {
                    job();
                }
            }
            Err(_) => job(),
        }
    }
    drop(done);
    let mut results: Vec<Option<Result<PageOutcome, String>>> = (0..n).map(|_| None).collect();
    for (i, p, r) in finished {
        kept[i] = Some(p);
        results[i] = Some(r);
    }
    (kept.into_iter().flatten().collect(), results)
}

/// Reads one envelope: the pages of `files` in order, their kinds, the
/// form's fields (a field whose form page is absent has no value), the
/// identity document's MRZ and the social-security proof. `on` is the
/// receipt date (it chooses the century of the MRZ's two-digit years).
pub fn read_envelope(
    files: &[PathBuf],
    form: &FormTemplate,
    on: NaiveDate,
) -> Result<Envelope, CaptureError> {
    if files.is_empty() {
        return Err(CaptureError::NoFiles);
    }
    let mut images = Vec::new();
    let mut pdf_fields = Vec::new();
    for f in files {
        let loaded = pages::load_file(f, form)?;
        images.extend(loaded.pages.into_iter().map(|p| (p.image, p.pdf)));
        pdf_fields.extend(loaded.fields);
    }
    let (images, results) = read_pages(images, form, on);

    let mut outcomes = Vec::with_capacity(images.len());
    for (p, r) in images.iter().zip(results) {
        let r = r.unwrap_or_else(|| Err("page non traitée".to_string()));
        outcomes.push(r.map_err(|detail| CaptureError::Ocr {
            file: p.source_file.clone(),
            page: p.source_page,
            detail,
        })?);
    }

    let mut reading = CaseReading::default();
    let mut crops = BTreeMap::new();
    let mut pages = Vec::with_capacity(images.len());
    let mut ids: Vec<IdDocument> = Vec::new();
    let mut seen_form_page = [false; 3];
    let mut glyphs = BTreeMap::new();
    let mut id_texts: Vec<String> = Vec::new();
    for (i, (p, o)) in images.into_iter().zip(outcomes).enumerate() {
        let index = i + 1;
        let a = &o.analysis;
        match a.kind {
            PageKind::IdProof => reading.id_proof_pages += 1,
            PageKind::SsnProof => reading.ssn_proof_pages += 1,
            _ => {}
        }
        if a.kind == PageKind::IdProof {
            id_texts.push(a.text.text.clone());
        }
        let form_page = matches!(a.kind, PageKind::FormPage1 | PageKind::FormPage2);
        if (a.kind == PageKind::IdProof || form_page) && a.has_ssn {
            reading.ssn_proof_pages += 1;
        }
        if form_page && a.has_id {
            reading.id_proof_pages += 1;
        }
        reading.proofs_not_separate |= a.proofs_not_separate;
        if let Some((no, fields)) = o.fields {
            if !seen_form_page[no as usize] {
                seen_form_page[no as usize] = true;
                for (key, f) in fields {
                    if let Some(g) = f.glyphs {
                        glyphs.insert(key.clone(), g);
                    }
                    crops.insert(
                        key.clone(),
                        FieldCrop {
                            png: f.png,
                            page_index: index,
                        },
                    );
                    reading.fields.insert(key, f.reading);
                }
            }
        }
        if let Some(d) = o.id {
            ids.push(d);
        }
        if reading.ssn_proof.is_none()
            || reading.ssn_proof.as_ref().is_some_and(|s| s.nir.is_none())
        {
            if let Some(s) = o.ssn {
                reading.ssn_proof = Some(s);
            }
        }
        pages.push(PageResult {
            index,
            kind: a.kind,
            rotation: a.rotation,
            source_file: p.source_file,
            source_page: p.source_page,
            width: p.image.width(),
            height: p.image.height(),
            encoded: p.encoded,
            ext: p.ext,
        });
    }
    // A fillable form's values win over what its pages show (no OCR doubt).
    for (key, r) in pdf_fields::readings(&pdf_fields, form) {
        glyphs.remove(&key);
        reading.fields.insert(key, r);
    }
    // Fields of an absent form page: no value (nothing to be unsure about).
    for f in &form.fields {
        reading.fields.entry(f.key.clone()).or_insert(FieldReading {
            value: None,
            confidence: 1.0,
        });
    }
    reading.id_document = ids
        .iter()
        .find(|d| d.mrz_valid)
        .or_else(|| ids.first())
        .cloned();
    // An old French card's issue date may be printed on a back scanned as
    // a page of its own.
    if let Some(d) = reading.id_document.as_mut() {
        if d.kind == parcours_domain::DocumentKind::CniOld {
            if let Some(e) = id_texts
                .iter()
                .find_map(|t| proofs::cni_old_expiry_from_text(t, d.birth_date))
            {
                d.expiry_date = Some(e);
            }
        }
    }
    calibrate(&mut reading, &glyphs, form, on);
    Ok(Envelope {
        pages,
        reading,
        crops,
    })
}

/// Whether a handwritten NIR reading is `proof`'s with up to three digits
/// misread, dropped or added. Another person's number (a partner's proof)
/// differs by far more: sex, year, month, place, order and key.
fn misread_of(read: &str, proof: &str) -> bool {
    read != proof && communes::distance(read, proof) <= 3
}

/// Whether an address word names a kind of street (or is the `BIS` or `TER`
/// of a house number), one letter misread allowed.
fn street_word(w: &str) -> bool {
    const WORDS: [&str; 20] = [
        "RUE",
        "AVENUE",
        "BOULEVARD",
        "PLACE",
        "IMPASSE",
        "ALLEE",
        "CHEMIN",
        "ROUTE",
        "QUAI",
        "COURS",
        "SQUARE",
        "RESIDENCE",
        "LOTISSEMENT",
        "PASSAGE",
        "VOIE",
        "SENTIER",
        "HAMEAU",
        "BIS",
        "TER",
        "CITE",
    ];
    let f = parcours_domain::values::fold_for_mrz(w);
    WORDS
        .iter()
        .any(|s| f == *s || (s.len() >= 5 && communes::near(&f, s).is_some_and(|d| d <= 1)))
}

/// Margin of the glyph reader's weakest digit over its next best from which
/// its reading is sure (every reading of seed 901 with a larger one was
/// right).
const HAND_MARGIN: f32 = 0.1;

/// Median likeness of a form's handwritten digits to the glyph reader's
/// templates from which the hand is one of their fonts' (seed 912: 5 % of
/// the fields under 0.88 with every font; 90 % under 0.91 with the fonts
/// the generator writes with left out).
const FAMILIAR_HAND: f32 = 0.88;

/// Confidence of a field that nothing confirms, on a form filled in by hand.
const HANDWRITTEN_CAP: f32 = 0.69;

/// `place` without the marks before and after its name, but a closing
/// bracket that one opened (`Saint-Denis (Réunion)`).
fn trim_marks(place: &str) -> String {
    let t = place.trim_start_matches(|c: char| !c.is_alphanumeric());
    let t = t.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    let t = match t.strip_suffix(')') {
        Some(open) if !open.contains('(') => open.trim_end_matches(|c: char| !c.is_alphanumeric()),
        _ => t,
    };
    if t.is_empty() { place } else { t }.to_string()
}

/// Whether the applicant was born abroad: the country read is another
/// country than France, or, without a country read, the NIR's department is
/// 99. Their birth place is then no French commune.
fn born_abroad(country: Option<&str>, nir: Option<&str>) -> bool {
    match country.and_then(communes::country) {
        Some((name, _)) => name != "France",
        None => nir.is_some_and(|n| n.get(5..7) == Some("99")),
    }
}

/// Sets the confidence of the form's text fields from what the whole
/// envelope says: Tesseract is confidently wrong on handwriting, so on a
/// form filled in by hand a value is trusted only when something confirms it
/// (the NIR's key; the MRZ's birth date and names; the glyph reader of
/// handwritten digits, whose reading replaces Tesseract's there); a value
/// read without the accents that the box shows, with a diacritic the French
/// model puts for one it lacks, or a date after the receipt date is never
/// trusted. Confidence only informs the clerk's review (`FIELD_UNCERTAIN`).
fn calibrate(
    reading: &mut CaseReading,
    glyphs: &BTreeMap<String, form_read::GlyphStats>,
    form: &FormTemplate,
    received: NaiveDate,
) {
    use parcours_domain::form::{FieldKind, FieldValue};
    use parcours_domain::values::fold_for_mrz;
    let (pairs, aligned) = glyphs
        .values()
        .fold((0, 0), |a, g| (a.0 + g.pairs, a.1 + g.aligned));
    let handwritten = pairs >= 8 && !form_read::on_one_baseline(pairs, aligned);
    let id = reading.id_document.clone().filter(|d| d.mrz_valid);
    // Whether the hand looks like the glyph reader's fonts (median of its
    // digit fields' likeness).
    let mut likeness: Vec<f32> = glyphs
        .values()
        .filter_map(|g| Some(g.hand.as_ref()?.1.likeness))
        .collect();
    likeness.sort_by(f32::total_cmp);
    let familiar = likeness
        .get(likeness.len() / 2)
        .is_some_and(|&l| l >= FAMILIAR_HAND);
    let text_of = |reading: &CaseReading, key: &str| match &reading.fields.get(key)?.value {
        Some(FieldValue::Text(t)) => Some(t.clone()),
        _ => None,
    };
    let born_abroad = born_abroad(
        text_of(reading, "birth_country").as_deref(),
        text_of(reading, "nir").as_deref(),
    );
    for f in &form.fields {
        let Some(g) = glyphs.get(&f.key) else {
            continue;
        };
        let (postcode, city) = (text_of(reading, "postcode"), text_of(reading, "city"));
        let (last, first) = (
            text_of(reading, "last_name"),
            text_of(reading, "first_names"),
        );
        let ssn_nir = reading.ssn_proof.as_ref().and_then(|s| s.nir.clone());
        let Some(r) = reading.fields.get_mut(&f.key) else {
            continue;
        };
        // The glyph reader of handwritten digits: its valid reading wins
        // over Tesseract's, and is sure when both agree or no other digit
        // came close; one that breaks the rules stands only against a
        // Tesseract reading that breaks them too.
        let mut hand_sure = false;
        if let (true, Some((hv, h)), true) = (handwritten, &g.hand, f.kind != FieldKind::Text) {
            let tess = match &r.value {
                Some(FieldValue::Text(t)) => Some(t.as_str()),
                _ => None,
            };
            let fits = tess.is_some_and(|t| form_read::fits(f.kind, t));
            if !familiar {
                // A hand unlike the templates' fonts: the glyph reader
                // only stands in for a reading that breaks the rules.
                if h.valid && !fits {
                    r.value = Some(FieldValue::Text(hv.clone()));
                    r.confidence = r.confidence.min(0.5);
                }
            } else if h.valid {
                hand_sure = tess == Some(hv.as_str()) || h.margin >= HAND_MARGIN;
                if tess != Some(hv.as_str()) {
                    r.value = Some(FieldValue::Text(hv.clone()));
                    r.confidence = 0.5;
                }
            } else if !fits {
                r.value = Some(FieldValue::Text(hv.clone()));
                r.confidence = r.confidence.min(0.5);
            }
        }
        // A handwritten NIR misread from the proof's (which passes its
        // key): the proof's, unsure, for the clerk to confirm on the crop.
        if let (true, FieldKind::Nir, Some(FieldValue::Text(v)), Some(p)) =
            (handwritten, f.kind, &r.value, &ssn_nir)
        {
            if misread_of(v, p) {
                r.value = Some(FieldValue::Text(p.clone()));
                r.confidence = r.confidence.min(0.5);
            }
        }
        // A handwritten house number, when the words after it name a street.
        if let (true, Some((number, h)), Some(FieldValue::Text(v))) =
            (handwritten, &g.hand, &r.value)
        {
            let words: Vec<&str> = v.split_whitespace().collect();
            if h.valid && words.len() >= 2 && words[0] != number && street_word(words[1]) {
                let rest = words[1..].join(" ");
                r.value = Some(FieldValue::Text(format!("{number} {rest}")));
            } else if h.valid && street_word(words[0]) && number.len() != words[0].chars().count() {
                // Tesseract lost the number (a lone "1" often goes): the
                // glyphs before the street's name are not its letters.
                r.value = Some(FieldValue::Text(format!("{number} {v}")));
            }
        }
        // Handwritten capitals, read glyph by glyph.
        if let (true, Some(letters)) = (handwritten, &g.letters) {
            hand_letters::mend(f.kind, &mut r.value, letters);
        }
        // A place neither starts nor ends with a mark: the box's edge or a
        // speck read as one (`(Lille`, `‘Grenoble`, `Fort-de-France.`).
        let place = matches!(
            f.key.as_str(),
            "city" | "signed_place" | "birth_place" | "birth_country"
        );
        if let (true, Some(FieldValue::Text(v))) = (place, &mut r.value) {
            *v = trim_marks(v);
        }
        // A place name: the nearest commune (among the postcode's for the
        // town and where the form was signed).
        let mut place_sure = false;
        if let Some(FieldValue::Text(v)) = &r.value {
            let c = communes::communes();
            // Forms are mostly signed where the applicant lives.
            let town = city
                .as_deref()
                .and_then(|t| c.nearest(t, postcode.as_deref()))
                .and_then(|(name, _)| Some((name, communes::near(v, name)?)));
            // Among all communes only by hand (typed, Tesseract's reading is
            // better than a guess: Milan is not Miélan).
            let anywhere = || handwritten.then(|| c.nearest(v, None)).flatten();
            let near = match f.key.as_str() {
                "city" => c.nearest(v, postcode.as_deref()),
                "signed_place" => town
                    .or_else(|| c.nearest(v, postcode.as_deref()))
                    .or_else(anywhere),
                "birth_place" if !born_abroad => anywhere(),
                "birth_country" => communes::country(v),
                _ => None,
            };
            // Typed, a country read with an accent its name lacks (`Francé`).
            let stray_accent = |name: &str| {
                let official: Vec<char> = name.to_uppercase().chars().collect();
                v.to_uppercase()
                    .chars()
                    .any(|c| !c.is_ascii() && !official.contains(&c))
            };
            match near {
                Some((name, d)) if handwritten => {
                    // The glyph reader sees accents that the marks count
                    // misses (touching their letter).
                    let written = if v.to_uppercase() == name.to_uppercase() {
                        v.to_uppercase()
                    } else {
                        communes::in_capitals(name, g.marks.max(form_read::expected_marks(v)))
                    };
                    // Sure when read exactly, unless accents are in question.
                    place_sure = d == 0 && written == *v && name.is_ascii();
                    r.value = Some(FieldValue::Text(written));
                }
                // Typed: Tesseract's accents and case are right; a letter
                // misread (`S0US`, `Boulog ne`) is mended, unsure.
                Some((name, d)) if d > 0 || (f.key == "birth_country" && stray_accent(name)) => {
                    let written = if v.chars().any(char::is_lowercase) {
                        name.to_string()
                    } else {
                        communes::in_capitals(name, if v.is_ascii() { 0 } else { usize::MAX })
                    };
                    r.value = Some(FieldValue::Text(written));
                    r.confidence = r.confidence.min(HANDWRITTEN_CAP);
                }
                _ => {}
            }
        }
        // By hand: a name a few letters from the MRZ's, an e-mail address
        // near the usual domains and the applicant's names (typed too when
        // Tesseract is unsure: `icolin` for lcolin).
        let unsure_email = f.key == "email" && r.confidence < 0.9;
        if let (true, Some(FieldValue::Text(v))) = (handwritten || unsure_email, &r.value) {
            let mended = match (f.key.as_str(), &id) {
                ("last_name" | "birth_name", Some(d)) => {
                    mend::name_from_mrz(v, &d.surname, d.name_truncated)
                }
                ("first_names", Some(d)) => {
                    mend::given_names_from_mrz(v, &d.given_names, d.name_truncated)
                }
                ("email", _) => {
                    let mut firsts: Vec<&str> = first.iter().flat_map(|f| f.split(' ')).collect();
                    firsts.extend(
                        id.iter()
                            .flat_map(|d| d.given_names.iter().map(String::as_str)),
                    );
                    mend::email(v, last.as_deref().unwrap_or_default(), &firsts)
                }
                _ => None,
            };
            if let Some(m) = mended {
                r.value = Some(FieldValue::Text(m));
                r.confidence = r.confidence.min(HANDWRITTEN_CAP);
            }
        }
        // A typed name read unsure one letter away from the MRZ's (`ANDRE`
        // for ANDREI), or one letter taken for another of its shape
        // (`LONESCU`): a misreading, not another name. Any other reading that
        // differs is left for the ID_NAME_MISMATCH check. The MRZ's name
        // stays unsure: the MRZ does not confirm what was taken from it.
        let mut from_mrz = false;
        if let (false, Some(d), Some(FieldValue::Text(v))) = (handwritten, &id, &r.value) {
            let mrz = match f.key.as_str() {
                "last_name" | "birth_name" => Some(d.surname.as_str()),
                "first_names" if !v.contains(' ') => d.given_names.first().map(String::as_str),
                _ => None,
            };
            // (A letter of another language's read with a French accent,
            // `FERNÉNDEZ` for FERNÁNDEZ, is one letter away too.)
            let near = mrz.filter(|m| {
                v.chars().all(char::is_alphabetic)
                    && (r.confidence < 0.7 && communes::near(v, m) == Some(1)
                        || mend::one_look_alike(v, m))
            });
            if let Some(written) = near.and_then(|m| mend::name_from_mrz(v, m, false)) {
                r.value = Some(FieldValue::Text(written));
                r.confidence = r.confidence.min(0.5);
                from_mrz = true;
            }
        }
        let Some(FieldValue::Text(v)) = &r.value else {
            continue;
        };
        let names_agree = |mrz: &str| {
            let (a, b) = (fold_for_mrz(v), fold_for_mrz(mrz));
            !a.is_empty() && a == b
        };
        let confirmed = !from_mrz
            && (hand_sure
                || place_sure
                || match (f.key.as_str(), f.kind) {
                    // The key passes by chance once in 97: only a confident reading
                    // (not one mended or read again to pass it) is confirmed by it.
                    (_, FieldKind::Nir) => {
                        parcours_domain::nir::parse(v).is_ok()
                            && (r.confidence >= 0.6 || ssn_nir.as_ref() == Some(v))
                    }
                    // Handwritten accents are often lost and the MRZ has none.
                    ("last_name" | "birth_name" | "first_names", _) if handwritten => false,
                    ("birth_date", _) => id.as_ref().is_some_and(|d| {
                        d.birth_date.is_some()
                            && NaiveDate::parse_from_str(v, "%Y-%m-%d").ok() == d.birth_date
                    }),
                    ("last_name" | "birth_name", _) => {
                        id.as_ref().is_some_and(|d| names_agree(&d.surname))
                    }
                    ("first_names", _) => id
                        .as_ref()
                        .is_some_and(|d| names_agree(&d.given_names.join(" "))),
                    _ => false,
                });
        let mut conf = r.confidence;
        if confirmed {
            conf = conf.max(0.9);
        } else if handwritten {
            conf = conf.min(HANDWRITTEN_CAP);
        }
        if matches!(f.kind, FieldKind::Name | FieldKind::Names | FieldKind::Text)
            && (g.marks > form_read::expected_marks(v)
                // What the French model reads for the diacritics it lacks
                // (ń, ã, û on a blurred scan).
                || v.contains(['ñ', 'Ñ', 'ä', 'Ä', 'ö', 'Ö', 'ü', 'Ü']))
        {
            conf = conf.min(0.5);
        }
        // A birth or signature date after the envelope came is misread.
        if f.kind == FieldKind::Date
            && NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok_and(|d| d > received)
        {
            conf = conf.min(0.5);
        }
        r.confidence = conf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_words_allow_one_letter_misread() {
        for w in ["RUE", "IMPASSE", "BOOLEVARD", "Résidence", "BIS", "ALLÉE"] {
            assert!(street_word(w), "{w}");
        }
        for w in ["RUF", "DE", "LOUIS", "PASTEUR", "29"] {
            assert!(!street_word(w), "{w}");
        }
    }

    #[test]
    fn born_abroad_by_the_country_else_the_nir() {
        // A misread country is still the country.
        assert!(born_abroad(Some("MAROG"), Some("185069912345678")));
        assert!(born_abroad(Some("COTE D'IVOIRE"), None));
        assert!(!born_abroad(Some("FRANCE"), Some("185069912345678")));
        // No country, or none that can be read: the NIR's department.
        assert!(born_abroad(None, Some("185069912345678")));
        assert!(born_abroad(Some("XQWZ"), Some("185069912345678")));
        assert!(!born_abroad(None, Some("185065912345678")));
        assert!(!born_abroad(None, None));
    }

    #[test]
    fn a_nir_a_few_digits_from_the_proofs_is_a_misreading() {
        // Read by hand on generated forms: three digits off, one dropped.
        assert!(misread_of("17301431381485", "173016311381685"));
        assert!(misread_of("401114116835422", "106111411835422"));
        assert!(!misread_of("173016311381685", "173016311381685"));
        // A partner's card: another sex, birth, place and order.
        assert!(!misread_of("173016311381685", "275029312304712"));
    }

    #[test]
    fn a_place_loses_the_marks_around_it() {
        assert_eq!(trim_marks("(Lille"), "Lille");
        assert_eq!(trim_marks("‘Grenoble"), "Grenoble");
        assert_eq!(trim_marks("Fort-de-France."), "Fort-de-France");
        assert_eq!(trim_marks("Lille)"), "Lille");
        assert_eq!(trim_marks("Saint-Denis (Réunion)"), "Saint-Denis (Réunion)");
        assert_eq!(trim_marks("L'Haÿ-les-Roses"), "L'Haÿ-les-Roses");
        assert_eq!(trim_marks("--"), "--");
    }
}
