//! `parcours export cases --csv FILE [--as-of DATE]`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use parcours_app::reports;

use crate::exit;
use crate::report::parse_day;
use crate::session::{self, Context};

/// `parcours export …`
#[derive(Subcommand)]
pub enum Command {
    /// Tous les dossiers en CSV pour un tableur (« ; », UTF-8 avec BOM, sans donnée personnelle).
    Cases {
        /// Fichier à écrire.
        #[arg(long)]
        csv: PathBuf,
        /// Jour de calcul des délais (AAAA-MM-JJ ; par défaut aujourd'hui).
        #[arg(long)]
        as_of: Option<String>,
    },
}

/// Runs the verb.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let Command::Cases { csv, as_of } = cmd;
    let as_of = match as_of {
        Some(s) => parse_day(&s)?,
        None => session::now().date(),
    };
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    // Written beside the target, then renamed: never half a file.
    let tmp = csv.with_extension("csv.part");
    let written = (|| -> Result<usize> {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("création de {}", tmp.display()))?;
        let mut out = BufWriter::new(file);
        let n = reports::export_cases(&mut db, &actor, as_of, &mut out, session::now())?;
        out.flush()
            .with_context(|| format!("écriture de {}", tmp.display()))?;
        std::fs::rename(&tmp, &csv).with_context(|| format!("écriture de {}", csv.display()))?;
        Ok(n)
    })();
    match written {
        Ok(n) => {
            eprintln!("{n} dossier(s) exporté(s) dans {}", csv.display());
            Ok(exit::OK)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
