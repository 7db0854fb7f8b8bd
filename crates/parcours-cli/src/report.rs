//! `parcours report backlog [--as-of DATE] [--json]`.

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use parcours_app::{reports, Refusal};

use crate::exit;
use crate::session::{self, Context};

/// `parcours report …`
#[derive(Subcommand)]
pub enum Command {
    /// Stock de dossiers, ancienneté, dossiers à risque et hors délai, flux hebdomadaires.
    Backlog {
        /// Jour de calcul (AAAA-MM-JJ ; par défaut aujourd'hui).
        #[arg(long)]
        as_of: Option<String>,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Parses `--as-of` (`AAAA-MM-JJ` or `JJ/MM/AAAA`).
pub fn parse_day(s: &str) -> Result<NaiveDate> {
    parcours_app::domain::tracking::parse_date(s).ok_or_else(|| {
        Refusal::Invalid(format!("date « {s} » illisible : AAAA-MM-JJ attendu")).into()
    })
}

/// Runs the verb.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let Command::Backlog { as_of, json } = cmd;
    let as_of = match as_of {
        Some(s) => parse_day(&s)?,
        None => session::now().date(),
    };
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let b = reports::backlog(&mut db, &actor, as_of, session::now())?;
    if json {
        session::print_json(&b)?;
        return Ok(exit::OK);
    }
    println!(
        "Stock au {} : {} dossier(s)",
        b.as_of.format("%d/%m/%Y"),
        b.total
    );
    for (st, n) in &b.by_status.0 {
        println!("  {:<24} {n}", st.label_fr());
    }
    println!("Ancienneté des dossiers en cours (jours, suspensions exclues) :");
    for a in &b.ageing {
        println!("  {:<8} {}", a.bucket, a.count);
    }
    for (title, list) in [("À risque", &b.at_risk), ("Hors délai", &b.breached)] {
        println!("{title} : {}", list.len());
        for w in list {
            println!(
                "  {}  reçu le {}  échéance {}  {:>4} j  {}",
                w.reference,
                w.received.format("%d/%m/%Y"),
                w.due.format("%d/%m/%Y"),
                w.days_left,
                w.status.label_fr()
            );
        }
    }
    println!("Semaine     reçus  vérifiés");
    for w in &b.weekly {
        println!("  {}  {:>6}  {:>8}", w.week, w.intake, w.completed);
    }
    let med = |m: Option<f64>| m.map_or("—".to_string(), |m| format!("{m} j"));
    println!(
        "Délai médian réception → vérification : {} (12 dernières semaines : {})",
        med(b.median_turnaround_days),
        med(b.median_turnaround_days_recent)
    );
    Ok(exit::OK)
}
