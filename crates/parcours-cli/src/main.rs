//! The `parcours` command: each verb parses its arguments, asks
//! `parcours-app` to do the operation, and prints the result (JSON with
//! `--json`). It is the only crate that knows the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod backup;
mod case;
mod check;
mod counter;
mod eval;
mod export;
mod intake;
mod letters;
mod purge;
mod report;
mod session;
mod settings;
mod tracking;
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
    /// Lire une enveloppe scannée et créer le dossier (SPEC §9), ou surveiller le dossier du scanner.
    Intake(intake::Args),
    /// Mesurer la lecture sur un dossier d'enveloppes dont on connaît la vérité.
    Eval(eval::Args),
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
    /// Importer les événements de distribution de La Poste.
    #[command(subcommand)]
    Tracking(tracking::Command),
    /// Courriers : lettres recommandées et bordereau, remise à La Poste, réimpression, complément, rejet.
    Letters(letters::Args),
    /// Guichet : retrouver une lettre, enregistrer le contrôle d'identité.
    #[command(subcommand)]
    Counter(counter::Command),
    /// Tableaux de bord des responsables.
    #[command(subcommand)]
    Report(report::Command),
    /// Exporter les dossiers pour un tableur.
    #[command(subcommand)]
    Export(export::Command),
    /// Clore les dossiers vérifiés échus et purger les données personnelles (administrateur).
    Purge(purge::Args),
    /// Sauvegarder la base et les scans dans un fichier (administrateur).
    Backup(backup::BackupArgs),
    /// Restaurer une sauvegarde dans un dossier de données vide (administrateur).
    Restore(backup::RestoreArgs),
}

fn main() -> ExitCode {
    // Tesseract's OpenMP threads halve its speed on small machines.
    parcours_app::ensure_single_thread_openmp();
    let cli = Cli::parse();
    let ctx = session::Context {
        db_path: cli.db.clone(),
        user: cli.user.clone(),
    };
    let result = match cli.command {
        Command::Init => user::init(&ctx),
        Command::Intake(a) => intake::run(&ctx, a),
        Command::Eval(a) => eval::run(a),
        Command::Check(a) => check::run(a),
        Command::User(c) => user::run(&ctx, c),
        Command::Case(c) => case::run(&ctx, c),
        Command::Settings(c) => settings::run(&ctx, c),
        Command::Audit(c) => audit::run(&ctx, c),
        Command::Tracking(c) => tracking::run(&ctx, c),
        Command::Letters(a) => letters::run(&ctx, a),
        Command::Counter(c) => counter::run(&ctx, c),
        Command::Report(c) => report::run(&ctx, c),
        Command::Export(c) => export::run(&ctx, c),
        Command::Purge(a) => purge::run(&ctx, a),
        Command::Backup(a) => backup::run_backup(&ctx, a),
        Command::Restore(a) => backup::run_restore(&ctx, a),
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
