//! `parcours intake FILE… [--received DATE] [--json]` and
//! `parcours intake --watch DIR [--once]`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context as _, Result};
use chrono::NaiveDate;
use parcours_app::domain::form::FormTemplate;
use parcours_app::parcours_db::Db;
use parcours_app::{intake, Actor, Refusal};

use crate::exit;
use crate::session::{self, Context};

/// Arguments of `parcours intake`.
#[derive(clap::Args)]
pub struct Args {
    /// Fichiers d'une même enveloppe (PDF, JPEG, PNG, TIFF), dans l'ordre.
    files: Vec<PathBuf>,
    /// Date de réception (AAAA-MM-JJ ou JJ/MM/AAAA) ; aujourd'hui par défaut.
    #[arg(long)]
    received: Option<String>,
    /// Sortie JSON (SPEC §9).
    #[arg(long)]
    json: bool,
    /// Surveiller un dossier où le scanner dépose un fichier par enveloppe.
    #[arg(long, value_name = "DIR", conflicts_with = "files")]
    watch: Option<PathBuf>,
    /// Avec --watch : traiter les fichiers présents puis s'arrêter.
    #[arg(long, requires = "watch")]
    once: bool,
}

fn received(arg: Option<&str>) -> Result<NaiveDate> {
    match arg {
        None => Ok(session::now().date()),
        Some(s) => parcours_app::domain::values::parse_date_fr(s).map_err(|e| {
            Refusal::Invalid(format!("date de réception « {s} » invalide : {e}")).into()
        }),
    }
}

/// Runs the verb.
pub fn run(ctx: &Context, args: Args) -> Result<u8> {
    let received = received(args.received.as_deref())?;
    let mut db = ctx.open()?;
    let actor = ctx.login(&db)?;
    let form = FormTemplate::default_v1();
    if let Some(dir) = &args.watch {
        return watch(
            &mut db,
            &actor,
            &form,
            dir,
            args.once,
            args.received.is_some().then_some(received),
        );
    }
    if args.files.is_empty() {
        bail!(Refusal::Invalid(
            "indiquez au moins un fichier, ou --watch DOSSIER".into()
        ));
    }
    let view = intake::intake(
        &mut db,
        &actor,
        &form,
        &args.files,
        received,
        session::now(),
    )?;
    if args.json {
        session::print_json(&view)?;
    } else {
        let blocking = view
            .checks
            .iter()
            .filter(|c| c.severity == parcours_app::domain::checks::Severity::Blocking)
            .count();
        println!(
            "dossier {} créé ({} page(s), {} point(s) à examiner dont {} bloquant(s))",
            view.reference,
            view.pages.len(),
            view.checks.len(),
            blocking
        );
    }
    Ok(exit::OK)
}

const SCAN_EXTENSIONS: [&str; 6] = ["pdf", "jpg", "jpeg", "png", "tif", "tiff"];

/// The files of `dir` with a scan extension that the scanner has finished
/// writing (unchanged for 2 s), and how many are still being written.
fn ready_files(dir: &Path) -> Result<(Vec<PathBuf>, usize)> {
    let mut out = Vec::new();
    let mut writing = 0;
    for e in
        std::fs::read_dir(dir).with_context(|| format!("lecture du dossier {}", dir.display()))?
    {
        let path = e?.path();
        let ext = path
            .extension()
            .and_then(|x| x.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default();
        if !path.is_file() || !SCAN_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        let settled = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map(|t| {
                SystemTime::now().duration_since(t).unwrap_or_default() >= Duration::from_secs(2)
            })
            .unwrap_or(false);
        if settled {
            out.push(path);
        } else {
            writing += 1;
        }
    }
    out.sort();
    Ok((out, writing))
}

/// Moves `file` into `dir/sub/`, keeping its name (numbered if taken).
fn move_into(file: &Path, dir: &Path, sub: &str) -> Result<PathBuf> {
    let target_dir = dir.join(sub);
    std::fs::create_dir_all(&target_dir)?;
    let name = file.file_name().context("fichier sans nom")?;
    let mut target = target_dir.join(name);
    let mut n = 1;
    while target.exists() {
        target = target_dir.join(format!("{n}-{}", name.to_string_lossy()));
        n += 1;
    }
    std::fs::rename(file, &target).with_context(|| format!("déplacement de {}", file.display()))?;
    Ok(target)
}

fn watch(
    db: &mut Db,
    actor: &Actor,
    form: &FormTemplate,
    dir: &Path,
    once: bool,
    received: Option<NaiveDate>,
) -> Result<u8> {
    println!(
        "surveillance de {} (un fichier par enveloppe)",
        dir.display()
    );
    let (mut done, mut rejected) = (0usize, 0usize);
    loop {
        let (ready, writing) = ready_files(dir)?;
        for file in ready {
            let name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let day = received.unwrap_or_else(|| session::now().date());
            match intake::intake(
                db,
                actor,
                form,
                std::slice::from_ref(&file),
                day,
                session::now(),
            ) {
                Ok(view) => {
                    move_into(&file, dir, "traites")?;
                    done += 1;
                    println!(
                        "[{done} traité(s), {rejected} rejeté(s)] {name} → dossier {}",
                        view.reference
                    );
                }
                Err(e) => {
                    let target = move_into(&file, dir, "rejected")?;
                    let why = format!("{e:#}\n");
                    std::fs::write(
                        target.with_extension(format!(
                            "{}.txt",
                            target.extension().unwrap_or_default().to_string_lossy()
                        )),
                        &why,
                    )?;
                    rejected += 1;
                    eprintln!("[{done} traité(s), {rejected} rejeté(s)] {name} rejeté : {e:#}");
                }
            }
        }
        // Once: every file there when it started, the last ones included
        // once the scanner has finished writing them.
        if once && writing == 0 {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    Ok(if rejected == 0 {
        exit::OK
    } else {
        exit::INVALID
    })
}
