//! `parcours letters …`: a batch printed, read back as La Poste's scanner
//! and a person would (barcode by zbar at 150 dpi, text by poppler),
//! dispatched, reprinted; the complement and rejection letters. Needs
//! poppler-utils and zbar-tools.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use parcours_app::cases::{self, NewIntake};
use parcours_app::domain::form::FormTemplate;
use parcours_app::domain::roles::Role;
use parcours_app::domain::s10::S10;
use parcours_app::review::{self, Decision};
use parcours_app::Actor;
use serde_json::Value;

use super::{json, stderr, text_reading, Env, ADMIN};

const CLERK: Option<(&str, &str)> = Some(("alice", "motdepasse-alice"));
const COUNTER: Option<(&str, &str)> = Some(("guichet", "motdepasse-guichet"));

/// Default window of the letters (settings `letters.address_x_mm/y_mm`).
const WINDOW_X_MM: f32 = 110.0;
const WINDOW_Y_MM: f32 = 50.0;

fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| {
        panic!("{cmd} is needed by these tests (apt-get install poppler-utils zbar-tools): {e}")
    });
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Stores a case read with these fields and decides on it (through
/// parcours-app: intake needs scans).
fn seed(e: &Env, fields: &[(&str, &str)], decision: Decision, reason: &str) -> String {
    let mut db = parcours_app::open(&e.db).unwrap();
    let clerk = Actor {
        name: "alice".into(),
        role: Role::Clerk,
    };
    let reading = text_reading(fields);
    let v = cases::record_intake(
        &mut db,
        &clerk,
        &FormTemplate::default_v1(),
        NewIntake {
            reading: &reading,
            pages: &[],
            crops: &BTreeMap::new(),
            received: at().date(),
        },
        at(),
    )
    .unwrap();
    review::decide(&mut db, &clerk, &v.reference, decision, Some(reason), at()).unwrap();
    v.reference
}

fn person(last: &str) -> Vec<(&str, &str)> {
    vec![
        ("civility", "monsieur"),
        ("last_name", last),
        ("first_names", "Jean-Pierre"),
        ("birth_date", "1984-02-24"),
        ("nir", "184027645108980"),
        ("address_complement", "Résidence les Tilleuls, bâtiment C"),
        ("address_line", "27 rue du Général de Gaulle"),
        ("postcode", "59000"),
        ("city", "Lille"),
    ]
}

fn setup() -> Env {
    let e = Env::new();
    assert_eq!(e.admin().status.code(), Some(0));
    for (name, role) in [("alice", "clerk"), ("guichet", "counter_agent")] {
        let o = e.run(
            ADMIN,
            &["user", "add", name, "--role", role],
            &format!("motdepasse-{name}\n"),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for (k, v) in [
        ("s10.service", "RA"),
        ("s10.first", "10000"),
        ("s10.last", "10099"),
    ] {
        let o = e.run(ADMIN, &["settings", "set", k, v], "");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    e
}

/// The address block seen through the envelope window: the text of that
/// area, without the line of the S10 number under the barcode.
fn window_lines(pdf: &Path) -> Vec<String> {
    let pt = |mm: f32| ((mm * 72.0 / 25.4).round() as i32).to_string();
    let text = tool(
        "pdftotext",
        &[
            "-f",
            "1",
            "-l",
            "1",
            "-layout",
            "-x",
            &pt(WINDOW_X_MM - 2.0),
            "-y",
            &pt(WINDOW_Y_MM - 2.0),
            "-W",
            &pt(90.0),
            "-H",
            &pt(45.0),
            pdf.to_str().unwrap(),
            "-",
        ],
    );
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && S10::parse(l).is_err())
        .map(str::to_string)
        .collect()
}

fn barcodes(pdf: &Path, dir: &Path) -> Vec<String> {
    let prefix = dir.join("page");
    tool(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(prefix.with_extension("png"))
        .output()
        .expect("zbarimg (zbar-tools) is installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn print_a_batch_scan_it_back_dispatch_and_reprint() {
    let e = setup();
    let first = seed(&e, &person("Dupont"), Decision::Approve, "pièces vues");
    let second = seed(&e, &person("Martin"), Decision::Approve, "pièces vues");
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("lot");
    let dir_s = dir.to_str().unwrap();

    let o = e.run(COUNTER, &["letters", "print", "--out", dir_s, "--json"], "");
    assert_eq!(o.status.code(), Some(4), "a counter agent does not print");

    let o = e.run(CLERK, &["letters", "print", "--out", dir_s, "--json"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let batch = v["batch"].as_i64().unwrap();
    assert!(Path::new(v["slip"].as_str().unwrap()).is_file());
    assert!(Path::new(v["combined"].as_str().unwrap()).is_file());
    let letters = v["letters"].as_array().unwrap();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0]["reference"], first.as_str());
    assert_eq!(letters[1]["reference"], second.as_str());
    let s10: Vec<S10> = letters
        .iter()
        .map(|l| S10::parse(l["s10"].as_str().unwrap()).expect("valid check digit"))
        .collect();
    assert_eq!(
        s10.iter().map(|s| s.serial).collect::<Vec<_>>(),
        vec![10000, 10001]
    );

    // The scanner reads the printed number, check digit included.
    let file = Path::new(letters[0]["file"].as_str().unwrap());
    let codes = barcodes(file, out.path());
    assert_eq!(codes, vec![s10[0].compact()], "zbar reads the S10 number");
    assert_eq!(
        S10::parse(&codes[0]).unwrap().check,
        parcours_app::domain::s10::check_digit(10000)
    );

    // The address block per NF Z10-011.
    let lines = window_lines(file);
    assert!(!lines.is_empty() && lines.len() <= 6, "{lines:?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 38), "{lines:?}");
    assert_eq!(lines[0], "MONSIEUR JEAN-PIERRE DUPONT");
    assert_eq!(lines.last().unwrap(), "59000 LILLE", "{lines:?}");
    assert!(lines.iter().all(|l| l == &l.to_uppercase()), "{lines:?}");

    // Reprint the second letter: new number, the old one is gone for good.
    let o = e.run(
        CLERK,
        &["letters", "reprint", &second, "--out", dir_s, "--json"],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["voided_s10"], s10[1].compact().as_str());
    let new = S10::parse(r["letter"]["s10"].as_str().unwrap()).unwrap();
    assert_eq!(new.serial, 10002);
    let new_file = Path::new(r["letter"]["file"].as_str().unwrap());
    assert_eq!(barcodes(new_file, out.path()), vec![new.compact()]);
    let slip = tool("pdftotext", &["-layout", r["slip"].as_str().unwrap(), "-"]);
    assert!(
        slip.contains(&new.formatted()) && !slip.contains(&s10[1].formatted()),
        "the slip lists the new number only:\n{slip}"
    );

    // Dispatch once.
    let o = e.run(CLERK, &["letters", "dispatch", &batch.to_string()], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = e.run(CLERK, &["letters", "dispatch", &batch.to_string()], "");
    assert_eq!(o.status.code(), Some(3), "a second dispatch is refused");
    assert!(stderr(&o).contains("déjà été remis"), "{}", stderr(&o));
    let o = e.run(CLERK, &["letters", "dispatch", "999"], "");
    assert_eq!(o.status.code(), Some(5));
    let shown = json(&e.run(CLERK, &["case", "show", &first, "--json"], ""));
    assert_eq!(shown["status"], "dispatched");

    // Nothing left to print.
    let o = e.run(CLERK, &["letters", "print", "--out", dir_s], "");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

#[test]
fn complement_and_rejection_letters() {
    let e = setup();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    // No signature, no proofs: blocking checks to list.
    let incomplete = seed(&e, &person("Durand"), Decision::Incomplete, "");
    let o = e.run(
        CLERK,
        &["letters", "complement", &incomplete, "--out", dir, "--json"],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = json(&o);
    let reasons: Vec<&str> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"Le formulaire n'est pas signé."),
        "{reasons:?}"
    );
    let text = tool("pdftotext", &[v["file"].as_str().unwrap(), "-"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for r in &reasons {
        assert!(flat.contains(r), "« {r} » in the letter:\n{text}");
    }

    let reason = "Votre pièce d'identité était expirée à la réception du dossier.";
    let rejected = seed(&e, &person("Petit"), Decision::Reject, reason);
    let o = e.run(
        CLERK,
        &["letters", "reject", &rejected, "--out", dir, "--json"],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = tool("pdftotext", &[json(&o)["file"].as_str().unwrap(), "-"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(reason), "{text}");

    let o = e.run(CLERK, &["letters", "reject", &incomplete, "--out", dir], "");
    assert_eq!(o.status.code(), Some(3), "not a rejected case");
    let o = e.run(CLERK, &["letters", "reject", &rejected, "--out", dir], "");
    assert_eq!(o.status.code(), Some(3), "the letter closed the case");
    let rejected = seed(&e, &person("Moreau"), Decision::Reject, reason);

    // Edited templates replace the built-in texts.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("rejection_letter.j2"),
        "Objet : Rejet {{ reference }}\n\n{{ salutation }},\n\nTexte modifié : {{ reason }}\n",
    )
    .unwrap();
    let o = e.run(
        CLERK,
        &[
            "letters",
            "reject",
            &rejected,
            "--out",
            dir,
            "--templates",
            t.path().to_str().unwrap(),
            "--json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = tool("pdftotext", &[json(&o)["file"].as_str().unwrap(), "-"]);
    assert!(text.contains("Texte modifié"), "{text}");
}
