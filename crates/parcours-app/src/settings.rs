//! Reading and changing settings (administrators), every change audited.

use anyhow::Result;
use chrono::NaiveDateTime;
use parcours_db::{settings as store, Db};
use parcours_domain::roles::Permission;
use parcours_domain::settings::{self, Settings};
use serde::Serialize;

use crate::{audit_log, require, Actor, Refusal};

/// A setting as shown to an administrator.
#[derive(Debug, Clone, Serialize)]
pub struct SettingView {
    /// Key.
    pub key: &'static str,
    /// Effective value (stored or default); `None` when unset.
    pub value: Option<String>,
    /// What it is, in French.
    pub label: &'static str,
}

/// Every setting, or one.
pub fn get(db: &Db, actor: &Actor, key: Option<&str>) -> Result<Vec<SettingView>> {
    require(
        actor,
        Permission::ManageSettings,
        "consulter les paramètres",
    )?;
    if let Some(k) = key {
        settings::def(k).ok_or_else(|| {
            Refusal::Invalid(settings::SettingError::UnknownKey(k.into()).to_string())
        })?;
    }
    let pairs = db.read(|c| Ok::<_, anyhow::Error>(store::all(c)?))?;
    Ok(Settings::effective(&pairs)
        .into_iter()
        .filter(|(k, _)| key.is_none_or(|want| want == *k))
        .map(|(k, value)| SettingView {
            key: k,
            value,
            label: settings::def(k).map(|d| d.label_fr).unwrap_or_default(),
        })
        .collect())
}

/// Validates and stores a setting; returns its normal form.
pub fn set(
    db: &mut Db,
    actor: &Actor,
    key: &str,
    value: &str,
    at: NaiveDateTime,
) -> Result<String> {
    require(actor, Permission::ManageSettings, "modifier les paramètres")?;
    let normal = settings::validate(key, value).map_err(|e| Refusal::Invalid(e.to_string()))?;
    db.write(|tx| {
        let old = store::get(tx, key)?;
        store::set(tx, key, &normal, &actor.name, at)?;
        audit_log(
            tx,
            at,
            actor,
            "settings.set",
            None,
            serde_json::json!({"key": key, "old": old, "new": normal}),
        )?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(normal)
}

/// The typed settings, for other operations (no role needed: no personal data).
pub fn load(conn: &parcours_db::rusqlite::Connection) -> Result<Settings> {
    Ok(Settings::from_pairs(&store::all(conn)?))
}
