//! Crash safety: the real `parcours` binary is killed (SIGKILL, as a power
//! cut or the OOM killer would) at random moments of a batch intake
//! (`intake --watch DIR --once`), a letters print run and a tracking import,
//! 100 times in all. After every kill the database must be whole: `PRAGMA
//! integrity_check`, every case there with all its rows or not at all, no
//! S10 number twice, every letter the database counts as printed has its
//! file, the audit chain intact. Running the operation again then finishes
//! it. Needs the generator's Python environment and Tesseract.
//!
//! The kill moments come from a seeded generator: the seed is printed, and
//! `PARCOURS_CRASH_SEED=N` replays the same delays (the machine's speed still
//! decides what the process was doing at that moment).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use chrono::{Local, NaiveDate, NaiveDateTime};
use parcours_app::cases::{self as app_cases, NewIntake};
use parcours_app::domain::checks::CaseReading;
use parcours_app::domain::form::FormTemplate;
use parcours_app::domain::roles::Role;
use parcours_app::parcours_db::rusqlite::{Connection, OpenFlags};
use parcours_app::parcours_db::{audit, scans};
use parcours_app::review::{self, Decision};
use parcours_app::Actor;
use serde_json::Value;

use super::{generate, json, run_with_db, stderr, text_reading, Env, ADMIN};

pub(super) const CLERK: (&str, &str) = ("alice", "motdepasse-alice");

/// Kills per operation: 100 in all.
const INTAKE_KILLS: usize = 10;
const PRINT_KILLS: usize = 40;
const TRACKING_KILLS: usize = 50;

/// Approved cases per print run, and rows per tracking file: enough for the
/// run to last a second or two in a debug build, so that kills land inside
/// its work and not only in its start-up.
const CASES_PER_BATCH: usize = 10;
const TRACKING_ROWS: usize = 1_500;

/// SplitMix64: small, seeded, good enough to spread kill moments.
pub(super) struct Rng(u64);

impl Rng {
    /// The seed from `PARCOURS_CRASH_SEED`, or the clock; printed either way.
    pub(super) fn from_env(what: &str) -> Rng {
        let seed = std::env::var("PARCOURS_CRASH_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        println!("{what}: seed {seed} (PARCOURS_CRASH_SEED={seed} replays it)");
        Rng(seed)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Starts `parcours --db DB ARGS` as `user`, without waiting.
fn spawn(db: &Path, user: (&str, &str), args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_parcours"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("PARCOURS_DB")
        .env("PARCOURS_USER", user.0)
        .env("PARCOURS_PASSWORD", user.1)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the parcours binary runs")
}

/// Lets `child` run for `delay`, then kills it with SIGKILL. `None` when it
/// was killed; its exit code and standard error when it ended first.
fn kill_after(mut child: Child, delay: Duration) -> Option<(Option<i32>, String)> {
    let deadline = Instant::now() + delay;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let now = Instant::now();
        if now >= deadline {
            // Child::kill sends SIGKILL: no destructor, no rollback runs.
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(3)));
    };
    if status.signal() == Some(9) {
        return None;
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    Some((status.code(), err))
}

/// What the database holds, once checked.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Cases by reference, with their status.
    pub cases: BTreeMap<String, String>,
    /// Current registered letters: S10 → case reference.
    pub letters: BTreeMap<String, String>,
    /// Delivery events recorded.
    pub events: i64,
    /// Users.
    pub users: i64,
    /// Letter files of the output folder whose S10 number no database row
    /// holds (left by a run killed before its commit).
    pub stale_files: Vec<String>,
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn strings(c: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

/// Checks every invariant a crash or a concurrent writer must not break,
/// reading `db` through its own read-only connection; `out` is the folder
/// letters were printed to, if any. `exact_checks`: the checks of every case
/// are still those found at intake (nothing corrected since).
pub(super) fn check_db(db: &Path, out: Option<&Path>, exact_checks: bool, when: &str) -> State {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("{when}: the database opens read-only: {e}"));
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    let integrity = strings(&c, "PRAGMA integrity_check");
    assert_eq!(integrity, ["ok"], "{when}: PRAGMA integrity_check");
    let mut stmt = c.prepare("PRAGMA foreign_key_check").unwrap();
    let orphans = stmt.query_map([], |_| Ok(())).unwrap().count();
    assert_eq!(
        orphans, 0,
        "{when}: rows pointing at a case that is not there"
    );
    // One snapshot for everything below.
    c.execute_batch("BEGIN").unwrap();

    // Every case whole: its pages, fields, checks, first transition and
    // intake audit row, all from the one transaction that created it.
    let form_fields = FormTemplate::default_v1().fields.len() as i64;
    let mut stmt = c
        .prepare(
            "SELECT c.reference, c.status,
                    (SELECT count(*) FROM pages p WHERE p.case_id = c.id),
                    (SELECT count(*) FROM fields f WHERE f.case_id = c.id),
                    (SELECT count(*) FROM checks k WHERE k.case_id = c.id),
                    (SELECT count(*) FROM transitions t WHERE t.case_id = c.id
                        AND t.from_status = 'received' AND t.to_status = 'in_review'),
                    (SELECT group_concat(details, '|') FROM audit a
                        WHERE a.case_id = c.id AND a.action = 'case.intake'),
                    (SELECT to_status FROM transitions t WHERE t.case_id = c.id
                        ORDER BY t.id DESC LIMIT 1)
             FROM cases c ORDER BY c.id",
        )
        .unwrap();
    let mut cases = BTreeMap::new();
    let mut rows = stmt.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let reference: String = r.get(0).unwrap();
        let status: String = r.get(1).unwrap();
        let (pages, fields, checks, first): (i64, i64, i64, i64) = (
            r.get(2).unwrap(),
            r.get(3).unwrap(),
            r.get(4).unwrap(),
            r.get(5).unwrap(),
        );
        let intake: Option<String> = r.get(6).unwrap();
        let last: Option<String> = r.get(7).unwrap();
        let intake =
            intake.unwrap_or_else(|| panic!("{when}: {reference} has no intake audit row"));
        let details: Value = serde_json::from_str(&intake).unwrap_or_else(|_| {
            panic!("{when}: {reference} has one intake audit row, not several: {intake}")
        });
        assert_eq!(
            pages,
            details["pages"].as_i64().unwrap(),
            "{when}: {reference} has every page its intake stored"
        );
        if exact_checks {
            assert_eq!(
                checks,
                details["checks"].as_i64().unwrap(),
                "{when}: {reference} has every check its intake found"
            );
        }
        assert_eq!(fields, form_fields, "{when}: {reference} has every field");
        assert_eq!(first, 1, "{when}: {reference} went into review once");
        assert_eq!(
            last.as_deref(),
            Some(status.as_str()),
            "{when}: {reference}'s status is the one its last transition recorded"
        );
        cases.insert(reference, status);
    }
    drop(rows);
    drop(stmt);

    // The running counts kept by triggers agree with the cases.
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for s in cases.values() {
        *by_status.entry(s.clone()).or_default() += 1;
    }
    let mut stmt = c
        .prepare("SELECT status, n FROM status_counts WHERE n != 0 ORDER BY status")
        .unwrap();
    let counted: BTreeMap<String, i64> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        counted, by_status,
        "{when}: status_counts matches the cases"
    );

    // Scans of every page are on disk (stored before the transaction).
    let scans_dir = db.with_extension("scans");
    let mut stmt = c
        .prepare(
            "SELECT sha256, ext FROM pages
             UNION SELECT pdf_sha, 'pdf' FROM letters WHERE pdf_sha IS NOT NULL
             UNION SELECT slip_sha, 'pdf' FROM batches WHERE slip_sha IS NOT NULL",
        )
        .unwrap();
    let files: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (sha, ext) in files {
        assert!(
            scans::exists(&scans_dir, &sha, &ext),
            "{when}: the stored file {sha}.{ext} a committed row names is on disk"
        );
    }

    // No S10 number twice; each printed case has exactly one current letter,
    // no approved case has one (these tests never return a letter).
    let twice = strings(
        &c,
        "SELECT s10_service || s10_serial FROM letters WHERE s10_serial IS NOT NULL
         GROUP BY s10_service, s10_serial HAVING count(*) > 1",
    );
    assert!(
        twice.is_empty(),
        "{when}: S10 serials used twice: {twice:?}"
    );
    let wrong = strings(
        &c,
        "SELECT c.reference FROM cases c WHERE
            (SELECT count(*) FROM letters l WHERE l.case_id = c.id
                AND l.kind = 'registered' AND l.voided_at IS NULL)
            != (c.status IN ('letter_printed', 'dispatched', 'awaiting_pickup', 'verified'))",
    );
    assert!(
        wrong.is_empty(),
        "{when}: cases whose letters do not match their status: {wrong:?}"
    );
    let unslipped = strings(
        &c,
        "SELECT id FROM batches b WHERE slip_sha IS NULL
         AND EXISTS (SELECT 1 FROM letters l WHERE l.batch_id = b.id)",
    );
    assert!(unslipped.is_empty(), "{when}: batches without their slip");
    let mut stmt = c
        .prepare(
            "SELECT l.s10, c.reference FROM letters l JOIN cases c ON c.id = l.case_id
             WHERE l.kind = 'registered' AND l.voided_at IS NULL",
        )
        .unwrap();
    let letters: BTreeMap<String, String> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut stale_files = Vec::new();
    if let Some(out) = out {
        // Committed ⇒ its file was written in full before the commit.
        for (s10, reference) in &letters {
            let file = out.join(format!("{reference}-{s10}.pdf"));
            let bytes = std::fs::read(&file).unwrap_or_else(|e| {
                panic!("{when}: printed letter {} is there: {e}", file.display())
            });
            assert!(
                bytes.starts_with(b"%PDF") && trim_end(&bytes).ends_with(b"%%EOF"),
                "{when}: {} is a whole PDF",
                file.display()
            );
        }
        let all: BTreeSet<String> = strings(&c, "SELECT s10 FROM letters WHERE s10 IS NOT NULL")
            .into_iter()
            .collect();
        if let Ok(dir) = std::fs::read_dir(out) {
            for e in dir {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                let Some(stem) = name.strip_suffix(".pdf").filter(|s| s.starts_with("PA-")) else {
                    continue;
                };
                let s10 = stem.rsplit('-').next().unwrap();
                if !all.contains(s10) {
                    stale_files.push(name);
                }
            }
        }
    }

    // Delivery events and the moves they made, together or not at all.
    let events = count(&c, "SELECT count(*) FROM tracking_events");
    for (event, to) in [("AVISE", "awaiting_pickup"), ("DISTRIBUE", "verified")] {
        let recorded = count(
            &c,
            &format!("SELECT count(*) FROM tracking_events WHERE event = '{event}'"),
        );
        let moved = count(
            &c,
            &format!(
                "SELECT count(*) FROM transitions WHERE to_status = '{to}' AND reason LIKE 'La Poste%'"
            ),
        );
        assert_eq!(
            recorded, moved,
            "{when}: every {event} recorded moved its case"
        );
    }

    let report = audit::verify(&c).unwrap();
    assert!(report.ok, "{when}: the audit chain verifies: {report:?}");
    let users = count(&c, "SELECT count(*) FROM users");
    c.execute_batch("ROLLBACK").unwrap();
    State {
        cases,
        letters,
        events,
        users,
        stale_files,
    }
}

fn trim_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rposition(|x| !x.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &b[..n]
}

/// `n` typed envelopes from the fixture generator (seed 7: readable, four
/// pages), at 150 dpi.
fn envelopes(dir: &Path, n: usize) -> Vec<PathBuf> {
    generate(
        dir,
        "typed",
        n,
        7,
        &["--dpi-min", "150", "--dpi-max", "150"],
    )
}

/// A database with an administrator, the clerk alice and an S10 range.
pub(super) fn setup() -> Env {
    let e = Env::new();
    assert_eq!(e.admin().status.code(), Some(0));
    let o = e.run(
        ADMIN,
        &["user", "add", CLERK.0, "--role", "clerk"],
        &format!("{}\n", CLERK.1),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (k, v) in [
        ("s10.service", "RA"),
        ("s10.first", "1"),
        ("s10.last", "99999999"),
    ] {
        let o = e.run(ADMIN, &["settings", "set", k, v], "");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    e
}

pub(super) fn clerk() -> Actor {
    Actor {
        name: CLERK.0.into(),
        role: Role::Clerk,
    }
}

pub(super) fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

/// A reading with a printable name and address, `n` making it unique.
pub(super) fn reading(n: usize) -> CaseReading {
    let last = format!("Martin{n}");
    let fields = [
        ("civility", "madame"),
        ("last_name", last.as_str()),
        ("first_names", "Claire"),
        ("birth_date", "1984-02-24"),
        ("address_line", "27 rue du Général de Gaulle"),
        ("postcode", "59000"),
        ("city", "Lille"),
    ];
    text_reading(&fields)
}

/// Stores `n` cases read without scans (through parcours-app, as the
/// desktop does), approved when `approve`; their references.
pub(super) fn seed_cases(db: &Path, first: usize, n: usize, approve: bool) -> Vec<String> {
    let mut handle = parcours_app::open(db).unwrap();
    let form = FormTemplate::default_v1();
    (first..first + n)
        .map(|i| {
            let r = reading(i);
            let v = app_cases::record_intake(
                &mut handle,
                &clerk(),
                &form,
                NewIntake {
                    reading: &r,
                    pages: &[],
                    crops: &BTreeMap::new(),
                    received: at().date(),
                },
                at(),
            )
            .unwrap();
            if approve {
                review::decide(
                    &mut handle,
                    &clerk(),
                    &v.reference,
                    Decision::Approve,
                    Some("pièces vues"),
                    at(),
                )
                .unwrap();
            }
            v.reference
        })
        .collect()
}

/// Copies `from` into the watch folder as `name`, dated 10 s ago so that
/// the watcher takes it at once (it waits for files to settle for 2 s).
fn drop_into(watch: &Path, from: &Path, name: &str) {
    let to = watch.join(name);
    std::fs::copy(from, &to).unwrap();
    let f = std::fs::File::options().write(true).open(&to).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(10))
        .unwrap();
}

fn pending(watch: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(watch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

/// How long an operation takes (start-up included), learnt as it runs: a
/// machine shared with other work is not as fast from one minute to the
/// next, and the first run of a kind is slower than the next ones.
struct Timing {
    typical: Duration,
    /// Kill moments are drawn between these fractions of `typical`.
    from: f64,
    to: f64,
}

impl Timing {
    /// Runs `child` until a random moment, then kills it (see [`kill_after`]).
    fn kill(&mut self, rng: &mut Rng, child: Child) -> Option<(Option<i32>, String)> {
        let delay = self
            .typical
            .mul_f64(self.from + rng.unit() * (self.to - self.from));
        let t = Instant::now();
        let outcome = kill_after(child, delay);
        let took = t.elapsed();
        if outcome.is_some() {
            // Ended before the kill: that is how long it takes now.
            self.typical = (self.typical + took) / 2;
        } else if delay > self.typical {
            // Still running past its typical time: it takes longer now.
            self.typical = self.typical.mul_f64(1.2);
        }
        outcome
    }
}

fn assert_clean_exit(what: &str, code: Option<i32>, err: &str) {
    assert_eq!(code, Some(0), "{what} ends well: {err}");
    assert!(
        !err.to_lowercase().contains("locked") && !err.contains("verrouill"),
        "{what}: no lock error reaches the user: {err}"
    );
}

#[test]
fn killed_at_random_moments_the_database_stays_whole_and_a_rerun_finishes() {
    let started = Instant::now();
    let mut rng = Rng::from_env("crash");
    let e = setup();
    let db = e.db.as_path();
    let work = tempfile::tempdir().unwrap();
    let mut kills = 0;

    // 1. Batch intake, killed while it reads, stores and moves envelopes.
    // The same envelope dropped again and again: every run takes as long.
    let pool = envelopes(&work.path().join("pool"), 1).remove(0);
    let watch = work.path().join("scanner");
    std::fs::create_dir_all(&watch).unwrap();
    let watch_s = watch.to_str().unwrap();
    let args = [
        "intake",
        "--watch",
        watch_s,
        "--once",
        "--received",
        "2026-03-02",
    ];
    let mut dropped = 1;
    drop_into(&watch, &pool, "scan-001.pdf");
    let t = Instant::now();
    let o = run_with_db(db, Some(CLERK), &args, "");
    let mut one_envelope = Timing {
        typical: t.elapsed(),
        from: 0.3,
        to: 1.3,
    };
    assert_clean_exit("first intake", o.status.code(), &stderr(&o));
    let mut runs = 0;
    while kills < INTAKE_KILLS {
        // One envelope waiting at a time: a run that is not killed ends
        // after it, and the kill moments spread over reading, storing,
        // committing and moving it.
        if pending(&watch).is_empty() {
            dropped += 1;
            drop_into(&watch, &pool, &format!("scan-{dropped:03}.pdf"));
        }
        runs += 1;
        let child = spawn(db, CLERK, &args);
        let when = format!("intake run {runs}");
        match one_envelope.kill(&mut rng, child) {
            None => kills += 1,
            Some((code, err)) => assert_clean_exit(&when, code, &err),
        }
        let s = check_db(db, None, true, &when);
        let done = count_files(&watch.join("traites"));
        // A case per moved envelope, plus at most the one whose case was
        // committed just before the kill, before its file was moved.
        assert!(
            s.cases.len() == done || s.cases.len() == 1 + done,
            "{when}: {} cases for {done} envelopes moved to traites/",
            s.cases.len()
        );
        assert_eq!(
            count_files(&watch.join("rejected")),
            0,
            "{when}: nothing rejected"
        );
    }
    let o = run_with_db(db, Some(CLERK), &args, "");
    assert_clean_exit("intake rerun", o.status.code(), &stderr(&o));
    let s = check_db(db, None, true, "after the intake rerun");
    assert_eq!(
        pending(&watch),
        Vec::<String>::new(),
        "the watch folder is emptied"
    );
    assert_eq!(
        count_files(&watch.join("traites")),
        dropped,
        "every envelope dropped is in traites/"
    );
    assert_eq!(
        s.cases.len(),
        dropped,
        "one case per envelope: none lost, none taken twice (a kill after a case's \
         commit and before its file is moved to traites/ makes the rerun take the \
         envelope again: `intake --watch` does not know it took it)"
    );
    println!(
        "intake: {kills} kills over {runs} runs, {dropped} envelopes, {:.2} s an envelope, {:.0} s so far",
        one_envelope.typical.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    // 2. Letters print, killed while it draws, records and writes files.
    let out = work.path().join("lettres");
    let out_s = out.to_str().unwrap();
    let print = ["letters", "print", "--out", out_s, "--json"];
    let mut seeded = 0;
    let mut refs = seed_cases(db, seeded, CASES_PER_BATCH, true);
    seeded += CASES_PER_BATCH;
    let t = Instant::now();
    let o = run_with_db(db, Some(CLERK), &print, "");
    let mut one_batch = Timing {
        typical: t.elapsed(),
        from: 0.2,
        to: 1.3,
    };
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        json(&o)["letters"].as_array().unwrap().len(),
        CASES_PER_BATCH
    );
    let (mut runs, before) = (0, kills);
    let mut stale_seen = 0;
    let mut s = check_db(db, Some(&out), true, "after the first print");
    while kills < before + PRINT_KILLS {
        if !s.cases.values().any(|st| st == "approved") {
            refs.extend(seed_cases(db, seeded, CASES_PER_BATCH, true));
            seeded += CASES_PER_BATCH;
        }
        runs += 1;
        let child = spawn(db, CLERK, &print);
        let when = format!("print run {runs}");
        match one_batch.kill(&mut rng, child) {
            None => kills += 1,
            Some((code, err)) => assert_clean_exit(&when, code, &err),
        }
        s = check_db(db, Some(&out), true, &when);
        if !s.stale_files.is_empty() {
            stale_seen += 1;
        }
    }
    if s.cases.values().any(|st| st == "approved") {
        let o = run_with_db(db, Some(CLERK), &print, "");
        assert_clean_exit("print rerun", o.status.code(), &stderr(&o));
    }
    let s = check_db(db, Some(&out), true, "after the print rerun");
    for r in &refs {
        assert_eq!(s.cases[r], "letter_printed", "{r} is printed");
    }
    assert_eq!(
        s.letters.len(),
        refs.len(),
        "one letter per approved case, each printed once"
    );
    assert_eq!(
        s.stale_files,
        Vec::<String>::new(),
        "the rerun wrote over every file a killed run left behind"
    );
    println!(
        "print: {} kills over {runs} runs, {} letters, {:.2} s a batch of {CASES_PER_BATCH}, \
         {stale_seen} kill(s) left files of an uncommitted run, {:.0} s so far",
        kills - before,
        refs.len(),
        one_batch.typical.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    // 3. Tracking import of a big file, killed inside its one transaction.
    let batches = {
        let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        strings(
            &c,
            "SELECT CAST(id AS TEXT) FROM batches WHERE slip_sha IS NOT NULL",
        )
    };
    for b in &batches {
        let o = run_with_db(db, Some(CLERK), &["letters", "dispatch", b], "");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let s10s: Vec<String> = s.letters.keys().cloned().collect();
    let today = Local::now().date_naive();
    // File k: DEPOSE on days of its own for every letter (all new, about
    // TRACKING_ROWS rows), plus AVISE (file 0) or DISTRIBUE (file 1) for every other letter,
    // an unknown number and a bad row (reported, not recorded).
    let days = (TRACKING_ROWS / s10s.len()).max(1);
    let tracking_file = |k: usize| -> (PathBuf, i64) {
        let mut csv = String::from("tracking_number;event_date;event\n");
        let mut rows = 0;
        for d in 0..days {
            let day = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
                + chrono::Duration::days((k * days + d) as i64);
            for s10 in &s10s {
                csv.push_str(&format!("{s10};{day};DEPOSE\n"));
                rows += 1;
            }
        }
        if k < 2 {
            let event = ["AVISE", "DISTRIBUE"][k];
            for s10 in s10s.iter().step_by(2) {
                csv.push_str(&format!("{s10};{today};{event}\n"));
                rows += 1;
            }
        }
        csv.push_str(&format!(
            "RA999999995FR;{today};AVISE\nnot-a-number;hier;AVISE\n"
        ));
        let path = work.path().join(format!("suivi-{k}.csv"));
        std::fs::write(&path, csv).unwrap();
        (path, rows)
    };
    let (first, rows) = tracking_file(0);
    let t = Instant::now();
    let o = run_with_db(
        db,
        Some(CLERK),
        &["tracking", "import", first.to_str().unwrap(), "--json"],
        "",
    );
    let mut one_import = Timing {
        typical: t.elapsed(),
        from: 0.1,
        to: 1.3,
    };
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["applied"].as_i64(), Some(rows));
    let mut expected = check_db(db, Some(&out), true, "after the first import").events;
    assert_eq!(expected, rows);
    let (mut k, mut runs, before) = (1, 0, kills);
    let (mut file, mut rows) = tracking_file(k);
    while kills < before + TRACKING_KILLS {
        runs += 1;
        let child = spawn(db, CLERK, &["tracking", "import", file.to_str().unwrap()]);
        let when = format!("tracking run {runs} (file {k})");
        match one_import.kill(&mut rng, child) {
            None => kills += 1,
            Some((code, err)) => assert_clean_exit(&when, code, &err),
        }
        let s = check_db(db, Some(&out), true, &when);
        assert!(
            s.events == expected || s.events == expected + rows,
            "{when}: the file's {rows} events are all recorded or none ({} then {})",
            expected,
            s.events
        );
        if s.events == expected + rows {
            expected += rows;
            k += 1;
            (file, rows) = tracking_file(k);
        }
    }
    let o = run_with_db(
        db,
        Some(CLERK),
        &["tracking", "import", file.to_str().unwrap(), "--json"],
        "",
    );
    assert_clean_exit("tracking rerun", o.status.code(), &stderr(&o));
    assert_eq!(json(&o)["applied"].as_i64(), Some(rows));
    let o = run_with_db(
        db,
        Some(CLERK),
        &["tracking", "import", first.to_str().unwrap(), "--json"],
        "",
    );
    assert_eq!(
        json(&o)["applied"],
        0,
        "the first file again changes nothing"
    );
    let s = check_db(db, Some(&out), true, "after the tracking rerun");
    assert_eq!(
        s.events,
        expected + rows,
        "every event of every file is recorded once"
    );
    let (mut waiting, mut verified) = (0, 0);
    for (i, s10) in s10s.iter().enumerate() {
        let status = &s.cases[&s.letters[s10]];
        match (i % 2 == 0, status.as_str()) {
            (true, "verified") => verified += 1,
            (false, "dispatched") => waiting += 1,
            (_, other) => panic!("{s10}: unexpected status {other} after its events"),
        }
    }
    assert_eq!(waiting + verified, s10s.len());

    let o = run_with_db(db, ADMIN, &["audit", "verify", "--json"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["ok"], true);
    println!(
        "tracking: {} kills over {runs} runs, {k} file(s) of {rows} rows, {:.2} s an import; \
         {kills} kills in {:.0} s",
        kills - before,
        one_import.typical.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(kills, INTAKE_KILLS + PRINT_KILLS + TRACKING_KILLS);
}
