//! Fills a database with synthetic cases for the desktop tests and for
//! measuring long lists: `seed DB COUNT LOGIN PASSWORD` (a clerk's account).
//! Every case goes through `parcours_app::cases::record_intake`, as intake
//! would record it; names and NIRs are invented.

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
