//! Accounts: the first administrator, logging in, adding users.

use anyhow::Result;
use chrono::NaiveDateTime;
use parcours_db::{users, Db};
use parcours_domain::roles::{Permission, Role};
use serde::Serialize;

use crate::{audit_log, require, Actor, Refusal};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

/// A user as listed to an administrator.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    /// Login.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The account cannot log in.
    pub disabled: bool,
}

/// Whether the database has no account yet (first run).
pub fn is_empty(db: &Db) -> Result<bool> {
    db.read(|c| Ok::<_, anyhow::Error>(users::count(c)? == 0))
}

/// Checks a login and password.
pub fn authenticate(db: &Db, name: &str, password: &str) -> Result<Actor> {
    let user = db.read(|c| Ok::<_, anyhow::Error>(users::get(c, name)?))?;
    match user {
        Some(u) if !u.disabled && users::verify_password(&u.password_hash, password) => Ok(Actor {
            name: u.name,
            role: u.role,
        }),
        _ => Err(Refusal::BadCredentials.into()),
    }
}

fn check_new_user(name: &str, password: &str) -> Result<(), Refusal> {
    let ok_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok_name {
        return Err(Refusal::Invalid(format!(
            "identifiant « {name} » refusé : lettres, chiffres, point, tiret ou souligné, 64 au plus"
        )));
    }
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Refusal::Invalid(format!(
            "mot de passe trop court : {MIN_PASSWORD_LEN} caractères au moins"
        )));
    }
    Ok(())
}

/// Creates the first account, an administrator, on an empty database.
/// Refused once any account exists.
pub fn create_first_admin(
    db: &mut Db,
    name: &str,
    password: &str,
    at: NaiveDateTime,
) -> Result<Actor> {
    check_new_user(name, password)?;
    let hash = users::hash_password(password)?;
    let actor = Actor {
        name: name.to_string(),
        role: Role::Admin,
    };
    db.write(|tx| {
        if users::count(tx)? != 0 {
            return Err(Refusal::Invalid(
                "la base a déjà des comptes : connectez-vous avec un compte administrateur".into(),
            )
            .into());
        }
        users::create(tx, name, Role::Admin, &hash, at)?;
        audit_log(
            tx,
            at,
            &actor,
            "user.create",
            None,
            serde_json::json!({"user": name, "role": "admin", "first": true}),
        )?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(actor)
}

/// Adds an account (administrators only).
pub fn add_user(
    db: &mut Db,
    actor: &Actor,
    name: &str,
    role: Role,
    password: &str,
    at: NaiveDateTime,
) -> Result<()> {
    require(actor, Permission::ManageUsers, "gérer les comptes")?;
    check_new_user(name, password)?;
    let hash = users::hash_password(password)?;
    db.write(|tx| {
        if users::get(tx, name)?.is_some() {
            return Err(Refusal::Invalid(format!("le compte « {name} » existe déjà")).into());
        }
        users::create(tx, name, role, &hash, at)?;
        audit_log(
            tx,
            at,
            actor,
            "user.create",
            None,
            serde_json::json!({"user": name, "role": role.as_str()}),
        )?;
        Ok::<_, anyhow::Error>(())
    })
}

/// Lists the accounts (administrators only).
pub fn list_users(db: &Db, actor: &Actor) -> Result<Vec<UserSummary>> {
    require(actor, Permission::ManageUsers, "gérer les comptes")?;
    db.read(|c| {
        Ok::<_, anyhow::Error>(
            users::list(c)?
                .into_iter()
                .map(|u| UserSummary {
                    name: u.name,
                    role: u.role,
                    disabled: u.disabled,
                })
                .collect(),
        )
    })
}
