//! `parcours tracking import FILE.csv [--json]`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use parcours_app::tracking;

use crate::exit;
use crate::session::{self, Context};

/// `parcours tracking …`
#[derive(Subcommand)]
pub enum Command {
    /// Importer un fichier CSV d'événements de La Poste
    /// (tracking_number, event_date, event).
    Import {
        /// Fichier CSV (séparateur virgule ou point-virgule, UTF-8).
        file: PathBuf,
        /// Sortie JSON : {"applied", "duplicates", "unknown", "errors"}.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the verb.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let Command::Import { file, json } = cmd;
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let bytes = std::fs::read(&file).with_context(|| format!("lecture de {}", file.display()))?;
    let report = tracking::import(&mut db, &actor, &bytes, session::now())?;
    if json {
        session::print_json(&report)?;
    } else {
        println!(
            "{} événement(s) enregistré(s), {} déjà connu(s)",
            report.applied, report.duplicates
        );
        for u in &report.unknown {
            println!(
                "  ligne {} : numéro {} inconnu (aucune de nos lettres)",
                u.line, u.tracking_number
            );
        }
        for e in &report.errors {
            println!("  ligne {} : {}", e.line, e.message);
        }
    }
    Ok(exit::OK)
}
