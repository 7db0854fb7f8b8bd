//! Pages in: the page images of a scanner's PDF (one image per page), of a
//! JPEG or PNG file, or of a multi-page TIFF.
//!
//! Sizes are checked from the headers before anything is decoded, and every
//! decoder runs under `catch_unwind`, so that a hostile or broken file gives
//! a [`CaptureError`], never a crash.
//!
//! A PDF also says what its page images do not ([`crate::pdf_fields`]): its
//! fillable form's field values, and each page's text layer. A page whose
//! visible text is one of the form's pages (a form filled in on the
//! computer and printed to PDF) is read from its vector content; its
//! picture, to store and to cut the field crops from, is rendered by
//! `pdftoppm` (poppler-utils) when it is installed, else sketched from its
//! strokes and text positions.
//!
//! Not handled (reported as errors): PDF pages without a scanned image that
//! are not a page of the form (a page with neither image nor usable text is
//! named). A PDF image in CCITT group 4 (black-and-white scanners) is
//! decoded here; one in another compression (JBIG2, JPEG 2000, CCITT
//! group 3) is drawn by `pdftoppm` at its own resolution, and refused
//! without it.

use std::io::{Cursor, Read as _, Write as _};
use std::path::Path;
use std::sync::Arc;

use image::{GrayImage, ImageReader, Limits};
use lopdf::{Document, Object, ObjectId};
use parcours_domain::form::FormTemplate;

use crate::error::CaptureError;
use crate::pdf_fields::{self, PdfField, PdfPage};

/// Largest accepted width or height, pixels (A4 at 1200 dpi is 9 921 × 14 031:
/// the limit is on the longer side).
pub const MAX_SIDE: u64 = 15_000;
/// Largest accepted decoded size, bytes.
pub const MAX_DECODED_BYTES: u64 = 200 * 1024 * 1024;
/// Resolution assumed when neither the file nor the page size tells it.
pub const DEFAULT_DPI: f32 = 200.0;
/// Largest file read (a device such as `/dev/zero` would never end).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// One page image of an input file.
#[derive(Debug, Clone)]
pub struct PageImage {
    /// File name (without its folder).
    pub source_file: String,
    /// 1-based page within the file.
    pub source_page: usize,
    /// The page, in grey levels.
    pub image: GrayImage,
    /// Resolution, dots per inch.
    pub dpi: f32,
    /// The bytes to store: the JPEG stream as it was, else a PNG.
    pub encoded: Vec<u8>,
    /// Extension of `encoded` (`jpg` or `png`).
    pub ext: &'static str,
}

/// Resolution at which a page read from its vector content is rendered.
pub const RENDER_DPI: f32 = 150.0;

/// One page of an input file and, for a PDF page, what the PDF says
/// besides its image.
#[derive(Debug, Clone)]
pub struct LoadedPage {
    /// The page's picture (rendered for a page read from its vector content).
    pub image: PageImage,
    /// The page's text layer and strokes (PDF pages only).
    pub pdf: Option<Arc<PdfPage>>,
}

/// Everything read from one input file.
#[derive(Debug, Clone, Default)]
pub struct LoadedFile {
    /// Its pages, in order.
    pub pages: Vec<LoadedPage>,
    /// The fields of its fillable form (AcroForm), if it is a PDF with one.
    pub fields: Vec<PdfField>,
}

/// Reads every page image of a PDF, JPEG, PNG or TIFF file (a PDF page
/// filled in on the computer is rendered; see [`load_file`]).
pub fn load_pages(path: &Path) -> Result<Vec<PageImage>, CaptureError> {
    load_file(path, &FormTemplate::default_v1())
        .map(|f| f.pages.into_iter().map(|p| p.image).collect())
}

/// Reads every page of a PDF, JPEG, PNG or TIFF file, and a PDF's text
/// layers and form fields; `form` tells which vector pages are the form's.
pub fn load_file(path: &Path, form: &FormTemplate) -> Result<LoadedFile, CaptureError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let unreadable = |detail: String| CaptureError::Unreadable {
        file: file.clone(),
        detail,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "plus de {} Mo : ce n'est pas le fichier d'un scanner",
            MAX_FILE_BYTES >> 20
        )));
    }
    load_file_from_bytes(&file, &bytes, form)
}

/// Same as [`load_pages`], from bytes already in memory; `file` names them in errors.
pub fn load_pages_from_bytes(file: &str, bytes: &[u8]) -> Result<Vec<PageImage>, CaptureError> {
    load_file_from_bytes(file, bytes, &FormTemplate::default_v1())
        .map(|f| f.pages.into_iter().map(|p| p.image).collect())
}

/// Same as [`load_file`], from bytes already in memory; `file` names them in errors.
pub fn load_file_from_bytes(
    file: &str,
    bytes: &[u8],
    form: &FormTemplate,
) -> Result<LoadedFile, CaptureError> {
    let kind = sniff(bytes).ok_or_else(|| CaptureError::NotPdfOrImage {
        file: file.to_string(),
    })?;
    let images = |v: Vec<PageImage>| LoadedFile {
        pages: v
            .into_iter()
            .map(|image| LoadedPage { image, pdf: None })
            .collect(),
        fields: Vec::new(),
    };
    let run = || match kind {
        Kind::Pdf => load_pdf(file, bytes, form),
        Kind::Jpeg | Kind::Png => load_single(file, bytes, kind).map(|p| images(vec![p])),
        Kind::Tiff => load_tiff(file, bytes).map(images),
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(r) => r,
        Err(_) => Err(match kind {
            Kind::Pdf => CaptureError::CorruptPdf {
                file: file.to_string(),
                detail: "structure invalide".into(),
            },
            _ => corrupt(file, 1, "données invalides"),
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Pdf,
    Jpeg,
    Png,
    Tiff,
}

fn sniff(b: &[u8]) -> Option<Kind> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        Some(Kind::Tiff)
    } else if b[..b.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

fn corrupt(file: &str, page: usize, detail: &str) -> CaptureError {
    CaptureError::CorruptImage {
        file: file.to_string(),
        page,
        detail: detail.to_string(),
    }
}

fn check_size(file: &str, page: usize, w: u64, h: u64, channels: u64) -> Result<(), CaptureError> {
    if w == 0 || h == 0 {
        return Err(corrupt(file, page, "image vide"));
    }
    if w > MAX_SIDE || h > MAX_SIDE || w * h * channels.max(1) > MAX_DECODED_BYTES {
        return Err(CaptureError::ImageTooLarge {
            file: file.to_string(),
            page,
            width: w,
            height: h,
        });
    }
    Ok(())
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE as u32);
    l.max_image_height = Some(MAX_SIDE as u32);
    l.max_alloc = Some(MAX_DECODED_BYTES);
    l
}

/// Decodes a JPEG or PNG held in memory, checking its header size first.
fn decode_raster(
    file: &str,
    page: usize,
    bytes: &[u8],
    kind: Kind,
) -> Result<GrayImage, CaptureError> {
    let format = if kind == Kind::Jpeg {
        image::ImageFormat::Jpeg
    } else {
        image::ImageFormat::Png
    };
    let what = if kind == Kind::Jpeg { "JPEG" } else { "PNG" };
    if kind == Kind::Png && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        check_size(file, page, w.into(), h.into(), 3)?;
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|_| corrupt(file, page, &format!("en-tête {what} invalide")))?;
    check_size(file, page, w.into(), h.into(), 3)?;
    if kind == Kind::Jpeg && !bytes.ends_with(&[0xFF, 0xD9]) && !tail_has_eoi(bytes) {
        return Err(corrupt(file, page, "JPEG tronqué"));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => CaptureError::ImageTooLarge {
            file: file.to_string(),
            page,
            width: w.into(),
            height: h.into(),
        },
        _ => corrupt(file, page, &format!("{what} tronqué ou endommagé")),
    })?;
    Ok(img.into_luma8())
}

/// Some scanners pad after the end-of-image marker.
fn tail_has_eoi(b: &[u8]) -> bool {
    let tail = &b[b.len().saturating_sub(64)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

fn load_single(file: &str, bytes: &[u8], kind: Kind) -> Result<PageImage, CaptureError> {
    let image = decode_raster(file, 1, bytes, kind)?;
    let meta = if kind == Kind::Jpeg {
        jfif_dpi(bytes)
    } else {
        png_dpi(bytes)
    };
    let dpi = plausible_dpi(meta, image.width(), image.height());
    Ok(PageImage {
        source_file: file.to_string(),
        source_page: 1,
        image,
        dpi,
        encoded: bytes.to_vec(),
        ext: if kind == Kind::Jpeg { "jpg" } else { "png" },
    })
}

/// The resolution: the file's own if plausible, else A4's width, else the default.
fn plausible_dpi(meta: Option<f32>, w: u32, h: u32) -> f32 {
    if let Some(d) = meta.filter(|d| (70.0..=1200.0).contains(d)) {
        return d;
    }
    let (short, long) = (w.min(h) as f32, w.max(h) as f32);
    let ratio = long / short.max(1.0);
    if (1.35..=1.48).contains(&ratio) {
        return short / (210.0 / 25.4);
    }
    DEFAULT_DPI
}

fn jfif_dpi(b: &[u8]) -> Option<f32> {
    // FF D8, then APP0 "JFIF\0" ver(2) units(1) xdens(2) ydens(2).
    let i = b.windows(5).take(64).position(|w| w == b"JFIF\0")?;
    let units = *b.get(i + 7)?;
    let x = u16::from_be_bytes([*b.get(i + 8)?, *b.get(i + 9)?]) as f32;
    match units {
        1 => Some(x),
        2 => Some(x * 2.54),
        _ => None,
    }
}

fn png_dpi(b: &[u8]) -> Option<f32> {
    let mut i = 8;
    while i + 8 <= b.len() {
        let len = u32::from_be_bytes(b[i..i + 4].try_into().ok()?) as usize;
        let name = &b[i + 4..i + 8];
        if name == b"pHYs" && i + 8 + 9 <= b.len() {
            let d = &b[i + 8..i + 17];
            let ppm = u32::from_be_bytes(d[0..4].try_into().ok()?) as f32;
            return (d[8] == 1).then_some(ppm * 0.0254);
        }
        if name == b"IDAT" || name == b"IEND" {
            return None;
        }
        i = i.checked_add(12 + len)?;
    }
    None
}

fn encode_png(img: &GrayImage) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing a valid in-memory grey image to a Vec cannot fail.
    let _ = img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

// ---------------------------------------------------------------- TIFF

fn load_tiff(file: &str, bytes: &[u8]) -> Result<Vec<PageImage>, CaptureError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::ColorType;
    let bad = |page: usize, what: &str| corrupt(file, page, what);
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(|_| bad(1, "en-tête TIFF invalide"))?
        .with_limits({
            let mut l = tiff::decoder::Limits::default();
            l.decoding_buffer_size = MAX_DECODED_BYTES as usize;
            l
        });
    let mut pages = Vec::new();
    for page in 1..=10_000usize {
        let (w, h) = dec
            .dimensions()
            .map_err(|_| bad(page, "en-tête TIFF invalide"))?;
        let ct = dec
            .colortype()
            .map_err(|_| bad(page, "couleurs non prises en charge"))?;
        check_size(file, page, w.into(), h.into(), 3)?;
        let dpi = tiff_dpi(&mut dec);
        let data = dec
            .read_image()
            .map_err(|_| bad(page, "TIFF tronqué ou compression non prise en charge"))?;
        let (w_us, h_us) = (w as usize, h as usize);
        let gray: Vec<u8> = match (ct, data) {
            (ColorType::Gray(8), DecodingResult::U8(v)) => v,
            (ColorType::Gray(16), DecodingResult::U16(v)) => {
                v.iter().map(|x| (x >> 8) as u8).collect()
            }
            (ColorType::Gray(1), DecodingResult::U8(v)) => unpack_bits(&v, w_us, h_us, false),
            (ColorType::RGB(8), DecodingResult::U8(v)) => to_gray(&v, 3),
            (ColorType::RGBA(8), DecodingResult::U8(v)) => to_gray(&v, 4),
            (ColorType::GrayA(8), DecodingResult::U8(v)) => {
                v.chunks_exact(2).map(|p| p[0]).collect()
            }
            _ => return Err(bad(page, "couleurs non prises en charge")),
        };
        let image = GrayImage::from_raw(w, h, gray).ok_or_else(|| bad(page, "TIFF tronqué"))?;
        pages.push(PageImage {
            source_file: file.to_string(),
            source_page: page,
            dpi: plausible_dpi(dpi, w, h),
            encoded: encode_png(&image),
            ext: "png",
            image,
        });
        if !dec.more_images() {
            break;
        }
        dec.next_image()
            .map_err(|_| bad(page + 1, "page TIFF illisible"))?;
    }
    Ok(pages)
}

fn tiff_dpi<R: std::io::Read + std::io::Seek>(dec: &mut tiff::decoder::Decoder<R>) -> Option<f32> {
    use tiff::tags::Tag;
    let x = dec.get_tag_f64(Tag::XResolution).ok()? as f32;
    let unit = dec
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .unwrap_or(2);
    match unit {
        3 => Some(x * 2.54),
        2 => Some(x),
        _ => None,
    }
}

fn to_gray(v: &[u8], channels: usize) -> Vec<u8> {
    v.chunks_exact(channels)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect()
}

/// 1-bit rows padded to a byte; `one_is_black` for PDF `/Decode [1 0]` data.
fn unpack_bits(v: &[u8], w: usize, h: usize, one_is_black: bool) -> Vec<u8> {
    let row = w.div_ceil(8);
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let byte = v.get(y * row + x / 8).copied().unwrap_or(0xFF);
            let bit = (byte >> (7 - (x % 8))) & 1;
            let black = if one_is_black { bit == 1 } else { bit == 0 };
            out.push(if black { 0 } else { 255 });
        }
    }
    out
}

// ---------------------------------------------------------------- PDF

fn load_pdf(file: &str, bytes: &[u8], form: &FormTemplate) -> Result<LoadedFile, CaptureError> {
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_DECODED_BYTES as usize),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => CaptureError::EncryptedPdf {
            file: file.to_string(),
        },
        _ if bytes.windows(8).any(|w| w == b"/Encrypt") => CaptureError::EncryptedPdf {
            file: file.to_string(),
        },
        _ => CaptureError::CorruptPdf {
            file: file.to_string(),
            detail: "structure invalide ou fichier tronqué".into(),
        },
    })?;
    if doc.is_encrypted() && doc.trailer.get(b"Encrypt").is_ok() && doc.get_pages().is_empty() {
        return Err(CaptureError::EncryptedPdf {
            file: file.to_string(),
        });
    }
    let fields = pdf_fields::acroform_fields(&doc);
    let mut pages: Vec<LoadedPage> = Vec::new();
    // Pages with neither a scan nor the form's text.
    let mut unusable = Vec::new();
    for (number, page_id) in doc.get_pages() {
        let page = number as usize;
        let mut layer = pdf_fields::page_layer(&doc, page_id, MAX_DECODED_BYTES as usize);
        layer.form_page = pdf_fields::form_page(&layer.text(true), form);
        // Visible text that reads as a page of the form: filled in on the
        // computer (a scanner's OCR layer is invisible), read from its
        // content even when it holds a picture (a pasted signature).
        layer.digital = pdf_fields::form_page(&layer.text(false), form).is_some();
        if layer.digital {
            let image = render_page(bytes, page, &layer);
            pages.push(LoadedPage {
                image: PageImage {
                    source_file: file.to_string(),
                    source_page: page,
                    dpi: RENDER_DPI,
                    encoded: encode_png(&image),
                    ext: "png",
                    image,
                },
                pdf: Some(Arc::new(layer)),
            });
            continue;
        }
        let images = doc.get_page_images(page_id).unwrap_or_default();
        let Some(img) = images
            .iter()
            .max_by_key(|i| i.width.saturating_mul(i.height))
        else {
            unusable.push(page);
            continue;
        };
        if img.width <= 0 || img.height <= 0 {
            return Err(corrupt(file, page, "image vide"));
        }
        let (w, h) = (img.width as u64, img.height as u64);
        check_size(file, page, w, h, 3)?;
        let stream = doc
            .get_object(img.id)
            .and_then(Object::as_stream)
            .map_err(|_| corrupt(file, page, "image introuvable"))?;
        let filters = img.filters.clone().unwrap_or_default();
        let media_w = media_box_width(&doc, page_id);
        let (image, encoded, ext) = if filters.last().map(String::as_str) == Some("DCTDecode") {
            let jpeg: Vec<u8> = if filters.len() == 1 {
                stream.content.clone()
            } else {
                return Err(corrupt(file, page, "filtres d'image non pris en charge"));
            };
            let g = decode_raster(file, page, &jpeg, Kind::Jpeg)?;
            (g, jpeg, "jpg")
        } else if filters
            .iter()
            .all(|f| f == "FlateDecode" || f == "LZWDecode" || f == "RunLengthDecode")
        {
            let raw = stream
                .decompressed_content_with_limit(MAX_DECODED_BYTES as usize)
                .map_err(|_| corrupt(file, page, "données compressées endommagées"))?;
            let g = raw_to_gray(&doc, stream, &raw, w as usize, h as usize).ok_or_else(|| {
                corrupt(file, page, "format d'image non pris en charge ou tronqué")
            })?;
            let png = encode_png(&g);
            (g, png, "png")
        } else {
            // CCITT group 4 here; JBIG2, JPEG 2000, CCITT group 3… as poppler
            // draws the page, at the image's own resolution.
            let dpi = media_w
                .filter(|pts| *pts > 0.0)
                .map(|pts| w as f32 * 72.0 / pts);
            let g = (filters == ["CCITTFaxDecode"])
                .then(|| ccitt_to_gray(&doc, stream, w as usize, h as usize))
                .flatten()
                .or_else(|| pdftoppm(bytes, page, plausible_dpi(dpi, w as u32, h as u32)))
                .ok_or_else(|| {
                    let which = filters.join(", ");
                    corrupt(
                        file,
                        page,
                        &format!("image {which} illisible ou non prise en charge"),
                    )
                })?;
            let png = encode_png(&g);
            (g, png, "png")
        };
        let dpi = media_w
            .filter(|pts| *pts > 0.0)
            .map(|pts| image.width() as f32 * 72.0 / pts);
        let dpi = plausible_dpi(dpi, image.width(), image.height());
        let has_text = !layer.runs.is_empty();
        pages.push(LoadedPage {
            image: PageImage {
                source_file: file.to_string(),
                source_page: page,
                image,
                dpi,
                encoded,
                ext,
            },
            pdf: has_text.then(|| Arc::new(layer)),
        });
    }
    if pages.is_empty() {
        return Err(CaptureError::NoPageImage {
            file: file.to_string(),
        });
    }
    if let Some(&page) = unusable.first() {
        return Err(CaptureError::PageWithoutScan {
            file: file.to_string(),
            page,
        });
    }
    Ok(LoadedFile { pages, fields })
}

/// Longest wait for the renderer, seconds.
const RENDER_TIMEOUT_S: u64 = 30;

/// The picture of a page read from its vector content: rendered by
/// `pdftoppm` at [`RENDER_DPI`], else sketched from its strokes and text.
fn render_page(bytes: &[u8], page: usize, layer: &PdfPage) -> GrayImage {
    pdftoppm(bytes, page, RENDER_DPI).unwrap_or_else(|| pdf_fields::sketch(layer, RENDER_DPI))
}

/// Page `page` of a PDF drawn by poppler's `pdftoppm` at `dpi`, grey;
/// `None` when poppler is missing, fails or reports an error.
fn pdftoppm(bytes: &[u8], page: usize, dpi: f32) -> Option<GrayImage> {
    use std::process::{Command, Stdio};
    let n = page.to_string();
    let dpi = (dpi.round() as u32).to_string();
    let mut child = Command::new("pdftoppm")
        .args(["-f", &n, "-l", &n, "-r", &dpi, "-gray", "-png", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let mut stderr = child.stderr.take()?;
    let complaints = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_string(&mut out);
        out
    });
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(MAX_DECODED_BYTES).read_to_end(&mut out);
        out
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(RENDER_TIMEOUT_S);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = writer.join();
    let png = reader.join().ok()?;
    // poppler draws what it could of a broken image and still succeeds.
    let broken = complaints.join().ok()?.contains("Error");
    if !status?.success() || broken || !png.starts_with(b"\x89PNG") {
        return None;
    }
    decode_raster("", 1, &png, Kind::Png).ok()
}

fn as_f32(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The width of the page's MediaBox in points, following inheritance.
fn media_box_width(doc: &Document, page_id: ObjectId) -> Option<f32> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..32 {
        if let Ok(mb) = node.get(b"MediaBox") {
            let arr = match mb {
                Object::Reference(id) => doc.get_object(*id).ok()?.as_array().ok()?,
                o => o.as_array().ok()?,
            };
            let v: Vec<f32> = arr.iter().filter_map(as_f32).collect();
            let w = (v.get(2)? - v.first()?).abs();
            // A page turned by /Rotate 90 shows its height across.
            let rotate = node.get(b"Rotate").ok().and_then(as_f32).unwrap_or(0.0) as i32;
            let h = (v.get(3)? - v.get(1)?).abs();
            return Some(if rotate.rem_euclid(180) == 90 { h } else { w });
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

/// Decoded samples of a PDF image to grey levels.
fn raw_to_gray(
    doc: &Document,
    stream: &lopdf::Stream,
    raw: &[u8],
    w: usize,
    h: usize,
) -> Option<GrayImage> {
    let dict = &stream.dict;
    let bpc = dict
        .get(b"BitsPerComponent")
        .ok()
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(8);
    let image_mask = matches!(dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
    let decode_inverted = decode_inverted(dict);
    let cs = dict.get(b"ColorSpace").ok().map(|o| resolve(doc, o));
    let (channels, palette): (usize, Option<(usize, Vec<u8>)>) = match cs {
        _ if image_mask => (1, None),
        Some(Object::Name(n)) => (color_channels(n)?, None),
        Some(Object::Array(a)) => match a.first().and_then(|o| o.as_name().ok()) {
            Some(b"ICCBased") => {
                let icc = resolve(doc, a.get(1)?).as_stream().ok()?;
                let n = icc.dict.get(b"N").ok()?.as_i64().ok()? as usize;
                (n, None)
            }
            Some(b"Indexed") => {
                let base = resolve(doc, a.get(1)?);
                let base_n = match base {
                    Object::Name(n) => color_channels(n)?,
                    Object::Array(b)
                        if b.first().and_then(|o| o.as_name().ok()) == Some(b"ICCBased") =>
                    {
                        let icc = resolve(doc, b.get(1)?).as_stream().ok()?;
                        icc.dict.get(b"N").ok()?.as_i64().ok()? as usize
                    }
                    _ => return None,
                };
                let lookup = match resolve(doc, a.get(3)?) {
                    Object::String(s, _) => s.clone(),
                    Object::Stream(s) => s.decompressed_content().ok()?,
                    _ => return None,
                };
                (1, Some((base_n, lookup)))
            }
            Some(b"CalGray") => (1, None),
            Some(b"CalRGB") => (3, None),
            _ => return None,
        },
        _ => (1, None),
    };
    if bpc == 1 && channels == 1 && palette.is_none() {
        // 1 = white unless /Decode [1 0]; an image mask paints its 0 samples.
        let one_is_black = decode_inverted;
        let needed = w.div_ceil(8) * h;
        if raw.len() < needed {
            return None;
        }
        return GrayImage::from_raw(w as u32, h as u32, unpack_bits(raw, w, h, one_is_black));
    }
    let bits = bpc as usize;
    if !matches!(bits, 1 | 2 | 4 | 8 | 16) {
        return None;
    }
    let row_bytes = (w * channels * bits).div_ceil(8);
    if raw.len() < row_bytes * h {
        return None;
    }
    let sample = |row: &[u8], i: usize| -> u8 {
        match bits {
            8 => row[i],
            16 => row[i * 2],
            _ => {
                let bit = i * bits;
                let v = (row[bit / 8] >> (8 - bits - bit % 8)) & ((1 << bits) - 1) as u8;
                if palette.is_some() {
                    v
                } else {
                    (v as u32 * 255 / ((1 << bits) - 1)) as u8
                }
            }
        }
    };
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &raw[y * row_bytes..(y + 1) * row_bytes];
        for x in 0..w {
            let g = if let Some((base_n, lut)) = &palette {
                let idx = sample(row, x) as usize;
                let c = lut.get(idx * base_n..idx * base_n + base_n);
                match c {
                    Some(c) if *base_n >= 3 => to_gray(&c[..3], 3)[0],
                    Some(c) if !c.is_empty() => c[0],
                    _ => 255,
                }
            } else {
                match channels {
                    1 => sample(row, x),
                    3 => {
                        let (r, g, b) = (
                            sample(row, x * 3),
                            sample(row, x * 3 + 1),
                            sample(row, x * 3 + 2),
                        );
                        ((r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000) as u8
                    }
                    4 => {
                        let (c, m, yy, k) = (
                            sample(row, x * 4) as u32,
                            sample(row, x * 4 + 1) as u32,
                            sample(row, x * 4 + 2) as u32,
                            sample(row, x * 4 + 3) as u32,
                        );
                        let r = 255 - (c + k).min(255);
                        let g = 255 - (m + k).min(255);
                        let b = 255 - (yy + k).min(255);
                        ((r * 299 + g * 587 + b * 114) / 1000) as u8
                    }
                    _ => return None,
                }
            };
            out.push(if decode_inverted { 255 - g } else { g });
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out)
}

/// Whether a 1-bit image's `/Decode` is `[1 0]` (sample 1 is black).
fn decode_inverted(dict: &lopdf::Dictionary) -> bool {
    dict.get(b"Decode")
        .ok()
        .and_then(|o| o.as_array().ok())
        .and_then(|a| a.first().and_then(as_f32))
        .is_some_and(|first| first > 0.5)
}

/// A CCITT group 4 image (`/K` < 0), as scanners write black-and-white
/// pages, to grey levels. `None` for another group or broken data.
fn ccitt_to_gray(doc: &Document, stream: &lopdf::Stream, w: usize, h: usize) -> Option<GrayImage> {
    let dict = &stream.dict;
    let parms = match resolve(doc, dict.get(b"DecodeParms").ok()?) {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => a.first().and_then(|o| o.as_dict().ok()),
        _ => None,
    };
    let int = |key: &[u8]| {
        parms
            .and_then(|d| d.get(key).ok())
            .and_then(|o| o.as_i64().ok())
    };
    let flag = |key: &[u8]| {
        parms
            .and_then(|d| d.get(key).ok())
            .and_then(|o| o.as_bool().ok())
            .unwrap_or(false)
    };
    if int(b"K").unwrap_or(0) >= 0 || flag(b"EncodedByteAlign") {
        return None;
    }
    let too_big = w > usize::from(u16::MAX) || h > usize::from(u16::MAX);
    if int(b"Columns").unwrap_or(1728) != w as i64 || too_big {
        return None;
    }
    // A decoded pel is sample 0 when black, unless /BlackIs1; /Decode then
    // maps samples to grey as for any 1-bit image.
    let (black_is_1, inverted) = (flag(b"BlackIs1"), decode_inverted(dict));
    let mut out = Vec::with_capacity(w * h);
    fax::decoder::decode_g4(
        stream.content.iter().copied(),
        w as u16,
        Some(h as u16),
        |line| {
            out.extend(fax::decoder::pels(line, w as u16).map(|c| {
                let sample_one = (c == fax::Color::Black) == black_is_1;
                if sample_one == inverted {
                    0
                } else {
                    255
                }
            }));
        },
    )?;
    if out.len() != w * h {
        return None;
    }
    GrayImage::from_raw(w as u32, h as u32, out)
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn color_channels(name: &[u8]) -> Option<usize> {
    match name {
        b"DeviceGray" | b"CalGray" | b"G" => Some(1),
        b"DeviceRGB" | b"CalRGB" | b"RGB" => Some(3),
        b"DeviceCMYK" | b"CMYK" => Some(4),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A small grey test page with a black bar.
    pub(crate) fn test_gray(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            if y > h / 3 && y < h / 2 && x > w / 4 {
                image::Luma([0])
            } else {
                image::Luma([240])
            }
        })
    }

    pub(crate) fn jpeg_bytes(img: &GrayImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
            .unwrap();
        out
    }

    /// A PDF whose pages hold the given image XObjects; page size A4 in points.
    pub(crate) fn pdf_with(images: Vec<Stream>) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut kids = Vec::new();
        for s in images {
            let img_id = doc.add_object(s);
            let content = Stream::new(dictionary! {}, b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec());
            let content_id = doc.add_object(content);
            let page_id = doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
                "Contents" => content_id,
            });
            kids.push(page_id.into());
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn dct_stream(jpeg: Vec<u8>, w: u32, h: u32) -> Stream {
        Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
            },
            jpeg,
        )
    }

    fn flate_stream(raw: &[u8], w: u32, h: u32, cs: Object, bpc: i64) -> Stream {
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(raw).unwrap();
        Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
                "ColorSpace" => cs, "BitsPerComponent" => bpc, "Filter" => "FlateDecode",
            },
            enc.finish().unwrap(),
        )
        .with_compression(false)
    }

    fn load(name: &str, bytes: &[u8]) -> Result<Vec<PageImage>, CaptureError> {
        load_pages_from_bytes(name, bytes)
    }

    #[test]
    fn pdf_pages_dct_and_flate_gray_rgb_indexed_and_1bit() {
        let g = test_gray(248, 351);
        let jpeg = jpeg_bytes(&g);
        let rgb: Vec<u8> = g.pixels().flat_map(|p| [p.0[0]; 3]).collect();
        let bits: Vec<u8> = (0..351).flat_map(|_| vec![0b1111_0000u8; 31]).collect();
        let indexed: Vec<u8> = g.pixels().map(|p| u8::from(p.0[0] > 128)).collect();
        let pdf = pdf_with(vec![
            dct_stream(jpeg.clone(), 248, 351),
            flate_stream(g.as_raw(), 248, 351, "DeviceGray".into(), 8),
            flate_stream(&rgb, 248, 351, "DeviceRGB".into(), 8),
            flate_stream(&bits, 248, 351, "DeviceGray".into(), 1),
            flate_stream(
                &indexed,
                248,
                351,
                Object::Array(vec![
                    "Indexed".into(),
                    "DeviceRGB".into(),
                    1.into(),
                    Object::string_literal(vec![0u8, 0, 0, 255, 255, 255]),
                ]),
                8,
            ),
        ]);
        let pages = load("scan.pdf", &pdf).expect("a scanner PDF loads");
        assert_eq!(pages.len(), 5);
        assert_eq!(pages[0].ext, "jpg");
        assert_eq!(pages[0].encoded, jpeg, "the JPEG stream is kept as-is");
        for p in &pages {
            assert_eq!((p.image.width(), p.image.height()), (248, 351));
            assert!(
                (p.dpi - 30.0).abs() < 0.5,
                "dpi from the page size: {}",
                p.dpi
            );
        }
        assert_eq!(
            pages[1].image.get_pixel(100, 150).0[0],
            0,
            "the black bar is read"
        );
        assert_eq!(pages[2].image.get_pixel(100, 150).0[0], 0);
        assert_eq!(pages[3].image.get_pixel(0, 0).0[0], 255, "1 bits are white");
        assert_eq!(pages[3].image.get_pixel(5, 0).0[0], 0, "0 bits are black");
        assert_eq!(
            pages[4].image.get_pixel(100, 150).0[0],
            0,
            "palette index 0 is black"
        );
        assert_eq!(pages[4].source_page, 5);
    }

    /// A CCITT group 4 image of `g` (black below 128), as a scanner's
    /// black-and-white page; `black_is_1` and `decode` as the PDF says.
    fn ccitt_stream(g: &GrayImage, black_is_1: bool, decode: Option<[i64; 2]>) -> Stream {
        use fax::{encoder::Encoder, Color, VecWriter};
        let (w, h) = g.dimensions();
        let mut enc = Encoder::new(VecWriter::new());
        for y in 0..h {
            let row = (0..w).map(|x| {
                // The picture shown is `g`: what is encoded depends on how
                // /BlackIs1 and /Decode turn samples into grey.
                let dark = g.get_pixel(x, y).0[0] < 128;
                let inverted = decode == Some([1, 0]);
                if dark != inverted {
                    Color::Black
                } else {
                    Color::White
                }
            });
            let row: Vec<Color> = row.map(|c| if black_is_1 { !c } else { c }).collect();
            enc.encode_line(row.into_iter(), w as u16).unwrap();
        }
        let data = enc.finish().unwrap().finish();
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64, "Height" => h as i64,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1, "Filter" => "CCITTFaxDecode",
            "DecodeParms" => dictionary! {
                "K" => -1, "Columns" => w as i64, "Rows" => h as i64, "BlackIs1" => black_is_1,
            },
        };
        if let Some([a, b]) = decode {
            dict.set("Decode", vec![a.into(), b.into()]);
        }
        Stream::new(dict, data).with_compression(false)
    }

    #[test]
    fn pdf_pages_in_ccitt_group_4_read_as_drawn() {
        // A bar, and stripes for runs of every length.
        let bar = test_gray(248, 351);
        let g = GrayImage::from_fn(248, 351, |x, y| {
            let ink = bar.get_pixel(x, y).0[0] == 0 || (x * y + x) % 37 < 5;
            image::Luma([if ink { 0 } else { 255 }])
        });
        let pdf = pdf_with(vec![
            ccitt_stream(&g, false, None),
            ccitt_stream(&g, true, None),
            ccitt_stream(&g, false, Some([1, 0])),
        ]);
        let pages = load("nb.pdf", &pdf).expect("a black-and-white scanner PDF loads");
        assert_eq!(pages.len(), 3);
        for p in &pages {
            assert_eq!(p.ext, "png", "a decoded page is stored as PNG");
            assert_eq!(
                p.image.as_raw(),
                g.as_raw(),
                "page {}: every pixel as drawn, whatever /BlackIs1 and /Decode say",
                p.source_page
            );
        }
        // Data cut short: a clear refusal naming the page, not a white page.
        let mut cut = ccitt_stream(&g, false, None);
        cut.content.truncate(cut.content.len() / 3);
        cut.content.extend([0xFF; 40]);
        let err = load("nb.pdf", &pdf_with(vec![cut])).expect_err("broken CCITT data is refused");
        assert!(err.to_string().contains("nb.pdf"), "{err}");
    }

    #[test]
    fn pdf_images_in_other_compressions_are_drawn_by_poppler() {
        let g = test_gray(248, 351);
        let hex: String = g.as_raw().iter().map(|v| format!("{v:02x}")).collect();
        let stream = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 248, "Height" => 351,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "ASCIIHexDecode",
            },
            format!("{hex}>").into_bytes(),
        )
        .with_compression(false);
        let pages = load("hex.pdf", &pdf_with(vec![stream])).expect("poppler draws the page");
        let p = &pages[0];
        assert!(
            p.image.width().abs_diff(248) <= 1 && p.image.height().abs_diff(351) <= 1,
            "drawn at the image's own resolution: {:?}",
            p.image.dimensions()
        );
        assert_eq!(
            p.image.get_pixel(100, 150).0[0],
            0,
            "the black bar is there"
        );
        assert!(p.image.get_pixel(20, 20).0[0] > 200, "the paper is light");
    }

    #[test]
    fn jpeg_png_and_multipage_tiff() {
        let g = test_gray(200, 283);
        let pages = load("a.jpg", &jpeg_bytes(&g)).unwrap();
        assert_eq!((pages.len(), pages[0].ext), (1, "jpg"));
        let mut png = Vec::new();
        g.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let pages = load("a.png", &png).unwrap();
        assert_eq!(pages[0].ext, "png");
        assert_eq!(pages[0].encoded, png);

        let mut tif = Cursor::new(Vec::new());
        {
            let mut enc = tiff::encoder::TiffEncoder::new(&mut tif).unwrap();
            for _ in 0..3 {
                enc.write_image::<tiff::encoder::colortype::Gray8>(200, 283, g.as_raw())
                    .unwrap();
            }
        }
        let pages = load("env.tiff", tif.get_ref()).unwrap();
        assert_eq!(pages.len(), 3, "every page of a TIFF is read");
        assert_eq!(pages[2].source_page, 3);
        assert_eq!(pages[2].image.get_pixel(100, 120).0[0], 0);
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let g = test_gray(120, 170);
        let jpeg = jpeg_bytes(&g);
        let cut = &jpeg[..jpeg.len() / 2];
        let e = load("scan.jpg", cut).unwrap_err();
        assert!(matches!(e, CaptureError::CorruptImage { .. }), "{e}");
        assert_eq!(
            e.to_string().split(" ;").next().unwrap(),
            "scan.jpg, page 1 : image illisible (JPEG tronqué)"
        );

        let e = load("vide.pdf", b"").unwrap_err();
        assert!(matches!(e, CaptureError::NotPdfOrImage { .. }), "{e}");
        let e = load("notes.pdf", b"Bonjour, ceci est un texte.\n").unwrap_err();
        assert!(matches!(e, CaptureError::NotPdfOrImage { .. }), "{e}");

        let pdf = pdf_with(vec![dct_stream(cut.to_vec(), 120, 170)]);
        let e = load("scan.pdf", &pdf).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("scan.pdf, page 1 : image illisible"),
            "{e}"
        );

        let whole = pdf_with(vec![dct_stream(jpeg.clone(), 120, 170)]);
        for n in [10, whole.len() / 3, whole.len() / 2, whole.len() - 30] {
            let r = load("cut.pdf", &whole[..n]);
            assert!(r.is_err() || r.is_ok(), "a truncated PDF never panics");
        }
        let e = load(
            "texte.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                CaptureError::CorruptPdf { .. } | CaptureError::NoPageImage { .. }
            ),
            "{e}"
        );

        let e = load("png.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
        assert!(matches!(e, CaptureError::CorruptImage { .. }), "{e}");
        let e = load("t.tif", b"II*\0\x08\0\0\0\xff\xff").unwrap_err();
        assert!(matches!(e, CaptureError::CorruptImage { .. }), "{e}");
    }

    #[test]
    fn gigantic_images_are_refused_before_decoding() {
        // A PDF claiming a 50 000 × 50 000 image.
        let s = flate_stream(&[0u8; 16], 50_000, 50_000, "DeviceGray".into(), 8);
        let e = load("big.pdf", &pdf_with(vec![s])).unwrap_err();
        assert!(
            matches!(e, CaptureError::ImageTooLarge { width: 50_000, .. }),
            "{e}"
        );
        // A PNG header claiming 20 000 × 20 000.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(20_000u32.to_be_bytes());
        png.extend(20_000u32.to_be_bytes());
        png.extend([8, 0, 0, 0, 0]);
        png.extend(crc32(&png[12..]).to_be_bytes());
        let e = load("big.png", &png).unwrap_err();
        assert!(matches!(e, CaptureError::ImageTooLarge { .. }), "{e}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn unreadable_file() {
        let e = load_pages(Path::new("/nonexistent/dir/scan.pdf")).unwrap_err();
        assert!(
            e.to_string().starts_with("scan.pdf : fichier impossible"),
            "{e}"
        );
    }
}
