//! UPU S10 item identifiers, the numbers of registered letters (SPEC §6).
//!
//! An S10 identifier is 13 characters: two service letters (`RA`…`RZ` for
//! registered letters), an 8-digit serial, a check digit (weights
//! 8 6 4 2 3 5 9 7, mod 11, 10 → 0 and 11 → 5) and the issuing country's
//! two letters, e.g. `RA123456785FR`.
//!
//! Pure functions only: no IO, no clock; allocating serials is the caller's job.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

/// The largest serial an S10 identifier can carry (8 digits).
pub const MAX_SERIAL: u32 = 99_999_999;

const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

/// An S10 identifier whose check digit is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct S10 {
    /// The two upper-case service indicator letters (`RA` for a registered letter).
    pub service: String,
    /// The 8-digit serial, 0 to [`MAX_SERIAL`].
    pub serial: u32,
    /// The check digit computed from the serial.
    pub check: u8,
    /// The two upper-case letters of the issuing country (`FR`).
    pub country: String,
}

/// Why a value is not an S10 identifier.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum S10Error {
    /// Not 13 characters, or the 9 middle characters are not digits.
    #[error("un numéro de recommandé comporte 2 lettres, 9 chiffres et 2 lettres (ex. RA 123 456 785 FR) : « {value} » lu")]
    Format {
        /// The value after removing spaces and upper-casing.
        value: String,
    },
    /// The service indicator is not two letters A–Z.
    #[error("les deux premiers caractères du numéro de recommandé doivent être des lettres : « {service} » lu")]
    Service {
        /// The service characters as given.
        service: String,
    },
    /// The country code is not two letters A–Z.
    #[error("les deux derniers caractères du numéro de recommandé (pays) doivent être des lettres : « {country} » lu")]
    Country {
        /// The country characters as given.
        country: String,
    },
    /// The check digit does not match the serial.
    #[error("le chiffre de contrôle du numéro de recommandé est faux : {found} lu, {expected} attendu ; vérifiez chaque chiffre")]
    CheckDigit {
        /// The check digit computed from the serial.
        expected: u8,
        /// The check digit as read.
        found: u8,
    },
    /// The serial does not fit in 8 digits.
    #[error("le numéro de série d'un recommandé a au plus 8 chiffres : {serial} est trop grand")]
    SerialOutOfRange {
        /// The serial given.
        serial: u32,
    },
}

impl S10Error {
    /// The stable code of this error, for the UI and the JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            S10Error::Format { .. } => "FORMAT",
            S10Error::Service { .. } => "SERVICE",
            S10Error::Country { .. } => "COUNTRY",
            S10Error::CheckDigit { .. } => "CHECK_DIGIT",
            S10Error::SerialOutOfRange { .. } => "SERIAL_OUT_OF_RANGE",
        }
    }
}

/// The S10 check digit of an 8-digit serial.
///
/// Only the last 8 digits of `serial` are used; [`S10::new`] rejects larger serials.
pub fn check_digit(serial: u32) -> u8 {
    let mut rest = serial % (MAX_SERIAL + 1);
    let mut sum = 0;
    // Walk the digits from the right, i.e. the weights from the end.
    for w in WEIGHTS.iter().rev() {
        sum += (rest % 10) * w;
        rest /= 10;
    }
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c as u8,
    }
}

fn two_letters(s: &str) -> Option<String> {
    let up = s.trim().to_ascii_uppercase();
    (up.len() == 2 && up.bytes().all(|b| b.is_ascii_uppercase())).then_some(up)
}

impl S10 {
    /// Builds an identifier from its parts, computing the check digit.
    /// Letters may be given in lower case.
    pub fn new(service: &str, serial: u32, country: &str) -> Result<S10, S10Error> {
        let service = two_letters(service).ok_or_else(|| S10Error::Service {
            service: service.to_string(),
        })?;
        let country = two_letters(country).ok_or_else(|| S10Error::Country {
            country: country.to_string(),
        })?;
        if serial > MAX_SERIAL {
            return Err(S10Error::SerialOutOfRange { serial });
        }
        Ok(S10 {
            service,
            serial,
            check: check_digit(serial),
            country,
        })
    }

    /// Parses an identifier as typed or scanned: spaces are ignored and
    /// letters may be lower case (`ra 123 456 785 fr`).
    pub fn parse(input: &str) -> Result<S10, S10Error> {
        let value: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        let format = || S10Error::Format {
            value: value.clone(),
        };
        if value.len() != 13 || !value.is_ascii() {
            return Err(format());
        }
        let (service, rest) = value.split_at(2);
        let (digits, country) = rest.split_at(9);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format());
        }
        let serial: u32 = digits[..8].parse().map_err(|_| format())?;
        let found = digits.as_bytes()[8] - b'0';
        let s10 = S10::new(service, serial, country)?;
        if s10.check != found {
            return Err(S10Error::CheckDigit {
                expected: s10.check,
                found,
            });
        }
        Ok(s10)
    }

    /// The 13 characters without spaces: `RA123456785FR` (as in the barcode).
    pub fn compact(&self) -> String {
        format!(
            "{}{:08}{}{}",
            self.service, self.serial, self.check, self.country
        )
    }

    /// The identifier grouped for reading: `RA 123 456 785 FR`.
    pub fn formatted(&self) -> String {
        let digits = format!("{:08}{}", self.serial, self.check);
        format!(
            "{} {} {} {} {}",
            self.service,
            &digits[0..3],
            &digits[3..6],
            &digits[6..9],
            self.country
        )
    }
}

impl fmt::Display for S10 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.compact())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    // The UPU S10 standard's example: S = 200, 200 mod 11 = 2, 11 - 2 = 9.
    #[case::upu_example(47312482, 9)]
    // SPEC §6 example: S = 204, 204 mod 11 = 6, 11 - 6 = 5.
    #[case::spec_example(12345678, 5)]
    // S = 7, 11 - 7 = 4.
    #[case::serial_1(1, 4)]
    // S = 9 (weight of the 7th digit), 11 - 9 = 2.
    #[case::serial_10(10, 2)]
    // S = 21, 21 mod 11 = 10, 11 - 10 = 1.
    #[case::serial_3(3, 1)]
    // S = 0, 11 - 0 = 11 → 5.
    #[case::eleven_gives_5(0, 5)]
    // S = 56, 56 mod 11 = 1, 11 - 1 = 10 → 0.
    #[case::ten_gives_0(8, 0)]
    // S = 396 = 36 × 11, → 11 → 5.
    #[case::max(99_999_999, 5)]
    fn check_digits(#[case] serial: u32, #[case] expected: u8) {
        assert_eq!(check_digit(serial), expected, "check digit of {serial:08}");
    }

    #[rstest]
    #[case::spec_example("RA123456785FR", "RA", 12345678, "FR")]
    #[case::upu_example("RB473124829CH", "RB", 47312482, "CH")]
    #[case::spaced_lower_case("ra 123 456 785 fr", "RA", 12345678, "FR")]
    #[case::leading_zeros("RA000000014FR", "RA", 1, "FR")]
    #[case::tabs_and_newline("\tRA123456785FR\n", "RA", 12345678, "FR")]
    fn parse_valid(
        #[case] input: &str,
        #[case] service: &str,
        #[case] serial: u32,
        #[case] country: &str,
    ) {
        assert_eq!(
            S10::parse(input),
            S10::new(service, serial, country),
            "{input} parses to its parts"
        );
    }

    #[rstest]
    #[case::wrong_check("RA123456784FR", "CHECK_DIGIT")]
    #[case::upu_wrong_check("RB473124824CH", "CHECK_DIGIT")]
    #[case::too_short("RA12345678FR", "FORMAT")]
    #[case::too_long("RA1234567855FR", "FORMAT")]
    #[case::letter_in_digits("RA12345O785FR", "FORMAT")]
    #[case::digit_in_service("R1123456785FR", "SERVICE")]
    #[case::digit_in_country("RA123456785F2", "COUNTRY")]
    #[case::non_ascii("RÀ123456785FR", "FORMAT")]
    #[case::empty("", "FORMAT")]
    fn parse_invalid(#[case] input: &str, #[case] code: &str) {
        assert_eq!(S10::parse(input).map_err(|e| e.code()), Err(code));
    }

    #[test]
    fn wrong_check_says_expected() {
        let err = S10::parse("RA123456784FR").unwrap_err();
        assert_eq!(
            err,
            S10Error::CheckDigit {
                expected: 5,
                found: 4
            }
        );
        assert!(err.to_string().contains("5 attendu"), "{err}");
    }

    #[rstest]
    #[case::ok("ra", 12345678, "fr", Ok("RA123456785FR"))]
    #[case::max("RA", MAX_SERIAL, "FR", Ok("RA999999995FR"))]
    #[case::serial_too_big("RA", 100_000_000, "FR", Err("SERIAL_OUT_OF_RANGE"))]
    #[case::bad_service("R", 1, "FR", Err("SERVICE"))]
    #[case::bad_country("RA", 1, "F R", Err("COUNTRY"))]
    fn new(
        #[case] service: &str,
        #[case] serial: u32,
        #[case] country: &str,
        #[case] expected: Result<&str, &str>,
    ) {
        let got = S10::new(service, serial, country);
        assert_eq!(
            got.as_ref().map(S10::compact).map_err(S10Error::code),
            expected.map(String::from)
        );
    }

    #[test]
    fn display_and_formatted() {
        let s10 = S10::new("RA", 12345678, "FR").unwrap();
        assert_eq!(s10.to_string(), "RA123456785FR");
        assert_eq!(s10.compact(), "RA123456785FR");
        assert_eq!(s10.formatted(), "RA 123 456 785 FR");
        assert_eq!(S10::parse(&s10.formatted()).unwrap(), s10);
        let small = S10::new("RA", 1, "FR").unwrap();
        assert_eq!(small.formatted(), "RA 000 000 014 FR");
    }

    #[test]
    fn every_check_digit_round_trips() {
        for serial in (0..MAX_SERIAL).step_by(9_973) {
            let s10 = S10::new("RA", serial, "FR").unwrap();
            assert_eq!(
                S10::parse(&s10.compact()),
                Ok(s10.clone()),
                "a built identifier must parse back"
            );
            let wrong = (s10.check + 1) % 10;
            let tampered = format!("RA{serial:08}{wrong}FR");
            assert!(S10::parse(&tampered).is_err(), "one wrong digit is caught");
        }
    }
}
