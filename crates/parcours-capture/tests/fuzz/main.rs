//! Property tests of page extraction on hostile bytes: valid PDFs, PNGs,
//! JPEGs and TIFFs built here, and the files of `tests/fixtures/bad/`, with
//! bytes flipped, cut, repeated or inserted, must give pages or a
//! `CaptureError`, never a panic, and never a page outside the size limits.
//!
//! `load_pages_from_bytes` runs its decoders under `catch_unwind` as a last
//! guard; a panic caught there is still a decoder bug, so each case also
//! checks that no panic happened at all on this thread. Case counts are
//! modest (the whole binary takes seconds); `PROPTEST_CASES=5000` digs deeper.

use std::cell::Cell;
use std::io::Cursor;
use std::path::Path;
use std::sync::Once;

use image::{GrayImage, ImageFormat, Luma};
use parcours_capture::pages::{load_pages_from_bytes, MAX_SIDE};
use proptest::prelude::*;
use proptest::test_runner::Config;

thread_local! {
    /// Panics on this thread, caught or not, with the last message.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics per thread, quietly for the ones `load_pages` catches.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            default(info);
        }));
    });
}

fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

fn picture(w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        Luma([if (x / 7 + y / 5) % 3 == 0 {
            0
        } else {
            (x * 3 + y) as u8
        }])
    })
}

fn encode(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

fn tiff_two_pages() -> Vec<u8> {
    let g = picture(40, 56);
    let rgb: Vec<u8> = g.pixels().flat_map(|p| [p.0[0]; 3]).collect();
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
        enc.write_image::<tiff::encoder::colortype::Gray8>(40, 56, g.as_raw())
            .unwrap();
        enc.write_image::<tiff::encoder::colortype::RGB8>(40, 56, &rgb)
            .unwrap();
    }
    out.into_inner()
}

/// A two-page scanner PDF: a JPEG page and a Flate grey page.
fn pdf_two_pages() -> Vec<u8> {
    let g = picture(40, 56);
    let jpeg = encode(&g, ImageFormat::Jpeg);
    let flate = {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(g.as_raw()).unwrap();
        z.finish().unwrap()
    };
    let image = |filter: &str, data: &[u8]| {
        [
            format!(
                "<< /Type /XObject /Subtype /Image /Width 40 /Height 56 /ColorSpace \
                 /DeviceGray /BitsPerComponent 8 /Filter /{filter} /Length {} >>\nstream\n",
                data.len()
            )
            .into_bytes(),
            data.to_vec(),
            b"\nendstream".to_vec(),
        ]
        .concat()
    };
    let page = |image_obj: usize| {
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources \
             << /XObject << /Im0 {image_obj} 0 R >> >> /Contents 7 0 R >>"
        )
        .into_bytes()
    };
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>".to_vec(),
        page(5),
        page(6),
        image("DCTDecode", &jpeg),
        image("FlateDecode", &flate),
        b"<< /Length 30 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream".to_vec(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

/// The valid inputs that mutations start from, each with a file name.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let g = picture(40, 56);
    let seeds = vec![
        ("scan.png", encode(&g, ImageFormat::Png)),
        ("scan.jpg", encode(&g, ImageFormat::Jpeg)),
        ("scan.tiff", tiff_two_pages()),
        ("scan.pdf", pdf_two_pages()),
    ];
    for (name, bytes) in &seeds {
        let pages = load_pages_from_bytes(name, bytes)
            .unwrap_or_else(|e| panic!("the seed {name} is valid: {e}"));
        assert!(!pages.is_empty(), "{name}");
    }
    seeds
}

/// The hostile corpus, if the checkout has it.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bad");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| {
                        ["pdf", "png", "jpg", "tiff"].contains(&&*x.to_string_lossy())
                    })
                })
                .map(|p| {
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read(&p).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Set the byte at this fraction of the length.
    Set(f64, u8),
    /// Cut the file at this fraction.
    Truncate(f64),
    /// Repeat a slice (start fraction, length) in place.
    Repeat(f64, usize),
    /// Insert bytes at this fraction.
    Insert(f64, Vec<u8>),
    /// Write a big-endian u32 at this fraction (sizes, offsets, lengths).
    Word(f64, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let word = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0xFFFF),
        Just(0x7FFF_FFFF),
        Just(0xFFFF_FFFF),
        Just(15_000),
        Just(15_001),
        any::<u32>(),
    ];
    prop_oneof![
        8 => (0.0..1.0f64, any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
        1 => (0.0..1.0f64, 1usize..64).prop_map(|(at, n)| Mutation::Repeat(at, n)),
        1 => (0.0..1.0f64, prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
        2 => (0.0..1.0f64, word).prop_map(|(at, w)| Mutation::Word(at, w)),
    ]
}

fn mutate(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for m in mutations {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match m {
            Mutation::Set(f, v) if !b.is_empty() => {
                let i = at(*f, b.len() - 1);
                b[i] = *v;
            }
            Mutation::Truncate(f) => {
                let n = at(*f, b.len());
                b.truncate(n);
            }
            Mutation::Repeat(f, n) => {
                let i = at(*f, b.len());
                let end = (i + n).min(b.len());
                let slice = b[i..end].to_vec();
                b.splice(i..i, slice);
            }
            Mutation::Insert(f, v) => {
                let i = at(*f, b.len());
                b.splice(i..i, v.iter().copied());
            }
            Mutation::Word(f, w) if b.len() >= 4 => {
                let i = at(*f, b.len() - 4);
                b[i..i + 4].copy_from_slice(&w.to_be_bytes());
            }
            _ => {}
        }
    }
    b
}

/// The property: pages within the limits or an error, and no panic at all.
fn check(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    count_panics();
    let before = PANICS.with(Cell::get);
    let r = std::panic::catch_unwind(|| load_pages_from_bytes(name, bytes));
    let panics = PANICS.with(Cell::get) - before;
    let r = r.map_err(|_| TestCaseError::fail(format!("{name}: load_pages panicked")))?;
    prop_assert_eq!(
        panics,
        0,
        "{}: a decoder panicked (caught by load_pages, still a bug)",
        name
    );
    match r {
        Ok(pages) => {
            prop_assert!(!pages.is_empty(), "{}: Ok means at least one page", name);
            for p in &pages {
                let (w, h) = p.image.dimensions();
                prop_assert!(
                    w > 0 && h > 0 && u64::from(w.max(h)) <= MAX_SIDE,
                    "{}: {}×{}",
                    name,
                    w,
                    h
                );
                prop_assert!(!p.encoded.is_empty());
            }
        }
        Err(e) => {
            let msg = e.to_string();
            prop_assert!(
                msg.starts_with(name) || msg.starts_with("aucun fichier"),
                "the error names the file: {}",
                msg
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn mutated_scans_give_pages_or_errors(
        seed in 0usize..4,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let (name, bytes) = &seeds[seed];
        check(name, &mutate(bytes, &mutations))?;
    }

    #[test]
    fn mutated_hostile_files_give_errors_not_panics(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let corpus = corpus();
        if corpus.is_empty() {
            return Ok(());
        }
        let (name, bytes) = pick.get(&corpus);
        check(name, &mutate(bytes, &mutations))?;
    }

    #[test]
    fn random_bytes_behind_a_magic_number_give_errors(
        magic in prop::sample::select(vec![
            &b"%PDF-1.4\n"[..],
            &b"\x89PNG\r\n\x1a\n"[..],
            &b"\xFF\xD8\xFF"[..],
            &b"II*\0"[..],
            &b"MM\0*"[..],
        ]),
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        check("x", &[magic, &tail].concat())?;
    }
}

#[test]
fn the_panic_counter_sees_caught_panics() {
    count_panics();
    let before = PANICS.with(Cell::get);
    let _ = std::panic::catch_unwind(|| panic!("expected by this test"));
    assert_eq!(
        PANICS.with(Cell::get),
        before + 1,
        "otherwise `check` would miss the panics load_pages catches"
    );
}

#[test]
fn every_hostile_file_is_an_error_without_panic() {
    let corpus = corpus();
    for (name, bytes) in &corpus {
        check(name, bytes).unwrap_or_else(|e| panic!("{e}"));
        let r = load_pages_from_bytes(name, bytes);
        assert!(
            r.is_err() || name == "bad-startxref.pdf",
            "{name}: a corpus file is refused (only the broken xref is repaired)"
        );
    }
}
