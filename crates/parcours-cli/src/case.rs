//! `parcours case list|show`.

use anyhow::Result;
use clap::Subcommand;
use parcours_app::domain::lifecycle::Status;
use parcours_app::review::{self, Decision};
use parcours_app::{cases, Refusal};

use crate::exit;
use crate::session::{self, Context};

/// `parcours case …`
#[derive(Subcommand)]
pub enum Command {
    /// Lister les dossiers.
    List {
        /// Seulement ce statut (in_review, approved, …).
        #[arg(long)]
        status: Option<String>,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Décider : approve (approuver), reject (rejeter), incomplete (demander un complément).
    Decide {
        /// Référence du dossier.
        reference: String,
        /// approve, reject ou incomplete.
        decision: String,
        /// Motif (obligatoire pour un rejet, et pour approuver malgré un point bloquant).
        #[arg(long)]
        reason: Option<String>,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Corriger une rubrique lue par l'OCR (les contrôles sont refaits).
    Correct {
        /// Référence du dossier.
        reference: String,
        /// Rubrique (last_name, birth_date, nir…).
        field: String,
        /// Valeur saisie.
        value: String,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Afficher un dossier.
    Show {
        /// Référence du dossier (PA-2026-000001).
        reference: String,
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
        Command::List { status, json } => {
            let status = status
                .as_deref()
                .map(|s| {
                    Status::parse(s)
                        .ok_or_else(|| Refusal::Invalid(format!("statut inconnu « {s} »")))
                })
                .transpose()?;
            let list = cases::list(&mut db, &actor, status, session::now())?;
            if json {
                session::print_json(&list)?;
            } else {
                for c in &list {
                    println!(
                        "{}  {}  {:<22} {} {}{}",
                        c.reference,
                        c.received.format("%d/%m/%Y"),
                        c.status.label_fr(),
                        c.last_name.as_deref().unwrap_or("?"),
                        c.first_names.as_deref().unwrap_or(""),
                        if c.blocking > 0 {
                            format!("  ({} point(s) bloquant(s))", c.blocking)
                        } else {
                            String::new()
                        }
                    );
                }
                println!("{} dossier(s)", list.len());
            }
        }
        Command::Decide {
            reference,
            decision,
            reason,
            json,
        } => {
            let d = Decision::parse(&decision).ok_or_else(|| {
                Refusal::Invalid(format!(
                    "décision inconnue « {decision} » : approve, reject ou incomplete"
                ))
            })?;
            let v = review::decide(
                &mut db,
                &actor,
                &reference,
                d,
                reason.as_deref(),
                session::now(),
            )?;
            if json {
                session::print_json(&v)?;
            } else {
                println!("{} : {}", v.reference, v.status.label_fr());
            }
        }
        Command::Correct {
            reference,
            field,
            value,
            json,
        } => {
            let form = parcours_app::domain::form::FormTemplate::default_v1();
            let v = review::correct_field(
                &mut db,
                &actor,
                &form,
                &reference,
                &field,
                &value,
                session::now(),
            )?;
            if json {
                session::print_json(&v)?;
            } else {
                println!(
                    "{} : rubrique « {field} » corrigée, {} contrôle(s)",
                    v.reference,
                    v.checks.len()
                );
            }
        }
        Command::Show { reference, json } => {
            let v = cases::show(&mut db, &actor, &reference, session::now())?;
            if json {
                session::print_json(&v)?;
            } else {
                println!(
                    "{} — {} — reçu le {}",
                    v.reference,
                    v.status.label_fr(),
                    v.received.format("%d/%m/%Y")
                );
                for (k, f) in &v.fields {
                    let val = f.as_ref().map(|f| match &f.value {
                        parcours_app::domain::form::FieldValue::Text(s) => s.clone(),
                        parcours_app::domain::form::FieldValue::Bool(b) => {
                            if *b {
                                "oui".into()
                            } else {
                                "non".into()
                            }
                        }
                    });
                    println!("  {k:<22} {}", val.unwrap_or_default());
                }
                for c in &v.checks {
                    println!(
                        "  ! {} {}",
                        c.code.as_str(),
                        c.field.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(exit::OK)
}
