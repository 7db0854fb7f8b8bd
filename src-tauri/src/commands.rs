//! The Tauri commands: each one is a [`AppState`] method, i.e. one
//! `parcours-app` operation behind the session check.

use tauri::State;

use crate::dto::{
    BacklogDto, CaseDto, CasePage, CounterCheckDto, CounterDto, CropDto, DecisionDto,
    DispatchedDto, ExportDto, FoldersDto, LetterFileDto, MrzCheckDto, OrdinaryKindDto, OutcomeDto,
    PageImageDto, PrintedBatchDto, RoleDto, ScanFileDto, SessionDto, SettingDto, StatusDto,
    UserDto, ValueCheckDto,
};
use crate::error::{AppError, AppResult};
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

/// One page image of a case.
#[tauri::command]
#[specta::specta]
pub async fn page_image(
    state: State<'_, AppState>,
    reference: String,
    index: u32,
) -> AppResult<PageImageDto> {
    state.page_image(&reference, index)
}

/// A small JPEG of one page of a case, for the strip of pages.
#[tauri::command]
#[specta::specta]
pub async fn page_thumbnail(
    state: State<'_, AppState>,
    reference: String,
    index: u32,
) -> AppResult<PageImageDto> {
    state.page_thumbnail(&reference, index)
}

/// The crops of the scan each field was read from.
#[tauri::command]
#[specta::specta]
pub async fn field_crops(state: State<'_, AppState>, reference: String) -> AppResult<Vec<CropDto>> {
    state.field_crops(&reference)
}

/// Default folders (letters, exports, scanner).
#[tauri::command]
#[specta::specta]
pub async fn folders(state: State<'_, AppState>) -> AppResult<FoldersDto> {
    Ok(state.folders())
}

/// Envelopes waiting in a scanner folder.
#[tauri::command]
#[specta::specta]
pub async fn scanner_files(state: State<'_, AppState>, dir: String) -> AppResult<Vec<ScanFileDto>> {
    state.scanner_files(&dir)
}

/// Reads one envelope and creates the case.
#[tauri::command]
#[specta::specta]
pub async fn intake(
    state: State<'_, AppState>,
    paths: Vec<String>,
    received: Option<String>,
    from_scanner: bool,
) -> AppResult<CaseDto> {
    let job = state.intake_job(&paths, received.as_deref(), from_scanner)?;
    // OCR takes seconds: off the async workers, on its own connection.
    tauri::async_runtime::spawn_blocking(move || job.run())
        .await
        .map_err(|e| AppError::from(anyhow::anyhow!("lecture interrompue : {e}")))?
}

/// Corrects or confirms one field of a case in review.
#[tauri::command]
#[specta::specta]
pub async fn correct_field(
    state: State<'_, AppState>,
    reference: String,
    key: String,
    value: String,
) -> AppResult<CaseDto> {
    state.correct_field(&reference, &key, &value)
}

/// Decides on a case in review.
#[tauri::command]
#[specta::specta]
pub async fn decide(
    state: State<'_, AppState>,
    reference: String,
    decision: DecisionDto,
    reason: Option<String>,
) -> AppResult<CaseDto> {
    state.decide(&reference, decision, reason.as_deref())
}

/// Prints the letters of every approved case as one batch.
#[tauri::command]
#[specta::specta]
pub async fn print_batch(
    state: State<'_, AppState>,
    folder: Option<String>,
) -> AppResult<PrintedBatchDto> {
    state.print_batch(folder.as_deref())
}

/// Opens a PDF of the letters folder in the system's PDF viewer.
#[tauri::command]
#[specta::specta]
pub async fn open_letter(state: State<'_, AppState>, file: String) -> AppResult<()> {
    state.open_letter(&file)
}

/// Copies a PDF of the letters folder to where the clerk chose to save it;
/// returns the path written.
#[tauri::command]
#[specta::specta]
pub async fn save_letter_copy(
    state: State<'_, AppState>,
    file: String,
    dest: String,
) -> AppResult<String> {
    state.save_letter_copy(&file, &dest)
}

/// Records that a batch was handed to La Poste.
#[tauri::command]
#[specta::specta]
pub async fn dispatch_batch(state: State<'_, AppState>, batch: u32) -> AppResult<DispatchedDto> {
    state.dispatch_batch(batch)
}

/// Finds a letter at the counter (S10 number or reference).
#[tauri::command]
#[specta::specta]
pub async fn counter_find(state: State<'_, AppState>, query: String) -> AppResult<CounterDto> {
    state.counter_find(&query)
}

/// Records the ID check at the counter.
#[tauri::command]
#[specta::specta]
pub async fn counter_verify(
    state: State<'_, AppState>,
    query: String,
    document_number: String,
    outcome: OutcomeDto,
    reason: Option<String>,
) -> AppResult<CounterCheckDto> {
    state.counter_verify(&query, &document_number, outcome, reason.as_deref())
}

/// The manager's dashboard, today.
#[tauri::command]
#[specta::specta]
pub async fn backlog(state: State<'_, AppState>) -> AppResult<BacklogDto> {
    state.backlog()
}

/// Writes the CSV export of every case.
#[tauri::command]
#[specta::specta]
pub async fn export_cases(
    state: State<'_, AppState>,
    path: Option<String>,
) -> AppResult<ExportDto> {
    state.export_cases(path.as_deref())
}

/// Prints the demande de complément or the rejection letter of a case.
#[tauri::command]
#[specta::specta]
pub async fn ordinary_letter(
    state: State<'_, AppState>,
    reference: String,
    kind: OrdinaryKindDto,
) -> AppResult<LetterFileDto> {
    state.ordinary_letter(&reference, kind)
}
