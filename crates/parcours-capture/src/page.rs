//! Page understanding: blank or not, upright or upside down, skew, and
//! kind (SPEC §1).
//!
//! Speed matters (a 300 dpi page read whole takes a second): blank pages
//! and skew come from a 50 dpi ink mask; a page as large as a form first
//! has only its title band read (the form's title, subtitle and "Page n/2"
//! line, one block of text at ~150 dpi), upright then upside down, which
//! is all a form page needs (as for the notice, whose title is there too).
//! Any other page has its whole content read once, the right way up when
//! that reading is sure (a proof's keywords, confident text), the other
//! way up only when it is not; that text is what the proofs' readers use.

use image::GrayImage;
use parcours_domain::PageKind;

use crate::geom::{self, Frame};
use crate::ocr::{self, OcrOptions, OcrText, PageSegMode};
use crate::pages::PageImage;

/// Ink share (of the page inside a 4 % margin) under which a page is blank.
pub const BLANK_INK_RATIO: f32 = 0.0015;

/// Height (mm) of the top of a page's content read first: a form's title,
/// subtitle and "Page n/2" line (17 mm of the printed form), with room for
/// a page scanned a little larger or with a speck above the title.
const TITLE_BAND_MM: f32 = 22.0;

/// Height (mm) read when the title shows without its page number: down to
/// the first section's headings and labels.
const SECTION_BAND_MM: f32 = 62.0;

/// What was understood of a page.
#[derive(Debug, Clone)]
pub struct PageAnalysis {
    /// Kind of page.
    pub kind: PageKind,
    /// 0 or 180.
    pub rotation: u16,
    /// Maps the upright page to the scan's pixels (full resolution).
    pub frame: Frame,
    /// Share of ink pixels.
    pub ink_ratio: f32,
    /// An identity proof is on this page.
    pub has_id: bool,
    /// A social-security proof is on this page.
    pub has_ssn: bool,
    /// Two proofs share the page, or a proof is on a form page.
    pub proofs_not_separate: bool,
    /// The text read to classify the page (upright, in working pixels).
    pub text: OcrText,
    /// Working image scale: full-resolution pixels per working pixel.
    pub work_k: u32,
}

/// Upper case without accents, for keyword tests.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'î' | 'ï' | 'Î' | 'Ï' => 'I',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'O',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ç' | 'Ç' => 'C',
            '’' => '\'',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// How much real text an OCR result holds: confident words of 3+ letters.
fn text_score(t: &OcrText) -> f32 {
    t.words
        .iter()
        .filter(|w| w.conf >= 0.7 && w.text.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .map(|w| w.conf)
        .sum::<f32>()
        + mrz_lines(&t.text) as f32 * 5.0
        - reversed_mrz_lines(&t.text) as f32 * 5.0
}

/// Lines that look like an MRZ read upside down (`>` for the filler).
fn reversed_mrz_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let s: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            s.len() >= 20 && s.contains(">>>")
        })
        .count()
}

/// Lines that look like an MRZ line (long, `<`-rich).
pub fn mrz_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let s: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            s.len() >= 25 && s.chars().filter(|&c| c == '<').count() >= 3
        })
        .count()
}

/// Whether the text shows the form's title, printed in capitals.
fn form_title(text: &str) -> bool {
    text.contains("FORMULAIRE") && (text.contains("DEMANDE") || text.contains("IDENTIT"))
}

/// The form page (1 or 2) whose title this text shows, if any.
fn form_page(text: &str) -> Option<u8> {
    // The title is printed in capitals; a covering letter mentions the
    // "formulaire de demande" in lower case.
    let title = form_title(text);
    let f = fold(text);
    let subtitle = f.contains("PARCOURS ALTERNATIF") || f.contains("CPF");
    if !(title || subtitle && f.contains("FORMULAIRE")) {
        return None;
    }
    let compact: String = f.chars().filter(|c| !c.is_whitespace()).collect();
    // "Page 1/2", or "1/2" standing alone (not the end of a date such as
    // 21/12/2025 in a covering letter).
    let page = |n: u8| {
        compact.contains(&format!("PAGE{n}/2"))
            || f.split_whitespace().any(|w| w == format!("{n}/2"))
    };
    if page(1) && !page(2) {
        return Some(1);
    }
    if page(2) {
        return Some(2);
    }
    let one = [
        "IDENTITEDUDEMANDEUR",
        "DEMANDEUR",
        "COORDONNEES",
        "CIVILITE",
        "NOM*",
        "SECURITESOCIALE",
    ];
    let two = [
        "MOTIFDELADEMANDE",
        "COCHEZ",
        "SMARTPHONE",
        "PIECESAJOINDRE",
        "ENGAGEMENT",
    ];
    let s1 = one.iter().filter(|k| compact.contains(*k)).count();
    let s2 = two.iter().filter(|k| compact.contains(*k)).count();
    match s1.cmp(&s2) {
        std::cmp::Ordering::Greater => Some(1),
        std::cmp::Ordering::Less => Some(2),
        std::cmp::Ordering::Equal => Some(0),
    }
}

/// Whether the text shows an identity document.
pub fn id_signal(text: &str) -> bool {
    let f = fold(text);
    mrz_lines(text) >= 1
        || [
            "CARTE NATIONALE",
            "IDENTITY CARD",
            "PASSEPORT",
            "PASSPORT",
            "TITRE DE SEJOUR",
            "CARTE DE SEJOUR",
            "CARTE DE RESIDENT",
            "RESIDENCE PERMIT",
        ]
        .iter()
        .any(|k| f.contains(k))
        || card_words(&f) >= 2
        || f.contains("REPUBLIQUE FRANCAISE")
            && [
                "CARD",
                "SEJOUR",
                "PERMIT",
                "DOCUMENT",
                "PRENOM",
                "SIGNATURE",
                "ADRESSE",
                "NAISS",
                "NATIONAL",
                "SURNAME",
                "SEXE",
            ]
            .iter()
            .any(|k| f.contains(k))
}

/// How many of an identity document's bilingual labels a (folded) text
/// shows: the small print of a card reads poorly, its labels often do.
fn card_words(f: &str) -> usize {
    [
        "SURNAME",
        "GIVEN NAME",
        "DATE OF BIRTH",
        "PLACE OF BIRTH",
        "DATE OF ISSUE",
        "NATIONALIT",
        "EXPIR",
        "DOCUMENT NO",
        "REPUBLIQUE FRANCAISE",
        "IDENTITY",
        "HOLDER",
        "AUTHORITY",
        "VALABLE JUSQU",
        "DELIVREE LE",
        "PREFECTURE",
    ]
    .iter()
    .filter(|k| f.contains(*k))
    .count()
}

/// Whether the text shows a social-security proof.
pub fn ssn_signal(text: &str) -> bool {
    let f = fold(text);
    [
        "VITALE",
        "ASSURANCE MALADIE",
        "ATTESTATION DE DROITS",
        "ASSURE(E)",
        "CPAM",
    ]
    .iter()
    .any(|k| f.contains(k))
        || crate::proofs::find_valid_nir(text).is_some()
}

/// Whether the text is the information notice.
fn notice_signal(text: &str) -> bool {
    let f = fold(text);
    f.contains("NOTICE D")
        || (f.contains("COMPTE FORMATION")
            && f.contains("PARCOURS")
            && f.split_whitespace().count() > 60)
}

/// Whether a text shows no proof (a notice's title band).
fn nothing_else(text: &str) -> bool {
    mrz_lines(text) == 0 && !id_signal(text) && !ssn_signal(text)
}

/// Understands one page.
pub fn analyze(page: &PageImage) -> Result<PageAnalysis, String> {
    let full = &page.image;
    let dpi = page.dpi.max(50.0);
    // 50 dpi mask: blank, skew, content box.
    let k50 = ((dpi / 50.0).round() as u32).max(1);
    // Working image at ~150 dpi; the mask's image comes from it when the
    // scales divide (one pass over the full-resolution scan instead of two).
    let work_k = ((dpi / 150.0).round() as u32).max(1);
    let work = geom::box_downscale(full, work_k);
    let small = if k50.is_multiple_of(work_k) {
        geom::box_downscale(&work, k50 / work_k)
    } else {
        geom::box_downscale(full, k50)
    };
    let (sw, sh) = (small.width(), small.height());
    let mask = geom::ink_mask(&small, 12, 0.3);
    let margin = (sw.min(sh) as f32 * 0.04) as u32;
    let inner = (sw.saturating_sub(2 * margin) * sh.saturating_sub(2 * margin)).max(1);
    let ink = (margin..sh.saturating_sub(margin))
        .flat_map(|y| (margin..sw.saturating_sub(margin)).map(move |x| (x, y)))
        .filter(|&(x, y)| mask[(y * sw + x) as usize])
        .count();
    let ink_ratio = ink as f32 / inner as f32;
    let mut frame = Frame::upright(full.width(), full.height());
    let blank = PageAnalysis {
        kind: PageKind::Blank,
        rotation: 0,
        frame,
        ink_ratio,
        has_id: false,
        has_ssn: false,
        proofs_not_separate: false,
        text: OcrText::default(),
        work_k: 1,
    };
    let Some(bbox) = geom::ink_bbox(&mask, sw, sh, margin).filter(|_| ink_ratio >= BLANK_INK_RATIO)
    else {
        return Ok(blank);
    };
    // Skew from the content only: a dark border where the page did not
    // cover the glass is a long straight edge that would win. Up to 7.5°:
    // cards lie on the glass turned by their own few degrees.
    let mut inner_mask = mask.clone();
    for y in 0..sh {
        for x in 0..sw {
            if x < margin || y < margin || x + margin >= sw || y + margin >= sh {
                inner_mask[(y * sw + x) as usize] = false;
            }
        }
    }
    frame.skew_deg = geom::find_skew(&inner_mask, sw, sh, 7.5);

    let wdpi = dpi / work_k as f32;
    let f = k50 as f32 / work_k as f32;
    let (ww, wh) = (work.width() as f32, work.height() as f32);
    let mm = wdpi / 25.4;
    let pad = mm * 4.0;
    let (bx0, by0, bx1, by1) = (
        bbox.0 as f32 * f,
        bbox.1 as f32 * f,
        bbox.2 as f32 * f,
        bbox.3 as f32 * f,
    );
    // Reads the content (`band`: only that much of its top, mm), upright
    // or upside down, flattened (3×3-max paper) or tile by tile.
    let read_as = |flipped: bool, band: Option<f32>, flat: bool, psm: PageSegMode| {
        let wf = Frame {
            w: ww,
            h: wh,
            skew_deg: frame.skew_deg,
            flipped,
        };
        let (x0, y0, x1, y1) = if flipped {
            (ww - bx1, wh - by1, ww - bx0, wh - by0)
        } else {
            (bx0, by0, bx1, by1)
        };
        let bottom = match band {
            Some(b) => (y0 + b * mm).min(y1 + pad),
            None => y1 + pad,
        };
        let img = geom::warp(&work, &wf, x0 - pad, y0 - pad, x1 + pad, bottom, 1.0);
        let img = if flat {
            geom::flatten(&img, (mm * 5.0) as u32)
        } else {
            geom::flatten_local(&img, (mm * 4.0) as u32)
        };
        let opts = OcrOptions {
            psm,
            dpi: wdpi,
            pad: 0,
            ..OcrOptions::default()
        };
        let mut t = ocr::read_image(&img, &opts)?;
        // Back to upright working coordinates.
        for w in &mut t.words {
            w.rect.x += (x0 - pad) as i64;
            w.rect.y += (y0 - pad) as i64;
        }
        Ok::<OcrText, String>(t)
    };
    let whole = |flipped: bool| read_as(flipped, None, true, PageSegMode::PsmAuto);
    let good = |t: &OcrText| {
        text_score(t) >= 6.0 && t.confidence >= 0.7 && reversed_mrz_lines(&t.text) == 0
    };
    let content_mm = ((bx1 - bx0) / mm, (by1 - by0) / mm);
    let mut out = PageAnalysis {
        kind: PageKind::Unknown,
        rotation: 0,
        frame,
        ink_ratio,
        has_id: false,
        has_ssn: false,
        proofs_not_separate: false,
        text: OcrText::default(),
        work_k,
    };
    let form_out = |mut out: PageAnalysis, p: u8, flipped: bool, text: OcrText| {
        out.kind = if p == 2 {
            PageKind::FormPage2
        } else {
            PageKind::FormPage1
        };
        out.rotation = if flipped { 180 } else { 0 };
        out.frame.flipped = flipped;
        out.text = text;
        out
    };

    // A form's title, subtitle and "Page n/2" line are the top 17 mm of
    // its content: read that band alone (one block of text, no layout
    // analysis), each way up, before anything else. Only content as tall
    // and as wide as a form's is tried (not cards lying on the glass).
    let mut prior = false;
    let mut band_texts: Vec<(bool, OcrText)> = Vec::new();
    if content_mm.1 >= 120.0 && content_mm.0 >= 140.0 {
        for fl in [false, true] {
            let t = read_as(fl, Some(TITLE_BAND_MM), true, PageSegMode::PsmSingleBlock)?;
            match form_page(&t.text) {
                Some(p @ (1 | 2)) => return Ok(form_out(out, p, fl, t)),
                Some(_) => {
                    // The title without its page number: the section
                    // headings below it tell.
                    let t = read_as(fl, Some(SECTION_BAND_MM), true, PageSegMode::PsmAuto)?;
                    let p = form_page(&t.text).unwrap_or(0);
                    return Ok(form_out(out, p, fl, t));
                }
                None => {}
            }
            // The notice's title is at its top too; nothing else of it is
            // used.
            if notice_signal(&t.text) && good(&t) && nothing_else(&t.text) {
                out.kind = PageKind::Notice;
                out.rotation = if fl { 180 } else { 0 };
                out.frame.flipped = fl;
                out.text = t;
                return Ok(out);
            }
            let upright_text = !fl && good(&t);
            band_texts.push((fl, t));
            if upright_text {
                break;
            }
        }
        if let [(_, up), (_, down)] = &band_texts[..] {
            prior = text_score(down) > text_score(up) * 1.2;
        }
    }

    // Not a form: the whole content is read, first the way the band
    // pointed (upright when there was none), the other way when that
    // reading is poor.
    let mut flipped = prior;
    // (A form whose content looked too small for one still shows its title
    // in capitals, and its page number or section words; the notice names
    // the form in lower case; a covering letter written in capitals names
    // it but shows none of its sections.)
    let form_of = |t: &OcrText| form_page(&t.text).filter(|&p| p > 0 && form_title(&t.text));
    let mut text = whole(flipped)?;
    if let Some(p) = form_of(&text) {
        return Ok(form_out(out, p, flipped, text));
    }
    // A reading upside down has few confident words, none of a proof's
    // keywords (an MRZ's fillers read `>`).
    let nothing =
        |t: &OcrText| !notice_signal(&t.text) && !id_signal(&t.text) && !ssn_signal(&t.text);
    let sure = |t: &OcrText| {
        good(t)
            || text_score(t) >= 1.0
                && t.confidence >= 0.5
                && reversed_mrz_lines(&t.text) == 0
                && !nothing(t)
    };
    if !sure(&text) {
        let other = whole(!flipped)?;
        if let Some(p) = form_of(&other) {
            return Ok(form_out(out, p, !flipped, other));
        }
        if text_score(&other) > text_score(&text) * 1.2 {
            flipped = !flipped;
            text = other;
        }
    }
    // Flattening can leave blocks of a dark card that hide its text from
    // Tesseract's layout analysis: read a page that gave next to nothing
    // again, flattened tile by tile, both ways up.
    if text.words.iter().filter(|w| w.conf >= 0.5).count() < 4 || nothing(&text) {
        for fl in [flipped, !flipped] {
            let t = read_as(fl, None, false, PageSegMode::PsmAuto)?;
            if text_score(&t) > text_score(&text) + 1.0 {
                text = t;
                flipped = fl;
            }
        }
    }
    out.rotation = if flipped { 180 } else { 0 };
    out.frame.flipped = flipped;
    let notice = notice_signal(&text.text) && mrz_lines(&text.text) == 0;
    out.has_id = !notice && id_signal(&text.text);
    out.has_ssn = !notice && ssn_signal(&text.text);
    out.kind = if notice {
        PageKind::Notice
    } else if out.has_id {
        PageKind::IdProof
    } else if out.has_ssn {
        PageKind::SsnProof
    } else if text.words.iter().all(|w| w.conf < 0.5) && ink_ratio < BLANK_INK_RATIO * 3.0 {
        PageKind::Blank
    } else {
        PageKind::Unknown
    };
    if out.kind == PageKind::Blank {
        out.rotation = 0;
        out.frame.flipped = false;
    }
    // A carte Vitale's dark background can hide its words from the page's
    // reading (a scanner streak across it, waves): a dark card whose NIR,
    // read on its own, passes its key is a social-security proof (either
    // way up when the page's reading did not tell).
    if matches!(out.kind, PageKind::Unknown | PageKind::IdProof) && !out.has_ssn {
        let turns: &[bool] = if out.kind == PageKind::Unknown {
            &[false, true]
        } else {
            &[false]
        };
        for &turn in turns {
            let mut a = out.clone();
            a.frame.flipped ^= turn;
            if crate::proofs::card_nir(page, &a).is_some() {
                if out.kind == PageKind::Unknown {
                    out.kind = PageKind::SsnProof;
                    out.frame.flipped = a.frame.flipped;
                    out.rotation = if a.frame.flipped { 180 } else { 0 };
                }
                out.has_ssn = true;
                break;
            }
        }
    }
    out.proofs_not_separate = out.has_id && out.has_ssn;
    out.text = text;
    Ok(out)
}

/// A working-resolution copy of the page, upright (for debugging and crops).
pub fn upright_work_image(page: &PageImage, a: &PageAnalysis) -> GrayImage {
    let work = geom::box_downscale(&page.image, a.work_k);
    let f = Frame {
        w: work.width() as f32,
        h: work.height() as f32,
        ..a.frame
    };
    geom::warp(&work, &f, 0.0, 0.0, f.w, f.h, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_titles_and_pages() {
        let t = "FORMULAIRE DE DEMANDE DE VÉRIFICATION D'IDENTITÉ\npour l'achat de formation CPF — Parcours alternatif\nFormulaire Parcours Alternatif 1.0 — Page 2/2";
        assert_eq!(form_page(t), Some(2));
        let t = "FORMULAIRE DE DEMANDE DE VÉRIFICATION D'IDENTITÉ\n1. IDENTITÉ DU DEMANDEUR";
        assert_eq!(form_page(t), Some(1));
        let letter = "Madame, Monsieur,\nVeuillez trouver ci-joint mon formulaire de demande de vérification d'identité";
        assert_eq!(form_page(letter), None, "a covering letter is not the form");
    }

    #[test]
    fn proof_signals() {
        assert!(id_signal(
            "IDFRAX4RTBPFW46<<<<<<<<<<<<<<<\n9007138F3002119FRA<<<<<<<<<<<6"
        ));
        assert!(ssn_signal("carte Vitale\n1 71 07 59 350 123 45"));
        assert!(!ssn_signal("Madame, Monsieur"));
    }
}
