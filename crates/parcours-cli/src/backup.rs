//! `parcours backup FILE [--json]` and `parcours restore FILE [--force] [--json]`.

use std::path::PathBuf;

use anyhow::Result;
use parcours_app::backup;

use crate::exit;
use crate::session::{self, Context};

/// Arguments of `parcours backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// Fichier de sauvegarde à créer (archive tar : base et scans) ; il ne doit pas exister.
    file: PathBuf,
    /// Sortie JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `parcours restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// Fichier écrit par `parcours backup`.
    file: PathBuf,
    /// Restaurer même si le dossier de la base n'est pas vide : la base et les
    /// scans actuels sont d'abord déplacés dans avant-restauration-DATE/.
    #[arg(long)]
    force: bool,
    /// Sortie JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `parcours backup`.
pub fn run_backup(ctx: &Context, args: BackupArgs) -> Result<u8> {
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let r = backup::backup(&mut db, &actor, &args.file, session::now())?;
    if args.json {
        session::print_json(&r)?;
    } else {
        println!(
            "sauvegarde {} écrite : base de {} octet(s), {} scan(s)",
            r.file.display(),
            r.manifest.database_bytes,
            r.manifest.scans
        );
    }
    for s in &r.damaged_scans {
        eprintln!("attention : le scan {s} était déjà altéré sur le disque ; copié tel quel");
    }
    Ok(exit::OK)
}

/// Runs `parcours restore`: the account is checked against the restored database.
pub fn run_restore(ctx: &Context, args: RestoreArgs) -> Result<u8> {
    let target = ctx.db_path()?;
    let r = backup::restore(&args.file, &target, args.force, session::now(), |db| {
        ctx.login(db)
    })?;
    if args.json {
        session::print_json(&r)?;
    } else {
        println!(
            "base {} restaurée depuis la sauvegarde du {} ({} scan(s))",
            r.database.display(),
            r.manifest.created_at.format("%d/%m/%Y %H:%M"),
            r.manifest.scans
        );
        if let Some(aside) = &r.moved_aside {
            println!("l'ancienne base et ses scans sont dans {}", aside.display());
        }
    }
    for s in &r.damaged_scans {
        eprintln!("attention : le scan {s} de la sauvegarde est altéré ; restauré tel quel");
    }
    Ok(exit::OK)
}
