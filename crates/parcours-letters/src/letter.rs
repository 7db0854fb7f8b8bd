//! The letters to applicants: one layout, three texts.

use chrono::NaiveDate;
use minijinja::{context, Value};
use parcours_domain::address::PostalAddress;
use parcours_domain::s10::S10;
use parcours_domain::Civility;

use crate::barcode;
use crate::code::french_date;
use crate::draw::{render, text_width, wrap, Face, Page, PAGE_H, PAGE_W};
use crate::templates::{self, Block, Templates, Text};
use crate::LetterError;

/// Left margin, mm.
pub(crate) const LEFT: f32 = 20.0;
/// Right edge of the text, mm.
pub(crate) const RIGHT: f32 = PAGE_W - 20.0;
/// Lowest baseline of body text before a new page, mm from the top.
const BOTTOM: f32 = 272.0;

const BODY_PT: f32 = 10.0;
const BODY_LEAD: f32 = 4.9;
const ADDRESS_PT: f32 = 10.0;
const ADDRESS_LEAD: f32 = 4.5;
const BARCODE_H: f32 = 9.0;

/// The service that sends the letters: its address block and the place
/// written before the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The address block, first line in bold.
    pub lines: Vec<String>,
    /// The place of `Lille, le 1er décembre 2026`.
    pub place: String,
}

impl Default for Sender {
    /// The Lille service of SPEC §0.
    fn default() -> Sender {
        Sender {
            lines: vec![
                "MCF – Service de vérification d'identité".to_string(),
                "Libre réponse 78788".to_string(),
                "59889 LILLE CEDEX 9".to_string(),
            ],
            place: "Lille".to_string(),
        }
    }
}

impl Sender {
    fn inline(&self) -> String {
        self.lines.join(" – ")
    }
}

/// Where the block shown through the envelope window is printed, so that it
/// can be fitted to the envelopes in use (a setting).
///
/// (`address_x_mm`, `address_y_mm`) is the top-left corner of that block,
/// measured from the top-left corner of the sheet. On a registered letter the
/// block is the barcode and the S10 number, then the recipient's address; on
/// the other letters it is the address alone. The block is at most 85 mm wide
/// and 42 mm tall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LetterLayout {
    /// Distance from the left edge of the sheet, mm.
    pub address_x_mm: f32,
    /// Distance from the top edge of the sheet, mm.
    pub address_y_mm: f32,
}

impl Default for LetterLayout {
    /// A DL (110 × 220 mm) envelope with a 100 × 45 mm window 20 mm from the
    /// right and 15 mm from the bottom, the A4 sheet folded in three.
    fn default() -> LetterLayout {
        LetterLayout {
            address_x_mm: 110.0,
            address_y_mm: 50.0,
        }
    }
}

/// A registered letter with its one-time activation code (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredLetter {
    /// The case reference printed on the letter.
    pub reference: String,
    /// The registered-item number, printed and as a barcode.
    pub s10: S10,
    /// For the salutation (`Madame,`); `None` writes `Madame, Monsieur,`.
    pub civility: Option<Civility>,
    /// The recipient block.
    pub address: PostalAddress,
    /// The date of the letter.
    pub date: NaiveDate,
    /// The one-time activation code in clear (never stored; only its hash is).
    pub activation_code: String,
    /// The sending service.
    pub sender: Sender,
}

/// A *demande de complément*: what blocks the case, in plain French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplementLetter {
    /// The case reference printed on the letter.
    pub reference: String,
    /// For the salutation; `None` writes `Madame, Monsieur,`.
    pub civility: Option<Civility>,
    /// The recipient block.
    pub address: PostalAddress,
    /// The date of the letter.
    pub date: NaiveDate,
    /// One French sentence per blocking check (`CheckCode::sentence_fr`).
    pub reasons: Vec<String>,
    /// The sending service.
    pub sender: Sender,
}

/// A rejection letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionLetter {
    /// The case reference printed on the letter.
    pub reference: String,
    /// For the salutation; `None` writes `Madame, Monsieur,`.
    pub civility: Option<Civility>,
    /// The recipient block.
    pub address: PostalAddress,
    /// The date of the letter.
    pub date: NaiveDate,
    /// Why, in one French sentence.
    pub reason: String,
    /// The sending service.
    pub sender: Sender,
}

/// The registered letter as a PDF.
pub fn registered_letter(
    l: &RegisteredLetter,
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<u8>, LetterError> {
    render(
        &format!("Lettre recommandée {}", l.s10.compact()),
        &registered_pages(l, layout, templates)?,
    )
}

/// The complement request as a PDF.
pub fn complement_letter(
    l: &ComplementLetter,
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<u8>, LetterError> {
    render(
        &format!("Demande de complément {}", l.reference),
        &complement_pages(l, layout, templates)?,
    )
}

/// The rejection letter as a PDF.
pub fn rejection_letter(
    l: &RejectionLetter,
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<u8>, LetterError> {
    render(
        &format!("Rejet {}", l.reference),
        &rejection_pages(l, layout, templates)?,
    )
}

fn salutation(c: Option<Civility>) -> &'static str {
    match c {
        Some(Civility::Madame) => "Madame",
        Some(Civility::Monsieur) => "Monsieur",
        None => "Madame, Monsieur",
    }
}

/// What every letter shows around its text.
struct Frame<'a> {
    sender: &'a Sender,
    reference: &'a str,
    date: NaiveDate,
    address: &'a PostalAddress,
    s10: Option<&'a S10>,
}

fn common_context(f: &Frame<'_>, civility: Option<Civility>) -> Value {
    context! {
        reference => f.reference,
        date => french_date(f.date),
        place => &f.sender.place,
        salutation => salutation(civility),
        sender_inline => f.sender.inline(),
    }
}

pub(crate) fn registered_pages(
    l: &RegisteredLetter,
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<Page>, LetterError> {
    let frame = Frame {
        sender: &l.sender,
        reference: &l.reference,
        date: l.date,
        address: &l.address,
        s10: Some(&l.s10),
    };
    let ctx = context! {
        s10 => l.s10.formatted(),
        activation_code => &l.activation_code,
        ..common_context(&frame, l.civility)
    };
    let text = templates.render(templates::REGISTERED_LETTER, ctx.clone())?;
    let signature = templates.render_lines(templates::SIGNATURE, ctx)?;
    draw_letter(&frame, layout, &text, &signature)
}

pub(crate) fn complement_pages(
    l: &ComplementLetter,
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<Page>, LetterError> {
    let frame = Frame {
        sender: &l.sender,
        reference: &l.reference,
        date: l.date,
        address: &l.address,
        s10: None,
    };
    let ctx = context! { reasons => &l.reasons, ..common_context(&frame, l.civility) };
    let text = templates.render(templates::COMPLEMENT_LETTER, ctx.clone())?;
    let signature = templates.render_lines(templates::SIGNATURE, ctx)?;
    draw_letter(&frame, layout, &text, &signature)
}

pub(crate) fn rejection_pages(
    l: &RejectionLetter,
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<Page>, LetterError> {
    let frame = Frame {
        sender: &l.sender,
        reference: &l.reference,
        date: l.date,
        address: &l.address,
        s10: None,
    };
    let ctx = context! { reason => &l.reason, ..common_context(&frame, l.civility) };
    let text = templates.render(templates::REJECTION_LETTER, ctx.clone())?;
    let signature = templates.render_lines(templates::SIGNATURE, ctx)?;
    draw_letter(&frame, layout, &text, &signature)
}

/// Lays a letter out: first-page furniture, then the text, flowing onto
/// further pages when it is long.
fn draw_letter(
    f: &Frame<'_>,
    layout: &LetterLayout,
    text: &Text,
    signature: &[String],
) -> Result<Vec<Page>, LetterError> {
    let mut pages = vec![Page::new()];
    let page = &mut pages[0];

    // Sender block, top left.
    let mut y = 20.0;
    for (i, line) in f.sender.lines.iter().enumerate() {
        let face = if i == 0 { Face::Bold } else { Face::Regular };
        page.text(LEFT, y, 9.5, face, line);
        y += 4.4;
    }

    // Case reference and, for a registered letter, its number: left column,
    // beside the window.
    y += 6.0;
    let label = "Dossier n° ";
    page.text(LEFT, y, 9.0, Face::Regular, label);
    let indent = text_width(label, 9.0, Face::Regular);
    page.text(LEFT + indent, y, 9.0, Face::Bold, f.reference);
    if let Some(s10) = f.s10 {
        y += 8.0;
        page.text(LEFT, y, 9.0, Face::Bold, "Lettre recommandée");
        y += 4.4;
        page.text(LEFT, y, 9.0, Face::Bold, "avec avis de réception");
        y += 4.4;
        page.text(
            LEFT,
            y,
            9.0,
            Face::Regular,
            &format!("N° {}", s10.formatted()),
        );
    }

    // The window block: barcode and number, then the address.
    let (wx, mut wy) = (layout.address_x_mm, layout.address_y_mm);
    if let Some(s10) = f.s10 {
        let w = barcode::draw(page, s10, wx, wy, BARCODE_H)?;
        wy += BARCODE_H + 3.6;
        let label = s10.formatted();
        let lw = text_width(&label, 9.0, Face::Regular);
        page.text(wx + (w - lw) / 2.0, wy, 9.0, Face::Regular, &label);
        wy += 7.0;
    } else {
        wy += 3.6;
    }
    for line in &f.address.lines {
        page.text(wx, wy, ADDRESS_PT, Face::Regular, line);
        wy += ADDRESS_LEAD;
    }

    // Place and date, right-aligned under the window and below the first
    // fold, so that the fold does not cross them.
    let mut y = (wy + 8.0).max(PAGE_H / 3.0 + 7.0).max(y + 12.0);
    let dated = format!("{}, le {}", f.sender.place, french_date(f.date));
    page.text_right(RIGHT, y, BODY_PT, Face::Regular, &dated);
    y += 11.0;

    if let Some(subject) = &text.subject {
        let label = "Objet : ";
        let indent = text_width(label, BODY_PT, Face::Bold);
        for (i, line) in wrap(subject, BODY_PT, Face::Bold, RIGHT - LEFT - indent)
            .iter()
            .enumerate()
        {
            if i == 0 {
                page.text(LEFT, y, BODY_PT, Face::Bold, label);
            }
            page.text(LEFT + indent, y, BODY_PT, Face::Bold, line);
            y += BODY_LEAD;
        }
        y += 5.0;
    }

    let mut flow = Flow {
        pages,
        y,
        reference: f.reference,
    };
    let mut previous: Option<&Block> = None;
    for block in &text.blocks {
        if matches!(previous, Some(Block::Bullet(_))) && !matches!(block, Block::Bullet(_)) {
            // A list ends with the same space as a paragraph.
            flow.y += 1.4;
        }
        previous = Some(block);
        match block {
            Block::Paragraph(p) => {
                let lines = wrap(p, BODY_PT, Face::Regular, RIGHT - LEFT);
                // A two-line paragraph is not split across pages.
                flow.need(BODY_LEAD * lines.len().min(2) as f32);
                for line in lines {
                    flow.need(BODY_LEAD);
                    let y = flow.y;
                    flow.page().text(LEFT, y, BODY_PT, Face::Regular, &line);
                    flow.y += BODY_LEAD;
                }
                flow.y += 2.6;
            }
            Block::Bullet(b) => {
                let indent = 6.0;
                for (i, line) in wrap(b, BODY_PT, Face::Regular, RIGHT - LEFT - indent)
                    .iter()
                    .enumerate()
                {
                    flow.need(BODY_LEAD);
                    let y = flow.y;
                    let page = flow.page();
                    if i == 0 {
                        page.text(LEFT + 1.5, y, BODY_PT, Face::Regular, "•");
                    }
                    page.text(LEFT + indent, y, BODY_PT, Face::Regular, line);
                    flow.y += BODY_LEAD;
                }
                flow.y += 1.2;
            }
            Block::Highlight(h) => {
                let size = 15.0;
                let box_h = 12.0;
                flow.y += 1.0;
                flow.need(box_h + 2.0);
                let top = flow.y - 3.0;
                let w = (text_width(h, size, Face::Bold) + 16.0).min(RIGHT - LEFT);
                let x = (PAGE_W - w) / 2.0;
                let page = flow.page();
                page.frame(x, top, w, box_h, 0.4);
                page.text_centred(PAGE_W / 2.0, top + box_h / 2.0 + 2.0, size, Face::Bold, h);
                flow.y = top + box_h + 7.0;
            }
        }
    }

    // Signature, right half.
    flow.y += 4.0;
    flow.need(BODY_LEAD * signature.len() as f32);
    for (i, line) in signature.iter().enumerate() {
        let face = if i == 0 { Face::Bold } else { Face::Regular };
        let y = flow.y;
        flow.page().text(115.0, y, BODY_PT, face, line);
        flow.y += BODY_LEAD;
    }

    let mut pages = flow.pages;
    finish_pages(&mut pages, f.sender, f.reference);
    Ok(pages)
}

/// Body text flowing down the pages.
struct Flow<'a> {
    pages: Vec<Page>,
    y: f32,
    reference: &'a str,
}

impl Flow<'_> {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a letter has a first page")
    }

    /// Starts a new page unless `h` mm still fit on this one.
    fn need(&mut self, h: f32) {
        if self.y + h - BODY_LEAD > BOTTOM {
            let mut page = Page::new();
            page.text_grey(
                LEFT,
                20.0,
                8.0,
                Face::Regular,
                0.35,
                &format!("Dossier n° {} (suite)", self.reference),
            );
            self.pages.push(page);
            self.y = 32.0;
        }
    }
}

/// Footer and fold marks on every page.
fn finish_pages(pages: &mut [Page], sender: &Sender, reference: &str) {
    let n = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        // Fold marks for a DL envelope: the sheet in three equal panels.
        for fold in [PAGE_H / 3.0, 2.0 * PAGE_H / 3.0] {
            page.line((4.0, fold), (9.0, fold), 0.2, 0.55);
        }
        let mut footer = format!(
            "{} – dossier n° {}",
            sender.lines.first().map(String::as_str).unwrap_or(""),
            reference
        );
        if n > 1 {
            footer.push_str(&format!(" – page {}/{}", i + 1, n));
        }
        let w = text_width(&footer, 7.5, Face::Regular);
        page.text_grey((PAGE_W - w) / 2.0, 287.0, 7.5, Face::Regular, 0.4, &footer);
    }
}
