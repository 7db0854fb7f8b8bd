//! `parcours user add|list`.

use anyhow::Result;
use clap::Subcommand;
use parcours_app::domain::roles::Role;
use parcours_app::{users, Refusal};

use crate::exit;
use crate::session::{self, Context};

/// `parcours user …`
#[derive(Subcommand)]
pub enum Command {
    /// Créer un compte ; le mot de passe est lu sur l'entrée standard.
    /// Sur une base vide, le premier compte est créé administrateur sans authentification.
    Add {
        /// Identifiant.
        name: String,
        /// Rôle : clerk, counter_agent, manager, admin.
        #[arg(long)]
        role: Option<String>,
    },
    /// Lister les comptes (administrateur).
    List {
        /// Sortie JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `parcours init`: creates the database and, on an empty one, asks for the
/// first administrator's login and password.
pub fn init(ctx: &Context) -> Result<u8> {
    let path = ctx.db_path()?;
    let mut db = ctx.open()?;
    if !users::is_empty(&db)? {
        println!("base {} prête", path.display());
        return Ok(exit::OK);
    }
    println!("Première utilisation : base créée dans {}", path.display());
    eprint!("Identifiant du premier administrateur : ");
    let name = session::read_stdin_line()?.trim().to_string();
    let password = session::prompt_password(&format!(
        "Mot de passe de {name} (8 caractères au moins) : "
    ))?;
    users::create_first_admin(&mut db, &name, &password, session::now())?;
    println!("compte administrateur « {name} » créé");
    Ok(exit::OK)
}

/// Runs the verb.
pub fn run(ctx: &Context, cmd: Command) -> Result<u8> {
    let mut db = ctx.open()?;
    match cmd {
        Command::Add { name, role } => {
            let role = role
                .as_deref()
                .map(|r| {
                    Role::parse(r).ok_or_else(|| {
                        Refusal::Invalid(format!(
                            "rôle inconnu « {r} » : clerk, counter_agent, manager ou admin"
                        ))
                    })
                })
                .transpose()?;
            if users::is_empty(&db)? {
                if role.is_some_and(|r| r != Role::Admin) {
                    eprintln!(
                        "note : le premier compte d'une base vide est toujours administrateur"
                    );
                }
                let password = session::prompt_password(&format!("Mot de passe de {name} : "))?;
                users::create_first_admin(&mut db, &name, &password, session::now())?;
                println!("compte administrateur « {name} » créé");
            } else {
                let role =
                    role.ok_or_else(|| Refusal::Invalid("indiquez le rôle avec --role".into()))?;
                let actor = ctx.login(&db)?;
                // The new account's password is the next stdin line (after the actor's, if prompted).
                let password = session::prompt_password(&format!("Mot de passe de {name} : "))?;
                users::add_user(&mut db, &actor, &name, role, &password, session::now())?;
                println!("compte « {name} » ({}) créé", role.label_fr());
            }
        }
        Command::List { json } => {
            let actor = ctx.login(&db)?;
            let list = users::list_users(&db, &actor)?;
            if json {
                session::print_json(&list)?;
            } else {
                for u in list {
                    println!(
                        "{:<20} {}{}",
                        u.name,
                        u.role.label_fr(),
                        if u.disabled { " (désactivé)" } else { "" }
                    );
                }
            }
        }
    }
    Ok(exit::OK)
}
