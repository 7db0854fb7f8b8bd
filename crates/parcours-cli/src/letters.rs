//! `parcours letters print|dispatch|reprint|complement|reject`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use parcours_app::letters::{self, OrdinaryLetter, Templates};
use parcours_app::Refusal;

use crate::exit;
use crate::session::{self, Context};

/// `parcours letters …`
#[derive(clap::Args)]
pub struct Args {
    /// Dossier de modèles de lettres modifiés (sinon les textes intégrés).
    #[arg(long, global = true, env = "PARCOURS_TEMPLATES")]
    templates: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The verbs.
#[derive(Subcommand)]
enum Command {
    /// Imprimer les lettres recommandées de tous les dossiers approuvés, en un lot, avec le bordereau de dépôt.
    Print {
        /// Dossier où écrire les PDF (une lettre par dossier, le bordereau, le lot complet).
        #[arg(long)]
        out: PathBuf,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Enregistrer la remise d'un lot à La Poste (les dossiers passent « Expédié »).
    Dispatch {
        /// Numéro du lot.
        batch: i64,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Réimprimer la lettre recommandée d'un dossier pas encore remis à La Poste (nouveau numéro, nouveau code).
    Reprint {
        /// Référence du dossier.
        reference: String,
        /// Dossier où écrire le PDF.
        #[arg(long)]
        out: PathBuf,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Imprimer la demande de complément d'un dossier incomplet.
    Complement {
        /// Référence du dossier.
        reference: String,
        /// Dossier où écrire le PDF.
        #[arg(long)]
        out: PathBuf,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Imprimer la lettre de rejet d'un dossier rejeté.
    Reject {
        /// Référence du dossier.
        reference: String,
        /// Dossier où écrire le PDF.
        #[arg(long)]
        out: PathBuf,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
}

fn templates(dir: Option<&Path>) -> Result<Templates> {
    let Some(dir) = dir else {
        return Ok(Templates::embedded());
    };
    if !dir.is_dir() {
        return Err(Refusal::Invalid(format!(
            "dossier de modèles de lettres introuvable : {}",
            dir.display()
        ))
        .into());
    }
    Templates::from_dir(dir).map_err(|e| Refusal::Invalid(e.to_string()).into())
}

fn print_ordinary(l: &OrdinaryLetter, json: bool, what: &str) -> Result<()> {
    if json {
        session::print_json(l)
    } else {
        println!("{} : {what} → {}", l.reference, l.file.display());
        for r in &l.reasons {
            println!("  - {r}");
        }
        Ok(())
    }
}

/// Runs the verb.
pub fn run(ctx: &Context, args: Args) -> Result<u8> {
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let now = session::now();
    let today = now.date();
    match args.command {
        Command::Print { out, json } => {
            let t = templates(args.templates.as_deref())?;
            let b = letters::print_batch(&mut db, &actor, &out, &t, today, now)?;
            for s in &b.skipped {
                eprintln!(
                    "attention : {} non imprimé, adresse hors norme : {}",
                    s.reference, s.message
                );
            }
            if json {
                session::print_json(&b)?;
            } else {
                println!(
                    "Lot n° {} : {} lettre(s) recommandée(s)",
                    b.batch,
                    b.letters.len()
                );
                for l in &b.letters {
                    println!("  {}  {}  {}", l.reference, l.s10, l.file.display());
                }
                println!("Bordereau de dépôt : {}", b.slip.display());
                println!(
                    "À imprimer (recto seul) : {} ; puis « parcours letters dispatch {} » une fois le lot remis à La Poste",
                    b.combined.display(),
                    b.batch
                );
            }
        }
        Command::Dispatch { batch, json } => {
            let d = letters::dispatch_batch(&mut db, &actor, batch, now)?;
            if json {
                session::print_json(&d)?;
            } else {
                println!(
                    "Lot n° {} remis à La Poste : {} dossier(s) expédié(s)",
                    d.batch,
                    d.letters.len()
                );
            }
        }
        Command::Reprint {
            reference,
            out,
            json,
        } => {
            let t = templates(args.templates.as_deref())?;
            let r = letters::reprint(&mut db, &actor, &reference, &out, &t, today, now)?;
            if json {
                session::print_json(&r)?;
            } else {
                println!(
                    "{} : nouvelle lettre {} → {} (le n° {} est annulé)",
                    r.letter.reference,
                    r.letter.s10,
                    r.letter.file.display(),
                    r.voided_s10.as_deref().unwrap_or("?")
                );
                if let Some(slip) = &r.slip {
                    println!("Bordereau de dépôt mis à jour : {}", slip.display());
                }
            }
        }
        Command::Complement {
            reference,
            out,
            json,
        } => {
            let t = templates(args.templates.as_deref())?;
            let l = letters::complement_letter(&mut db, &actor, &reference, &out, &t, today, now)?;
            print_ordinary(&l, json, "demande de complément")?;
        }
        Command::Reject {
            reference,
            out,
            json,
        } => {
            let t = templates(args.templates.as_deref())?;
            let l = letters::rejection_letter(&mut db, &actor, &reference, &out, &t, today, now)?;
            print_ordinary(&l, json, "lettre de rejet")?;
        }
    }
    Ok(exit::OK)
}
