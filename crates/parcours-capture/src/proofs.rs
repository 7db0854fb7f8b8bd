//! Proofs (SPEC §3): the MRZ of an identity document and the NIR of a
//! social-security proof.
//!
//! The MRZ is located, deskewed and read line by line by
//! [`crate::mrz_zone`] (OCR-B templates, Tesseract as the alternative);
//! the old reading of the whole band as one block is the last resort.
//! `parcours_domain::mrz::read` repairs what the check digits allow.

use chrono::{Datelike, Months, NaiveDate};
use parcours_domain::checks::{IdDocument, SsnProof};
use parcours_domain::{mrz, nir, DocumentKind, SsnProofKind};

use crate::geom::{self, Frame};
use crate::ocr::{self, Lang, OcrOptions, OcrText, PageSegMode, Rect, MRZ_CHARS};
use crate::page::{fold, PageAnalysis};
use crate::pages::PageImage;

/// The first NIR of the text that passes its key, normalised.
pub fn find_valid_nir(text: &str) -> Option<String> {
    find_nir(text).filter(|n| nir::parse(n).is_ok())
}

/// Whether an OCR line is an MRZ line (fillers, or one token as long as an
/// MRZ line's fields): its digits are dates and numbers, never a NIR.
fn mrz_like(line: &str) -> bool {
    line.contains('<') || line.split_whitespace().any(|w| w.chars().count() >= 25)
}

/// The first valid NIR (by its key) in the text, normalised; else the first
/// NIR-shaped candidate. A NIR stands alone on its line: runs of digits
/// much longer than one (an MRZ, a reference number) are not searched, or
/// one window in 97 would pass the key by chance; nor are digits glued to
/// a word (a document number `DX1338097`), nor digits whose spaces are not
/// where a NIR's groups end (`1 71 07 59 350 123 45`; one stray space
/// allowed): a number and a date side by side are not a NIR.
pub fn find_nir(text: &str) -> Option<String> {
    // Where the groups of a printed NIR end.
    const GROUP_ENDS: [usize; 6] = [1, 3, 5, 7, 10, 13];
    let mut shaped = None;
    for line in text.lines().filter(|l| !mrz_like(l)) {
        // Runs of digits, spaces and the Corsican A/B, with OCR confusions
        // fixed: each run's characters, where its spaces fall, and whether
        // it starts glued to a word.
        let mut runs: Vec<(Vec<char>, Vec<usize>, bool)> = Vec::new();
        let mut cur: (Vec<char>, Vec<usize>, bool) = (Vec::new(), Vec::new(), false);
        let mut prev = ' ';
        for c in line.chars() {
            let c = match c {
                'O' | 'o' => '0',
                'I' | 'l' | '|' => '1',
                c => c,
            };
            if c.is_ascii_digit() || c == 'A' || c == 'B' {
                if cur.0.is_empty() {
                    cur.2 = prev.is_alphabetic();
                }
                cur.0.push(c);
            } else if c == ' ' || c == '.' {
                if !cur.0.is_empty() && cur.1.last() != Some(&cur.0.len()) {
                    cur.1.push(cur.0.len());
                }
            } else if !cur.0.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
            prev = c;
        }
        if !cur.0.is_empty() {
            runs.push(cur);
        }
        for (b, spaces, glued) in runs {
            if !(15..=17).contains(&b.len()) {
                continue;
            }
            for start in 0..=b.len() - 15 {
                if start == 0 && glued || !matches!(b[start], '1' | '2' | '3' | '4' | '7' | '8') {
                    continue;
                }
                let stray = spaces
                    .iter()
                    .filter(|&&p| p > start && p < start + 15)
                    .filter(|&&p| !GROUP_ENDS.contains(&(p - start)))
                    .count();
                if stray > 1 {
                    continue;
                }
                let cand: String = b[start..start + 15].iter().collect();
                if nir::parse(&cand).is_ok() {
                    return Some(cand);
                }
                if shaped.is_none() && cand[..5].bytes().all(|c| c.is_ascii_digit()) {
                    shaped = Some(cand);
                }
            }
        }
    }
    shaped
}

/// Reads the social-security proof of a page: a NIR that passes its key in
/// the classification OCR, else in its lines that hold many digits read
/// again at ~300 dpi, else on a dark card of the page read on its own
/// ([`card_nir`]). A number that fails its key is not taken: it is a
/// misreading far more often than a wrong number on the proof.
pub fn read_ssn(page: &PageImage, a: &PageAnalysis) -> SsnProof {
    let f = fold(&a.text.text);
    let kind = if f.contains("ATTESTATION") || f.split_whitespace().count() > 60 {
        SsnProofKind::Attestation
    } else {
        SsnProofKind::CarteVitale
    };
    let k = a.work_k as f32;
    let nir = find_valid_nir(&a.text.text)
        .or_else(|| {
            digit_lines(&a.text)
                .into_iter()
                .find_map(|(x0, y0, x1, y1)| {
                    reread_line(page, &page.image, a, (x0 * k, y0 * k, x1 * k, y1 * k))
                })
        })
        .or_else(|| card_nir(page, a));
    SsnProof { kind, nir }
}

/// The boxes `(x0, y0, x1, y1)` of the OCR's lines that may hold a NIR
/// (9 digits or more, not an MRZ line), in the OCR's pixels.
fn digit_lines(t: &OcrText) -> Vec<(f32, f32, f32, f32)> {
    t.lines()
        .into_iter()
        .filter(|line| {
            let words: Vec<&str> = line.iter().map(|w| w.text.as_str()).collect();
            let digits = words
                .iter()
                .flat_map(|w| w.chars())
                .filter(char::is_ascii_digit)
                .count();
            digits >= 9 && !mrz_like(&words.join(" "))
        })
        .map(|line| {
            let x0 = line.iter().map(|w| w.rect.x).min().unwrap_or(0) as f32;
            let y0 = line.iter().map(|w| w.rect.y).min().unwrap_or(0) as f32;
            let x1 = line.iter().map(|w| w.rect.x + w.rect.w).max().unwrap_or(0) as f32;
            let y1 = line.iter().map(|w| w.rect.y + w.rect.h).max().unwrap_or(0) as f32;
            (x0, y0, x1, y1)
        })
        .collect()
}

/// Reads again at ~300 dpi the line whose words' box is `(x0, y0, x1, y1)`
/// (upright full-resolution pixels), widened by a few characters each side
/// (its first or last group may have been lost), from `src` (the page's
/// image or a cleaned copy), flattened tile by tile:
/// with a digits-only whitelist, then without. A NIR that passes its key.
fn reread_line(
    page: &PageImage,
    src: &image::GrayImage,
    a: &PageAnalysis,
    b: (f32, f32, f32, f32),
) -> Option<String> {
    let mm = page.dpi / 25.4;
    let scale = (300.0 / page.dpi).clamp(1.0, 2.0);
    let (frame, (x0, y0, x1, y1)) = line_frame(src, &a.frame, b, mm);
    let crop = geom::warp(
        src,
        &frame,
        x0 - 8.0 * mm,
        y0 - 1.5 * mm,
        x1 + 8.0 * mm,
        y1 + 1.5 * mm,
        scale,
    );
    let crop = geom::flatten_local(&crop, (4.0 * scale * mm) as u32);
    for whitelist in [Some("0123456789AB "), None] {
        let opts = OcrOptions {
            lang: Lang::Eng,
            psm: PageSegMode::PsmSingleLine,
            whitelist,
            dpi: page.dpi * scale,
            pad: 10,
        };
        let t = ocr::read_image(&crop, &opts).ok();
        if let Some(n) = t.and_then(|t| find_valid_nir(&t.text)) {
            return Some(n);
        }
    }
    None
}

/// The frame that makes the line in box `b` (upright pixels of `frame`)
/// level, and the box in it: a card may lie a few degrees askew on a page
/// set straight by its other content (or by a dark glass around it).
fn line_frame(
    src: &image::GrayImage,
    frame: &Frame,
    b: (f32, f32, f32, f32),
    mm: f32,
) -> (Frame, (f32, f32, f32, f32)) {
    let (x0, y0, x1, y1) = b;
    let crop = geom::warp(
        src,
        frame,
        x0 - 4.0 * mm,
        y0 - 4.0 * mm,
        x1 + 4.0 * mm,
        y1 + 4.0 * mm,
        1.0,
    );
    let crop = geom::flatten_local(&crop, (4.0 * mm) as u32);
    let mask: Vec<bool> = crop.as_raw().iter().map(|&g| g < 128).collect();
    let d = geom::find_skew(&mask, crop.width(), crop.height(), 6.0);
    if d.abs() < 0.5 {
        return (*frame, b);
    }
    let turned = Frame {
        skew_deg: frame.skew_deg + if frame.flipped { -d } else { d },
        ..*frame
    };
    let (cu, cv) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (sx, sy) = frame.map(cu, cv);
    let (nu, nv) = turned.unmap(sx, sy);
    let (hw, hh) = ((x1 - x0) / 2.0, (y1 - y0) / 2.0);
    (turned, (nu - hw, nv - hh, nu + hw, nv + hh))
}

/// Cards with a dark background lying on the page (a carte Vitale): their
/// boxes in upright full-resolution pixels, found at one pixel per
/// millimetre.
pub fn dark_cards(page: &PageImage, a: &PageAnalysis) -> Vec<(f32, f32, f32, f32)> {
    let ks = ((page.dpi / 25.4).round() as u32).max(1);
    let small = geom::box_downscale(&page.image, ks);
    let frame = Frame {
        w: small.width() as f32,
        h: small.height() as f32,
        ..a.frame
    };
    let up = geom::warp(&small, &frame, 0.0, 0.0, frame.w, frame.h, 1.0);
    // A bank card is 85.6 × 54 mm; room for a scan at 94 % and a card
    // left a few degrees askew.
    let px_mm = page.dpi / 25.4 / ks as f32;
    let mm = |v: f32| (v * px_mm).round() as u32;
    let k = ks as f32;
    geom::dark_regions(&up, (mm(70.0), mm(42.0)), (mm(100.0), mm(72.0)))
        .into_iter()
        .map(|(x0, y0, x1, y1)| (x0 as f32 * k, y0 as f32 * k, x1 as f32 * k, y1 as f32 * k))
        .collect()
}

/// What the dark cards of a page show.
#[derive(Debug, Default, PartialEq)]
pub struct Cards {
    /// The first NIR that passes its key.
    pub nir: Option<String>,
    /// A card's words are a carte Vitale's (its NIR may fail its key).
    pub vitale: bool,
}

/// The NIR printed on a dark card of the page (a carte Vitale, whose
/// background hides its text from the page's reading).
pub fn card_nir(page: &PageImage, a: &PageAnalysis) -> Option<String> {
    read_cards(page, a).nir
}

/// The dark cards of the page (a carte Vitale, whose background hides its
/// text from the page's reading), each read again at ~300 dpi, scanner
/// streaks lightened and flattened tile by tile. Only a NIR that passes
/// its key is taken.
pub fn read_cards(page: &PageImage, a: &PageAnalysis) -> Cards {
    let mut out = Cards::default();
    let cards = dark_cards(page, a);
    if cards.is_empty() {
        return out;
    }
    let mm = page.dpi / 25.4;
    let scale = (300.0 / page.dpi).clamp(1.0, 2.0);
    let clean = geom::remove_streaks(&page.image, 1 + (page.dpi / 150.0).round() as u32);
    let src = clean.as_ref().unwrap_or(&page.image);
    for (x0, y0, x1, y1) in cards {
        // Inside the card's edge: its dark rim would read as a picture.
        let crop = geom::warp(
            src,
            &a.frame,
            x0 + 1.5 * mm,
            y0 + 1.5 * mm,
            x1 - 1.5 * mm,
            y1 - 1.5 * mm,
            scale,
        );
        let crop = geom::flatten_local(&crop, (4.0 * scale * mm) as u32);
        let mut lines = Vec::new();
        for psm in [PageSegMode::PsmAuto, PageSegMode::PsmSingleBlock] {
            let opts = OcrOptions {
                lang: Lang::Eng,
                psm,
                whitelist: None,
                dpi: page.dpi * scale,
                pad: 10,
            };
            let t = ocr::read_image(&crop, &opts).ok();
            let Some(t) = t else { continue };
            out.vitale |= crate::page::ssn_signal(&t.text);
            if let Some(n) = find_valid_nir(&t.text) {
                out.nir = Some(n);
                return out;
            }
            if psm == PageSegMode::PsmAuto {
                lines = digit_lines(&t);
            }
        }
        // The card's number lines, read again on their own.
        let (u0, v0) = (x0 + 1.5 * mm, y0 + 1.5 * mm);
        for (lx0, ly0, lx1, ly1) in std::mem::take(&mut lines) {
            let at = |x: f32, y: f32| (u0 + x / scale, v0 + y / scale);
            let ((bx0, by0), (bx1, by1)) = (at(lx0, ly0), at(lx1, ly1));
            if let Some(n) = reread_line(page, src, a, (bx0, by0, bx1, by1)) {
                out.nir = Some(n);
                return out;
            }
        }
    }
    out
}

/// MRZ-looking lines of the classification OCR: their union box (working pixels).
fn mrz_band(t: &OcrText) -> Option<Rect> {
    let mut band: Option<(i64, i64, i64, i64)> = None;
    for line in t.lines() {
        let s: String = line.iter().map(|w| w.text.as_str()).collect();
        let lt = s.chars().filter(|&c| c == '<').count();
        let alnum = s
            .chars()
            .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<')
            .count();
        let _ = alnum;
        if s.len() >= 12 && lt >= 2 {
            for w in line {
                let r = w.rect;
                band = Some(match band {
                    None => (r.x, r.y, r.x + r.w, r.y + r.h),
                    Some((a, b, c, d)) => {
                        (a.min(r.x), b.min(r.y), c.max(r.x + r.w), d.max(r.y + r.h))
                    }
                });
            }
        }
    }
    band.map(|(a, b, c, d)| Rect {
        x: a,
        y: b,
        w: c - a,
        h: d - b,
    })
}

/// Reads the identity document of a page: its MRZ (see [`crate::mrz_zone`];
/// the whole band read as a block when the zone's lines fail), with the old
/// French card's printed issue date when readable.
pub fn read_id(page: &PageImage, a: &PageAnalysis, on: NaiveDate) -> Option<IdDocument> {
    let zone = crate::mrz_zone::read(page, a, on);
    let reading = if zone.as_ref().is_some_and(|r| r.valid) {
        zone
    } else {
        match (zone, read_band_block(page, a, on)) {
            (Some(z), Some(b)) => Some(if rank(&b) > rank(&z) { b } else { z }),
            (z, b) => z.or(b),
        }
    };
    let reading = reading?;
    let m = reading.mrz.as_ref()?;
    let mut doc = IdDocument::from_mrz(m, reading.valid);
    if m.kind == DocumentKind::CniOld {
        if let Some(issued) = printed_issue_date(&a.text.text) {
            if let Some(e) = cni_old_expiry_from_issue(issued, m.birth_date) {
                doc.expiry_date = Some(e);
            }
        }
    }
    Some(doc)
}

/// The identity document copied onto a form page: only an MRZ that passes
/// its check digits (the form's own lines never do).
pub fn read_id_on_form(page: &PageImage, a: &PageAnalysis, on: NaiveDate) -> Option<IdDocument> {
    let r = crate::mrz_zone::read_on_form(page, a, on)?;
    Some(IdDocument::from_mrz(r.mrz.as_ref()?, true))
}

fn rank(r: &mrz::MrzReading) -> (bool, bool, i64) {
    (r.valid, r.mrz.is_some(), -(r.errors.len() as i64))
}

/// The MRZ band read as one block (psm 6, then 3).
fn read_band_block(page: &PageImage, a: &PageAnalysis, on: NaiveDate) -> Option<mrz::MrzReading> {
    let band = mrz_band(&a.text)?;
    let k = a.work_k as f32;
    let mm = page.dpi / 25.4;
    // Full-resolution upright crop around the band.
    // The band may have caught only some of the MRZ's lines: reach one line
    // pitch (~4.3 mm) above it and below.
    // and to the MRZ's full width to the right (words often stop at the filler).
    let (u0, v0) = (band.x as f32 * k - 4.0 * mm, band.y as f32 * k - 10.0 * mm);
    let (u1, v1) = (
        (band.x + band.w) as f32 * k + 6.0 * mm,
        (band.y + band.h) as f32 * k + 5.0 * mm,
    );
    let u1 = u1.max(u0 + 84.0 * mm);
    let frame = Frame { ..a.frame };
    // MRZ characters read best at ~300 dpi.
    let scale = (300.0 / page.dpi).clamp(1.0, 2.0);
    let crop = geom::warp(&page.image, &frame, u0, v0, u1, v1, scale);
    let mut best: Option<(mrz::MrzReading, usize)> = None;
    for psm in [PageSegMode::PsmSingleBlock, PageSegMode::PsmAuto] {
        let opts = OcrOptions {
            lang: Lang::Eng,
            psm,
            whitelist: Some(MRZ_CHARS),
            dpi: page.dpi * scale,
            pad: 10,
        };
        let Ok(t) = ocr::read_image(&crop, &opts) else {
            continue;
        };
        let fixed: Vec<String> = t
            .text
            .lines()
            .map(|l| fix_fillers(&l.replace(' ', "")))
            .filter(|l| l.len() >= 24 && looks_mrz(l))
            .collect();
        // The MRZ is the last lines of the band.
        let start = fixed.len().saturating_sub(3);
        let keep = if fixed.len() >= 3 && fixed[start].len() < 34 {
            start
        } else {
            fixed.len().saturating_sub(2)
        };
        let lines: Vec<&str> = fixed[keep..].iter().map(String::as_str).collect();
        let r = mrz::read(&lines, on);
        let score = usize::from(r.valid) * 100 + usize::from(r.mrz.is_some()) * 10;
        let done = r.valid;
        if best.as_ref().is_none_or(|b| score > b.1) {
            best = Some((r, score));
        }
        if done {
            break;
        }
    }
    best.map(|b| b.0)
}
/// Whether a line read with the MRZ whitelist is MRZ rather than the card's
/// printed text: filler present, or a code/number line.
fn looks_mrz(l: &str) -> bool {
    l.contains("<<") || l.chars().filter(char::is_ascii_digit).count() >= 10
}

pub use crate::mrz_zone::fix_fillers;

/// The expiry of an old French ID card from the issue date printed on its
/// back (`délivrée le`), when `text` shows it (the back may be on its own page).
pub fn cni_old_expiry_from_text(text: &str, birth: Option<NaiveDate>) -> Option<NaiveDate> {
    cni_old_expiry_from_issue(printed_issue_date(text)?, birth)
}

/// `délivrée le : DD.MM.YYYY` (or with `/`) on an old French ID card.
fn printed_issue_date(text: &str) -> Option<NaiveDate> {
    let f = fold(text);
    let at = f.find("DELIVR")?;
    let rest: String = f[at..].chars().take(60).collect();
    let digits: Vec<u32> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    digits.windows(3).find_map(|w| {
        (w[2] > 1900)
            .then(|| NaiveDate::from_ymd_opt(w[2] as i32, w[1], w[0]))
            .flatten()
    })
}

/// Issue date + validity − 1 day (15 years for adults from 2004-01-02, else 10).
fn cni_old_expiry_from_issue(issued: NaiveDate, birth: Option<NaiveDate>) -> Option<NaiveDate> {
    let adult = birth.is_none_or(|b| {
        b.checked_add_months(Months::new(216))
            .is_some_and(|e| e <= issued)
    });
    let from_2004 = issued >= NaiveDate::from_ymd_opt(2004, 1, 2)?;
    let years = if adult && from_2004 { 15 } else { 10 };
    let _ = issued.year();
    issued
        .checked_add_months(Months::new(years * 12))?
        .pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nir_in_text() {
        assert_eq!(
            find_nir("N° 2 84 99 99 122 693 42").as_deref(),
            Some("284999912269342")
        );
        assert_eq!(
            find_nir("carte Vitale\n1 7O 07 59 350 123 45 x").map(|s| s.len()),
            Some(15)
        );
        assert_eq!(find_nir("rien"), None);
        // The digits of an MRZ line may pass a NIR key by chance: never a NIR.
        assert_eq!(find_nir("1710201906687ERIC<<<<<<<<<<6509088M5"), None);
        assert_eq!(find_nir("171020190686715006509088"), None);
        // A residence permit's number beside its expiry date passes the key
        // (sex 1, unknown month 80, département 97): glued to its letters,
        // spaced as a date, it is no NIR.
        assert!(
            nir::parse("133809704042030").is_ok(),
            "what the rules below turn away passes the key"
        );
        assert_eq!(find_nir("DX1338097 04 04 2030"), None);
        assert_eq!(find_nir("DX133809704042030"), None);
        assert_eq!(find_nir("N° 1338097 04 04 2030"), None);
        // Spaces OCR dropped or added once are no reason to refuse.
        assert_eq!(
            find_nir("2 84 999912269342").as_deref(),
            Some("284999912269342")
        );
        assert_eq!(
            find_nir("2 84 99 99 1 22 693 42").as_deref(),
            Some("284999912269342")
        );
    }

    /// An A4 page at 150 dpi with a dark card (a carte Vitale's grey, wave
    /// lines, a scanner streak across it) printed with `number` in a 5 × 7
    /// pixel font (digits without 6 and 8) three times enlarged.
    fn page_with_card(number: &str) -> PageImage {
        const FONT: &[(char, [u8; 7])] = &[
            ('0', [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E]),
            ('1', [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E]),
            ('2', [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F]),
            ('3', [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E]),
            ('4', [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02]),
            ('5', [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E]),
            ('7', [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08]),
            ('9', [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C]),
        ];
        let (cx, cy, cw, ch) = (300u32, 400u32, 506u32, 319u32);
        let mut img = image::GrayImage::from_fn(1240, 1754, |x, y| {
            let on_card = (cx..cx + cw).contains(&x) && (cy..cy + ch).contains(&y);
            let wave = ((y as f32 + 6.0 * (x as f32 / 40.0).sin()) as u32).is_multiple_of(23);
            image::Luma([match (on_card, wave) {
                (true, true) => 118,
                (true, false) => 150,
                _ => 236,
            }])
        });
        let s = 3;
        let (x0, y0) = (cx + 24, cy + 236);
        for (i, ch) in number.chars().enumerate() {
            let Some((_, rows)) = FONT.iter().find(|(c, _)| *c == ch) else {
                continue;
            };
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..5u32 {
                    if bits & (0x10 >> rx) != 0 {
                        for (dx, dy) in (0..s).flat_map(|a| (0..s).map(move |b| (a, b))) {
                            let x = x0 + (i as u32 * 6 + rx) * s + dx;
                            let y = y0 + ry as u32 * s + dy;
                            img.put_pixel(x, y, image::Luma([25]));
                        }
                    }
                }
            }
        }
        for y in 0..img.height() {
            let p = img.get_pixel(x0 + 1, y).0[0];
            img.put_pixel(x0 + 1, y, image::Luma([p.saturating_sub(45)]));
        }
        PageImage {
            source_file: "vitale.png".into(),
            source_page: 1,
            image: image::imageops::blur(&img, 0.7),
            dpi: 150.0,
            encoded: Vec::new(),
            ext: "png",
        }
    }

    fn analysis_of(page: &PageImage) -> PageAnalysis {
        PageAnalysis {
            kind: parcours_domain::PageKind::SsnProof,
            rotation: 0,
            frame: Frame::upright(page.image.width(), page.image.height()),
            ink_ratio: 0.05,
            has_id: false,
            has_ssn: true,
            proofs_not_separate: false,
            text: OcrText::default(),
            work_k: 1,
        }
    }

    #[test]
    fn the_nir_of_a_dark_card_is_read_on_the_card_and_only_with_its_key() {
        let page = page_with_card("1 75 01 75 012 002 15");
        let a = analysis_of(&page);
        assert_eq!(dark_cards(&page, &a).len(), 1, "the card is found");
        assert_eq!(card_nir(&page, &a).as_deref(), Some("175017501200215"));
        let s = read_ssn(&page, &a);
        assert_eq!(s.nir.as_deref(), Some("175017501200215"));
        // The same card with a number whose key fails: no NIR rather than a
        // misreading.
        let page = page_with_card("1 75 01 75 012 002 14");
        assert_eq!(read_ssn(&page, &analysis_of(&page)).nir, None);
    }

    #[test]
    fn old_card_expiry_from_printed_issue_date() {
        let t = "CARTE NATIONALE D'IDENTITÉ\ndélivrée le : 12.05.2010\npar: PREFECTURE";
        let d = printed_issue_date(t).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2010, 5, 12).unwrap());
        let birth = NaiveDate::from_ymd_opt(1970, 1, 1);
        assert_eq!(
            cni_old_expiry_from_issue(d, birth),
            NaiveDate::from_ymd_opt(2025, 5, 11)
        );
        let minor = NaiveDate::from_ymd_opt(2000, 1, 1);
        assert_eq!(
            cni_old_expiry_from_issue(d, minor),
            NaiveDate::from_ymd_opt(2020, 5, 11)
        );
    }
}
