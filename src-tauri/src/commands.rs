//! The Tauri commands: each one is a [`AppState`] method, i.e. one
//! `parcours-app` operation behind the session check.

use tauri::State;

use crate::dto::{
    CaseDto, CasePage, MrzCheckDto, RoleDto, SessionDto, SettingDto, StatusDto, UserDto,
    ValueCheckDto,
};
use crate::error::AppResult;
use crate::state::AppState;

/// Whether the database has no account yet.
#[tauri::command]
#[specta::specta]
pub async fn first_run_needed(state: State<'_, AppState>) -> AppResult<bool> {
    state.first_run_needed()
}

/// Creates the first administrator and logs them in.
#[tauri::command]
#[specta::specta]
pub async fn create_first_admin(
    state: State<'_, AppState>,
    name: String,
    password: String,
) -> AppResult<SessionDto> {
    state.create_first_admin(&name, &password)
}

/// Logs in.
#[tauri::command]
#[specta::specta]
pub async fn login(
    state: State<'_, AppState>,
    name: String,
    password: String,
) -> AppResult<SessionDto> {
    state.login(&name, &password)
}

/// Logs out.
#[tauri::command]
#[specta::specta]
pub async fn logout(state: State<'_, AppState>) -> AppResult<()> {
    state.logout();
    Ok(())
}

/// The open session, if any.
#[tauri::command]
#[specta::specta]
pub async fn whoami(state: State<'_, AppState>) -> AppResult<Option<SessionDto>> {
    Ok(state.whoami())
}

/// A page of cases (one status or all) and the count of every status.
#[tauri::command]
#[specta::specta]
pub async fn list_cases(
    state: State<'_, AppState>,
    status: Option<StatusDto>,
    offset: u32,
    limit: u32,
) -> AppResult<CasePage> {
    state.list_cases(status, offset, limit)
}

/// Opens a case by its reference.
#[tauri::command]
#[specta::specta]
pub async fn show_case(state: State<'_, AppState>, reference: String) -> AppResult<CaseDto> {
    state.show_case(&reference)
}

/// Every setting.
#[tauri::command]
#[specta::specta]
pub async fn settings_get(state: State<'_, AppState>) -> AppResult<Vec<SettingDto>> {
    state.settings_get()
}

/// Changes a setting; returns the value as stored.
#[tauri::command]
#[specta::specta]
pub async fn settings_set(
    state: State<'_, AppState>,
    key: String,
    value: String,
) -> AppResult<String> {
    state.settings_set(&key, &value)
}

/// Every account.
#[tauri::command]
#[specta::specta]
pub async fn list_users(state: State<'_, AppState>) -> AppResult<Vec<UserDto>> {
    state.list_users()
}

/// Adds an account.
#[tauri::command]
#[specta::specta]
pub async fn add_user(
    state: State<'_, AppState>,
    name: String,
    role: RoleDto,
    password: String,
) -> AppResult<()> {
    state.add_user(&name, role, &password)
}

/// Checks a NIR.
#[tauri::command]
#[specta::specta]
pub async fn check_nir(state: State<'_, AppState>, value: String) -> AppResult<ValueCheckDto> {
    state.check_nir(&value)
}

/// Checks an S10 registered-item number.
#[tauri::command]
#[specta::specta]
pub async fn check_s10(state: State<'_, AppState>, value: String) -> AppResult<ValueCheckDto> {
    state.check_s10(&value)
}

/// Checks an MRZ given as its lines.
#[tauri::command]
#[specta::specta]
pub async fn check_mrz(state: State<'_, AppState>, lines: Vec<String>) -> AppResult<MrzCheckDto> {
    state.check_mrz(&lines)
}
