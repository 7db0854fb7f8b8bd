//! Handwritten block capitals read glyph by glyph: Tesseract's French model
//! misreads the capitals of a hand systematically (`R` as `K`, `U` as `V`,
//! `@` as `aa`) and loses the accents written apart above the letters, so
//! the letter fields of a form filled in by hand (names, places, address,
//! e-mail) are also read by this second reader, whose reading [`mend`]
//! puts in place of Tesseract's on a form filled in by hand when its glyphs
//! look like the templates (see `lib.rs` `calibrate`).
//!
//! The ink's connected components are cut into glyphs as the digit reader
//! does (`hand_digits`): strokes that share columns are one glyph, a glyph
//! much wider than a capital is cut where the halves read best. Small marks
//! are placed by where they stand on the line: above a letter they are its
//! accent (classified by shape: acute, grave, circumflex, diaeresis, tilde),
//! below it a cedilla; between letters they are punctuation (`.` on the
//! baseline, `-` in the middle, `_` under it, `'` at the top). A letter is
//! matched by correlation with templates rendered from handwriting fonts
//! (`tools/hand_templates.py` → `hand_letters.bin`).

use std::sync::OnceLock;

use image::GrayImage;
use parcours_domain::form::{normalize, FieldKind, FieldValue};
use parcours_domain::values;

use crate::hand_digits::{column_groups, label, normalise, standardise, Blob, S};

/// Template classes: capitals, digits, the `@` and `+` of an e-mail.
const CLASSES: &[u8; 38] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+";
const N: usize = CLASSES.len();
const DIGIT0: usize = 26;
const AT: usize = 36;

/// The templates: classes and standardised pixels, `S * S` per template.
struct Templates {
    class: Vec<usize>,
    px: Vec<f32>,
}

fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| parse_templates(include_bytes!("hand_letters.bin")))
}

fn parse_templates(data: &[u8]) -> Templates {
    let mut t = Templates {
        class: Vec::new(),
        px: Vec::new(),
    };
    if data.len() < 5 || &data[..4] != b"HDL1" || data[4] as usize != S {
        return t;
    }
    for c in data[5..].chunks_exact(S * S + 1) {
        let Some(class) = CLASSES.iter().position(|&k| k == c[0]) else {
            continue;
        };
        let mut px = [0f32; S * S];
        px.iter_mut().zip(&c[1..]).for_each(|(p, &v)| *p = v as f32);
        if standardise(&mut px) {
            t.class.push(class);
            t.px.extend_from_slice(&px);
        }
    }
    t
}

/// The dot product of two glyphs, in eight lanes (vectorised).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum()
}

/// A mark written apart from its letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accent {
    /// `´`, rising to the right.
    Acute,
    /// `` ` ``, falling to the right.
    Grave,
    /// `^`.
    Circumflex,
    /// `¨`: two dots.
    Diaeresis,
    /// `~`.
    Tilde,
    /// `¸` under the letter.
    Cedilla,
}

const ACCENTS: [Accent; 5] = [
    Accent::Acute,
    Accent::Grave,
    Accent::Circumflex,
    Accent::Diaeresis,
    Accent::Tilde,
];

/// The capital `base` with `accent`, when such a letter is written.
pub fn compose(base: char, accent: Accent) -> Option<char> {
    use Accent::*;
    Some(match (accent, base) {
        (Acute, 'E') => 'É',
        (Acute, 'A') => 'Á',
        (Acute, 'I') => 'Í',
        (Acute, 'O') => 'Ó',
        (Acute, 'U') => 'Ú',
        (Acute, 'N') => 'Ń',
        (Acute, 'C') => 'Ć',
        (Acute, 'S') => 'Ś',
        (Acute, 'Z') => 'Ź',
        (Acute, 'Y') => 'Ý',
        (Grave, 'E') => 'È',
        (Grave, 'A') => 'À',
        (Grave, 'U') => 'Ù',
        (Grave, 'I') => 'Ì',
        (Grave, 'O') => 'Ò',
        (Circumflex, 'A') => 'Â',
        (Circumflex, 'E') => 'Ê',
        (Circumflex, 'I') => 'Î',
        (Circumflex, 'O') => 'Ô',
        (Circumflex, 'U') => 'Û',
        (Diaeresis, 'E') => 'Ë',
        (Diaeresis, 'I') => 'Ï',
        (Diaeresis, 'U') => 'Ü',
        (Diaeresis, 'O') => 'Ö',
        (Diaeresis, 'A') => 'Ä',
        (Diaeresis, 'Y') => 'Ÿ',
        (Tilde, 'N') => 'Ñ',
        (Tilde, 'A') => 'Ã',
        (Tilde, 'O') => 'Õ',
        (Cedilla, 'C') => 'Ç',
        (Cedilla, 'S') => 'Ş',
        _ => return None,
    })
}

/// One glyph of the field as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    /// The character: a capital (accented), a digit, `@ + . - _ '`, or a
    /// space between words.
    pub ch: char,
    /// How much the glyph looks like each class (letters, digits, `@`, `+`);
    /// none for punctuation and spaces.
    pub scores: Option<[f32; N]>,
    /// The accent seen with the letter, and how clearly it has its shape.
    pub accent: Option<(Accent, f32)>,
}

/// What the glyph reader makes of a letter field.
#[derive(Debug, Clone, PartialEq)]
pub struct HandLetters {
    /// The glyphs left to right, spaces between words included.
    pub letters: Vec<Letter>,
}

impl HandLetters {
    /// The reading as text (capitals).
    pub fn text(&self) -> String {
        self.letters.iter().map(|l| l.ch).collect()
    }

    /// How much the glyphs look like their templates: the mean of each
    /// glyph's best correlation (about 0.9 for a hand like the templates'
    /// fonts, less for one unlike them).
    pub fn likeness(&self) -> f32 {
        let best: Vec<f32> = self
            .letters
            .iter()
            .filter_map(|l| l.scores.map(|s| s.iter().copied().fold(f32::MIN, f32::max)))
            .collect();
        best.iter().sum::<f32>() / best.len().max(1) as f32
    }
}

/// One glyph being cut out: its main strokes, its box, the marks above or
/// below it.
#[derive(Debug, Clone)]
struct Piece {
    b: Blob,
    ids: Vec<u32>,
    above: Vec<u32>,
    below: bool,
    punct: Option<char>,
}

impl Piece {
    fn new(b: Blob, ids: Vec<u32>) -> Piece {
        Piece {
            b,
            ids,
            above: Vec::new(),
            below: false,
            punct: None,
        }
    }
}

/// A mark's ink, pixels of `ids` in the box `b`.
fn mark_pixels(labels: &[u32], w: usize, ids: &[u32], b: &Blob) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    for y in b.y0..b.y1 {
        for x in b.x0..b.x1 {
            if ids.contains(&labels[y * w + x]) {
                out.push((x as f32, y as f32));
            }
        }
    }
    out
}

/// How much the marks `blobs` (pixels `px`) look like each accent of
/// [`ACCENTS`]: two dots are a diaeresis; one stroke's slope tells acute
/// from grave, its middle standing above its ends a circumflex, its going
/// up and down again a tilde.
fn accent_scores(blobs: &[Blob], px: &[(f32, f32)]) -> [f32; 5] {
    let mut b = blobs[0];
    blobs[1..].iter().for_each(|o| b.join(o));
    let (w, h) = (b.w() as f32, b.h().max(1) as f32);
    let dots = blobs.len() >= 2
        && blobs.iter().all(|d| {
            let (dw, dh) = (d.w() as f32, d.h() as f32);
            dw < 1.8 * dh + 2.0 && dh < 1.8 * dw + 2.0 && d.area as f32 >= 0.55 * dw * dh
        })
        && blobs
            .iter()
            .enumerate()
            .any(|(i, d)| blobs[i + 1..].iter().any(|e| d.overlap_x(e) == 0));
    let n = px.len().max(1) as f32;
    let (mx, my) = px
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
    let (mut sxx, mut syy, mut sxy) = (0f32, 0f32, 0f32);
    for &(x, y) in px {
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
        sxy += (x - mx) * (y - my);
    }
    // Image y grows downwards: an acute (rising to the right) correlates
    // negatively.
    let r = if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    };
    // The stroke's centre line, column by column.
    let cols = b.w();
    let mut sum = vec![(0f32, 0f32); cols];
    for &(x, y) in px {
        let c = (x as usize - b.x0).min(cols - 1);
        sum[c].0 += y;
        sum[c].1 += 1.0;
    }
    let centre: Vec<(f32, f32)> = sum
        .iter()
        .enumerate()
        .filter(|(_, s)| s.1 > 0.0)
        .map(|(c, s)| (c as f32 / w, (s.0 / s.1 - b.y0 as f32) / h))
        .collect();
    let mean = |f: &dyn Fn(f32) -> bool| {
        let v: Vec<f32> = centre.iter().filter(|c| f(c.0)).map(|c| c.1).collect();
        v.iter().sum::<f32>() / v.len().max(1) as f32
    };
    let middle = mean(&|x| (0.33..0.67).contains(&x));
    let ends = (mean(&|x| x < 0.25) + mean(&|x| x >= 0.75)) / 2.0;
    let peak = ends - middle;
    let travel: f32 = centre.windows(2).map(|p| (p[1].1 - p[0].1).abs()).sum();
    let net = match (centre.first(), centre.last()) {
        (Some(a), Some(z)) => (z.1 - a.1).abs(),
        _ => 0.0,
    };
    let wave = travel - net;
    let ratio = w / h;
    let mut s = [0f32; 5];
    s[0] = -r - wave - peak.max(0.0);
    s[1] = r - wave - peak.max(0.0);
    s[2] = 3.0 * peak - 0.5 * r.abs();
    s[3] = if dots { 2.0 } else { -2.0 };
    s[4] = 1.5 * wave - 2.0 * peak.abs() + 0.3 * (ratio - 2.0);
    if dots {
        s[..3].iter_mut().for_each(|v| *v -= 2.0);
        s[4] -= 2.0;
    }
    s
}

/// Whitens the box's lines: rows of ink across most of the crop, found
/// along the slope that makes them longest (the crop may lie a little
/// askew), but where a stroke crosses them (ink right above and below);
/// then what is left of the box's sides near the crop's ends (columns of
/// ink nearly as high as the box).
fn unbox(mask: &mut [bool], w: usize, h: usize) {
    if w < 20 || h < 10 {
        return;
    }
    let mid = w as f32 / 2.0;
    let row_of = |x: usize, y: usize, s: f32| y as f32 - s * (x as f32 - mid);
    // Ink per row along each slope; the slope with the fullest row wins.
    let mut best: (usize, f32, Vec<usize>) = (0, 0.0, Vec::new());
    for k in -8..=8 {
        let s = k as f32 * 0.0025;
        let pad = (s.abs() * mid).ceil() as usize + 1;
        let mut proj = vec![0usize; h + 2 * pad];
        for y in 0..h {
            for x in 0..w {
                if mask[y * w + x] {
                    let r = (row_of(x, y, s).round() as i64 + pad as i64) as usize;
                    let last = proj.len() - 1;
                    proj[r.min(last)] += 1;
                }
            }
        }
        let top = proj.iter().copied().max().unwrap_or(0);
        if top > best.0 {
            best = (top, s, proj);
        }
    }
    let (_, s, proj) = best;
    let pad = (s.abs() * mid).ceil() as usize + 1;
    let y_of = |x: usize, r: usize| (r as f32 - pad as f32 + s * (x as f32 - mid)).round() as i64;
    // The longest run of ink along sheared row `r` (gaps of 2 px bridged).
    let run = |mask: &[bool], r: usize| {
        let ink = (0..w).map(|x| {
            let y = y_of(x, r);
            y >= 0 && (y as usize) < h && mask[y as usize * w + x]
        });
        crate::form_read::longest_run(ink, 2)
    };
    let line: Vec<bool> = (0..proj.len())
        .map(|r| proj[r] * 5 >= w * 2 && run(mask, r) * 2 >= w)
        .collect();
    let mut bands: Vec<(usize, usize)> = Vec::new();
    let mut r = 0;
    while r < line.len() {
        if !line[r] {
            r += 1;
            continue;
        }
        let (mut a, mut z) = (r, r + 1);
        while z < line.len() && line[z] {
            z += 1;
        }
        // The line's soft edges.
        while a > 0 && run(mask, a - 1) * 4 >= w {
            a -= 1;
        }
        while z < line.len() && run(mask, z) * 4 >= w {
            z += 1;
        }
        bands.push((a.saturating_sub(1), (z + 1).min(line.len())));
        r = z;
    }
    for &(a, z) in &bands {
        for x in 0..w {
            let (ya, yz) = (y_of(x, a), y_of(x, z));
            let ink_at = |y: i64| {
                y >= 0
                    && (y as usize) < h
                    && (x.saturating_sub(1)..(x + 2).min(w)).any(|xx| mask[y as usize * w + xx])
            };
            if ink_at(ya - 1) && ink_at(yz) {
                continue;
            }
            for y in ya.max(0)..yz.min(h as i64) {
                mask[y as usize * w + x] = false;
            }
        }
    }
    // The box's sides: columns of ink from one line of the box to the
    // other near the crop's ends, upright on the lines' slope.
    let (Some(&(_, top)), Some(&(bottom, _))) = (bands.first(), bands.last()) else {
        return;
    };
    if bottom <= top + 4 {
        return;
    }
    let side = (w / 16).max(4);
    let mid_y = h as f32 / 2.0;
    let x_of = |x: usize, y: i64| (x as f32 - s * (y as f32 - mid_y)).round() as i64;
    let at = |mask: &[bool], x: i64, y: i64| {
        x >= 0
            && (x as usize) < w
            && y >= 0
            && (y as usize) < h
            && mask[y as usize * w + x as usize]
    };
    let sides: Vec<usize> = (0..side)
        .chain(w.saturating_sub(side)..w)
        .filter(|&x| {
            let (y0, y1) = (y_of(x, top).max(0), y_of(x, bottom).min(h as i64));
            let inked = (y0..y1).filter(|&y| at(mask, x_of(x, y), y)).count() as i64;
            y1 > y0 && inked * 10 >= (y1 - y0) * 9
        })
        .collect();
    // Each side's columns together; a letter's stroke across them stays.
    let mut k = 0;
    while k < sides.len() {
        let mut z = k + 1;
        while z < sides.len() && sides[z] == sides[z - 1] + 1 {
            z += 1;
        }
        let (xa, xb) = (sides[k], sides[z - 1]);
        let (y0, y1) = (y_of(xa, top).max(0), y_of(xa, bottom).min(h as i64));
        for y in y0..y1 {
            let (l, r) = (x_of(xa, y) - 1, x_of(xb, y) + 1);
            if at(mask, l, y) && at(mask, r, y) {
                continue;
            }
            for x in l + 1..r {
                if x >= 0 && (x as usize) < w {
                    mask[y as usize * w + x as usize] = false;
                }
            }
        }
        k = z;
    }
}

/// The field's ink cut into pieces, left to right.
struct Ink {
    labels: Vec<u32>,
    w: usize,
    ref_h: f32,
    blobs: Vec<Blob>,
    pieces: Vec<Piece>,
    /// Blobs as tall as a letter standing above the letters (accents).
    above: Vec<bool>,
}

impl Ink {
    fn new(img: &GrayImage) -> Option<Ink> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut mask: Vec<bool> = img.as_raw().iter().map(|&g| g < 128).collect();
        unbox(&mut mask, w, h);
        let (labels, mut blobs) = label(&mask, w, h);
        // What is left of the box's sides at the crop's edges.
        // and the bits of the box above's writing at the crop's top.
        for b in blobs.iter_mut() {
            let edge = b.x0 == 0 || b.x1 == w || b.y1 == h;
            if b.y0 == 0 || edge && (b.w() <= 12 || b.h() <= 6) {
                b.area = 0;
            }
        }
        let mut heights: Vec<usize> = blobs.iter().filter(|b| b.area >= 20).map(Blob::h).collect();
        if heights.is_empty() {
            return None;
        }
        heights.sort_unstable();
        let ref_h = heights[(heights.len() - 1) * 9 / 10] as f32;
        if ref_h < 8.0 {
            return None;
        }
        let tall = |b: &Blob| b.h() as f32 >= 0.45 * ref_h && b.area > 0;
        // A tall accent stands above the letters near it: not a letter.
        let above: Vec<bool> = (0..blobs.len())
            .map(|i| {
                let b = &blobs[i];
                let mut tops: Vec<usize> = (0..blobs.len())
                    .filter(|&j| j != i && tall(&blobs[j]))
                    .filter(|&j| {
                        let o = &blobs[j];
                        (o.x0 as f32 - b.x1 as f32).max(b.x0 as f32 - o.x1 as f32) < 3.0 * ref_h
                    })
                    .map(|j| blobs[j].y0)
                    .collect();
                tops.sort_unstable();
                tall(b)
                    && tops.len() >= 2
                    && (b.y1 as f32) < tops[tops.len() / 2] as f32 + 0.25 * ref_h
            })
            .collect();
        let strokes = (0..blobs.len()).filter(|&i| tall(&blobs[i]) && !above[i]);
        let pieces: Vec<Piece> = column_groups(&blobs, strokes)
            .into_iter()
            .map(|(b, ids)| Piece::new(b, ids))
            .collect();
        if pieces.is_empty() {
            return None;
        }
        let mut ink = Ink {
            labels,
            w,
            ref_h,
            blobs,
            pieces,
            above,
        };
        ink.place_small();
        Some(ink)
    }

    /// The line's top and baseline at `x`: the median of the nearest
    /// letters' tops and bottoms.
    fn line_at(&self, x: f32) -> (f32, f32) {
        let mut near: Vec<&Piece> = self.pieces.iter().filter(|p| p.punct.is_none()).collect();
        near.sort_by(|a, b| {
            let d = |p: &Piece| (p.b.x0 as f32 + p.b.w() as f32 / 2.0 - x).abs();
            d(a).total_cmp(&d(b))
        });
        near.truncate(5);
        let mut tops: Vec<usize> = near.iter().map(|p| p.b.y0).collect();
        let mut bottoms: Vec<usize> = near.iter().map(|p| p.b.y1).collect();
        tops.sort_unstable();
        bottoms.sort_unstable();
        (
            tops.get(tops.len() / 2).copied().unwrap_or(0) as f32,
            bottoms.get(bottoms.len() / 2).copied().unwrap_or(0) as f32,
        )
    }

    /// Small blobs: a letter's accent or cedilla, a bit of a letter, a
    /// punctuation mark between letters, or a speck.
    fn place_small(&mut self) {
        let r = self.ref_h;
        let min_area = (0.004 * r * r).max(10.0) as usize;
        let mut small: Vec<usize> = (0..self.blobs.len())
            .filter(|&i| {
                let b = &self.blobs[i];
                ((b.h() as f32) < 0.45 * r || self.above[i]) && b.area >= min_area
            })
            .collect();
        small.sort_by_key(|&i| self.blobs[i].x0);
        let mut punct: Vec<Piece> = Vec::new();
        for i in small {
            let b = self.blobs[i];
            let id = i as u32 + 1;
            let (cx, cy) = ((b.x0 + b.x1) as f32 / 2.0, (b.y0 + b.y1) as f32 / 2.0);
            let over = self
                .pieces
                .iter()
                .enumerate()
                .map(|(k, p)| (k, p.b.overlap_x(&b)))
                .max_by_key(|&(_, o)| o);
            // A dot on the line under a letter's arm (`F.`, `E.`): no ink of
            // the letter beside or over it at its height.
            let dot = {
                let (_, base) = self.line_at(cx);
                let (bw, bh) = (b.w() as f32, b.h() as f32);
                bw < 0.25 * r
                    && bh < 0.25 * r
                    && bw <= 1.6 * bh
                    && bh <= 1.6 * bw
                    && (b.y1 as f32) > base - 0.1 * r
                    && over.is_some_and(|(k, _)| {
                        let p = &self.pieces[k];
                        let (y0, y1) = (
                            b.y0.saturating_sub(3),
                            (b.y1 + 3).min(self.labels.len() / self.w),
                        );
                        let (x0, x1) = (b.x0.saturating_sub(3), (b.x1 + 3).min(self.w));
                        !(y0..y1)
                            .any(|y| (x0..x1).any(|x| p.ids.contains(&self.labels[y * self.w + x])))
                    })
            };
            if let Some((k, _)) = over.filter(|&(_, o)| 2 * o >= b.w().max(1) && !dot) {
                let p = &mut self.pieces[k];
                if (b.y1 as f32) <= p.b.y0 as f32 + 0.15 * r {
                    // An accent, not a speck; near the letter.
                    if b.area as f32 >= 0.006 * r * r
                        && b.w().max(b.h()) as f32 >= 0.1 * r
                        && (b.y1 as f32) > p.b.y0 as f32 - 0.6 * r
                    {
                        p.above.push(id);
                    }
                } else if (b.y1 as f32) > p.b.y1 as f32 + 0.12 * r
                    && (b.y0 as f32) > p.b.y1 as f32 - 0.25 * r
                {
                    p.below = true;
                } else {
                    p.b.join(&b);
                    p.ids.push(id);
                }
                continue;
            }
            let (top, base) = self.line_at(cx);
            let hh = (base - top).max(1.0);
            let rel = (cy - top) / hh;
            let (bw, bh) = (b.w() as f32, b.h() as f32);
            let ch = if bw > 1.6 * bh && bw > 0.15 * r {
                if rel > 0.8 {
                    '_'
                } else {
                    '-'
                }
            } else if rel > 0.7 && bw < 0.3 * r && (b.y1 as f32) > base + 0.08 * r && bh > bw {
                ','
            } else if bw < 0.3 * r
                && b.area as f32 >= 0.006 * r * r
                && (rel > 0.7 || rel > 0.45 && bw <= 1.6 * bh && bh <= 1.6 * bw)
            {
                '.'
            } else if rel < 0.4 && (b.y0 as f32) < top + 0.2 * hh && bh > 0.12 * r {
                '\''
            } else {
                continue;
            };
            let mut p = Piece::new(b, vec![id]);
            p.punct = Some(ch);
            punct.push(p);
        }
        self.pieces.extend(punct);
        self.pieces.sort_by_key(|p| p.b.x0);
        // A tall apostrophe: a narrow stroke in the line's upper half.
        for i in 0..self.pieces.len() {
            let p = &self.pieces[i];
            if p.punct.is_some() || (p.b.w() as f32) > 0.3 * r {
                continue;
            }
            let (top, base) = self.line_at((p.b.x0 + p.b.x1) as f32 / 2.0);
            if (p.b.y1 as f32) < top + 0.6 * (base - top) {
                self.pieces[i].punct = Some('\'');
            }
        }
    }

    /// The class scores of the letter strokes of `p` within columns `x0..x1`.
    fn scores(&self, p: &Piece, x0: usize, x1: usize) -> Option<[f32; N]> {
        self.scores_rows(p, x0, x1, p.b.y0, p.b.y1)
    }

    /// As `scores`, for the piece's ink in rows `y0..y1`.
    fn scores_rows(
        &self,
        p: &Piece,
        x0: usize,
        x1: usize,
        y0: usize,
        y1: usize,
    ) -> Option<[f32; N]> {
        let y0 = y0.clamp(p.b.y0, p.b.y1 - 1);
        let y1 = y1.clamp(y0 + 1, p.b.y1);
        let mut px = normalise(&self.labels, self.w, &p.ids, (x0, x1), (y0, y1))?;
        if !standardise(&mut px) {
            return None;
        }
        let t = templates();
        let mut s = [-1f32; N];
        for (k, tpx) in t.px.chunks_exact(S * S).enumerate() {
            let r = dot(tpx, &px);
            let c = t.class[k];
            if r > s[c] {
                s[c] = r;
            }
        }
        Some(s)
    }

    /// Whether the piece's ink runs below the line (a cedilla joined on).
    /// The row under which a piece's ink is a narrow tail below the line
    /// (a cedilla drawn on with the letter's stroke), if it has one.
    fn tail(&self, p: &Piece) -> Option<usize> {
        let (_, base) = self.line_at((p.b.x0 + p.b.x1) as f32 / 2.0);
        if (p.b.y1 as f32) < base + 0.1 * self.ref_h {
            return None;
        }
        let cut = (base + 0.06 * self.ref_h) as usize;
        let cols = (p.b.x0..p.b.x1)
            .filter(|&x| (cut..p.b.y1).any(|y| p.ids.contains(&self.labels[y * self.w + x])))
            .count();
        (2 * cols <= p.b.w()).then_some(cut)
    }

    /// Cuts pieces much wider than a capital in two where both halves read
    /// better than the whole.
    fn split_wide(&mut self, allowed: &[usize]) {
        let best = |s: &[f32; N]| allowed.iter().map(|&k| s[k]).fold(f32::MIN, f32::max);
        let mut i = 0;
        while i < self.pieces.len() {
            let p = self.pieces[i].clone();
            let ratio = p.b.w() as f32 / p.b.h().max(1) as f32;
            if p.punct.is_some() || ratio < 0.95 || p.b.w() < 8 {
                i += 1;
                continue;
            }
            let Some(whole) = self.scores(&p, p.b.x0, p.b.x1) else {
                i += 1;
                continue;
            };
            let ink = |x: usize| {
                (p.b.y0..p.b.y1)
                    .filter(|&y| p.ids.contains(&self.labels[y * self.w + x]))
                    .count()
            };
            // Candidate cuts: the thinnest columns in the middle part.
            let (a, z) = (p.b.x0 + p.b.w() * 3 / 10, p.b.x0 + p.b.w() * 7 / 10);
            let mut cols: Vec<usize> = (a..=z).collect();
            cols.sort_by_key(|&x| ink(x));
            let mut found: Option<(f32, usize)> = None;
            let mut tried: Vec<usize> = Vec::new();
            for &x in &cols {
                if tried.len() >= 3 {
                    break;
                }
                if tried.iter().any(|&t| t.abs_diff(x) < p.b.h() / 8) {
                    continue;
                }
                tried.push(x);
                let (Some(l), Some(r)) = (self.scores(&p, p.b.x0, x), self.scores(&p, x, p.b.x1))
                else {
                    continue;
                };
                let s = (best(&l) + best(&r)) / 2.0;
                if found.is_none_or(|f| s > f.0) {
                    found = Some((s, x));
                }
            }
            let need = best(&whole) + if ratio > 1.3 { -0.05 } else { 0.05 };
            match found {
                Some((s, x)) if s > need => {
                    let mut left = p.clone();
                    let mut right = p;
                    left.b.x1 = x;
                    right.b.x0 = x;
                    // The marks go with the half they stand over.
                    left.above.clear();
                    right.above.clear();
                    for &id in &self.pieces[i].above {
                        let m = self.blobs[id as usize - 1];
                        if ((m.x0 + m.x1) / 2) < x {
                            left.above.push(id);
                        } else {
                            right.above.push(id);
                        }
                    }
                    self.pieces.splice(i..=i, [left, right]);
                }
                _ => i += 1,
            }
        }
    }

    /// The gap after piece `i`, in pixels.
    fn gap(&self, i: usize) -> f32 {
        self.pieces[i + 1].b.x0 as f32 - self.pieces[i].b.x1 as f32
    }
}

/// The classes a letter of a field of `kind` may take.
fn allowed(kind: FieldKind) -> &'static [usize] {
    const LETTERS: [usize; 26] = {
        let mut a = [0; 26];
        let mut i = 0;
        while i < 26 {
            a[i] = i;
            i += 1;
        }
        a
    };
    const ALNUM: [usize; 36] = {
        let mut a = [0; 36];
        let mut i = 0;
        while i < 36 {
            a[i] = i;
            i += 1;
        }
        a
    };
    const ALL: [usize; N] = {
        let mut a = [0; N];
        let mut i = 0;
        while i < N {
            a[i] = i;
            i += 1;
        }
        a
    };
    match kind {
        FieldKind::Name | FieldKind::Names => &LETTERS,
        FieldKind::Email => &ALL,
        _ => &ALNUM,
    }
}

/// Space between words, as a share of the letters' height.
const WORD_GAP: f32 = 0.42;

/// Score under which a mark above a letter has no accent's shape (a speck).
const MIN_ACCENT: f32 = 0.2;

/// A letter over a digit (or the other way) needs this much more score
/// against the rest of its word.
const CLASS_MARGIN: f32 = 0.08;

/// The best of `classes` for scores `s`.
fn best_of(s: &[f32; N], classes: impl Iterator<Item = usize>) -> (usize, f32) {
    classes.fold((0, f32::MIN), |b, k| if s[k] > b.1 { (k, s[k]) } else { b })
}

/// Chooses each glyph's class: a name has only letters; in an address or
/// an e-mail a word of digits keeps its digits and a word of letters its
/// letters, unless a glyph is clearly the other (`186B`, `DUPONT59`); an
/// e-mail has one `@`.
fn choose(kind: FieldKind, glyphs: &[Option<[f32; N]>]) -> Vec<usize> {
    let letters = || 0..DIGIT0;
    let digits = || DIGIT0..AT;
    let mut out: Vec<usize> = glyphs
        .iter()
        .map(|g| g.map_or(usize::MAX, |s| best_of(&s, letters()).0))
        .collect();
    if matches!(kind, FieldKind::Name | FieldKind::Names) {
        return out;
    }
    let mut at = None;
    if kind == FieldKind::Email {
        // The `@`: the glyph most like it against its other classes.
        at = glyphs
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let s = g.as_ref()?;
                Some((i, s[AT] - best_of(s, 0..AT).1))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|&(_, d)| d > -0.1)
            .map(|(i, _)| i);
    }
    // Words: runs of glyphs between spaces, punctuation and the `@`.
    let cut = |i: usize| glyphs[i].is_none() || Some(i) == at;
    let mut i = 0;
    while i < glyphs.len() {
        if cut(i) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < glyphs.len() && !cut(j) {
            j += 1;
        }
        let word: Vec<(usize, f32, usize, f32)> = glyphs[i..j]
            .iter()
            .flatten()
            .map(|s| {
                let (l, ls) = best_of(s, letters());
                let (d, ds) = best_of(s, digits());
                (l, ls, d, ds)
            })
            .collect();
        // The word's shape: letters, digits, digits then letters (`171BIS`,
        // `3E`) or letters then digits (`DUPONT59`); a mixed word needs a
        // better reading than a plain one.
        let n = word.len();
        let score = |k: usize, digits_first: bool| {
            let mixed = k > 0 && k < n;
            word.iter()
                .enumerate()
                .map(|(x, g)| if (x < k) == digits_first { g.3 } else { g.1 })
                .sum::<f32>()
                - if mixed { CLASS_MARGIN } else { 0.0 }
        };
        let (mut best, mut shape) = (score(0, true), (0, true));
        for k in 1..=n {
            for digits_first in [true, false] {
                let sc = score(k, digits_first);
                if sc > best {
                    (best, shape) = (sc, (k, digits_first));
                }
            }
        }
        for (x, g) in word.iter().enumerate() {
            out[i + x] = if (x < shape.0) == shape.1 { g.2 } else { g.0 };
        }
        i = j;
    }
    if let Some(i) = at {
        out[i] = AT;
    }
    out
}

/// Reads the letter field of `kind` in a flattened 300 dpi crop. None when
/// there is no ink to read.
pub fn read(kind: FieldKind, img: &GrayImage) -> Option<HandLetters> {
    let allowed = allowed(kind);
    let mut ink = Ink::new(img)?;
    ink.split_wide(allowed);
    // Each piece: a space before it, its scores (none for punctuation), the
    // marks above it that belong to the letter itself.
    let mut glyphs: Vec<Option<[f32; N]>> = Vec::new();
    let mut pieces: Vec<Option<(usize, bool, Option<usize>)>> = Vec::new();
    for i in 0..ink.pieces.len() {
        if i > 0 && kind != FieldKind::Email && ink.gap(i - 1) > WORD_GAP * ink.ref_h {
            glyphs.push(None);
            pieces.push(None);
        }
        let p = &ink.pieces[i];
        if p.punct.is_some() {
            glyphs.push(None);
            pieces.push(Some((i, false, None)));
            continue;
        }
        let p = p.clone();
        let p = &p;
        let Some(mut s) = ink.scores(p, p.b.x0, p.b.x1) else {
            continue;
        };
        let best = |s: &[f32; N]| best_of(s, allowed.iter().copied()).1;
        let mut cedilla = p.below;
        if let Some(cut) = ink.tail(p).filter(|_| !p.below) {
            if let Some(sc) = ink.scores_rows(p, p.b.x0, p.b.x1, p.b.y0, cut) {
                if best(&sc) > best(&s) {
                    s = sc;
                    cedilla = true;
                }
            }
        }
        // A mark above that reads better as part of the letter (the curl
        // some hands put on an N) is no accent.
        if !p.above.is_empty() {
            let mut with = p.clone();
            for &id in &p.above {
                with.b.join(&ink.blobs[id as usize - 1]);
                with.ids.push(id);
            }
            if let Some(sw) = ink.scores(&with, with.b.x0, with.b.x1) {
                let class = |s: &[f32; N]| best_of(s, allowed.iter().copied()).0;
                if class(&sw) == class(&s) && best(&sw) > best(&s) + 0.02 {
                    s = sw;
                    ink.pieces[i] = with;
                    ink.pieces[i].above.clear();
                }
            }
        }
        // An accent drawn on with the letter's stroke: the letter reads
        // better without what stands above the line.
        let p = &ink.pieces[i];
        let mut top_cut = None;
        let (top, _) = ink.line_at((p.b.x0 + p.b.x1) as f32 / 2.0);
        if kind != FieldKind::Email
            && p.above.is_empty()
            && (p.b.y0 as f32) < top - 0.15 * ink.ref_h
        {
            let cut = (top - 0.05 * ink.ref_h) as usize;
            let y1 = if cedilla && !p.below {
                ink.tail(p).unwrap_or(p.b.y1)
            } else {
                p.b.y1
            };
            if let Some(sc) = ink.scores_rows(p, p.b.x0, p.b.x1, cut, y1) {
                if best(&sc) > best(&s) {
                    s = sc;
                    top_cut = Some(cut);
                }
            }
        }
        glyphs.push(Some(s));
        pieces.push(Some((i, cedilla, top_cut)));
    }
    let classes = choose(kind, &glyphs);
    let mut letters = Vec::new();
    for ((g, p), &k) in glyphs.iter().zip(&pieces).zip(&classes) {
        let Some((i, cedilla, top_cut)) = *p else {
            letters.push(Letter {
                ch: ' ',
                scores: None,
                accent: None,
            });
            continue;
        };
        let p = &ink.pieces[i];
        let Some(s) = g else {
            let ch = match p.punct {
                // An address has no commas.
                Some(',') if kind == FieldKind::Email => '.',
                c => c.unwrap_or(' '),
            };
            letters.push(Letter {
                ch,
                scores: None,
                accent: None,
            });
            continue;
        };
        let base = CLASSES[k] as char;
        let mut accent = None;
        if kind == FieldKind::Email {
            // An address has no accents.
        } else if !p.above.is_empty() || top_cut.is_some() {
            let (bl, px) = if let Some(cut) = top_cut {
                let mut b = p.b;
                b.y1 = cut;
                let px = mark_pixels(&ink.labels, ink.w, &p.ids, &b);
                let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
                for &(x, y) in &px {
                    x0 = x0.min(x as usize);
                    y0 = y0.min(y as usize);
                    x1 = x1.max(x as usize + 1);
                    y1 = y1.max(y as usize + 1);
                }
                let m = Blob {
                    x0,
                    y0,
                    x1: x1.max(x0 + 1),
                    y1: y1.max(y0 + 1),
                    area: px.len(),
                };
                (vec![m], px)
            } else {
                let bl: Vec<Blob> = p
                    .above
                    .iter()
                    .map(|&id| ink.blobs[id as usize - 1])
                    .collect();
                let mut b = bl[0];
                bl[1..].iter().for_each(|o| b.join(o));
                let px = mark_pixels(&ink.labels, ink.w, &p.above, &b);
                (bl, px)
            };
            let sc = accent_scores(&bl, &px);
            accent = ACCENTS
                .iter()
                .zip(sc)
                .filter(|(a, s)| compose(base, **a).is_some() && *s > MIN_ACCENT)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(a, s)| (*a, s));
        } else if cedilla && compose(base, Accent::Cedilla).is_some() {
            accent = Some((Accent::Cedilla, 1.0));
        }
        let ch = accent.and_then(|(a, _)| compose(base, a)).unwrap_or(base);
        letters.push(Letter {
            ch,
            scores: Some(*s),
            accent,
        });
    }
    // Specks and bits of the box before and after the writing.
    let loose = |l: &Letter| l.scores.is_none();
    while letters.first().is_some_and(loose) {
        letters.remove(0);
    }
    while letters.last().is_some_and(loose) {
        letters.pop();
    }
    (!letters.is_empty()).then_some(HandLetters { letters })
}

/// Likeness (see [`HandLetters::likeness`]) from which the glyphs' reading
/// is taken: a hand unlike the templates' fonts reads worse by glyphs than
/// by Tesseract (seeds 7001 and 905 with the templates made without the
/// generator's fonts: 30 % of the letter fields exact by glyphs, 66 % by
/// Tesseract, 69 % with this threshold; 96.7 % with all the fonts, where
/// nearly every field passes it).
const LIKENESS: f32 = 0.9;

/// Puts the glyph reader's reading of a letter field of `kind` in place of
/// Tesseract's `value` on a form filled in by hand (Tesseract misreads
/// capitals drawn by hand and drops their accents: 66 % of these fields
/// exact against 96 % for the glyphs, generator seeds 7001 and 905), when
/// the glyphs look like the templates. An e-mail that does not read as one
/// keeps Tesseract's reading when that one does.
pub fn mend(kind: FieldKind, value: &mut Option<FieldValue>, letters: &HandLetters) {
    if !matches!(
        kind,
        FieldKind::Name | FieldKind::Names | FieldKind::Text | FieldKind::Email
    ) || letters.likeness() < LIKENESS
    {
        return;
    }
    let Some(FieldValue::Text(read)) = normalize(kind, &letters.text()) else {
        return;
    };
    if kind == FieldKind::Email && values::normalize_email(&read).is_err() {
        let tess_ok =
            matches!(value, Some(FieldValue::Text(t)) if values::normalize_email(t).is_ok());
        if tess_ok {
            return;
        }
    }
    *value = Some(FieldValue::Text(read));
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn templates_load_for_every_class() {
        let t = templates();
        assert!(t.class.len() > 500);
        assert_eq!(t.px.len(), t.class.len() * S * S);
        for (c, &ch) in CLASSES.iter().enumerate() {
            assert!(t.class.contains(&c), "no template for {}", ch as char);
        }
        assert!(parse_templates(b"junk").class.is_empty());
    }

    fn template(class: u8) -> &'static [f32] {
        let t = templates();
        let k = CLASSES.iter().position(|&c| c == class).unwrap();
        let i = t.class.iter().position(|&c| c == k).unwrap();
        &t.px[i * S * S..(i + 1) * S * S]
    }

    /// Draws `text` with the letters' templates, each 64 px high and 8 px
    /// apart (a space is 40 px), inside a box whose lines run 20 px above
    /// and 20 px below the letters, as a field is cropped; an `É` gets an
    /// acute stroke above its `E`, across the box's line.
    fn write(text: &str) -> GrayImage {
        let scale = 4;
        let width = text.chars().count() * (S + 2) * scale + 80;
        let mut img = GrayImage::from_pixel(width as u32, 150, Luma([255]));
        let (top, box_top, box_bottom) = (50usize, 30usize, 134usize);
        for x in 0..width {
            for y in [
                box_top,
                box_top + 1,
                box_top + 2,
                box_bottom,
                box_bottom + 1,
            ] {
                img.put_pixel(x as u32, y as u32, Luma([0]));
            }
        }
        let mut left = 30;
        for ch in text.chars() {
            let base = match ch {
                ' ' => {
                    left += 40;
                    continue;
                }
                'É' => b'E',
                c => c as u8,
            };
            let t = template(base);
            let ink = |x: usize| (0..S).any(|y| t[y * S + x] > 0.02);
            let (c0, c1) = (
                (0..S).find(|&x| ink(x)).unwrap(),
                (0..S).rfind(|&x| ink(x)).unwrap(),
            );
            for y in 0..S * scale {
                for x in c0 * scale..(c1 + 1) * scale {
                    if t[(y / scale) * S + x / scale] > 0.02 {
                        let px = left + x - c0 * scale;
                        img.put_pixel(px as u32, (top + y) as u32, Luma([0]));
                    }
                }
            }
            if ch == 'É' {
                // From low left to high right, across the box's top line.
                for k in 0..24 {
                    for d in 0..5 {
                        let (x, y) = (left + 16 + k, top - 6 - k + d);
                        img.put_pixel(x as u32, y as u32, Luma([0]));
                    }
                }
            }
            left += (c1 + 1 - c0) * scale + 8;
        }
        img
    }

    #[test]
    fn a_word_drawn_from_templates_reads_back_with_its_accent() {
        let r = read(FieldKind::Name, &write("RENÉ")).unwrap();
        assert_eq!(r.text(), "RENÉ");
        assert_eq!(r.letters[3].accent.map(|a| a.0), Some(Accent::Acute));
        let r = read(FieldKind::Text, &write("12 RUE")).unwrap();
        assert_eq!(r.text(), "12 RUE");
        // Nothing written: nothing read.
        let blank = GrayImage::from_pixel(400, 150, Luma([255]));
        assert_eq!(read(FieldKind::Name, &blank), None);
    }

    /// Pixels of strokes through `points` (x, y), 4 px thick.
    fn strokes(points: &[(f32, f32)]) -> (Vec<Blob>, Vec<(f32, f32)>) {
        let mut px = Vec::new();
        for p in points.windows(2) {
            for k in 0..=40 {
                let t = k as f32 / 40.0;
                let (x, y) = (
                    p[0].0 + t * (p[1].0 - p[0].0),
                    p[0].1 + t * (p[1].1 - p[0].1),
                );
                for dy in 0..4 {
                    for dx in 0..4 {
                        px.push(((x + dx as f32).round(), (y + dy as f32).round()));
                    }
                }
            }
        }
        px.sort_by(|a, b| a.partial_cmp(b).unwrap());
        px.dedup();
        let b = Blob {
            x0: px.iter().map(|p| p.0 as usize).min().unwrap(),
            y0: px.iter().map(|p| p.1 as usize).min().unwrap(),
            x1: px.iter().map(|p| p.0 as usize).max().unwrap() + 1,
            y1: px.iter().map(|p| p.1 as usize).max().unwrap() + 1,
            area: px.len(),
        };
        (vec![b], px)
    }

    fn accent_of(blobs: &[Blob], px: &[(f32, f32)], base: char) -> Option<Accent> {
        ACCENTS
            .iter()
            .zip(accent_scores(blobs, px))
            .filter(|(a, s)| compose(base, **a).is_some() && *s > MIN_ACCENT)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(a, _)| *a)
    }

    #[test]
    fn marks_are_told_by_their_shape() {
        let (b, px) = strokes(&[(10.0, 30.0), (30.0, 10.0)]);
        assert_eq!(accent_of(&b, &px, 'E'), Some(Accent::Acute));
        let (b, px) = strokes(&[(10.0, 10.0), (30.0, 30.0)]);
        assert_eq!(accent_of(&b, &px, 'E'), Some(Accent::Grave));
        let (b, px) = strokes(&[(10.0, 30.0), (22.0, 12.0), (34.0, 30.0)]);
        assert_eq!(accent_of(&b, &px, 'E'), Some(Accent::Circumflex));
        let (b, px) = strokes(&[(10.0, 24.0), (20.0, 14.0), (30.0, 24.0), (40.0, 14.0)]);
        assert_eq!(accent_of(&b, &px, 'N'), Some(Accent::Tilde));
        // Two dots side by side.
        let (mut b, mut px) = strokes(&[(10.0, 10.0), (12.0, 12.0)]);
        let (b2, px2) = strokes(&[(30.0, 10.0), (32.0, 12.0)]);
        b.extend(b2);
        px.extend(px2);
        assert_eq!(accent_of(&b, &px, 'E'), Some(Accent::Diaeresis));
        assert_eq!(compose('C', Accent::Cedilla), Some('Ç'));
        assert_eq!(compose('R', Accent::Acute), None);
    }

    #[test]
    fn a_box_line_goes_and_the_stroke_across_it_stays() {
        let (w, h) = (200, 60);
        let mut mask = vec![false; w * h];
        for x in 0..w {
            for y in 20..23 {
                mask[y * w + x] = true;
            }
        }
        // A stroke from y 5 to 50 at x 100..104, across the line.
        for y in 5..50 {
            for x in 100..104 {
                mask[y * w + x] = true;
            }
        }
        unbox(&mut mask, w, h);
        assert!(!mask[21 * w + 50], "the line is gone");
        assert!(mask[21 * w + 101], "the stroke across it stays");
    }

    #[test]
    fn words_keep_one_kind_of_character() {
        // Glyphs between a letter and a digit: `I` or `1`, `O` or `0`.
        let glyph = |letter: usize, ls: f32, digit: usize, ds: f32| {
            let mut s = [0f32; N];
            s[letter] = ls;
            s[digit] = ds;
            Some(s)
        };
        let i1 = glyph(8, 0.80, DIGIT0 + 1, 0.82);
        let o0 = glyph(14, 0.80, DIGIT0, 0.81);
        let d7 = glyph(19, 0.60, DIGIT0 + 7, 0.95);
        let b8 = glyph(1, 0.95, DIGIT0 + 8, 0.85);
        let r = glyph(17, 0.95, DIGIT0 + 2, 0.5);
        let text = |g: &[Option<[f32; N]>]| -> String {
            choose(FieldKind::Text, g)
                .iter()
                .map(|&k| CLASSES[k] as char)
                .collect()
        };
        // `LION` with ambiguous I and O stays letters; `170` digits; `17B`
        // digits then a letter.
        assert_eq!(text(&[r, i1, o0, r]), "RIOR");
        assert_eq!(text(&[i1, d7, o0]), "170");
        assert_eq!(text(&[i1, d7, b8]), "17B");
        // A name has no digits at all.
        assert!(choose(FieldKind::Name, &[i1, d7])
            .iter()
            .all(|&k| k < DIGIT0));
    }

    #[test]
    fn mend_takes_the_glyphs_unless_an_email_does_not_read_as_one() {
        let sure = [0.95f32; N];
        let letters = |t: &str| HandLetters {
            letters: t
                .chars()
                .map(|ch| Letter {
                    ch,
                    scores: ch.is_alphanumeric().then_some(sure),
                    accent: None,
                })
                .collect(),
        };
        let mut v = Some(FieldValue::Text("HUBEKT".into()));
        mend(FieldKind::Name, &mut v, &letters("HUBERT"));
        assert_eq!(v, Some(FieldValue::Text("HUBERT".into())));
        let mut v = Some(FieldValue::Text("jean@free.fr".into()));
        mend(FieldKind::Email, &mut v, &letters("JEANFREE.FR"));
        assert_eq!(v, Some(FieldValue::Text("jean@free.fr".into())));
        mend(FieldKind::Email, &mut v, &letters("JEAN@FREE.FK"));
        assert_eq!(v, Some(FieldValue::Text("jean@free.fk".into())));
        // A hand unlike the templates' fonts: Tesseract's reading stays.
        let mut unlike = letters("HUBERT");
        unlike
            .letters
            .iter_mut()
            .for_each(|l| l.scores = Some([0.7; N]));
        let mut v = Some(FieldValue::Text("HUBEKT".into()));
        mend(FieldKind::Name, &mut v, &unlike);
        assert_eq!(v, Some(FieldValue::Text("HUBEKT".into())));
        let mut v = Some(FieldValue::Text("2024-01-01".into()));
        mend(FieldKind::Date, &mut v, &letters("HUBERT"));
        assert_eq!(v, Some(FieldValue::Text("2024-01-01".into())));
    }
}
