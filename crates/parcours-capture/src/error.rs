//! The one error type of the crate: failures of the machinery (a file that
//! cannot be read, an image that does not decode, the OCR engine failing),
//! never a defect of the applicant's file.

/// Why an envelope could not be read. Messages are French, for the clerk,
/// and name the file (and the page when there is one).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file cannot be opened or read from disk.
    #[error("{file} : fichier impossible à ouvrir ({detail}) ; vérifiez qu'il existe et qu'il n'est pas ouvert ailleurs")]
    Unreadable {
        /// File name.
        file: String,
        /// What the system said.
        detail: String,
    },
    /// The file is empty, or neither a PDF nor a JPEG, PNG or TIFF image.
    #[error("{file} : ce n'est ni un PDF ni une image JPEG, PNG ou TIFF ; numérisez à nouveau le courrier")]
    NotPdfOrImage {
        /// File name.
        file: String,
    },
    /// The PDF is protected by a password.
    #[error("{file} : PDF protégé par un mot de passe ; numérisez à nouveau le courrier sans protection")]
    EncryptedPdf {
        /// File name.
        file: String,
    },
    /// The PDF's structure cannot be parsed.
    #[error("{file} : PDF illisible ({detail}) ; numérisez à nouveau le courrier")]
    CorruptPdf {
        /// File name.
        file: String,
        /// What is wrong, in French.
        detail: String,
    },
    /// The PDF has no scanned page image at all (a text-only PDF).
    #[error(
        "{file} : le PDF ne contient aucune page numérisée (image) ; numérisez le courrier papier"
    )]
    NoPageImage {
        /// File name.
        file: String,
    },
    /// A PDF page has no scanned image and is not a page of the form filled
    /// in on the computer (no text, or text that is not the form's).
    #[error("{file}, page {page} : page sans image numérisée, qui n'est pas le formulaire rempli à l'ordinateur ; numérisez cette page sur papier")]
    PageWithoutScan {
        /// File name.
        file: String,
        /// 1-based page within the file.
        page: usize,
    },
    /// The image is larger than the limits; it is refused before decoding.
    #[error("{file}, page {page} : image trop grande ({width} × {height} pixels) ; numérisez entre 150 et 300 dpi")]
    ImageTooLarge {
        /// File name.
        file: String,
        /// 1-based page within the file.
        page: usize,
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
    },
    /// The image data does not decode (truncated JPEG, unknown compression…).
    #[error("{file}, page {page} : image illisible ({detail}) ; numérisez à nouveau cette page")]
    CorruptImage {
        /// File name.
        file: String,
        /// 1-based page within the file.
        page: usize,
        /// What is wrong, in French.
        detail: String,
    },
    /// The OCR engine could not start or failed on a page.
    #[error("{file}, page {page} : échec du moteur de lecture (OCR) : {detail} ; vérifiez l'installation de Tesseract (langues fra et eng)")]
    Ocr {
        /// File name.
        file: String,
        /// 1-based page within the file.
        page: usize,
        /// What failed.
        detail: String,
    },
    /// No file was given.
    #[error("aucun fichier à lire : indiquez au moins un PDF ou une image")]
    NoFiles,
}
