//! What the shell keeps between commands: the database and the session.
//!
//! The logged-in [`Actor`] lives here, in Rust; the UI never sends who it is.
//! Every method is one `parcours-app` operation behind the session check, so
//! that it can be tested without a window.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;
use chrono::{Local, NaiveDateTime};
use parcours_app::parcours_db::Db;
use parcours_app::{cases, identifiers, settings, users, Actor};
use parcours_domain::form::FormTemplate;
use parcours_domain::lifecycle::{Status, ALL_STATUSES};

use crate::dto::{
    CaseDto, CaseLine, CasePage, MrzCheckDto, RoleDto, SessionDto, SettingDto, StatusCount,
    StatusDto, UserDto, ValueCheckDto,
};
use crate::error::{AppError, AppResult};

/// Largest page of a case list.
pub const MAX_PAGE: u32 = 500;

/// The database file: `PARCOURS_DB`, else the user's data directory — the
/// same default as the `parcours` command.
pub fn default_db_path() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("PARCOURS_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let dir =
        dirs::data_dir().context("dossier de données introuvable : définissez PARCOURS_DB")?;
    Ok(dir.join("parcours").join("parcours.db"))
}

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

/// The shell's state, managed by Tauri.
pub struct AppState {
    path: PathBuf,
    db: Mutex<Option<Db>>,
    session: Mutex<Option<Actor>>,
    form: FormTemplate,
}

impl AppState {
    /// A state on the database at `path`, opened on first use.
    pub fn new(path: PathBuf) -> AppState {
        AppState {
            path,
            db: Mutex::new(None),
            session: Mutex::new(None),
            form: FormTemplate::default_v1(),
        }
    }

    fn with_db<T>(&self, f: impl FnOnce(&mut Db) -> anyhow::Result<T>) -> AppResult<T> {
        let mut guard = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(parcours_app::open(&self.path)?);
        }
        let db = guard.as_mut().expect("opened above");
        Ok(f(db)?)
    }

    fn actor(&self) -> AppResult<Actor> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(AppError::not_logged_in)
    }

    fn set_session(&self, actor: Option<Actor>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = actor;
    }

    /// Whether no account exists yet.
    pub fn first_run_needed(&self) -> AppResult<bool> {
        self.with_db(|db| users::is_empty(db))
    }

    /// Creates the first administrator and opens their session.
    pub fn create_first_admin(&self, name: &str, password: &str) -> AppResult<SessionDto> {
        let actor =
            self.with_db(|db| users::create_first_admin(db, name.trim(), password, now()))?;
        let dto = SessionDto::from(&actor);
        self.set_session(Some(actor));
        Ok(dto)
    }

    /// Checks the password and opens the session.
    pub fn login(&self, name: &str, password: &str) -> AppResult<SessionDto> {
        self.set_session(None);
        let actor = self.with_db(|db| users::authenticate(db, name.trim(), password))?;
        let dto = SessionDto::from(&actor);
        self.set_session(Some(actor));
        Ok(dto)
    }

    /// Closes the session.
    pub fn logout(&self) {
        self.set_session(None);
    }

    /// The open session, if any.
    pub fn whoami(&self) -> Option<SessionDto> {
        self.actor().ok().as_ref().map(SessionDto::from)
    }

    /// A page of cases of one status (or all), with the count of every status.
    pub fn list_cases(
        &self,
        status: Option<StatusDto>,
        offset: u32,
        limit: u32,
    ) -> AppResult<CasePage> {
        let actor = self.actor()?;
        // TODO(parcours-app): `cases::list` has no limit/offset nor counts yet;
        // the page is cut here until it does.
        let all = self.with_db(|db| cases::list(db, &actor, None, now()))?;
        let counts = ALL_STATUSES
            .iter()
            .map(|s| StatusCount {
                status: (*s).into(),
                label: s.label_fr().into(),
                count: all.iter().filter(|c| c.status == *s).count() as u32,
            })
            .collect();
        let want: Option<Status> = status.map(Into::into);
        let filtered: Vec<_> = all
            .into_iter()
            .filter(|c| want.is_none_or(|w| c.status == w))
            .collect();
        let total = filtered.len() as u32;
        let limit = limit.clamp(1, MAX_PAGE) as usize;
        let items = filtered
            .into_iter()
            .skip(offset as usize)
            .take(limit)
            .map(CaseLine::from)
            .collect();
        Ok(CasePage {
            total,
            offset,
            items,
            counts,
        })
    }

    /// Opens a case.
    pub fn show_case(&self, reference: &str) -> AppResult<CaseDto> {
        let actor = self.actor()?;
        let view = self.with_db(|db| cases::show(db, &actor, reference, now()))?;
        Ok(CaseDto::new(view, &self.form))
    }

    /// Every setting.
    pub fn settings_get(&self) -> AppResult<Vec<SettingDto>> {
        let actor = self.actor()?;
        let list = self.with_db(|db| settings::get(db, &actor, None))?;
        Ok(list.into_iter().map(SettingDto::from).collect())
    }

    /// Changes a setting; returns the value as stored.
    pub fn settings_set(&self, key: &str, value: &str) -> AppResult<String> {
        let actor = self.actor()?;
        self.with_db(|db| settings::set(db, &actor, key, value, now()))
    }

    /// Every account.
    pub fn list_users(&self) -> AppResult<Vec<UserDto>> {
        let actor = self.actor()?;
        let list = self.with_db(|db| users::list_users(db, &actor))?;
        Ok(list.into_iter().map(UserDto::from).collect())
    }

    /// Adds an account.
    pub fn add_user(&self, name: &str, role: RoleDto, password: &str) -> AppResult<()> {
        let actor = self.actor()?;
        self.with_db(|db| users::add_user(db, &actor, name.trim(), role.into(), password, now()))
    }

    /// Checks a NIR (any logged-in user).
    pub fn check_nir(&self, value: &str) -> AppResult<ValueCheckDto> {
        self.actor()?;
        Ok(identifiers::check_nir(value).into())
    }

    /// Checks an S10 number (any logged-in user).
    pub fn check_s10(&self, value: &str) -> AppResult<ValueCheckDto> {
        self.actor()?;
        Ok(identifiers::check_s10(value).into())
    }

    /// Checks an MRZ given as its lines (any logged-in user).
    pub fn check_mrz(&self, lines: &[String]) -> AppResult<MrzCheckDto> {
        self.actor()?;
        Ok(identifiers::check_mrz(lines, now().date()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let s = AppState::new(dir.path().join("p.db"));
        (dir, s)
    }

    #[test]
    fn first_run_then_roles_decide_what_is_allowed() {
        let (_d, s) = state();
        assert!(s.first_run_needed().unwrap());
        assert_eq!(s.list_users().unwrap_err().code, "NOT_LOGGED_IN");
        let admin = s.create_first_admin("admin", "motdepasse-admin").unwrap();
        assert_eq!(admin.role, RoleDto::Admin);
        assert!(!s.first_run_needed().unwrap());
        s.add_user("alice", RoleDto::Clerk, "motdepasse-alice")
            .unwrap();
        assert_eq!(
            s.add_user("alice", RoleDto::Clerk, "motdepasse-alice")
                .unwrap_err()
                .code,
            "INVALID"
        );
        assert_eq!(s.list_users().unwrap().len(), 2);
        assert_eq!(s.list_cases(None, 0, 50).unwrap_err().code, "FORBIDDEN");
        s.logout();
        assert!(s.whoami().is_none());
        assert_eq!(
            s.login("alice", "mauvais-mot").unwrap_err().code,
            "BAD_CREDENTIALS"
        );
        assert!(s.whoami().is_none());
        s.login("alice", "motdepasse-alice").unwrap();
        let page = s.list_cases(None, 0, 50).unwrap();
        assert_eq!(page.total, 0);
        assert_eq!(page.counts.len(), 11);
        assert_eq!(s.settings_get().unwrap_err().code, "FORBIDDEN");
        assert_eq!(s.show_case("PA-2026-000001").unwrap_err().code, "NOT_FOUND");
    }

    #[test]
    fn settings_are_validated() {
        let (_d, s) = state();
        s.create_first_admin("admin", "motdepasse-admin").unwrap();
        assert!(!s.settings_get().unwrap().is_empty());
        let e = s.settings_set("retention.days", "-3").unwrap_err();
        assert_eq!(e.code, "INVALID");
        assert_eq!(s.settings_set("retention.days", "200").unwrap(), "200");
    }
}
