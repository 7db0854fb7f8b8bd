//! The `parcours` command: each verb parses its arguments, asks
//! `parcours-app` to do the operation, and prints the result (JSON with
//! `--json`). It is the only crate that knows the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod case;
mod check;
mod session;
mod settings;
mod user;

/// Exit codes scripts can rely on.
pub mod exit {
    /// Success (for `check`: the value is valid).
    pub const OK: u8 = 0;
    /// A failure of the machinery (IO, corrupt file…).
    pub const FAILURE: u8 = 1;
    /// Wrong usage (clap's own code).
    pub const USAGE: u8 = 2;
    /// The value or request is not valid (`check` of an invalid value, bad setting, illegal transition).
    pub const INVALID: u8 = 3;
    /// Authentication failed or the role does not allow the operation.
    pub const FORBIDDEN: u8 = 4;
    /// The case, user or letter does not exist.
    pub const NOT_FOUND: u8 = 5;
}

#[derive(Parser)]
#[command(
    name = "parcours",
    version,
    about = "Parcours — dossiers du parcours alternatif de vérification d'identité"
)]
struct Cli {
    /// Base de données SQLite (par défaut : dossier de données de l'utilisateur).
    #[arg(long, global = true, env = "PARCOURS_DB")]
    db: Option<PathBuf>,
    /// Compte utilisateur (mot de passe dans PARCOURS_PASSWORD ou demandé).
    #[arg(long, global = true, env = "PARCOURS_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Créer la base et, si elle n'a aucun compte, le premier administrateur.
    Init,
    /// Vérifier un NIR, un numéro de recommandé (S10) ou une bande MRZ.
    Check(check::Args),
    /// Gérer les comptes.
    #[command(subcommand)]
    User(user::Command),
    /// Consulter les dossiers.
    #[command(subcommand)]
    Case(case::Command),
    /// Lire ou modifier les paramètres (administrateur).
    #[command(subcommand)]
    Settings(settings::Command),
    /// Journal d'audit.
    #[command(subcommand)]
    Audit(audit::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = session::Context {
        db_path: cli.db.clone(),
        user: cli.user.clone(),
    };
    let result = match cli.command {
        Command::Init => user::init(&ctx),
        Command::Check(a) => check::run(a),
        Command::User(c) => user::run(&ctx, c),
        Command::Case(c) => case::run(&ctx, c),
        Command::Settings(c) => settings::run(&ctx, c),
        Command::Audit(c) => audit::run(&ctx, c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("erreur : {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  cause : {cause}");
            }
            ExitCode::from(session::exit_code(&e))
        }
    }
}
