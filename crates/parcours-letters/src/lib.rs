//! Parcours letters: the PDFs the service posts (SPEC §6).
//!
//! - [`registered_letter`]: the registered letter that carries the one-time
//!   activation code, with the S10 number printed and as a Code 128 barcode
//!   in the envelope window, above the recipient block;
//! - [`deposit_slip`]: the *bordereau de dépôt* the post office signs when it
//!   takes a batch of registered letters;
//! - [`complement_letter`]: the *demande de complément*, listing what blocks
//!   the case;
//! - [`rejection_letter`];
//! - [`combine`]: several of the above as one PDF for the printer.
//!
//! Every page is A4, drawn with DejaVu Sans (embedded in the binary and
//! subset in each PDF, so a letter weighs about 20 KB). The texts come from
//! minijinja templates ([`Templates`]): the repository's
//! `templates/letters/` are built in, and a folder of edited copies can
//! replace them without rebuilding.
//!
//! This crate must not touch the database, read the clock or pick the S10
//! serials: dates, numbers, codes and addresses are passed in. Activation
//! codes are generated here ([`new_activation_code`]) from a random source
//! the caller passes, and must be stored only as [`hash_activation_code`].

mod barcode;
mod code;
mod draw;
mod letter;
mod slip;
pub mod templates;

use thiserror::Error;

pub use barcode::MODULE_MM as BARCODE_MODULE_MM;
pub use code::{
    french_date, hash_activation_code, new_activation_code, CODE_ALPHABET, CODE_GROUPS,
    CODE_GROUP_LEN,
};
pub use letter::{
    complement_letter, registered_letter, rejection_letter, ComplementLetter, LetterLayout,
    RegisteredLetter, RejectionLetter, Sender,
};
pub use slip::{deposit_slip, Batch, SlipItem, SLIP_ROWS_PER_PAGE};
pub use templates::Templates;

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LetterError {
    /// A letter template has a syntax error or uses an unknown variable.
    #[error("le modèle de lettre « {name} » est incorrect : {message} ; corrigez le fichier ou supprimez-le pour revenir au texte d'origine")]
    Template {
        /// The template's file name.
        name: String,
        /// minijinja's description, with the line.
        message: String,
    },
    /// A template file exists but cannot be read.
    #[error("impossible de lire le modèle de lettre {path} : {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// The embedded font could not be read (a broken build).
    #[error("la police de caractères intégrée est illisible : réinstallez Parcours")]
    Font,
    /// The barcode encoder refused the number.
    #[error("impossible de coder le numéro {value} en code-barres : {message}")]
    Barcode {
        /// The S10 number.
        value: String,
        /// The encoder's message.
        message: String,
    },
    /// The PDF could not be written out in memory.
    #[error("impossible d'écrire le PDF : {0}")]
    Pdf(String),
    /// A batch without letters has no deposit slip.
    #[error("le lot {batch} ne contient aucune lettre recommandée : il n'y a pas de bordereau à imprimer")]
    EmptyBatch {
        /// The batch identifier.
        batch: String,
    },
}

/// One document of a print run, for [`combine`].
#[derive(Debug, Clone, Copy)]
pub enum Printable<'a> {
    /// A registered letter.
    Registered(&'a RegisteredLetter),
    /// A complement request.
    Complement(&'a ComplementLetter),
    /// A rejection letter.
    Rejection(&'a RejectionLetter),
    /// A deposit slip.
    DepositSlip(&'a Batch),
}

/// Several documents as one PDF, in order, for one print run: the pages are
/// drawn by the same code as the single PDFs and share one copy of each font.
///
/// Every document starts on a new sheet only when printing one-sided: send
/// the run to the printer in simplex mode.
pub fn combine(
    docs: &[Printable<'_>],
    layout: &LetterLayout,
    templates: &Templates,
) -> Result<Vec<u8>, LetterError> {
    let mut pages = Vec::new();
    for doc in docs {
        pages.extend(match doc {
            Printable::Registered(l) => letter::registered_pages(l, layout, templates)?,
            Printable::Complement(l) => letter::complement_pages(l, layout, templates)?,
            Printable::Rejection(l) => letter::rejection_pages(l, layout, templates)?,
            Printable::DepositSlip(b) => slip::slip_pages(b)?,
        });
    }
    draw::render("Courriers Parcours", &pages)
}
