//! Fills a database with synthetic cases for the desktop tests and for
//! measuring long lists: `seed DB COUNT LOGIN PASSWORD` (a clerk's account).
//! Every case goes through `parcours_app::cases::record_intake`, as intake
//! would record it; names and NIRs are invented.
//!
//! `seed DB --counts` prints what the database holds, for the tests to
//! compare with the screens: `{"total": N, "by_status": {"in_review": N…}}`,
//! counted with SQL on the `cases` table.
//!
//! `seed DB --bench N LOGIN PASSWORD` adds `N` anonymous cases
//! (`reports::seed_synthetic`) and times the work-queue pages the desktop
//! asks for (`cases::page`) against the whole audited list (`cases::list`).

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use chrono::{Duration, NaiveDate};
use parcours_app::cases::{self, NewIntake};
use parcours_app::users;
use parcours_domain::checks::{CaseReading, FieldReading};
use parcours_domain::form::{FieldValue, FormTemplate};

const LAST: [&str; 8] = [
    "DUPONT", "MARTIN", "BERNARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON",
];
const FIRST: [&str; 8] = [
    "JEAN", "MARIE", "ÉLODIE", "KARIM", "SOPHIE", "LUC", "AMINATA", "PAUL",
];

fn nir(i: usize) -> String {
    let body = format!("1840276451{:03}", i % 1000);
    let n: u64 = body.parse().expect("digits");
    format!("{body}{:02}", 97 - n % 97)
}

fn reading(i: usize) -> CaseReading {
    let mut fields = BTreeMap::new();
    let mut put = |k: &str, v: FieldValue, c: f32| {
        fields.insert(
            k.to_string(),
            FieldReading {
                value: Some(v),
                confidence: c,
            },
        );
    };
    let text = |s: &str| FieldValue::Text(s.to_string());
    put("civility", text("monsieur"), 0.98);
    put("last_name", text(LAST[i % 8]), 0.95);
    put("birth_name", text(LAST[i % 8]), 0.93);
    put("first_names", text(FIRST[(i / 8) % 8]), 0.9);
    put("birth_date", text("1984-02-24"), 0.97);
    put("address_line", text("12 RUE DES LILAS"), 0.88);
    put("postcode", text("59000"), 0.99);
    put("city", text("LILLE"), 0.96);
    if !i.is_multiple_of(3) {
        put("email", text("demandeur@example.org"), 0.9);
    }
    put(
        "nir",
        text(&nir(i)),
        if i.is_multiple_of(5) { 0.5 } else { 0.95 },
    );
    put("motive_no_smartphone", FieldValue::Bool(true), 0.99);
    put("signed_place", text("LILLE"), 0.9);
    put("signed_date", text("2026-03-01"), 0.9);
    put("signature", FieldValue::Bool(!i.is_multiple_of(7)), 0.9);
    CaseReading {
        fields,
        id_proof_pages: 1,
        ssn_proof_pages: usize::from(!i.is_multiple_of(4)),
        ..Default::default()
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [db, flag] = args.as_slice() {
        if flag == "--counts" {
            return counts(db);
        }
    }
    if let [db, flag, n, login, password] = args.as_slice() {
        if flag == "--bench" {
            return bench(db, n.parse().context("N")?, login, password);
        }
    }
    let [db, count, login, password] = args.as_slice() else {
        bail!("usage: seed DB COUNT LOGIN PASSWORD");
    };
    let count: usize = count.parse().context("COUNT")?;
    let mut db = parcours_app::open(std::path::Path::new(db))?;
    let actor = users::authenticate(&db, login, password)?;
    let form = FormTemplate::default_v1();
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
    let at = start.and_hms_opt(9, 0, 0).expect("time");
    for i in 0..count {
        let r = reading(i);
        cases::record_intake(
            &mut db,
            &actor,
            &form,
            NewIntake {
                reading: &r,
                pages: &[],
                crops: &BTreeMap::new(),
                received: start + Duration::days((i % 60) as i64),
            },
            at,
        )?;
    }
    println!("{count} dossiers créés");
    Ok(())
}

fn counts(path: &str) -> Result<()> {
    let db = parcours_app::open(std::path::Path::new(path))?;
    let rows: Vec<(String, i64)> = db.read(|c| {
        let mut st = c.prepare("SELECT status, COUNT(*) FROM cases GROUP BY status")?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, anyhow::Error>(rows)
    })?;
    let total: i64 = rows.iter().map(|(_, n)| n).sum();
    let by_status: serde_json::Map<String, serde_json::Value> = rows
        .into_iter()
        .map(|(s, n)| (s, serde_json::Value::from(n)))
        .collect();
    println!(
        "{}",
        serde_json::json!({"total": total, "by_status": by_status})
    );
    Ok(())
}

fn bench(path: &str, n: usize, login: &str, password: &str) -> Result<()> {
    use parcours_domain::lifecycle::Status;
    use std::time::Instant;
    let mut db = parcours_app::open(std::path::Path::new(path))?;
    let actor = users::authenticate(&db, login, password)?;
    let today = chrono::Local::now().date_naive();
    let t = Instant::now();
    parcours_app::reports::seed_synthetic(&mut db, n, today, 7)?;
    println!("{n} dossiers ajoutés en {:.1} s", t.elapsed().as_secs_f64());
    let at = today.and_hms_opt(12, 0, 0).context("time")?;
    for (status, offset) in [
        (None, 0),
        (None, n / 2),
        (Some(Status::Verified), 0),
        (Some(Status::Closed), 10_000),
        (Some(Status::InReview), 0),
    ] {
        let t = Instant::now();
        let p = cases::page(&mut db, &actor, status, offset, 50, at)?;
        println!(
            "page {:?} à partir de {offset} : {} lignes sur {} en {:.1} ms",
            status.map(|s| s.as_str()),
            p.items.len(),
            p.total,
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let t = Instant::now();
    let all = cases::list(&mut db, &actor, None, at)?;
    println!(
        "liste complète : {} lignes en {:.1} ms",
        all.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
