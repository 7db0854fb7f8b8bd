//! Bench of intake, side by side with the `tesseract` command line on the
//! same page images (full page, French), and where the time goes.
//!
//! ```sh
//! cargo run --release -p parcours-app --example bench_intake -- DIR [ENVELOPES]
//! ```
//!
//! `DIR` holds envelopes (`*.pdf`, e.g. from `tests/fixtures/gen/generate.py`);
//! the first `ENVELOPES` (default 10) are read. For each envelope: its stages
//! one page after the other on one thread (page decode, page analysis —
//! blank, skew, orientation, kind —, form registration and field reading,
//! ID proof with its MRZ, social-security proof, checks), then the reading
//! alone (`read_envelope`, pages on two threads), then the whole of
//! `intake::intake` into a temporary database as the CLI runs it, and
//! `tesseract PAGE.png stdout -l fra` on every page. Run
//! it under `taskset -c 0` for one core. `OMP_THREAD_LIMIT=1` is set for
//! both (the example re-executes itself, tesseract inherits it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use parcours_app::domain::checks::{check_case, CheckContext};
use parcours_app::domain::form::FormTemplate;
use parcours_app::domain::roles::Role;
use parcours_app::domain::PageKind;
use parcours_app::{intake, users, Actor};
use parcours_capture::{form_read, load_pages, page, proofs};

#[derive(Default)]
struct Stages {
    decode: Duration,
    analyse: Duration,
    form: Duration,
    id: Duration,
    ssn: Duration,
    checks: Duration,
    read_whole: Duration,
    intake: Duration,
    tesseract: Duration,
    pages: usize,
}

fn main() -> anyhow::Result<()> {
    parcours_capture::ensure_single_thread_openmp();
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: bench_intake DIR [ENVELOPES]"));
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "pdf"));
    files.sort();
    files.truncate(n);
    anyhow::ensure!(
        !files.is_empty(),
        "no envelope (*.pdf) in {}",
        dir.display()
    );

    let tmp = tempfile::tempdir()?;
    let at = NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let mut db = parcours_app::open(&tmp.path().join("bench.db"))?;
    let admin = users::create_first_admin(&mut db, "admin", "motdepasse", at)?;
    users::add_user(&mut db, &admin, "alice", Role::Clerk, "motdepasse", at)?;
    let clerk = Actor {
        name: "alice".into(),
        role: Role::Clerk,
    };
    let form = FormTemplate::default_v1();
    let on = at.date();
    let mut s = Stages::default();

    for f in &files {
        let t = Instant::now();
        let pages = load_pages(f)?;
        s.decode += t.elapsed();
        s.pages += pages.len();
        for p in &pages {
            let t = Instant::now();
            let a = page::analyze(p).map_err(anyhow::Error::msg)?;
            s.analyse += t.elapsed();
            let t = Instant::now();
            match a.kind {
                PageKind::FormPage1 | PageKind::FormPage2 => {
                    let no = if a.kind == PageKind::FormPage1 { 1 } else { 2 };
                    form_read::read_fields(p, &a, &form, no).map_err(anyhow::Error::msg)?;
                    s.form += t.elapsed();
                }
                PageKind::IdProof => {
                    proofs::read_id(p, &a, on);
                    s.id += t.elapsed();
                }
                PageKind::SsnProof => {
                    proofs::read_ssn(p, &a);
                    s.ssn += t.elapsed();
                }
                _ => {}
            }
            s.tesseract += tesseract_cli(p, tmp.path())?;
        }

        let files = [f.clone()];
        let t = Instant::now();
        let envelope = parcours_capture::read_envelope(&files, &form, on)?;
        s.read_whole += t.elapsed();
        let t = Instant::now();
        let others = Vec::new();
        let ctx = CheckContext {
            received: on,
            confidence_threshold: 0.7,
            other_open_nirs: &others,
        };
        check_case(&form, &envelope.reading, &ctx);
        s.checks += t.elapsed();

        let t = Instant::now();
        intake::intake(&mut db, &clerk, &form, &files, on, at)?;
        s.intake += t.elapsed();
    }

    let env = files.len() as f64;
    let per_env = |d: Duration| d.as_secs_f64() / env;
    let per_page = |d: Duration| d.as_secs_f64() / s.pages as f64;
    println!(
        "{} envelopes, {} pages, from {}",
        files.len(),
        s.pages,
        dir.display()
    );
    println!("stage (one thread)                 s/envelope   s/page");
    for (name, d) in [
        ("page decode", s.decode),
        ("page analysis (skew, orientation, kind)", s.analyse),
        ("form registration + field OCR", s.form),
        ("ID proof + MRZ", s.id),
        ("social-security proof", s.ssn),
        ("checks", s.checks),
    ] {
        println!("{name:<40} {:>7.3} {:>8.3}", per_env(d), per_page(d));
    }
    println!(
        "{:<40} {:>7.3} {:>8.3}",
        "reading alone (2 page threads)",
        per_env(s.read_whole),
        per_page(s.read_whole)
    );
    println!(
        "{:<40} {:>7.3} {:>8.3}",
        "parcours intake, whole (2 page threads)",
        per_env(s.intake),
        per_page(s.intake)
    );
    println!(
        "{:<40} {:>7.3} {:>8.3}",
        "tesseract CLI, full page fra",
        per_env(s.tesseract),
        per_page(s.tesseract)
    );
    println!(
        "ratio intake / tesseract CLI: {:.2}",
        s.intake.as_secs_f64() / s.tesseract.as_secs_f64()
    );
    Ok(())
}

/// Writes the page as PNG and times `tesseract PNG stdout -l fra` on it.
fn tesseract_cli(p: &parcours_capture::PageImage, dir: &Path) -> anyhow::Result<Duration> {
    let png = dir.join("page.png");
    p.image.save(&png)?;
    let t = Instant::now();
    let out = Command::new("tesseract")
        .arg(&png)
        .arg("stdout")
        .args(["-l", "fra", "--dpi", &format!("{}", p.dpi.round())])
        .output()?;
    let took = t.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "tesseract: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(took)
}
