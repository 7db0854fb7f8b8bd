//! `parcours eval DIR [--json]`: scores intake against a directory of truths.

use std::path::PathBuf;

use anyhow::Result;
use parcours_app::domain::form::FormTemplate;

use crate::{exit, session};

/// Arguments of `parcours eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Dossier d'enveloppes NOM.pdf + NOM.expected.json.
    dir: PathBuf,
    /// Seuil de confiance (par défaut celui des paramètres par défaut).
    #[arg(long, default_value_t = 0.7)]
    threshold: f32,
    /// Seulement les N premières enveloppes.
    #[arg(long)]
    limit: Option<usize>,
    /// Sortie JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the verb.
pub fn run(args: Args) -> Result<u8> {
    let form = FormTemplate::default_v1();
    let r = parcours_app::eval::run(&args.dir, &form, args.threshold, args.limit)?;
    if args.json {
        session::print_json(&r)?;
    } else {
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        println!("enveloppes            {}", r.envelopes);
        println!("échecs de lecture     {}", r.failures.len());
        println!(
            "types de page         {} ({}/{})",
            pct(r.page_kinds.rate),
            r.page_kinds.ok,
            r.page_kinds.total
        );
        for (tier, f) in &r.fields_by_tier {
            println!(
                "rubriques exactes     {} ({}/{}) [{tier}]",
                pct(f.rate),
                f.ok,
                f.total
            );
        }
        println!("sûres mais fausses    {}", pct(r.confident_but_wrong.rate));
        println!(
            "MRZ lues              {} ({}/{})",
            pct(r.mrz_reads.rate),
            r.mrz_reads.ok,
            r.mrz_reads.total
        );
        println!(
            "bloquants : précision {}  rappel {}",
            pct(r.blocking_precision.rate),
            pct(r.blocking_recall.rate)
        );
        println!(
            "dossiers sains bloqués {}",
            pct(r.clean_wrongly_blocked.rate)
        );
        println!("secondes / enveloppe  {:.2}", r.seconds_per_envelope);
    }
    Ok(exit::OK)
}
