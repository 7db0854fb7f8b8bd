//! Two programs writing one database at once, as a clerk at the desktop app
//! and a colleague at the `parcours` command would: no write that reported
//! success may be lost, no "database is locked" may reach either of them,
//! and the audit chain must verify at the end.
//!
//! The desktop side runs in this test's own process ([`desk`], on a
//! thread), apart from the `parcours` processes: it opens the database once
//! and calls the `parcours-app` functions the desktop shell's commands call
//! (`users::authenticate`,
//! `review::correct_field`, `review::decide`), with the shell's clock, so
//! it takes the same locks in the same order as the desktop does. The
//! command side is the real `parcours` binary, run from three threads:
//! printing letters and importing tracking files, adding users, and
//! correcting and approving other cases.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Local;
use parcours_app::domain::address;
use parcours_app::domain::form::{self, FieldValue, FormTemplate};
use parcours_app::domain::Civility;
use parcours_app::parcours_db::rusqlite::{Connection, OpenFlags};
use parcours_app::review::{self, Decision};
use parcours_app::{users, Refusal};
use serde_json::Value;

use super::crash::{check_db, seed_cases, setup, CLERK};
use super::{json, run_with_db, stderr, ADMIN};

/// The desktop's clerk.
const DESK: (&str, &str) = ("bob", "motdepasse-bob");

/// Cases the desktop works on, and cases the command works on.
const DESK_CASES: usize = 24;
const CLI_CASES: usize = 8;
/// Rounds of corrections the desktop makes on each of its cases in review.
const DESK_ROUNDS: usize = 3;
/// The desktop's cases approved last, and rounds of corrections of their
/// street while the command prints them.
const LATE_CASES: usize = 8;
const ADDRESS_ROUNDS: usize = 10;

/// The desktop's program: what a clerk does at the desktop app, through
/// the functions its commands call. Says what it did through `say`
/// (`desk corrected REF KEY VALUE`, `desk approved REF`, …).
fn desk(db: &Path, refs: &[String], go: &Path, say: &dyn Fn(String)) {
    let now = || Local::now().naive_local();
    let form = FormTemplate::default_v1();
    // One handle for the whole session, as the desktop shell keeps it.
    let mut db = parcours_app::open(db).unwrap();
    let actor = users::authenticate(&db, DESK.0, DESK.1).unwrap();
    let approve = |db: &mut parcours_app::parcours_db::Db, r: &str| {
        review::decide(db, &actor, r, Decision::Approve, Some("vu"), now())
            .unwrap_or_else(|e| panic!("desk: approving {r}: {e:#}"));
        say(format!("desk approved {r}"));
    };
    // Corrections in review, rounds over every case.
    for round in 0..DESK_ROUNDS {
        for (i, r) in refs.iter().enumerate() {
            let value = format!("Durand{round}x{i}");
            review::correct_field(&mut db, &actor, &form, r, "last_name", &value, now())
                .unwrap_or_else(|e| panic!("desk: correcting {r}: {e:#}"));
            say(format!("desk corrected {r} last_name {value}"));
        }
    }
    // Approvals one by one, while the other side prints what is approved,
    // with corrections of the next cases in review in between; the last
    // cases wait for the address phase.
    let (first, last) = refs.split_at(refs.len() - LATE_CASES);
    for (i, r) in first.iter().enumerate() {
        approve(&mut db, r);
        for (j, next) in refs.iter().enumerate().skip(i + 1).take(4) {
            let value = format!("Durand{j}a{i}");
            review::correct_field(&mut db, &actor, &form, next, "last_name", &value, now())
                .unwrap_or_else(|e| panic!("desk: correcting {next}: {e:#}"));
            say(format!("desk corrected {next} last_name {value}"));
        }
    }
    say("desk approved all".into());
    // Wait for the other side to say that a print run refused from now on
    // is one this phase may cause.
    let waited = Instant::now();
    while !go.exists() {
        assert!(waited.elapsed() < Duration::from_secs(300), "desk: no go");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The last cases approved, then their street corrected again and again
    // while the other side prints them: refused once printed, never lost
    // before (nor printed with the street it had before).
    for r in last {
        approve(&mut db, r);
    }
    for round in 0..ADDRESS_ROUNDS {
        for (i, r) in last.iter().enumerate() {
            let value = format!("{} rue de la Paix", 10 + round * 100 + i);
            match review::correct_field(&mut db, &actor, &form, r, "address_line", &value, now()) {
                Ok(_) => say(format!("desk corrected {r} address_line {value}")),
                Err(e) if matches!(e.downcast_ref(), Some(Refusal::Invalid(_))) => {
                    say(format!("desk refused {r}"));
                }
                Err(e) => panic!("desk: correcting the address of {r}: {e:#}"),
            }
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    say("desk done".into());
}

/// Runs `parcours` and records the outcome, for the test to check.
struct Log {
    runs: Mutex<Vec<Run>>,
    /// Set once the desktop may correct the address of approved cases.
    address_race: AtomicBool,
}

struct Run {
    args: String,
    output: Output,
    /// Started while the desktop may correct the address of approved cases:
    /// a print run may then be refused (and nothing printed) because a
    /// letter it drew no longer shows its case's address.
    address_race: bool,
}

impl Log {
    fn run(&self, db: &Path, user: (&str, &str), args: &[&str], stdin: &str) -> Output {
        let address_race = self.address_race.load(Ordering::SeqCst);
        let output = run_with_db(db, Some(user), args, stdin);
        self.runs.lock().unwrap().push(Run {
            args: args.join(" "),
            output: output.clone(),
            address_race,
        });
        output
    }
}

fn approved(db: &Path) -> i64 {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(
        "SELECT count(*) FROM cases WHERE status = 'approved'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

fn field(c: &Connection, reference: &str, key: &str) -> Option<String> {
    let v: Option<String> = c
        .query_row(
            "SELECT f.value FROM fields f JOIN cases c ON c.id = f.case_id
             WHERE c.reference = ?1 AND f.key = ?2",
            [reference, key],
            |r| r.get(0),
        )
        .unwrap();
    // Stored as the JSON of a FieldValue.
    v.map(|j| match serde_json::from_str::<Value>(&j).unwrap() {
        Value::Object(m) => m.values().next().unwrap().as_str().unwrap().to_string(),
        Value::String(s) => s,
        other => other.to_string(),
    })
}

/// `raw` as a correction of `key` stores it.
fn normal(key: &str, raw: &str) -> String {
    let kind = FormTemplate::default_v1().field(key).unwrap().kind;
    match form::normalize(kind, raw) {
        Some(FieldValue::Text(t)) => t,
        other => panic!("{key} = {raw:?} normalises to text, not {other:?}"),
    }
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-f", "1", "-l", "1"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).to_uppercase()
}

/// Several programs opening a new database at the same moment: each one
/// finds it created and migrated, none fails (the migrations were applied
/// twice, "table cases already exists", and the switch to WAL failed with
/// "database is locked").
#[test]
fn programs_opening_a_new_database_at_once_all_succeed() {
    for round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("parcours.db");
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_parcours"))
                    .arg("--db")
                    .arg(&db)
                    .args(["case", "list"])
                    .env_remove("PARCOURS_DB")
                    .env("PARCOURS_USER", "personne")
                    .env("PARCOURS_PASSWORD", "rien")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            assert!(
                o.status.code() == Some(4) && stderr(&o).contains("mot de passe incorrect"),
                "round {round}: the database opens, the unknown user is refused: {}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn two_writers_lose_nothing_and_never_see_a_lock() {
    let started = Instant::now();
    let e = setup();
    let db = e.db.as_path();
    let o = e.run(
        ADMIN,
        &["user", "add", DESK.0, "--role", "clerk"],
        &format!("{}\n", DESK.1),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let desk_refs = seed_cases(db, 0, DESK_CASES, false);
    let cli_refs = seed_cases(db, DESK_CASES, CLI_CASES, false);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("lettres");
    let out_s = out.to_str().unwrap().to_string();
    let go = work.path().join("go");

    // What the desktop did, line by line.
    let (said, heard) = std::sync::mpsc::channel::<String>();
    let done = AtomicBool::new(false);
    let approvals_done = AtomicBool::new(false);
    let log = Log {
        runs: Mutex::new(Vec::new()),
        address_race: AtomicBool::new(false),
    };

    let (desk_lines, printed, users_added, clerk_fields) = std::thread::scope(|s| {
        let desktop = s.spawn(|| desk(db, &desk_refs, &go, &move |l| said.send(l).unwrap()));
        let reader = s.spawn(|| {
            let mut lines = Vec::new();
            for l in heard {
                if l == "desk approved all" {
                    approvals_done.store(true, Ordering::SeqCst);
                } else {
                    lines.push(l);
                }
            }
            done.store(true, Ordering::SeqCst);
            lines
        });
        // Prints whatever is approved, and imports the events of what is
        // printed, until the desktop is done.
        let printer = s.spawn(|| {
            let mut printed: BTreeMap<String, String> = BTreeMap::new();
            let mut day = 0;
            loop {
                let last = done.load(Ordering::SeqCst);
                if approvals_done.load(Ordering::SeqCst) && !go.exists() {
                    // No print run of this thread is under way: from now on
                    // one may be refused for an address corrected meanwhile.
                    log.address_race.store(true, Ordering::SeqCst);
                    std::fs::write(&go, "").unwrap();
                }
                if approved(db) > 0 {
                    let o = log.run(
                        db,
                        CLERK,
                        &["letters", "print", "--out", &out_s, "--json"],
                        "",
                    );
                    if o.status.code() == Some(0) {
                        for l in json(&o)["letters"].as_array().unwrap() {
                            printed.insert(
                                l["reference"].as_str().unwrap().to_string(),
                                l["s10"].as_str().unwrap().to_string(),
                            );
                        }
                    }
                }
                if !printed.is_empty() {
                    day += 1;
                    let date = chrono::NaiveDate::from_ymd_opt(2001, 1, 1).unwrap()
                        + chrono::Duration::days(day);
                    let mut csv = String::from("tracking_number,event_date,event\n");
                    for s10 in printed.values() {
                        csv.push_str(&format!("{s10},{date},DEPOSE\n"));
                    }
                    let path = work.path().join(format!("suivi-{day}.csv"));
                    std::fs::write(&path, csv).unwrap();
                    let o = log.run(
                        db,
                        CLERK,
                        &["tracking", "import", path.to_str().unwrap(), "--json"],
                        "",
                    );
                    if o.status.code() == Some(0) {
                        assert_eq!(
                            json(&o)["applied"].as_i64(),
                            Some(printed.len() as i64),
                            "every DEPOSE of a new day is recorded"
                        );
                    }
                }
                if last {
                    break printed;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let admin = s.spawn(|| {
            let mut added = Vec::new();
            let mut n = 0;
            while !done.load(Ordering::SeqCst) {
                n += 1;
                let name = format!("agent{n}");
                let o = log.run(
                    db,
                    ADMIN.unwrap(),
                    &["user", "add", &name, "--role", "counter_agent"],
                    &format!("motdepasse-{name}\n"),
                );
                if o.status.code() == Some(0) {
                    added.push(name);
                }
            }
            added
        });
        let clerk = s.spawn(|| {
            let mut fields = BTreeMap::new();
            for (i, r) in cli_refs.iter().enumerate() {
                let value = format!("Lefebvre{i}");
                let o = log.run(
                    db,
                    CLERK,
                    &["case", "correct", r, "first_names", &value],
                    "",
                );
                if o.status.code() == Some(0) {
                    fields.insert(r.clone(), value);
                }
                log.run(
                    db,
                    CLERK,
                    &["case", "decide", r, "approve", "--reason", "pièces vues"],
                    "",
                );
            }
            fields
        });
        if let Err(panic) = desktop.join() {
            std::panic::resume_unwind(panic);
        }
        let lines = reader.join().unwrap();
        (
            lines,
            printer.join().unwrap(),
            admin.join().unwrap(),
            clerk.join().unwrap(),
        )
    });
    let elapsed = started.elapsed();

    // Neither side saw an error, let alone a lock (the desktop side panics
    // on any error, and its panic fails the test).
    assert_eq!(desk_lines.last().map(String::as_str), Some("desk done"));
    let log = log.runs.into_inner().unwrap();
    let mut refused = 0;
    for run in &log {
        let (args, err) = (&run.args, stderr(&run.output));
        assert!(
            !err.to_lowercase().contains("locked") && !err.contains("verrouill"),
            "parcours {args}: no lock error reaches the user: {err}"
        );
        if run.address_race && run.output.status.code() == Some(3) {
            assert!(
                args.starts_with("letters print") && err.contains("relancez l'impression"),
                "parcours {args}: only the address race refuses a print: {err}"
            );
            refused += 1;
            continue;
        }
        assert_eq!(run.output.status.code(), Some(0), "parcours {args}: {err}");
    }

    // What is left approved is printed now, by nobody else.
    if approved(db) > 0 {
        let o = e.run(
            Some(CLERK),
            &["letters", "print", "--out", &out_s, "--json"],
            "",
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let state = check_db(db, Some(&out), false, "after both writers");

    // Every write that reported success is there.
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut last: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut corrections = 0;
    for l in &desk_lines {
        let words: Vec<&str> = l.splitn(5, ' ').collect();
        if words[1] == "corrected" {
            corrections += 1;
            last.insert((words[2].into(), words[3].into()), words[4].into());
        }
    }
    for ((r, key), value) in &last {
        assert_eq!(
            field(&c, r, key),
            Some(normal(key, value)),
            "the desktop's last correction of {key} on {r} is kept"
        );
    }
    for (r, value) in &clerk_fields {
        assert_eq!(
            field(&c, r, "first_names"),
            Some(normal("first_names", value)),
            "the command's correction of {r} is kept"
        );
    }
    for r in desk_refs.iter().chain(&cli_refs) {
        assert_eq!(
            state.cases[r], "letter_printed",
            "{r} approved then printed"
        );
    }
    let mut printed_refs: Vec<&String> = state.letters.values().collect();
    printed_refs.sort();
    printed_refs.dedup();
    assert_eq!(
        printed_refs.len(),
        DESK_CASES + CLI_CASES,
        "one current letter per case"
    );
    for (r, s10) in &printed {
        assert_eq!(
            state.letters.get(s10),
            Some(r),
            "the letter {s10} a print run reported is in the database"
        );
    }
    // A letter shows the address its case has: a correction that reported
    // success before the print is on the letter, not lost to it.
    for (s10, r) in &state.letters {
        if !desk_refs.contains(r) {
            continue;
        }
        let get = |k: &str| field(&c, r, k).unwrap_or_default();
        let block = address::build(
            Civility::parse(&get("civility")),
            &get("first_names"),
            &get("last_name"),
            field(&c, r, "address_complement").as_deref(),
            &get("address_line"),
            &get("postcode"),
            &get("city"),
        )
        .unwrap();
        let text = pdf_text(&out.join(format!("{r}-{s10}.pdf")));
        for line in &block.lines {
            assert!(
                text.contains(line.as_str()),
                "{r}'s letter {s10} carries the address its case holds, {line}: {text}"
            );
        }
    }
    let users = state.users;
    assert_eq!(
        users,
        3 + users_added.len() as i64,
        "admin, alice, bob and every user added"
    );
    let count = |action: &str| -> i64 {
        c.query_row(
            "SELECT count(*) FROM audit WHERE action = ?1",
            [action],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        count("case.correct"),
        (corrections + clerk_fields.len()) as i64,
        "one audit row per correction that reported success, none more"
    );
    assert_eq!(count("user.create"), users, "one audit row per user");
    let applied: i64 = log
        .iter()
        .filter(|run| run.args.starts_with("tracking import"))
        .map(|run| json(&run.output)["applied"].as_i64().unwrap())
        .sum();
    assert_eq!(
        state.events, applied,
        "every event an import reported applied is recorded"
    );
    let o = e.run(ADMIN, &["audit", "verify", "--json"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["ok"], true);
    let said = |what: &str| desk_lines.iter().filter(|l| l.contains(what)).count();
    println!(
        "concurrency: {} desk writes ({} address corrections on approved cases, {} refused \
         as printed), {} parcours runs ({} prints, {refused} refused for an address corrected \
         meanwhile, {} users added), {:.1} s",
        desk_lines.len() - 1,
        said(" address_line "),
        said(" refused "),
        log.len(),
        log.iter()
            .filter(|run| run.args.starts_with("letters print"))
            .count(),
        users_added.len(),
        elapsed.as_secs_f64()
    );
}
