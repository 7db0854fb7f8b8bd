//! The one error the UI receives: `{ code, message }`.

use parcours_app::Refusal;
use serde::Serialize;

/// An error as the UI receives it. `code` is [`Refusal::code`]
/// (`BAD_CREDENTIALS`, `FORBIDDEN`, `NOT_FOUND`, `INVALID`), `NOT_LOGGED_IN`
/// when no session is open, or `FAILURE` for a failure of the machinery.
/// `message` is French, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AppError {
    /// Stable code the UI branches on.
    pub code: String,
    /// French message, for the user.
    pub message: String,
}

impl AppError {
    /// No session: the UI goes back to the login screen.
    pub fn not_logged_in() -> AppError {
        AppError {
            code: "NOT_LOGGED_IN".into(),
            message: "session fermée : connectez-vous".into(),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        AppError {
            code: r.code().into(),
            message: r.to_string(),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> AppError {
        if let Some(r) = e.downcast_ref::<Refusal>() {
            return r.clone().into();
        }
        eprintln!("parcours-desktop: operation failed: {e:#}");
        AppError {
            code: "FAILURE".into(),
            message: format!("l'opération a échoué : {e:#}"),
        }
    }
}

/// Result of every command.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_their_code_and_other_errors_are_failures() {
        let e: AppError = anyhow::Error::from(Refusal::NotFound("aucun".into())).into();
        assert_eq!(e.code, "NOT_FOUND");
        assert_eq!(e.message, "aucun");
        let e: AppError = anyhow::anyhow!("disque plein").into();
        assert_eq!(e.code, "FAILURE");
        assert!(e.message.contains("disque plein"));
    }
}
