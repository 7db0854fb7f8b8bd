//! Prints each page's kind, rotation, skew and timing for PDFs given as arguments.
use std::time::Instant;

fn main() {
    for arg in std::env::args().skip(1) {
        let pages = parcours_capture::load_pages(std::path::Path::new(&arg)).expect("load");
        let truth: Option<serde_json::Value> = std::fs::read(arg.replace(".pdf", ".expected.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        for (i, p) in pages.iter().enumerate() {
            let t = Instant::now();
            let a = parcours_capture::page::analyze(p).expect("analyze");
            let want = truth
                .as_ref()
                .map(|t| format!("{} {}", t["pages"][i]["kind"], t["pages"][i]["rotation"]))
                .unwrap_or_default();
            let got = format!("\"{}\" {}", a.kind.as_str(), a.rotation);
            println!(
                "{} p{} dpi {:.0} ink {:.4} skew {:+.2} {:>5.2}s  {:<20} want {:<20} {}",
                p.source_file,
                p.source_page,
                p.dpi,
                a.ink_ratio,
                a.frame.skew_deg,
                t.elapsed().as_secs_f32(),
                got,
                want,
                if got == want { "" } else { "<<<<<<" }
            );
            if got != want && std::env::var("DEBUG").is_ok() {
                println!("   text: {:?}", a.text.text);
                parcours_capture::page::upright_work_image(p, &a)
                    .save(format!("/tmp/dbg-{}-{}.png", p.source_file, p.source_page))
                    .ok();
            }
        }
    }
}
