//! Handwritten digits read glyph by glyph: Tesseract's models misread block
//! capitals digits written by hand (`9` as `4`, `6` as `0`, `7` as `1`), so
//! the digit fields (dates, postcode, phone, NIR) are also read by this
//! second reader, whose agreement confirms Tesseract and which the form
//! reader prefers on a form filled in by hand (see `lib.rs` `calibrate`).
//!
//! Glyphs are the ink's connected components (a stroke broken in two is
//! joined; two digits that touch are cut at the thinnest column), each cut
//! to its ink, padded to a square and box-averaged to `S` x `S`, then
//! compared by correlation with templates rendered from the handwriting
//! fonts Debian packages (`tools/hand_templates.py` → `hand_templates.bin`).
//! The reading says whether it satisfies the field's rules (a NIR passes its
//! key, a date is a real date of the 1900s or 2000s, a postcode has a known
//! department, a phone number starts with 0); one that does not is kept as
//! read.

use std::sync::OnceLock;

use image::GrayImage;
use parcours_domain::form::FieldKind;

/// Side of a normalised glyph, pixels.
pub(crate) const S: usize = 16;
/// Template classes: digits, the date's separator, the plus of +33 and the
/// letters of Corsica's departments (2A, 2B).
const CLASSES: &[u8; 14] = b"0123456789/+AB";
const SLASH: usize = 10;
const PLUS: usize = 11;
const A: usize = 12;
const B: usize = 13;

/// One template: its class and its standardised pixels (zero mean, unit norm).
struct Template {
    class: usize,
    px: [f32; S * S],
}

fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| parse_templates(include_bytes!("hand_templates.bin")))
}

fn parse_templates(data: &[u8]) -> Vec<Template> {
    if data.len() < 5 || &data[..4] != b"HDG1" || data[4] as usize != S {
        return Vec::new();
    }
    data[5..]
        .chunks_exact(S * S + 1)
        .filter_map(|c| {
            let class = CLASSES.iter().position(|&k| k == c[0])?;
            let mut px = [0f32; S * S];
            px.iter_mut().zip(&c[1..]).for_each(|(p, &v)| *p = v as f32);
            standardise(&mut px).then_some(Template { class, px })
        })
        .collect()
}

/// Zero mean, unit norm; false for a flat patch.
pub(crate) fn standardise(v: &mut [f32]) -> bool {
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    v.iter_mut().for_each(|x| *x -= mean);
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm < 1e-3 {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    true
}

/// A connected run of ink: its box (inclusive-exclusive) and its pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blob {
    pub(crate) x0: usize,
    pub(crate) y0: usize,
    pub(crate) x1: usize,
    pub(crate) y1: usize,
    pub(crate) area: usize,
}

impl Blob {
    pub(crate) fn h(&self) -> usize {
        self.y1 - self.y0
    }
    pub(crate) fn w(&self) -> usize {
        self.x1 - self.x0
    }
    pub(crate) fn overlap_x(&self, o: &Blob) -> usize {
        self.x1.min(o.x1).saturating_sub(self.x0.max(o.x0))
    }
    pub(crate) fn join(&mut self, o: &Blob) {
        self.x0 = self.x0.min(o.x0);
        self.y0 = self.y0.min(o.y0);
        self.x1 = self.x1.max(o.x1);
        self.y1 = self.y1.max(o.y1);
        self.area += o.area;
    }
}

/// Connected components (8-neighbours): a label per pixel (0 = paper,
/// `i + 1` = `blobs[i]`) and the blobs.
pub(crate) fn label(mask: &[bool], w: usize, h: usize) -> (Vec<u32>, Vec<Blob>) {
    let mut labels = vec![0u32; mask.len()];
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || labels[start] != 0 {
            continue;
        }
        let id = blobs.len() as u32 + 1;
        labels[start] = id;
        stack.push(start);
        let mut b = Blob {
            x0: usize::MAX,
            y0: usize::MAX,
            x1: 0,
            y1: 0,
            area: 0,
        };
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            b.join(&Blob {
                x0: x,
                y0: y,
                x1: x + 1,
                y1: y + 1,
                area: 1,
            });
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if mask[j] && labels[j] == 0 {
                        labels[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        blobs.push(b);
    }
    (labels, blobs)
}

/// The blobs `strokes` grouped left to right into glyphs: a blob sharing
/// half of its columns (or of the group's) with the last group joins it.
/// Each group: its box and its labels (blob index + 1).
pub(crate) fn column_groups(
    blobs: &[Blob],
    strokes: impl Iterator<Item = usize>,
) -> Vec<(Blob, Vec<u32>)> {
    let mut order: Vec<usize> = strokes.collect();
    order.sort_by_key(|&i| blobs[i].x0);
    let mut groups: Vec<(Blob, Vec<u32>)> = Vec::new();
    for i in order {
        let b = blobs[i];
        match groups.last_mut() {
            Some((g, ids)) if 2 * g.overlap_x(&b) >= g.w().min(b.w()) => {
                g.join(&b);
                ids.push(i as u32 + 1);
            }
            _ => groups.push((b, vec![i as u32 + 1])),
        }
    }
    groups
}

/// One glyph: the labels of its blobs, the columns it takes of them (two
/// touching digits are cut apart) and its box.
#[derive(Debug, Clone)]
struct Piece {
    b: Blob,
    ids: Vec<u32>,
}

/// The ink of a flattened 300 dpi crop (dark on white) cut into pieces, left
/// to right, with the labels and the height of a digit.
struct Ink {
    labels: Vec<u32>,
    w: usize,
    ref_h: f32,
    pieces: Vec<Piece>,
}

impl Ink {
    fn new(img: &GrayImage) -> Option<Ink> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mask: Vec<bool> = img.as_raw().iter().map(|&g| g < 128).collect();
        let (labels, blobs) = label(&mask, w, h);
        let mut heights: Vec<usize> = blobs.iter().filter(|b| b.area >= 20).map(Blob::h).collect();
        if heights.is_empty() {
            return None;
        }
        heights.sort_unstable();
        let ref_h = heights[(heights.len() - 1) * 9 / 10] as f32;
        // Strokes of a digit, a slash or a plus; dots, dashes and specks are not.
        let strokes = (0..blobs.len()).filter(|&i| blobs[i].h() as f32 >= 0.4 * ref_h);
        let mut pieces: Vec<Piece> = column_groups(&blobs, strokes)
            .into_iter()
            .map(|(b, ids)| Piece { b, ids })
            .collect();
        // A bit of a digit written apart (the flag of a 5): a small blob
        // lying mostly over a glyph.
        for (i, b) in blobs.iter().enumerate() {
            if (b.h() as f32) < 0.4 * ref_h && b.area as f32 >= 0.01 * ref_h * ref_h {
                if let Some(p) = pieces
                    .iter_mut()
                    .find(|p| 10 * p.b.overlap_x(b) >= 6 * b.w().max(1))
                {
                    p.b.join(b);
                    p.ids.push(i as u32 + 1);
                }
            }
        }
        Some(Ink {
            labels,
            w,
            ref_h,
            pieces,
        })
    }

    fn glyph(&self, p: &Piece) -> Option<Glyph> {
        normalise(
            &self.labels,
            self.w,
            &p.ids,
            (p.b.x0, p.b.x1),
            (p.b.y0, p.b.y1),
        )
        .and_then(classify)
    }

    /// Cuts the widest piece (for its height) in two at its thinnest column
    /// near the middle; false when no piece is wide enough to hold two.
    fn split_widest(&mut self) -> bool {
        let Some((i, p)) = self
            .pieces
            .iter()
            .enumerate()
            .max_by(|a, b| ratio(a.1).total_cmp(&ratio(b.1)))
        else {
            return false;
        };
        // Two digits side by side: much wider than the others.
        let mut others: Vec<f32> = self.pieces.iter().map(ratio).filter(|&r| r > 0.3).collect();
        others.sort_by(f32::total_cmp);
        let usual = others.get(others.len() / 2).copied().unwrap_or(0.6);
        if ratio(p) < (1.6 * usual).max(0.75) {
            return false;
        }
        let p = p.clone();
        let ink = |x: usize| {
            (p.b.y0..p.b.y1)
                .filter(|&y| p.ids.contains(&self.labels[y * self.w + x]))
                .count()
        };
        let (mid, reach) = (p.b.x0 + p.b.w() / 2, p.b.w() / 6);
        let cut = (mid - reach..=mid + reach)
            .min_by_key(|&x| ink(x))
            .unwrap_or(mid);
        let mut left = p.clone();
        let mut right = p;
        left.b.x1 = cut;
        right.b.x0 = cut;
        self.pieces.splice(i..=i, [left, right]);
        true
    }

    /// Joins the two neighbouring pieces closest together; false when all
    /// stand apart.
    fn join_closest(&mut self) -> bool {
        let gap = |i: usize| self.pieces[i + 1].b.x0 as f32 - self.pieces[i].b.x1 as f32;
        let Some(i) =
            (0..self.pieces.len().saturating_sub(1)).min_by(|&a, &b| gap(a).total_cmp(&gap(b)))
        else {
            return false;
        };
        if gap(i) > 0.08 * self.ref_h {
            return false;
        }
        let right = self.pieces.remove(i + 1);
        self.pieces[i].b.join(&right.b);
        self.pieces[i].ids.extend(right.ids);
        true
    }

    /// Cuts or joins pieces until there are `n`.
    fn fit(&mut self, n: usize) -> bool {
        while self.pieces.len() < n {
            if !self.split_widest() {
                return false;
            }
        }
        while self.pieces.len() > n {
            if !self.join_closest() {
                return false;
            }
        }
        true
    }
}

/// Width over height of a piece.
fn ratio(p: &Piece) -> f32 {
    p.b.w() as f32 / p.b.h().max(1) as f32
}

/// One glyph of the field: how much it looks like each class.
#[derive(Debug, Clone)]
struct Glyph {
    scores: [f32; CLASSES.len()],
}

impl Glyph {
    fn best(&self) -> usize {
        argmax(&self.scores)
    }
}

/// A glyph's ink (the pixels of its labels inside columns `x0..x1`), cut to
/// the ink, padded to a square and box-averaged to `S` x `S` coverage (as
/// `tools/hand_templates.py` does to the fonts' glyphs).
pub(crate) fn normalise(
    labels: &[u32],
    w: usize,
    ids: &[u32],
    (x0, x1): (usize, usize),
    (y0, y1): (usize, usize),
) -> Option<[f32; S * S]> {
    let ink = |x: usize, y: usize| ids.contains(&labels[y * w + x]);
    let (mut bx0, mut by0, mut bx1, mut by1) = (usize::MAX, usize::MAX, 0, 0);
    for y in y0..y1 {
        for x in x0..x1 {
            if ink(x, y) {
                bx0 = bx0.min(x);
                by0 = by0.min(y);
                bx1 = bx1.max(x + 1);
                by1 = by1.max(y + 1);
            }
        }
    }
    if bx1 <= bx0 {
        return None;
    }
    let (gw, gh) = (bx1 - bx0, by1 - by0);
    let side = gw.max(gh);
    let (ox, oy) = ((side - gw) / 2, (side - gh) / 2);
    let mut out = [0f32; S * S];
    for r in 0..S {
        let (sy0, sy1) = (r * side / S, ((r + 1) * side / S).max(r * side / S + 1));
        for c in 0..S {
            let (sx0, sx1) = (c * side / S, ((c + 1) * side / S).max(c * side / S + 1));
            let mut n = 0;
            for sy in sy0..sy1 {
                for sx in sx0..sx1 {
                    let (x, y) = (sx as i64 - ox as i64, sy as i64 - oy as i64);
                    if x >= 0 && y >= 0 && (x as usize) < gw && (y as usize) < gh {
                        n += ink(bx0 + x as usize, by0 + y as usize) as usize;
                    }
                }
            }
            out[r * S + c] = 255.0 * n as f32 / ((sy1 - sy0) * (sx1 - sx0)) as f32;
        }
    }
    Some(out)
}

fn classify(mut px: [f32; S * S]) -> Option<Glyph> {
    if !standardise(&mut px) {
        return None;
    }
    let mut scores = [-1f32; CLASSES.len()];
    for t in templates() {
        let r: f32 = t.px.iter().zip(&px).map(|(a, b)| a * b).sum();
        scores[t.class] = scores[t.class].max(r);
    }
    Some(Glyph { scores })
}

/// How many characters a field of `kind` holds, separators aside.
pub(crate) fn length(kind: FieldKind) -> Option<usize> {
    match kind {
        FieldKind::Date => Some(8),
        FieldKind::Postcode => Some(5),
        FieldKind::Phone => Some(10),
        FieldKind::Nir => Some(15),
        _ => None,
    }
}

/// The classes a character of the field may take at `i`: digits, and the
/// `A` or `B` of Corsica in a NIR's department.
fn allowed(kind: FieldKind, i: usize) -> &'static [usize] {
    const DIGITS: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const DEPT: &[usize] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, A, B];
    if kind == FieldKind::Nir && i == 6 {
        DEPT
    } else {
        DIGITS
    }
}

/// The text of `chars` as the field's repair and normalisation expect it.
fn text(kind: FieldKind, chars: &[usize]) -> String {
    let s: String = chars.iter().map(|&d| CLASSES[d] as char).collect();
    match kind {
        FieldKind::Date => format!("{}/{}/{}", &s[..2], &s[2..4], &s[4..]),
        // +33 6 12 34 56 78 is 06 12 34 56 78.
        FieldKind::Phone if s.len() == 11 => format!("0{}", &s[2..]),
        _ => s,
    }
}

/// What the glyph reader makes of a digit field.
#[derive(Debug, Clone, PartialEq)]
pub struct HandDigits {
    /// The most likely characters as the field's text (e.g. `28/01/1970`),
    /// before normalisation.
    pub text: String,
    /// Whether that text satisfies the field's rules.
    pub valid: bool,
    /// The smallest margin between a chosen character's score and the next
    /// allowed one's.
    pub margin: f32,
    /// The mean correlation of the chosen characters with their templates:
    /// high for a hand like the templates' fonts, low for an unfamiliar one.
    pub likeness: f32,
}

/// Reads the digit field of `kind` in a flattened 300 dpi crop; `valid`
/// says whether a text satisfies the field's rules. None when the ink does
/// not make the field's number of characters.
pub fn read(kind: FieldKind, img: &GrayImage, valid: impl Fn(&str) -> bool) -> Option<HandDigits> {
    let mut want = length(kind)?;
    let mut ink = Ink::new(img)?;
    // Separators are not characters: the date's slashes (where they stand
    // when there are ten pieces), the plus of +33.
    match kind {
        FieldKind::Date if ink.pieces.len() == 10 => {
            ink.pieces.remove(5);
            ink.pieces.remove(2);
        }
        FieldKind::Date => {
            let slash = |p: &Piece| ink.glyph(p).is_some_and(|g| g.best() == SLASH);
            let keep: Vec<Piece> = ink.pieces.iter().filter(|p| !slash(p)).cloned().collect();
            ink.pieces = keep;
        }
        FieldKind::Phone
            if ink.pieces.len() > 10
                && ink.glyph(&ink.pieces[0]).is_some_and(|g| g.best() == PLUS) =>
        {
            ink.pieces.remove(0);
            want += 1;
        }
        _ => {}
    }
    if !ink.fit(want) {
        return None;
    }
    let gs: Vec<Glyph> = ink.pieces.iter().filter_map(|p| ink.glyph(p)).collect();
    if gs.len() != want {
        return None;
    }
    let choose = |i: usize, g: &Glyph| {
        let a = allowed(kind, i);
        a[argmax(&a.iter().map(|&k| g.scores[k]).collect::<Vec<_>>())]
    };
    let best: Vec<usize> = gs.iter().enumerate().map(|(i, g)| choose(i, g)).collect();
    let margin = gs
        .iter()
        .zip(&best)
        .enumerate()
        .map(|(i, (g, &d))| {
            let next = allowed(kind, i)
                .iter()
                .filter(|&&k| k != d)
                .map(|&k| g.scores[k])
                .fold(f32::MIN, f32::max);
            g.scores[d] - next
        })
        .fold(f32::MAX, f32::min);
    let likeness = gs.iter().zip(&best).map(|(g, &d)| g.scores[d]).sum::<f32>() / want as f32;
    let text = self::text(kind, &best);
    // A text that breaks the rules is kept as read, never mended: the
    // applicant may have written it so, and the checks must see it.
    Some(HandDigits {
        valid: valid(&text),
        text,
        margin,
        likeness,
    })
}

/// The house number that begins a handwritten address line: the glyphs
/// before the first space, read as digits (1 to 4 of them). Whether it is a
/// number at all is for the caller to judge from the words that follow;
/// `valid` says each glyph looks like a digit.
pub fn leading_number(img: &GrayImage) -> Option<HandDigits> {
    let ink = Ink::new(img)?;
    let gap = 0.3 * ink.ref_h;
    let mut n = 1;
    while n < ink.pieces.len() && (ink.pieces[n].b.x0 as f32 - ink.pieces[n - 1].b.x1 as f32) < gap
    {
        n += 1;
    }
    if n > 4 || n == ink.pieces.len() {
        return None;
    }
    let gs: Vec<Glyph> = ink.pieces[..n]
        .iter()
        .filter_map(|p| ink.glyph(p))
        .collect();
    if gs.len() != n {
        return None;
    }
    let digits: Vec<usize> = gs.iter().map(|g| argmax(&g.scores[..SLASH])).collect();
    let margin = gs
        .iter()
        .zip(&digits)
        .map(|(g, &d)| {
            g.scores[d]
                - (0..SLASH)
                    .filter(|&k| k != d)
                    .map(|k| g.scores[k])
                    .fold(f32::MIN, f32::max)
        })
        .fold(f32::MAX, f32::min);
    Some(HandDigits {
        text: digits.iter().map(|&d| CLASSES[d] as char).collect(),
        valid: gs.iter().zip(&digits).all(|(g, &d)| g.scores[d] >= 0.55),
        margin,
        likeness: gs
            .iter()
            .zip(&digits)
            .map(|(g, &d)| g.scores[d])
            .sum::<f32>()
            / n as f32,
    })
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len())
        .max_by(|&a, &b| v[a].total_cmp(&v[b]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn templates_load_for_every_class() {
        let t = templates();
        assert!(t.len() > 100);
        for c in 0..CLASSES.len() {
            assert!(t.iter().any(|x| x.class == c), "no template for {}", c);
        }
        assert!(parse_templates(b"junk").is_empty());
    }

    /// Draws templates of `digits` side by side, as ink on paper, at the
    /// scale of a 300 dpi field (each glyph 64 px high).
    fn write(digits: &[usize]) -> GrayImage {
        write_spaced(digits, 6)
    }

    /// As `write`, with `gap` template pixels between the glyphs' cells.
    fn write_spaced(digits: &[usize], gap: usize) -> GrayImage {
        let scale = 4;
        let width = digits.len() * (S + gap) * scale + 40;
        let mut img = GrayImage::from_pixel(width as u32, 110, Luma([255]));
        for (i, &d) in digits.iter().enumerate() {
            let t = templates().iter().find(|t| t.class == d).unwrap();
            for y in 0..S * scale {
                for x in 0..S * scale {
                    if t.px[(y / scale) * S + x / scale] > 0.02 {
                        let px = 20 + i * (S + gap) * scale + x;
                        img.put_pixel(px as u32, (20 + y) as u32, Luma([0]));
                    }
                }
            }
        }
        img
    }

    #[test]
    fn digits_drawn_from_templates_read_back() {
        let digits = [5, 7, 0, 0, 0];
        let r = read(FieldKind::Postcode, &write(&digits), |_| true).unwrap();
        assert_eq!((r.text.as_str(), r.valid), ("57000", true));
        assert!(r.margin > 0.0);
        // The templates' own shapes are alike; the same digits drawn with
        // a much broader pen are less so.
        assert!(r.likeness > 0.9, "{}", r.likeness);
        let thick = spread(&write(&digits), 5);
        let t = read(FieldKind::Postcode, &thick, |_| true).unwrap();
        assert!(
            t.likeness < r.likeness - 0.02,
            "{} {}",
            t.likeness,
            r.likeness
        );
        // Too few glyphs for the field: no reading.
        assert_eq!(read(FieldKind::Phone, &write(&digits), |_| true), None);
    }

    /// Ink spread by `r` pixels each way (a minimum filter).
    fn spread(img: &GrayImage, r: u32) -> GrayImage {
        GrayImage::from_fn(img.width(), img.height(), |x, y| {
            let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
            let (x1, y1) = ((x + r).min(img.width() - 1), (y + r).min(img.height() - 1));
            let dark = (y0..=y1).any(|v| (x0..=x1).any(|u| img.get_pixel(u, v)[0] < 128));
            Luma([if dark { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_text_against_the_rules_is_kept_as_read() {
        let r = read(FieldKind::Postcode, &write(&[3, 9, 0, 0, 0]), |t| {
            t != "39000"
        })
        .unwrap();
        assert_eq!((r.text.as_str(), r.valid), ("39000", false));
    }

    #[test]
    fn a_house_number_is_read_before_the_first_space() {
        // "52 7": the number is the glyphs before the gap.
        let mut img = write_spaced(&[5, 2], 0);
        let rest = write(&[7]);
        let mut both = GrayImage::from_pixel(img.width() + rest.width() + 60, 110, Luma([255]));
        image::imageops::overlay(&mut both, &img, 0, 0);
        image::imageops::overlay(&mut both, &rest, (img.width() + 60) as i64, 0);
        assert_eq!(leading_number(&both).unwrap().text, "52");
        // A line of one word has no number before a street.
        img = write_spaced(&[5, 2], 0);
        assert_eq!(leading_number(&img), None);
    }

    #[test]
    fn slashes_and_plus_are_separators() {
        let r = read(
            FieldKind::Date,
            &write(&[2, 8, SLASH, 0, 1, SLASH, 1, 9, 7, 0]),
            |_| true,
        );
        assert_eq!(r.unwrap().text, "28/01/1970");
        let plus33 = [PLUS, 3, 3, 6, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(
            read(FieldKind::Phone, &write(&plus33), |_| true)
                .unwrap()
                .text,
            "0612345678"
        );
    }
}
