//! Fixed-pitch reading of an MRZ line printed in OCR-B.
//!
//! An MRZ line is OCR-B at a fixed pitch and every cell holds ink (the
//! filler `<` too), so the line is cut into cells from its glyphs' centres
//! (pitch and start fitted by least squares) and each cell is classified
//! against templates rendered from the OCR-B font
//! ([`crate::ocrb_templates`]) by normalised correlation.

use image::GrayImage;

use crate::ocrb_templates::{CELL_H_OVER_W, TEMPLATES, TH, TW};

/// A character cell as read: the best character, the runner-up and how much
/// better the best one matched (correlation difference).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Best character.
    pub best: char,
    /// Runner-up.
    pub second: char,
    /// Correlation of the best.
    pub score: f32,
    /// Correlation of the best minus that of the runner-up.
    pub margin: f32,
    /// Correlation of the filler `<`.
    pub filler: f32,
}

/// Zero-mean, unit-norm templates (computed once).
fn normalised_templates() -> &'static Vec<(char, Vec<f32>)> {
    static T: std::sync::OnceLock<Vec<(char, Vec<f32>)>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        TEMPLATES
            .iter()
            .map(|(c, px)| (*c, normalise(px.iter().map(|&v| v as f32).collect())))
            .collect()
    })
}

/// The templates with strokes thickened by `r` pixels (a blurred scan's
/// threshold fattens the glyphs), normalised.
fn bold_templates(r: usize) -> &'static Vec<(char, Vec<f32>)> {
    static T1: std::sync::OnceLock<Vec<(char, Vec<f32>)>> = std::sync::OnceLock::new();
    static T2: std::sync::OnceLock<Vec<(char, Vec<f32>)>> = std::sync::OnceLock::new();
    let cell = if r <= 1 { &T1 } else { &T2 };
    cell.get_or_init(|| {
        TEMPLATES
            .iter()
            .map(|(c, px)| {
                let mut v = vec![255f32; TW * TH];
                for y in 0..TH {
                    for x in 0..TW {
                        let mut m = 255u8;
                        for yy in y.saturating_sub(r)..(y + r + 1).min(TH) {
                            for xx in x.saturating_sub(r)..(x + r + 1).min(TW) {
                                m = m.min(px[yy * TW + xx]);
                            }
                        }
                        v[y * TW + x] = m as f32;
                    }
                }
                (*c, normalise(v))
            })
            .collect()
    })
}

fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.len().max(1) as f32;
    let mean = v.iter().sum::<f32>() / n;
    v.iter_mut().for_each(|x| *x -= mean);
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// One connected component of ink: its box (inclusive-exclusive) and its
/// ink pixels.
pub(crate) type Comp = crate::hand_digits::Blob;

/// Connected components (8-neighbours) of `mask` (`w` wide).
pub(crate) fn components(mask: &[bool], w: usize, h: usize) -> Vec<Comp> {
    crate::hand_digits::label(mask, w, h).1
}

fn percentile(v: &mut [f32], p: f32) -> f32 {
    v.sort_by(f32::total_cmp);
    v[((v.len() - 1) as f32 * p).round() as usize]
}

/// Bilinear grey sample, white outside.
fn sample(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let px = |xi: i64, yi: i64| -> f32 {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            255.0
        } else {
            img.as_raw()[(yi * w + xi) as usize] as f32
        }
    };
    let (x, y) = (x - 0.5, y - 0.5);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as i64, y0 as i64);
    let top = px(xi, yi) * (1.0 - fx) + px(xi + 1, yi) * fx;
    let bot = px(xi, yi + 1) * (1.0 - fx) + px(xi + 1, yi + 1) * fx;
    top * (1.0 - fy) + bot * fy
}

/// Reads the line of `img` (flattened grey, text dark) held in rows
/// `y0..y1` and columns `x0..x1`: one [`Cell`] per character.
pub fn read_line(img: &GrayImage, x0: usize, y0: usize, x1: usize, y1: usize) -> Vec<Cell> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (x1, y1) = (x1.min(w), y1.min(h));
    let (y0e, y1e) = (y0.saturating_sub(1), (y1 + 1).min(h));
    if x1 <= x0 + 4 || y1e <= y0e + 4 {
        return Vec::new();
    }
    let (cw, ch) = (x1 - x0, y1e - y0e);
    let mask: Vec<bool> = (0..ch)
        .flat_map(|y| (0..cw).map(move |x| (x, y)))
        .map(|(x, y)| img.as_raw()[(y0e + y) * w + x0 + x] < 128)
        .collect();
    let line_h = (y1 - y0) as f32;
    let comps: Vec<Comp> = components(&mask, cw, ch)
        .into_iter()
        .filter(|c| (c.y1 - c.y0) as f32 >= 0.45 * line_h)
        .collect();
    if comps.len() < 8 {
        return Vec::new();
    }
    // OCR-B: the advance is 0.94 of the cap height.
    let mut heights: Vec<f32> = comps.iter().map(|c| (c.y1 - c.y0) as f32).collect();
    let cap = percentile(&mut heights, 0.8);
    let p_guess = cap * 0.94;
    // Glyphs, and runs of touching glyphs (`<<<` fillers touch): each with
    // the number of cells it covers.
    let mut items: Vec<(&Comp, f32)> = comps
        .iter()
        .filter(|c| (c.x1 - c.x0) as f32 >= 0.15 * p_guess)
        .map(|c| {
            let w = (c.x1 - c.x0) as f32;
            let k = if w <= 1.25 * p_guess {
                1.0
            } else {
                (w / p_guess).round().max(1.0)
            };
            (c, k)
        })
        .collect();
    items.sort_by_key(|c| c.0.x0 + c.0.x1);
    if items.len() < 4 {
        return Vec::new();
    }
    let glyphs: Vec<&Comp> = items.iter().filter(|i| i.1 == 1.0).map(|i| i.0).collect();
    let centres: Vec<f32> = items
        .iter()
        .map(|c| (c.0.x0 + c.0.x1) as f32 / 2.0)
        .collect();
    // Pitch: the median gap between neighbouring single glyphs near the guess.
    let mut gaps: Vec<f32> = items
        .windows(2)
        .filter(|w| w[0].1 == 1.0 && w[1].1 == 1.0)
        .map(|w| (w[1].0.x0 + w[1].0.x1) as f32 / 2.0 - (w[0].0.x0 + w[0].0.x1) as f32 / 2.0)
        .filter(|g| *g > 0.7 * p_guess && *g < 1.3 * p_guess)
        .collect();
    let mut p = if gaps.is_empty() {
        p_guess
    } else {
        percentile(&mut gaps, 0.5)
    };
    let mut c0 = centres[0] - (items[0].1 - 1.0) / 2.0 * p;
    // The index of an item's centre: a whole number for a glyph, a half one
    // for a run of an even number of glyphs.
    let index = |c: f32, k: f32, c0: f32, p: f32| {
        ((c - c0) / p - (k - 1.0) / 2.0).round() + (k - 1.0) / 2.0
    };
    // Weighted least squares on (cell index, centre), outliers dropped:
    // single glyphs first, then the runs too with their cell counts
    // from the fitted pitch.
    for round in 0..4 {
        if round == 2 {
            for it in items.iter_mut() {
                let w = (it.0.x1 - it.0.x0) as f32;
                if w > 1.25 * p {
                    it.1 = (w / p).round().max(1.0);
                }
            }
        }
        let pts: Vec<(f32, f32, f32)> = items
            .iter()
            .zip(centres.iter().copied())
            .map(|((_, k), c)| (index(c, *k, c0, p), c, *k))
            .filter(|(_, _, k)| round >= 2 || *k == 1.0)
            .filter(|(i, c, _)| (c - (c0 + i * p)).abs() < 0.35 * p)
            .collect();
        if pts.len() < 4 {
            break;
        }
        let n: f32 = pts.iter().map(|p| p.2).sum();
        let (mi, mc) = (
            pts.iter().map(|p| p.0 * p.2).sum::<f32>() / n,
            pts.iter().map(|p| p.1 * p.2).sum::<f32>() / n,
        );
        let sii: f32 = pts.iter().map(|p| p.2 * (p.0 - mi).powi(2)).sum();
        let sic: f32 = pts.iter().map(|p| p.2 * (p.0 - mi) * (p.1 - mc)).sum();
        if sii <= 0.0 {
            break;
        }
        let p2 = sic / sii;
        if !(0.6 * p_guess..=1.4 * p_guess).contains(&p2) {
            break;
        }
        p = p2;
        c0 = mc - p * mi;
    }
    let first_i = items
        .iter()
        .zip(&centres)
        .map(|((_, k), &c)| index(c, *k, c0, p) - (k - 1.0) / 2.0)
        .fold(f32::MAX, f32::min);
    let last_i = items
        .iter()
        .zip(&centres)
        .map(|((_, k), &c)| index(c, *k, c0, p) + (k - 1.0) / 2.0)
        .fold(f32::MIN, f32::max);
    if glyphs.is_empty() || last_i - first_i > 60.0 {
        return Vec::new();
    }
    // The baseline, fitted on the glyphs' bottoms with what skew is left:
    // one slope, two heights (the filler `<` is shorter and stands higher
    // than letters and digits, so short glyphs get their own intercept).
    let mut hs: Vec<f32> = glyphs.iter().map(|c| (c.y1 - c.y0) as f32).collect();
    let tall_h = percentile(&mut hs, 0.8);
    let groups: Vec<(bool, f32, f32)> = glyphs
        .iter()
        .map(|c| {
            let short = ((c.y1 - c.y0) as f32) < 0.9 * tall_h;
            (short, (c.x0 + c.x1) as f32 / 2.0, (y0e + c.y1) as f32)
        })
        .collect();
    let mean_of = |short: bool| -> Option<(f32, f32)> {
        let g: Vec<&(bool, f32, f32)> = groups.iter().filter(|g| g.0 == short).collect();
        (!g.is_empty()).then(|| {
            let n = g.len() as f32;
            (
                g.iter().map(|g| g.1).sum::<f32>() / n,
                g.iter().map(|g| g.2).sum::<f32>() / n,
            )
        })
    };
    let (tall_mean, short_mean) = (mean_of(false), mean_of(true));
    let (mut sxx, mut sxy) = (0.0f32, 0.0f32);
    for g in &groups {
        let Some((mx, my)) = (if g.0 { short_mean } else { tall_mean }) else {
            continue;
        };
        sxx += (g.1 - mx).powi(2);
        sxy += (g.1 - mx) * (g.2 - my);
    }
    let slope = if sxx > 0.0 {
        (sxy / sxx).clamp(-0.03, 0.03)
    } else {
        0.0
    };
    let (bx, by) = tall_mean.unwrap_or((0.0, 0.0));
    let base_at = |x: f32| by + slope * (x - bx);
    let cell_h = CELL_H_OVER_W * p;
    // Cells inside one blob of three or more: glyphs of an MRZ keep apart,
    // except the filler's chevrons, which touch in a blurred scan.
    let run_cells: Vec<f32> = items
        .iter()
        .zip(&centres)
        .filter(|(it, _)| it.1 >= 3.0)
        .flat_map(|((_, k), &c)| {
            let first = index(c, *k, c0, p) - (k - 1.0) / 2.0;
            (0..*k as usize).map(move |j| first + j as f32)
        })
        .collect();
    let templates = normalised_templates();
    let mut out = Vec::new();
    let mut i = first_i;
    while i <= last_i {
        let c = c0 + i * p;
        let in_run = run_cells.iter().any(|&r| (r - i).abs() < 0.5);
        let base = base_at(c);
        let mut cell = classify(img, x0 as f32 + c, p, base - cell_h, base, templates);
        if cell.score < 0.85 {
            for r in [1, 2] {
                let bold = classify(
                    img,
                    x0 as f32 + c,
                    p,
                    base - cell_h,
                    base,
                    bold_templates(r),
                );
                if bold.score > cell.score {
                    cell = bold;
                }
            }
        }
        if in_run && cell.best != '<' {
            cell.second = cell.best;
            cell.best = '<';
            cell.score = cell.filler;
        }
        out.push(cell);
        i += 1.0;
    }
    out
}

/// The best template for the cell centred on `cx` (`p` wide, `top..bot` high).
fn classify(
    img: &GrayImage,
    cx: f32,
    p: f32,
    top: f32,
    bot: f32,
    templates: &[(char, Vec<f32>)],
) -> Cell {
    let mut scores = vec![f32::MIN; templates.len()];
    let sx = p / TW as f32;
    let sy = (bot - top) / TH as f32;
    for dy in [-1.5f32, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5] {
        for dx in [-1.0f32, -0.5, 0.0, 0.5, 1.0] {
            let mut v = Vec::with_capacity(TW * TH);
            for ty in 0..TH {
                for tx in 0..TW {
                    let x = cx - p / 2.0 + (tx as f32 + 0.5 + dx) * sx;
                    let y = top + (ty as f32 + 0.5 + dy) * sy;
                    v.push(sample(img, x, y));
                }
            }
            let v = normalise(v);
            for (k, (_, t)) in templates.iter().enumerate() {
                let s: f32 = v.iter().zip(t).map(|(a, b)| a * b).sum();
                if s > scores[k] {
                    scores[k] = s;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..templates.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let filler = templates
        .iter()
        .position(|t| t.0 == '<')
        .map_or(0.0, |k| scores[k]);
    Cell {
        best: templates[order[0]].0,
        second: templates[order[1]].0,
        score: scores[order[0]],
        margin: scores[order[0]] - scores[order[1]],
        filler,
    }
}

/// The text of cells.
pub fn text(cells: &[Cell]) -> String {
    cells.iter().map(|c| c.best).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// Draws templates side by side, each cell 32 px wide and as high as
    /// the font's cell, as a line of text; returns the image and the rows.
    fn draw(s: &str) -> (GrayImage, usize, usize) {
        let cw = 32usize;
        let ch = (cw as f32 * CELL_H_OVER_W).round() as usize;
        let mut img =
            GrayImage::from_pixel(((s.len() + 4) * cw) as u32, (ch + 20) as u32, Luma([255]));
        for (i, c) in s.chars().enumerate() {
            let (_, px) = TEMPLATES.iter().find(|t| t.0 == c).unwrap();
            for y in 0..ch {
                for x in 0..cw {
                    let v = px[(y * TH / ch) * TW + x * TW / cw];
                    img.put_pixel(((i + 2) * cw + x) as u32, (10 + y) as u32, Luma([v]));
                }
            }
        }
        (img, 10, 10 + ch)
    }

    #[test]
    fn a_rendered_line_reads_back() {
        let s = "IDFRAX4RTBPFW46<<<<<<<<<<<<<<<";
        let (img, y0, y1) = draw(s);
        let cells = read_line(&img, 0, y0, img.width() as usize, y1);
        assert_eq!(text(&cells), s);
        let mean = cells.iter().map(|c| c.score).sum::<f32>() / cells.len() as f32;
        assert!(mean > 0.9, "{cells:?}");
    }
}
