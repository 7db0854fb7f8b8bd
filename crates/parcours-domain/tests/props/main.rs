//! Property tests of the rules that read what people and scanners type: the
//! MRZ reader, the NIR and S10 parsers and La Poste's tracking CSV.
//!
//! Two kinds of property: whatever the input, the function returns (no
//! panic, in bounded time: inputs stay small); and a value built valid is
//! read back valid, to the same fields. Case counts are modest so the whole
//! binary runs in a few seconds; `PROPTEST_CASES=5000` digs deeper.

use chrono::{Datelike, NaiveDate};
use parcours_domain::mrz::{self, check_digit};
use parcours_domain::nir;
use parcours_domain::s10::S10;
use parcours_domain::tracking::{self, DeliveryEvent};
use parcours_domain::Sex;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// The day the MRZ reader is asked about: it chooses birth centuries.
fn on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters an OCR engine produces on an MRZ, and some it should not.
fn mrz_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<".chars().collect::<Vec<_>>()
        ),
        2 => prop::sample::select("O0I1B8S5Z2G6Q<«‹ ".chars().collect::<Vec<_>>()),
        1 => any::<char>(),
    ]
}

fn mrz_line(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(mrz_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

const SAMPLES: [&[&str]; 4] = [
    &[
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ],
    &[
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ],
    &[
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ],
    &[
        "IDFRABODIN<<<<<<<<<<<<<<<<<<<<244258",
        "1109244812538JOSEPHINE<<BER6906034F8",
    ],
];

/// An edit of a valid MRZ: (line, position, what). `what` is a replacement
/// character, or a deletion, or an insertion.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, usize, char),
    Delete(usize, usize),
    Insert(usize, usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (0..3usize, 0..46usize, mrz_char()).prop_map(|(l, p, c)| Edit::Replace(l, p, c)),
        1 => (0..3usize, 0..46usize).prop_map(|(l, p)| Edit::Delete(l, p)),
        1 => (0..3usize, 0..46usize, mrz_char()).prop_map(|(l, p, c)| Edit::Insert(l, p, c)),
    ]
}

fn apply(lines: &[&str], edits: &[Edit]) -> Vec<String> {
    let mut grid: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
    for e in edits {
        let (l, p) = match *e {
            Edit::Replace(l, p, _) | Edit::Delete(l, p) | Edit::Insert(l, p, _) => (l, p),
        };
        let line = &mut grid[l % lines.len()];
        let at = p.min(line.len());
        match *e {
            Edit::Replace(_, _, c) if at < line.len() => line[at] = c,
            Edit::Delete(..) if at < line.len() => {
                line.remove(at);
            }
            Edit::Insert(_, _, c) => line.insert(at, c),
            _ => {}
        }
    }
    grid.into_iter().map(|l| l.into_iter().collect()).collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mrz_read_returns_on_any_lines(lines in prop::collection::vec(mrz_line(50), 0..5)) {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let r = mrz::read(&refs, on());
        prop_assert!(!r.valid || r.errors.is_empty(), "valid means no problem: {r:?}");
    }

    #[test]
    fn mrz_read_returns_on_damaged_real_zones(
        sample in 0..SAMPLES.len(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let lines = apply(SAMPLES[sample], &edits);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let r = mrz::read(&refs, on());
        if r.valid {
            let m = r.mrz.as_ref().expect("a valid reading has fields");
            for rep in &r.repairs {
                prop_assert!(rep.line >= 1 && rep.line <= m.lines.len(), "{rep:?}");
            }
        } else {
            prop_assert!(!r.errors.is_empty(), "an invalid reading says why: {r:?}");
        }
    }

    #[test]
    fn nir_parse_and_key_return_on_any_string(s in "\\PC{0,40}") {
        let _ = nir::parse(&s);
        let _ = nir::key(&s);
        let _ = nir::normalize(&s);
    }

    #[test]
    fn nir_parse_returns_on_digit_like_strings(s in "[0-9AB2 .\\-]{0,20}") {
        if let Ok(n) = nir::parse(&s) {
            prop_assert_eq!(n.value.chars().count(), nir::NIR_LEN);
            prop_assert_eq!(nir::parse(&n.formatted()), Ok(n.clone()), "formatted reads back");
        }
    }

    #[test]
    fn s10_parse_returns_on_any_string(s in "\\PC{0,30}") {
        let _ = S10::parse(&s);
    }

    #[test]
    fn tracking_csv_parse_returns_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = tracking::parse_csv(&bytes);
    }

    #[test]
    fn tracking_csv_parse_returns_on_csv_like_text(
        body in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(vec![
                    "RA123456785FR", "2026-03-02", "02/03/2026", "DISTRIBUE", "AVISE",
                    ",", ";", "\n", "\r\n", "\"", "\"\"", " ", "\u{FEFF}", "é", "\u{0}",
                ]).prop_map(str::to_string),
                1 => "\\PC{0,8}",
            ],
            0..60,
        )
    ) {
        let text = format!("tracking_number,event_date,event\n{}", body.concat());
        if let Ok((rows, errors)) = tracking::parse_csv(text.as_bytes()) {
            let lines = text.lines().count() as u64 + 1;
            for r in &rows {
                prop_assert!(r.line >= 2 && r.line <= lines, "{r:?} in {lines} lines");
            }
            for e in &errors {
                prop_assert!(e.line >= 1 && e.line <= lines, "{e:?} in {lines} lines");
            }
        }
    }
}

// ---------------------------------------------------------------- round trips

fn nir_parts() -> impl Strategy<Value = (u8, u8, u8, String, u16, u16)> {
    (
        prop::sample::select(vec![1u8, 2, 3, 4, 7, 8]),
        0u8..100,
        prop_oneof![1u8..=12, 20u8..=42, 50u8..=99],
        prop_oneof![
            (1u8..=95).prop_map(|d| format!("{d:02}")),
            Just("2A".to_string()),
            Just("2B".to_string()),
            Just("99".to_string()),
        ],
        1u16..=990,
        1u16..=999,
    )
}

fn birth() -> impl Strategy<Value = NaiveDate> {
    // Within a century before `on`, so that the two-digit year is unambiguous.
    (0i64..36_000).prop_map(|d| on() - chrono::Duration::days(d))
}

fn expiry() -> impl Strategy<Value = NaiveDate> {
    (0i64..36_000)
        .prop_map(|d| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(d))
}

fn yymmdd(d: NaiveDate) -> String {
    format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day())
}

fn sex_char() -> impl Strategy<Value = (char, Sex)> {
    prop::sample::select(vec![('F', Sex::F), ('M', Sex::M), ('<', Sex::X)])
}

fn state() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(vec![
        ("FRA", "FRA"),
        ("UTO", "UTO"),
        ("D<<", "D"),
        ("BEL", "BEL"),
        ("ITA", "ITA"),
    ])
}

/// A surname and given names. A name made only of `K`, `X` and `C` is left
/// out: at the end of the field the reader takes such a run for fillers OCR
/// misread (`filler_run_repairs`), and no real name is one.
fn names() -> impl Strategy<Value = (String, Vec<String>)> {
    let name = |max| {
        proptest::string::string_regex(&format!("[A-Z]{{2,{max}}}"))
            .unwrap()
            .prop_filter("not only K, X, C", |n| {
                n.chars().any(|c| !matches!(c, 'K' | 'X' | 'C'))
            })
    };
    (name(12), prop::collection::vec(name(9), 0..3))
}

fn name_field(surname: &str, given: &[String], len: usize) -> String {
    let mut f = surname.to_string();
    if !given.is_empty() {
        f.push_str("<<");
        f.push_str(&given.join("<"));
    }
    format!("{f:<<len$}")
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_nir_built_valid_reads_back(parts in nir_parts()) {
        let (sex, year, month, dept, commune, order) = parts;
        let first13 = format!("{sex}{year:02}{month:02}{dept}{commune:03}{order:03}");
        let key = nir::key(&first13).expect("13 characters with a valid département");
        let value = format!("{first13}{key:02}");
        let n = nir::parse(&value).unwrap_or_else(|e| panic!("{value}: {e:?}"));
        prop_assert_eq!(&n.value, &value);
        prop_assert_eq!((n.sex, n.year, n.month), (sex, year, month));
        prop_assert_eq!(nir::parse(&n.formatted()), Ok(n.clone()), "the carte Vitale layout reads back");
        prop_assert_eq!(nir::parse(&value.to_lowercase()), Ok(n.clone()), "2a reads as 2A");
    }

    #[test]
    fn a_nir_with_one_digit_changed_is_refused(parts in nir_parts(), at in 0usize..15, by in 1u8..10) {
        let (sex, year, month, dept, commune, order) = parts;
        let first13 = format!("{sex}{year:02}{month:02}{dept}{commune:03}{order:03}");
        let key = nir::key(&first13).unwrap();
        let mut chars: Vec<char> = format!("{first13}{key:02}").chars().collect();
        let Some(d) = chars[at].to_digit(10) else { return Ok(()) };
        chars[at] = char::from_digit((d + u32::from(by)) % 10, 10).unwrap();
        let changed: String = chars.into_iter().collect();
        prop_assert!(nir::parse(&changed).is_err(), "{changed}: the key catches any single digit");
    }

    #[test]
    fn an_s10_built_valid_reads_back(
        service in "[A-Z]{2}",
        serial in 0u32..=99_999_999,
        country in "[A-Z]{2}",
    ) {
        let s = S10::new(&service, serial, &country).unwrap();
        prop_assert_eq!(S10::parse(&s.compact()), Ok(s.clone()));
        prop_assert_eq!(S10::parse(&s.formatted()), Ok(s.clone()));
        prop_assert_eq!(S10::parse(&s.compact().to_lowercase()), Ok(s.clone()));
    }

    #[test]
    fn a_passport_mrz_built_valid_reads_back(
        (surname, given) in names(),
        number in "[A-Z0-9]{6,9}",
        (state, state_name) in state(),
        (nat, nat_name) in state(),
        birth in birth(),
        (sex_c, sex) in sex_char(),
        expiry in expiry(),
        personal in prop_oneof![Just(String::new()), "[A-Z0-9]{1,14}"],
    ) {
        let l1 = format!("P<{state}{}", name_field(&surname, &given, 39));
        let doc = format!("{number:<<9}");
        let personal_field = format!("{personal:<<14}");
        let personal_check = check_digit(&personal_field);
        let mut l2 = format!(
            "{doc}{}{nat}{}{}{sex_c}{}{}{personal_field}{personal_check}",
            check_digit(&doc),
            yymmdd(birth),
            check_digit(&yymmdd(birth)),
            yymmdd(expiry),
            check_digit(&yymmdd(expiry)),
        );
        let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
        l2.push_str(&check_digit(&composite).to_string());
        let r = mrz::read(&[&l1, &l2], on());
        prop_assert!(r.valid && r.repairs.is_empty(), "{l1}\n{l2}\n{r:?}");
        let m = r.mrz.unwrap();
        prop_assert_eq!(m.format.as_str(), "td3");
        prop_assert_eq!(&m.surname, &surname);
        prop_assert_eq!(&m.given_names, &given);
        prop_assert_eq!(&m.document_number, &number);
        prop_assert_eq!(m.issuing_state.as_str(), state_name);
        prop_assert_eq!(m.nationality.as_str(), nat_name);
        prop_assert_eq!(m.birth_date, Some(birth));
        prop_assert_eq!(m.expiry_date, Some(expiry));
        prop_assert_eq!(m.sex, sex);
        prop_assert_eq!(&m.optional_data, &personal);
        prop_assert_eq!(m.lines, vec![l1, l2]);
    }

    #[test]
    fn an_id_card_mrz_built_valid_reads_back(
        (surname, given) in names().prop_filter("the name fits line 3", |(s, g)| {
            s.len() + g.iter().map(|n| n.len() + 1).sum::<usize>() + 1 < 30
        }),
        number in "[A-Z0-9]{6,9}",
        (state, state_name) in state(),
        birth in birth(),
        (sex_c, sex) in sex_char(),
        expiry in expiry(),
    ) {
        let doc = format!("{number:<<9}");
        let l1 = format!("ID{state}{doc}{}{:<<15}", check_digit(&doc), "");
        let mut l2 = format!(
            "{}{}{sex_c}{}{}{state}{:<<11}",
            yymmdd(birth),
            check_digit(&yymmdd(birth)),
            yymmdd(expiry),
            check_digit(&yymmdd(expiry)),
            "",
        );
        let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        l2.push_str(&check_digit(&composite).to_string());
        let l3 = name_field(&surname, &given, 30);
        let r = mrz::read(&[&l1, &l2, &l3], on());
        prop_assert!(r.valid && r.repairs.is_empty(), "{l1}\n{l2}\n{l3}\n{r:?}");
        let m = r.mrz.unwrap();
        prop_assert_eq!(m.format.as_str(), "td1");
        prop_assert_eq!(&m.surname, &surname);
        prop_assert_eq!(&m.given_names, &given);
        prop_assert_eq!(&m.document_number, &number);
        prop_assert_eq!(m.issuing_state.as_str(), state_name);
        prop_assert_eq!(m.birth_date, Some(birth));
        prop_assert_eq!(m.expiry_date, Some(expiry));
        prop_assert_eq!(m.sex, sex);
    }

    #[test]
    fn a_tracking_file_built_valid_reads_back(
        rows in prop::collection::vec(
            (
                "[A-Z]{2}",
                0u32..=99_999_999,
                (0i64..3000).prop_map(|d| NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(d)),
                prop::sample::select(vec![
                    DeliveryEvent::Depose,
                    DeliveryEvent::Avise,
                    DeliveryEvent::Distribue,
                    DeliveryEvent::RetourneNpai,
                    DeliveryEvent::RetourneNonReclame,
                ]),
                any::<bool>(),
            ),
            1..20,
        ),
        semicolon in any::<bool>(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let sep = if semicolon { ";" } else { "," };
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = if bom { "\u{FEFF}".to_string() } else { String::new() };
        text.push_str(&["tracking_number", "event_date", "event"].join(sep));
        text.push_str(end);
        let mut want = Vec::new();
        for (i, (service, serial, day, event, french)) in rows.iter().enumerate() {
            let s10 = S10::new(service, *serial, "FR").unwrap();
            let date = if *french {
                day.format("%d/%m/%Y").to_string()
            } else {
                day.format("%Y-%m-%d").to_string()
            };
            text.push_str(&[s10.formatted(), date, event.as_str().to_string()].join(sep));
            text.push_str(end);
            want.push((i as u64 + 2, s10.compact(), *day, *event));
        }
        let (got, errors) = tracking::parse_csv(text.as_bytes()).unwrap();
        prop_assert!(errors.is_empty(), "{errors:?}\n{text}");
        let got: Vec<_> = got
            .into_iter()
            .map(|r| (r.line, r.tracking_number, r.event_date, r.event))
            .collect();
        prop_assert_eq!(got, want);
    }
}
