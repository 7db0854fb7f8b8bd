//! Form reading: register a form page against its drawn answer boxes, then
//! read every field of the template.
//!
//! Registration: the upright page is resampled at 100 dpi; rows and columns
//! holding long straight ink runs are the boxes' edges. The template's box
//! edges (mm) are matched to them by a search over the printer's scale
//! (92–102 %) and shift, the same scale on both axes, then refined by least
//! squares. Each field box is then cropped at ~300 dpi (inset to drop its
//! border), read with Tesseract (one line, French, per-kind whitelist) and
//! normalised with `parcours_domain::form::normalize`. Tick boxes and the
//! signature are ink measurements.

use std::collections::BTreeMap;
use std::io::Cursor;

use image::{GrayImage, Luma};
use parcours_domain::checks::FieldReading;
use parcours_domain::form::{normalize, FieldKind, FieldSpec, FieldValue, FormTemplate};
use parcours_domain::{nir, values};

use crate::geom::{self, Frame};
use crate::hand_digits;
use crate::hand_letters::{self, HandLetters};
use crate::ocr::{self, OcrOptions, PageSegMode};
use crate::page::PageAnalysis;
use crate::pages::PageImage;

/// How far above and below a letter field's box the glyph reader of
/// handwritten capitals looks (accents, cedillas), mm, before the crop's
/// 0.5 mm inset (2.8 mm above, 1.5 mm below): less than the 4 mm between
/// the form's boxes.
const LETTERS_ABOVE_MM: f32 = 3.3;
const LETTERS_BELOW_MM: f32 = 2.0;

/// Share of neighbouring letters on one baseline from which text is typed
/// (typed ≥ 85 %, by hand ≤ 76 % measured).
const TYPED_ALIGNMENT: f32 = 0.8;

/// Whether `aligned` of `pairs` neighbouring letters on one baseline make
/// typed text.
pub(crate) fn on_one_baseline(pairs: usize, aligned: usize) -> bool {
    aligned as f32 >= TYPED_ALIGNMENT * pairs as f32
}

/// Resolution of the registration image, dpi.
const REG_DPI: f32 = 100.0;

/// mm → upright full-resolution pixels: `px = scale * mm + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Registration {
    /// Pixels per mm (full resolution), the printer's scale included.
    pub scale: f32,
    /// Offset in x, pixels.
    pub dx: f32,
    /// Offset in y, pixels.
    pub dy: f32,
    /// Template edges matched in y (out of how many).
    pub matched_y: (usize, usize),
    /// Template edges matched in x (out of how many).
    pub matched_x: (usize, usize),
}

/// A field read: its value and confidence, and the crop that was read.
#[derive(Debug, Clone)]
pub struct FieldRead {
    /// Value and confidence.
    pub reading: FieldReading,
    /// PNG of the answer box.
    pub png: Vec<u8>,
    /// Glyph statistics of a text answer (none for ticks, signatures and
    /// empty boxes).
    pub glyphs: Option<GlyphStats>,
}

/// What the shapes of a text answer's ink say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlyphStats {
    /// Pairs of neighbouring letters.
    pub pairs: usize,
    /// Of these, pairs standing on the same baseline (within 2 px at
    /// 300 dpi): nearly all of them in typed text, far fewer by hand.
    pub aligned: usize,
    /// Small marks above the letters (accents, dots, apostrophes).
    pub marks: usize,
    /// A digit field as the glyph reader of handwritten digits reads it,
    /// normalised, with that reader's margin (see `hand_digits`).
    pub hand: Option<(String, hand_digits::HandDigits)>,
    /// A letter field as the glyph reader of handwritten capitals reads it
    /// (see `hand_letters`).
    pub letters: Option<HandLetters>,
}

impl GlyphStats {
    /// Measures a flattened 300 dpi crop (dark ink on white).
    pub fn measure(img: &GrayImage) -> GlyphStats {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mask: Vec<bool> = img.as_raw().iter().map(|&g| g < 128).collect();
        let comps = crate::ocrb::components(&mask, w, h);
        let mut heights: Vec<usize> = comps
            .iter()
            .filter(|c| c.area >= 20)
            .map(|c| c.y1 - c.y0)
            .collect();
        if heights.is_empty() {
            return GlyphStats::default();
        }
        heights.sort_unstable();
        let ref_h = heights[(heights.len() - 1) * 9 / 10] as f32;
        let mut main: Vec<&crate::ocrb::Comp> = comps
            .iter()
            .filter(|c| (c.y1 - c.y0) as f32 >= 0.5 * ref_h)
            .collect();
        main.sort_by_key(|c| c.x0);
        let aligned = main
            .windows(2)
            .filter(|p| (p[0].y1 as i64 - p[1].y1 as i64).abs() <= 2)
            .count();
        let mut tops: Vec<usize> = main.iter().map(|c| c.y0).collect();
        tops.sort_unstable();
        let top = tops.get(tops.len() / 2).copied().unwrap_or(0) as f32;
        let marks = comps
            .iter()
            .filter(|c| {
                let (cw, ch) = ((c.x1 - c.x0) as f32, (c.y1 - c.y0) as f32);
                ch < 0.5 * ref_h
                    && cw.max(ch) >= (0.08 * ref_h).max(5.0)
                    && c.area >= 12
                    && (c.y1 as f32) < top + 0.1 * ref_h
                    // Beside the text, not a speck far away.
                    && main.iter().any(|m| c.x1 + 4 >= m.x0 && c.x0 <= m.x1 + 4)
            })
            .count();
        GlyphStats {
            pairs: main.len().saturating_sub(1),
            aligned,
            marks,
            hand: None,
            letters: None,
        }
    }
}

/// Marks above the letters that `value` accounts for: accents, the dots of
/// `i` and `j`, apostrophes.
pub fn expected_marks(value: &str) -> usize {
    value
        .chars()
        .map(|c| match c {
            'i' | 'j' | '\'' | '’' | 'é' | 'è' | 'ê' | 'à' | 'â' | 'î' | 'ô' | 'û' | 'ù' | 'ñ'
            | 'ń' | 'É' | 'È' | 'Ê' | 'À' | 'Â' | 'Î' | 'Ô' | 'Û' | 'Ù' | 'Ñ' | 'Ń' | 'á' | 'í'
            | 'ó' | 'ú' | 'Á' | 'Í' | 'Ó' | 'Ú' | 'ã' | 'õ' | 'Ã' | 'Õ' | 'š' | 'Š' | 'ž' | 'Ž'
            | 'č' | 'Č' | 'ć' | 'Ć' => 1,
            'ë' | 'ï' | 'ü' | 'ä' | 'ö' | 'ÿ' | 'Ë' | 'Ï' | 'Ü' | 'Ä' | 'Ö' | 'Ÿ' | '"' => {
                2
            }
            _ => 0,
        })
        .sum()
}

/// Centres of runs of `true` in `flags` (merged when closer than `gap`).
fn clusters(flags: &[bool], gap: usize) -> Vec<f32> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        if !flags[i] {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while i < flags.len() && (flags[i] || i - end <= gap) {
            if flags[i] {
                end = i;
            }
            i += 1;
        }
        out.push((start + end) as f32 / 2.0);
    }
    out
}

/// The longest run of `true`, gaps of up to `gap` bridged.
pub(crate) fn longest_run(it: impl Iterator<Item = bool>, gap: usize) -> usize {
    let (mut best, mut cur, mut miss) = (0, 0, 0);
    for d in it {
        if d {
            cur += 1 + miss;
            miss = 0;
            best = best.max(cur);
        } else if cur > 0 && miss < gap {
            miss += 1;
        } else {
            cur = 0;
            miss = 0;
        }
    }
    best
}

/// Matches `template` (mm) to `seen` (px) with `px = a·mm + b` for a given
/// `a`: the `b` that matches most, and how many.
fn best_offset(
    template: &[f32],
    seen: &[f32],
    a: f32,
    tol: f32,
    b_range: (f32, f32),
) -> (usize, f32, f32) {
    let mut best = (0usize, f32::MAX, 0.0f32);
    for &t in template {
        for &s in seen {
            let b = s - a * t;
            if b < b_range.0 || b > b_range.1 {
                continue;
            }
            let mut n = 0;
            let mut err = 0.0;
            for &t2 in template {
                let p = a * t2 + b;
                if let Some(d) = seen.iter().map(|&s2| (s2 - p).abs()).min_by(f32::total_cmp) {
                    if d <= tol {
                        n += 1;
                        err += d;
                    }
                }
            }
            if n > best.0 || n == best.0 && err < best.1 {
                best = (n, err, b);
            }
        }
    }
    (best.0, best.2, best.1)
}

/// Least-squares refinement of `px = a·mm + b` on matched pairs.
fn refine(template: &[f32], seen: &[f32], a: f32, b: f32, tol: f32) -> (f32, f32) {
    let pairs: Vec<(f32, f32)> = template
        .iter()
        .filter_map(|&t| {
            let p = a * t + b;
            seen.iter()
                .copied()
                .min_by(|x, y| (x - p).abs().total_cmp(&(y - p).abs()))
                .filter(|s| (s - p).abs() <= tol)
                .map(|s| (t, s))
        })
        .collect();
    if pairs.len() < 3 {
        return (a, b);
    }
    let n = pairs.len() as f32;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f32>() / n,
        pairs.iter().map(|p| p.1).sum::<f32>() / n,
    );
    let sxx: f32 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f32 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 0.0 {
        return (a, b);
    }
    let a2 = sxy / sxx;
    if (a2 / a - 1.0).abs() > 0.03 {
        return (a, b);
    }
    (a2, my - a2 * mx)
}

/// Registers a form page: template mm → upright full-resolution pixels.
pub fn register(page: &PageImage, frame: &Frame, form: &FormTemplate, page_no: u8) -> Registration {
    let s = REG_DPI / page.dpi;
    let (w, h) = (page.image.width() as f32, page.image.height() as f32);
    let img = geom::warp(&page.image, frame, 0.0, 0.0, w, h, s);
    let img = geom::flatten(&img, 20);
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let dark: Vec<bool> = img.as_raw().iter().map(|&g| g < 150).collect();
    let mm = REG_DPI / 25.4;
    let rows: Vec<bool> = (0..ih)
        .map(|y| longest_run((0..iw).map(|x| dark[y * iw + x]), 1) as f32 >= 25.0 * mm)
        .collect();
    let seen_y = clusters(&rows, 1);

    let fields: Vec<&FieldSpec> = form.fields.iter().filter(|f| f.page == page_no).collect();
    let mut ty: Vec<f32> = Vec::new();
    let mut tx: Vec<f32> = Vec::new();
    // The rows (mm) from the first to the last box whose sides are in `tx`.
    let (mut top, mut bottom) = (f32::MAX, f32::MIN);
    for f in &fields {
        let r = f.rect;
        if r[2] - r[0] >= 25.0 {
            ty.extend([r[1], r[3]]);
        }
        if r[3] - r[1] >= 7.5 && f.kind != FieldKind::Choice {
            tx.extend([r[0], r[2]]);
            (top, bottom) = (top.min(r[1]), bottom.max(r[3]));
        }
    }
    for v in [&mut ty, &mut tx] {
        v.sort_by(f32::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    }
    let tol = 0.8 * mm;
    let mut best = (0usize, 0.0f32, mm, 0.0f32);
    let mut a = mm * 0.92;
    while a <= mm * 1.02 {
        let (n, b, err) = best_offset(&ty, &seen_y, a, tol, (-30.0 * mm, 40.0 * mm));
        if n > best.0 || n == best.0 && err < best.1 {
            best = (n, err, a, b);
        }
        a += mm * 0.002;
    }
    let (mut a, mut by) = (best.2, best.3);
    let matched_y = best.0;
    if matched_y >= 3 {
        (a, by) = refine(&ty, &seen_y, a, by, tol);
    } else {
        // No boxes seen: assume a centred page at 100 %.
        a = mm;
        by = 0.0;
    }
    // Box sides are looked for between the first and last boxes' rows only:
    // a card copied below the signature has sides too.
    let row = |v: f32| ((a * v + by).round().max(0.0) as usize).min(ih);
    let (y0, y1) = if top < bottom {
        (row(top - 2.0), row(bottom + 2.0))
    } else {
        (0, ih)
    };
    let cols: Vec<bool> = (0..iw)
        .map(|x| longest_run((y0..y1).map(|y| dark[y * iw + x]), 1) as f32 >= 7.0 * mm)
        .collect();
    let seen_x = clusters(&cols, 1);
    let (nx, bx, _) = best_offset(&tx, &seen_x, a, tol, (-30.0 * mm, 40.0 * mm));
    let bx = if nx >= 2 {
        let pairs: Vec<f32> = tx
            .iter()
            .filter_map(|&t| {
                let p = a * t + bx;
                seen_x
                    .iter()
                    .copied()
                    .find(|s| (s - p).abs() <= tol)
                    .map(|s| s - a * t)
            })
            .collect();
        pairs.iter().sum::<f32>() / pairs.len().max(1) as f32
    } else {
        (img.width() as f32 - a * form.width_mm) / 2.0
    };
    let k = 1.0 / s;
    Registration {
        scale: a * k,
        dx: bx * k,
        dy: by * k,
        matched_y: (matched_y, ty.len()),
        matched_x: (nx, tx.len()),
    }
}

/// Upright crop of a template box (mm), inset by `inset_mm`, at `out_dpi`.
fn crop_box(
    page: &PageImage,
    frame: &Frame,
    reg: &Registration,
    rect: [f32; 4],
    inset_mm: f32,
    out_dpi: f32,
) -> GrayImage {
    let u0 = reg.scale * (rect[0] + inset_mm) + reg.dx;
    let v0 = reg.scale * (rect[1] + inset_mm) + reg.dy;
    let u1 = reg.scale * (rect[2] - inset_mm) + reg.dx;
    let v1 = reg.scale * (rect[3] - inset_mm) + reg.dy;
    let scale = (out_dpi / page.dpi).clamp(0.25, 3.0);
    geom::warp(&page.image, frame, u0, v0, u1, v1, scale)
}

/// Whitens what is left of the box's border after the inset (rows and
/// columns at the edges that are nearly all ink) and scanner streaks
/// (columns of ink across the whole height). Letters' strokes are never that
/// long: a "1" or the stem of a "B" stays.
fn clear_borders(img: &mut GrayImage) {
    let (w, h) = (img.width(), img.height());
    let band_y = (h / 8).max(1);
    let band_x = (h / 10).max(1).min(w / 4);
    for y in (0..band_y).chain(h.saturating_sub(band_y)..h) {
        let dark = (0..w).filter(|&x| img.get_pixel(x, y).0[0] < 128).count();
        if dark as f32 > w as f32 * 0.6 {
            (0..w).for_each(|x| img.put_pixel(x, y, Luma([255])));
        }
    }
    for x in 0..w {
        let dark = (0..h).filter(|&y| img.get_pixel(x, y).0[0] < 128).count();
        let edge = x < band_x || x >= w.saturating_sub(band_x);
        if dark as f32 > h as f32 * if edge { 0.85 } else { 0.96 } {
            (0..h).for_each(|y| img.put_pixel(x, y, Luma([255])));
        }
    }
}

fn ink_share(img: &GrayImage) -> f32 {
    let n = img.as_raw().len().max(1);
    img.as_raw().iter().filter(|&&g| g < 128).count() as f32 / n as f32
}

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

fn whitelist(kind: FieldKind) -> Option<&'static str> {
    match kind {
        // A handwritten "1" is a bare stroke that is often lost either way;
        // the whitelist still reads best (62 % vs 61 % on the samples).
        FieldKind::Date => Some("0123456789/"),
        FieldKind::Postcode => Some("0123456789"),
        FieldKind::Phone => Some("0123456789+. "),
        FieldKind::Nir => Some("0123456789AB "),
        FieldKind::Email => Some("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@.-_+"),
        FieldKind::Name | FieldKind::Names => Some(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ-' ",
        ),
        _ => None,
    }
}

/// Kind-specific repairs of raw OCR text before normalisation.
fn repair(kind: FieldKind, raw: &str) -> String {
    let digits_only = matches!(
        kind,
        FieldKind::Date | FieldKind::Postcode | FieldKind::Phone | FieldKind::Nir
    );
    let mapped: String;
    let t = if digits_only {
        mapped = raw
            .trim()
            .chars()
            .enumerate()
            .filter_map(|(i, c)| match c {
                'l' | 'I' | '|' | '!' | 'i' | ']' | '[' | 'j' | 'J' => Some('1'),
                'O' | 'o' | 'D' | 'Q' => Some('0'),
                'S' | 's' | '$' => Some('5'),
                'Z' | 'z' => Some('2'),
                'G' | 'b' => Some('6'),
                'B' if kind != FieldKind::Nir => Some('8'),
                'T' => Some('7'),
                'g' | 'q' => Some('9'),
                'A' | 'B' if kind == FieldKind::Nir && i > 4 => Some(c),
                '+' if kind == FieldKind::Phone => Some(c),
                '/' | '-' | '.' if kind == FieldKind::Date => Some('/'),
                ' ' => Some(' '),
                c if c.is_ascii_digit() => Some(c),
                _ => None,
            })
            .collect();
        mapped.as_str()
    } else {
        raw.trim()
    };
    match kind {
        FieldKind::Date => {
            let digits: String = t.chars().filter(char::is_ascii_digit).collect();
            let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            if t.split('/').filter(|p| !p.is_empty()).count() == 3 {
                t.split('/')
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("/")
            } else if digits.len() == 8 {
                format!("{}/{}/{}", &digits[..2], &digits[2..4], &digits[4..])
            } else {
                t.to_string()
            }
        }
        FieldKind::Postcode => t.chars().filter(char::is_ascii_digit).collect(),
        FieldKind::Email => t
            .replace(' ', "")
            .trim_end_matches(['.', '_', ',', '-'])
            .to_string(),
        FieldKind::Text => t.trim_end_matches(['_', ',']).to_string(),
        FieldKind::Names | FieldKind::Name => t
            .trim_matches(|c: char| c == '-' || c == '\'' || c.is_whitespace())
            .to_string(),
        _ => t.to_string(),
    }
}

/// A date `DD/MM/YYYY` whose year reads `1x..` or `2x..` (a handwritten
/// `9` or `0` misread): birth and signature years are 19.. or 20...
fn year_prior(date: &str) -> Option<String> {
    let parts: Vec<&str> = date.split('/').collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    // A speck after the year reads as a fifth digit.
    let y = if y.len() == 5 && (y.starts_with("19") || y.starts_with("20")) {
        &y[..4]
    } else {
        y
    };
    let yb = y.as_bytes();
    if yb.len() != 4 || !y.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if parts[2].len() == 5 && matches!((yb[0], yb[1]), (b'1', b'9') | (b'2', b'0')) {
        return Some(format!("{d}/{m}/{y}"));
    }
    let fixed = match (yb[0], yb[1]) {
        (b'1', c) if c != b'9' => format!("19{}", &y[2..]),
        (b'2', c) if c != b'0' => format!("20{}", &y[2..]),
        _ => return None,
    };
    Some(format!("{d}/{m}/{fixed}"))
}

/// A NIR that fails its key, mended when exactly one single change passes
/// it: a usual handwritten digit confusion, a dropped "1" (a bare stroke)
/// or one character too many.
fn mend_nir(v: &str) -> Option<String> {
    let c: Vec<char> = v.chars().filter(|c| !c.is_whitespace()).collect();
    let confusions = |d: char| -> &'static str {
        match d {
            '1' => "74",
            '7' => "12",
            '4' => "91",
            '9' => "47",
            '0' => "68",
            '6' => "05",
            '5' => "63",
            '3' => "58",
            '8' => "30",
            '2' => "7",
            _ => "",
        }
    };
    let mut found: Vec<String> = Vec::new();
    let mut try_it = |cand: Vec<char>| {
        let s: String = cand.into_iter().collect();
        if nir::parse(&s).is_ok() && !found.contains(&s) {
            found.push(s);
        }
    };
    match c.len() {
        15 => {
            for i in 0..15 {
                for r in confusions(c[i]).chars() {
                    let mut x = c.clone();
                    x[i] = r;
                    try_it(x);
                }
            }
        }
        14 => {
            for i in 0..=14 {
                let mut x = c.clone();
                x.insert(i, '1');
                try_it(x);
            }
        }
        16 => {
            for i in 0..16 {
                let mut x = c.clone();
                x.remove(i);
                try_it(x);
            }
        }
        _ => {}
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// Whether a normalised value has the shape its kind requires.
pub(crate) fn fits(kind: FieldKind, v: &str) -> bool {
    match kind {
        FieldKind::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        FieldKind::Postcode => values::normalize_postcode(v).is_ok(),
        FieldKind::Email => values::normalize_email(v).is_ok(),
        FieldKind::Nir => nir::parse(v).is_ok(),
        FieldKind::Phone => v.len() == 10 && v.starts_with('0'),
        FieldKind::Name | FieldKind::Names => {
            v.chars().all(|c| c.is_alphabetic() || " -'".contains(c))
        }
        _ => true,
    }
}

/// Whether a value that fits its kind is also likely on this form: birth
/// and signature dates fall in the 1900s or 2000s.
fn plausible(kind: FieldKind, v: &str) -> bool {
    kind != FieldKind::Date || v.starts_with("19") || v.starts_with("20")
}

/// Reads every field of `page_no` on a registered form page.
pub fn read_fields(
    page: &PageImage,
    a: &PageAnalysis,
    form: &FormTemplate,
    page_no: u8,
) -> Result<(BTreeMap<String, FieldRead>, Registration), String> {
    let reg = register(page, &a.frame, form, page_no);
    let frame = a.frame;
    let mut out = BTreeMap::new();
    for f in form.fields.iter().filter(|f| f.page == page_no) {
        let view = crop_box(page, &frame, &reg, f.rect, -1.0, 150.0);
        let mut glyphs = None;
        let read = match f.kind {
            FieldKind::Checkbox | FieldKind::Signature => {
                let inset = if f.kind == FieldKind::Checkbox {
                    0.9
                } else {
                    1.2
                };
                let mut c = geom::flatten(&crop_box(page, &frame, &reg, f.rect, inset, 150.0), 12);
                clear_borders(&mut c);
                let ink = ink_share(&c);
                let threshold = if f.kind == FieldKind::Checkbox {
                    0.06
                } else {
                    0.004
                };
                let margin = (ink - threshold).abs() / threshold;
                FieldReading {
                    value: Some(FieldValue::Bool(ink > threshold)),
                    confidence: (0.6 + margin.min(1.0) * 0.39).min(0.99),
                }
            }
            FieldKind::Choice => {
                let inks: Vec<(f32, &str)> = f
                    .options
                    .iter()
                    .map(|o| {
                        let mut c =
                            geom::flatten(&crop_box(page, &frame, &reg, o.rect, 0.9, 150.0), 12);
                        clear_borders(&mut c);
                        (ink_share(&c), o.value.as_str())
                    })
                    .collect();
                let best = inks.iter().copied().max_by(|x, y| x.0.total_cmp(&y.0));
                match best {
                    Some((ink, v)) if ink > 0.06 => {
                        let second = inks
                            .iter()
                            .filter(|x| x.1 != v)
                            .map(|x| x.0)
                            .fold(0.0, f32::max);
                        FieldReading {
                            value: Some(FieldValue::Text(v.to_string())),
                            confidence: if second > 0.06 { 0.4 } else { 0.95 },
                        }
                    }
                    _ => FieldReading {
                        value: None,
                        confidence: 0.9,
                    },
                }
            }
            kind => {
                let (r, g) = read_text_field(page, &frame, &reg, f, kind)?;
                glyphs = g;
                r
            }
        };
        out.insert(
            f.key.clone(),
            FieldRead {
                reading: read,
                png: png(&view),
                glyphs,
            },
        );
    }
    Ok((out, reg))
}

fn read_text_field(
    page: &PageImage,
    frame: &Frame,
    reg: &Registration,
    f: &FieldSpec,
    kind: FieldKind,
) -> Result<(FieldReading, Option<GlyphStats>), String> {
    let dpi = 300.0;
    let mut c = geom::flatten(&crop_box(page, frame, reg, f.rect, 0.5, dpi), 24);
    clear_borders(&mut c);
    if ink_share(&c) < 0.003 {
        return Ok((
            FieldReading {
                value: None,
                confidence: 0.9,
            },
            None,
        ));
    }
    let mut stats = GlyphStats::measure(&c);
    let valid = |t: &str| match normalize(kind, t) {
        Some(FieldValue::Text(v)) => fits(kind, &v) && plausible(kind, &v),
        _ => false,
    };
    stats.hand = if f.key == "address_line" {
        hand_digits::leading_number(&c).map(|h| (h.text.clone(), h))
    } else {
        hand_digits::read(kind, &c, valid).and_then(|h| match normalize(kind, &h.text) {
            Some(FieldValue::Text(v)) => Some((v, h)),
            _ => None,
        })
    };
    if matches!(
        kind,
        FieldKind::Name | FieldKind::Names | FieldKind::Text | FieldKind::Email
    ) {
        // Accents and cedillas of a hand run over the box's edges: the
        // glyph reader sees the box's lines and above and below them.
        let r = f.rect;
        let rect = [r[0], r[1] - LETTERS_ABOVE_MM, r[2], r[3] + LETTERS_BELOW_MM];
        let tall = geom::flatten(&crop_box(page, frame, reg, rect, 0.5, dpi), 24);
        stats.letters = hand_letters::read(kind, &tall);
    }
    let opts = OcrOptions {
        psm: PageSegMode::PsmSingleLine,
        whitelist: whitelist(kind),
        dpi,
        pad: 12,
        ..OcrOptions::default()
    };
    let mut t = ocr::read_image(&c, &opts)?;
    // Words of very low confidence on a field are usually specks or border bits.
    t.words
        .retain(|w| w.conf > 0.2 || w.text.chars().count() > 1);
    // Bits of the box's border and specks read as punctuation-only words.
    t.words
        .retain(|w| w.text.chars().any(char::is_alphanumeric) || w.text.contains('@'));
    // A speck or a bit of border after the text reads as a short unsure
    // "o", "oo", "0" at the end.
    while t.words.len() > 1
        && t.words.last().is_some_and(|w| {
            w.conf < 0.7
                && w.text.chars().count() <= 2
                && w.text.chars().all(|c| "oO0.-_'".contains(c))
        })
    {
        t.words.pop();
    }
    let raw = t
        .words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut value = normalize(kind, &repair(kind, &raw));
    let mut conf = t.confidence;
    // A digit field that does not have its shape: the English model, then
    // the raw-line mode, may read it better.
    let digits = matches!(
        kind,
        FieldKind::Date | FieldKind::Postcode | FieldKind::Phone | FieldKind::Nir
    );
    let shaped = |v: &Option<FieldValue>| matches!(v, Some(FieldValue::Text(s)) if fits(kind, s));
    // Typed, with all its characters, the value is as the applicant wrote
    // it even against the rules (`00000`, a key that fails): no re-read
    // may turn it into a valid one.
    let typed = stats.pairs >= 4 && on_one_baseline(stats.pairs, stats.aligned);
    let complete = match &value {
        Some(FieldValue::Text(v)) => {
            Some(v.chars().filter(char::is_ascii_alphanumeric).count()) == hand_digits::length(kind)
        }
        _ => false,
    };
    if digits && !shaped(&value) && !(typed && complete) {
        for (lang, psm) in [
            (ocr::Lang::Eng, PageSegMode::PsmSingleLine),
            (ocr::Lang::Fra, PageSegMode::PsmRawLine),
        ] {
            let o = OcrOptions { lang, psm, ..opts };
            let t2 = ocr::read_image(&c, &o)?;
            let raw2 = t2
                .words
                .iter()
                .filter(|w| w.text.chars().any(char::is_alphanumeric))
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let v2 = normalize(kind, &repair(kind, &raw2));
            if shaped(&v2) {
                value = v2;
                conf = t2.confidence.min(0.55);
                break;
            }
        }
    }
    // What the field's own rules allow to mend; never trusted. A typed NIR
    // that fails its key is as the applicant wrote it (Tesseract reads
    // typed digits right; the mend is for a hand's confusions).
    let mended = match (&value, kind) {
        (Some(FieldValue::Text(v)), FieldKind::Nir) if !fits(kind, v) && !typed => mend_nir(v),
        (Some(FieldValue::Text(_)), FieldKind::Date) => {
            let r = repair(kind, &raw);
            year_prior(&r).and_then(|r| match normalize(kind, &r) {
                Some(FieldValue::Text(v)) if fits(kind, &v) => Some(v),
                _ => None,
            })
        }
        _ => None,
    };
    if let Some(m) = mended {
        value = Some(FieldValue::Text(m));
        conf = conf.min(0.5);
    }
    if let Some(FieldValue::Text(v)) = &value {
        if !fits(kind, v) {
            conf *= 0.5;
        }
    }
    Ok((
        FieldReading {
            value,
            confidence: conf,
        },
        Some(stats),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_scale_are_found_from_edges() {
        let template = [62.0, 71.0, 75.0, 84.0, 88.0, 97.0, 101.0, 110.0];
        let (a, b) = (3.8f32, 12.0f32);
        let seen: Vec<f32> = template
            .iter()
            .map(|t| a * t + b)
            .chain([500.0, 20.0])
            .collect();
        let (n, found_b, _) = best_offset(&template, &seen, a, 2.0, (-100.0, 100.0));
        assert_eq!(n, template.len());
        assert!((found_b - b).abs() < 0.01);
        let (a2, b2) = refine(&template, &seen, a * 1.005, b, 4.0);
        assert!((a2 - a).abs() < 0.01 && (b2 - b).abs() < 0.5, "{a2} {b2}");
    }

    #[test]
    fn years_and_nir_keys_mend_what_they_can() {
        assert_eq!(year_prior("24/05/1162").as_deref(), Some("24/05/1962"));
        assert_eq!(year_prior("24/05/2124").as_deref(), Some("24/05/2024"));
        assert_eq!(year_prior("24/05/1962"), None);
        assert_eq!(year_prior("02/07/20241").as_deref(), Some("02/07/2024"));
        // 2 84 99 99 122 693 42 with its last-but-two digit dropped.
        assert_eq!(mend_nir("28499991226942").as_deref(), None);
        let good = "284999912269342";
        let dropped: String = good
            .chars()
            .enumerate()
            .filter(|(i, _)| *i != 9)
            .map(|x| x.1)
            .collect();
        if let Some(m) = mend_nir(&dropped) {
            assert_eq!(m, good);
        }
    }

    #[test]
    fn date_digits_get_their_slashes() {
        assert_eq!(repair(FieldKind::Date, "24021984"), "24/02/1984");
        assert_eq!(repair(FieldKind::Postcode, "59 500"), "59500");
    }

    #[test]
    fn runs_and_clusters() {
        assert_eq!(
            longest_run([true, true, false, true, true, true].into_iter(), 1),
            6
        );
        assert_eq!(
            longest_run([true, false, false, true, true].into_iter(), 1),
            2
        );
        assert_eq!(
            clusters(&[false, true, true, false, false, false, true], 1),
            vec![1.5, 6.0]
        );
    }
}
