//! Letters read back as a person and a scanner would: rendered at 150 dpi by
//! poppler (`pdftoppm`), the barcode decoded by zbar (`zbarimg`), the text
//! extracted by `pdftotext`. Needs poppler-utils and zbar-tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use parcours_domain::address::{self, PostalAddress, MAX_LINES, MAX_LINE_CHARS};
use parcours_domain::s10::S10;
use parcours_domain::Civility;
use parcours_letters::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const PT_PER_MM: f32 = 72.0 / 25.4;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn long_address() -> PostalAddress {
    address::build(
        Some(Civility::Madame),
        "Hélène Marie",
        "Lefèvre-Dupré",
        Some("Appartement 12, escalier B"),
        "14 boulevard du Maréchal de Lattre de Tassigny",
        "97110",
        "Pointe-à-Pitre",
    )
    .unwrap()
}

fn registered(serial: u32) -> RegisteredLetter {
    RegisteredLetter {
        reference: "PA-2026-000123".into(),
        s10: S10::new("RA", serial, "FR").unwrap(),
        civility: Some(Civility::Madame),
        address: long_address(),
        date: date(),
        activation_code: new_activation_code(&mut StdRng::seed_from_u64(serial.into())),
        sender: Sender::default(),
    }
}

fn complement(reasons: usize) -> ComplementLetter {
    ComplementLetter {
        reference: "PA-2026-000124".into(),
        civility: Some(Civility::Monsieur),
        address: address::build(
            Some(Civility::Monsieur),
            "Jean",
            "Martin",
            None,
            "3 avenue Foch",
            "69006",
            "Lyon",
        )
        .unwrap(),
        date: date(),
        reasons: (0..reasons)
            .map(|i| {
                format!(
                    "Motif n° {}: la copie de votre pièce d'identité est illisible.",
                    i + 1
                )
            })
            .collect(),
        sender: Sender::default(),
    }
}

fn rejection() -> RejectionLetter {
    RejectionLetter {
        reference: "PA-2026-000125".into(),
        civility: None,
        address: long_address(),
        date: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        reason: "Votre pièce d'identité était expirée à la réception du dossier.".into(),
        sender: Sender::default(),
    }
}

fn batch(n: u32) -> Batch {
    Batch {
        id: "2026-12-01-A".into(),
        date: date(),
        sender: Sender::default(),
        items: (0..n)
            .map(|i| SlipItem {
                s10: S10::new("RA", 20_000_000 + i, "FR").unwrap(),
                recipient: format!("MADAME MARIE DUPONT {i}"),
                postcode: "59000".into(),
                city: "LILLE".into(),
                reference: format!("PA-2026-{:06}", i + 1),
            })
            .collect(),
    }
}

/// Runs a poppler / zbar tool, failing with what to install when it is missing.
fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| {
        panic!("{cmd} is needed by these tests (apt-get install poppler-utils zbar-tools): {e}")
    });
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

struct Pdf {
    _dir: tempfile::TempDir,
    path: PathBuf,
    size: usize,
}

impl Pdf {
    fn new(bytes: Vec<u8>) -> Pdf {
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, &bytes).unwrap();
        Pdf {
            _dir: dir,
            path,
            size: bytes.len(),
        }
    }

    fn path(&self) -> &str {
        self.path.to_str().unwrap()
    }

    fn text(&self) -> String {
        run("pdftotext", &["-layout", self.path(), "-"])
    }

    /// The text inside a rectangle given in mm from the top-left corner.
    fn text_in(&self, page: usize, x: f32, y: f32, w: f32, h: f32) -> String {
        let page = page.to_string();
        let px = |mm: f32| ((mm * PT_PER_MM).round() as i32).to_string();
        run(
            "pdftotext",
            &[
                "-f",
                &page,
                "-l",
                &page,
                "-layout",
                "-x",
                &px(x),
                "-y",
                &px(y),
                "-W",
                &px(w),
                "-H",
                &px(h),
                self.path(),
                "-",
            ],
        )
    }

    fn pages(&self) -> usize {
        let info = run("pdfinfo", &[self.path()]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo tells the page count")
    }

    /// Page 1 at 150 dpi, as a cheap scanner would see it.
    fn png(&self) -> PathBuf {
        let prefix = self.path.with_extension("");
        run(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                self.path(),
                prefix.to_str().unwrap(),
            ],
        );
        prefix.with_extension("png")
    }

    /// Every barcode zbar reads on page 1 at 150 dpi.
    fn barcodes(&self) -> Vec<String> {
        let png = self.png();
        let out = Command::new("zbarimg")
            .args(["--raw", "-q", "-Sdisable", "-Scode128.enable"])
            .arg(&png)
            .output()
            .expect("zbarimg is needed by these tests (apt-get install zbar-tools)");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// The address block read back from the window area: the lines after the
/// barcode's number, if any.
fn window_lines(pdf: &Pdf, layout: &LetterLayout) -> Vec<String> {
    let text = pdf.text_in(
        1,
        layout.address_x_mm - 2.0,
        layout.address_y_mm - 2.0,
        90.0,
        45.0,
    );
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| S10::parse(l).is_err())
        .map(str::to_string)
        .collect()
}

fn assert_postal_block(lines: &[String], expected: &PostalAddress) {
    assert_eq!(
        lines, expected.lines,
        "the window shows the address block, line for line"
    );
    assert!(
        lines.len() <= MAX_LINES,
        "NF Z10-011: at most 6 lines: {lines:?}"
    );
    for l in lines {
        assert!(
            l.chars().count() <= MAX_LINE_CHARS,
            "NF Z10-011: at most 38 characters: {l:?}"
        );
    }
    let last = lines.last().unwrap();
    let (postcode, city) = last.split_once(' ').unwrap();
    assert!(
        postcode.len() == 5 && postcode.bytes().all(|b| b.is_ascii_digit()),
        "{last}"
    );
    assert!(
        city.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '),
        "the last line is POSTCODE CITY in capitals without punctuation or accents: {last:?}"
    );
}

#[test]
fn registered_letter_scans_and_reads_back() {
    let l = registered(12345678);
    let layout = LetterLayout::default();
    let pdf = Pdf::new(registered_letter(&l, &layout, &Templates::embedded()).unwrap());

    let codes = pdf.barcodes();
    assert_eq!(
        codes,
        vec!["RA123456785FR".to_string()],
        "one Code 128 barcode, read at 150 dpi"
    );
    let s10 = S10::parse(&codes[0]).expect("the barcode is an S10 number with a valid check digit");
    assert_eq!(s10, l.s10);

    assert_postal_block(&window_lines(&pdf, &layout), &l.address);

    let text = pdf.text();
    for expected in [
        "MCF – Service de vérification d'identité",
        "Libre réponse 78788",
        "59889 LILLE CEDEX 9",
        "Lille, le 1er décembre 2026",
        "PA-2026-000123",
        "RA 123 456 785 FR",
        "Objet : Votre code d'activation",
        l.activation_code.as_str(),
        "Le service de vérification d'identité",
    ] {
        assert!(text.contains(expected), "{expected:?} is printed:\n{text}");
    }
    assert!(
        text.contains('é') && text.contains("réception"),
        "accents print"
    );
    assert_eq!(pdf.pages(), 1, "the registered letter fits on one page");
    assert!(
        pdf.size < 60_000,
        "a letter is {} bytes; fonts must be subset",
        pdf.size
    );
}

/// Where `word` is printed on page 1: its left edge and top, mm.
fn word_position(pdf: &Pdf, word: &str) -> (f32, f32) {
    let html = run(
        "pdftotext",
        &["-bbox", "-f", "1", "-l", "1", pdf.path(), "-"],
    );
    let attr = |line: &str, name: &str| -> f32 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + line[start..].find('"').unwrap();
        line[start..end].parse::<f32>().unwrap() / PT_PER_MM
    };
    html.lines()
        .find(|l| l.contains(&format!(">{word}</word>")))
        .map(|l| (attr(l, "xMin"), attr(l, "yMin")))
        .unwrap_or_else(|| panic!("{word} is printed"))
}

#[test]
fn address_block_follows_the_layout_setting() {
    let l = registered(1);
    for layout in [
        LetterLayout::default(),
        LetterLayout {
            address_x_mm: 95.0,
            address_y_mm: 42.0,
        },
    ] {
        let pdf = Pdf::new(registered_letter(&l, &layout, &Templates::embedded()).unwrap());
        assert_postal_block(&window_lines(&pdf, &layout), &l.address);
        let (x, y) = word_position(&pdf, "MADAME");
        assert!(
            (x - layout.address_x_mm).abs() < 0.5,
            "block starts at the set x: {x}"
        );
        assert!(
            y > layout.address_y_mm + 10.0 && y < layout.address_y_mm + 20.0,
            "the address is under the barcode, near the set y: {y}"
        );
        let (_, bottom) = word_position(&pdf, "POINTE");
        assert!(
            bottom + 4.0 < layout.address_y_mm + 45.0,
            "the whole block fits in a 45 mm window: last line at {bottom}"
        );
        assert_eq!(pdf.barcodes(), vec!["RA000000014FR".to_string()]);
    }
}

#[test]
fn complement_letter_lists_every_reason() {
    let l = complement(3);
    let layout = LetterLayout::default();
    let pdf = Pdf::new(complement_letter(&l, &layout, &Templates::embedded()).unwrap());
    let text = pdf.text();
    assert!(
        text.contains("Objet : Demande de complément – dossier n° PA-2026-000124"),
        "{text}"
    );
    assert!(
        text.contains("Monsieur,"),
        "salutation from the civility:\n{text}"
    );
    assert!(text.contains("les raisons suivantes"), "{text}");
    for r in &l.reasons {
        assert!(text.contains(r.as_str()), "{r:?} is listed:\n{text}");
    }
    assert!(
        pdf.barcodes().is_empty(),
        "an ordinary letter has no registered barcode"
    );
    assert_postal_block(&window_lines(&pdf, &layout), &l.address);
    assert!(pdf.size < 60_000, "{} bytes", pdf.size);
}

#[test]
fn long_complement_letter_flows_onto_a_second_page() {
    let l = complement(40);
    let pdf =
        Pdf::new(complement_letter(&l, &LetterLayout::default(), &Templates::embedded()).unwrap());
    assert!(pdf.pages() >= 2, "40 reasons do not fit on one page");
    let text = pdf.text();
    assert!(
        text.contains("page 1/") && text.contains("(suite)"),
        "{text}"
    );
    assert!(text.contains("Motif n° 40:"), "no reason is lost");
}

#[test]
fn rejection_letter_gives_the_reason() {
    let l = rejection();
    let layout = LetterLayout::default();
    let pdf = Pdf::new(rejection_letter(&l, &layout, &Templates::embedded()).unwrap());
    let text = pdf.text();
    assert!(text.contains(l.reason.as_str()), "{text}");
    assert!(text.contains("Madame, Monsieur,"), "no civility: both");
    assert!(text.contains("Lille, le 3 décembre 2026"), "{text}");
    assert_postal_block(&window_lines(&pdf, &layout), &l.address);
    assert!(pdf.size < 60_000, "{} bytes", pdf.size);
}

#[test]
fn slip_of_120_letters_has_pages_and_totals() {
    let b = batch(120);
    let pdf = Pdf::new(deposit_slip(&b).unwrap());
    let pages = pdf.pages();
    assert!(
        pages >= 4,
        "120 letters at {SLIP_ROWS_PER_PAGE} a page: {pages} pages"
    );
    let text = pdf.text();
    for item in &b.items {
        assert!(
            text.contains(&item.s10.formatted()),
            "{} is listed",
            item.s10
        );
    }
    assert!(text.contains("Total : 120 lettres recommandées"), "{text}");
    assert!(
        text.contains(&format!("Bordereau de {pages} pages")),
        "{text}"
    );
    for p in 1..=pages {
        let page = pdf.text_in(p, 0.0, 0.0, 210.0, 60.0);
        assert!(
            page.contains("Bordereau de dépôt"),
            "header repeated on page {p}"
        );
        assert!(
            page.replace(' ', "").contains(&format!("Page{p}/{pages}")),
            "page {p} numbered:\n{page}"
        );
        assert!(page.contains("2026-12-01-A") && page.contains("1er décembre 2026"));
    }
    assert!(
        text.contains("Cachet du bureau et signature"),
        "signature box"
    );
}

#[test]
fn short_slip_is_one_page() {
    let pdf = Pdf::new(deposit_slip(&batch(3)).unwrap());
    assert_eq!(pdf.pages(), 1);
    assert!(pdf.text().contains("Total : 3 lettres recommandées"));
}

#[test]
fn empty_batch_has_no_slip() {
    assert!(matches!(
        deposit_slip(&batch(0)),
        Err(LetterError::EmptyBatch { .. })
    ));
}

#[test]
fn combine_makes_one_print_run() {
    let (r1, r2, c, j, b) = (
        registered(5),
        registered(6),
        complement(2),
        rejection(),
        batch(10),
    );
    let docs = [
        Printable::Registered(&r1),
        Printable::Registered(&r2),
        Printable::Complement(&c),
        Printable::Rejection(&j),
        Printable::DepositSlip(&b),
    ];
    let pdf = Pdf::new(combine(&docs, &LetterLayout::default(), &Templates::embedded()).unwrap());
    assert_eq!(pdf.pages(), 5);
    let text = pdf.text();
    for s in [&r1.s10, &r2.s10] {
        assert!(text.contains(&s.formatted()));
    }
    assert!(text.contains("Demande de complément") && text.contains("Bordereau de dépôt"));
    assert!(
        pdf.size < 80_000,
        "fonts are shared by the run: {} bytes",
        pdf.size
    );
}

#[test]
fn templates_from_a_folder_change_the_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rejection_letter.j2"),
        "Objet : Texte modifié\n\n{{ salutation }},\n\nMotif : {{ reason }}\n",
    )
    .unwrap();
    let templates = Templates::from_dir(dir.path()).unwrap();
    let pdf =
        Pdf::new(rejection_letter(&rejection(), &LetterLayout::default(), &templates).unwrap());
    let text = pdf.text();
    assert!(text.contains("Objet : Texte modifié"), "{text}");
    let other =
        Pdf::new(registered_letter(&registered(9), &LetterLayout::default(), &templates).unwrap());
    assert!(
        other.text().contains("code d'activation"),
        "other letters keep the default"
    );
}

#[test]
fn repository_templates_are_the_embedded_ones() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/letters");
    let from_dir = Templates::from_dir(&dir).unwrap();
    let l = registered(7);
    let a = registered_letter(&l, &LetterLayout::default(), &from_dir).unwrap();
    let b = registered_letter(&l, &LetterLayout::default(), &Templates::embedded()).unwrap();
    assert_eq!(Pdf::new(a).text(), Pdf::new(b).text());
}

#[test]
fn activation_code_hash_matches_what_is_printed() {
    let l = registered(8);
    let pdf =
        Pdf::new(registered_letter(&l, &LetterLayout::default(), &Templates::embedded()).unwrap());
    let text = pdf.text();
    let printed = text
        .split_whitespace()
        .find(|w| w.len() == 19 && w.matches('-').count() == 3)
        .expect("the code is printed in 4 groups");
    assert_eq!(
        hash_activation_code(printed),
        hash_activation_code(&l.activation_code)
    );
    assert!(
        !text.contains(&hash_activation_code(&l.activation_code)),
        "the hash is not printed"
    );
}
