//! Bench of the managers' backlog on a large synthetic database.
//!
//! ```sh
//! cargo run --release -p parcours-app --example bench_backlog [-- CASES]
//! ```
//!
//! Seeds `CASES` (default 1 000 000) anonymous cases with plausible
//! transitions into a temporary database, then times the backlog report
//! (first run, then the best of five), a page of the case list and the CSV
//! export, and prints the figures.

use std::time::Instant;

use chrono::NaiveDate;
use parcours_app::domain::lifecycle::Status;
use parcours_app::domain::roles::Role;
use parcours_app::{cases, reports, Actor};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.replace('_', "").parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let today = NaiveDate::from_ymd_opt(2026, 6, 15).expect("a date");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let mut db = parcours_app::open(&path)?;
    let manager = Actor {
        name: "bench".into(),
        role: Role::Manager,
    };

    let t = Instant::now();
    reports::seed_synthetic(&mut db, n, today, 42)?;
    let seeded = t.elapsed();
    let (transitions, size): (i64, i64) = db.read(|c| {
        Ok::<_, anyhow::Error>((
            c.query_row("SELECT COUNT(*) FROM transitions", [], |r| r.get(0))?,
            c.query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get(0),
            )?,
        ))
    })?;
    println!(
        "seeded {n} cases, {transitions} transitions in {:.1} s ({} MB)",
        seeded.as_secs_f64(),
        size / 1_000_000
    );

    let at = today.and_hms_opt(9, 0, 0).expect("a time");
    let t = Instant::now();
    let b = reports::backlog(&mut db, &manager, today, at)?;
    let first = t.elapsed();
    let mut best = first;
    for _ in 0..5 {
        let t = Instant::now();
        reports::backlog(&mut db, &manager, today, at)?;
        best = best.min(t.elapsed());
    }
    println!(
        "backlog: first run {:.1} ms, best of 5 {:.1} ms",
        first.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3
    );
    println!(
        "  total {}, running by age {:?}, at risk {}, breached {}, median {:?} d (recent {:?} d)",
        b.total,
        b.ageing.iter().map(|a| a.count).collect::<Vec<_>>(),
        b.at_risk.len(),
        b.breached.len(),
        b.median_turnaround_days,
        b.median_turnaround_days_recent
    );
    println!("  by status: {}", serde_json::to_string(&b.by_status)?);
    if let Some(w) = b.weekly.last() {
        println!(
            "  week {}: {} received, {} verified",
            w.week, w.intake, w.completed
        );
    }

    // Each query alone, to see where the time goes.
    use parcours_app::domain::turnaround::{AT_RISK_DAYS, PROMISE_DAYS, RUNNING};
    use parcours_app::parcours_db::reports as q;
    let first_week = today - chrono::Days::new(7 * 12);
    db.read(|c| {
        let time = |name: &str, f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<()> {
            let t = Instant::now();
            f()?;
            println!("    {name:<28} {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
            Ok(())
        };
        time(
            "count by status",
            &mut || Ok(q::status_counts(c).map(drop)?),
        )?;
        time("ageing", &mut || {
            Ok(q::ageing(c, &RUNNING, today, &reports::AGE_BOUNDS).map(drop)?)
        })?;
        time("at risk and breached", &mut || {
            Ok(q::watch(c, &RUNNING, today, PROMISE_DAYS, AT_RISK_DAYS).map(drop)?)
        })?;
        time("intake per day", &mut || {
            Ok(q::intake_per_day(c, first_week, today).map(drop)?)
        })?;
        time("verified per day", &mut || {
            Ok(q::verified_per_day(c, first_week, today).map(drop)?)
        })?;
        time("median, all time", &mut || {
            Ok(q::turnaround_histogram(c, None).map(drop)?)
        })?;
        time("median, 12 weeks", &mut || {
            Ok(q::turnaround_histogram(c, Some((first_week, today))).map(drop)?)
        })?;
        Ok::<_, anyhow::Error>(())
    })?;

    // The work queues: a page of 50 cases, first and deep, all or one status.
    for (name, status, offset) in [
        ("case list, first page", None, 0),
        ("case list, page at the middle", None, n / 2),
        ("in-review queue, first page", Some(Status::InReview), 0),
    ] {
        let mut best = std::time::Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            cases::page(&mut db, &manager, status, offset, 50, at)?;
            best = best.min(t.elapsed());
        }
        println!("{name:<32} best of 5 {:.1} ms", best.as_secs_f64() * 1e3);
    }

    let t = Instant::now();
    let rows = reports::export_cases(&mut db, &manager, today, &mut std::io::sink(), at)?;
    println!("export of {rows} cases: {:.2} s", t.elapsed().as_secs_f64());
    Ok(())
}
