//! Operations of parcours-app on temporary databases: roles, transactions,
//! audit of personal-data access.

mod followup;
mod letters;
mod review;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use parcours_app::cases::{self, NewIntake};
use parcours_app::domain::checks::{CaseReading, FieldReading};
use parcours_app::domain::form::{FieldValue, FormTemplate};
use parcours_app::domain::lifecycle::Status;
use parcours_app::domain::roles::{Role, ALL_ROLES};
use parcours_app::parcours_db::Db;
use parcours_app::{users, Actor, Refusal};

fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    db: Db,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut db = parcours_app::open(&dir.path().join("t.db")).unwrap();
    let admin = users::create_first_admin(&mut db, "admin", "motdepasse", at()).unwrap();
    for r in ALL_ROLES {
        if r != Role::Admin {
            users::add_user(&mut db, &admin, r.as_str(), r, "motdepasse", at()).unwrap();
        }
    }
    World { _dir: dir, db }
}

fn actor(role: Role) -> Actor {
    let name = if role == Role::Admin {
        "admin"
    } else {
        role.as_str()
    };
    Actor {
        name: name.into(),
        role,
    }
}

fn reading(nir: &str) -> CaseReading {
    let mut fields = BTreeMap::new();
    for (k, v) in [
        ("last_name", "DUPONT"),
        ("first_names", "JEAN"),
        ("nir", nir),
        ("birth_date", "1984-02-24"),
    ] {
        fields.insert(
            k.to_string(),
            FieldReading {
                value: Some(FieldValue::Text(v.into())),
                confidence: 0.9,
            },
        );
    }
    CaseReading {
        fields,
        ..Default::default()
    }
}

fn intake(w: &mut World, who: Role, nir: &str) -> anyhow::Result<cases::CaseView> {
    let form = FormTemplate::default_v1();
    let r = reading(nir);
    cases::record_intake(
        &mut w.db,
        &actor(who),
        &form,
        NewIntake {
            reading: &r,
            pages: &[],
            crops: &BTreeMap::new(),
            received: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        },
        at(),
    )
}

fn refusal(e: anyhow::Error) -> Refusal {
    e.downcast::<Refusal>().expect("a refusal, not a failure")
}

#[test]
fn intake_stores_a_case_in_review_with_every_check() {
    let mut w = world();
    let v = intake(&mut w, Role::Clerk, "184027645108980").unwrap();
    assert_eq!(v.status, Status::InReview);
    assert_eq!(v.reference, "PA-2026-000001");
    assert_eq!(
        v.fields.len(),
        FormTemplate::default_v1().fields.len(),
        "every key of the form is there"
    );
    assert!(v.fields["address_line"].is_none());
    let codes: Vec<&str> = v.checks.iter().map(|c| c.code.as_str()).collect();
    assert!(
        codes.contains(&"ID_PROOF_MISSING") && codes.contains(&"SIGNATURE_MISSING"),
        "{codes:?}"
    );

    let second = intake(&mut w, Role::Clerk, "184027645108980").unwrap();
    assert_eq!(second.reference, "PA-2026-000002");
    assert!(
        second
            .checks
            .iter()
            .any(|c| c.code.as_str() == "DUPLICATE_OPEN_CASE"),
        "the same NIR in another open case is flagged"
    );
}

#[test]
fn only_clerks_take_in_envelopes() {
    let mut w = world();
    for r in [Role::CounterAgent, Role::Manager, Role::Admin] {
        let e = intake(&mut w, r, "184027645108980").unwrap_err();
        assert!(matches!(refusal(e), Refusal::Forbidden { .. }), "{r:?}");
    }
    let list = cases::list(&mut w.db, &actor(Role::Manager), None, at()).unwrap();
    assert!(list.is_empty(), "a refused intake stores nothing");
}

#[test]
fn reading_a_case_is_audited_and_counter_agents_cannot() {
    let mut w = world();
    let v = intake(&mut w, Role::Clerk, "184027645108980").unwrap();
    let e = cases::show(&mut w.db, &actor(Role::CounterAgent), &v.reference, at()).unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Forbidden { .. }),
        "a counter agent never opens a case (NIR inside)"
    );

    let before = audit_rows(&w.db);
    let shown = cases::show(
        &mut w.db,
        &actor(Role::Manager),
        &v.reference.to_lowercase(),
        at(),
    )
    .unwrap();
    assert_eq!(shown.reference, v.reference);
    assert_eq!(audit_rows(&w.db), before + 1, "opening a case is audited");

    let report = parcours_app::audit::verify(&w.db, &actor(Role::Admin)).unwrap();
    assert!(report.ok);
    let details: Vec<String> =
        w.db.read(|c| {
            let mut st = c.prepare("SELECT details FROM audit")?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, parcours_app::parcours_db::DbError>(rows)
        })
        .unwrap();
    assert!(
        details
            .iter()
            .all(|d| !d.contains("184027645108980") && !d.contains("DUPONT")),
        "no NIR or name in the audit log"
    );
}

#[test]
fn bad_credentials_and_first_admin_only_once() {
    let mut w = world();
    assert!(users::authenticate(&w.db, "clerk", "motdepasse").is_ok());
    let e = users::authenticate(&w.db, "clerk", "wrong").unwrap_err();
    assert_eq!(refusal(e), Refusal::BadCredentials);
    let e = users::authenticate(&w.db, "nobody", "motdepasse").unwrap_err();
    assert_eq!(
        refusal(e),
        Refusal::BadCredentials,
        "unknown users look like wrong passwords"
    );
    let e = users::create_first_admin(&mut w.db, "eve", "motdepasse", at()).unwrap_err();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
    let e = users::add_user(
        &mut w.db,
        &actor(Role::Admin),
        "x",
        Role::Clerk,
        "court",
        at(),
    )
    .unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Invalid(_)),
        "short passwords are refused"
    );
}

fn audit_rows(db: &Db) -> i64 {
    db.read(|c| {
        Ok::<_, parcours_app::parcours_db::DbError>(c.query_row(
            "SELECT count(*) FROM audit",
            [],
            |r| r.get(0),
        )?)
    })
    .unwrap()
}
