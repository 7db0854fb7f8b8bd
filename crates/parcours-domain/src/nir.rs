//! The French social security number (NIR, *numéro de sécurité sociale*), SPEC §2.
//!
//! A NIR is 15 characters: sex (1), year of birth (2), month of birth (2),
//! département of birth (2, `2A`/`2B` for Corsica), commune (3), order
//! number (3) and a 2-digit key. [`parse`] reports every problem of a value in
//! one pass so that a clerk can tell the applicant everything at once; the
//! consistency helpers on [`Nir`] compare it with the rest of the form.
//!
//! Pure functions only: no IO, no clock.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use thiserror::Error;

use crate::Civility;

/// Length of a complete NIR (13 characters and a 2-digit key).
pub const NIR_LEN: usize = 15;

/// A syntactically valid NIR whose key is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Nir {
    /// The 15 normalised characters, without spaces (`2A`/`2B` kept).
    pub value: String,
    /// Sex digit: 1, 3, 7 (male) or 2, 4, 8 (female).
    pub sex: u8,
    /// The last two digits of the year of birth.
    pub year: u8,
    /// The month code: 1–12 for a known month, 20–42 or 50–99 for an unknown one.
    pub month: u8,
    /// The département of birth: `01`–`95`, `2A`, `2B`, `99` (born abroad),
    /// or three characters for overseas births (`971`…`989`).
    pub department: String,
}

/// A problem found in a NIR.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NirError {
    /// The value does not have 15 characters once spaces are removed.
    #[error(
        "le numéro de sécurité sociale doit comporter 15 caractères (clé comprise), {found} lus"
    )]
    WrongLength {
        /// Number of characters found after normalisation.
        found: usize,
    },
    /// Characters other than digits (and `2A`/`2B` for the département).
    #[error("le numéro de sécurité sociale ne doit contenir que des chiffres (sauf 2A/2B pour la Corse) : « {chars} » incorrect")]
    InvalidCharacters {
        /// The offending characters, in order of appearance.
        chars: String,
    },
    /// The first digit is not 1, 2, 3, 4, 7 or 8.
    #[error("le premier chiffre du numéro de sécurité sociale (sexe) doit être 1 ou 2 (ou 3, 4, 7, 8) : « {digit} » lu")]
    InvalidSex {
        /// The first character as read.
        digit: char,
    },
    /// The month code is 00, 13–19 or 43–49.
    #[error("le mois de naissance du numéro de sécurité sociale est impossible : « {month} »")]
    InvalidMonth {
        /// The two month characters as read.
        month: String,
    },
    /// The département code is not one that exists.
    #[error(
        "le département de naissance du numéro de sécurité sociale est inconnu : « {department} »"
    )]
    InvalidDepartment {
        /// The two département characters as read.
        department: String,
    },
    /// The key (last two digits) does not match the first 13 characters.
    #[error("la clé du numéro de sécurité sociale est fausse : {found} lue, {expected:02} attendue ; vérifiez chaque chiffre")]
    WrongKey {
        /// The key computed from the first 13 characters.
        expected: u8,
        /// The key as read.
        found: String,
    },
}

impl NirError {
    /// The stable code of this error, for the UI and the JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            NirError::WrongLength { .. } => "WRONG_LENGTH",
            NirError::InvalidCharacters { .. } => "INVALID_CHARACTERS",
            NirError::InvalidSex { .. } => "INVALID_SEX",
            NirError::InvalidMonth { .. } => "INVALID_MONTH",
            NirError::InvalidDepartment { .. } => "INVALID_DEPARTMENT",
            NirError::WrongKey { .. } => "WRONG_KEY",
        }
    }
}

/// Removes spaces (any whitespace), dots and dashes, and upper-cases (`2a` → `2A`).
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// The 13 first characters as a number for the key, `2A` → 19 and `2B` → 18.
fn key_number(first13: &str) -> Option<u64> {
    let b = first13.as_bytes();
    if b.len() != 13 {
        return None;
    }
    let mut n: u64 = 0;
    for (i, &c) in b.iter().enumerate() {
        let d = match (i, c) {
            (5, b'2') if matches!(b[6], b'A' | b'B') => 1,
            (_, b'0'..=b'9') => u64::from(c - b'0'),
            (6, b'A') if b[5] == b'2' => 9,
            (6, b'B') if b[5] == b'2' => 8,
            _ => return None,
        };
        n = n * 10 + d;
    }
    Some(n)
}

/// The key of the 13 first characters of a NIR (`97 − n mod 97`, so 1–97),
/// or `None` when they are not 13 digits (with `2A`/`2B` allowed as département).
///
/// The input is normalised first, so spaces and a lower-case `2a` are fine.
pub fn key(first13: &str) -> Option<u8> {
    let n = key_number(&normalize(first13))?;
    // 97 - (n % 97) is in 1..=97, which fits a u8.
    Some((97 - n % 97) as u8)
}

fn two_digits(s: &str) -> Option<u8> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn department_valid(dept: &str) -> bool {
    match dept {
        "2A" | "2B" => true,
        _ => matches!(two_digits(dept), Some(1..=95 | 97..=99)),
    }
}

/// Parses a NIR, reporting every problem found (not only the first one).
///
/// The input is normalised with [`normalize`] first. Unknown-month codes
/// (20–42, 50–99) are accepted; see [`Nir::month_known`].
pub fn parse(input: &str) -> Result<Nir, Vec<NirError>> {
    let value = normalize(input);
    let mut errors = Vec::new();

    let chars: Vec<char> = value.chars().collect();
    if chars.len() != NIR_LEN {
        errors.push(NirError::WrongLength { found: chars.len() });
        let bad: String = chars
            .iter()
            .filter(|c| !c.is_ascii_digit() && !matches!(c, 'A' | 'B'))
            .collect();
        if !bad.is_empty() {
            errors.push(NirError::InvalidCharacters { chars: bad });
        }
        return Err(errors);
    }

    // Characters outside the département position must be digits; the
    // département has its own error.
    let bad: String = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| !matches!(i, 5 | 6) && !c.is_ascii_digit())
        .map(|(_, c)| *c)
        .collect();
    if !bad.is_empty() {
        errors.push(NirError::InvalidCharacters { chars: bad });
    }

    // All 15 characters are ASCII from here on only if the checks pass; slice
    // through the char vector to stay safe with any input.
    let part = |from: usize, to: usize| -> String { chars[from..to].iter().collect() };

    let sex_char = chars[0];
    let sex = sex_char.to_digit(10).map(|d| d as u8);
    if sex_char.is_ascii_digit() && !matches!(sex, Some(1 | 2 | 3 | 4 | 7 | 8)) {
        errors.push(NirError::InvalidSex { digit: sex_char });
    }

    let year = two_digits(&part(1, 3));

    let month_str = part(3, 5);
    let month = two_digits(&month_str);
    if let Some(m) = month {
        if matches!(m, 0 | 13..=19 | 43..=49) {
            errors.push(NirError::InvalidMonth { month: month_str });
        }
    }

    let dept_str = part(5, 7);
    if !department_valid(&dept_str) {
        errors.push(NirError::InvalidDepartment {
            department: dept_str.clone(),
        });
    }

    let key_str = part(13, 15);
    if let (Some(expected), Some(found)) = (key(&part(0, 13)), two_digits(&key_str)) {
        if expected != found {
            errors.push(NirError::WrongKey {
                expected,
                found: key_str,
            });
        }
    }

    match (errors.is_empty(), sex, year, month) {
        (true, Some(sex), Some(year), Some(month)) => {
            let department = if matches!(dept_str.as_str(), "97" | "98") {
                part(5, 8)
            } else {
                dept_str
            };
            Ok(Nir {
                value,
                sex,
                year,
                month,
                department,
            })
        }
        _ => Err(errors),
    }
}

impl Nir {
    /// Whether the month code is a real month (01–12) rather than an
    /// "unknown month" code (20–42, 50–99).
    pub fn month_known(&self) -> bool {
        (1..=12).contains(&self.month)
    }

    /// Whether the NIR agrees with a birth date: the year's last two digits
    /// must match, and the month too when the NIR's month is known.
    pub fn matches_birth_date(&self, birth: NaiveDate) -> bool {
        let year_ok = birth.year().rem_euclid(100) == i32::from(self.year);
        let month_ok = !self.month_known() || birth.month() == u32::from(self.month);
        year_ok && month_ok
    }

    /// Whether the sex digit agrees with the civility: 1, 3, 7 are male and
    /// 2, 4, 8 female. `None` when the digit says nothing about it.
    pub fn matches_civility(&self, civility: Civility) -> Option<bool> {
        let male = match self.sex {
            1 | 3 | 7 => true,
            2 | 4 | 8 => false,
            _ => return None,
        };
        Some(male == (civility == Civility::Monsieur))
    }

    /// The NIR grouped as on a carte Vitale: `1 71 07 59 350 123 45`.
    pub fn formatted(&self) -> String {
        let chars: Vec<char> = self.value.chars().collect();
        let mut out = String::with_capacity(chars.len() + 6);
        let mut start = 0;
        for len in [1, 2, 2, 2, 3, 3, 2] {
            let end = (start + len).min(chars.len());
            if start >= end {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.extend(&chars[start..end]);
            start = end;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The key computed by hand with the rule, independently of [`key`].
    fn key_by_rule(first13: &str) -> u8 {
        let digits = first13.replace("2A", "19").replace("2B", "18");
        (97 - digits.parse::<u64>().unwrap() % 97) as u8
    }

    fn codes(input: &str) -> Vec<&'static str> {
        match parse(input) {
            Ok(_) => vec![],
            Err(errors) => errors.iter().map(NirError::code).collect(),
        }
    }

    #[rstest]
    #[case::insee_example("184127645108946")]
    #[case::sample_born_abroad("284999912269342")]
    #[case::sample_2("242073155596764")]
    #[case::sample_3("170019306652457")]
    #[case::sample_4("269062432284314")]
    #[case::sample_5("188019304876952")]
    #[case::sample_6("180027401025310")]
    #[case::sample_7("189089201276859")]
    #[case::sample_8("293089122853790")]
    #[case::corsica_2a("180052A00412310")]
    #[case::corsica_2b("275122B05000750")]
    #[case::corsica_2b_lower_case("2 75 12 2b 050 007 50")]
    #[case::overseas_971("290129710501286")]
    #[case::corsica_before_1976("171072059350162")]
    #[case::unknown_month_30("171305935012361")]
    #[case::unknown_month_99("285995935012341")]
    #[case::special_registration_3("301019835012331")]
    #[case::temporary_number_7("789051234567822")]
    #[case::spaces("1 84 12 76 451 089 46")]
    #[case::dots_dashes_tabs("1.84.12-76-451\t089 46")]
    fn valid(#[case] input: &str) {
        let nir = parse(input).unwrap_or_else(|e| panic!("{input} should be valid: {e:?}"));
        assert_eq!(nir.value.len(), NIR_LEN, "normalised NIR is 15 characters");
        assert_eq!(
            Some(key_by_rule(&nir.value[..13])),
            nir.value[13..].parse().ok(),
            "test vector's key must follow the rule"
        );
    }

    #[rstest]
    #[case::wrong_key("184127645108947", &["WRONG_KEY"])]
    #[case::swapped_digits("184127645108964", &["WRONG_KEY"])]
    #[case::corsica_key_as_20("180052A00412380", &["WRONG_KEY"])]
    #[case::month_13("171135935012380", &["INVALID_MONTH"])]
    #[case::month_45("275455935012355", &["INVALID_MONTH"])]
    #[case::month_00("171005935012366", &["INVALID_MONTH"])]
    #[case::sex_5("571125935012358", &["INVALID_SEX"])]
    #[case::dept_00("171070035012325", &["INVALID_DEPARTMENT"])]
    #[case::dept_96("171079635012352", &["INVALID_DEPARTMENT"])]
    #[case::dept_2c("171072C35012350", &["INVALID_DEPARTMENT"])]
    #[case::too_short("18412764510894", &["WRONG_LENGTH"])]
    #[case::too_long("1841276451089460", &["WRONG_LENGTH"])]
    #[case::empty("", &["WRONG_LENGTH"])]
    #[case::letter_o("1841276451O8946", &["INVALID_CHARACTERS"])]
    #[case::several("013135935012300", &["INVALID_SEX", "INVALID_MONTH", "WRONG_KEY"])]
    fn invalid(#[case] input: &str, #[case] expected: &[&str]) {
        assert_eq!(codes(input), expected, "every problem of {input} reported");
    }

    #[test]
    fn wrong_key_message_says_expected_key() {
        let errors = parse("184127645108947").unwrap_err();
        assert_eq!(
            errors[0],
            NirError::WrongKey {
                expected: 46,
                found: "47".into()
            }
        );
        assert!(
            errors[0].to_string().contains("46 attendue"),
            "{}",
            errors[0]
        );
    }

    #[rstest]
    #[case::insee_example("1841276451089", Some(46))]
    #[case::corsica_2a("180052A004123", Some(10))]
    #[case::corsica_lower_case("1 80 05 2a 004 123", Some(10))]
    #[case::key_97("0000000000000", Some(97))]
    #[case::too_short("184127645108", None)]
    #[case::letter("18412764510X9", None)]
    fn key_cases(#[case] input: &str, #[case] expected: Option<u8>) {
        assert_eq!(key(input), expected);
    }

    #[test]
    fn parsed_fields() {
        let nir = parse("2 90 12 97 105 012 86").unwrap();
        assert_eq!(nir.sex, 2);
        assert_eq!(nir.year, 90);
        assert_eq!(nir.month, 12);
        assert_eq!(nir.department, "971", "overseas départements have 3 digits");
        let corsica = parse("180052a00412310").unwrap();
        assert_eq!(corsica.value, "180052A00412310", "2A kept upper-case");
        assert_eq!(corsica.department, "2A");
        assert_eq!(parse("284999912269342").unwrap().department, "99");
    }

    #[rstest]
    #[case::same_month("242073155596764", date(1942, 7, 3), true)]
    #[case::other_month("242073155596764", date(1942, 11, 15), false)]
    #[case::other_century_same_digits("242073155596764", date(2042, 7, 3), true)]
    #[case::other_year("242073155596764", date(1943, 7, 3), false)]
    #[case::unknown_month_any_month("171305935012361", date(1971, 4, 9), true)]
    #[case::unknown_month_wrong_year("171305935012361", date(1972, 4, 9), false)]
    fn birth_date(#[case] nir: &str, #[case] birth: NaiveDate, #[case] expected: bool) {
        assert_eq!(parse(nir).unwrap().matches_birth_date(birth), expected);
    }

    #[rstest]
    #[case::male_monsieur("184127645108946", Civility::Monsieur, Some(true))]
    #[case::male_madame("184127645108946", Civility::Madame, Some(false))]
    #[case::female_madame("284999912269342", Civility::Madame, Some(true))]
    #[case::female_monsieur("284999912269342", Civility::Monsieur, Some(false))]
    #[case::special_3_monsieur("301019835012331", Civility::Monsieur, Some(true))]
    #[case::temporary_7_madame("789051234567822", Civility::Madame, Some(false))]
    fn civility_consistency(
        #[case] nir: &str,
        #[case] civility: Civility,
        #[case] expected: Option<bool>,
    ) {
        assert_eq!(parse(nir).unwrap().matches_civility(civility), expected);
    }

    #[test]
    fn civility_unknowable_for_unexpected_digit() {
        let mut nir = parse("184127645108946").unwrap();
        nir.sex = 5;
        assert_eq!(nir.matches_civility(Civility::Madame), None);
    }

    #[rstest]
    #[case::metropolitan("184127645108946", "1 84 12 76 451 089 46")]
    #[case::corsica("180052A00412310", "1 80 05 2A 004 123 10")]
    fn formatted(#[case] nir: &str, #[case] expected: &str) {
        let nir = parse(nir).unwrap();
        assert_eq!(nir.formatted(), expected);
        assert_eq!(
            parse(&nir.formatted()).unwrap(),
            nir,
            "formatted form parses back"
        );
    }

    #[test]
    fn month_known() {
        assert!(parse("184127645108946").unwrap().month_known());
        assert!(!parse("171305935012361").unwrap().month_known());
    }

    #[test]
    fn non_ascii_input_does_not_panic() {
        assert_eq!(codes("1é4127645108946"), ["INVALID_CHARACTERS"]);
    }
}
