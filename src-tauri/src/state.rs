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
use parcours_app::{
    cases, counter, identifiers, intake, letter_files, letters, reports, review, settings, users,
    Actor, Refusal,
};
use parcours_domain::form::FormTemplate;
use parcours_domain::lifecycle::Status;

use crate::dto::{
    BacklogDto, CaseDto, CaseLine, CasePage, CounterCheckDto, CounterDto, CropDto, DecisionDto,
    DispatchedDto, ExportDto, FoldersDto, LetterFileDto, MrzCheckDto, OrdinaryKindDto, OutcomeDto,
    PageImageDto, PrintedBatchDto, RoleDto, ScanFileDto, SessionDto, SettingDto, StatusCount,
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

/// Extensions of the files a scanner drops, one per envelope.
const SCAN_EXTENSIONS: [&str; 6] = ["pdf", "jpg", "jpeg", "png", "tif", "tiff"];

/// Letter texts: the edited copies in `PARCOURS_TEMPLATES`, else the built-in ones.
fn templates() -> AppResult<letters::Templates> {
    match std::env::var_os("PARCOURS_TEMPLATES").filter(|p| !p.is_empty()) {
        None => Ok(letters::Templates::embedded()),
        Some(dir) => letters::Templates::from_dir(std::path::Path::new(&dir))
            .map_err(|e| Refusal::Invalid(e.to_string()).into()),
    }
}

/// Moves `file` into `sub/` beside it, keeping its name (numbered if taken).
fn move_into(file: &std::path::Path, sub: &str) -> anyhow::Result<PathBuf> {
    let dir = file.parent().context("fichier sans dossier")?.join(sub);
    std::fs::create_dir_all(&dir)?;
    let name = file.file_name().context("fichier sans nom")?;
    let mut target = dir.join(name);
    let mut n = 1;
    while target.exists() {
        target = dir.join(format!("{n}-{}", name.to_string_lossy()));
        n += 1;
    }
    std::fs::rename(file, &target)?;
    Ok(target)
}

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

/// The program that opens a file in the user's default application.
#[cfg(target_os = "macos")]
const OPENER: &str = "open";
#[cfg(not(target_os = "macos"))]
const OPENER: &str = "xdg-open";

/// Hands `file` to the desktop's default PDF viewer, without waiting for it.
fn open_in_viewer(file: &std::path::Path) -> AppResult<()> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(OPENER)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            AppError::from(Refusal::Invalid(format!(
                "aucun lecteur de PDF n'a pu être lancé ({OPENER} : {e}) : utilisez « Enregistrer sous… » puis ouvrez la copie"
            )))
        })?;
    // Reaped when it ends (xdg-open returns once the viewer is started).
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// One envelope to read, with everything it needs (no borrow of the state),
/// so that it can run on a blocking thread.
pub struct IntakeJob {
    db: PathBuf,
    actor: Actor,
    form: FormTemplate,
    files: Vec<PathBuf>,
    received: chrono::NaiveDate,
    from_scanner: bool,
}

impl IntakeJob {
    /// Reads the envelope and records the case (`intake::intake`), on a
    /// connection of its own; then files the scans away if they came from
    /// the scanner's folder.
    pub fn run(self) -> AppResult<CaseDto> {
        let mut db = parcours_app::open(&self.db)?;
        let view = intake::intake(
            &mut db,
            &self.actor,
            &self.form,
            &self.files,
            self.received,
            now(),
        )?;
        if self.from_scanner {
            for f in &self.files {
                if let Err(e) = move_into(f, "traites") {
                    eprintln!("parcours-desktop: could not move {}: {e:#}", f.display());
                }
            }
        }
        Ok(CaseDto::new(view, &self.form))
    }
}

/// The shell's state, managed by Tauri.
pub struct AppState {
    path: PathBuf,
    db: Mutex<Option<Db>>,
    session: Mutex<Option<Actor>>,
    form: FormTemplate,
    /// Folders this window printed letters into, besides the default one:
    /// the only places "Ouvrir" and "Enregistrer sous…" take PDFs from.
    printed_into: Mutex<Vec<PathBuf>>,
}

impl AppState {
    /// A state on the database at `path`, opened on first use.
    pub fn new(path: PathBuf) -> AppState {
        AppState {
            path,
            db: Mutex::new(None),
            session: Mutex::new(None),
            form: FormTemplate::default_v1(),
            printed_into: Mutex::new(Vec::new()),
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

    /// Opens the database ahead of the first command (at start-up, beside
    /// the webview). A failure is left for the first command to report.
    pub fn warm(&self) {
        let _ = self.with_db(|_| Ok(()));
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
        let want: Option<Status> = status.map(Into::into);
        let limit = limit.clamp(1, MAX_PAGE) as usize;
        let page =
            self.with_db(|db| cases::page(db, &actor, want, offset as usize, limit, now()))?;
        Ok(CasePage {
            total: u32::try_from(page.total).unwrap_or(u32::MAX),
            offset,
            items: page.items.into_iter().map(CaseLine::from).collect(),
            counts: page
                .counts
                .iter()
                .map(|(s, n)| StatusCount {
                    status: (*s).into(),
                    label: s.label_fr().into(),
                    count: u32::try_from(*n).unwrap_or(u32::MAX),
                })
                .collect(),
        })
    }

    /// Opens a case.
    pub fn show_case(&self, reference: &str) -> AppResult<CaseDto> {
        let actor = self.actor()?;
        let view = self.with_db(|db| cases::show(db, &actor, reference, now()))?;
        Ok(CaseDto::new(view, &self.form))
    }

    /// One page image of a case.
    pub fn page_image(&self, reference: &str, index: u32) -> AppResult<PageImageDto> {
        let actor = self.actor()?;
        let p = self.with_db(|db| cases::page_image(db, &actor, reference, i64::from(index)))?;
        Ok(p.into())
    }

    /// A small JPEG of one page of a case (`cases::page_thumbnail`).
    pub fn page_thumbnail(&self, reference: &str, index: u32) -> AppResult<PageImageDto> {
        let actor = self.actor()?;
        let p =
            self.with_db(|db| cases::page_thumbnail(db, &actor, reference, i64::from(index)))?;
        Ok(p.into())
    }

    /// The crops of the fields of a case.
    pub fn field_crops(&self, reference: &str) -> AppResult<Vec<CropDto>> {
        let actor = self.actor()?;
        let crops = self.with_db(|db| cases::field_crops(db, &actor, reference))?;
        Ok(crops.into_iter().map(CropDto::from).collect())
    }

    /// Default folders: letters, exports and the scanner's, beside the database
    /// (`PARCOURS_SCANNER_DIR` for the scanner's, when set).
    pub fn folders(&self) -> FoldersDto {
        let base = self
            .path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let scanner = std::env::var_os("PARCOURS_SCANNER_DIR")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| base.join("scanner"));
        FoldersDto {
            letters: base.join("courriers").display().to_string(),
            exports: base.join("exports").display().to_string(),
            scanner: scanner.display().to_string(),
        }
    }

    /// The envelopes waiting in a scanner folder: one scan file per envelope
    /// (PDF, JPEG, PNG, TIFF), by name. Clerks only (the folder holds scans).
    pub fn scanner_files(&self, dir: &str) -> AppResult<Vec<ScanFileDto>> {
        let actor = self.actor()?;
        parcours_app::require(
            &actor,
            parcours_domain::roles::Permission::Intake,
            "enregistrer un dossier",
        )?;
        let dir = PathBuf::from(dir.trim());
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            AppError::from(Refusal::Invalid(format!(
                "le dossier « {} » ne peut pas être lu ({e}) : vérifiez le chemin",
                dir.display()
            )))
        })?;
        let mut out = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            let ext = path
                .extension()
                .and_then(|x| x.to_str())
                .map(str::to_lowercase)
                .unwrap_or_default();
            if !path.is_file() || !SCAN_EXTENSIONS.contains(&ext.as_str()) {
                continue;
            }
            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
            out.push(ScanFileDto {
                name: e.file_name().to_string_lossy().into_owned(),
                path: path.display().to_string(),
                kilobytes: u32::try_from(size.div_ceil(1024)).unwrap_or(u32::MAX),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Reads one envelope (its files, in order) and creates the case.
    /// `received` is `JJ/MM/AAAA` or ISO, today when empty. With
    /// `from_scanner`, each file is then moved into `traites/` beside it, as
    /// `parcours intake --watch` does.
    pub fn intake(
        &self,
        paths: &[String],
        received: Option<&str>,
        from_scanner: bool,
    ) -> AppResult<CaseDto> {
        self.intake_job(paths, received, from_scanner)?.run()
    }

    /// Checks the session and the request of an intake, and returns the
    /// reading to run: OCR takes seconds, so the command runs it on a
    /// blocking thread with its own connection, leaving this one (and the
    /// other screens) free.
    pub fn intake_job(
        &self,
        paths: &[String],
        received: Option<&str>,
        from_scanner: bool,
    ) -> AppResult<IntakeJob> {
        let actor = self.actor()?;
        parcours_app::require(
            &actor,
            parcours_domain::roles::Permission::Intake,
            "enregistrer un dossier",
        )?;
        let files: Vec<PathBuf> = paths
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect();
        if files.is_empty() {
            return Err(Refusal::Invalid("indiquez au moins un fichier à lire".into()).into());
        }
        for f in &files {
            if !f.is_file() {
                return Err(Refusal::Invalid(format!(
                    "le fichier « {} » est introuvable : vérifiez le chemin",
                    f.display()
                ))
                .into());
            }
        }
        let received = match received.map(str::trim).filter(|r| !r.is_empty()) {
            None => now().date(),
            Some(r) => parcours_domain::values::parse_date_fr(r).map_err(|e| {
                AppError::from(Refusal::Invalid(format!(
                    "date de réception « {r} » invalide : {e}"
                )))
            })?,
        };
        Ok(IntakeJob {
            db: self.path.clone(),
            actor,
            form: self.form.clone(),
            files,
            received,
            from_scanner,
        })
    }

    /// Corrects (or, with the same value, confirms) one field of a case in review.
    pub fn correct_field(&self, reference: &str, key: &str, value: &str) -> AppResult<CaseDto> {
        let actor = self.actor()?;
        let view = self.with_db(|db| {
            review::correct_field(db, &actor, &self.form, reference, key, value, now())
        })?;
        Ok(CaseDto::new(view, &self.form))
    }

    /// Decides on a case in review.
    pub fn decide(
        &self,
        reference: &str,
        decision: DecisionDto,
        reason: Option<&str>,
    ) -> AppResult<CaseDto> {
        let actor = self.actor()?;
        let view = self
            .with_db(|db| review::decide(db, &actor, reference, decision.into(), reason, now()))?;
        Ok(CaseDto::new(view, &self.form))
    }

    /// Prints the letters of every approved case as one batch into `folder`
    /// (the default letters folder when empty).
    pub fn print_batch(&self, folder: Option<&str>) -> AppResult<PrintedBatchDto> {
        let actor = self.actor()?;
        let dir = match folder.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => PathBuf::from(f),
            None => PathBuf::from(self.folders().letters),
        };
        std::fs::create_dir_all(&dir).map_err(|e| {
            AppError::from(Refusal::Invalid(format!(
                "le dossier « {} » ne peut pas être créé ({e}) : choisissez-en un autre",
                dir.display()
            )))
        })?;
        let templates = templates()?;
        let batch = self.with_db(|db| {
            let at = now();
            letters::print_batch(db, &actor, &dir, &templates, at.date(), at)
        })?;
        let mut into = self.printed_into.lock().unwrap_or_else(|p| p.into_inner());
        if !into.contains(&dir) {
            into.push(dir.clone());
        }
        Ok(PrintedBatchDto::new(batch, &dir))
    }

    /// Where letters' PDFs may be opened or copied from: the default
    /// letters folder and the folders this window printed into.
    fn letters_folders(&self) -> Vec<PathBuf> {
        let mut all = vec![PathBuf::from(self.folders().letters)];
        all.extend(
            self.printed_into
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned(),
        );
        all
    }

    /// Opens a PDF of the letters folders in the system's viewer
    /// (`letter_files::open_pdf` checks the role and the folder, and audits).
    pub fn open_letter(&self, file: &str) -> AppResult<()> {
        let actor = self.actor()?;
        let folders = self.letters_folders();
        let real = self.with_db(|db| {
            letter_files::open_pdf(db, &actor, &folders, std::path::Path::new(file), now())
        })?;
        open_in_viewer(&real)
    }

    /// Copies a PDF of the letters folders to `dest`, chosen by the clerk in
    /// the save dialog (`letter_files::save_pdf_copy`); returns the path written.
    pub fn save_letter_copy(&self, file: &str, dest: &str) -> AppResult<String> {
        let actor = self.actor()?;
        let folders = self.letters_folders();
        let dest = dest.trim();
        if dest.is_empty() {
            return Err(Refusal::Invalid("indiquez où enregistrer la copie".into()).into());
        }
        let written = self.with_db(|db| {
            letter_files::save_pdf_copy(
                db,
                &actor,
                &folders,
                std::path::Path::new(file),
                std::path::Path::new(dest),
                now(),
            )
        })?;
        Ok(written.display().to_string())
    }

    /// Prints the demande de complément of an incomplete case, or the
    /// rejection letter of a rejected one, into the letters folder.
    pub fn ordinary_letter(
        &self,
        reference: &str,
        kind: OrdinaryKindDto,
    ) -> AppResult<LetterFileDto> {
        let actor = self.actor()?;
        let dir = PathBuf::from(self.folders().letters);
        std::fs::create_dir_all(&dir).map_err(|e| {
            AppError::from(Refusal::Invalid(format!(
                "le dossier « {} » ne peut pas être créé ({e})",
                dir.display()
            )))
        })?;
        let templates = templates()?;
        let l = self.with_db(|db| {
            let at = now();
            match kind {
                OrdinaryKindDto::Complement => letters::complement_letter(
                    db,
                    &actor,
                    reference,
                    &dir,
                    &templates,
                    at.date(),
                    at,
                ),
                OrdinaryKindDto::Rejection => letters::rejection_letter(
                    db,
                    &actor,
                    reference,
                    &dir,
                    &templates,
                    at.date(),
                    at,
                ),
            }
        })?;
        Ok(LetterFileDto {
            reference: l.reference,
            file: l.file.display().to_string(),
            reasons: l.reasons,
        })
    }

    /// Records that a printed batch was handed to La Poste.
    pub fn dispatch_batch(&self, batch: u32) -> AppResult<DispatchedDto> {
        let actor = self.actor()?;
        let done =
            self.with_db(|db| letters::dispatch_batch(db, &actor, i64::from(batch), now()))?;
        Ok(DispatchedDto {
            batch: u32::try_from(done.batch).unwrap_or(0),
            count: u32::try_from(done.letters.len()).unwrap_or(u32::MAX),
        })
    }

    /// Finds a letter at the counter by S10 number or reference.
    pub fn counter_find(&self, query: &str) -> AppResult<CounterDto> {
        let actor = self.actor()?;
        let v = self.with_db(|db| counter::find(db, &actor, query, now()))?;
        Ok(v.into())
    }

    /// Records the ID check at the counter.
    pub fn counter_verify(
        &self,
        query: &str,
        document_number: &str,
        outcome: OutcomeDto,
        reason: Option<&str>,
    ) -> AppResult<CounterCheckDto> {
        let actor = self.actor()?;
        let r = self.with_db(|db| {
            counter::verify(
                db,
                &actor,
                query,
                document_number,
                outcome.into(),
                reason,
                now(),
            )
        })?;
        Ok(CounterCheckDto {
            reference: r.reference,
            outcome,
            number_matches: r.number_matches,
            status: r.status.into(),
            status_label: r.status.label_fr().into(),
        })
    }

    /// The manager's dashboard, today.
    pub fn backlog(&self) -> AppResult<BacklogDto> {
        let actor = self.actor()?;
        let at = now();
        let b = self.with_db(|db| reports::backlog(db, &actor, at.date(), at))?;
        Ok(b.into())
    }

    /// Writes the CSV export of every case to `path` (the default exports
    /// folder, `dossiers-AAAA-MM-JJ.csv`, when empty).
    pub fn export_cases(&self, path: Option<&str>) -> AppResult<ExportDto> {
        let actor = self.actor()?;
        let at = now();
        let path = match path.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from(self.folders().exports)
                .join(format!("dossiers-{}.csv", at.format("%Y-%m-%d"))),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                AppError::from(Refusal::Invalid(format!(
                    "le dossier « {} » ne peut pas être créé ({e}) : choisissez-en un autre",
                    dir.display()
                )))
            })?;
        }
        let mut buf = Vec::new();
        let count =
            self.with_db(|db| reports::export_cases(db, &actor, at.date(), &mut buf, at))?;
        std::fs::write(&path, &buf).map_err(|e| {
            AppError::from(Refusal::Invalid(format!(
                "le fichier « {} » ne peut pas être écrit ({e}) : choisissez un autre emplacement",
                path.display()
            )))
        })?;
        Ok(ExportDto {
            path: path.display().to_string(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
        })
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
    fn letters_are_copied_only_from_the_letters_folder() {
        let (d, s) = state();
        s.create_first_admin("admin", "motdepasse-admin").unwrap();
        s.add_user("alice", RoleDto::Clerk, "motdepasse-alice")
            .unwrap();
        let letters = PathBuf::from(s.folders().letters);
        std::fs::create_dir_all(&letters).unwrap();
        let lot = letters.join("lot-1.pdf");
        std::fs::write(&lot, b"%PDF lot").unwrap();
        let lot = lot.display().to_string();
        let dest = d.path().join("copie.pdf").display().to_string();
        assert_eq!(
            s.save_letter_copy(&lot, &dest).unwrap_err().code,
            "FORBIDDEN",
            "an administrator does not handle letters"
        );
        s.logout();
        assert_eq!(
            s.save_letter_copy(&lot, &dest).unwrap_err().code,
            "NOT_LOGGED_IN"
        );
        s.login("alice", "motdepasse-alice").unwrap();
        assert_eq!(s.save_letter_copy(&lot, &dest).unwrap(), dest);
        assert_eq!(std::fs::read(&dest).unwrap(), b"%PDF lot");
        // The database sits beside the letters folder: never handed out.
        let db = d.path().join("p.db").display().to_string();
        let e = s.save_letter_copy(&db, &dest).unwrap_err();
        assert_eq!(e.code, "INVALID");
        let e = s.open_letter(&db).unwrap_err();
        assert_eq!(e.code, "INVALID");
        assert!(e.message.contains("PDF"), "{}", e.message);
        let outside = d.path().join("autre.pdf");
        std::fs::write(&outside, b"%PDF").unwrap();
        let e = s
            .save_letter_copy(&outside.display().to_string(), &dest)
            .unwrap_err();
        assert_eq!(e.code, "INVALID");
        assert!(e.message.contains("dossier des courriers"), "{}", e.message);
        assert_eq!(s.save_letter_copy(&lot, " ").unwrap_err().code, "INVALID");
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

    #[test]
    fn desk_commands_check_the_role_and_say_what_is_wrong() {
        let (d, s) = state();
        s.create_first_admin("admin", "motdepasse-admin").unwrap();
        for (name, role) in [
            ("alice", RoleDto::Clerk),
            ("bob", RoleDto::CounterAgent),
            ("carole", RoleDto::Manager),
        ] {
            s.add_user(name, role, &format!("motdepasse-{name}"))
                .unwrap();
        }
        let scans = d.path().join("scanner");
        std::fs::create_dir_all(&scans).unwrap();
        std::fs::write(scans.join("b.pdf"), b"%PDF").unwrap();
        std::fs::write(scans.join("a.JPG"), b"x").unwrap();
        std::fs::write(scans.join("notes.txt"), b"x").unwrap();
        let dir = scans.display().to_string();

        s.login("bob", "motdepasse-bob").unwrap();
        assert_eq!(s.scanner_files(&dir).unwrap_err().code, "FORBIDDEN");
        assert_eq!(s.backlog().unwrap_err().code, "FORBIDDEN");
        assert_eq!(
            s.field_crops("PA-2026-000001").unwrap_err().code,
            "FORBIDDEN"
        );
        assert_eq!(
            s.counter_find("PA-2026-000001").unwrap_err().code,
            "NOT_FOUND"
        );

        s.login("alice", "motdepasse-alice").unwrap();
        let files: Vec<String> = s
            .scanner_files(&dir)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(files, ["a.JPG", "b.pdf"], "scans only, by name");
        assert_eq!(s.scanner_files("/nulle/part").unwrap_err().code, "INVALID");
        let e = s
            .intake(&["/nulle/part.pdf".into()], None, false)
            .unwrap_err();
        assert_eq!(e.code, "INVALID");
        assert!(e.message.contains("introuvable"), "{}", e.message);
        let e = s
            .intake(&[format!("{dir}/b.pdf")], Some("31/02/2026"), false)
            .unwrap_err();
        assert_eq!(e.code, "INVALID", "{}", e.message);
        assert!(s.folders().letters.ends_with("courriers"));

        s.login("carole", "motdepasse-carole").unwrap();
        let b = s.backlog().unwrap();
        assert_eq!(b.total, 0);
        assert_eq!(b.by_status.len(), 11);
        assert_eq!(b.weekly.len(), 12);
        let out = d.path().join("export.csv");
        let x = s.export_cases(Some(&out.display().to_string())).unwrap();
        assert_eq!(x.count, 0);
        assert!(out.is_file());
    }
}
