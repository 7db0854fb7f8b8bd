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
/// one window in 97 would pass the key by chance.
pub fn find_nir(text: &str) -> Option<String> {
    let mut shaped = None;
    for line in text.lines().filter(|l| !mrz_like(l)) {
        // Runs of digits, spaces and the Corsican A/B, with OCR confusions fixed.
        let chars: Vec<char> = line
            .chars()
            .map(|c| match c {
                'O' | 'o' => '0',
                'I' | 'l' | '|' => '1',
                c => c,
            })
            .collect();
        let mut runs: Vec<String> = Vec::new();
        let mut cur = String::new();
        for c in chars {
            if c.is_ascii_digit() || c == 'A' || c == 'B' {
                cur.push(c);
            } else if c == ' ' || c == '.' {
                continue;
            } else if !cur.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            runs.push(cur);
        }
        for run in runs {
            let b: Vec<char> = run.chars().collect();
            if !(15..=17).contains(&b.len()) {
                continue;
            }
            for start in 0..=b.len() - 15 {
                let cand: String = b[start..start + 15].iter().collect();
                if !matches!(b[start], '1' | '2' | '3' | '4' | '7' | '8') {
                    continue;
                }
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

/// Reads the social-security proof of a page: the lines of the
/// classification OCR that hold many digits are read again at ~300 dpi with
/// a digits-only whitelist.
pub fn read_ssn(page: &PageImage, a: &PageAnalysis) -> SsnProof {
    let f = fold(&a.text.text);
    let kind = if f.contains("ATTESTATION") || f.split_whitespace().count() > 60 {
        SsnProofKind::Attestation
    } else {
        SsnProofKind::CarteVitale
    };
    let mut nir = find_valid_nir(&a.text.text);
    if nir.is_none() {
        let k = a.work_k as f32;
        let mm = page.dpi / 25.4;
        let scale = (300.0 / page.dpi).clamp(1.0, 2.0);
        let mut candidates = Vec::new();
        for line in a.text.lines() {
            let words: Vec<&str> = line.iter().map(|w| w.text.as_str()).collect();
            if mrz_like(&words.join(" ")) {
                continue;
            }
            let digits = line
                .iter()
                .flat_map(|w| w.text.chars())
                .filter(char::is_ascii_digit)
                .count();
            if digits < 9 {
                continue;
            }
            let x0 = line.iter().map(|w| w.rect.x).min().unwrap_or(0) as f32 * k;
            let y0 = line.iter().map(|w| w.rect.y).min().unwrap_or(0) as f32 * k;
            let x1 = line.iter().map(|w| w.rect.x + w.rect.w).max().unwrap_or(0) as f32 * k;
            let y1 = line.iter().map(|w| w.rect.y + w.rect.h).max().unwrap_or(0) as f32 * k;
            let crop = geom::warp(
                &page.image,
                &a.frame,
                x0 - 3.0 * mm,
                y0 - 1.5 * mm,
                x1 + 3.0 * mm,
                y1 + 1.5 * mm,
                scale,
            );
            let crop = geom::flatten(&crop, (12.0 * scale * mm / 2.0) as u32);
            let opts = OcrOptions {
                lang: Lang::Eng,
                psm: PageSegMode::PsmSingleLine,
                whitelist: Some("0123456789AB "),
                dpi: page.dpi * scale,
                pad: 10,
            };
            if let Ok(t) = ocr::read_image(&crop, &opts) {
                if let Some(n) = find_valid_nir(&t.text) {
                    nir = Some(n);
                    break;
                }
                candidates.extend(find_nir(&t.text));
            }
        }
        if nir.is_none() {
            nir = candidates
                .into_iter()
                .next()
                .or_else(|| find_nir(&a.text.text));
        }
    }
    SsnProof { kind, nir }
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
