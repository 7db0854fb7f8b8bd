//! Parcours operations: one function per user operation.
//!
//! The CLI verbs and the desktop commands are thin wrappers over these
//! functions. Each operation checks the actor's role first, runs in one
//! database transaction, and writes the audit log. This crate knows neither
//! the terminal nor Tauri; lower crates never depend on it.

use chrono::NaiveDateTime;
use parcours_db::Db;
use parcours_domain::roles::{may, Permission, Role};

pub mod audit;
pub mod backup;
pub mod cases;
pub mod counter;
pub mod eval;
pub mod identifiers;
pub mod intake;
pub mod letter_files;
pub mod letters;
pub mod reports;
pub mod retention;
pub mod review;
pub mod settings;
pub mod tracking;
pub mod users;

pub use parcours_capture::ensure_single_thread_openmp;
pub use parcours_db;
pub use parcours_domain as domain;

/// Who is doing something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Login.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// A refusal that callers can branch on (exit code, IPC error code). The
/// message is French, for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Wrong login or password, or disabled account.
    #[error("identifiant ou mot de passe incorrect")]
    BadCredentials,
    /// The actor's role does not allow the operation.
    #[error("opération refusée : le rôle {role} ne permet pas de {what}")]
    Forbidden {
        /// The role's French name.
        role: &'static str,
        /// What was asked, in French.
        what: &'static str,
    },
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request is not valid (bad value, illegal transition…).
    #[error("{0}")]
    Invalid(String),
}

impl Refusal {
    /// Stable code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::BadCredentials => "BAD_CREDENTIALS",
            Refusal::Forbidden { .. } => "FORBIDDEN",
            Refusal::NotFound(_) => "NOT_FOUND",
            Refusal::Invalid(_) => "INVALID",
        }
    }
}

/// Refuses unless `actor` may do `p`; `what` says what, in French.
pub fn require(actor: &Actor, p: Permission, what: &'static str) -> Result<(), Refusal> {
    if may(actor.role, p) {
        Ok(())
    } else {
        Err(Refusal::Forbidden {
            role: actor.role.label_fr(),
            what,
        })
    }
}

/// Opens (and creates or migrates) the database at `path`.
pub fn open(path: &std::path::Path) -> anyhow::Result<Db> {
    use anyhow::Context;
    Db::open(path).with_context(|| format!("ouverture de la base {}", path.display()))
}

/// Appends to the audit log inside the current transaction.
pub(crate) fn audit_log(
    tx: &parcours_db::rusqlite::Connection,
    at: NaiveDateTime,
    actor: &Actor,
    action: &str,
    case_id: Option<i64>,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    parcours_db::audit::append(tx, at, &actor.name, action, case_id, &details)?;
    Ok(())
}
