//! One-time activation codes and French dates.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use sha2::{Digest, Sha256};

/// The characters of an activation code: capitals and digits without the
/// ones read one for another (`0`/`O`, `1`/`I`/`L`), 31 symbols.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Groups of [`CODE_GROUP_LEN`] characters in an activation code.
pub const CODE_GROUPS: usize = 4;
/// Characters per group of an activation code.
pub const CODE_GROUP_LEN: usize = 4;

/// A new one-time activation code, `7KQF-M3XR-9TWA-HC2P`: 16 characters of
/// [`CODE_ALPHABET`] in 4 groups (about 79 bits). Print it once; store only
/// [`hash_activation_code`] of it.
pub fn new_activation_code<R: Rng + ?Sized>(rng: &mut R) -> String {
    let groups: Vec<String> = (0..CODE_GROUPS)
        .map(|_| {
            (0..CODE_GROUP_LEN)
                .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    groups.join("-")
}

/// The code as compared: its letters and digits only, in capitals.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The SHA-256 (lower-case hex) of an activation code, the only form stored.
/// Case, spaces and hyphens are ignored, so `7kqf m3xr 9twa hc2p` as typed by
/// the applicant hashes like the printed `7KQF-M3XR-9TWA-HC2P`.
pub fn hash_activation_code(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_code(code).as_bytes()))
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date as written in a French letter: `3 décembre 2026`, `1er mai 2027`.
pub fn french_date(d: NaiveDate) -> String {
    let day = match d.day() {
        1 => "1er".to_string(),
        n => n.to_string(),
    };
    format!("{day} {} {}", MONTHS[d.month0() as usize], d.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(french_date(d(2026, 12, 3)), "3 décembre 2026");
        assert_eq!(french_date(d(2026, 12, 1)), "1er décembre 2026");
        assert_eq!(french_date(d(2027, 8, 15)), "15 août 2027");
        assert_eq!(french_date(d(2027, 2, 28)), "28 février 2027");
        assert_eq!(french_date(d(2027, 1, 31)), "31 janvier 2027");
    }

    #[test]
    fn codes_are_grouped_and_unambiguous() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let code = new_activation_code(&mut rng);
            assert_eq!(code.len(), 19, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 4, "{code}");
            for g in groups {
                assert_eq!(g.len(), 4);
                assert!(g.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
            }
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
            assert!(seen.insert(code), "codes do not repeat");
        }
    }

    #[test]
    fn hash_ignores_case_spaces_and_hyphens() {
        let h = hash_activation_code("7KQF-M3XR-9TWA-HC2P");
        assert_eq!(h.len(), 64);
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(hash_activation_code("7kqf m3xr 9twa hc2p"), h);
        assert_eq!(hash_activation_code(" 7KQFM3XR9TWAHC2P\n"), h);
        assert_ne!(hash_activation_code("7KQF-M3XR-9TWA-HC2Q"), h);
        // SHA-256 of "ABC", a published test vector.
        assert_eq!(
            hash_activation_code("a-b-c"),
            "b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78"
        );
    }
}
