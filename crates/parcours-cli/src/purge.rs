//! `parcours purge [--as-of DATE] [--json]`: closes the verified cases whose
//! promise is over, then purges personal data and scans past retention.

use anyhow::Result;
use clap::Args as ClapArgs;
use parcours_app::retention;

use crate::exit;
use crate::report::parse_day;
use crate::session::{self, Context};

/// `parcours purge` options.
#[derive(ClapArgs)]
pub struct Args {
    /// Agir comme si l'on était ce jour-là (AAAA-MM-JJ ; rattrapage, essais).
    #[arg(long)]
    as_of: Option<String>,
    /// Sortie JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the verb.
pub fn run(ctx: &Context, args: Args) -> Result<u8> {
    let now = session::now();
    let as_of = match &args.as_of {
        Some(s) => parse_day(s)?.and_time(now.time()),
        None => now,
    };
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let r = retention::purge(&mut db, &actor, as_of)?;
    if args.json {
        session::print_json(&r)?;
    } else {
        println!(
            "{} dossier(s) vérifié(s) clos, {} dossier(s) purgé(s) (clos depuis plus de {} jours), {} fichier(s) supprimé(s)",
            r.closed.len(),
            r.purged,
            r.retention_days,
            r.files_removed
        );
    }
    Ok(exit::OK)
}
