//! The whole life of one envelope through the `parcours` binary: a scanned
//! envelope from the fixture generator is read, corrected against its truth,
//! approved, printed (the barcode read back by zbar), dispatched, followed
//! through La Poste's tracking file, handed over at the counter, and closed
//! at the end of the promise. Needs the generator's Python environment
//! (`scripts/setup.sh`), Tesseract, poppler-utils and zbar-tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, Local, NaiveDate};
use parcours_app::domain::s10::S10;
use serde_json::Value;

use super::{generate, json, stderr, Env, ADMIN};

const CLERK: Option<(&str, &str)> = Some(("alice", "motdepasse-alice"));
const COUNTER: Option<(&str, &str)> = Some(("guichet", "motdepasse-guichet"));
const MANAGER: Option<(&str, &str)> = Some(("marie", "motdepasse-marie"));

/// One clean typed envelope (seed 1: a passport, no defect) and its truth.
fn envelope(dir: &Path) -> (PathBuf, Value) {
    let pdf = generate(dir, "typed", 1, 1, &[]).remove(0);
    let truth: Value =
        serde_json::from_slice(&std::fs::read(pdf.with_extension("expected.json")).unwrap())
            .unwrap();
    assert!(
        truth["checks"].as_array().unwrap().is_empty(),
        "seed 1 is a clean envelope"
    );
    (pdf, truth)
}

fn ok(o: &std::process::Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    json(o)
}

fn status(e: &Env, reference: &str) -> String {
    let v = ok(&e.run(CLERK, &["case", "show", reference, "--json"], ""));
    v["status"].as_str().unwrap().to_string()
}

fn zbar(pdf: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("page");
    let r = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&png)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(r.success());
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(png.with_extension("png"))
        .output()
        .expect("zbarimg (zbar-tools)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn an_envelope_from_intake_to_closed() {
    let e = Env::new();
    assert_eq!(e.admin().status.code(), Some(0));
    for (name, role) in [
        ("alice", "clerk"),
        ("guichet", "counter_agent"),
        ("marie", "manager"),
    ] {
        let o = e.run(
            ADMIN,
            &["user", "add", name, "--role", role],
            &format!("motdepasse-{name}\n"),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for (k, v) in [
        ("s10.service", "RA"),
        ("s10.first", "500"),
        ("s10.last", "599"),
    ] {
        ok_status(&e.run(ADMIN, &["settings", "set", k, v], ""));
    }

    // Intake: the clerk scans the envelope.
    let work = tempfile::tempdir().unwrap();
    let (pdf, truth) = envelope(&work.path().join("scans"));
    let received = truth["received"].as_str().unwrap();
    let v = ok(&e.run(
        CLERK,
        &[
            "intake",
            pdf.to_str().unwrap(),
            "--received",
            received,
            "--json",
        ],
        "",
    ));
    let reference = v["reference"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "in_review");
    assert_eq!(
        v["id_document"]["document_number"], truth["id_document"]["document_number"],
        "the passport's MRZ is read"
    );

    // Review: every value that differs from the truth is corrected.
    let fields = truth["fields"].as_object().unwrap();
    let mut corrected = 0;
    for (key, want) in fields {
        let want = &want["value"];
        let got = &v["fields"][key]["value"];
        if got == want || !want.is_string() {
            continue;
        }
        let value = want.as_str().unwrap();
        ok(&e.run(
            CLERK,
            &["case", "correct", &reference, key, value, "--json"],
            "",
        ));
        corrected += 1;
    }
    assert!(
        corrected <= 3,
        "a clean typed envelope needs few corrections ({corrected})"
    );
    let shown = ok(&e.run(CLERK, &["case", "show", &reference, "--json"], ""));
    for (key, want) in fields {
        if want["value"].is_string() {
            assert_eq!(shown["fields"][key]["value"], want["value"], "{key}");
        }
    }
    let blocking: Vec<&Value> = shown["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["severity"] == "blocking")
        .collect();
    assert!(blocking.is_empty(), "nothing blocks: {blocking:?}");
    ok(&e.run(
        CLERK,
        &["case", "decide", &reference, "approve", "--json"],
        "",
    ));
    assert_eq!(status(&e, &reference), "approved");

    // Letters: one batch, its letter carries a barcode that a scanner reads.
    let out = work.path().join("courrier");
    let b = ok(&e.run(
        CLERK,
        &["letters", "print", "--out", out.to_str().unwrap(), "--json"],
        "",
    ));
    let letters = b["letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{b}");
    let s10 = letters[0]["s10"].as_str().unwrap().to_string();
    assert!(
        s10.starts_with("RA00000500") && s10.ends_with("FR"),
        "{s10}"
    );
    let letter = PathBuf::from(letters[0]["file"].as_str().unwrap());
    assert_eq!(zbar(&letter), s10);
    assert!(Path::new(b["slip"].as_str().unwrap()).exists());
    assert_eq!(status(&e, &reference), "letter_printed");
    let batch = b["batch"].to_string();
    ok(&e.run(CLERK, &["letters", "dispatch", &batch, "--json"], ""));
    assert_eq!(status(&e, &reference), "dispatched");

    // La Poste: deposited, then a notice; the same file twice changes nothing.
    let today = Local::now().date_naive();
    let day = today.format("%d/%m/%Y");
    let stranger = S10::new("RA", 9999, "FR").unwrap().compact();
    let csv = work.path().join("suivi.csv");
    std::fs::write(
        &csv,
        format!(
            "tracking_number;event_date;event\n{s10};{day};DEPOSE\n{s10};{day};AVISE\n{stranger};{day};AVISE\n"
        ),
    )
    .unwrap();
    let first = ok(&e.run(
        CLERK,
        &["tracking", "import", csv.to_str().unwrap(), "--json"],
        "",
    ));
    assert_eq!(first["applied"], 2, "{first}");
    assert_eq!(first["unknown"].as_array().unwrap().len(), 1, "{first}");
    let again = ok(&e.run(
        CLERK,
        &["tracking", "import", csv.to_str().unwrap(), "--json"],
        "",
    ));
    assert_eq!(again["applied"], 0, "{again}");
    assert_eq!(status(&e, &reference), "awaiting_pickup");

    // The counter: the barcode scanner types the S10 number.
    let o = e.run(COUNTER, &["counter", "find", &s10, "--json"], "");
    let found = ok(&o);
    let nir = truth["fields"]["nir"]["value"].as_str().unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains(nir), "no NIR");
    assert_eq!(found["reference"], reference.as_str());
    let number = truth["id_document"]["document_number"].as_str().unwrap();
    ok(&e.run(
        COUNTER,
        &[
            "counter",
            "verify",
            &s10,
            "--document-number",
            number,
            "--outcome",
            "verified",
            "--json",
        ],
        "",
    ));
    assert_eq!(status(&e, &reference), "verified");
    let o = e.run(COUNTER, &["case", "show", &reference, "--json"], "");
    assert_eq!(
        o.status.code(),
        Some(4),
        "a counter agent reads no case file"
    );

    // The manager's backlog holds the verified case.
    let r = ok(&e.run(MANAGER, &["report", "backlog", "--json"], ""));
    assert_eq!(r["by_status"]["verified"], 1, "{r}");

    // After the promise's end the case closes; its figures stay.
    let due = NaiveDate::parse_from_str(received, "%Y-%m-%d").unwrap() + Duration::days(28);
    let after = std::cmp::max(due, today) + Duration::days(1);
    let p = ok(&e.run(
        ADMIN,
        &["purge", "--as-of", &after.to_string(), "--json"],
        "",
    ));
    assert_eq!(p["closed"], serde_json::json!([reference]), "{p}");
    assert_eq!(status(&e, &reference), "closed");
    let o = ok(&e.run(ADMIN, &["audit", "verify", "--json"], ""));
    assert_eq!(o["ok"], true, "{o}");
}

fn ok_status(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
}
