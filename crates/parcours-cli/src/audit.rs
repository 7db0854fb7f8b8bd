//! `parcours audit verify`.

use anyhow::Result;
use clap::Subcommand;

use crate::exit;
use crate::session::{self, Context};

/// `parcours audit …`
#[derive(Subcommand)]
pub enum Command {
    /// Vérifier que le journal d'audit n'a pas été modifié.
    Verify {
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the verb; exit 3 when the chain is broken.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let Command::Verify { json } = cmd;
    let r = parcours_app::audit::verify(&db, &actor)?;
    if json {
        session::print_json(&r)?;
    } else if r.ok {
        println!("journal d'audit intact : {} entrée(s)", r.rows);
    } else {
        println!(
            "journal d'audit ALTÉRÉ à partir de l'entrée {} ({})",
            r.first_bad.map(|i| i.to_string()).unwrap_or_default(),
            r.problem.as_deref().unwrap_or("")
        );
    }
    Ok(if r.ok { exit::OK } else { exit::INVALID })
}
