//! Letters: the batch of registered letters, S10 numbers, activation codes,
//! dispatch, reprint, complement and rejection letters. PDFs are read back
//! with `pdftotext` (poppler-utils).

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use parcours_app::domain::form::FormTemplate;
use parcours_app::domain::lifecycle::Status;
use parcours_app::domain::roles::Role;
use parcours_app::domain::s10::S10;
use parcours_app::letters::{self, Templates};
use parcours_app::parcours_db::{self as db, DbError};
use parcours_app::review::{self, Decision};
use parcours_app::{settings, Refusal};

use super::{actor, at, intake, refusal, world, World};

const NIR: &str = "184027645108980";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()
}

fn set_range(w: &mut World, first: u32, last: u32) {
    let admin = actor(Role::Admin);
    for (k, v) in [
        ("s10.service", "RA".to_string()),
        ("s10.first", first.to_string()),
        ("s10.last", last.to_string()),
    ] {
        settings::set(&mut w.db, &admin, k, &v, at()).unwrap();
    }
}

/// A case in review with a postal address (and `postcode` as given).
fn case_with_address(w: &mut World, postcode: &str) -> String {
    let form = FormTemplate::default_v1();
    let v = intake(w, Role::Clerk, NIR).unwrap();
    for (k, val) in [
        ("civility", "madame"),
        ("first_names", "Hélène Marie"),
        ("last_name", "Lefèvre-Dupré"),
        ("address_complement", "Appartement 12, escalier B"),
        (
            "address_line",
            "14 boulevard du Maréchal de Lattre de Tassigny",
        ),
        ("postcode", postcode),
        ("city", "Pointe-à-Pitre"),
    ] {
        review::correct_field(
            &mut w.db,
            &actor(Role::Clerk),
            &form,
            &v.reference,
            k,
            val,
            at(),
        )
        .unwrap();
    }
    v.reference
}

fn approved(w: &mut World, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let r = case_with_address(w, "97110");
            decide(w, &r, Decision::Approve, Some("pièces vues au guichet"));
            r
        })
        .collect()
}

fn decide(w: &mut World, reference: &str, d: Decision, reason: Option<&str>) {
    review::decide(&mut w.db, &actor(Role::Clerk), reference, d, reason, at()).unwrap();
}

fn status(w: &World, reference: &str) -> Status {
    w.db.read(|c| {
        Ok::<_, DbError>(
            db::cases::by_reference(c, reference)?
                .expect("the case exists")
                .status,
        )
    })
    .unwrap()
}

fn count(w: &World, table: &str) -> i64 {
    w.db.read(|c| {
        Ok::<_, DbError>(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    })
    .unwrap()
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "pdftotext {}", path.display());
    String::from_utf8(out.stdout).unwrap()
}

/// Whitespace collapsed, for comparing wrapped text.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn print(w: &mut World, out: &Path) -> anyhow::Result<letters::PrintedBatch> {
    letters::print_batch(
        &mut w.db,
        &actor(Role::Clerk),
        out,
        &Templates::embedded(),
        today(),
        at(),
    )
}

#[test]
fn a_batch_takes_consecutive_numbers_and_a_reprint_never_reuses_one() {
    let mut w = world();
    set_range(&mut w, 1000, 1010);
    let refs = approved(&mut w, 3);
    let out = tempfile::tempdir().unwrap();
    let b = print(&mut w, out.path()).unwrap();

    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(
        b.letters.iter().map(|l| &l.reference).collect::<Vec<_>>(),
        refs.iter().collect::<Vec<_>>()
    );
    for (i, l) in b.letters.iter().enumerate() {
        let s = S10::parse(&l.s10).expect("a valid S10 with its check digit");
        assert_eq!(s.serial, 1000 + i as u32, "consecutive from s10.first");
        assert_eq!((s.service.as_str(), s.country.as_str()), ("RA", "FR"));
        assert_eq!(
            l.file,
            out.path().join(format!("{}-{}.pdf", l.reference, l.s10))
        );
        let text = pdf_text(&l.file);
        assert!(text.contains(&s.formatted()), "the number is printed");
        assert!(text.contains(&l.reference));
        assert_eq!(status(&w, &l.reference), Status::LetterPrinted);
    }
    assert!(b.slip.ends_with(format!("bordereau-{}.pdf", b.batch)));
    let slip = pdf_text(&b.slip);
    for l in &b.letters {
        assert!(
            slip.contains(&S10::parse(&l.s10).unwrap().formatted()) || slip.contains(&l.s10),
            "the slip lists {}:\n{slip}",
            l.s10
        );
    }
    let combined = pdf_text(&b.combined);
    assert!(
        combined.matches("Lettre recommandée").count() >= 3,
        "the combined PDF holds every letter"
    );

    // Reprint the second letter: a new number, the old one voided for good.
    let old = b.letters[1].s10.clone();
    let r = letters::reprint(
        &mut w.db,
        &actor(Role::Clerk),
        &refs[1],
        out.path(),
        &Templates::embedded(),
        today(),
        at(),
    )
    .unwrap();
    assert_eq!(r.voided_s10.as_deref(), Some(old.as_str()));
    assert_eq!(S10::parse(&r.letter.s10).unwrap().serial, 1003);
    assert_eq!(r.batch, Some(b.batch));
    let slip = flat(&pdf_text(r.slip.as_ref().unwrap()));
    let new_formatted = S10::parse(&r.letter.s10).unwrap().formatted();
    assert!(
        slip.contains(&new_formatted) || slip.contains(&r.letter.s10),
        "the slip is redrawn with the new number: {slip}"
    );
    assert_eq!(status(&w, &refs[1]), Status::LetterPrinted);
    let (old_row, current) =
        w.db.read(|c| {
            let id = db::cases::by_reference(c, &refs[1])?.unwrap().id;
            Ok::<_, DbError>((
                db::letters::by_s10(c, &old)?.unwrap(),
                db::letters::current_registered(c, id)?.unwrap(),
            ))
        })
        .unwrap();
    assert!(old_row.voided_at.is_some(), "the old letter is voided");
    assert_ne!(old_row.activation_hash, current.activation_hash);
    assert_eq!(current.s10.as_deref(), Some(r.letter.s10.as_str()));

    // A later batch continues after the reprint's number.
    let more = approved(&mut w, 1);
    let b2 = print(&mut w, out.path()).unwrap();
    assert_eq!(b2.letters[0].reference, more[0]);
    assert_eq!(S10::parse(&b2.letters[0].s10).unwrap().serial, 1004);
    assert_ne!(b2.batch, b.batch);

    // A reprint is refused once the case is dispatched.
    letters::dispatch_batch(&mut w.db, &actor(Role::Clerk), b.batch, at()).unwrap();
    let e = letters::reprint(
        &mut w.db,
        &actor(Role::Clerk),
        &refs[1],
        out.path(),
        &Templates::embedded(),
        today(),
        at(),
    )
    .unwrap_err();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
}

#[test]
fn an_exhausted_or_unset_range_prints_and_stores_nothing() {
    let mut w = world();
    let refs = approved(&mut w, 3);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("lot");
    let audit_before = count(&w, "audit");

    let e = print(&mut w, &dir).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
    assert!(msg.contains("s10.first"), "{msg}");

    set_range(&mut w, 1000, 1001);
    let audit_before = audit_before + 3; // the settings changes
    let e = print(&mut w, &dir).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
    assert!(
        msg.contains("épuisée") && msg.contains("3 lettre(s)") && msg.contains("2 numéro(s)"),
        "{msg}"
    );
    assert_eq!(count(&w, "batches"), 0, "no batch row");
    assert_eq!(count(&w, "letters"), 0, "no letter row");
    assert_eq!(count(&w, "audit"), audit_before, "nothing audited");
    for r in &refs {
        assert_eq!(status(&w, r), Status::Approved);
    }
    assert!(
        !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none(),
        "nothing written"
    );
    let scans = w.db.scans_dir();
    let pdfs = walk(&scans)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .count();
    assert_eq!(pdfs, 0, "nothing stored in the scans store");

    // With a third number, the same batch goes through.
    set_range(&mut w, 1000, 1002);
    assert_eq!(print(&mut w, &dir).unwrap().letters.len(), 3);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_activation_code_is_printed_but_only_its_hash_is_kept() {
    let mut w = world();
    set_range(&mut w, 500, 600);
    approved(&mut w, 1);
    let out = tempfile::tempdir().unwrap();
    let b = print(&mut w, out.path()).unwrap();
    let text = pdf_text(&b.letters[0].file);
    let code = text
        .split_whitespace()
        .find(|t| {
            t.len() == 19
                && t.split('-').count() == 4
                && t.split('-').all(|g| {
                    g.len() == 4
                        && g.bytes()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                })
        })
        .unwrap_or_else(|| panic!("an activation code in the letter:\n{text}"))
        .to_string();
    let (hash, sha) =
        w.db.read(|c| {
            let l = db::letters::by_s10(c, &b.letters[0].s10)?.unwrap();
            Ok::<_, DbError>((l.activation_hash.unwrap(), l.pdf_sha.unwrap()))
        })
        .unwrap();
    assert_eq!(
        hash,
        letters::hash_activation_code(&code),
        "the hash of the printed code"
    );

    // Neither the database (and its WAL) nor the scans store holds the code.
    let bare: String = code.chars().filter(|c| *c != '-').collect();
    let db_path = w.db.path().to_path_buf();
    for suffix in ["", "-wal"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", db_path.display()));
        if let Ok(bytes) = std::fs::read(&p) {
            let s = String::from_utf8_lossy(&bytes);
            assert!(
                !s.contains(&code) && !s.contains(&bare),
                "{} holds the code",
                p.display()
            );
        }
    }
    let kept = db::scans::path(&w.db.scans_dir(), &sha, "pdf");
    let kept_text = pdf_text(&kept);
    assert!(!kept_text.contains(&code), "the kept copy is masked");
    assert!(kept_text.contains("code non conservé"), "{kept_text}");
    assert!(kept_text.contains(&S10::parse(&b.letters[0].s10).unwrap().formatted()));
    for p in walk(&w.db.scans_dir()) {
        if p.extension().is_some_and(|e| e == "pdf") {
            assert!(
                !pdf_text(&p).contains(&code),
                "{} holds the code",
                p.display()
            );
        }
    }
}

#[test]
fn only_clerks_print_dispatch_and_reprint() {
    let mut w = world();
    set_range(&mut w, 1, 99);
    let refs = approved(&mut w, 1);
    let out = tempfile::tempdir().unwrap();
    let t = Templates::embedded();
    for role in [Role::CounterAgent, Role::Manager, Role::Admin] {
        let a = actor(role);
        let e = letters::print_batch(&mut w.db, &a, out.path(), &t, today(), at()).unwrap_err();
        assert!(matches!(refusal(e), Refusal::Forbidden { .. }), "{role:?}");
        let e = letters::dispatch_batch(&mut w.db, &a, 1, at()).unwrap_err();
        assert!(matches!(refusal(e), Refusal::Forbidden { .. }), "{role:?}");
        let e =
            letters::reprint(&mut w.db, &a, &refs[0], out.path(), &t, today(), at()).unwrap_err();
        assert!(matches!(refusal(e), Refusal::Forbidden { .. }), "{role:?}");
        let e = letters::complement_letter(&mut w.db, &a, &refs[0], out.path(), &t, today(), at())
            .unwrap_err();
        assert!(matches!(refusal(e), Refusal::Forbidden { .. }), "{role:?}");
        let e = letters::rejection_letter(&mut w.db, &a, &refs[0], out.path(), &t, today(), at())
            .unwrap_err();
        assert!(matches!(refusal(e), Refusal::Forbidden { .. }), "{role:?}");
    }
    assert_eq!(count(&w, "batches"), 0);
    assert_eq!(status(&w, &refs[0]), Status::Approved);
    assert!(std::fs::read_dir(out.path()).unwrap().next().is_none());
}

#[test]
fn dispatch_moves_every_case_of_the_batch_once() {
    let mut w = world();
    set_range(&mut w, 1, 99);
    let refs = approved(&mut w, 2);
    let out = tempfile::tempdir().unwrap();
    let b = print(&mut w, out.path()).unwrap();
    let clerk = actor(Role::Clerk);

    let e = letters::dispatch_batch(&mut w.db, &clerk, b.batch + 7, at()).unwrap_err();
    assert!(matches!(refusal(e), Refusal::NotFound(_)));

    let d = letters::dispatch_batch(&mut w.db, &clerk, b.batch, at()).unwrap();
    assert_eq!(d.letters.len(), 2);
    for r in &refs {
        assert_eq!(status(&w, r), Status::Dispatched);
    }
    let row =
        w.db.read(|c| Ok::<_, DbError>(db::letters::batch(c, b.batch)?.unwrap()))
            .unwrap();
    assert_eq!(row.dispatched_at, Some(at()));
    assert!(row.slip_sha.is_some() && row.combined_sha.is_none());

    let e = letters::dispatch_batch(&mut w.db, &clerk, b.batch, at()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
    assert!(msg.contains("déjà été remis"), "{msg}");

    // Nothing left to print.
    let e = print(&mut w, out.path()).unwrap_err();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
}

#[test]
fn a_bad_address_is_left_out_and_reported() {
    let mut w = world();
    set_range(&mut w, 1, 99);
    let good = approved(&mut w, 1);
    let bad = case_with_address(&mut w, "9711");
    decide(&mut w, &bad, Decision::Approve, Some("vu"));
    let out = tempfile::tempdir().unwrap();
    let b = print(&mut w, out.path()).unwrap();
    assert_eq!(b.letters.len(), 1);
    assert_eq!(b.letters[0].reference, good[0]);
    assert_eq!(b.skipped.len(), 1);
    assert_eq!(b.skipped[0].reference, bad);
    assert_eq!(b.skipped[0].code, "POSTCODE");
    assert!(b.skipped[0].message.contains("5 chiffres"));
    assert_eq!(status(&w, &bad), Status::Approved, "it waits");
    assert_eq!(S10::parse(&b.letters[0].s10).unwrap().serial, 1);

    // The clerk corrects the address of the approved case; the next batch takes it.
    let form = FormTemplate::default_v1();
    let clerk = actor(Role::Clerk);
    let correct = |w: &mut World, key: &str, value: &str| {
        review::correct_field(&mut w.db, &clerk, &form, &bad, key, value, at())
    };
    let e = correct(&mut w, "nir", "284027645108927").unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Invalid(_)),
        "only the address"
    );
    correct(&mut w, "postcode", "97110").unwrap();
    assert_eq!(status(&w, &bad), Status::Approved);
    let b = print(&mut w, out.path()).unwrap();
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.letters.len(), 1);
    assert_eq!(b.letters[0].reference, bad);
    assert_eq!(status(&w, &bad), Status::LetterPrinted);
    let e = correct(&mut w, "city", "Lille").unwrap_err();
    assert!(matches!(refusal(e), Refusal::Invalid(_)), "printed");
}

#[test]
fn the_complement_request_lists_what_blocks_in_french() {
    let mut w = world();
    let form = FormTemplate::default_v1();
    let r = case_with_address(&mut w, "59000");
    let view = parcours_app::cases::show(&mut w.db, &actor(Role::Clerk), &r, at()).unwrap();
    let expected: Vec<String> = view
        .checks
        .iter()
        .filter(|c| c.severity == parcours_app::domain::checks::Severity::Blocking)
        .map(|c| c.sentence_fr(&form))
        .collect();
    assert!(!expected.is_empty());
    let out = tempfile::tempdir().unwrap();
    let t = Templates::embedded();
    let clerk = actor(Role::Clerk);

    let e = letters::complement_letter(&mut w.db, &clerk, &r, out.path(), &t, today(), at())
        .unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Invalid(_)),
        "only for an incomplete case"
    );

    decide(&mut w, &r, Decision::Incomplete, None);
    let l =
        letters::complement_letter(&mut w.db, &clerk, &r, out.path(), &t, today(), at()).unwrap();
    let mut want = expected.clone();
    want.dedup();
    assert_eq!(l.reasons, want);
    let text = flat(&pdf_text(&l.file));
    for s in &expected {
        assert!(text.contains(&flat(s)), "« {s} » in:\n{text}");
    }
    assert!(text.contains("Demande de complément"));
    assert!(text.contains("LEFEVRE-DUPRE") || text.contains("LEFEVRE"));
    assert_eq!(status(&w, &r), Status::Incomplete, "the status stays");
    let kinds =
        w.db.read(|c| {
            let id = db::cases::by_reference(c, &r)?.unwrap().id;
            db::letters::for_case(c, id)
        })
        .unwrap();
    assert_eq!(kinds.len(), 1);
    assert_eq!(kinds[0].kind, db::letters::LetterKind::Complement);
    assert!(kinds[0].s10.is_none() && kinds[0].pdf_sha.is_some());
}

#[test]
fn the_rejection_letter_gives_the_recorded_reason() {
    let mut w = world();
    let r = case_with_address(&mut w, "59000");
    let reason = "Votre pièce d'identité était expirée à la réception du dossier.";
    decide(&mut w, &r, Decision::Reject, Some(reason));
    let out = tempfile::tempdir().unwrap();
    let l = letters::rejection_letter(
        &mut w.db,
        &actor(Role::Clerk),
        &r,
        out.path(),
        &Templates::embedded(),
        today(),
        at(),
    )
    .unwrap();
    assert_eq!(l.reasons, vec![reason.to_string()]);
    let text = flat(&pdf_text(&l.file));
    assert!(text.contains(&flat(reason)), "{text}");
    assert_eq!(status(&w, &r), Status::Closed, "nothing is left to do");
}

#[test]
fn a_file_that_cannot_be_written_undoes_the_whole_batch() {
    let mut w = world();
    set_range(&mut w, 1, 99);
    let refs = approved(&mut w, 2);
    let out = tempfile::tempdir().unwrap();
    // The combined PDF, written last, collides with a folder.
    std::fs::create_dir(out.path().join("lot-1.pdf")).unwrap();
    let e = print(&mut w, out.path()).unwrap_err();
    assert!(e.downcast_ref::<Refusal>().is_none(), "a failure: {e:#}");
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec!["lot-1.pdf"], "the letters written are removed");
    assert_eq!(count(&w, "batches"), 0);
    assert_eq!(count(&w, "letters"), 0);
    for r in &refs {
        assert_eq!(status(&w, r), Status::Approved);
    }
    std::fs::remove_dir(out.path().join("lot-1.pdf")).unwrap();
    let b = print(&mut w, out.path()).unwrap();
    assert_eq!(
        S10::parse(&b.letters[0].s10).unwrap().serial,
        1,
        "the numbers of the failed run were never taken"
    );
}
