//! French postal addresses per the NF Z10-011 norm and La Poste's
//! recommendations, for the recipient block of letters (SPEC §6).
//!
//! The block has at most [`MAX_LINES`] lines of at most [`MAX_LINE_CHARS`]
//! characters, in this order, absent lines being left out rather than blank:
//!
//! 1. civility, first name(s) and last name: `MADAME MARIE DUPONT`;
//! 2. complement about the delivery point: `APPARTEMENT 12 ESCALIER B`;
//! 4. number and street: `12 RUE DE LA PAIX`;
//! 6. postcode and city: `75002 PARIS`, `97110 POINTE A PITRE`, `59889 LILLE CEDEX 9`.
//!
//! Choices, as La Poste recommends for machine sorting:
//! - every line is in capitals without accents (`É` → `E`, `Œ` → `OE`);
//! - lines 2 to 6 carry no punctuation: hyphens, apostrophes, commas and
//!   full stops become spaces (`Pointe-à-Pitre` → `POINTE A PITRE`,
//!   `rue de l'Église` → `RUE DE L EGLISE`); line 1 keeps the hyphens and
//!   apostrophes of names (`JEAN-PIERRE D'ALMEIDA`);
//! - abbreviations are used only when a line is too long, one rule at a time
//!   in the norm's order (type of street first: `BOULEVARD` → `BD`, then
//!   titles: `SAINT` → `ST`, `GENERAL` → `GAL`…), so that a line that fits is
//!   written in full;
//! - a name line that is too long keeps the first given name only, then the
//!   short civility (`MME`, `M`), then the initial of the first name.
//!
//! A line that cannot be brought within the limits is an [`AddressError`]
//! whose message tells the clerk what to shorten.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::types::Civility;

/// The most lines an address block may have (NF Z10-011).
pub const MAX_LINES: usize = 6;
/// The most characters, spaces included, on one line of an address block.
pub const MAX_LINE_CHARS: usize = 38;

/// A recipient block ready to print: upper-case lines within the norm's limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PostalAddress {
    /// The lines, top to bottom; the last one is `POSTCODE CITY`.
    pub lines: Vec<String>,
}

impl PostalAddress {
    /// The last line, `POSTCODE CITY`.
    pub fn last_line(&self) -> &str {
        self.lines.last().map(String::as_str).unwrap_or("")
    }
}

/// Why an address cannot be written as a postal block.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AddressError {
    /// The last name is empty.
    #[error("le nom du destinataire est vide : saisissez-le avant d'imprimer le courrier")]
    MissingName,
    /// The street (number and name of the way, or lieu-dit) is empty.
    #[error("l'adresse (numéro et voie, ou lieu-dit) est vide : saisissez-la avant d'imprimer le courrier")]
    MissingStreet,
    /// The city is empty.
    #[error("la commune est vide : saisissez-la avant d'imprimer le courrier")]
    MissingCity,
    /// The postcode is not 5 digits.
    #[error("le code postal doit comporter 5 chiffres : « {postcode} » lu ; corrigez-le")]
    Postcode {
        /// The postcode as given.
        postcode: String,
    },
    /// A line is still longer than 38 characters after every abbreviation.
    #[error("la ligne « {line} » dépasse 38 caractères même abrégée ({len} caractères) : raccourcissez-la dans le dossier")]
    LineTooLong {
        /// The line after abbreviation.
        line: String,
        /// Its length in characters.
        len: usize,
    },
}

impl AddressError {
    /// The stable code of this error, for the UI and the JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            AddressError::MissingName => "MISSING_NAME",
            AddressError::MissingStreet => "MISSING_STREET",
            AddressError::MissingCity => "MISSING_CITY",
            AddressError::Postcode { .. } => "POSTCODE",
            AddressError::LineTooLong { .. } => "LINE_TOO_LONG",
        }
    }
}

/// Abbreviations of the norm, in the order they are tried on a line that is
/// too long: types of street, then titles and common words, then the words of
/// delivery-point complements. Keys are written as they are after
/// [`normalise`] (capitals, no accents, no punctuation).
const ABBREVIATIONS: &[(&str, &str)] = &[
    // Types of street (La Poste's list of "types de voie").
    ("BOULEVARD", "BD"),
    ("AVENUE", "AV"),
    ("FAUBOURG", "FG"),
    ("IMPASSE", "IMP"),
    ("ALLEE", "ALL"),
    ("ALLEES", "ALL"),
    ("PLACE", "PL"),
    ("CHEMIN", "CHE"),
    ("ROUTE", "RTE"),
    ("RESIDENCE", "RES"),
    ("LOTISSEMENT", "LOT"),
    ("PROMENADE", "PROM"),
    ("QUARTIER", "QUA"),
    ("SQUARE", "SQ"),
    ("CARREFOUR", "CAR"),
    ("CHAUSSEE", "CHS"),
    ("COURS", "CRS"),
    ("DOMAINE", "DOM"),
    ("ESPLANADE", "ESP"),
    ("HAMEAU", "HAM"),
    ("LIEU DIT", "LD"),
    ("MONTEE", "MTE"),
    ("PASSAGE", "PAS"),
    ("ROND POINT", "RPT"),
    ("RUELLE", "RLE"),
    ("SENTIER", "SEN"),
    ("TRAVERSE", "TRA"),
    ("VILLA", "VLA"),
    ("VILLAGE", "VLGE"),
    ("GRANDE RUE", "GR"),
    // Titles and common words of street names.
    ("SAINT", "ST"),
    ("SAINTE", "STE"),
    ("NOTRE DAME", "ND"),
    ("GENERAL", "GAL"),
    ("MARECHAL", "MAL"),
    ("PRESIDENT", "PDT"),
    ("DOCTEUR", "DR"),
    ("PROFESSEUR", "PR"),
    ("COMMANDANT", "CDT"),
    ("CAPITAINE", "CNE"),
    ("LIEUTENANT", "LT"),
    ("MONSEIGNEUR", "MGR"),
    ("ABBE", "ABBE"),
    // Delivery-point and building complements.
    ("APPARTEMENT", "APT"),
    ("BATIMENT", "BAT"),
    ("ESCALIER", "ESC"),
    ("IMMEUBLE", "IMM"),
    ("ENTREE", "ENT"),
    ("ETAGE", "ETG"),
    ("BOITE POSTALE", "BP"),
];

/// Abbreviations of city names, tried only when `POSTCODE CITY` is too long.
const CITY_ABBREVIATIONS: &[(&str, &str)] = &[("SAINT", "ST"), ("SAINTE", "STE")];

/// Builds the recipient block of a letter from the applicant's details.
///
/// `first_names` may hold several given names (`Marie Claire`); only the first
/// is kept when the line would be too long. `complement` is the delivery-point
/// complement (apartment, floor, staircase, building); `street` is the number
/// and the way, or a lieu-dit. The postcode must be 5 digits; `city` may carry
/// `CEDEX` and its number.
pub fn build(
    civility: Option<Civility>,
    first_names: &str,
    last_name: &str,
    complement: Option<&str>,
    street: &str,
    postcode: &str,
    city: &str,
) -> Result<PostalAddress, AddressError> {
    let mut lines = Vec::with_capacity(4);
    lines.push(name_line(civility, first_names, last_name)?);
    if let Some(c) = complement {
        let c = normalise(c, false);
        if !c.is_empty() {
            lines.push(fit(&c, ABBREVIATIONS)?);
        }
    }
    let street = normalise(street, false);
    if street.is_empty() {
        return Err(AddressError::MissingStreet);
    }
    lines.push(fit(&street, ABBREVIATIONS)?);
    lines.push(city_line(postcode, city)?);
    debug_assert!(lines.len() <= MAX_LINES);
    Ok(PostalAddress { lines })
}

fn name_line(
    civility: Option<Civility>,
    first_names: &str,
    last_name: &str,
) -> Result<String, AddressError> {
    let last = normalise(last_name, true);
    if last.is_empty() {
        return Err(AddressError::MissingName);
    }
    let firsts = normalise(first_names, true);
    let first = firsts.split(' ').next().unwrap_or("").to_string();
    let initial: String = first.chars().take(1).collect();
    let (long, short) = match civility {
        Some(Civility::Madame) => ("MADAME", "MME"),
        Some(Civility::Monsieur) => ("MONSIEUR", "M"),
        None => ("", ""),
    };
    let candidates = [
        (long, firsts.as_str()),
        (long, first.as_str()),
        (short, first.as_str()),
        (short, initial.as_str()),
        (short, ""),
    ];
    let join = |civ: &str, first: &str| {
        [civ, first, last.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    candidates
        .iter()
        .map(|(civ, first)| join(civ, first))
        .find(|l| l.chars().count() <= MAX_LINE_CHARS)
        .ok_or_else(|| too_long(join(short, "")))
}

fn city_line(postcode: &str, city: &str) -> Result<String, AddressError> {
    let pc: String = postcode.chars().filter(|c| !c.is_whitespace()).collect();
    if pc.len() != 5 || !pc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AddressError::Postcode {
            postcode: postcode.to_string(),
        });
    }
    let city = normalise(city, false);
    if city.is_empty() {
        return Err(AddressError::MissingCity);
    }
    fit(&format!("{pc} {city}"), CITY_ABBREVIATIONS)
}

fn too_long(line: String) -> AddressError {
    let len = line.chars().count();
    AddressError::LineTooLong { line, len }
}

/// Applies abbreviations one rule at a time until the line fits.
fn fit(line: &str, rules: &[(&str, &str)]) -> Result<String, AddressError> {
    let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
    let len = |w: &[String]| w.iter().map(|s| s.chars().count()).sum::<usize>() + w.len() - 1;
    for (long, short) in rules {
        if len(&words) <= MAX_LINE_CHARS {
            break;
        }
        words = replace_words(&words, long, short);
    }
    let line = words.join(" ");
    if line.chars().count() > MAX_LINE_CHARS {
        return Err(too_long(line));
    }
    Ok(line)
}

/// Replaces every whole-word occurrence of `long` (one or more words) by `short`.
fn replace_words(words: &[String], long: &str, short: &str) -> Vec<String> {
    let pattern: Vec<&str> = long.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let end = i + pattern.len();
        if end <= words.len() && words[i..end].iter().zip(&pattern).all(|(w, p)| w == p) {
            out.push(short.to_string());
            i = end;
        } else {
            out.push(words[i].clone());
            i += 1;
        }
    }
    out
}

/// Capitals without accents, punctuation turned into spaces, spaces collapsed.
/// `keep_name_marks` keeps hyphens and apostrophes (for the name line).
fn normalise(s: &str, keep_name_marks: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\'' | '’' | 'ʼ' | '`' if keep_name_marks => out.push('\''),
            '-' | '‐' | '‑' | '–' if keep_name_marks => out.push('-'),
            c if c.is_alphanumeric() => push_plain_upper(&mut out, c),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Pushes `c` in capitals with its accent removed (`é` → `E`, `œ` → `OE`).
fn push_plain_upper(out: &mut String, c: char) {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'æ' | 'Æ' => "AE",
        'ç' | 'Ç' => "C",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'ñ' | 'Ñ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
        'œ' | 'Œ' => "OE",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "Y",
        'ß' => "SS",
        _ => {
            out.extend(c.to_uppercase());
            return;
        }
    };
    out.push_str(plain);
}

#[cfg(test)]
// One column per argument of `build` makes the tables read like the address form.
#[allow(clippy::too_many_arguments)]
mod tests {
    use super::*;
    use rstest::rstest;

    const MME: Option<Civility> = Some(Civility::Madame);
    const M: Option<Civility> = Some(Civility::Monsieur);

    fn check(
        civility: Option<Civility>,
        first: &str,
        last: &str,
        complement: Option<&str>,
        street: &str,
        postcode: &str,
        city: &str,
        expected: &[&str],
    ) {
        let got = build(civility, first, last, complement, street, postcode, city)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.lines, expected, "address block");
        assert!(got.lines.len() <= MAX_LINES, "at most 6 lines");
        for l in &got.lines {
            assert!(
                l.chars().count() <= MAX_LINE_CHARS,
                "{l:?} is within 38 characters"
            );
            assert_eq!(l, &l.to_uppercase(), "{l:?} is in capitals");
            assert!(l.is_ascii(), "{l:?} has no accents");
        }
    }

    #[rstest]
    #[case::plain(MME, "Marie", "Dupont", None, "12 rue de la Paix", "75002", "Paris",
        &["MADAME MARIE DUPONT", "12 RUE DE LA PAIX", "75002 PARIS"])]
    #[case::complement(M, "Jean", "Martin", Some("Appartement 12, escalier B"), "3 avenue Foch", "69006", "Lyon",
        &["MONSIEUR JEAN MARTIN", "APPARTEMENT 12 ESCALIER B", "3 AVENUE FOCH", "69006 LYON"])]
    #[case::accents_and_hyphens(MME, "Hélène", "Lefèvre", None, "5 rue de l'Église", "97110", "Pointe-à-Pitre",
        &["MADAME HELENE LEFEVRE", "5 RUE DE L EGLISE", "97110 POINTE A PITRE"])]
    #[case::name_marks_kept(M, "Jean-Pierre", "d'Almeida", None, "1 place du Marché", "13001", "Marseille",
        &["MONSIEUR JEAN-PIERRE D'ALMEIDA", "1 PLACE DU MARCHE", "13001 MARSEILLE"])]
    #[case::no_civility(None, "Alex", "Durand", None, "8 chemin des Vignes", "33000", "Bordeaux",
        &["ALEX DURAND", "8 CHEMIN DES VIGNES", "33000 BORDEAUX"])]
    #[case::cedex_kept(None, "", "MCF", None, "Libre réponse 78788", "59889", "Lille Cedex 9",
        &["MCF", "LIBRE REPONSE 78788", "59889 LILLE CEDEX 9"])]
    #[case::ligature_and_spaces(MME, "  Zoé ", " Cœur  ", None, "2, rue   Gœthe.", "67000", "Strasbourg",
        &["MADAME ZOE COEUR", "2 RUE GOETHE", "67000 STRASBOURG"])]
    #[case::postcode_with_space(M, "Luc", "Petit", None, "4 rue Haute", "59 000", "Lille",
        &["MONSIEUR LUC PETIT", "4 RUE HAUTE", "59000 LILLE"])]
    #[case::saint_kept_when_it_fits(M, "Paul", "Roux", None, "9 rue Sainte-Catherine", "42000", "Saint-Étienne",
        &["MONSIEUR PAUL ROUX", "9 RUE SAINTE CATHERINE", "42000 SAINT ETIENNE"])]
    fn builds(
        #[case] civility: Option<Civility>,
        #[case] first: &str,
        #[case] last: &str,
        #[case] complement: Option<&str>,
        #[case] street: &str,
        #[case] postcode: &str,
        #[case] city: &str,
        #[case] expected: &[&str],
    ) {
        check(
            civility, first, last, complement, street, postcode, city, expected,
        );
    }

    #[rstest]
    #[case::boulevard(
        "12 boulevard du Maréchal de Lattre Tassigny",
        "12 BD DU MARECHAL DE LATTRE TASSIGNY"
    )]
    #[case::boulevard_then_title(
        "112 boulevard du Maréchal Leclerc de Hauteclocque",
        "112 BD DU MAL LECLERC DE HAUTECLOCQUE"
    )]
    #[case::avenue(
        "147 avenue du Président Franklin Roosevelt",
        "147 AV DU PRESIDENT FRANKLIN ROOSEVELT"
    )]
    #[case::avenue_then_president(
        "1147 avenue du Président Franklin D. Roosevelt",
        "1147 AV DU PDT FRANKLIN D ROOSEVELT"
    )]
    #[case::route(
        "route de la Forêt domaniale de Compiègne",
        "RTE DE LA FORET DOMANIALE DE COMPIEGNE"
    )]
    #[case::impasse(
        "3 impasse des Anciennes Écuries du Château",
        "3 IMP DES ANCIENNES ECURIES DU CHATEAU"
    )]
    #[case::allee(
        "15 allée des Jardins Suspendus de Reims",
        "15 ALL DES JARDINS SUSPENDUS DE REIMS"
    )]
    #[case::place(
        "12 place de la Libération et de la Paix",
        "12 PL DE LA LIBERATION ET DE LA PAIX"
    )]
    #[case::chemin(
        "7 chemin des Grandes Terres du Moulin Bas",
        "7 CHE DES GRANDES TERRES DU MOULIN BAS"
    )]
    #[case::faubourg(
        "114 rue du Faubourg Saint-Honoré Prolongée",
        "114 RUE DU FG SAINT HONORE PROLONGEE"
    )]
    #[case::saint(
        "114 rue du Faubourg Saint-Honoré Prolongée Bis",
        "114 RUE DU FG ST HONORE PROLONGEE BIS"
    )]
    #[case::sainte(
        "10 rue de la Grande Sainte-Marguerite Sud",
        "10 RUE DE LA GRANDE STE MARGUERITE SUD"
    )]
    #[case::rond_point(
        "Rond-Point du Général Charles de Gaulle",
        "RPT DU GENERAL CHARLES DE GAULLE"
    )]
    #[case::short_untouched("1 rue de la Paix", "1 RUE DE LA PAIX")]
    fn street_abbreviations(#[case] street: &str, #[case] expected: &str) {
        let got = build(None, "", "X", None, street, "75001", "Paris").unwrap();
        assert_eq!(got.lines[1], expected, "street line of {street:?}");
        assert!(got.lines[1].len() <= MAX_LINE_CHARS);
    }

    #[rstest]
    #[case::appartement(
        "Appartement 1204, bâtiment des Tilleuls Est",
        "APT 1204 BATIMENT DES TILLEULS EST"
    )]
    #[case::batiment(
        "Appartement 1204, bâtiment des Tilleuls Nord-Est",
        "APT 1204 BAT DES TILLEULS NORD EST"
    )]
    #[case::escalier(
        "Résidence les Acacias, escalier C, étage 4",
        "RES LES ACACIAS ESCALIER C ETAGE 4"
    )]
    #[case::all_of_them(
        "Résidence des Acacias, bâtiment C, escalier 4, appartement 12",
        "RES DES ACACIAS BAT C ESC 4 APT 12"
    )]
    fn complement_abbreviations(#[case] complement: &str, #[case] expected: &str) {
        let got = build(None, "", "X", Some(complement), "1 rue A", "75001", "Paris").unwrap();
        assert_eq!(got.lines[1], expected, "complement line of {complement:?}");
    }

    #[rstest]
    #[case::first_given_name_only(
        MME,
        "Marie-Christine Anne",
        "Dupont-Laroche",
        "MADAME MARIE-CHRISTINE DUPONT-LAROCHE"
    )]
    #[case::short_civility(
        MME,
        "Marie-Christine Anne",
        "Lafayette-Duchêne",
        "MME MARIE-CHRISTINE LAFAYETTE-DUCHENE"
    )]
    #[case::initial(
        M,
        "Jean-Baptiste",
        "de la Tour d'Auvergne-Lauraguais",
        "M J DE LA TOUR D'AUVERGNE-LAURAGUAIS"
    )]
    #[case::all_names_fit(M, "Jean Paul", "Dupont", "MONSIEUR JEAN PAUL DUPONT")]
    fn long_names(
        #[case] civility: Option<Civility>,
        #[case] first: &str,
        #[case] last: &str,
        #[case] expected: &str,
    ) {
        let got = build(civility, first, last, None, "1 rue A", "75001", "Paris").unwrap();
        assert_eq!(got.lines[0], expected);
    }

    #[rstest]
    #[case::saint(
        "97133",
        "Saint-Barthélemy-de-Bussière-le-Bas",
        "97133 ST BARTHELEMY DE BUSSIERE LE BAS"
    )]
    #[case::sainte(
        "31000",
        "Sainte-Foy-de-Peyrolières-sur-Tarn",
        "31000 STE FOY DE PEYROLIERES SUR TARN"
    )]
    #[case::short_saint_kept("42000", "Saint-Étienne", "42000 SAINT ETIENNE")]
    #[case::cedex("59889", "Lille Cedex 9", "59889 LILLE CEDEX 9")]
    #[case::outre_mer("97110", "Pointe-à-Pitre", "97110 POINTE A PITRE")]
    fn city_lines(#[case] postcode: &str, #[case] city: &str, #[case] expected: &str) {
        let got = build(None, "", "X", None, "1 rue A", postcode, city).unwrap();
        assert_eq!(got.last_line(), expected);
    }

    #[rstest]
    #[case::no_name(MME, "Marie", " ", "1 rue A", "75001", "Paris", "MISSING_NAME")]
    #[case::no_street(MME, "Marie", "Curie", "  ", "75001", "Paris", "MISSING_STREET")]
    #[case::no_city(MME, "Marie", "Curie", "1 rue A", "75001", "-", "MISSING_CITY")]
    #[case::short_postcode(MME, "Marie", "Curie", "1 rue A", "7500", "Paris", "POSTCODE")]
    #[case::letter_in_postcode(MME, "Marie", "Curie", "1 rue A", "7500A", "Paris", "POSTCODE")]
    #[case::street_too_long(
        None,
        "",
        "X",
        "1 rue des Très Longues Heures de la Nuit Étoilée",
        "75001",
        "Paris",
        "LINE_TOO_LONG"
    )]
    #[case::name_too_long(
        MME,
        "Anne",
        "Abcdefghijklmnopqrstuvwxyzabcdefghijklmno",
        "1 rue A",
        "75001",
        "Paris",
        "LINE_TOO_LONG"
    )]
    #[case::city_too_long(
        None,
        "",
        "X",
        "1 rue A",
        "75001",
        "Villeneuve-la-Garenne-sur-Marne-et-Oise",
        "LINE_TOO_LONG"
    )]
    fn refuses(
        #[case] civility: Option<Civility>,
        #[case] first: &str,
        #[case] last: &str,
        #[case] street: &str,
        #[case] postcode: &str,
        #[case] city: &str,
        #[case] code: &str,
    ) {
        let got = build(civility, first, last, None, street, postcode, city);
        assert_eq!(
            got.as_ref().map_err(AddressError::code),
            Err(code),
            "{got:?}"
        );
    }

    #[test]
    fn too_long_says_what_to_do() {
        let err = build(
            None,
            "",
            "X",
            None,
            "1 rue des Très Longues Heures de la Nuit Étoilée",
            "75001",
            "Paris",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("38 caractères") && msg.contains("raccourcissez"),
            "{msg}"
        );
    }
}
