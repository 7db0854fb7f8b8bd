//! Renders 1,000 registered letters and their deposit slip and prints the
//! seconds taken: `cargo run --release -p parcours-letters --example bench_letters`.
//! An optional argument sets the number of letters.

use std::time::Instant;

use chrono::NaiveDate;
use parcours_domain::address;
use parcours_domain::s10::S10;
use parcours_domain::Civility;
use parcours_letters::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1000);
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let templates = Templates::embedded();
    let layout = LetterLayout::default();
    let letters: Vec<RegisteredLetter> = (0..n)
        .map(|i| {
            Ok(RegisteredLetter {
                reference: format!("PA-2026-{i:06}"),
                s10: S10::new("RA", 30_000_000 + i, "FR")?,
                civility: Some(Civility::Monsieur),
                address: address::build(
                    Some(Civility::Monsieur),
                    "Jean",
                    &format!("Martin {i}"),
                    Some("Appartement 12"),
                    "3 avenue Foch",
                    "69006",
                    "Lyon",
                )?,
                date,
                activation_code: new_activation_code(&mut rng),
                sender: Sender::default(),
            })
        })
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    let batch = Batch {
        id: "bench".into(),
        date,
        sender: Sender::default(),
        items: letters
            .iter()
            .map(|l| SlipItem {
                s10: l.s10.clone(),
                recipient: l.address.lines[0].clone(),
                postcode: "69006".into(),
                city: "LYON".into(),
                reference: l.reference.clone(),
            })
            .collect(),
    };

    let start = Instant::now();
    let mut bytes = 0;
    for l in &letters {
        bytes += registered_letter(l, &layout, &templates)?.len();
    }
    let letters_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let slip = deposit_slip(&batch)?;
    let slip_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let docs: Vec<Printable> = letters.iter().map(Printable::Registered).collect();
    let run = combine(&docs, &layout, &templates)?;
    let combined_s = start.elapsed().as_secs_f64();
    println!(
        "{n} registered letters, one PDF each: {letters_s:.2} s ({:.1} ms and {} KB a letter)",
        letters_s * 1000.0 / f64::from(n),
        bytes / n as usize / 1000
    );
    println!(
        "deposit slip of {n} letters: {slip_s:.2} s ({} KB)",
        slip.len() / 1000
    );
    println!(
        "the {n} letters as one PDF (combine): {combined_s:.2} s ({} KB)",
        run.len() / 1000
    );
    Ok(())
}
