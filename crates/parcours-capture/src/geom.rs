//! Pixel geometry: box downscaling, ink masks, skew search and the frame
//! that maps upright page coordinates to the scanned image.

use image::{GrayImage, Luma};

/// Maps upright page coordinates (pixels of the scan, page turned the right
/// way up and deskewed) to the scan's own pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Scan width.
    pub w: f32,
    /// Scan height.
    pub h: f32,
    /// Skew of the scan, degrees (text lines go down to the right when > 0).
    pub skew_deg: f32,
    /// The scan is upside down.
    pub flipped: bool,
}

impl Frame {
    /// The identity frame of a `w × h` scan.
    pub fn upright(w: u32, h: u32) -> Frame {
        Frame {
            w: w as f32,
            h: h as f32,
            skew_deg: 0.0,
            flipped: false,
        }
    }

    /// Scan pixel of upright point `(u, v)`.
    pub fn map(&self, u: f32, v: f32) -> (f32, f32) {
        let (cx, cy) = (self.w / 2.0, self.h / 2.0);
        let (mut du, mut dv) = (u - cx, v - cy);
        if self.flipped {
            du = -du;
            dv = -dv;
        }
        let (s, c) = self.skew_deg.to_radians().sin_cos();
        (cx + c * du - s * dv, cy + s * du + c * dv)
    }

    /// Upright point of scan pixel `(x, y)`: the inverse of [`Frame::map`].
    pub fn unmap(&self, x: f32, y: f32) -> (f32, f32) {
        let (cx, cy) = (self.w / 2.0, self.h / 2.0);
        let (dx, dy) = (x - cx, y - cy);
        let (s, c) = self.skew_deg.to_radians().sin_cos();
        let (mut du, mut dv) = (c * dx + s * dy, -s * dx + c * dy);
        if self.flipped {
            du = -du;
            dv = -dv;
        }
        (cx + du, cy + dv)
    }
}

/// An upright crop `[u0, u1) × [v0, v1)` (upright pixels of `src`), resampled
/// by `scale` (output pixels per source pixel), bilinear, white outside.
pub fn warp(
    src: &GrayImage,
    frame: &Frame,
    u0: f32,
    v0: f32,
    u1: f32,
    v1: f32,
    scale: f32,
) -> GrayImage {
    let ow = (((u1 - u0) * scale).round().max(1.0) as u32).min(20_000);
    let oh = (((v1 - v0) * scale).round().max(1.0) as u32).min(20_000);
    let (sw, sh) = (src.width() as i64, src.height() as i64);
    let raw = src.as_raw();
    let px = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= sw || y >= sh {
            255.0
        } else {
            raw[(y * sw + x) as usize] as f32
        }
    };
    let (s, c) = frame.skew_deg.to_radians().sin_cos();
    let sign = if frame.flipped { -1.0 } else { 1.0 };
    let (cx, cy) = (frame.w / 2.0, frame.h / 2.0);
    let mut out = GrayImage::new(ow, oh);
    for j in 0..oh {
        let v = v0 + (j as f32 + 0.5) / scale;
        for i in 0..ow {
            let u = u0 + (i as f32 + 0.5) / scale;
            let (du, dv) = (sign * (u - cx), sign * (v - cy));
            let x = cx + c * du - s * dv - 0.5;
            let y = cy + s * du + c * dv - 0.5;
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (xi, yi) = (x0 as i64, y0 as i64);
            let top = px(xi, yi) * (1.0 - fx) + px(xi + 1, yi) * fx;
            let bot = px(xi, yi + 1) * (1.0 - fx) + px(xi + 1, yi + 1) * fx;
            out.put_pixel(i, j, Luma([(top * (1.0 - fy) + bot * fy).round() as u8]));
        }
    }
    out
}

/// Averages `k × k` blocks.
pub fn box_downscale(src: &GrayImage, k: u32) -> GrayImage {
    if k <= 1 {
        return src.clone();
    }
    let (w, h) = (src.width() / k, src.height() / k);
    let mut out = GrayImage::new(w.max(1), h.max(1));
    let sw = src.width() as usize;
    let raw = src.as_raw();
    let mut acc = vec![0u32; w as usize];
    for y in 0..h {
        acc.iter_mut().for_each(|a| *a = 0);
        for dy in 0..k {
            let row = &raw[((y * k + dy) as usize) * sw..];
            for (x, a) in acc.iter_mut().enumerate() {
                let base = x * k as usize;
                *a += row[base..base + k as usize]
                    .iter()
                    .map(|&p| p as u32)
                    .sum::<u32>();
            }
        }
        for (x, a) in acc.iter().enumerate() {
            out.put_pixel(x as u32, y, Luma([(a / (k * k)) as u8]));
        }
    }
    out
}

/// The 90th percentile of each `block`-pixel tile, row by row, with the
/// number of tiles across and down.
fn tile_levels(img: &GrayImage, block: u32) -> (Vec<u8>, u32, u32) {
    let (w, h) = (img.width(), img.height());
    let (bw, bh) = (w.div_ceil(block), h.div_ceil(block));
    let mut tile = vec![255u8; (bw * bh) as usize];
    let raw = img.as_raw();
    for by in 0..bh {
        for bx in 0..bw {
            let mut hist = [0u32; 256];
            let mut n = 0;
            for y in by * block..((by + 1) * block).min(h) {
                let row = &raw[(y * w) as usize..];
                for &g in &row[(bx * block) as usize..((bx + 1) * block).min(w) as usize] {
                    hist[g as usize] += 1;
                    n += 1;
                }
            }
            let mut seen = 0;
            for (g, c) in hist.iter().enumerate().rev() {
                seen += c;
                if seen * 10 >= n {
                    tile[(by * bw + bx) as usize] = g as u8;
                    break;
                }
            }
        }
    }
    (tile, bw, bh)
}

/// The paper level of each `block`-pixel tile: the tile's 90th percentile,
/// then the brightest of the 3×3 tiles around (so that text is not paper).
fn paper_levels(img: &GrayImage, block: u32) -> (Vec<u8>, u32) {
    let (tile, bw, bh) = tile_levels(img, block);
    let mut paper = vec![0u8; tile.len()];
    for by in 0..bh as i64 {
        for bx in 0..bw as i64 {
            let mut m = 0u8;
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (x, y) = (bx + dx, by + dy);
                    if x >= 0 && y >= 0 && x < bw as i64 && y < bh as i64 {
                        m = m.max(tile[(y * bw as i64 + x) as usize]);
                    }
                }
            }
            paper[(by * bw as i64 + bx) as usize] = m;
        }
    }
    (paper, bw)
}

/// Ink mask: pixels clearly darker than their neighbourhood's paper, so
/// that tinted paper, grey borders and grey cards are paper.
pub fn ink_mask(img: &GrayImage, block: u32, contrast: f32) -> Vec<bool> {
    let (w, h) = (img.width(), img.height());
    let (paper, bw) = paper_levels(img, block);
    let mut out = vec![false; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let p = paper[((y / block) * bw + x / block) as usize] as f32;
            let g = img.get_pixel(x, y).0[0] as f32;
            out[(y * w + x) as usize] = g < p * (1.0 - contrast) && p - g > 40.0;
        }
    }
    out
}

/// Background flattening: each pixel divided by its neighbourhood's paper
/// level, so that text on a grey card or a shaded scan becomes dark on white
/// (Tesseract's global threshold would otherwise blacken a grey card).
pub fn flatten(img: &GrayImage, block: u32) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let (paper, bw) = paper_levels(img, block.max(4));
    let block = block.max(4);
    let mut out = GrayImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let p = paper[((y / block) * bw + x / block) as usize].max(1) as f32;
            let r = img.get_pixel(x, y).0[0] as f32 / p;
            // Contrast curve: under half the paper is ink, above 80 % is paper.
            let v = ((r - 0.5) / 0.3).clamp(0.0, 1.0) * 255.0;
            out.put_pixel(x, y, Luma([v as u8]));
        }
    }
    out
}

/// Background flattening by each tile's own paper level (its 90th
/// percentile), interpolated between tile centres: unlike [`flatten`], a
/// dark card's background stays paper right up to its edges (the text on
/// it survives), at the price of greying solid areas.
pub fn flatten_local(img: &GrayImage, block: u32) -> GrayImage {
    let block = block.max(4);
    let (w, h) = (img.width(), img.height());
    let (levels, bw, bh) = tile_levels(img, block);
    let tile: Vec<f32> = levels.into_iter().map(f32::from).collect();
    let raw = img.as_raw();
    let level = |tx: f32, ty: f32| -> f32 {
        let tx = tx.clamp(0.0, (bw - 1) as f32);
        let ty = ty.clamp(0.0, (bh - 1) as f32);
        let (x0, y0) = (tx.floor() as u32, ty.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(bw - 1), (y0 + 1).min(bh - 1));
        let (fx, fy) = (tx - x0 as f32, ty - y0 as f32);
        let t = |x: u32, y: u32| tile[(y * bw + x) as usize];
        (t(x0, y0) * (1.0 - fx) + t(x1, y0) * fx) * (1.0 - fy)
            + (t(x0, y1) * (1.0 - fx) + t(x1, y1) * fx) * fy
    };
    let mut out = GrayImage::new(w, h);
    for y in 0..h {
        let ty = (y as f32 + 0.5) / block as f32 - 0.5;
        for x in 0..w {
            let tx = (x as f32 + 0.5) / block as f32 - 0.5;
            let p = level(tx, ty).max(1.0);
            let r = raw[(y * w + x) as usize] as f32 / p;
            let v = ((r - 0.5) / 0.3).clamp(0.0, 1.0) * 255.0;
            out.put_pixel(x, y, Luma([v as u8]));
        }
    }
    out
}

/// The skew (degrees, within ±`max_deg`) that makes the ink's rows sharpest.
pub fn find_skew(mask: &[bool], w: u32, h: u32, max_deg: f32) -> f32 {
    skew_between(mask, w, h, -max_deg, max_deg)
}

/// The skew (degrees, in `[lo, hi]`) whose projection profile of the ink
/// `mask` (`w × h`) is sharpest: 0.25° steps, then 0.05° about the best.
pub fn skew_between(mask: &[bool], w: u32, h: u32, lo: f32, hi: f32) -> f32 {
    let pts: Vec<(f32, f32)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| mask[(y * w + x) as usize])
        .map(|(x, y)| (x as f32, y as f32))
        .collect();
    if pts.len() < 50 {
        return 0.0;
    }
    let n = (w + h) as usize * 2;
    let mut bins = vec![0u32; n];
    let mut score = |deg: f32| -> f64 {
        let (s, c) = deg.to_radians().sin_cos();
        bins.iter_mut().for_each(|b| *b = 0);
        for &(x, y) in &pts {
            let i = (-x * s + y * c + w as f32).max(0.0) as usize;
            if i < n {
                bins[i] += 1;
            }
        }
        bins.iter().map(|&b| (b as f64) * (b as f64)).sum()
    };
    let mut best = (0.0f32, score(0.0));
    let mut a = lo;
    while a <= hi + 1e-3 {
        let sc = score(a);
        if sc > best.1 {
            best = (a, sc);
        }
        a += 0.25;
    }
    let centre = best.0;
    let mut a = centre - 0.25;
    while a <= centre + 0.25 + 1e-3 {
        let sc = score(a);
        if sc > best.1 {
            best = (a, sc);
        }
        a += 0.05;
    }
    best.0
}

/// The image with its scanner streaks (columns darker than their
/// neighbours by the same few levels from top to bottom, a dirty sensor)
/// lightened back; `None` when it has none. `gap` is the distance (pixels)
/// of the neighbours a column is compared with: more than a streak's width.
pub fn remove_streaks(img: &GrayImage, gap: u32) -> Option<GrayImage> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let gap = gap.max(1) as usize;
    if w <= 2 * gap || h < 16 {
        return None;
    }
    let raw = img.as_raw();
    let step = (h / 400).max(1);
    let rows: Vec<usize> = (0..h).step_by(step).collect();
    let mut fixes: Vec<(usize, i32)> = Vec::new();
    let mut hist = [0u32; 256];
    for x in gap..w - gap {
        hist.iter_mut().for_each(|c| *c = 0);
        for &y in &rows {
            let r = &raw[y * w..(y + 1) * w];
            let d = r[x] as i32 - (r[x - gap] as i32 + r[x + gap] as i32) / 2;
            hist[(d.clamp(-128, 127) + 128) as usize] += 1;
        }
        let n = rows.len() as u32;
        let mut seen = 0;
        let mut median = 0i32;
        for (i, c) in hist.iter().enumerate() {
            seen += c;
            if seen * 2 >= n {
                median = i as i32 - 128;
                break;
            }
        }
        // A streak: darker by 8 to 90 levels, the same within a few levels
        // on most rows (text crosses a column on some rows only).
        if !(-90..=-8).contains(&median) {
            continue;
        }
        let lo = (median - 10 + 128).max(0) as usize;
        let hi = (median + 10 + 128).min(255) as usize;
        let near: u32 = hist[lo..=hi].iter().sum();
        if near * 10 >= n * 6 {
            fixes.push((x, -median));
        }
    }
    if fixes.is_empty() {
        return None;
    }
    let mut out = img.clone();
    let buf: &mut [u8] = &mut out;
    for (x, add) in fixes {
        for y in 0..h {
            let p = &mut buf[y * w + x];
            *p = (*p as i32 + add).min(255) as u8;
        }
    }
    Some(out)
}

/// Boxes `(x0, y0, x1, y1)` of the regions of `img` clearly darker than its
/// paper (its 80th percentile) whose box is `min`..`max` pixels wide and
/// high (either way round) and at least half filled: cards with a dark
/// background lying on a page (at about one pixel per millimetre, the
/// text of a page is too thin to join into such regions).
pub fn dark_regions(
    img: &GrayImage,
    min: (u32, u32),
    max: (u32, u32),
) -> Vec<(u32, u32, u32, u32)> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut hist = [0u32; 256];
    img.as_raw().iter().for_each(|&g| hist[g as usize] += 1);
    let n = (w * h) as u32;
    let mut seen = 0;
    let mut paper = 255u32;
    for (g, c) in hist.iter().enumerate() {
        seen += c;
        if seen * 5 >= n * 4 {
            paper = g as u32;
            break;
        }
    }
    let mask: Vec<bool> = img
        .as_raw()
        .iter()
        .map(|&g| (g as u32) * 5 < paper * 4)
        .collect();
    let fits = |a: usize, b: usize| {
        a >= min.0 as usize && a <= max.0 as usize && b >= min.1 as usize && b <= max.1 as usize
    };
    crate::ocrb::components(&mask, w, h)
        .into_iter()
        .filter(|c| {
            let (bw, bh) = (c.x1 - c.x0, c.y1 - c.y0);
            (fits(bw, bh) || fits(bh, bw)) && c.area * 2 >= bw * bh
        })
        .map(|c| (c.x0 as u32, c.y0 as u32, c.x1 as u32, c.y1 as u32))
        .collect()
}

/// Bounding box `(x0, y0, x1, y1)` of the mask's ink, ignoring a margin of
/// `margin` pixels on each side (scanner borders); `None` when no ink.
pub fn ink_bbox(mask: &[bool], w: u32, h: u32, margin: u32) -> Option<(u32, u32, u32, u32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    // Rows/columns with a few isolated specks are not content: count per row.
    for y in margin..h.saturating_sub(margin) {
        for x in margin..w.saturating_sub(margin) {
            if mask[(y * w + x) as usize] {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
    }
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_of_drawn_lines_is_found() {
        let (w, h) = (400u32, 500u32);
        let mut mask = vec![false; (w * h) as usize];
        let t = 2.0f32.to_radians().tan();
        for line in 0..12 {
            for x in 20..380u32 {
                let y = 40.0 + line as f32 * 35.0 + x as f32 * t;
                mask[(y as u32 * w + x) as usize] = true;
            }
        }
        let s = find_skew(&mask, w, h, 3.0);
        assert!((s - 2.0).abs() < 0.1, "found {s}");
    }

    #[test]
    fn scanner_streaks_are_lightened_printed_lines_kept() {
        // Paper with text-like blocks, a 2-pixel streak 40 levels dark from
        // top to bottom, and a printed vertical line over a third of the height.
        let mut img = GrayImage::from_fn(200, 300, |x, y| {
            let text = (y / 12) % 3 == 0 && x % 7 < 3 && (20..180).contains(&x);
            Luma([if text { 50 } else { 235 }])
        });
        for y in 0..300 {
            for x in [100u32, 101] {
                let p = img.get_pixel(x, y).0[0];
                img.put_pixel(x, y, Luma([p.saturating_sub(40)]));
            }
            if y < 100 {
                img.put_pixel(150, y, Luma([20]));
            }
        }
        let clean = remove_streaks(&img, 3).expect("a streak is found");
        assert_eq!(
            clean.get_pixel(100, 15).0[0],
            235,
            "the streak is paper again"
        );
        assert_eq!(clean.get_pixel(101, 200).0[0], 235);
        assert_eq!(
            clean.get_pixel(100, 5).0[0],
            50,
            "text under it is lightened as much"
        );
        assert_eq!(clean.get_pixel(150, 50).0[0], 20, "a printed line stays");
        assert_eq!(clean.get_pixel(63, 0).0[0], 50, "text stays");
        let plain = GrayImage::from_pixel(200, 300, Luma([235]));
        assert!(remove_streaks(&plain, 3).is_none());
    }

    #[test]
    fn dark_cards_are_found_not_text_nor_light_cards() {
        // One pixel per millimetre: a dark card (86 × 54 with a lighter
        // corner), a light card, and lines of text.
        let img = GrayImage::from_fn(210, 297, |x, y| {
            let dark = (20..106).contains(&x) && (30..84).contains(&y);
            let corner = dark && x < 50 && y < 50;
            let light = (110..196).contains(&x) && (30..84).contains(&y);
            let text = (150..250).contains(&y) && y % 6 < 2 && (20..190).contains(&x);
            let g: u8 = match () {
                _ if corner => 200,
                _ if dark => 150,
                _ if light => 225,
                _ if text => 60,
                _ => 240,
            };
            Luma([g])
        });
        let found = dark_regions(&img, (70, 42), (100, 72));
        assert_eq!(found, vec![(20, 30, 106, 84)]);
    }

    #[test]
    fn unmap_inverts_map() {
        for flipped in [false, true] {
            let f = Frame {
                w: 1000.0,
                h: 1400.0,
                skew_deg: 5.5,
                flipped,
            };
            let (x, y) = f.map(123.0, 987.0);
            let (u, v) = f.unmap(x, y);
            assert!((u - 123.0).abs() < 0.01 && (v - 987.0).abs() < 0.01);
        }
    }

    #[test]
    fn flipped_frame_maps_corners() {
        let f = Frame {
            w: 100.0,
            h: 200.0,
            skew_deg: 0.0,
            flipped: true,
        };
        assert_eq!(f.map(0.0, 0.0), (100.0, 200.0));
        let mut img = GrayImage::from_pixel(100, 200, Luma([255]));
        img.put_pixel(99, 199, Luma([0]));
        let up = warp(&img, &f, 0.0, 0.0, 100.0, 200.0, 1.0);
        assert_eq!(
            up.get_pixel(0, 0).0[0],
            0,
            "the last pixel comes first upside down"
        );
    }
}
