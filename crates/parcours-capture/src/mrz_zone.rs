//! The machine-readable zone of an identity document.
//!
//! The zone is found from the lines of the page's classification OCR that
//! look like an MRZ, then handled on its own: cards lie on the glass rotated
//! independently of the page, so the zone gets its own skew (projection
//! profile of its ink), is cut into lines by a horizontal projection (each
//! line's extent by its columns, so a card lying beside is left out), and
//! each line is read alone (one text line, English model, MRZ alphabet).
//! Filler runs read as `K`/`X` are fixed, and when the check digits fail the
//! lines are read again in other ways: the check digits choose.

use chrono::NaiveDate;
use image::GrayImage;
use parcours_domain::mrz::{self, MrzReading};

use crate::geom::{self, Frame};
use crate::ocr::{self, Lang, OcrOptions, OcrText, PageSegMode, MRZ_CHARS};
use crate::ocrb;
use crate::page::PageAnalysis;
use crate::pages::PageImage;

/// A box, upright full-resolution pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bx {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

/// Whether a line of OCR text (spaces removed) may be a piece of MRZ.
fn mrz_like(s: &str) -> bool {
    let lt = s.chars().filter(|&c| c == '<').count();
    let up = s
        .chars()
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<')
        .count();
    (s.len() >= 10 && lt >= 2) || (s.len() >= 22 && up * 10 >= s.len() * 9 && lt >= 1)
}

/// Whether the page's OCR holds a line that looks like MRZ (cheap: a page
/// classified otherwise, e.g. a carte Vitale beside an identity card whose
/// printed words were missed, is worth a [`read`] then).
pub fn seen_in_text(a: &PageAnalysis) -> bool {
    a.text.lines().into_iter().any(|line| {
        let s: String = line.iter().flat_map(|w| w.text.chars()).collect();
        mrz_like(&s)
    })
}

/// Groups of MRZ-like lines of the page OCR (upright full-resolution
/// pixels), the most promising first.
fn bands(t: &OcrText, k: f32, mm: f32) -> Vec<(Bx, usize)> {
    let mut boxes: Vec<Bx> = Vec::new();
    for line in t.lines() {
        let s: String = line.iter().flat_map(|w| w.text.chars()).collect();
        if !mrz_like(&s) {
            continue;
        }
        // Only the line's MRZ-looking words: a line of the OCR may run on
        // across a card lying beside.
        let line: Vec<_> = line
            .into_iter()
            .filter(|w| {
                w.text.contains('<')
                    || w.text.len() >= 6
                        && w.text
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
            .collect();
        if line.is_empty() {
            continue;
        }
        let x0 = line.iter().map(|w| w.rect.x).min().unwrap_or(0) as f32 * k;
        let y0 = line.iter().map(|w| w.rect.y).min().unwrap_or(0) as f32 * k;
        let x1 = line.iter().map(|w| w.rect.x + w.rect.w).max().unwrap_or(0) as f32 * k;
        let y1 = line.iter().map(|w| w.rect.y + w.rect.h).max().unwrap_or(0) as f32 * k;
        boxes.push(Bx { x0, y0, x1, y1 });
    }
    let mut groups: Vec<(Bx, usize)> = Vec::new();
    for b in boxes {
        let near = groups.iter_mut().find(|(g, _)| {
            b.y0 < g.y1 + 8.0 * mm
                && b.y1 > g.y0 - 8.0 * mm
                && b.x0 < g.x1 + 10.0 * mm
                && b.x1 > g.x0 - 10.0 * mm
        });
        match near {
            Some((g, n)) => {
                *g = Bx {
                    x0: g.x0.min(b.x0),
                    y0: g.y0.min(b.y0),
                    x1: g.x1.max(b.x1),
                    y1: g.y1.max(b.y1),
                };
                *n += 1;
            }
            None => groups.push((b, 1)),
        }
    }
    groups.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(((b.0.x1 - b.0.x0) as i64).cmp(&((a.0.x1 - a.0.x0) as i64)))
    });
    groups
}

/// Ink mask of a flattened image.
fn ink(img: &GrayImage) -> Vec<bool> {
    img.as_raw().iter().map(|&g| g < 128).collect()
}

/// Runs of `true` (start, end exclusive), merged over gaps up to `gap`.
fn runs(flags: &[bool], gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        if !flags[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < flags.len() && flags[i] {
            i += 1;
        }
        match out.last_mut() {
            Some(last) if start - last.1 <= gap => last.1 = i,
            _ => out.push((start, i)),
        }
    }
    out
}

/// One text line of the zone image: rows and columns (pixels of the zone image).
#[derive(Debug, Clone, Copy)]
struct LineBox {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// The long text lines of a flattened zone image that cross columns
/// `[cx0, cx1)`; `px_mm` pixels per mm. Rows are found in windows 40 mm
/// wide (another card's lines beside do not fall on the same rows), each
/// line's extent from its columns.
fn text_lines(img: &GrayImage, cx0: usize, cx1: usize, px_mm: f32) -> Vec<LineBox> {
    text_lines_win(img, cx0, cx1, px_mm, 40.0)
}

/// [`text_lines`] with windows `win_mm` wide (narrow ones keep tilted
/// lines apart).
fn text_lines_win(
    img: &GrayImage,
    cx0: usize,
    cx1: usize,
    px_mm: f32,
    win_mm: f32,
) -> Vec<LineBox> {
    let win = (win_mm * px_mm) as usize;
    let mut out: Vec<LineBox> = Vec::new();
    let mut a = cx0;
    loop {
        let b = (a + win).min(cx1);
        for l in text_lines_in(img, a, b, px_mm) {
            let same = out.iter_mut().find(|o| {
                let oy = o.y1.min(l.y1).saturating_sub(o.y0.max(l.y0));
                let ox = o.x1.min(l.x1).saturating_sub(o.x0.max(l.x0));
                oy * 2 > (l.y1 - l.y0).min(o.y1 - o.y0) && ox * 2 > (l.x1 - l.x0).min(o.x1 - o.x0)
            });
            match same {
                Some(o) => {
                    if l.x1 - l.x0 > o.x1 - o.x0 {
                        *o = l;
                    }
                }
                None => out.push(l),
            }
        }
        if b >= cx1 {
            break;
        }
        a += win / 2;
    }
    out.sort_by_key(|l| l.y0);
    out
}

/// [`text_lines`] for one window of columns.
fn text_lines_in(img: &GrayImage, cx0: usize, cx1: usize, px_mm: f32) -> Vec<LineBox> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let m = ink(img);
    let (cx0, cx1) = (cx0.min(w), cx1.min(w));
    if cx1 <= cx0 {
        return Vec::new();
    }
    let span = cx1 - cx0;
    let rows: Vec<bool> = (0..h)
        .map(|y| {
            let n = m[y * w + cx0..y * w + cx1].iter().filter(|&&b| b).count();
            n as f32 >= span as f32 * 0.03
        })
        .collect();
    let mut out = Vec::new();
    for (y0, y1) in runs(&rows, (0.25 * px_mm) as usize) {
        let hh = (y1 - y0) as f32 / px_mm;
        if !(1.3..=7.5).contains(&hh) {
            continue;
        }
        let cols: Vec<bool> = (0..w).map(|x| (y0..y1).any(|y| m[y * w + x])).collect();
        let segs = runs(&cols, (2.0 * px_mm) as usize);
        // The segment that overlaps the band most.
        let best = segs
            .into_iter()
            .map(|(a, b)| (a, b, b.min(cx1).saturating_sub(a.max(cx0))))
            .max_by_key(|s| s.2);
        if let Some((a, b, overlap)) = best {
            if overlap > 0 && (b - a) as f32 >= 40.0 * px_mm {
                out.push(LineBox {
                    x0: a,
                    y0,
                    x1: b,
                    y1,
                });
            }
        }
    }
    out
}

/// Removes spaces and fixes filler runs.
fn clean(text: &str) -> String {
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    fix_fillers(&s)
}

/// Whether a line read with the MRZ whitelist is MRZ rather than the card's
/// printed text: filler present, or a code/number line.
fn looks_mrz(l: &str) -> bool {
    l.len() >= 20 && (l.contains("<<") || l.chars().filter(char::is_ascii_digit).count() >= 8)
}

/// OCR reads runs of `<` filler partly as `K` or `X`: in a run of `<`, `K`
/// and `X` of length 3 or more holding a `<` (or 5+ long), every character
/// becomes `<`, except a first `K`/`X` right after a letter (`ERIK<<`).
pub fn fix_fillers(line: &str) -> String {
    let c: Vec<char> = line.chars().collect();
    let mut out = c.clone();
    let mut i = 0;
    while i < c.len() {
        if !matches!(c[i], '<' | 'K' | 'X') {
            i += 1;
            continue;
        }
        let start = i;
        while i < c.len() && matches!(c[i], '<' | 'K' | 'X') {
            i += 1;
        }
        let run = &c[start..i];
        if run.len() >= 3 && (run.contains(&'<') || run.len() >= 5) {
            let keep_first = run[0] != '<' && start > 0 && c[start - 1].is_ascii_uppercase();
            for (j, o) in out[start..i].iter_mut().enumerate() {
                if !(j == 0 && keep_first) {
                    *o = '<';
                }
            }
        }
    }
    out.into_iter().collect()
}

/// A reading's rank: valid first, then parsed, then fewer problems.
fn rank(r: &MrzReading) -> (bool, bool, i64) {
    (r.valid, r.mrz.is_some(), -(r.errors.len() as i64))
}

/// The best reading of groups of consecutive lines (2 or 3) of `lines`.
fn best_group(lines: &[String], on: NaiveDate) -> Option<MrzReading> {
    let mut best: Option<MrzReading> = None;
    let n = lines.len();
    // Bottom groups first: the MRZ is the last lines of the card.
    for size in [3usize, 2] {
        if n < size {
            continue;
        }
        for start in (0..=n - size).rev() {
            let g: Vec<&str> = lines[start..start + size]
                .iter()
                .map(String::as_str)
                .collect();
            let r = mrz::read(&g, on);
            if r.valid {
                return Some(r);
            }
            if best.as_ref().is_none_or(|b| rank(&r) > rank(b)) {
                best = Some(r);
            }
        }
    }
    best
}

/// The image of one line of the zone, with a margin.
fn line_image(zone: &GrayImage, lb: &LineBox, px_mm: f32) -> GrayImage {
    let mx = (1.5 * px_mm) as i64;
    let my = (0.6 * px_mm) as i64;
    let x0 = (lb.x0 as i64 - mx).max(0) as u32;
    let y0 = (lb.y0 as i64 - my).max(0) as u32;
    let x1 = ((lb.x1 as i64 + mx) as u32).min(zone.width());
    let y1 = ((lb.y1 as i64 + my) as u32).min(zone.height());
    image::imageops::crop_imm(zone, x0, y0, x1 - x0, y1 - y0).to_image()
}

/// Reads the MRZ of an identity-document page; `None` when no zone is found.
pub fn read(page: &PageImage, a: &PageAnalysis, on: NaiveDate) -> Option<MrzReading> {
    let k = a.work_k as f32;
    let mm = page.dpi / 25.4;
    let scale = (300.0 / page.dpi).clamp(1.0, 2.0);
    let px_mm = mm * scale;
    let mut best: Option<MrzReading> = None;
    let from_text: Vec<Bx> = bands(&a.text, k, mm)
        .into_iter()
        .take(2)
        .map(|b| b.0)
        .collect();
    let mut tried: Vec<Bx> = Vec::new();
    for band in from_text {
        let r = read_band(page, &a.frame, band, mm, scale, px_mm, on);
        tried.push(band);
        if let Some(r) = r {
            if r.valid {
                return Some(r);
            }
            if best.as_ref().is_none_or(|b| rank(&r) > rank(b)) {
                best = Some(r);
            }
        }
    }
    // The page's OCR may miss the zone altogether: look for it in the image.
    for band in geometric_bands(page, a).into_iter().take(2) {
        let seen = tried.iter().any(|t| {
            band.y0 < t.y1 + 3.0 * mm
                && band.y1 > t.y0 - 3.0 * mm
                && band.x0 < t.x1
                && band.x1 > t.x0
        });
        if seen {
            continue;
        }
        if let Some(r) = read_band(page, &a.frame, band, mm, scale, px_mm, on) {
            if r.valid {
                return Some(r);
            }
            if best.as_ref().is_none_or(|b| rank(&r) > rank(b)) {
                best = Some(r);
            }
        }
    }
    best
}

/// The MRZ of a document copied onto a form page, found in the page's own
/// frame (a card on a form lies about straight) at half the working
/// resolution: cheap enough for every form page. `None` unless it passes
/// its check digits.
pub fn read_on_form(page: &PageImage, a: &PageAnalysis, on: NaiveDate) -> Option<MrzReading> {
    let k = a.work_k * 2;
    let small = geom::box_downscale(&page.image, k);
    let mm = page.dpi / 25.4;
    let scale = (300.0 / page.dpi).clamp(1.0, 2.0);
    geometric_bands_at(page, k, &small, &a.frame)
        .into_iter()
        .take(2)
        .filter_map(|band| read_band(page, &a.frame, band, mm, scale, mm * scale, on))
        .find(|r| r.valid)
}

/// Groups of two or three long text lines of the same width, one above
/// the other at an MRZ's pitch, in the upright page at working resolution
/// (upright full-resolution pixels), the widest first.
fn geometric_bands(page: &PageImage, a: &PageAnalysis) -> Vec<Bx> {
    let small = geom::box_downscale(&page.image, a.work_k);
    let mut out = Vec::new();
    // Cards turned more than a few degrees from the page merge their lines:
    // look at the page turned by a few degrees too.
    for turn in [0.0f32, -6.0, 6.0] {
        let f = Frame {
            skew_deg: a.frame.skew_deg + turn,
            ..a.frame
        };
        for b in geometric_bands_at(page, a.work_k, &small, &f) {
            // Back to the page's frame (full resolution): the box of the corners.
            let corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x0, b.y1), (b.x1, b.y1)];
            let pts: Vec<(f32, f32)> = corners
                .iter()
                .map(|&(u, v)| {
                    let (x, y) = f.map(u, v);
                    a.frame.unmap(x, y)
                })
                .collect();
            out.push(Bx {
                x0: pts.iter().map(|p| p.0).fold(f32::MAX, f32::min),
                y0: pts.iter().map(|p| p.1).fold(f32::MAX, f32::min),
                x1: pts.iter().map(|p| p.0).fold(f32::MIN, f32::max),
                y1: pts.iter().map(|p| p.1).fold(f32::MIN, f32::max),
            });
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

/// [`geometric_bands`] in the frame `frame` (full-resolution boxes in it).
fn geometric_bands_at(page: &PageImage, work_k: u32, small: &GrayImage, frame: &Frame) -> Vec<Bx> {
    let f = Frame {
        w: small.width() as f32,
        h: small.height() as f32,
        ..*frame
    };
    let work = geom::warp(small, &f, 0.0, 0.0, f.w, f.h, 1.0);
    let wdpi = page.dpi / work_k as f32;
    let px_mm = wdpi / 25.4;
    let flat = geom::flatten(&work, (3.0 * px_mm) as u32);
    let lines: Vec<LineBox> = text_lines_win(&flat, 0, flat.width() as usize, px_mm, 16.0)
        .into_iter()
        .filter(|l| (l.x1 - l.x0) as f32 >= 55.0 * px_mm)
        .collect();
    let k = work_k as f32;
    let mut out: Vec<(Bx, f32)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let mut group = vec![l];
        for m in &lines[i + 1..] {
            let last = group[group.len() - 1];
            let pitch = (m.y0 + m.y1) as f32 / 2.0 - (last.y0 + last.y1) as f32 / 2.0;
            let same_width = ((m.x1 - m.x0) as f32 - (l.x1 - l.x0) as f32).abs() <= 6.0 * px_mm
                && (m.x0 as f32 - l.x0 as f32).abs() <= 6.0 * px_mm;
            if same_width && (2.8 * px_mm..=6.5 * px_mm).contains(&pitch) {
                group.push(m);
                if group.len() == 3 {
                    break;
                }
            }
        }
        if group.len() < 2 {
            continue;
        }
        let b = Bx {
            x0: group.iter().map(|g| g.x0).min().unwrap_or(0) as f32 * k,
            y0: group.iter().map(|g| g.y0).min().unwrap_or(0) as f32 * k,
            x1: group.iter().map(|g| g.x1).max().unwrap_or(0) as f32 * k,
            y1: group.iter().map(|g| g.y1).max().unwrap_or(0) as f32 * k,
        };
        if !out
            .iter()
            .any(|o| o.0.y0 < b.y1 && o.0.y1 > b.y0 && o.0.x0 < b.x1 && o.0.x1 > b.x0)
        {
            out.push((b, (l.x1 - l.x0) as f32));
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.into_iter().map(|o| o.0).collect()
}

/// The zone deskewed by the skew of the ink in columns `cols` of `first`
/// (the zone `[u0, v0, u1, v1]` flattened under the page's frame), with its
/// long text lines.
fn deskewed_zone(
    page: &PageImage,
    frame: &Frame,
    first: &GrayImage,
    r: [f32; 4],
    cols: (u32, u32),
    scale: f32,
    px_mm: f32,
) -> (GrayImage, Vec<LineBox>) {
    let [u0, v0, u1, v1] = r;
    let (w, h) = (first.width(), first.height());
    let (cx0, cx1) = (cols.0.min(w), cols.1.min(w));
    let m = ink(first);
    let mut sub = vec![false; (w * h) as usize];
    for y in 0..h {
        for x in cx0..cx1 {
            sub[(y * w + x) as usize] = m[(y * w + x) as usize];
        }
    }
    // ±8° from the page, and ±10° from the scan's axes: the page's skew
    // may be another card's, or wrong.
    let lo = (-8.0f32).min(-10.0 - frame.skew_deg);
    let hi = 8.0f32.max(10.0 - frame.skew_deg);
    let delta = geom::skew_between(&sub, w, h, lo, hi);
    let f2 = Frame {
        skew_deg: frame.skew_deg + delta,
        ..*frame
    };
    // The columns' centre stays where it was in the scan (turning about the
    // page's centre would move a card lying to one side out of the zone).
    let cu = u0 + (cx0 + cx1) as f32 / 2.0 / scale;
    let cv = (v0 + v1) / 2.0;
    let (sx, sy) = frame.map(cu, cv);
    let (cu2, cv2) = f2.unmap(sx, sy);
    let (du, dv) = (cu2 - cu, cv2 - cv);
    let block = (3.0 * px_mm) as u32;
    let zone = geom::flatten(
        &geom::warp(&page.image, &f2, u0 + du, v0 + dv, u1 + du, v1 + dv, scale),
        block,
    );
    let lines = text_lines(&zone, cx0 as usize, cx1 as usize, px_mm);
    (zone, lines)
}

fn read_band(
    page: &PageImage,
    frame: &Frame,
    band: Bx,
    mm: f32,
    scale: f32,
    px_mm: f32,
    on: NaiveDate,
) -> Option<MrzReading> {
    // The page OCR may have seen only part of the lines: take the page's
    // width (the lines' own extents are found from their columns).
    let u0 = -5.0 * mm;
    let u1 = frame.w + 5.0 * mm;
    // A band of one line may be the zone's first or last: two line
    // pitches and a card's turn either side.
    let v0 = band.y0 - 14.0 * mm;
    let v1 = band.y1 + 14.0 * mm;
    let block = (3.0 * px_mm) as u32;
    let first = geom::flatten(
        &geom::warp(&page.image, frame, u0, v0, u1, v1, scale),
        block,
    );
    let w = first.width();
    // The band's columns, at least 50 mm of them (a skew needs length).
    let grow = ((50.0 * mm - (band.x1 - band.x0)) / 2.0).max(0.0);
    let cx0 = ((band.x0 - grow - u0).max(0.0) * scale) as u32;
    let cx1 = (((band.x1 + grow - u0) * scale) as u32).min(w);
    let (mut zone, mut lines) = deskewed_zone(
        page,
        frame,
        &first,
        [u0, v0, u1, v1],
        (cx0, cx1),
        scale,
        px_mm,
    );
    // The band may have pointed at another card's text: the widest line
    // found tells where the zone is; take its skew when it lies elsewhere.
    if let Some(l) = lines.iter().max_by_key(|l| l.x1 - l.x0) {
        let (l0, l1) = (l.x0 as u32, l.x1 as u32);
        let slack = (10.0 * px_mm) as u32;
        if l0 + slack < cx0 || l1 > cx1 + slack {
            let again = deskewed_zone(
                page,
                frame,
                &first,
                [u0, v0, u1, v1],
                (l0, l1),
                scale,
                px_mm,
            );
            if again.1.len() >= lines.len() {
                (zone, lines) = again;
            }
        }
    }
    if lines.is_empty() {
        (zone, lines) = deskewed_zone(page, frame, &first, [u0, v0, u1, v1], (0, w), scale, px_mm);
    }
    if lines.is_empty() {
        return None;
    }
    let dpi = page.dpi * scale;
    let read_line = |lb: &LineBox| -> String {
        let img = line_image(&zone, lb, px_mm);
        let opts = OcrOptions {
            lang: Lang::Eng,
            psm: PageSegMode::PsmSingleLine,
            whitelist: Some(MRZ_CHARS),
            dpi,
            pad: 20,
        };
        ocr::read_image(&img, &opts)
            .map(|t| clean(&t.text))
            .unwrap_or_default()
    };
    // Template reading of every line first: usually enough, and cheap.
    let tpl: Vec<(usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, lb)| {
            let cells = ocrb::read_line(&zone, lb.x0, lb.y0, lb.x1, lb.y1);
            let mean = cells.iter().map(|c| c.score).sum::<f32>() / cells.len().max(1) as f32;
            let s = ocrb::text(&cells);
            (mean >= 0.5 && looks_mrz(&s)).then_some((i, s))
        })
        .collect();
    let texts: Vec<String> = tpl.iter().map(|x| x.1.clone()).collect();
    let best = best_group(&texts, on);
    if best.as_ref().is_some_and(|r| r.valid) {
        return best;
    }
    // Tesseract's readings of the lines as alternatives.
    let mut idx: Vec<usize> = tpl.iter().map(|x| x.0).collect();
    let mut alts: Vec<Vec<String>> = tpl.iter().map(|x| vec![x.1.clone()]).collect();
    for (i, lb) in lines.iter().enumerate() {
        let s = read_line(lb);
        if !looks_mrz(&s) {
            continue;
        }
        match idx.iter().position(|&j| j == i) {
            Some(j) => {
                if !alts[j].contains(&s) {
                    alts[j].push(s);
                }
            }
            None => {
                let at = idx.iter().position(|&j| j > i).unwrap_or(idx.len());
                idx.insert(at, i);
                alts.insert(at, vec![s]);
            }
        }
    }
    let mut best = best;
    // Every combination over the last three lines (at most 27 readings).
    let n = alts.len();
    let from = n.saturating_sub(3);
    let mut combo = vec![0usize; n - from];
    loop {
        let mut lines: Vec<String> = alts[..from].iter().map(|a| a[0].clone()).collect();
        lines.extend(
            combo
                .iter()
                .enumerate()
                .map(|(j, &c)| alts[from + j][c].clone()),
        );
        if let Some(r) = best_group(&lines, on) {
            if r.valid {
                return Some(r);
            }
            if best.as_ref().is_none_or(|b| rank(&r) > rank(b)) {
                best = Some(r);
            }
        }
        // Next combination.
        let mut j = 0;
        loop {
            if j == combo.len() {
                return best;
            }
            combo[j] += 1;
            if combo[j] < alts[from + j].len() {
                break;
            }
            combo[j] = 0;
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_runs_read_as_k_are_fixed() {
        assert_eq!(
            fix_fillers("IDFRABODIN<<<<<<<<<<K<<<K<<<<<244258"),
            "IDFRABODIN<<<<<<<<<<<<<<<<<<<<244258"
        );
        assert_eq!(fix_fillers("ERIK<<JO<<KKKKKK"), "ERIK<<JO<<<<<<<<");
    }

    #[test]
    fn runs_merge_small_gaps() {
        let f = [true, true, false, true, false, false, false, true];
        assert_eq!(runs(&f, 1), vec![(0, 4), (7, 8)]);
    }

    #[test]
    fn skew_is_found_beyond_eight_degrees() {
        // Parallel dashed lines going up to the right by 9.5°.
        let (w, h) = (600u32, 300u32);
        let t = (-9.5f32).to_radians().tan();
        let mut m = vec![false; (w * h) as usize];
        for x in 0..w {
            if x % 12 > 8 {
                continue;
            }
            for k in 0..4 {
                let yc = 150.0 + x as f32 * t + k as f32 * 40.0;
                for dy in 0..10 {
                    let y = yc as i64 + dy;
                    if (0..h as i64).contains(&y) {
                        m[(y as u32 * w + x) as usize] = true;
                    }
                }
            }
        }
        let d = geom::skew_between(&m, w, h, -12.0, 8.0);
        assert!((d + 9.5).abs() < 0.2, "{d}");
    }

    /// A TD1 zone on a card lying far right of the page's centre, turned
    /// 11° from what the page's skew says, found from its first line alone.
    #[test]
    fn a_zone_turned_far_from_the_page_is_read() {
        use crate::ocrb_templates::{CELL_H_OVER_W, TEMPLATES, TH, TW};
        use image::Luma;
        let mrz = [
            "IDFRAGN2WZJW8B0<<<<<<<<<<<<<<<",
            "6409203F3210226FRA<<<<<<<<<<<6",
            "ROUSSEL<<JOSIANE<<<<<<<<<<<<<<",
        ];
        let (w, h) = (2400u32, 1200u32);
        let (cw, ch) = (30usize, (30.0 * CELL_H_OVER_W).round() as usize);
        let (x0, y0, pitch) = (1380usize, 600usize, 51usize);
        let mut upright = GrayImage::from_pixel(w, h, Luma([250]));
        for (j, line) in mrz.iter().enumerate() {
            for (i, c) in line.chars().enumerate() {
                let (_, px) = TEMPLATES.iter().find(|t| t.0 == c).unwrap();
                for y in 0..ch {
                    for x in 0..cw {
                        let v = px[(y * TH / ch) * TW + x * TW / cw].max(20);
                        let (px_x, px_y) = (x0 + i * cw + x, y0 + j * pitch + y);
                        upright.put_pixel(px_x as u32, px_y as u32, Luma([v.min(250)]));
                    }
                }
            }
        }
        // The card lies turned by 2° on the scan; the page's skew says 9°.
        let card = Frame {
            skew_deg: 2.0,
            ..Frame::upright(w, h)
        };
        let image = geom::warp(&upright, &card, 0.0, 0.0, w as f32, h as f32, 1.0);
        let page = PageImage {
            source_file: String::new(),
            source_page: 1,
            image,
            dpi: 300.0,
            encoded: Vec::new(),
            ext: "png",
        };
        let frame = Frame {
            skew_deg: 9.0,
            ..card
        };
        // The first line's box in the page's (wrong) frame.
        let corners = [
            (x0, y0),
            (x0 + 30 * cw, y0),
            (x0, y0 + ch),
            (x0 + 30 * cw, y0 + ch),
        ];
        let pts: Vec<(f32, f32)> = corners
            .iter()
            .map(|&(u, v)| {
                let (sx, sy) = card.map(u as f32, v as f32);
                frame.unmap(sx, sy)
            })
            .collect();
        let band = Bx {
            x0: pts.iter().map(|p| p.0).fold(f32::MAX, f32::min),
            y0: pts.iter().map(|p| p.1).fold(f32::MAX, f32::min),
            x1: pts.iter().map(|p| p.0).fold(f32::MIN, f32::max),
            y1: pts.iter().map(|p| p.1).fold(f32::MIN, f32::max),
        };
        let mm = 300.0 / 25.4;
        let on = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let r = read_band(&page, &frame, band, mm, 1.0, mm, on).expect("a reading");
        assert!(r.valid, "{r:?}");
    }

    #[test]
    fn mrz_like_lines() {
        assert!(mrz_like("IDFRAX4RTBPFW46<<<<<<<<<<<<<<<"));
        assert!(!mrz_like("CARTE NATIONALE D'IDENTITE"));
    }
}
