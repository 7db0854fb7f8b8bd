//! Prints each page's kind, rotation, skew and timing for PDFs given as
//! arguments; for a form page, its registration and the proofs copied
//! onto it.
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
            let no = match a.kind {
                parcours_domain::PageKind::FormPage1 => 1,
                parcours_domain::PageKind::FormPage2 => 2,
                _ => 0,
            };
            if no > 0 {
                let form = parcours_domain::form::FormTemplate::default_v1();
                let r = parcours_capture::form_read::register(p, &a.frame, &form, no);
                println!(
                    "   registration: {:.3} px/mm (page {:.3}), offset {:+.1}, {:+.1} px, edges matched y {:?} x {:?}",
                    r.scale,
                    p.dpi / 25.4,
                    r.dx,
                    r.dy,
                    r.matched_y,
                    r.matched_x
                );
                let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                let t = Instant::now();
                let id = parcours_capture::proofs::read_id_on_form(p, &a, day).is_some();
                let t_id = t.elapsed().as_secs_f32();
                let t = Instant::now();
                let cards = parcours_capture::proofs::read_cards(p, &a);
                println!(
                    "   ID on form {id} {t_id:.3}s, cards on form {cards:?} {:.3}s",
                    t.elapsed().as_secs_f32()
                );
            }
            if std::env::var_os("TEXT").is_some() {
                println!(
                    "   text: {:?}\n   NIR: {:?}",
                    a.text.text,
                    parcours_capture::proofs::find_valid_nir(&a.text.text)
                );
            }
            if got != want && std::env::var("DEBUG").is_ok() {
                println!("   text: {:?}", a.text.text);
                parcours_capture::page::upright_work_image(p, &a)
                    .save(format!("/tmp/dbg-{}-{}.png", p.source_file, p.source_page))
                    .ok();
            }
        }
    }
}
