//! Measures capture on folders of envelopes with their truth:
//! `cargo run --release -p parcours-capture --example measure -- DIR… [--limit N]`.
//! Prints page-kind and rotation accuracy, field exact match per tier and
//! per key, the MRZ read rate and seconds per envelope.

#[path = "../tests/capture/score.rs"]
mod score;

fn main() {
    parcours_capture::ensure_single_thread_openmp();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut limit = usize::MAX;
    if let Some(i) = args.iter().position(|a| a == "--limit") {
        limit = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(usize::MAX);
        args.drain(i..(i + 2).min(args.len()));
    }
    let verbose = std::env::var_os("VERBOSE").is_some();
    let form = parcours_domain::form::FormTemplate::default_v1();
    for dir in args {
        let mut s = score::Score::default();
        s.add_dir(std::path::Path::new(&dir), &form, limit);
        println!("== {dir}\n{}", s.report());
        if verbose {
            for d in &s.diffs {
                println!("  {d}");
            }
        }
    }
}
