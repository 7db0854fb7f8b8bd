//! Integration tests of parcours-db, each on its own temporary database.

use chrono::{NaiveDate, NaiveDateTime};
use parcours_db::rusqlite::Connection;
use parcours_db::{
    audit, cases, checks, fields, migrations, pages, scans, settings, transitions, users,
};
use parcours_db::{Db, DbError};
use parcours_domain::checks::{Check, CheckCode, IdDocument, SsnProof};
use parcours_domain::form::FieldValue;
use parcours_domain::lifecycle::{self, Status};
use parcours_domain::roles::Role;
use parcours_domain::{DocumentKind, PageKind, Sex, SsnProofKind};
use serde_json::json;
use tempfile::TempDir;

fn db() -> (TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("data").join("parcours.db")).unwrap();
    (dir, db)
}

fn at(day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

fn new_case(reference: &str, received_day: u32, nir: Option<&str>) -> cases::NewCase {
    cases::NewCase {
        reference: reference.to_string(),
        status: Status::InReview,
        received: NaiveDate::from_ymd_opt(2026, 3, received_day).unwrap(),
        at: at(received_day, 9),
        nir: nir.map(str::to_string),
        last_name: Some("LEMOINE".into()),
        first_names: Some("MELANIA".into()),
        birth_date: Some("1984-02-24".into()),
        postcode: Some("59500".into()),
        city: Some("DOUAI".into()),
        id_document: Some(IdDocument {
            kind: DocumentKind::ResidencePermit,
            surname: "OMIOTEK".into(),
            given_names: vec!["MELANIA".into()],
            birth_date: NaiveDate::from_ymd_opt(1984, 2, 24),
            expiry_date: NaiveDate::from_ymd_opt(2027, 2, 3),
            document_number: "PE1076488".into(),
            sex: Sex::F,
            mrz_valid: true,
            mrz: vec![],
            name_truncated: false,
        }),
        ssn_proof: Some(SsnProof {
            kind: SsnProofKind::CarteVitale,
            nir: nir.map(str::to_string),
        }),
    }
}

/// Inserts a case in its own transaction and returns its id.
fn insert_case(db: &mut Db, reference: &str, day: u32, nir: Option<&str>) -> i64 {
    db.write(|tx| cases::insert(tx, &new_case(reference, day, nir)))
        .unwrap()
}

fn raw(db: &Db) -> Connection {
    Connection::open(db.path()).unwrap()
}

// ---------------------------------------------------------------- opening

#[test]
fn open_creates_the_folder_migrates_and_uses_wal() {
    let (_dir, db) = db();
    assert!(db.path().is_file());
    let conn = raw(&db);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        migrations::latest(),
        "open applies every migration"
    );
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "WAL lets readers work while a clerk writes");
    assert_eq!(
        db.scans_dir(),
        db.path().parent().unwrap().join("parcours.scans")
    );
}

#[test]
fn reopening_keeps_the_data() {
    let (dir, mut db) = db();
    insert_case(&mut db, "PA-2026-000001", 2, None);
    let path = db.path().to_path_buf();
    drop(db);
    let db = Db::open(&path).unwrap();
    let n = db.read(|c| cases::list(c, None, 10, 0)).unwrap().len();
    assert_eq!(n, 1);
    drop(dir);
}

#[test]
fn a_newer_schema_is_refused_untouched() {
    let (_dir, db) = db();
    let path = db.path().to_path_buf();
    drop(db);
    let newer = migrations::latest() + 1;
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let err = Db::open(&path).unwrap_err();
    assert!(
        matches!(err, DbError::NewerSchema { found, supported } if found == newer && supported == migrations::latest()),
        "got {err:?}"
    );
    assert!(
        err.to_string().contains("mettez Parcours à jour"),
        "the user is told what to do: {err}"
    );
    let version: i64 = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, newer, "a refused database is left as it was");
}

#[test]
fn foreign_keys_are_enforced() {
    let (_dir, mut db) = db();
    let page = page_row(1, "a".repeat(64));
    let err = db.write(|tx| pages::insert(tx, 999, &page)).unwrap_err();
    assert!(
        matches!(&err, DbError::Sqlite(e) if e.to_string().contains("FOREIGN KEY")),
        "a page of a missing case is refused: {err:?}"
    );
}

// ---------------------------------------------------------------- transactions

#[test]
fn write_rolls_back_on_err() {
    let (_dir, mut db) = db();
    let res: Result<(), DbError> = db.write(|tx| {
        let id = cases::insert(tx, &new_case("PA-2026-000001", 2, None))?;
        audit::append(tx, at(2, 9), "alice", "case.create", Some(id), &json!({}))?;
        Err(DbError::Conflict("stop".into()))
    });
    assert!(res.is_err());
    let (n, report) = db
        .read(|c| Ok::<_, DbError>((cases::list(c, None, 10, 0)?.len(), audit::verify(c)?)))
        .unwrap();
    assert_eq!(n, 0, "an operation that fails leaves nothing behind");
    assert_eq!(report.rows, 0, "its audit entry is rolled back with it");
}

#[test]
fn read_is_read_only_and_sees_committed_writes() {
    let (_dir, mut db) = db();
    insert_case(&mut db, "PA-2026-000001", 2, None);
    let err = db
        .read(|c| {
            c.execute("DELETE FROM settings", [])?;
            Ok::<_, DbError>(())
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("readonly"),
        "the read handle cannot write: {err}"
    );
    let found = db
        .read(|c| cases::by_reference(c, "PA-2026-000001"))
        .unwrap();
    assert!(found.is_some());
}

// ---------------------------------------------------------------- cases

#[test]
fn next_reference_numbers_per_year_and_never_reuses() {
    let (_dir, mut db) = db();
    let r = db.read(|c| cases::next_reference(c, 2026)).unwrap();
    assert_eq!(r, "PA-2026-000001");
    insert_case(&mut db, "PA-2026-000001", 2, None);
    insert_case(&mut db, "PA-2026-000007", 2, None);
    insert_case(&mut db, "PA-2025-000041", 2, None);
    let (y26, y25, y27) = db
        .read(|c| {
            Ok::<_, DbError>((
                cases::next_reference(c, 2026)?,
                cases::next_reference(c, 2025)?,
                cases::next_reference(c, 2027)?,
            ))
        })
        .unwrap();
    assert_eq!(y26, "PA-2026-000008", "one more than the highest used");
    assert_eq!(y25, "PA-2025-000042");
    assert_eq!(y27, "PA-2027-000001", "each year starts at 1");
    let dup = db.write(|tx| cases::insert(tx, &new_case("PA-2026-000007", 3, None)));
    assert!(matches!(dup, Err(DbError::Conflict(_))), "{dup:?}");
}

#[test]
fn insert_get_list_and_count_cases() {
    let (_dir, mut db) = db();
    let late = insert_case(&mut db, "PA-2026-000001", 5, Some("284999912269342"));
    let early = insert_case(&mut db, "PA-2026-000002", 3, Some("193089122853790"));
    let closed = insert_case(&mut db, "PA-2026-000003", 4, Some("111111111111111"));
    db.write(|tx| cases::set_status(tx, closed, Status::Closed, at(6, 10)))
        .unwrap();

    db.read(|c| {
        let row = cases::get(c, late)?.unwrap();
        assert_eq!(
            row,
            {
                let n = new_case("PA-2026-000001", 5, Some("284999912269342"));
                cases::CaseRow {
                    id: late,
                    reference: n.reference,
                    status: n.status,
                    received: n.received,
                    created_at: n.at,
                    updated_at: n.at,
                    nir: n.nir,
                    last_name: n.last_name,
                    first_names: n.first_names,
                    birth_date: n.birth_date,
                    postcode: n.postcode,
                    city: n.city,
                    id_document: n.id_document,
                    ssn_proof: n.ssn_proof,
                    purged_at: None,
                }
            },
            "every column, JSON ones included, reads back as written"
        );
        assert!(cases::get(c, 999)?.is_none());
        assert!(matches!(cases::require(c, 999), Err(DbError::NotFound(_))));

        let all: Vec<i64> = cases::list(c, None, 10, 0)?.iter().map(|r| r.id).collect();
        assert_eq!(all, vec![early, closed, late], "ordered by receipt date");
        let page2: Vec<i64> = cases::list(c, None, 1, 1)?.iter().map(|r| r.id).collect();
        assert_eq!(page2, vec![closed]);
        let in_review: Vec<i64> = cases::list(c, Some(Status::InReview), 10, 0)?
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(in_review, vec![early, late]);

        let counts = cases::count_by_status(c)?;
        assert_eq!(
            counts.len(),
            lifecycle::ALL_STATUSES.len(),
            "zeros included"
        );
        assert!(counts.contains(&(Status::InReview, 2)));
        assert!(counts.contains(&(Status::Closed, 1)));
        assert!(counts.contains(&(Status::Approved, 0)));

        assert_eq!(
            cases::open_nirs_except(c, Some(late))?,
            vec!["193089122853790".to_string()],
            "closed cases and the case itself are not duplicates"
        );
        assert_eq!(cases::open_nirs_except(c, None)?.len(), 2);
        assert_eq!(cases::get(c, closed)?.unwrap().updated_at, at(6, 10));
        Ok::<_, DbError>(())
    })
    .unwrap();

    let missing = db.write(|tx| cases::set_status(tx, 999, Status::Closed, at(6, 10)));
    assert!(matches!(missing, Err(DbError::NotFound(_))));
}

#[test]
fn update_summary_and_purge() {
    let (_dir, mut db) = db();
    let id = insert_case(&mut db, "PA-2026-000001", 2, Some("284999912269342"));
    db.write(|tx| {
        let mut s = new_case("x", 2, Some("284999912269342")).summary();
        s.city = Some("LILLE".into());
        s.id_document = None;
        cases::update_summary(tx, id, &s, at(3, 11))?;
        pages::insert(tx, id, &page_row(1, scans::sha256_hex(b"p1")))?;
        fields::upsert(
            tx,
            id,
            &field("city", "LILLE", Some(scans::sha256_hex(b"crop"))),
        )
    })
    .unwrap();
    let row = db.read(|c| cases::require(c, id)).unwrap();
    assert_eq!(row.city.as_deref(), Some("LILLE"));
    assert_eq!(row.id_document, None);
    assert_eq!(row.updated_at, at(3, 11));

    let purged = db.write(|tx| cases::purge(tx, id, at(20, 2))).unwrap();
    assert_eq!(
        purged.pages,
        vec![(scans::sha256_hex(b"p1"), "png".to_string())]
    );
    assert_eq!(purged.crops, vec![scans::sha256_hex(b"crop")]);
    db.read(|c| {
        let row = cases::require(c, id)?;
        assert_eq!((row.nir, row.last_name, row.ssn_proof), (None, None, None));
        assert_eq!(row.purged_at, Some(at(20, 2)));
        assert_eq!(row.status, Status::InReview, "statistics keep the status");
        assert!(pages::list(c, id)?.is_empty());
        assert!(fields::list(c, id)?.is_empty());
        assert!(!pages::sha_in_use(c, &scans::sha256_hex(b"p1"))?);
        Ok::<_, DbError>(())
    })
    .unwrap();
}

// ---------------------------------------------------------------- pages, fields, checks, transitions

fn page_row(idx: i64, sha256: String) -> pages::PageRow {
    pages::PageRow {
        idx,
        kind: PageKind::FormPage1,
        rotation: 180,
        sha256,
        ext: "png".into(),
        source_file: "scan.pdf".into(),
        source_page: idx,
        width: 2480,
        height: 3508,
    }
}

fn field(key: &str, value: &str, crop_sha: Option<String>) -> fields::FieldRow {
    fields::FieldRow {
        key: key.into(),
        value: Some(FieldValue::Text(value.into())),
        confidence: 0.93,
        crop_sha,
        page_idx: Some(1),
        corrected_by: None,
        corrected_at: None,
    }
}

#[test]
fn pages_keep_their_order_and_refuse_a_duplicate_index() {
    let (_dir, mut db) = db();
    let id = insert_case(&mut db, "PA-2026-000001", 2, None);
    let mut p2 = page_row(2, scans::sha256_hex(b"2"));
    p2.kind = PageKind::IdProof;
    let p1 = page_row(1, scans::sha256_hex(b"1"));
    db.write(|tx| {
        pages::insert(tx, id, &p2)?;
        pages::insert(tx, id, &p1)
    })
    .unwrap();
    let dup = db.write(|tx| pages::insert(tx, id, &p1));
    assert!(dup.is_err(), "two pages cannot share an index");
    let (list, next) = db
        .read(|c| Ok::<_, DbError>((pages::list(c, id)?, pages::next_idx(c, id)?)))
        .unwrap();
    assert_eq!(list, vec![p1, p2]);
    assert_eq!(next, 3);
}

#[test]
fn fields_upsert_and_round_trip() {
    let (_dir, mut db) = db();
    let id = insert_case(&mut db, "PA-2026-000001", 2, None);
    let signed = fields::FieldRow {
        key: "signature".into(),
        value: Some(FieldValue::Bool(true)),
        confidence: 0.61,
        crop_sha: None,
        page_idx: None,
        corrected_by: None,
        corrected_at: None,
    };
    let empty = fields::FieldRow {
        key: "email".into(),
        value: None,
        ..signed.clone()
    };
    let mut city = field("city", "DUOAI", None);
    db.write(|tx| {
        fields::upsert(tx, id, &city)?;
        fields::upsert(tx, id, &signed)?;
        fields::upsert(tx, id, &empty)
    })
    .unwrap();
    city.value = Some(FieldValue::Text("DOUAI".into()));
    city.confidence = 1.0;
    city.corrected_by = Some("alice".into());
    city.corrected_at = Some(at(3, 14));
    db.write(|tx| fields::upsert(tx, id, &city)).unwrap();
    let (list, one) = db
        .read(|c| Ok::<_, DbError>((fields::list(c, id)?, fields::get(c, id, "city")?)))
        .unwrap();
    assert_eq!(
        list,
        vec![city.clone(), signed, empty],
        "a correction replaces in place"
    );
    assert_eq!(one, Some(city));
}

#[test]
fn checks_replace_keeps_overrides() {
    let (_dir, mut db) = db();
    let id = insert_case(&mut db, "PA-2026-000001", 2, None);
    let uncertain = Check::new(CheckCode::FieldUncertain, Some("city"));
    let sig = Check::new(CheckCode::SignatureMissing, None);
    db.write(|tx| {
        checks::replace(tx, id, &[uncertain.clone(), sig.clone()])?;
        checks::override_check(
            tx,
            id,
            CheckCode::SignatureMissing,
            None,
            "alice",
            "signé au verso",
            at(3, 10),
        )
    })
    .unwrap();
    let missing = db.write(|tx| {
        checks::override_check(
            tx,
            id,
            CheckCode::NirInvalid,
            Some("nir"),
            "alice",
            "x",
            at(3, 10),
        )
    });
    assert!(matches!(missing, Err(DbError::NotFound(_))));
    let nir = Check::new(CheckCode::NirInvalid, Some("nir"));
    db.write(|tx| checks::replace(tx, id, &[sig.clone(), nir.clone()]))
        .unwrap();
    let rows = db.read(|c| checks::list(c, id)).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].check, sig);
    assert!(
        rows[0].is_overridden(),
        "a re-check keeps the clerk's override"
    );
    assert_eq!(rows[0].override_reason.as_deref(), Some("signé au verso"));
    assert_eq!(rows[0].overridden_at, Some(at(3, 10)));
    assert_eq!(rows[1].check, nir);
    assert!(!rows[1].is_overridden());
}

#[test]
fn transitions_are_recorded_in_order() {
    let (_dir, mut db) = db();
    let id = insert_case(&mut db, "PA-2026-000001", 2, None);
    let t1 = lifecycle::transition(
        Status::InReview,
        Status::Incomplete,
        "alice",
        at(3, 9),
        "pièce manquante",
    )
    .unwrap();
    let t2 =
        lifecycle::transition(Status::Incomplete, Status::InReview, "bob", at(9, 9), "").unwrap();
    db.write(|tx| {
        transitions::record(tx, id, &t1)?;
        transitions::record(tx, id, &t2)
    })
    .unwrap();
    let (list, all) = db
        .read(|c| Ok::<_, DbError>((transitions::list(c, id)?, transitions::all(c)?)))
        .unwrap();
    assert_eq!(list, vec![t1.clone(), t2.clone()]);
    assert_eq!(all, vec![(id, t1), (id, t2)]);
}

// ---------------------------------------------------------------- users, settings

#[test]
fn users_create_find_and_change() {
    let (_dir, mut db) = db();
    let hash = users::hash_password("s3cret").unwrap();
    db.write(|tx| users::create(tx, "alice", Role::Admin, &hash, at(1, 8)))
        .unwrap();
    let dup = db.write(|tx| users::create(tx, "alice", Role::Clerk, &hash, at(1, 8)));
    assert!(matches!(dup, Err(DbError::Conflict(_))), "{dup:?}");
    db.write(|tx| {
        users::create(tx, "bob", Role::CounterAgent, &hash, at(1, 8))?;
        users::set_role(tx, "bob", Role::Clerk)?;
        users::set_disabled(tx, "bob", true)
    })
    .unwrap();
    db.read(|c| {
        let alice = users::get(c, "alice")?.unwrap();
        assert_eq!(alice.role, Role::Admin);
        assert!(users::verify_password(&alice.password_hash, "s3cret"));
        let bob = users::get(c, "bob")?.unwrap();
        assert_eq!((bob.role, bob.disabled), (Role::Clerk, true));
        assert_eq!(users::count(c)?, 2);
        assert_eq!(users::count_enabled(c, Role::Clerk)?, 0);
        let names: Vec<String> = users::list(c)?.into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert!(users::get(c, "carol")?.is_none());
        Ok::<_, DbError>(())
    })
    .unwrap();
    let missing = db.write(|tx| users::set_role(tx, "carol", Role::Clerk));
    assert!(matches!(missing, Err(DbError::NotFound(_))));
    let bad_role = db.write(|tx| {
        tx.execute(
            "INSERT INTO users (name, role, password_hash) VALUES ('eve', 'root', 'x')",
            [],
        )?;
        Ok::<_, DbError>(())
    });
    assert!(bad_role.is_err(), "the schema refuses an unknown role");
}

#[test]
fn settings_store_strings() {
    let (_dir, mut db) = db();
    db.write(|tx| {
        settings::set(tx, "retention_days", "180", "admin", at(1, 8))?;
        settings::set(tx, "retention_days", "365", "admin", at(2, 8))?;
        settings::set(tx, "confidence_threshold", "0.6", "admin", at(2, 8))
    })
    .unwrap();
    db.read(|c| {
        assert_eq!(settings::get(c, "retention_days")?.as_deref(), Some("365"));
        assert_eq!(settings::get(c, "nope")?, None);
        assert_eq!(
            settings::all(c)?,
            vec![
                ("confidence_threshold".to_string(), "0.6".to_string()),
                ("retention_days".to_string(), "365".to_string())
            ]
        );
        Ok::<_, DbError>(())
    })
    .unwrap();
}

// ---------------------------------------------------------------- scans

#[test]
fn scans_store_is_idempotent_atomic_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"\x89PNG fake page".to_vec();
    let sha = scans::store(dir.path(), &bytes, "png").unwrap();
    assert_eq!(sha, scans::sha256_hex(&bytes));
    assert_eq!(
        scans::store(dir.path(), &bytes, "png").unwrap(),
        sha,
        "same bytes, same name"
    );
    let sub = dir.path().join(&sha[..2]);
    let files: Vec<_> = std::fs::read_dir(&sub)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        files,
        vec![std::ffi::OsString::from(format!("{sha}.png"))],
        "one file, no temporary left"
    );
    assert_eq!(scans::load(dir.path(), &sha, "png").unwrap(), bytes);
    assert!(scans::exists(dir.path(), &sha, "png"));

    std::fs::write(scans::path(dir.path(), &sha, "png"), b"tampered").unwrap();
    let err = scans::load(dir.path(), &sha, "png").unwrap_err();
    assert!(
        matches!(&err, DbError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData),
        "an altered scan is detected: {err:?}"
    );
    assert_eq!(scans::store(dir.path(), &bytes, "png").unwrap(), sha);
    assert_eq!(
        scans::load(dir.path(), &sha, "png").unwrap(),
        bytes,
        "storing again repairs it"
    );

    scans::remove(dir.path(), &sha, "png").unwrap();
    assert!(!scans::exists(dir.path(), &sha, "png"));
    scans::remove(dir.path(), &sha, "png").unwrap();
}

// ---------------------------------------------------------------- audit

fn audited(n: u32) -> (TempDir, Db) {
    let (dir, mut db) = db();
    let case = insert_case(&mut db, "PA-2026-000001", 2, None);
    db.write(|tx| {
        for i in 1..=n {
            let case_id = (i % 2 == 0).then_some(case);
            audit::append(
                tx,
                at(2, 8 + i),
                "alice",
                "case.open",
                case_id,
                &json!({"step": i, "b": [1, {"z": 0, "a": 1}]}),
            )?;
        }
        Ok::<_, DbError>(())
    })
    .unwrap();
    (dir, db)
}

fn verify(db: &Db) -> audit::AuditReport {
    db.read(audit::verify).unwrap()
}

#[test]
fn audit_chain_verifies_and_lists() {
    let (_dir, db) = audited(4);
    assert_eq!(
        verify(&db),
        audit::AuditReport {
            rows: 4,
            ok: true,
            first_bad: None,
            problem: None
        }
    );
    let rows = db.read(|c| audit::list(c, None, 10)).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        [4, 3, 2, 1],
        "newest first"
    );
    assert_eq!(rows[3].prev_hash, audit::GENESIS);
    assert_eq!(
        rows[2].prev_hash, rows[3].hash,
        "each row chains to the previous"
    );
    assert_eq!(
        rows[0].details,
        json!({"step": 4, "b": [1, {"a": 1, "z": 0}]})
    );
    let of_case = db.read(|c| audit::list(c, Some(1), 10)).unwrap();
    assert_eq!(of_case.iter().map(|r| r.id).collect::<Vec<_>>(), [4, 2]);
    assert_eq!(db.read(|c| audit::list(c, None, 1)).unwrap().len(), 1);
}

#[test]
fn audit_triggers_refuse_update_and_delete() {
    let (_dir, db) = audited(2);
    let conn = raw(&db);
    let upd = conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 1", []);
    assert!(
        upd.as_ref()
            .is_err_and(|e| e.to_string().contains("append-only")),
        "the journal cannot be edited: {upd:?}"
    );
    let del = conn.execute("DELETE FROM audit WHERE id = 1", []);
    assert!(del.is_err(), "the journal cannot be shortened");
    assert!(verify(&db).ok);
}

#[test]
fn audit_verify_detects_an_edited_row() {
    let (_dir, db) = audited(4);
    let conn = raw(&db);
    conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
    conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 2", [])
        .unwrap();
    let r = verify(&db);
    assert_eq!((r.rows, r.ok, r.first_bad), (4, false, Some(2)));
    assert!(r.problem.unwrap().contains("edited"));
}

#[test]
fn audit_verify_detects_an_edited_and_rehashed_row() {
    let (_dir, db) = audited(4);
    let conn = raw(&db);
    conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
    // A tamperer who also recomputes the edited row's own hash still breaks
    // the link to the next row.
    let (at, action, case_id, details, prev): (String, String, Option<i64>, String, String) = conn
        .query_row(
            "SELECT at, action, case_id, details, prev_hash FROM audit WHERE id = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    let forged = audit::row_hash(2, &at, "mallory", &action, case_id, &details, &prev);
    conn.execute(
        "UPDATE audit SET actor = 'mallory', hash = ?1 WHERE id = 2",
        [forged],
    )
    .unwrap();
    let r = verify(&db);
    assert_eq!((r.ok, r.first_bad), (false, Some(3)), "{r:?}");
    assert!(r.problem.unwrap().contains("prev_hash"));
}

#[test]
fn audit_verify_detects_deleted_rows() {
    let (_dir, db) = audited(4);
    let conn = raw(&db);
    conn.execute_batch("DROP TRIGGER audit_no_delete").unwrap();
    conn.execute("DELETE FROM audit WHERE id = 2", []).unwrap();
    let r = verify(&db);
    assert_eq!((r.rows, r.ok, r.first_bad), (3, false, Some(3)));
    assert!(r.problem.unwrap().contains("missing"));

    conn.execute("DELETE FROM audit WHERE id >= 3", []).unwrap();
    conn.execute("DELETE FROM audit WHERE id = 1", []).unwrap();
    let r = verify(&db);
    assert!(!r.ok, "an emptied journal is still seen: {r:?}");
}

#[test]
fn audit_verify_detects_a_deleted_tail_even_after_new_entries() {
    let (_dir, mut db) = audited(4);
    let conn = raw(&db);
    conn.execute_batch("DROP TRIGGER audit_no_delete").unwrap();
    conn.execute("DELETE FROM audit WHERE id = 4", []).unwrap();
    let r = verify(&db);
    assert_eq!((r.ok, r.first_bad), (false, Some(4)), "{r:?}");
    db.write(|tx| audit::append(tx, at(3, 8), "bob", "case.open", None, &json!({})))
        .unwrap();
    let r = verify(&db);
    assert_eq!(
        (r.ok, r.first_bad),
        (false, Some(5)),
        "the id of the deleted row is not reused: {r:?}"
    );
}

#[test]
fn audit_verify_detects_reordered_rows() {
    let (_dir, db) = audited(3);
    let conn = raw(&db);
    conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
    conn.execute_batch(
        "UPDATE audit SET id = 100 WHERE id = 2;
         UPDATE audit SET id = 2 WHERE id = 3;
         UPDATE audit SET id = 3 WHERE id = 100;",
    )
    .unwrap();
    let r = verify(&db);
    assert_eq!((r.ok, r.first_bad), (false, Some(2)), "{r:?}");
}

#[test]
fn backup_copies_a_consistent_database() {
    let (dir, mut db) = db();
    insert_case(&mut db, "PA-2026-000001", 2, None);
    let dest = dir.path().join("backup.db");
    db.backup_to(&dest).unwrap();
    let copy = Db::open(&dest).unwrap();
    assert_eq!(copy.read(|c| cases::list(c, None, 10, 0)).unwrap().len(), 1);
}
