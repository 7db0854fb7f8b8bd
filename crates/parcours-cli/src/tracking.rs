//! `parcours tracking import FILE.csv [--json]`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use parcours_app::{tracking, Refusal};

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
    let bytes = read_capped(&file)?;
    let report = tracking::import(&mut db, &actor, &bytes, session::now())
        .with_context(|| format!("import de {}", file.display()))?;
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

/// La Poste's files hold a few thousand rows; anything far larger (or a
/// device such as `/dev/zero`) is refused before it fills the memory.
const MAX_FILE_BYTES: u64 = 64 << 20;

fn read_capped(file: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let f = std::fs::File::open(file).with_context(|| format!("lecture de {}", file.display()))?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("lecture de {}", file.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        anyhow::bail!(Refusal::Invalid(format!(
            "{} dépasse {} Mo : ce n'est pas un fichier de suivi de La Poste",
            file.display(),
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(bytes)
}
