//! End-to-end journeys through the `parcours` binary, on temporary databases.

mod concurrency;
mod crash;
mod followup;
mod journey;
mod letters;
mod robust;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use parcours_app::domain::checks::{CaseReading, FieldReading};
use parcours_app::domain::form::FieldValue;
use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("parcours.db");
        Env { _dir: dir, db }
    }

    /// Runs `parcours ARGS` with optional user/password and stdin.
    fn run(&self, user: Option<(&str, &str)>, args: &[&str], stdin: &str) -> Output {
        run_with_db(&self.db, user, args, stdin)
    }

    fn admin(&self) -> Output {
        self.run(None, &["user", "add", "admin"], "motdepasse-admin\n")
    }
}

fn run_with_db(db: &Path, user: Option<(&str, &str)>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parcours"));
    cmd.arg("--db").arg(db).args(args);
    cmd.env_remove("PARCOURS_USER")
        .env_remove("PARCOURS_PASSWORD")
        .env_remove("PARCOURS_DB");
    if let Some((u, p)) = user {
        cmd.env("PARCOURS_USER", u).env("PARCOURS_PASSWORD", p);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the parcours binary runs");
    // The command may exit before reading its input (a refusal): ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const ADMIN: Option<(&str, &str)> = Some(("admin", "motdepasse-admin"));

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the fixture generator (`tests/fixtures/gen/generate.py`, with the
/// Python of `scripts/setup.sh`): `count` envelopes of `tier` from `seed`
/// into `dir`, `env-0001.pdf` beside `env-0001.expected.json` and so on.
fn generate(dir: &Path, tier: &str, count: usize, seed: u64, extra: &[&str]) -> Vec<PathBuf> {
    let venv = repo().join(".tools/venv/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    };
    let out = Command::new(&python)
        .arg(repo().join("tests/fixtures/gen/generate.py"))
        .args(["--count", &count.to_string(), "--tier", tier])
        .args(["--seed", &seed.to_string(), "--quiet"])
        .args(extra)
        .arg("--out")
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("{python:?} runs the fixture generator: {e}"));
    assert!(
        out.status.success(),
        "the fixture generator needs scripts/setup.sh's Python environment: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (1..=count)
        .map(|i| dir.join(format!("env-{i:04}.pdf")))
        .collect()
}

/// What intake would have read: these text fields, confidence 0.99.
fn text_reading(fields: &[(&str, &str)]) -> CaseReading {
    CaseReading {
        fields: fields
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    FieldReading {
                        value: Some(FieldValue::Text(v.to_string())),
                        confidence: 0.99,
                    },
                )
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn check_nir_valid_and_invalid() {
    let e = Env::new();
    let ok = e.run(
        None,
        &["check", "nir", "2 69 06 24 322 843 14", "--json"],
        "",
    );
    assert_eq!(ok.status.code(), Some(0));
    let v = json(&ok);
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalized"], "269062432284314");

    let bad = e.run(None, &["check", "nir", "269062432284315", "--json"], "");
    assert_eq!(
        bad.status.code(),
        Some(3),
        "an invalid value exits 3 for scripts"
    );
    let v = json(&bad);
    assert_eq!(v["valid"], false);
    let msgs = v["errors"].to_string();
    assert!(
        msgs.contains("14"),
        "the message gives the expected key: {msgs}"
    );
}

#[test]
fn check_s10() {
    let e = Env::new();
    let v = json(&e.run(None, &["check", "s10", "ra 123 456 785 fr", "--json"], ""));
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalized"], "RA123456785FR");
    let bad = e.run(None, &["check", "s10", "RA123456784FR", "--json"], "");
    assert_eq!(bad.status.code(), Some(3));
    assert_eq!(json(&bad)["valid"], false);
}

#[test]
fn check_mrz_reads_all_four_formats() {
    let e = Env::new();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "I<UTOD231458907<<<<<<<<<<<<<<<",
                "7408122F1204159UTO<<<<<<<<<<<6",
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            ],
            "td1",
            "ERIKSSON",
        ),
        (
            &[
                "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                "D231458907UTO7408122F1204159<<<<<<<6",
            ],
            "td2",
            "ERIKSSON",
        ),
        (
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ],
            "td3",
            "ERIKSSON",
        ),
        (
            &[
                "IDFRABODIN<<<<<<<<<<<<<<<<<<<<244258",
                "1109244812538JOSEPHINE<<BER6906034F8",
            ],
            "fr_id_old",
            "BODIN",
        ),
    ];
    for (lines, format, surname) in cases {
        let mut args = vec!["check", "mrz"];
        args.extend_from_slice(lines);
        args.push("--json");
        let o = e.run(None, &args, "");
        let v = json(&o);
        assert_eq!(o.status.code(), Some(0), "{format}: {v}");
        assert_eq!(v["valid"], true, "{format}");
        assert_eq!(v["format"], format);
        assert_eq!(v["surname"], surname);
    }
    let human = e.run(
        None,
        &[
            "check",
            "mrz",
            "IDFRABODIN<<<<<<<<<<<<<<<<<<<<244258",
            "1109244812538JOSEPHINE<<BER6906034F8",
        ],
        "",
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("carte nationale d'identité (ancien modèle) : BODIN JOSEPHINE"),
        "the kind in French: {text}"
    );
}

#[test]
fn check_mrz_explains_a_bad_one() {
    let e = Env::new();
    // Birth date digit changed: 740812 → 740813 without fixing its check digit.
    let o = e.run(
        None,
        &[
            "check",
            "mrz",
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408132F1204159ZE184226B<<<<<10",
            "--json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(3));
    let v = json(&o);
    assert_eq!(v["valid"], false);
    let errors = v["errors"].to_string().to_lowercase();
    assert!(
        errors.contains("naissance"),
        "the clerk is told the birth date's check digit fails: {errors}"
    );

    let o = e.run(None, &["check", "mrz", "NOT AN MRZ", "--json"], "");
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json(&o)["valid"], false);
}

#[test]
fn first_user_is_admin_then_authentication_is_required() {
    let e = Env::new();
    let o = e.admin();
    assert!(o.status.success(), "{}", stderr(&o));

    // Without credentials, adding a user is refused.
    let o = e.run(
        None,
        &["user", "add", "alice", "--role", "clerk"],
        "motdepasse-alice\n",
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--user"));

    // Wrong password.
    let o = e.run(
        Some(("admin", "mauvais")),
        &["user", "add", "alice", "--role", "clerk"],
        "motdepasse-alice\n",
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("mot de passe incorrect"));

    let o = e.run(
        ADMIN,
        &["user", "add", "alice", "--role", "clerk"],
        "motdepasse-alice\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // A clerk cannot add users.
    let o = e.run(
        Some(("alice", "motdepasse-alice")),
        &["user", "add", "bob", "--role", "admin"],
        "motdepasse-bob1\n",
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("refusée"), "{}", stderr(&o));

    let v = json(&e.run(ADMIN, &["user", "list", "--json"], ""));
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "alice"]);
    assert_eq!(v[1]["role"], "clerk");
}

#[test]
fn settings_are_typed_validated_and_audited() {
    let e = Env::new();
    e.admin();
    let o = e.run(ADMIN, &["settings", "set", "s10.service", "ra"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = e.run(
        ADMIN,
        &["settings", "set", "ocr.confidence_threshold", "2"],
        "",
    );
    assert_eq!(o.status.code(), Some(3), "out of bounds is refused");
    assert!(stderr(&o).contains("entre 0 et 1"), "{}", stderr(&o));
    let o = e.run(ADMIN, &["settings", "set", "nope", "1"], "");
    assert_eq!(o.status.code(), Some(3));

    let v = json(&e.run(ADMIN, &["settings", "get", "s10.service", "--json"], ""));
    assert_eq!(v[0]["value"], "RA", "stored in normal form");
    let v = json(&e.run(ADMIN, &["settings", "get", "--json"], ""));
    let retention = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "retention.days")
        .unwrap();
    assert_eq!(retention["value"], "180", "defaults are shown");

    // The change is in the audit log, whose chain verifies.
    let v = json(&e.run(ADMIN, &["audit", "verify", "--json"], ""));
    assert_eq!(v["ok"], true);
    assert!(
        v["rows"].as_i64().unwrap() >= 2,
        "user creation and the setting are audited: {v}"
    );
}

#[test]
fn audit_verify_detects_an_edited_row() {
    let e = Env::new();
    e.admin();
    e.run(ADMIN, &["settings", "set", "retention.days", "365"], "");
    e.run(ADMIN, &["settings", "set", "retention.days", "200"], "");
    assert_eq!(
        e.run(ADMIN, &["audit", "verify"], "").status.code(),
        Some(0)
    );

    // A tamperer with write access to the file drops the guard and edits a row.
    let conn = parcours_app::parcours_db::rusqlite::Connection::open(&e.db).unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        !triggers.is_empty(),
        "the audit table is guarded by triggers"
    );
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
    }
    conn.execute(
        "UPDATE audit SET details = replace(details, '365', '999') WHERE id = 2",
        [],
    )
    .unwrap();
    drop(conn);

    let o = e.run(ADMIN, &["audit", "verify", "--json"], "");
    assert_eq!(o.status.code(), Some(3), "an altered log exits 3");
    let v = json(&o);
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"], 2);
}

#[test]
fn case_list_needs_a_role_that_reads_cases() {
    let e = Env::new();
    e.admin();
    e.run(
        ADMIN,
        &["user", "add", "guichet", "--role", "counter_agent"],
        "motdepasse-guichet\n",
    );
    e.run(
        ADMIN,
        &["user", "add", "alice", "--role", "clerk"],
        "motdepasse-alice\n",
    );
    let o = e.run(
        Some(("guichet", "motdepasse-guichet")),
        &["case", "list", "--json"],
        "",
    );
    assert_eq!(
        o.status.code(),
        Some(4),
        "a counter agent never lists cases"
    );
    let o = e.run(
        Some(("alice", "motdepasse-alice")),
        &["case", "list", "--json"],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o), serde_json::json!([]));
    let o = e.run(
        Some(("alice", "motdepasse-alice")),
        &["case", "show", "PA-2026-000001", "--json"],
        "",
    );
    assert_eq!(o.status.code(), Some(5), "unknown reference exits 5");
}

#[test]
fn a_newer_database_is_refused() {
    let e = Env::new();
    e.admin();
    let conn = parcours_app::parcours_db::rusqlite::Connection::open(&e.db).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {}", v + 1))
        .unwrap();
    drop(conn);
    let o = e.run(ADMIN, &["case", "list"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("plus récente"), "{}", stderr(&o));
}
