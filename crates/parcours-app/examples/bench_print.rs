//! Bench of `letters::print_batch`: seeds `CASES` approved cases (default
//! 100) into a temporary database, prints them as one batch and prints the
//! seconds taken.
//!
//! ```sh
//! cargo run -p parcours-app --example bench_print [-- CASES [OUT_DIR]]
//! ```
//!
//! With `OUT_DIR`, the PDFs are left there to look at.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use parcours_app::cases::{self, NewIntake};
use parcours_app::domain::checks::{CaseReading, FieldReading};
use parcours_app::domain::form::{FieldValue, FormTemplate};
use parcours_app::domain::roles::Role;
use parcours_app::letters::{self, Templates};
use parcours_app::review::{self, Decision};
use parcours_app::{settings, users, Actor};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100);
    let keep = std::env::args().nth(2).map(std::path::PathBuf::from);
    let dir = tempfile::tempdir()?;
    let out = keep.unwrap_or_else(|| dir.path().join("out"));
    let at = NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let mut db = parcours_app::open(&dir.path().join("bench.db"))?;
    let admin = users::create_first_admin(&mut db, "admin", "motdepasse", at)?;
    users::add_user(&mut db, &admin, "alice", Role::Clerk, "motdepasse", at)?;
    for (k, v) in [
        ("s10.service", "RA"),
        ("s10.first", "12345600"),
        ("s10.last", "12349999"),
    ] {
        settings::set(&mut db, &admin, k, v, at)?;
    }
    let clerk = Actor {
        name: "alice".into(),
        role: Role::Clerk,
    };
    let form = FormTemplate::default_v1();
    let seeding = Instant::now();
    let names = [
        (
            "madame",
            "Hélène Marie",
            "Lefèvre-Dupré",
            "97110",
            "Pointe-à-Pitre",
        ),
        ("monsieur", "Jean-Pierre", "Martin", "59000", "Lille"),
        ("madame", "Anne", "N'Diaye", "69006", "Lyon"),
    ];
    for i in 0..n {
        let (civ, first, last, pc, city) = names[i % names.len()];
        let last = format!("{last} {}", i + 1);
        let fields: Vec<(&str, &str)> = vec![
            ("civility", civ),
            ("first_names", first),
            ("last_name", &last),
            ("address_complement", "Appartement 12, escalier B"),
            (
                "address_line",
                "14 boulevard du Maréchal de Lattre de Tassigny",
            ),
            ("postcode", pc),
            ("city", city),
        ];
        let reading = CaseReading {
            fields: fields
                .into_iter()
                .map(|(k, v)| {
                    let f = FieldReading {
                        value: Some(FieldValue::Text(v.into())),
                        confidence: 0.99,
                    };
                    (k.to_string(), f)
                })
                .collect(),
            ..Default::default()
        };
        let v = cases::record_intake(
            &mut db,
            &clerk,
            &form,
            NewIntake {
                reading: &reading,
                pages: &[],
                crops: &BTreeMap::new(),
                received: at.date(),
            },
            at,
        )?;
        review::decide(
            &mut db,
            &clerk,
            &v.reference,
            Decision::Approve,
            Some("bench"),
            at,
        )?;
    }
    println!(
        "{n} approved cases seeded in {:.2} s",
        seeding.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let b = letters::print_batch(&mut db, &clerk, &out, &Templates::embedded(), at.date(), at)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "print_batch of {} letters: {secs:.2} s ({:.1} ms a letter); slip {}, combined {}",
        b.letters.len(),
        secs * 1000.0 / b.letters.len() as f64,
        b.slip.display(),
        b.combined.display()
    );
    Ok(())
}
