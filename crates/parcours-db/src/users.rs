//! The `users` table: logins, roles (SPEC §8) and Argon2id password hashes.
//! Who may do what is decided in `parcours_domain::roles`, not here.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::NaiveDateTime;
use parcours_domain::roles::Role;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::sql::{self, get_enum, get_opt_ts};
use crate::{DbError, Result};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// Row id.
    pub id: i64,
    /// Login.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id PHC string. Never shown, never sent to the UI.
    #[serde(skip)]
    pub password_hash: String,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: Option<NaiveDateTime>,
}

/// Hashes a password with Argon2id and a random salt; returns the PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|_| DbError::Password)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| DbError::Password)
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Creates a user; [`DbError::Conflict`] if the name is taken.
pub fn create(
    conn: &Connection,
    name: &str,
    role: Role,
    password_hash: &str,
    at: NaiveDateTime,
) -> Result<i64> {
    if get(conn, name)?.is_some() {
        return Err(DbError::Conflict(format!("utilisateur « {name} »")));
    }
    conn.execute(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role.as_str(), password_hash, sql::ts(at)],
    )?;
    Ok(conn.last_insert_rowid())
}

const COLUMNS: &str = "id, name, role, password_hash, disabled, created_at";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: get_enum(r, 2, "role", Role::parse)?,
        password_hash: r.get(3)?,
        disabled: r.get(4)?,
        created_at: get_opt_ts(r, 5)?,
    })
}

/// The user with this login, if any.
pub fn get(conn: &Connection, name: &str) -> Result<Option<UserRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM users WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?)
}

/// Number of users (0 on a new database: the first one is set up as admin).
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// Number of enabled users of `role` (e.g. not to disable the last admin).
pub fn count_enabled(conn: &Connection, role: Role) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = ?1 AND disabled = 0",
        [role.as_str()],
        |r| r.get(0),
    )?)
}

/// Every user, by name.
pub fn list(conn: &Connection) -> Result<Vec<UserRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY name"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn found(n: usize, name: &str) -> Result<()> {
    if n == 0 {
        Err(DbError::NotFound(format!("utilisateur « {name} »")))
    } else {
        Ok(())
    }
}

/// Changes a user's role.
pub fn set_role(conn: &Connection, name: &str, role: Role) -> Result<()> {
    let n = conn.execute(
        "UPDATE users SET role = ?2 WHERE name = ?1",
        params![name, role.as_str()],
    )?;
    found(n, name)
}

/// Disables or re-enables a user.
pub fn set_disabled(conn: &Connection, name: &str, disabled: bool) -> Result<()> {
    let n = conn.execute(
        "UPDATE users SET disabled = ?2 WHERE name = ?1",
        params![name, disabled],
    )?;
    found(n, name)
}

/// Replaces a user's password hash (from [`hash_password`]).
pub fn set_password_hash(conn: &Connection, name: &str, password_hash: &str) -> Result<()> {
    let n = conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE name = ?1",
        params![name, password_hash],
    )?;
    found(n, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_its_password_and_is_salted() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "PHC string of Argon2id: {h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct hors"));
        assert!(!verify_password("not a hash", "correct horse"));
        assert_ne!(
            hash_password("correct horse").unwrap(),
            h,
            "a random salt makes two hashes of one password differ"
        );
    }
}
