//! Journey after dispatch: La Poste's events imported twice, the counter,
//! the backlog checked against a hand count, the export, the purge.

use chrono::NaiveDate;
use parcours_app::domain::checks::IdDocument;
use parcours_app::domain::lifecycle::{transition, Status};
use parcours_app::domain::s10::S10;
use parcours_app::domain::{DocumentKind, Sex};
use parcours_app::parcours_db::{self as db, DbError};
use serde_json::{json as j, Value};

use super::{json, stderr, Env, ADMIN};

const NIR: &str = "184027645108980";
const CLERK: Option<(&str, &str)> = Some(("alice", "motdepasse-alice"));
const COUNTER: Option<(&str, &str)> = Some(("guichet", "motdepasse-guichet"));
const MANAGER: Option<(&str, &str)> = Some(("marie", "motdepasse-marie"));

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn s10(serial: u32) -> String {
    S10::new("RA", serial, "FR").unwrap().compact()
}

/// Seeds a case through parcours-db: received on `received`, moved to
/// `in_review` that day, then to `dispatched` on `dispatched` with a
/// registered letter when given.
fn seed(e: &Env, reference: &str, received: &str, dispatched: Option<(&str, u32)>) {
    let mut store = parcours_app::open(&e.db).unwrap();
    store
        .write(|tx| {
            let id = db::cases::insert(
                tx,
                &db::cases::NewCase {
                    reference: reference.into(),
                    status: Status::Received,
                    received: d(received),
                    at: d(received).and_hms_opt(9, 0, 0).unwrap(),
                    nir: Some(NIR.into()),
                    last_name: Some("MARTIN".into()),
                    first_names: Some("CLAIRE".into()),
                    birth_date: Some("1990-05-17".into()),
                    postcode: Some("59000".into()),
                    city: Some("LILLE".into()),
                    id_document: Some(IdDocument {
                        kind: DocumentKind::Passport,
                        surname: "MARTIN".into(),
                        given_names: vec!["CLAIRE".into()],
                        birth_date: Some(d("1990-05-17")),
                        expiry_date: Some(d("2030-01-01")),
                        document_number: "19AB12345".into(),
                        sex: Sex::F,
                        mrz_valid: true,
                        mrz: vec![],
                        name_truncated: false,
                    }),
                    ssn_proof: None,
                },
            )?;
            let mut steps = vec![(received, Status::InReview)];
            if let Some((day, _)) = dispatched {
                steps.extend([
                    (day, Status::Approved),
                    (day, Status::LetterPrinted),
                    (day, Status::Dispatched),
                ]);
            }
            let mut from = Status::Received;
            for (day, to) in steps {
                let at = d(day).and_hms_opt(10, 0, 0).unwrap();
                db::cases::set_status(tx, id, to, at)?;
                db::transitions::record(tx, id, &transition(from, to, "alice", at, "").unwrap())?;
                from = to;
            }
            if let Some((day, serial)) = dispatched {
                let number = s10(serial);
                db::letters::insert(
                    tx,
                    &db::letters::NewLetter {
                        case_id: id,
                        kind: db::letters::LetterKind::Registered,
                        s10: Some((&number, "RA", serial)),
                        batch_id: None,
                        activation_hash: Some("h"),
                        pdf_sha: None,
                        at: d(day).and_hms_opt(10, 0, 0).unwrap(),
                        by: "alice",
                    },
                )?;
            }
            Ok::<_, DbError>(())
        })
        .unwrap();
}

#[test]
fn after_dispatch_tracking_counter_report_export_purge() {
    let e = Env::new();
    assert!(e.admin().status.success());
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
        assert!(o.status.success(), "{}", stderr(&o));
    }
    seed(&e, "PA-2025-000001", "2025-03-03", Some(("2025-03-10", 1)));
    seed(&e, "PA-2025-000002", "2025-03-03", Some(("2025-03-10", 2)));
    seed(&e, "PA-2025-000003", "2025-03-03", Some(("2025-03-10", 3)));
    seed(&e, "PA-2025-000004", "2025-02-10", None);
    seed(&e, "PA-2025-000005", "2025-02-17", None);

    // La Poste's file: semicolons, BOM, French dates, a bad row, an unknown number.
    let csv = e.db.with_file_name("suivi.csv");
    std::fs::write(
        &csv,
        format!(
            "\u{feff}tracking_number;event_date;event\r\n\
             {};12/03/2025;AVISE\r\n\
             {};13/03/2025;DISTRIBUE\r\n\
             {};2025-03-11;DEPOSE\r\n\
             {};2025-03-13;DISTRIBUE\r\n\
             {};32/03/2025;AVISE\r\n",
            s10(1),
            s10(2),
            s10(3),
            s10(77),
            s10(3),
        ),
    )
    .unwrap();
    let path = csv.to_str().unwrap();
    let first = e.run(CLERK, &["tracking", "import", path, "--json"], "");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let v = json(&first);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["applied", "duplicates", "errors", "unknown"],
        "exactly these keys"
    );
    assert_eq!(
        (v["applied"].clone(), v["duplicates"].clone()),
        (j!(3), j!(0))
    );
    assert_eq!(v["unknown"], j!([{"line": 5, "tracking_number": s10(77)}]));
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    assert_eq!(v["errors"][0]["line"], 6);
    let again = json(&e.run(CLERK, &["tracking", "import", path, "--json"], ""));
    assert_eq!(
        (again["applied"].clone(), again["duplicates"].clone()),
        (j!(0), j!(3)),
        "the same file twice changes nothing"
    );
    let counter_import = e.run(COUNTER, &["tracking", "import", path, "--json"], "");
    assert_eq!(
        counter_import.status.code(),
        Some(4),
        "counter agents do not import"
    );

    // The counter: case 1 waits at the post office.
    let found = e.run(
        COUNTER,
        &[
            "counter",
            "find",
            &S10::new("RA", 1, "FR").unwrap().formatted(),
            "--json",
        ],
        "",
    );
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let out = String::from_utf8_lossy(&found.stdout);
    assert!(
        !out.contains(NIR),
        "the NIR never reaches the counter: {out}"
    );
    let v = json(&found);
    assert_eq!(v["reference"], "PA-2025-000001");
    assert_eq!(v["status"], "awaiting_pickup");
    assert_eq!(v["last_name"], "MARTIN");
    assert_eq!(v["birth_date"], "1990-05-17");
    assert_eq!(
        v["id_document"],
        j!({"kind": "passport", "number": "19AB12345"})
    );
    let clerk_at_counter = e.run(CLERK, &["counter", "find", "PA-2025-000001", "--json"], "");
    assert_eq!(
        clerk_at_counter.status.code(),
        Some(4),
        "a clerk cannot use the counter"
    );
    let agent_reads_case = e.run(COUNTER, &["case", "show", "PA-2025-000001", "--json"], "");
    assert_eq!(
        agent_reads_case.status.code(),
        Some(4),
        "a counter agent cannot open a case"
    );

    let wrong = e.run(
        COUNTER,
        &[
            "counter",
            "verify",
            "PA-2025-000001",
            "--document-number",
            "99ZZ00000",
            "--outcome",
            "verified",
        ],
        "",
    );
    assert_eq!(
        wrong.status.code(),
        Some(3),
        "a different number needs a reason"
    );
    assert!(stderr(&wrong).contains("motif"), "{}", stderr(&wrong));
    let ok = e.run(
        COUNTER,
        &[
            "counter",
            "verify",
            &s10(1),
            "--document-number",
            "19ab 12345",
            "--outcome",
            "verified",
            "--json",
        ],
        "",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(
        json(&ok),
        j!({"reference": "PA-2025-000001", "outcome": "verified", "number_matches": true, "status": "verified"})
    );

    // The backlog on 14 March 2025, by hand:
    // 1 verified (today, at the counter), 2 verified on 13/03 (10 days), 3 dispatched
    // (11 days old), 4 in review since 10/02 (32 days: breached, due 10/03),
    // 5 in review since 17/02 (25 days: at risk, 3 left).
    let b = e.run(
        MANAGER,
        &["report", "backlog", "--as-of", "2025-03-14", "--json"],
        "",
    );
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let b = json(&b);
    assert_eq!(b["total"], 5);
    assert_eq!(b["by_status"].as_object().unwrap().len(), 11);
    assert_eq!(
        (
            b["by_status"]["verified"].clone(),
            b["by_status"]["dispatched"].clone(),
            b["by_status"]["in_review"].clone(),
            b["by_status"]["closed"].clone()
        ),
        (j!(2), j!(1), j!(2), j!(0))
    );
    let ages: Vec<i64> = b["ageing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["count"].as_i64().unwrap())
        .collect();
    assert_eq!(ages, [0, 1, 0, 1, 1]);
    assert_eq!(
        b["at_risk"],
        j!([{"reference": "PA-2025-000005", "received": "2025-02-17", "due": "2025-03-17", "days_left": 3, "status": "in_review"}])
    );
    assert_eq!(
        b["breached"],
        j!([{"reference": "PA-2025-000004", "received": "2025-02-10", "due": "2025-03-10", "days_left": -4, "status": "in_review"}])
    );
    let weeks = b["weekly"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    let week = |name: &str| {
        weeks
            .iter()
            .find(|w| w["week"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        (
            week("2025-W10")["intake"].clone(),
            week("2025-W11")["completed"].clone()
        ),
        (j!(3), j!(1))
    );
    assert_eq!(b["median_turnaround_days_recent"], 10.0);
    let clerk_report = e.run(CLERK, &["report", "backlog", "--json"], "");
    assert_eq!(
        clerk_report.status.code(),
        Some(4),
        "reports are for managers"
    );

    // The export.
    let file = e.db.with_file_name("export.csv");
    let x = e.run(
        MANAGER,
        &[
            "export",
            "cases",
            "--csv",
            file.to_str().unwrap(),
            "--as-of",
            "2025-03-14",
        ],
        "",
    );
    assert_eq!(x.status.code(), Some(0), "{}", stderr(&x));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 6, "a header and 5 cases");
    assert!(
        text.contains("PA-2025-000004;En instruction;10/02/2025;10/03/2025;-4;hors délai;"),
        "{text}"
    );
    assert!(
        !text.contains(NIR) && !text.contains("MARTIN"),
        "no personal data in the export"
    );

    // Retention: verified cases close after their promise, then are purged
    // 180 days after closing; a second run finds nothing.
    assert_eq!(
        e.run(MANAGER, &["purge", "--json"], "").status.code(),
        Some(4)
    );
    let p1 = json(&e.run(ADMIN, &["purge", "--as-of", "2027-01-01", "--json"], ""));
    assert_eq!(
        (p1["closed"].as_array().unwrap().len(), p1["purged"].clone()),
        (2, j!(0))
    );
    let p2 = json(&e.run(ADMIN, &["purge", "--as-of", "2027-07-01", "--json"], ""));
    assert_eq!(p2["purged"], 2, "{p2}");
    let p3 = json(&e.run(ADMIN, &["purge", "--as-of", "2027-07-01", "--json"], ""));
    assert_eq!(
        (p3["purged"].clone(), p3["closed"].clone()),
        (j!(0), j!([])),
        "safe to run twice"
    );
    let after = json(&e.run(
        MANAGER,
        &["report", "backlog", "--as-of", "2025-03-14", "--json"],
        "",
    ));
    assert_eq!(
        (after["total"].clone(), after["by_status"]["closed"].clone()),
        (j!(5), j!(2)),
        "purged cases still count"
    );
    let audit = e.run(ADMIN, &["audit", "verify", "--json"], "");
    assert_eq!(audit.status.code(), Some(0), "{}", stderr(&audit));
}
