//! `parcours check nir|s10|mrz VALUE --json`.

use anyhow::Result;
use clap::Subcommand;
use parcours_app::identifiers;

use crate::{exit, session};

/// Arguments of `parcours check`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
    /// Sortie JSON.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum What {
    /// Numéro de sécurité sociale (espaces admis).
    Nir {
        /// Le NIR, par ex. « 1 84 12 76 451 089 46 ».
        value: Vec<String>,
    },
    /// Numéro de recommandé UPU S10 (par ex. RA 123 456 785 FR).
    S10 {
        /// Le numéro.
        value: Vec<String>,
    },
    /// Bande MRZ, une ligne par argument.
    Mrz {
        /// Les lignes.
        #[arg(required = true)]
        lines: Vec<String>,
    },
}

/// Runs the verb; exit 0 when valid, 3 when not.
pub fn run(args: Args) -> Result<u8> {
    let valid = match args.what {
        What::Nir { value } => show(identifiers::check_nir(&value.join(" ")), args.json)?,
        What::S10 { value } => show(identifiers::check_s10(&value.join(" ")), args.json)?,
        What::Mrz { lines } => {
            let on = session::now().date();
            let r = identifiers::check_mrz(&lines, on);
            let valid = r.valid;
            if args.json {
                session::print_json(&r)?;
            } else {
                println!("{}", if valid { "MRZ valide" } else { "MRZ invalide" });
                if let Some(d) = &r.document {
                    println!(
                        "  {} : {} {} — né(e) le {} — expire le {}",
                        d.kind.label_fr(),
                        d.surname,
                        d.given_names.join(" "),
                        d.birth_date
                            .map(|d| d.format("%d/%m/%Y").to_string())
                            .unwrap_or_default(),
                        d.expiry_date
                            .map(|d| d.format("%d/%m/%Y").to_string())
                            .unwrap_or_default()
                    );
                }
                for rep in &r.repairs {
                    println!(
                        "  corrigé : ligne {} position {} « {} » → « {} »",
                        rep.line, rep.position, rep.from, rep.to
                    );
                }
                for e in &r.errors {
                    println!("  - {}", e.message);
                }
            }
            valid
        }
    };
    Ok(if valid { exit::OK } else { exit::INVALID })
}

fn show(r: identifiers::ValueCheck, json: bool) -> Result<bool> {
    if json {
        session::print_json(&r)?;
    } else if r.valid {
        println!(
            "valide : {}",
            r.formatted.as_deref().unwrap_or(&r.normalized)
        );
    } else {
        println!("invalide : {}", r.normalized);
        for e in &r.errors {
            println!("  - {}", e.message);
        }
    }
    Ok(r.valid)
}
