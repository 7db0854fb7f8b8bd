//! French communes and their postcodes (La Poste's base, `data/communes.tsv`,
//! made by `tools/communes.py`), to read handwritten place names: Tesseract
//! gets one or two letters of a handwritten name wrong (`KENNES`,
//! `STLRLASBOLRLO`), the postcode narrows the town to a handful of names, and
//! the nearest of them (or of all communes, for a birth place) is what was
//! written when it is near enough and nothing else is as near.

use std::collections::HashMap;
use std::sync::OnceLock;

use parcours_domain::values::fold_for_mrz;

/// Every commune name, and the names under each postcode.
pub struct Communes {
    names: Vec<(String, String)>,
    by_postcode: HashMap<String, Vec<usize>>,
}

/// The communes, parsed once.
pub fn communes() -> &'static Communes {
    static C: OnceLock<Communes> = OnceLock::new();
    C.get_or_init(|| Communes::parse(include_str!("../data/communes.tsv")))
}

/// A name as compared: capitals without accents, words separated by one
/// space (`Saint-Étienne` → `SAINT ETIENNE`).
fn fold(s: &str) -> String {
    fold_for_mrz(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Communes {
    fn parse(tsv: &str) -> Communes {
        let mut names: Vec<(String, String)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut by_postcode: HashMap<String, Vec<usize>> = HashMap::new();
        for (pc, name) in tsv.lines().filter_map(|l| l.split_once('\t')) {
            let i = *index.entry(name.to_string()).or_insert_with(|| {
                names.push((name.to_string(), fold(name)));
                names.len() - 1
            });
            by_postcode.entry(pc.to_string()).or_default().push(i);
        }
        Communes { names, by_postcode }
    }

    /// How many communes are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The commune nearest to `read` among those of `postcode` (all of them
    /// when `postcode` is None): its official name and the number of letters
    /// that differ. None when none is near enough (a quarter of the letters;
    /// half among a postcode's few names) or another is as near.
    pub fn nearest(&self, read: &str, postcode: Option<&str>) -> Option<(&str, usize)> {
        let r = fold(read);
        let pool: Vec<usize> = match postcode {
            Some(pc) => self.by_postcode.get(pc)?.clone(),
            None => (0..self.names.len()).collect(),
        };
        let limit = if postcode.is_some() {
            r.len() / 2
        } else {
            r.len() / 4
        };
        self.nearest_in(&r, pool, limit)
    }

    /// The name of `pool` nearest to the folded reading `r`, at most `limit`
    /// letters away and nearer than any other.
    fn nearest_in(&self, r: &str, pool: Vec<usize>, limit: usize) -> Option<(&str, usize)> {
        if r.len() < 3 {
            return None;
        }
        let (mut best, mut second): (Option<(usize, usize)>, usize) = (None, usize::MAX);
        for i in pool {
            let f = &self.names[i].1;
            if f.len().abs_diff(r.len()) > limit {
                continue;
            }
            let d = distance(r, f);
            match best {
                // The same name again (communes of one name in several
                // departments; `Côte d'Ivoire`, `Côte-d'Ivoire`): no doubt.
                Some((bi, bd)) if d == bd && *f == self.names[bi].1 => {}
                Some((_, bd)) if d >= bd => second = second.min(d),
                _ => {
                    if let Some((_, bd)) = best {
                        second = second.min(bd);
                    }
                    best = Some((i, d));
                }
            }
        }
        let (i, d) = best?;
        (d <= limit && second > d).then(|| (self.names[i].0.as_str(), d))
    }
}

/// Countries in French (ISO 3166 names, `data/countries.txt`, made by
/// `tools/countries.py`), to read a country of birth.
pub fn countries() -> &'static Communes {
    static C: OnceLock<Communes> = OnceLock::new();
    C.get_or_init(|| {
        let tsv: String = include_str!("../data/countries.txt")
            .lines()
            .map(|n| format!("\t{n}\n"))
            .collect();
        Communes::parse(&tsv)
    })
}

/// The country nearest to `read` (a third of its letters may differ).
pub fn country(read: &str) -> Option<(&'static str, usize)> {
    let c = countries();
    let r = fold(read);
    let limit = r.len() / 3;
    c.nearest_in(&r, (0..c.len()).collect(), limit)
}

/// Whether `read` may be a misreading of `name` (half its letters at most
/// differ), and by how many letters.
pub fn near(read: &str, name: &str) -> Option<usize> {
    let (r, n) = (fold(read), fold(name));
    let d = distance(&r, &n);
    (r.len() >= 3 && d <= r.len() / 2).then_some(d)
}

/// `name` in capitals as a hand writes it: with its accents when the box
/// shows as many marks above the letters as they need (`marks`), without
/// them otherwise (`Épinal` → `ÉPINAL` or `EPINAL`).
pub fn in_capitals(name: &str, marks: usize) -> String {
    let upper = name.to_uppercase();
    let needed = crate::form_read::expected_marks(&upper);
    if needed > 0 && marks >= needed {
        return upper;
    }
    upper
        .chars()
        .map(|c| match c {
            'Ç' if needed == 0 && marks > 0 => c.to_string(),
            c if c.is_ascii() => c.to_string(),
            c => fold_for_mrz(&c.to_string()),
        })
        .collect()
}

/// Levenshtein distance between two ASCII strings.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_loaded_with_cities_under_their_postcodes() {
        let c = communes();
        assert!(c.len() > 30_000, "{}", c.len());
        assert_eq!(c.nearest("LILLE", Some("59000")), Some(("Lille", 0)));
        // An arrondissement is the city.
        assert_eq!(c.nearest("PARIS", Some("75018")), Some(("Paris", 0)));
    }

    #[test]
    fn misread_names_come_back_when_near_enough() {
        let c = communes();
        assert_eq!(c.nearest("KENNES", Some("35000")), Some(("Rennes", 1)));
        assert_eq!(
            c.nearest("STLRLASBOLRLO", Some("67000")).map(|x| x.0),
            Some("Strasbourg")
        );
        assert_eq!(c.nearest("SAINT-ETIENNE", None), Some(("Saint-Étienne", 0)));
        // Too far from anything, or from the postcode's communes.
        assert_eq!(c.nearest("XQZWV", None), None);
        assert_eq!(c.nearest("MARSEILLE", Some("59000")), None);
        assert_eq!(c.nearest("LILLE", Some("00000")), None);
    }

    #[test]
    fn capitals_keep_the_accents_the_box_shows() {
        assert_eq!(in_capitals("Épinal", 1), "ÉPINAL");
        assert_eq!(in_capitals("Épinal", 0), "EPINAL");
        assert_eq!(in_capitals("Aulnay-sous-Bois", 0), "AULNAY-SOUS-BOIS");
        assert_eq!(in_capitals("L'Haÿ-les-Roses", 0), "L'HAY-LES-ROSES");
    }

    #[test]
    fn near_names() {
        assert_eq!(near("GOVEN", "Rouen"), Some(2));
        assert_eq!(near("NANCY", "Rouen"), None);
    }

    #[test]
    fn a_misread_country_is_the_nearest_one() {
        assert_eq!(country("TVKQUIE"), Some(("Turquie", 2)));
        assert_eq!(country("MAROG"), Some(("Maroc", 1)));
        assert_eq!(country("Francé"), Some(("France", 0)));
        assert_eq!(country("Viet Nam").map(|c| c.0), Some("Viêt Nam"));
        // Too far from any.
        assert_eq!(country("XQWZ"), None);
        // Two spellings of one name.
        assert_eq!(country("COTE D'IVOIRE").map(|c| c.0), Some("Côte d'Ivoire"));
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("KITTEN", "SITTING"), 3);
        assert_eq!(distance("", "ABC"), 3);
        assert_eq!(distance("ABC", "ABC"), 0);
    }
}
