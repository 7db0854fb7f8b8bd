//! The French calendar for turnaround rules (SPEC §7): Easter, public
//! holidays of metropolitan France and business-day arithmetic.
//!
//! A business day is Monday to Friday and not a public holiday. Counting is
//! done by whole weeks plus the holidays in range, so that it stays fast over
//! spans of years (it runs on every case of the dashboards).
//!
//! Pure functions only: no IO, no clock; "today" is always passed in. The
//! holiday list is today's, applied to every year (the 8 May holiday was not
//! observed between 1959 and 1981, which no case of this service concerns).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, as given
/// by Meeus, Jones and Butcher). Meaningful from 1583 on.
///
/// # Panics
///
/// Only for years outside chrono's range (about ±262 000).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction of the algorithm.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("year within chrono's range")
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("year within chrono's range")
}

fn plus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .expect("date within chrono's range")
}

/// The public holidays of metropolitan France in `year`, sorted by date,
/// with their French names.
///
/// Ascension can fall on 1 or 8 May (as in 2008); both entries are then listed.
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut days = vec![
        (ymd(year, 1, 1), "Jour de l'an"),
        (plus_days(easter, 1), "Lundi de Pâques"),
        (ymd(year, 5, 1), "Fête du Travail"),
        (ymd(year, 5, 8), "Victoire 1945"),
        (plus_days(easter, 39), "Ascension"),
        (plus_days(easter, 50), "Lundi de Pentecôte"),
        (ymd(year, 7, 14), "Fête nationale"),
        (ymd(year, 8, 15), "Assomption"),
        (ymd(year, 11, 1), "Toussaint"),
        (ymd(year, 11, 11), "Armistice 1918"),
        (ymd(year, 12, 25), "Noël"),
    ];
    days.sort_by_key(|(date, _)| *date);
    days
}

/// Whether `date` is a public holiday of metropolitan France.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    );
    // Easter-based holidays fall between 23 March and 14 June.
    fixed
        || (matches!(date.month(), 3..=6) && {
            let after_easter = (date - easter_sunday(date.year())).num_days();
            matches!(after_easter, 1 | 39 | 50)
        })
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Whether `date` is a business day: Monday to Friday and not a public holiday.
pub fn is_business_day(date: NaiveDate) -> bool {
    is_weekday(date) && !is_public_holiday(date)
}

/// Number of Monday–Friday days from a fixed origin up to `date` included;
/// only differences of this count mean something.
fn weekdays_before(date: NaiveDate) -> i64 {
    // Day 1 of the common era, 0001-01-01, is a Monday.
    let n = i64::from(date.num_days_from_ce());
    5 * n.div_euclid(7) + n.rem_euclid(7).min(5)
}

/// Public holidays on a weekday with `from < d <= to` (`from <= to`).
fn weekday_holidays_in(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut count = 0;
    for year in from.year()..=to.year() {
        let mut dates: Vec<NaiveDate> = public_holidays(year).into_iter().map(|(d, _)| d).collect();
        dates.dedup();
        count += dates
            .into_iter()
            .filter(|d| from < *d && *d <= to && is_weekday(*d))
            .count() as i64;
    }
    count
}

/// Number of business days `d` with `from < d <= to`; negative (the count of
/// `to < d <= from`) when `to` is before `from`.
///
/// Runs in time proportional to the number of years spanned, not of days.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    if to < from {
        return -business_days_between(to, from);
    }
    weekdays_before(to) - weekdays_before(from) - weekday_holidays_in(from, to)
}

/// The `n`-th business day after `from` (`from` itself when `n` is 0).
///
/// # Panics
///
/// Only when the result would be beyond chrono's last date.
pub fn add_business_days(from: NaiveDate, n: u32) -> NaiveDate {
    let target = i64::from(n);
    // Each calendar day adds at most one business day, so jumping by the
    // missing count never passes the first day that reaches the target.
    let mut date = plus_days(from, u64::from(n));
    loop {
        let missing = target - business_days_between(from, date);
        if missing <= 0 {
            return date;
        }
        date = plus_days(date, missing.unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Day-by-day count, the definition that the fast version must agree with.
    fn slow_between(from: NaiveDate, to: NaiveDate) -> i64 {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        sign * lo
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= hi)
            .filter(|d| is_business_day(*d))
            .count() as i64
    }

    #[rstest]
    #[case::y2024(2024, date(2024, 3, 31))]
    #[case::y2025(2025, date(2025, 4, 20))]
    #[case::y2026(2026, date(2026, 4, 5))]
    #[case::y2019(2019, date(2019, 4, 21))]
    #[case::y2038(2038, date(2038, 4, 25))]
    #[case::y2285_earliest(2285, date(2285, 3, 22))]
    #[case::y1818_earliest(1818, date(1818, 3, 22))]
    #[case::y1943_latest(1943, date(1943, 4, 25))]
    #[case::y2000(2000, date(2000, 4, 23))]
    #[case::y2008(2008, date(2008, 3, 23))]
    fn easter(#[case] year: i32, #[case] expected: NaiveDate) {
        assert_eq!(easter_sunday(year), expected);
        assert_eq!(expected.weekday(), Weekday::Sun, "Easter is a Sunday");
    }

    #[test]
    fn holidays_2025() {
        let got: Vec<NaiveDate> = public_holidays(2025).into_iter().map(|(d, _)| d).collect();
        assert_eq!(
            got,
            [
                date(2025, 1, 1),
                date(2025, 4, 21),
                date(2025, 5, 1),
                date(2025, 5, 8),
                date(2025, 5, 29),
                date(2025, 6, 9),
                date(2025, 7, 14),
                date(2025, 8, 15),
                date(2025, 11, 1),
                date(2025, 11, 11),
                date(2025, 12, 25),
            ]
        );
    }

    #[rstest]
    #[case::easter_monday(date(2026, 4, 6), "Lundi de Pâques")]
    #[case::ascension(date(2026, 5, 14), "Ascension")]
    #[case::whit_monday(date(2026, 5, 25), "Lundi de Pentecôte")]
    #[case::christmas(date(2026, 12, 25), "Noël")]
    #[case::new_year(date(2026, 1, 1), "Jour de l'an")]
    fn holidays_2026(#[case] day: NaiveDate, #[case] name: &str) {
        assert!(
            public_holidays(2026).contains(&(day, name)),
            "{day} is {name}"
        );
        assert!(is_public_holiday(day));
        assert!(!is_business_day(day));
    }

    #[test]
    fn holidays_sorted_and_consistent_with_is_public_holiday() {
        for year in 1900..=2200 {
            let list = public_holidays(year);
            assert_eq!(list.len(), 11);
            assert!(
                list.windows(2).all(|w| w[0].0 <= w[1].0),
                "sorted in {year}"
            );
            let listed: Vec<NaiveDate> = list.iter().map(|(d, _)| *d).collect();
            for day in date(year, 1, 1)
                .iter_days()
                .take_while(|d| d.year() == year)
            {
                assert_eq!(
                    is_public_holiday(day),
                    listed.contains(&day),
                    "is_public_holiday must agree with the list on {day}"
                );
            }
        }
    }

    #[test]
    fn ascension_on_may_day_2008() {
        assert!(public_holidays(2008).contains(&(date(2008, 5, 1), "Ascension")));
        assert_eq!(
            business_days_between(date(2008, 4, 30), date(2008, 5, 2)),
            1,
            "a holiday falling twice counts once"
        );
    }

    #[rstest]
    #[case::plain_weekday(date(2025, 6, 4), true)]
    #[case::saturday(date(2025, 6, 7), false)]
    #[case::sunday(date(2025, 6, 8), false)]
    #[case::whit_monday(date(2025, 6, 9), false)]
    #[case::bastille_day(date(2025, 7, 14), false)]
    #[case::easter_sunday_not_counted_anyway(date(2025, 4, 20), false)]
    #[case::good_friday_is_worked(date(2025, 4, 18), true)]
    fn business_day(#[case] day: NaiveDate, #[case] expected: bool) {
        assert_eq!(is_business_day(day), expected, "{day}");
    }

    #[rstest]
    #[case::same_day(date(2025, 6, 4), date(2025, 6, 4), 0)]
    #[case::next_day(date(2025, 6, 4), date(2025, 6, 5), 1)]
    #[case::over_weekend(date(2025, 6, 6), date(2025, 6, 10), 1)] // Fri → Tue: Whit Monday
    #[case::christmas_week(date(2025, 12, 24), date(2025, 12, 31), 4)]
    #[case::christmas_to_new_year(date(2025, 12, 24), date(2026, 1, 2), 5)]
    #[case::may_bridges_2026(date(2026, 4, 30), date(2026, 5, 15), 8)]
    #[case::four_weeks(date(2026, 4, 30), date(2026, 5, 28), 16)]
    #[case::backwards(date(2025, 12, 31), date(2025, 12, 24), -4)]
    #[case::from_weekend(date(2025, 6, 7), date(2025, 6, 8), 0)]
    #[case::whole_year_2025(date(2024, 12, 31), date(2025, 12, 31), 251)]
    fn between(#[case] from: NaiveDate, #[case] to: NaiveDate, #[case] expected: i64) {
        assert_eq!(business_days_between(from, to), expected, "{from} → {to}");
        assert_eq!(
            slow_between(from, to),
            expected,
            "test vector by the definition"
        );
    }

    #[rstest]
    #[case::zero(date(2025, 6, 7), 0, date(2025, 6, 7))]
    #[case::christmas(date(2025, 12, 24), 1, date(2025, 12, 26))]
    #[case::new_year(date(2025, 12, 31), 1, date(2026, 1, 2))]
    #[case::may_day_bridge(date(2026, 4, 30), 1, date(2026, 5, 4))]
    #[case::ascension_bridge(date(2026, 5, 13), 1, date(2026, 5, 15))]
    #[case::from_saturday(date(2026, 5, 23), 1, date(2026, 5, 26))]
    #[case::twenty(date(2026, 4, 30), 20, date(2026, 6, 3))]
    fn add(#[case] from: NaiveDate, #[case] n: u32, #[case] expected: NaiveDate) {
        assert_eq!(add_business_days(from, n), expected);
    }

    #[test]
    fn fast_count_agrees_with_day_by_day_count() {
        let start = date(2023, 12, 20);
        for i in (0..800).step_by(7) {
            let from = plus_days(start, i);
            for span in (0..420).step_by(13) {
                let to = plus_days(from, span);
                assert_eq!(
                    business_days_between(from, to),
                    slow_between(from, to),
                    "whole weeks plus holidays must equal the day-by-day count, {from} → {to}"
                );
                assert_eq!(
                    business_days_between(to, from),
                    -business_days_between(from, to),
                    "swapping the bounds negates the count"
                );
            }
        }
    }

    #[test]
    fn add_and_between_are_inverse() {
        let start = date(2024, 12, 1);
        for i in 0..120 {
            let from = plus_days(start, i * 3);
            for n in 0..45 {
                let end = add_business_days(from, n);
                assert_eq!(
                    business_days_between(from, end),
                    i64::from(n),
                    "the {n}-th business day after {from} is {n} business days away"
                );
                assert!(
                    n == 0 || is_business_day(end),
                    "{end} must be a business day"
                );
            }
            for span in 0..40 {
                let x = plus_days(from, span);
                let count = business_days_between(from, x);
                let back = add_business_days(from, count as u32);
                assert!(back <= x, "adding the count from {from} must not pass {x}");
                assert_eq!(
                    back == x,
                    (count == 0 && x == from) || is_business_day(x),
                    "adding the count lands on {x} exactly when it is a business day"
                );
            }
        }
    }

    #[test]
    fn long_spans_are_fast_and_exact() {
        let from = date(1990, 1, 1);
        let to = date(2090, 1, 1);
        let n = business_days_between(from, to);
        assert_eq!(n, slow_between(from, to));
        // 2090-01-01 is a Sunday (and a holiday): the last business day is Friday 30 December.
        assert_eq!(add_business_days(from, n as u32), date(2089, 12, 30));
    }
}
