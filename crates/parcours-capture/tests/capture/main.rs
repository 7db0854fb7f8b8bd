//! End-to-end capture on the shared sample envelopes (`../shared/samples`
//! from the repository root, when present) and on envelopes made by the
//! fixture generator (always): page kinds and rotations must all be right,
//! every MRZ but one must be read, and the fields' exact-match rate must
//! stay above the recorded floors.

mod digital;
mod score;

use parcours_domain::form::FormTemplate;

/// Field exact-match floor on the samples (measured 0.987: see NOTES.md).
const FIELD_FLOOR: f64 = 0.95;

fn samples_dir() -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("PARCOURS_SAMPLES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/samples"));
    dir.is_dir().then_some(dir)
}

#[test]
fn samples_read_end_to_end() {
    let Some(dir) = samples_dir() else {
        println!("note: no sample envelopes (../shared/samples): test skipped");
        return;
    };
    let form = FormTemplate::default_v1();
    let mut s = score::Score::default();
    s.add_dir(&dir, &form, usize::MAX);
    println!("{}", s.report());
    for d in &s.diffs {
        println!("  {d}");
    }
    assert!(s.envelopes > 0, "the samples folder holds envelopes");
    assert_eq!(
        s.kinds.0, s.kinds.1,
        "every page kind of the samples is recognised"
    );
    assert_eq!(
        s.rotations.0, s.rotations.1,
        "every page's rotation is found"
    );
    assert!(
        s.mrz.0 + 1 >= s.mrz.1,
        "MRZ read valid with the right number on {}/{} identity documents",
        s.mrz.0,
        s.mrz.1
    );
    assert!(
        s.field_rate() >= FIELD_FLOOR,
        "field exact-match rate {:.3} fell under the floor {FIELD_FLOOR}",
        s.field_rate()
    );
}

/// Runs the fixture generator (the Python of `scripts/setup.sh`) with
/// `mode` (e.g. `["--tier", "typed"]` or `["--digital", "acroform"]`).
fn generate(dir: &std::path::Path, mode: &[&str], count: usize, seed: u64) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join(".tools/venv/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        "python3".into()
    };
    let out = std::process::Command::new(&python)
        .arg(root.join("tests/fixtures/gen/generate.py"))
        .args(mode)
        .args(["--count", &count.to_string()])
        .args(["--seed", &seed.to_string(), "--quiet", "--out"])
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("{python:?} runs the fixture generator: {e}"));
    assert!(
        out.status.success(),
        "the fixture generator needs scripts/setup.sh's Python environment: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fresh envelopes of both tiers (seeds no tuning looked at). Floors under
/// what 40 + 40 envelopes measure (NOTES.md): typed 98.9 %, handwritten
/// 96.6 %, wrong but sure at most 0.5 %, every MRZ read.
#[test]
fn generated_envelopes_read_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("typed"), &["--tier", "typed"], 6, 8101);
    generate(
        &dir.path().join("handwritten"),
        &["--tier", "handwritten"],
        4,
        8102,
    );
    let form = FormTemplate::default_v1();
    let mut s = score::Score::default();
    s.add_dir(&dir.path().join("typed"), &form, usize::MAX);
    s.add_dir(&dir.path().join("handwritten"), &form, usize::MAX);
    println!("{}", s.report());
    for d in &s.diffs {
        println!("  {d}");
    }
    assert_eq!(s.envelopes, 10);
    // Every page kind on the 80 + 80 envelopes of NOTES.md and 39/39 here;
    // one page's slip is allowed.
    assert!(
        s.kinds.0 + 1 >= s.kinds.1,
        "page kinds {}/{}",
        s.kinds.0,
        s.kinds.1
    );
    assert!(
        s.mrz.0 + 1 >= s.mrz.1,
        "MRZ read on {}/{} identity documents",
        s.mrz.0,
        s.mrz.1
    );
    let rate = |tier: &str| {
        let (a, b) = s.fields[tier];
        a as f64 / b as f64
    };
    assert!(rate("typed") >= 0.95, "typed fields {:.3}", rate("typed"));
    assert!(
        rate("handwritten") >= 0.85,
        "handwritten fields {:.3}",
        rate("handwritten")
    );
    let separate: Vec<&String> = s
        .diffs
        .iter()
        .filter(|d| d.contains("proofs_not_separate"))
        .collect();
    assert!(
        separate.is_empty(),
        "proofs together or apart as the truth says: {separate:?}"
    );
    for (tier, (wrong, all)) in &s.wrong_sure {
        assert!(
            *wrong as f64 <= 0.03 * *all as f64,
            "{tier}: {wrong}/{all} fields wrong with a confidence over the threshold"
        );
    }
}

/// A card copied onto the form's page 2 (two carte Vitale, two ID cards'
/// MRZ sides, on these seeds): `PROOFS_NOT_SEPARATE`, and the proof counts,
/// so that neither `ID_PROOF_MISSING` nor `SSN_PROOF_MISSING` is raised.
#[test]
fn a_proof_copied_onto_the_form_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let mode = [
        "--tier",
        "mixed",
        "--defects",
        "PROOFS_NOT_SEPARATE",
        "--together",
        "form",
    ];
    generate(dir.path(), &mode, 4, 8103);
    let form = FormTemplate::default_v1();
    let mut found = 0;
    for i in 1..=4 {
        let pdf = dir.path().join(format!("env-{i:04}.pdf"));
        let on = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let env = parcours_capture::read_envelope(&[pdf], &form, on).expect("the envelope reads");
        let r = &env.reading;
        println!(
            "env-{i:04}: together {}, ID pages {}, SSN pages {}",
            r.proofs_not_separate, r.id_proof_pages, r.ssn_proof_pages
        );
        if r.proofs_not_separate && r.id_proof_pages > 0 && r.ssn_proof_pages > 0 {
            found += 1;
        }
    }
    assert_eq!(found, 4, "each card on a form page found and counted");
}
