//! `parcours counter find|verify`: the post-office counter.

use anyhow::Result;
use clap::Subcommand;
use parcours_app::counter::{self, Outcome};
use parcours_app::Refusal;

use crate::exit;
use crate::session::{self, Context};

/// `parcours counter …`
#[derive(Subcommand)]
pub enum Command {
    /// Retrouver une lettre par son numéro de recommandé ou la référence du dossier.
    Find {
        /// Numéro de recommandé (RA 123 456 785 FR) ou référence (PA-2026-000001).
        query: String,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Enregistrer le contrôle de la pièce d'identité.
    Verify {
        /// Numéro de recommandé ou référence du dossier.
        query: String,
        /// Numéro de la pièce d'identité présentée.
        #[arg(long)]
        document_number: String,
        /// verified (lettre remise) ou refused (non remise).
        #[arg(long)]
        outcome: String,
        /// Motif (obligatoire si le numéro ne correspond pas au dossier).
        #[arg(long)]
        reason: Option<String>,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the verb.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    match cmd {
        Command::Find { query, json } => {
            let v = counter::find(&mut db, &actor, &query, session::now())?;
            if json {
                session::print_json(&v)?;
            } else {
                let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "?".into());
                println!("{} — {}", v.reference, v.status.label_fr());
                println!(
                    "  {} {} {}",
                    opt(&v.civility),
                    opt(&v.first_names),
                    opt(&v.last_name)
                );
                println!("  né(e) le {}", opt(&v.birth_date));
                match &v.id_document {
                    Some(d) => println!("  pièce : {:?} n° {}", d.kind, d.number),
                    None => println!("  pièce : non lue"),
                }
                println!("  recommandé : {}", opt(&v.s10));
                if v.letter_voided {
                    println!("  ATTENTION : lettre annulée (réimprimée), ne pas la remettre");
                }
            }
        }
        Command::Verify {
            query,
            document_number,
            outcome,
            reason,
            json,
        } => {
            let outcome = Outcome::parse(&outcome).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "résultat « {outcome} » inconnu : verified ou refused"
                ))
            })?;
            let r = counter::verify(
                &mut db,
                &actor,
                &query,
                &document_number,
                outcome,
                reason.as_deref(),
                session::now(),
            )?;
            if json {
                session::print_json(&r)?;
            } else {
                println!(
                    "{} : contrôle enregistré ({}), dossier « {} »",
                    r.reference,
                    if r.outcome == Outcome::Verified {
                        "lettre remise"
                    } else {
                        "lettre non remise"
                    },
                    r.status.label_fr()
                );
            }
        }
    }
    Ok(exit::OK)
}
