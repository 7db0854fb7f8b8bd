//! `parcours settings get|set`.

use anyhow::Result;
use clap::Subcommand;
use parcours_app::settings;

use crate::exit;
use crate::session::{self, Context};

/// `parcours settings …`
#[derive(Subcommand)]
pub enum Command {
    /// Afficher un paramètre, ou tous.
    Get {
        /// Clé (par ex. s10.first) ; toutes si absente.
        key: Option<String>,
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
    /// Modifier un paramètre.
    Set {
        /// Clé.
        key: String,
        /// Valeur.
        value: String,
    },
}

/// Runs the verb.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    match cmd {
        Command::Get { key, json } => {
            let list = settings::get(&db, &actor, key.as_deref())?;
            if json {
                session::print_json(&list)?;
            } else {
                for s in list {
                    println!(
                        "{} = {}\t# {}",
                        s.key,
                        s.value.as_deref().unwrap_or("(non défini)"),
                        s.label
                    );
                }
            }
        }
        Command::Set { key, value } => {
            let v = settings::set(&mut db, &actor, &key, &value, session::now())?;
            println!("{key} = {v}");
        }
    }
    Ok(exit::OK)
}
