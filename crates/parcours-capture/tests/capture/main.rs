//! End-to-end capture on the shared sample envelopes (`../shared/samples`
//! from the repository root): page kinds and rotations must all be right,
//! and the fields' exact-match rate must stay above the recorded floor.

mod score;

use parcours_domain::form::FormTemplate;

/// Field exact-match floor on the samples (measured 0.825: see NOTES.md).
const FIELD_FLOOR: f64 = 0.75;

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
        s.field_rate() >= FIELD_FLOOR,
        "field exact-match rate {:.3} fell under the floor {FIELD_FLOOR}",
        s.field_rate()
    );
}
