//! Handwritten readings mended against what the envelope already says:
//! names against the ID's MRZ, e-mail addresses against the usual mail
//! domains and the applicant's names. Tesseract misreads handwritten
//! capitals a letter at a time (`HUBEKT`, `MAILLALD`, `WANADOD.FK`); a
//! reading a letter or two from what another part of the envelope spells is
//! that spelling, unless it is closer to a spelling an applicant might
//! really have written (`THOMA` for THOMAS, `BAUDRI` for BAUDRY): those are
//! left for the `ID_NAME_MISMATCH` check. Mended values stay unsure: the
//! clerk sees the box beside them.

use crate::communes::distance;
use parcours_domain::values::fold_for_mrz;

/// Spellings an applicant might write for the same sound, both ways.
const SOUNDS_ALIKE: [(&str, &str); 16] = [
    ("PH", "F"),
    ("Y", "I"),
    ("L", "LL"),
    ("T", "TT"),
    ("N", "NN"),
    ("R", "RR"),
    ("S", "SS"),
    ("M", "MM"),
    ("P", "PP"),
    ("EAU", "O"),
    ("AU", "O"),
    ("C", "K"),
    ("QU", "K"),
    ("S", "Z"),
    ("T", "D"),
    ("ER", "E"),
];

/// Letters only, folded as the MRZ writes them.
fn letters(s: &str) -> String {
    fold_for_mrz(s).replace('<', "")
}

/// `name` respelled once by each of `SOUNDS_ALIKE` (both ways, at every
/// place), with a final `E` added or dropped.
fn respellings(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (a, b) in SOUNDS_ALIKE.iter().flat_map(|&(a, b)| [(a, b), (b, a)]) {
        for (i, _) in name.match_indices(a) {
            out.push(format!("{}{b}{}", &name[..i], &name[i + a.len()..]));
        }
    }
    // A doubled letter written once.
    let b = name.as_bytes();
    for i in 1..b.len() {
        if b[i] == b[i - 1] {
            out.push(format!("{}{}", &name[..i], &name[i + 1..]));
        }
    }
    match name.strip_suffix('E') {
        Some(stem) => out.push(stem.to_string()),
        None => out.push(format!("{name}E")),
    }
    out.retain(|v| v != name);
    out
}

/// The MRZ's `name` written as the box shows it, when `read` is a misreading
/// of it: at most a third of its letters away (one at least), and nearer to
/// it than to any respelling. `truncated`: the MRZ holds only the start of
/// the names, and the reading's letters after it are kept.
///
/// The result keeps the reading's accents on letters it read right and its
/// separators (space, hyphen, apostrophe) where the MRZ has a filler.
pub(crate) fn name_from_mrz(read: &str, mrz: &str, truncated: bool) -> Option<String> {
    let (r, m) = (letters(read), letters(mrz));
    if m.len() < 2 || r.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    // With a truncated MRZ only as many letters of the reading as it has
    // are compared (give or take the misread ones).
    let compared = |r: &str, m: &str| -> (usize, usize) {
        if !truncated || r.len() <= m.len() {
            return (distance(r, m), r.len());
        }
        (m.len().saturating_sub(2)..=r.len().min(m.len() + 2))
            .map(|k| (distance(&r[..k], m), k))
            .min()
            .unwrap_or((usize::MAX, r.len()))
    };
    let (mut d, mut used) = compared(&r, &m);
    // A stray short word after the name (`MOULIN DE`): the MRZ's name.
    let mut read = read;
    if let Some((name, last)) = read.trim_end().rsplit_once(' ') {
        if d > 0 && last.chars().count() <= 2 && letters(name) == m {
            (d, used, read) = (1, m.len(), name);
        }
    }
    // Letters right: only a space the hand did not write (`LEROU X`) goes.
    let spaces = |s: &str| s.matches([' ', '<']).count();
    if d == 0 && (spaces(read) <= spaces(mrz) || read.contains('\'')) {
        return None;
    }
    if d > (m.len() / 3).max(1) {
        return None;
    }
    if respellings(&m).iter().any(|v| compared(&r, v).0 < d) {
        return None;
    }
    Some(rewrite(read, used, mrz))
}

/// Letters that print OCR takes one for another: a stroke (`I`, `L`, `T`,
/// `J`; a `Ł` it has no model of), a bowl (`O`, `Q`, `D`, `C`, `G`), `U`/`V`,
/// `E`/`F`, `M`/`N`.
const LOOK_ALIKE: [&str; 5] = ["ILTJ", "OQDCG", "UV", "EF", "MN"];

/// Whether typed `read` is `mrz` but for one letter taken for another of
/// the same shape (`LONESCU` for IONESCU, `PAWET` for PAWEŁ): a misreading,
/// where an applicant's own slip is a respelling (`Y` for `I`, `D` for `T`).
pub(crate) fn one_look_alike(read: &str, mrz: &str) -> bool {
    let (r, m): (Vec<char>, Vec<char>) = (
        letters(read).chars().collect(),
        letters(mrz).chars().collect(),
    );
    if r.len() != m.len() {
        return false;
    }
    let differ: Vec<(char, char)> = r.into_iter().zip(m).filter(|(a, b)| a != b).collect();
    matches!(differ.as_slice(), [(a, b)] if LOOK_ALIKE.iter().any(|s| s.contains(*a) && s.contains(*b)))
}

/// The first names as the MRZ spells them, when `read` misreads all of
/// them or the first few (a hand may write fewer than the ID lists).
pub(crate) fn given_names_from_mrz(
    read: &str,
    given: &[String],
    truncated: bool,
) -> Option<String> {
    (1..=given.len())
        .rev()
        .find_map(|k| name_from_mrz(read, &given[..k].join("<"), truncated && k == given.len()))
}

/// `mrz` written with the first `used` letters of `read`'s accents and
/// separators where they line up, then the rest of `read`.
fn rewrite(read: &str, used: usize, mrz: &str) -> String {
    // The reading's characters with their folded letters (a separator
    // folds to none).
    let mut cells: Vec<(char, Option<char>)> = Vec::new();
    for c in read.chars() {
        let f = letters(&c.to_string());
        match f.len() {
            0 => cells.push((c, None)),
            _ => f.chars().for_each(|l| cells.push((c, Some(l)))),
        }
    }
    let mut seen = 0;
    let cut = cells
        .iter()
        .position(|(_, l)| {
            seen += usize::from(l.is_some());
            seen > used
        })
        .unwrap_or(cells.len());
    let (head, tail) = cells.split_at(cut);
    let tail: String = tail.iter().map(|c| c.0).collect();
    // Align the head's letters with the MRZ's (fillers aside), keeping a
    // read character whose letter is the MRZ's.
    let read_letters: Vec<(usize, char)> = head
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.1?)))
        .collect();
    let mrz_letters: Vec<char> = mrz.chars().filter(|&c| c != '<').collect();
    let pairs = align(
        &read_letters.iter().map(|p| p.1).collect::<Vec<_>>(),
        &mrz_letters,
    );
    let mut out = String::new();
    let mut k = 0;
    for c in mrz.chars() {
        if c == '<' {
            // The separator the hand wrote between these names, if any.
            let sep = pairs
                .get(k)
                .and_then(|p| p.map(|i| read_letters[i].0))
                .and_then(|at| head[..at].iter().rev().find(|c| c.1.is_none()))
                .map_or(' ', |c| c.0);
            out.push(if sep == ' ' || sep == '-' || sep == '\'' {
                sep
            } else {
                ' '
            });
            continue;
        }
        let kept = pairs[k]
            .map(|i| head[read_letters[i].0].0)
            .filter(|&rc| letters(&rc.to_string()) == c.to_string());
        out.push(kept.unwrap_or(c));
        k += 1;
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if tail.trim().is_empty() {
        out
    } else {
        format!("{out}{tail}")
    }
}

/// For each of `b`'s characters, the index in `a` it is aligned with (an
/// equal or substituted character), by least edits.
fn align(a: &[char], b: &[char]) -> Vec<Option<usize>> {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            d[i][j] = (d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
        }
    }
    let mut out = vec![None; m];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        if d[i][j] == d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]) {
            out[j - 1] = Some(i - 1);
            i -= 1;
            j -= 1;
        } else if d[i][j] == d[i - 1][j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    out
}

/// Mail domains most addresses in France use.
const DOMAINS: [&str; 24] = [
    "gmail.com",
    "hotmail.fr",
    "hotmail.com",
    "yahoo.fr",
    "yahoo.com",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "neuf.fr",
    "laposte.net",
    "outlook.fr",
    "outlook.com",
    "live.fr",
    "live.com",
    "msn.com",
    "bbox.fr",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.fr",
    "numericable.fr",
    "protonmail.com",
    "proton.me",
];

/// The known domain `read` misreads, if one is clearly nearest; a domain
/// without its dot is the applicant's (`prenom@outlook`).
fn domain(read: &str) -> Option<&'static str> {
    if !read.contains('.') {
        return None;
    }
    let mut scored: Vec<(usize, &str)> = DOMAINS.iter().map(|d| (distance(read, d), *d)).collect();
    scored.sort();
    let (d, best) = scored[0];
    let clear = scored.get(1).is_none_or(|s| s.0 > d);
    (clear && d <= (best.len() + 2) / 4).then_some(best)
}

/// A handwritten e-mail address read by Tesseract (lower case), mended: a
/// domain a letter or two from a usual one is that domain; a misread `@`
/// (one or two characters, never a dot: `prenom.nom.free.fr` is a mistake
/// of the applicant's) before such a domain is the `@`; a local part a few
/// letters from the applicant's names put together the usual ways
/// (`prenom.nom`, `pnom`, `nom_prenom`…) is those names, with what follows
/// them (digits) as read. `names`: the usage name and the first given name.
pub(crate) fn email(read: &str, last: &str, firsts: &[&str]) -> Option<String> {
    let (local, dom) = match read.split_once('@') {
        Some((l, d)) if !d.contains('@') => (l.to_string(), domain_or_self(d)),
        Some(_) => return None,
        None if read.is_ascii() => {
            // Where the domain starts: the split whose tail is nearest a
            // known domain, the `@` being one or two characters before it.
            let b = read.as_bytes();
            let mut best: Option<(usize, usize, usize, &str)> = None;
            let mut after_dot = usize::MAX;
            for j in 2..b.len() {
                let Some(d) = domain(&read[j..]).filter(|_| b[j].is_ascii_alphanumeric()) else {
                    continue;
                };
                let cost = distance(&read[j..], d);
                if b[j - 1] == b'.' {
                    after_dot = after_dot.min(cost);
                }
                for k in [j - 1, j - 2].into_iter().filter(|&k| k >= 1) {
                    if b[k - 1..j].iter().all(u8::is_ascii_alphanumeric)
                        && best.is_none_or(|x| cost < x.0)
                    {
                        best = Some((cost, k, j, d));
                    }
                }
            }
            let (cost, k, j, d) = best?;
            // A dot for the `@` is the applicant's (`prenom.nom.free.fr`),
            // and so is a name run into the domain (`prenom.nomfree.fr`):
            // what would be the `@` is the name's last letter.
            let run_in = best_stem(&read[..j], last, firsts).is_some_and(|s| s.1 == 0 && s.2 == j);
            if after_dot <= cost || run_in {
                return None;
            }
            (read[..k].to_string(), d.to_string())
        }
        None => return None,
    };
    let local = match best_stem(&local, last, firsts) {
        Some((stem, d, k)) if d <= stem.len() / 4 => format!("{stem}{}", &local[k..]),
        _ => local,
    };
    let mended = format!("{local}@{dom}");
    (mended != read).then_some(mended)
}

fn domain_or_self(d: &str) -> String {
    domain(d).map_or_else(|| d.to_string(), str::to_string)
}

/// Of the ways an applicant makes a local part of their names
/// (`firsts`: every first name the envelope gives), the one nearest the
/// start of `read`, if clearly nearest: the stem, its distance and how many
/// bytes of `read` it covers.
fn best_stem(read: &str, last: &str, firsts: &[&str]) -> Option<(String, usize, usize)> {
    // As addresses write names: no accent, space or apostrophe.
    let clean = |s: &str| -> String {
        let parts: Vec<String> = s.split('-').map(|p| letters(p).to_lowercase()).collect();
        parts.join("-")
    };
    let l = clean(last);
    if l.is_empty() || !read.is_ascii() {
        return None;
    }
    let mut stems = Vec::new();
    for f in firsts.iter().map(|f| clean(f)).filter(|f| !f.is_empty()) {
        let i = &f[..1];
        stems.extend([
            format!("{f}.{l}"),
            format!("{f}{l}"),
            format!("{i}{l}"),
            format!("{l}.{f}"),
            format!("{f}_{l}"),
            format!("{f}-{l}"),
            format!("{i}.{l}"),
            format!("{l}{f}"),
            format!("{l}_{f}"),
            format!("{l}-{f}"),
        ]);
    }
    // Each stem against each start of the reading (give or take two).
    let mut scored: Vec<(usize, &String, usize)> = Vec::new();
    for s in &stems {
        for k in s.len().saturating_sub(2)..=(s.len() + 2).min(read.len()) {
            scored.push((distance(&read[..k], s), s, k));
        }
    }
    scored.sort();
    let &(d, stem, k) = scored.first()?;
    let clear = scored.iter().find(|s| s.1 != stem).is_none_or(|s| s.0 > d);
    clear.then(|| (stem.clone(), d, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misread_name_takes_the_mrz_letters() {
        let m = |r, z| name_from_mrz(r, z, false);
        assert_eq!(m("HUBEKT", "HUBERT").as_deref(), Some("HUBERT"));
        assert_eq!(m("NILMAT", "YILMAZ").as_deref(), Some("YILMAZ"));
        assert_eq!(m("REN AHMED", "BEN<AHMED").as_deref(), Some("BEN AHMED"));
        assert_eq!(m("LEROU X", "LEROUX").as_deref(), Some("LEROUX"));
        assert_eq!(m("JELOME", "JEROME").as_deref(), Some("JEROME"));
        // The reading's accents and hyphens stay where its letters were right.
        assert_eq!(
            m("HÉLÈNE-MAKIE", "HELENE<MARIE").as_deref(),
            Some("HÉLÈNE-MARIE")
        );
    }

    #[test]
    fn another_name_or_a_respelling_is_left_for_the_check() {
        let m = |r, z| name_from_mrz(r, z, false);
        // Right already, or another name.
        assert_eq!(m("HUBERT", "HUBERT"), None);
        assert_eq!(m("MARTIN", "BODIN"), None);
        assert_eq!(m("MARIE", "MARIE<CLAIRE"), None);
        // An applicant's respelling: nearer the respelling than the MRZ.
        assert_eq!(m("PHILIPE", "PHILIPPE"), None);
        assert_eq!(m("BAUDRI", "BAUDRY"), None);
        assert_eq!(m("MOREAUE", "MOREAU"), None);
        assert_eq!(m("KAMILLE", "CAMILLE"), None);
    }

    #[test]
    fn a_truncated_mrz_mends_the_start_and_keeps_the_rest() {
        assert_eq!(
            name_from_mrz("JOSEPHINE BEKNADETTE MAKIE", "JOSEPHINE<BERNADETTE<M", true).as_deref(),
            Some("JOSEPHINE BERNADETTE MAKIE")
        );
    }

    #[test]
    fn a_misread_domain_and_at_sign_are_mended() {
        assert_eq!(
            email("mohamed.bennani@wanadod.fk", "BENNANI", &["MOHAMED"]).as_deref(),
            Some("mohamed.bennani@wanadoo.fr")
        );
        assert_eq!(
            email("mmallardaamail.com", "MAILLARD", &["MICHELE"]).as_deref(),
            Some("mmaillard@gmail.com")
        );
        assert_eq!(
            email("camillecarone8@yah0o.fr", "CARON", &["CAMILLE"]).as_deref(),
            Some("camillecarone8@yahoo.fr")
        );
        assert_eq!(email("jean.dupont@free.fr", "DUPONT", &["JEAN"]), None);
    }

    #[test]
    fn an_address_the_applicant_got_wrong_stays_wrong() {
        // A dot for the at sign, no domain ending, two at signs.
        assert_eq!(email("jean.dupont.free.fr", "DUPONT", &["JEAN"]), None);
        assert_eq!(email("alain-renaud.bbox.fr", "RENAUD", &["ALAIN"]), None);
        // The name run into the domain: no `@` at all.
        assert_eq!(email("jean.dupontfree.fr", "DUPONT", &["JEAN"]), None);
        assert_eq!(email("jean.dupont@free", "DUPONT", &["JEAN"]), None);
        assert_eq!(
            email("valerie.guerin@outlook", "GUERIN", &["VALERIE"]),
            None
        );
        assert_eq!(email("jean.dupont@@free.fr", "DUPONT", &["JEAN"]), None);
    }

    #[test]
    fn a_typed_letter_of_the_same_shape_is_a_misreading() {
        assert!(one_look_alike("LONESCU", "IONESCU"));
        assert!(one_look_alike("PAWET", "PAWEL"));
        assert!(one_look_alike("Dupomt", "DUPONT"));
        // Respellings and other slips are the applicant's.
        assert!(!one_look_alike("MARTYN", "MARTIN"));
        assert!(!one_look_alike("BERNART", "BERNARD"));
        assert!(!one_look_alike("THOMA", "THOMAS"));
        // Two letters, or the name itself.
        assert!(!one_look_alike("LONESCV", "IONESCU"));
        assert!(!one_look_alike("IONESCU", "IONESCU"));
    }
}
