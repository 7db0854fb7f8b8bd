//! The deposit slip (*bordereau de dépôt*) of a batch of registered letters.

use chrono::NaiveDate;
use parcours_domain::s10::S10;

use crate::code::french_date;
use crate::draw::{ellipsize, render, Face, Page, PAGE_W};
use crate::letter::{Sender, LEFT, RIGHT};
use crate::LetterError;

/// Letters listed on a full page of the slip.
pub const SLIP_ROWS_PER_PAGE: usize = 34;
/// Letters that still leave room for the totals and signature boxes.
const LAST_PAGE_ROWS: usize = 22;

const ROW_H: f32 = 6.2;
const ROW_PT: f32 = 8.5;
const TABLE_TOP: f32 = 56.0;

/// A batch of registered letters handed to the post office together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The batch identifier printed on every page.
    pub id: String,
    /// The day of deposit.
    pub date: NaiveDate,
    /// The sending service.
    pub sender: Sender,
    /// The letters, in the order they are listed.
    pub items: Vec<SlipItem>,
}

/// One registered letter on the slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipItem {
    /// Its registered-item number.
    pub s10: S10,
    /// The recipient's name as on the letter (`MADAME MARIE DUPONT`).
    pub recipient: String,
    /// The recipient's postcode.
    pub postcode: String,
    /// The recipient's city.
    pub city: String,
    /// The case reference.
    pub reference: String,
}

/// (title, left edge, width) of each column, mm.
const COLUMNS: [(&str, f32, f32); 6] = [
    ("N°", LEFT, 9.0),
    ("N° de recommandé", LEFT + 9.0, 35.0),
    ("Destinataire", LEFT + 44.0, 52.0),
    ("CP", LEFT + 96.0, 12.0),
    ("Commune", LEFT + 108.0, 33.0),
    ("Dossier", LEFT + 141.0, 29.0),
];

/// The deposit slip of `batch` as a PDF: a header with the sender, the batch
/// and the date on every page, a table of every letter (S10 number,
/// recipient, postcode, city, case), page numbers, and on the last page the
/// totals and the boxes the depositor and the post-office agent sign.
pub fn deposit_slip(batch: &Batch) -> Result<Vec<u8>, LetterError> {
    render(
        &format!("Bordereau de dépôt {}", batch.id),
        &slip_pages(batch)?,
    )
}

pub(crate) fn slip_pages(batch: &Batch) -> Result<Vec<Page>, LetterError> {
    if batch.items.is_empty() {
        return Err(LetterError::EmptyBatch {
            batch: batch.id.clone(),
        });
    }
    let mut chunks: Vec<&[SlipItem]> = batch.items.chunks(SLIP_ROWS_PER_PAGE).collect();
    let footer_needs_page = chunks.last().is_some_and(|c| c.len() > LAST_PAGE_ROWS);
    if footer_needs_page {
        chunks.push(&[]);
    }
    let n = chunks.len();
    let mut pages = Vec::with_capacity(n);
    let mut number = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        let mut page = Page::new();
        header(&mut page, batch, i + 1, n);
        let mut y = TABLE_TOP;
        if !chunk.is_empty() {
            y = table_head(&mut page, y);
            for item in *chunk {
                number += 1;
                y = row(&mut page, y, number, item);
            }
        }
        if i + 1 == n {
            totals(&mut page, y + 8.0, batch, n);
        } else {
            page.text_grey(
                LEFT,
                y + 6.0,
                8.0,
                Face::Regular,
                0.35,
                &format!(
                    "Suite page {} – {} lettres au total",
                    i + 2,
                    batch.items.len()
                ),
            );
        }
        pages.push(page);
    }
    Ok(pages)
}

fn header(page: &mut Page, batch: &Batch, i: usize, n: usize) {
    page.text(LEFT, 20.0, 13.0, Face::Bold, "Bordereau de dépôt");
    page.text(
        LEFT,
        26.0,
        10.0,
        Face::Regular,
        "Lettres recommandées avec avis de réception",
    );
    let mut y = 35.0;
    for (k, line) in batch.sender.lines.iter().enumerate() {
        let face = if k == 0 { Face::Bold } else { Face::Regular };
        page.text(LEFT, y, 9.0, face, line);
        y += 4.3;
    }
    let x = 125.0;
    page.text(x, 35.0, 9.0, Face::Regular, "Lot n°");
    page.text(x + 26.0, 35.0, 9.0, Face::Bold, &batch.id);
    page.text(x, 39.3, 9.0, Face::Regular, "Date de dépôt");
    page.text(x + 26.0, 39.3, 9.0, Face::Bold, &french_date(batch.date));
    page.text(x, 43.6, 9.0, Face::Regular, "Page");
    page.text(x + 26.0, 43.6, 9.0, Face::Bold, &format!("{i} / {n}"));
}

fn table_head(page: &mut Page, y: f32) -> f32 {
    page.line((LEFT, y), (RIGHT, y), 0.4, 0.0);
    for (title, x, w) in COLUMNS {
        let title = ellipsize(title, ROW_PT, Face::Bold, w - 2.0);
        page.text(x + 1.0, y + 4.4, ROW_PT, Face::Bold, &title);
    }
    let y = y + ROW_H;
    page.line((LEFT, y), (RIGHT, y), 0.3, 0.0);
    y
}

fn row(page: &mut Page, y: f32, number: usize, item: &SlipItem) -> f32 {
    let cells = [
        number.to_string(),
        item.s10.formatted(),
        item.recipient.clone(),
        item.postcode.clone(),
        item.city.clone(),
        item.reference.clone(),
    ];
    for ((_, x, w), cell) in COLUMNS.iter().zip(&cells) {
        let face = if *x == COLUMNS[1].1 {
            Face::Bold
        } else {
            Face::Regular
        };
        let text = ellipsize(cell, ROW_PT, face, w - 2.0);
        page.text(x + 1.0, y + 4.4, ROW_PT, face, &text);
    }
    let y = y + ROW_H;
    page.line((LEFT, y), (RIGHT, y), 0.1, 0.6);
    y
}

fn totals(page: &mut Page, y: f32, batch: &Batch, pages: usize) {
    let count = batch.items.len();
    let plural = if count > 1 { "s" } else { "" };
    page.text(
        LEFT,
        y,
        10.0,
        Face::Bold,
        &format!("Total : {count} lettre{plural} recommandée{plural} avec avis de réception"),
    );
    page.text(
        LEFT,
        y + 5.0,
        9.0,
        Face::Regular,
        &format!(
            "Bordereau de {pages} page{} – lot n° {}",
            if pages > 1 { "s" } else { "" },
            batch.id
        ),
    );

    let top = y + 11.0;
    let (w, h, gap) = (82.0, 50.0, PAGE_W - 2.0 * LEFT - 2.0 * 82.0);
    let boxes = [
        (LEFT, "Déposant", vec!["Nom :", "Date :", "Signature :"]),
        (
            LEFT + w + gap,
            "La Poste – agent du bureau",
            vec![
                "Nombre d'envois pris en charge : ........",
                "Date et heure :",
                "Cachet du bureau et signature :",
            ],
        ),
    ];
    for (x, title, lines) in boxes {
        page.frame(x, top, w, h, 0.35);
        page.text(x + 3.0, top + 5.5, 9.0, Face::Bold, title);
        let mut ly = top + 12.0;
        for l in lines {
            page.text(x + 3.0, ly, 8.5, Face::Regular, l);
            ly += 7.0;
        }
    }
}
