//! Managers' figures (SPEC §7): the backlog against the 4-week promise, and
//! the export of every case as a spreadsheet.
//!
//! Figures come from SQL aggregates on the `case_clock` table (see
//! `parcours_db::reports`), so that they answer quickly on a million cases;
//! the rules (which statuses run, 28 days, 7 days at risk) are
//! `parcours_domain::turnaround`'s.
//!
//! - Counts by status are the current ones, every status, zeros included.
//! - Ageing, at risk and breached concern the running cases (on their way
//!   to `verified`: not rejected, verified or closed) received on or before
//!   the day asked for; age is clock days since receipt, pauses excluded.
//! - Weekly figures cover the ISO week of the day asked for and the 11
//!   before it: cases received, and cases verified ("completed": the
//!   promise's end point).
//! - Median turnaround: clock days from receipt to `verified` (pauses
//!   excluded, as the promise counts them), over every verified case and
//!   over those verified in the 12 weeks shown.
//!
//! The export carries no personal data (no NIR, name, birth date, address
//! or document number): reference, status, dates and delays only, so that a
//! spreadsheet that leaves the service identifies nobody by itself.

use std::io::Write;

use anyhow::{Context as _, Result};
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use parcours_db::reports::{self as store, Watched};
use parcours_db::Db;
use parcours_domain::lifecycle::Status;
use parcours_domain::roles::Permission;
use parcours_domain::turnaround::{
    self, PromiseState, AT_RISK_DAYS, PROMISE_DAYS, RUNNING, WITH_LA_POSTE,
};
use serde::ser::SerializeMap;
use serde::Serialize;

use crate::{audit_log, require, Actor};

/// Upper bounds (inclusive) of the ageing buckets, in clock days.
pub const AGE_BOUNDS: [i64; 4] = [7, 14, 21, 28];

/// Number of ISO weeks in the weekly figures.
pub const WEEKS: u64 = 12;

/// Number of cases in each status, serialised as an object in lifecycle order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCounts(pub Vec<(Status, i64)>);

impl Serialize for StatusCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (status, n) in &self.0 {
            map.serialize_entry(status.as_str(), n)?;
        }
        map.end()
    }
}

/// One ageing bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgeBucket {
    /// `0-7`, `8-14`, `15-21`, `22-28`, `>28`.
    pub bucket: String,
    /// Running cases of that age.
    pub count: i64,
}

/// One ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// ISO week, `2026-W09`.
    pub week: String,
    /// Its Monday.
    pub start: NaiveDate,
    /// Cases received that week.
    pub intake: i64,
    /// Cases verified that week.
    pub completed: i64,
}

/// The backlog report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backlog {
    /// Day the clock is read on.
    pub as_of: NaiveDate,
    /// Every case.
    pub total: i64,
    /// Cases per status, all 11.
    pub by_status: StatusCounts,
    /// Running cases by age.
    pub ageing: Vec<AgeBucket>,
    /// Running cases, not with La Poste, with 7 days or less left.
    pub at_risk: Vec<Watched>,
    /// Running cases past their due date.
    pub breached: Vec<Watched>,
    /// The last 12 ISO weeks, oldest first.
    pub weekly: Vec<Week>,
    /// Median clock days receipt → verified, every verified case.
    pub median_turnaround_days: Option<f64>,
    /// The same over the cases verified in the 12 weeks shown.
    pub median_turnaround_days_recent: Option<f64>,
}

/// Median of a histogram `(value, count)` sorted by value.
pub fn median(histogram: &[(i64, i64)]) -> Option<f64> {
    let n: i64 = histogram.iter().map(|(_, c)| *c).sum();
    if n == 0 {
        return None;
    }
    // The values at 0-based ranks (n-1)/2 and n/2 (the same one when n is odd).
    let nth = |rank: i64| {
        let mut seen = 0;
        for (v, c) in histogram {
            seen += c;
            if seen > rank {
                return *v;
            }
        }
        histogram.last().map_or(0, |(v, _)| *v)
    };
    Some((nth((n - 1) / 2) + nth(n / 2)) as f64 / 2.0)
}

fn bucket_labels() -> Vec<String> {
    let mut lo = 0;
    let mut out = Vec::new();
    for hi in AGE_BOUNDS {
        out.push(format!("{lo}-{hi}"));
        lo = hi + 1;
    }
    out.push(format!(">{}", AGE_BOUNDS[AGE_BOUNDS.len() - 1]));
    out
}

fn minus_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).expect("date within range")
}

/// The backlog on `as_of` (managers and administrators). Audited (no
/// personal data in it: references only).
pub fn backlog(db: &mut Db, actor: &Actor, as_of: NaiveDate, at: NaiveDateTime) -> Result<Backlog> {
    require(actor, Permission::Reports, "consulter les tableaux de bord")?;
    db.write(|tx| {
        let by_status = store::status_counts(tx)?;
        let ages = store::ageing(tx, &RUNNING, as_of, &AGE_BOUNDS)?;
        let watched = store::watch(tx, &RUNNING, as_of, PROMISE_DAYS, AT_RISK_DAYS)?;
        let (breached, near): (Vec<Watched>, Vec<Watched>) =
            watched.into_iter().partition(|w| w.days_left < 0);
        let at_risk = near
            .into_iter()
            .filter(|w| !WITH_LA_POSTE.contains(&w.status))
            .collect();

        let monday = minus_days(as_of, u64::from(as_of.weekday().num_days_from_monday()));
        let first = minus_days(monday, 7 * (WEEKS - 1));
        let mut weekly: Vec<Week> = (0..WEEKS)
            .map(|i| {
                let start = first + Days::new(7 * i);
                let iso = start.iso_week();
                Week {
                    week: format!("{}-W{:02}", iso.year(), iso.week()),
                    start,
                    intake: 0,
                    completed: 0,
                }
            })
            .collect();
        let slot = |d: NaiveDate| usize::try_from((d - first).num_days() / 7).ok();
        for (d, n) in store::intake_per_day(tx, first, as_of)? {
            if let Some(w) = slot(d).and_then(|i| weekly.get_mut(i)) {
                w.intake += n;
            }
        }
        for (d, n) in store::verified_per_day(tx, first, as_of)? {
            if let Some(w) = slot(d).and_then(|i| weekly.get_mut(i)) {
                w.completed += n;
            }
        }

        let report = Backlog {
            as_of,
            total: by_status.iter().map(|(_, n)| n).sum(),
            by_status: StatusCounts(by_status),
            ageing: bucket_labels()
                .into_iter()
                .zip(ages)
                .map(|(bucket, count)| AgeBucket { bucket, count })
                .collect(),
            at_risk,
            breached,
            weekly,
            median_turnaround_days: median(&store::turnaround_histogram(tx, None)?),
            median_turnaround_days_recent: median(&store::turnaround_histogram(
                tx,
                Some((first, as_of)),
            )?),
        };
        audit_log(
            tx,
            at,
            actor,
            "report.backlog",
            None,
            serde_json::json!({"as_of": as_of, "total": report.total}),
        )?;
        Ok(report)
    })
}

/// Column headers of the export, in French.
pub const EXPORT_HEADERS: [&str; 11] = [
    "Référence",
    "Statut",
    "Reçu le",
    "Échéance",
    "Jours restants",
    "Délai de 4 semaines",
    "Jours de suspension",
    "Identité vérifiée le",
    "Durée (jours)",
    "Clos le",
    "N° de recommandé",
];

fn fr(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// Writes every case as CSV to `out` (managers and administrators): `;`
/// separator, UTF-8 with a byte-order mark (for spreadsheets), French
/// headers, dates `JJ/MM/AAAA`, no personal data. Returns the number of
/// cases. Audited.
pub fn export_cases(
    db: &mut Db,
    actor: &Actor,
    as_of: NaiveDate,
    out: &mut dyn Write,
    at: NaiveDateTime,
) -> Result<usize> {
    require(actor, Permission::Reports, "exporter les dossiers")?;
    db.write(|tx| {
        out.write_all("\u{feff}".as_bytes())
            .context("écriture de l'export")?;
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut *out);
        w.write_record(EXPORT_HEADERS)
            .context("écriture de l'export")?;
        let mut n = 0usize;
        parcours_db::reports::each_case(tx, |row| {
            let k = &row.clock;
            let paused =
                k.paused_days + k.paused_since.map_or(0, |s| (as_of - s).num_days().max(0));
            let due = row.received + Days::new(u64::try_from(PROMISE_DAYS + paused).unwrap_or(0));
            let state = turnaround::state_on(row.status, due, k.verified_on, as_of);
            let days_left = match state {
                PromiseState::OnTime | PromiseState::AtRisk | PromiseState::Breached
                    if k.verified_on.is_none() =>
                {
                    (due - as_of).num_days().to_string()
                }
                _ => String::new(),
            };
            w.write_record([
                row.reference.as_str(),
                row.status.label_fr(),
                &fr(Some(row.received)),
                &fr(Some(due)),
                &days_left,
                state.label_fr(),
                &paused.to_string(),
                &fr(k.verified_on),
                &k.turnaround_days.map(|d| d.to_string()).unwrap_or_default(),
                &fr(k.closed_on),
                row.s10.as_deref().unwrap_or_default(),
            ])
            .context("écriture de l'export")?;
            n += 1;
            Ok::<_, anyhow::Error>(())
        })?;
        w.flush().context("écriture de l'export")?;
        audit_log(
            tx,
            at,
            actor,
            "export.cases",
            None,
            serde_json::json!({"rows": n, "as_of": as_of}),
        )?;
        Ok(n)
    })
}

/// Fills a database with `n` synthetic, anonymous cases received over the
/// `n / 700` days before `today` (about 700 a day), each with a plausible
/// history of transitions up to `today` — for benches and tests of the
/// reports. Fast batched inserts: prepared statements, one transaction per
/// 50 000 cases. `seed` makes the data reproducible. Not an operation of
/// the app: no role, no audit.
pub fn seed_synthetic(db: &mut Db, n: usize, today: NaiveDate, seed: u64) -> Result<()> {
    const CHUNK: usize = 50_000;
    let days = (n / 700).max(60) as u64;
    let mut rng = seed.max(1);
    let mut next = move |m: u64| -> u64 {
        // xorshift64*: enough for plausible data, no dependency.
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_F491_4F6C_DD1D) % m.max(1)
    };
    let first_ref: i64 = db.read(|c| {
        Ok::<_, anyhow::Error>(
            c.query_row("SELECT COALESCE(MAX(id), 0) FROM cases", [], |r| r.get(0))?,
        )
    })?;
    // A large page cache for the bulk load (this connection only, not stored).
    db.write(|tx| {
        tx.pragma_update(None, "cache_size", -262_144)?;
        Ok::<_, anyhow::Error>(())
    })?;
    let mut done = 0usize;
    while done < n {
        let upto = (done + CHUNK).min(n);
        db.write(|tx| {
            let mut case_st = tx.prepare(
                "INSERT INTO cases (id, reference, status, received, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            )?;
            let mut tr_st = tx.prepare(
                "INSERT INTO transitions (case_id, from_status, to_status, actor, at, reason)
                 VALUES (?1, ?2, ?3, 'seed', ?4, '')",
            )?;
            for i in done..upto {
                let id = first_ref + 1 + i as i64;
                let received = minus_days(today, next(days));
                let history = synthetic_history(received, today, &mut next);
                let status = history.last().map_or(Status::Received, |(_, to, _)| *to);
                case_st.execute(parcours_db::rusqlite::params![
                    id,
                    format!("PA-{}-{:07}", received.year(), id),
                    status.as_str(),
                    received.format("%Y-%m-%d").to_string(),
                    format!("{}T08:00:00", received.format("%Y-%m-%d")),
                ])?;
                for (from, to, day) in history {
                    tr_st.execute(parcours_db::rusqlite::params![
                        id,
                        from.as_str(),
                        to.as_str(),
                        format!("{}T10:00:00", day.format("%Y-%m-%d")),
                    ])?;
                }
            }
            Ok::<_, anyhow::Error>(())
        })?;
        done = upto;
    }
    Ok(())
}

/// A case's synthetic life, cut at `today`.
struct Life {
    out: Vec<(Status, Status, NaiveDate)>,
    status: Status,
    day: NaiveDate,
    today: NaiveDate,
}

impl Life {
    /// Moves to `to` `after` days later; `false` (and nothing) past `today`.
    fn step(&mut self, to: Status, after: u64) -> bool {
        let when = self.day + Days::new(after);
        if when > self.today {
            return false;
        }
        self.out.push((self.status, to, when));
        self.status = to;
        self.day = when;
        true
    }
}

/// A plausible life of a case received on `received`, cut at `today`.
fn synthetic_history(
    received: NaiveDate,
    today: NaiveDate,
    next: &mut impl FnMut(u64) -> u64,
) -> Vec<(Status, Status, NaiveDate)> {
    use Status::*;
    let mut life = Life {
        out: Vec::new(),
        status: Received,
        day: received,
        today,
    };
    live(&mut life, received, next);
    life.out
}

fn live(l: &mut Life, received: NaiveDate, next: &mut impl FnMut(u64) -> u64) {
    use Status::*;
    if !l.step(InReview, next(2)) {
        return;
    }
    if next(100) < 15 && !(l.step(Incomplete, 1 + next(5)) && l.step(InReview, 5 + next(30))) {
        return;
    }
    if next(100) < 8 {
        let _ = l.step(Rejected, 1 + next(5)) && l.step(Closed, 1 + next(10));
        return;
    }
    if !(l.step(Approved, 1 + next(6))
        && l.step(LetterPrinted, next(3))
        && l.step(Dispatched, next(2)))
    {
        return;
    }
    let fate = next(100);
    if fate < 8 {
        let _ = l.step(Returned, 3 + next(15)) && l.step(Closed, 1 + next(5));
        return;
    }
    if fate < 30 && !l.step(AwaitingPickup, 1 + next(4)) {
        return;
    }
    if l.step(Verified, 1 + next(8)) {
        // Closed once the promise's 28 days are over.
        let since = (l.day - received).num_days().max(0) as u64;
        let _ = l.step(Closed, 29u64.saturating_sub(since).max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_histograms() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[(5, 1)]), Some(5.0));
        assert_eq!(
            median(&[(3, 1), (9, 1)]),
            Some(6.0),
            "even count: mean of the two middle values"
        );
        assert_eq!(median(&[(1, 2), (4, 1), (10, 2)]), Some(4.0));
        assert_eq!(median(&[(1, 3), (10, 1)]), Some(1.0));
    }

    #[test]
    fn bucket_labels_follow_the_bounds() {
        assert_eq!(bucket_labels(), ["0-7", "8-14", "15-21", "22-28", ">28"]);
    }
}
