//! A small drawing layer over printpdf: pages in millimetres measured from the
//! top-left corner, two faces of DejaVu Sans, text measuring and wrapping.
//!
//! Pages are kept as our own operations until [`render`], so that several
//! letters can be printed as one PDF ([`crate::combine`]) with one copy of
//! each font subset.

use std::sync::OnceLock;

use printpdf::{
    Color, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem,
};

use crate::LetterError;

/// A4 width in millimetres.
pub const PAGE_W: f32 = 210.0;
/// A4 height in millimetres.
pub const PAGE_H: f32 = 297.0;

const PT_PER_MM: f32 = 72.0 / 25.4;

/// The DejaVu Sans faces, vendored under `fonts/` (see `fonts/LICENSE`) so
/// that the binary does not depend on the fonts installed on the machine.
static REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A face of the letters' font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

fn fonts() -> Result<&'static Fonts, LetterError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut Vec::new())?;
            let bold = ParsedFont::from_bytes(BOLD_TTF, 0, &mut Vec::new())?;
            Some(Fonts { regular, bold })
        })
        .as_ref()
        .ok_or(LetterError::Font)
}

impl Fonts {
    fn face(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

/// The width of `text` in millimetres at `size` points.
pub fn text_width(text: &str, size: f32, face: Face) -> f32 {
    let Ok(fonts) = fonts() else {
        return 0.0;
    };
    let font = fonts.face(face);
    let upem = f32::from(font.pdf_font_metrics.units_per_em.max(1));
    let units: u32 = text
        .chars()
        .map(|c| {
            let gid = font.lookup_glyph_index(c as u32).unwrap_or(0);
            u32::from(font.get_horizontal_advance(gid))
        })
        .sum();
    units as f32 / upem * size / PT_PER_MM
}

/// Splits `text` into lines no wider than `width` mm (greedy, on spaces; a
/// word longer than the line is cut).
pub fn wrap(text: &str, size: f32, face: Face, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size, face) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word alone wider than the line: cut it where it overflows.
        let mut rest = word.to_string();
        while text_width(&rest, size, face) > width && rest.chars().count() > 1 {
            let mut cut = rest.chars().count() - 1;
            while cut > 1
                && text_width(&rest.chars().take(cut).collect::<String>(), size, face) > width
            {
                cut -= 1;
            }
            lines.push(rest.chars().take(cut).collect());
            rest = rest.chars().skip(cut).collect();
        }
        line = rest;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Shortens `text` with an ellipsis so that it fits in `width` mm.
pub fn ellipsize(text: &str, size: f32, face: Face, width: f32) -> String {
    if text_width(text, size, face) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for n in (0..chars.len()).rev() {
        let s: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(&s, size, face) <= width {
            return s;
        }
    }
    String::new()
}

#[derive(Debug, Clone)]
enum DrawOp {
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        grey: f32,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        stroke: Option<f32>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        grey: f32,
    },
}

/// One A4 page being drawn; coordinates are millimetres from the top-left
/// corner, text positions are baselines.
#[derive(Debug, Clone, Default)]
pub struct Page {
    ops: Vec<DrawOp>,
}

impl Page {
    /// A blank A4 page.
    pub fn new() -> Page {
        Page::default()
    }

    /// Text in black with its baseline at `y`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, face: Face, text: &str) {
        self.text_grey(x, y, size, face, 0.0, text);
    }

    /// Text in a shade of grey (0 black, 1 white).
    pub fn text_grey(&mut self, x: f32, y: f32, size: f32, face: Face, grey: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        self.ops.push(DrawOp::Text {
            x,
            y,
            size,
            face,
            grey,
            text: text.to_string(),
        });
    }

    /// Text whose right end is at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, face: Face, text: &str) {
        let x = right - text_width(text, size, face);
        self.text(x, y, size, face, text);
    }

    /// Text centred on `centre`.
    pub fn text_centred(&mut self, centre: f32, y: f32, size: f32, face: Face, text: &str) {
        let x = centre - text_width(text, size, face) / 2.0;
        self.text(x, y, size, face, text);
    }

    /// A black filled rectangle whose top-left corner is (`x`, `y`).
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.ops.push(DrawOp::Rect {
            x,
            y,
            w,
            h,
            stroke: None,
        });
    }

    /// A rectangle outline `width` mm thick.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32) {
        self.ops.push(DrawOp::Rect {
            x,
            y,
            w,
            h,
            stroke: Some(width),
        });
    }

    /// A straight line `width` mm thick in a shade of grey.
    pub fn line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), width: f32, grey: f32) {
        self.ops.push(DrawOp::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            grey,
        });
    }
}

fn pt(mm: f32) -> Pt {
    Mm(mm).into()
}

fn point(x: f32, y_from_top: f32) -> Point {
    Point {
        x: pt(x),
        y: pt(PAGE_H - y_from_top),
    }
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level, None))
}

/// Writes the pages as one PDF titled `title`, with subset fonts.
pub fn render(title: &str, pages: &[Page]) -> Result<Vec<u8>, LetterError> {
    let fonts = fonts()?;
    let mut doc = PdfDocument::new(title);
    let regular = doc.add_font(&fonts.regular);
    let bold = doc.add_font(&fonts.bold);
    let pdf_pages = pages
        .iter()
        .map(|page| {
            let mut ops = Vec::with_capacity(page.ops.len() * 6);
            for op in &page.ops {
                match op {
                    DrawOp::Text {
                        x,
                        y,
                        size,
                        face,
                        grey: g,
                        text,
                    } => {
                        let id = match face {
                            Face::Regular => regular.clone(),
                            Face::Bold => bold.clone(),
                        };
                        ops.extend([
                            Op::SetFillColor { col: grey(*g) },
                            Op::StartTextSection,
                            Op::SetFont {
                                font: PdfFontHandle::External(id),
                                size: Pt(*size),
                            },
                            Op::SetTextCursor { pos: point(*x, *y) },
                            Op::ShowText {
                                items: vec![TextItem::Text(text.clone())],
                            },
                            Op::EndTextSection,
                        ]);
                    }
                    DrawOp::Rect { x, y, w, h, stroke } => {
                        let mut rect = Rect::from_xywh(pt(*x), pt(PAGE_H - y - h), pt(*w), pt(*h));
                        match stroke {
                            None => {
                                rect.mode = Some(PaintMode::Fill);
                                ops.push(Op::SetFillColor { col: grey(0.0) });
                            }
                            Some(width) => {
                                rect.mode = Some(PaintMode::Stroke);
                                ops.push(Op::SetOutlineColor { col: grey(0.0) });
                                ops.push(Op::SetOutlineThickness { pt: pt(*width) });
                            }
                        }
                        ops.push(Op::DrawRectangle { rectangle: rect });
                    }
                    DrawOp::Line {
                        x1,
                        y1,
                        x2,
                        y2,
                        width,
                        grey: g,
                    } => {
                        ops.extend([
                            Op::SetOutlineColor { col: grey(*g) },
                            Op::SetOutlineThickness { pt: pt(*width) },
                            Op::DrawLine {
                                line: Line {
                                    points: vec![
                                        LinePoint {
                                            p: point(*x1, *y1),
                                            bezier: false,
                                        },
                                        LinePoint {
                                            p: point(*x2, *y2),
                                            bezier: false,
                                        },
                                    ],
                                    is_closed: false,
                                },
                            },
                        ]);
                    }
                }
            }
            PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)
        })
        .collect();
    let options = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    let mut pdf = doc
        .with_pages(pdf_pages)
        .to_lopdf_document(&options, &mut Vec::new());
    // printpdf compresses at zlib's best level, which took half the time of
    // a letter; the fast level costs a few kilobytes per letter.
    for object in pdf.objects.values_mut() {
        if let Ok(stream) = object.as_stream_mut() {
            if stream.dict.get(b"Filter").is_err() {
                let packed = deflate_fast(&stream.content)?;
                if packed.len() < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(packed);
                }
            }
        }
    }
    let mut out = Vec::new();
    pdf.save_to(&mut out)
        .map_err(|e| LetterError::Pdf(e.to_string()))?;
    Ok(out)
}

fn deflate_fast(bytes: &[u8]) -> Result<Vec<u8>, LetterError> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes)
        .map_err(|e| LetterError::Pdf(e.to_string()))?;
    z.finish().map_err(|e| LetterError::Pdf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_size() {
        let a = text_width("Vérification", 10.0, Face::Regular);
        assert!(
            a > 15.0 && a < 30.0,
            "12 letters at 10 pt are about 2 cm: {a}"
        );
        assert!(text_width("Vérification", 10.0, Face::Bold) > a);
        assert!((text_width("Vérification", 20.0, Face::Regular) - 2.0 * a).abs() < 0.01);
    }

    #[test]
    fn wrap_keeps_within_width() {
        let text = "Le service de vérification d'identité a examiné votre demande ".repeat(5);
        let lines = wrap(&text, 10.0, Face::Regular, 80.0);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(text_width(l, 10.0, Face::Regular) <= 80.0, "{l}");
        }
        assert_eq!(lines.join(" "), text.trim(), "no word lost");
        let long = wrap(&"X".repeat(200), 10.0, Face::Regular, 50.0);
        assert!(long.len() > 2, "an unbreakable word is cut");
    }

    #[test]
    fn ellipsize_fits() {
        let s = ellipsize(
            "Marie-Christine de la Rochefoucauld",
            8.0,
            Face::Regular,
            20.0,
        );
        assert!(
            s.ends_with('…') && text_width(&s, 8.0, Face::Regular) <= 20.0,
            "{s}"
        );
        assert_eq!(ellipsize("Lille", 8.0, Face::Regular, 20.0), "Lille");
    }
}
