//! What every verb shares: where the database is, who the user is, the clock.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use chrono::{Local, NaiveDateTime};
use parcours_app::{parcours_db::Db, Actor, Refusal};

use crate::exit;

/// Global options.
pub struct Context {
    /// `--db` / `PARCOURS_DB`.
    pub db_path: Option<PathBuf>,
    /// `--user` / `PARCOURS_USER`.
    pub user: Option<String>,
}

impl Context {
    /// The database file: `--db`, `PARCOURS_DB`, or the user's data directory.
    pub fn db_path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.db_path {
            return Ok(p.clone());
        }
        let dir = dirs::data_dir().context("dossier de données introuvable : indiquez --db")?;
        Ok(dir.join("parcours").join("parcours.db"))
    }

    /// Opens the database.
    pub fn open(&self) -> Result<Db> {
        parcours_app::open(&self.db_path()?)
    }

    /// Logs the user in (`--user` and `PARCOURS_PASSWORD` or a prompt).
    pub fn login(&self, db: &Db) -> Result<Actor> {
        let Some(name) = &self.user else {
            bail!(Refusal::Invalid(
                "indiquez votre compte avec --user NOM (ou PARCOURS_USER)".into()
            ));
        };
        let password = match std::env::var("PARCOURS_PASSWORD") {
            Ok(p) => p,
            Err(_) => prompt_password(&format!("Mot de passe de {name} : "))?,
        };
        parcours_app::users::authenticate(db, name, &password)
    }
}

/// Now, local time of the service.
pub fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

/// Asks for a password on the terminal, or reads one line of stdin.
pub fn prompt_password(prompt: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password(prompt)?)
    } else {
        read_stdin_line()
    }
}

/// Reads one line of standard input without its line end.
pub fn read_stdin_line() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("lecture de l'entrée standard")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// The exit code for an error chain.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<Refusal>() {
        Some(Refusal::BadCredentials | Refusal::Forbidden { .. }) => exit::FORBIDDEN,
        Some(Refusal::NotFound(_)) => exit::NOT_FOUND,
        Some(Refusal::Invalid(_)) => exit::INVALID,
        None => exit::FAILURE,
    }
}
