//! OCR wrapper: one Tesseract engine per thread and language, reading a
//! rectangle of a grey image with a given page-segmentation mode and an
//! optional character whitelist, returning the text, the mean word
//! confidence and the word boxes.
//!
//! Rectangles are clipped to the image and copied out before Tesseract sees
//! them, so that no rectangle can fall outside the image Tesseract holds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;

use image::GrayImage;
use tesseract::plumbing::TessBaseApi;
pub use tesseract::PageSegMode;

/// The character set of an MRZ.
pub const MRZ_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// A language model installed with Tesseract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// French (`fra`): the form and the proofs' printed text.
    Fra,
    /// English (`eng`): the MRZ (with a whitelist).
    Eng,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Fra => "fra",
            Lang::Eng => "eng",
        }
    }
}

/// A pixel rectangle, `x`/`y` its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: i64,
    /// Top edge.
    pub y: i64,
    /// Width.
    pub w: i64,
    /// Height.
    pub h: i64,
}

impl Rect {
    /// A rectangle from its edges.
    pub fn from_edges(x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        Rect {
            x: x0.round() as i64,
            y: y0.round() as i64,
            w: (x1 - x0).round() as i64,
            h: (y1 - y0).round() as i64,
        }
    }

    /// The whole of an image.
    pub fn of(img: &GrayImage) -> Rect {
        Rect {
            x: 0,
            y: 0,
            w: img.width() as i64,
            h: img.height() as i64,
        }
    }

    /// This rectangle clipped to `w × h`; `None` when nothing is left.
    pub fn clip(self, w: u32, h: u32) -> Option<Rect> {
        let x0 = self.x.clamp(0, w as i64);
        let y0 = self.y.clamp(0, h as i64);
        let x1 = (self.x + self.w).clamp(0, w as i64);
        let y1 = (self.y + self.h).clamp(0, h as i64);
        (x1 > x0 && y1 > y0).then_some(Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        })
    }
}

/// One word read by Tesseract, in the coordinates of the whole image.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The text.
    pub text: String,
    /// Tesseract's confidence, 0–1.
    pub conf: f32,
    /// Box, image pixels.
    pub rect: Rect,
    /// `(block, paragraph, line)` numbers: words of one line share them.
    pub line: (u32, u32, u32),
}

/// What Tesseract read in a rectangle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OcrText {
    /// The text, lines separated by `\n`, words by one space.
    pub text: String,
    /// Mean word confidence, 0–1 (0 when no word).
    pub confidence: f32,
    /// Every word with its box.
    pub words: Vec<Word>,
}

impl OcrText {
    /// The lines of words, in reading order.
    pub fn lines(&self) -> Vec<Vec<&Word>> {
        let mut out: Vec<Vec<&Word>> = Vec::new();
        for w in &self.words {
            match out.last_mut() {
                Some(l) if l[0].line == w.line => l.push(w),
                _ => out.push(vec![w]),
            }
        }
        out
    }
}

/// How to read a rectangle.
#[derive(Debug, Clone, Copy)]
pub struct OcrOptions<'a> {
    /// Language model.
    pub lang: Lang,
    /// Page segmentation mode.
    pub psm: PageSegMode,
    /// Only these characters, if set.
    pub whitelist: Option<&'a str>,
    /// Resolution of the image, dpi.
    pub dpi: f32,
    /// White margin added around the crop, pixels.
    pub pad: u32,
}

impl Default for OcrOptions<'_> {
    fn default() -> Self {
        OcrOptions {
            lang: Lang::Fra,
            psm: PageSegMode::PsmSingleLine,
            whitelist: None,
            dpi: 300.0,
            pad: 10,
        }
    }
}

thread_local! {
    static ENGINES: RefCell<HashMap<Lang, TessBaseApi>> = RefCell::new(HashMap::new());
}

fn engine_error(what: &str, lang: Lang) -> String {
    format!("{what} (langue {})", lang.code())
}

/// Reads `rect` of `img` (clipped to the image). An empty rectangle reads as nothing.
pub fn read_rect(img: &GrayImage, rect: Rect, opts: &OcrOptions) -> Result<OcrText, String> {
    let Some(r) = rect.clip(img.width(), img.height()) else {
        return Ok(OcrText::default());
    };
    let pad = opts.pad as i64;
    let (w, h) = (r.w + 2 * pad, r.h + 2 * pad);
    let mut buf = vec![255u8; (w * h) as usize];
    for y in 0..r.h {
        let src_row = (r.y + y) as usize * img.width() as usize;
        let src = &img.as_raw()[src_row + r.x as usize..src_row + (r.x + r.w) as usize];
        let dst = ((y + pad) * w + pad) as usize;
        buf[dst..dst + r.w as usize].copy_from_slice(src);
    }
    let tsv = ENGINES.with(|cell| -> Result<String, String> {
        let mut engines = cell.borrow_mut();
        let api = match engines.entry(opts.lang) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let mut api = TessBaseApi::create();
                let lang = CString::new(opts.lang.code()).map_err(|e| e.to_string())?;
                api.init_2(None, Some(&lang))
                    .map_err(|_| engine_error("Tesseract ne démarre pas", opts.lang))?;
                // Tesseract's chatter ("Empty page!!") is not for the terminal.
                let _ = api.set_variable(c"debug_file", c"/dev/null");
                v.insert(api)
            }
        };
        api.set_page_seg_mode(opts.psm.as_tess_page_seg_mode());
        let wl = CString::new(opts.whitelist.unwrap_or("")).map_err(|e| e.to_string())?;
        api.set_variable(c"tessedit_char_whitelist", &wl)
            .map_err(|_| engine_error("réglage refusé", opts.lang))?;
        api.set_image(&buf, w as i32, h as i32, 1, w as i32)
            .map_err(|e| format!("{e:?}"))?;
        api.set_source_resolution(opts.dpi.round().clamp(50.0, 1200.0) as i32);
        api.recognize()
            .map_err(|_| engine_error("échec de la reconnaissance", opts.lang))?;
        let text = api
            .get_tsv_text(0)
            .map_err(|_| engine_error("échec de la lecture du résultat", opts.lang))?;
        Ok(text.as_ref().to_string_lossy().into_owned())
    })?;
    Ok(parse_tsv(&tsv, r.x - pad, r.y - pad))
}

/// Reads a whole image.
pub fn read_image(img: &GrayImage, opts: &OcrOptions) -> Result<OcrText, String> {
    read_rect(img, Rect::of(img), opts)
}

fn parse_tsv(tsv: &str, dx: i64, dy: i64) -> OcrText {
    let mut words = Vec::new();
    for row in tsv.lines() {
        let c: Vec<&str> = row.split('\t').collect();
        if c.len() < 12 || c[0] != "5" {
            continue;
        }
        let num = |i: usize| c[i].trim().parse::<f64>().unwrap_or(0.0);
        let text = c[11].trim();
        if text.is_empty() {
            continue;
        }
        words.push(Word {
            text: text.to_string(),
            conf: (num(10) / 100.0).clamp(0.0, 1.0) as f32,
            rect: Rect {
                x: num(6) as i64 + dx,
                y: num(7) as i64 + dy,
                w: num(8) as i64,
                h: num(9) as i64,
            },
            line: (num(2) as u32, num(3) as u32, num(4) as u32),
        });
    }
    let confidence = if words.is_empty() {
        0.0
    } else {
        words.iter().map(|w| w.conf).sum::<f32>() / words.len() as f32
    };
    let mut out = OcrText {
        text: String::new(),
        confidence,
        words,
    };
    out.text = out
        .lines()
        .iter()
        .map(|l| {
            l.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws digits "1" as vertical bars is not text; instead build an
    /// image from a tiny 5×7 font so the test needs no font file.
    fn render(text: &str, scale: u32) -> GrayImage {
        const FONT: &[(char, [u8; 7])] = &[
            ('0', [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E]),
            ('1', [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E]),
            ('2', [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F]),
            ('3', [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E]),
            ('4', [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02]),
            ('5', [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E]),
            ('7', [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08]),
            ('9', [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C]),
        ];
        let n = text.chars().count() as u32;
        let mut img = GrayImage::from_pixel((n * 6 + 4) * scale, 11 * scale, image::Luma([255]));
        for (i, ch) in text.chars().enumerate() {
            let Some((_, rows)) = FONT.iter().find(|(c, _)| *c == ch) else {
                continue;
            };
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..5u32 {
                    if bits & (0x10 >> rx) != 0 {
                        for yy in 0..scale {
                            for xx in 0..scale {
                                let x = (2 + i as u32 * 6 + rx) * scale + xx;
                                let y = (2 + ry as u32) * scale + yy;
                                img.put_pixel(x, y, image::Luma([0]));
                            }
                        }
                    }
                }
            }
        }
        img
    }

    #[test]
    fn reads_digits_with_a_whitelist_and_clips_rectangles() {
        let img = image::imageops::blur(&render("59350", 4), 1.5);
        let opts = OcrOptions {
            whitelist: Some("0123456789"),
            ..OcrOptions::default()
        };
        let got = read_image(&img, &opts).expect("tesseract runs");
        assert_eq!(got.text.replace(' ', ""), "59350", "{got:?}");
        assert!(got.confidence > 0.5);
        assert_eq!(got.words.len(), 1);
        // A rectangle partly outside the image is clipped, never an abort.
        let r = Rect {
            x: -50,
            y: -50,
            w: 10_000,
            h: 10_000,
        };
        let got = read_rect(&img, r, &opts).unwrap();
        assert_eq!(got.text.replace(' ', ""), "59350");
        // Entirely outside: nothing.
        let r = Rect {
            x: 5_000,
            y: 5_000,
            w: 10,
            h: 10,
        };
        assert_eq!(read_rect(&img, r, &opts).unwrap(), OcrText::default());
    }
}
