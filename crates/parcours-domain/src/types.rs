//! Small shared vocabulary types used across the domain.

use serde::{Deserialize, Serialize};

/// The applicant's civility as ticked on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Civility {
    /// `Madame` box ticked.
    Madame,
    /// `Monsieur` box ticked.
    Monsieur,
}

impl Civility {
    /// Parses the normalised form value (`madame` / `monsieur`).
    pub fn parse(s: &str) -> Option<Civility> {
        match s.trim().to_lowercase().as_str() {
            "madame" | "mme" => Some(Civility::Madame),
            "monsieur" | "m" | "m." => Some(Civility::Monsieur),
            _ => None,
        }
    }
}

/// Sex as written in an MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// Female (`F`).
    F,
    /// Male (`M`).
    M,
    /// Unspecified (`<` or `X` in the MRZ).
    X,
}

/// Kind of identity document, as in SPEC §9 `id_document.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Old French ID card (2 × 36 MRZ, `IDFRA…`), issued until 2021.
    CniOld,
    /// French ID card since 2021 (TD1, `ID` + `FRA`).
    Cni,
    /// Passport (TD3).
    Passport,
    /// Residence permit (TD1 starting `IR`, `TS`, `RC`, …).
    ResidencePermit,
    /// Any other document (foreign ID cards, TD2 documents…).
    Other,
}

impl DocumentKind {
    /// The French name shown to users.
    pub fn label_fr(self) -> &'static str {
        match self {
            DocumentKind::CniOld => "carte nationale d'identité (ancien modèle)",
            DocumentKind::Cni => "carte nationale d'identité",
            DocumentKind::Passport => "passeport",
            DocumentKind::ResidencePermit => "titre de séjour",
            DocumentKind::Other => "autre pièce d'identité",
        }
    }
}

/// Kind of social-security proof, as in SPEC §9 `ssn_proof.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsnProofKind {
    /// A carte Vitale.
    CarteVitale,
    /// An attestation de droits à l'assurance maladie.
    Attestation,
}

/// Kind of a scanned page (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// Form page 1/2.
    #[serde(rename = "form_page_1")]
    FormPage1,
    /// Form page 2/2.
    #[serde(rename = "form_page_2")]
    FormPage2,
    /// Copy of an identity document.
    IdProof,
    /// Copy of a social-security proof.
    SsnProof,
    /// The information notice.
    Notice,
    /// An empty page (duplex back).
    Blank,
    /// Anything else.
    Unknown,
}

impl PageKind {
    /// Every kind.
    pub const ALL: [PageKind; 7] = [
        PageKind::FormPage1,
        PageKind::FormPage2,
        PageKind::IdProof,
        PageKind::SsnProof,
        PageKind::Notice,
        PageKind::Blank,
        PageKind::Unknown,
    ];

    /// The stable snake_case name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::FormPage1 => "form_page_1",
            PageKind::FormPage2 => "form_page_2",
            PageKind::IdProof => "id_proof",
            PageKind::SsnProof => "ssn_proof",
            PageKind::Notice => "notice",
            PageKind::Blank => "blank",
            PageKind::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_kinds_serialise_as_spec_section_1_names() {
        for k in PageKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()), "SPEC §1 spells {k:?}");
        }
    }
}
