//! After the letter leaves: delivery events, the counter, the managers'
//! reports, closing and the retention purge.

use chrono::{NaiveDate, NaiveDateTime};
use parcours_app::counter::Outcome;
use parcours_app::domain::checks::IdDocument;
use parcours_app::domain::form::FieldValue;
use parcours_app::domain::lifecycle::{transition, Status};
use parcours_app::domain::roles::{Role, ALL_ROLES};
use parcours_app::domain::s10::S10;
use parcours_app::domain::settings::Settings;
use parcours_app::domain::turnaround::{self, PromiseState, PROMISE_DAYS, RUNNING};
use parcours_app::domain::{DocumentKind, Sex};
use parcours_app::parcours_db::{self as db, Db, DbError};
use parcours_app::{counter, reports, retention, tracking, Refusal};

use super::{actor, refusal, world, World};

const NIR: &str = "184027645108980";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(s: &str) -> NaiveDateTime {
    d(s).and_hms_opt(15, 0, 0).unwrap()
}

fn s10(serial: u32) -> String {
    S10::new("RA", serial, "FR").unwrap().compact()
}

/// A case received on `received`, moved through `steps` (`(day, to)`), with
/// a registered letter `RA{serial}FR` when `serial` is given.
fn seed(
    w: &mut World,
    reference: &str,
    received: &str,
    steps: &[(&str, Status)],
    serial: Option<u32>,
) -> i64 {
    w.db.write(|tx| {
        let id = db::cases::insert(
            tx,
            &db::cases::NewCase {
                reference: reference.into(),
                status: Status::Received,
                received: d(received),
                at: t(received),
                nir: Some(NIR.into()),
                last_name: Some("DUPONT".into()),
                first_names: Some("JEAN PIERRE".into()),
                birth_date: Some("1984-02-24".into()),
                postcode: Some("59000".into()),
                city: Some("LILLE".into()),
                id_document: Some(IdDocument {
                    kind: DocumentKind::Cni,
                    surname: "DUPONT".into(),
                    given_names: vec!["JEAN".into(), "PIERRE".into()],
                    birth_date: Some(d("1984-02-24")),
                    expiry_date: Some(d("2031-01-01")),
                    document_number: "X4RTBPFW4".into(),
                    sex: Sex::M,
                    mrz_valid: true,
                    mrz: vec![],
                    name_truncated: false,
                }),
                ssn_proof: None,
            },
        )?;
        db::fields::upsert(
            tx,
            id,
            &db::fields::FieldRow {
                key: "civility".into(),
                value: Some(FieldValue::Text("monsieur".into())),
                confidence: 0.9,
                crop_sha: None,
                page_idx: None,
                corrected_by: None,
                corrected_at: None,
            },
        )?;
        let mut from = Status::Received;
        for (day, to) in steps {
            let tr =
                transition(from, *to, "alice", t(day), "").expect("seeds follow the lifecycle");
            db::cases::set_status(tx, id, *to, t(day))?;
            db::transitions::record(tx, id, &tr)?;
            from = *to;
        }
        if let Some(serial) = serial {
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
                    at: t(received),
                    by: "alice",
                },
            )?;
        }
        Ok::<_, DbError>(id)
    })
    .unwrap()
}

fn dispatched(on: &str) -> Vec<(&str, Status)> {
    vec![
        (on, Status::InReview),
        (on, Status::Approved),
        (on, Status::LetterPrinted),
        (on, Status::Dispatched),
    ]
}

fn status_of(w: &World, id: i64) -> Status {
    w.db.read(|c| db::cases::require(c, id).map(|r| r.status))
        .unwrap()
}

fn count(db: &Db, table: &str) -> i64 {
    db.read(|c| {
        Ok::<_, DbError>(c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    })
    .unwrap()
}

#[test]
fn tracking_import_moves_cases_in_date_order_and_twice_changes_nothing() {
    let mut w = world();
    let a = seed(
        &mut w,
        "PA-2026-000001",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(1),
    );
    let b = seed(
        &mut w,
        "PA-2026-000002",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(2),
    );
    let c = seed(
        &mut w,
        "PA-2026-000003",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(3),
    );
    let mut closed = dispatched("2026-03-05");
    closed.extend([
        ("2026-03-06", Status::Returned),
        ("2026-03-07", Status::Closed),
    ]);
    let e = seed(&mut w, "PA-2026-000005", "2026-03-02", &closed, Some(5));
    // File order is not date order: DISTRIBUE of A comes before its AVISE.
    let csv = format!(
        "tracking_number;event_date;event\n\
         {a1};12/03/2026;DISTRIBUE\n\
         {a1};2026-03-09;AVISE\n\
         {a1};2026-03-06;DEPOSE\n\
         {b2};2026-03-10;RETOURNE_NPAI\n\
         {c3};2026-03-11;DISTRIBUE\n\
         {unknown};2026-03-11;DISTRIBUE\n\
         {c3};2026-03-11;PERDU\n\
         {e5};2026-03-11;DISTRIBUE\n\
         {c3};2026-04-30;AVISE\n",
        a1 = s10(1),
        b2 = s10(2),
        c3 = s10(3),
        e5 = s10(5),
        unknown = s10(99_999_999),
    );
    let clerk = actor(Role::Clerk);
    let r = tracking::import(&mut w.db, &clerk, csv.as_bytes(), t("2026-03-13")).unwrap();
    assert_eq!((r.applied, r.duplicates), (5, 0), "{r:?}");
    assert_eq!(r.unknown.len(), 1);
    assert_eq!(
        (r.unknown[0].line, r.unknown[0].tracking_number.as_str()),
        (7, s10(99_999_999).as_str())
    );
    let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        [8, 9, 10],
        "bad event, closed case, future date: {r:?}"
    );
    assert!(
        r.errors[1].message.contains("Clos"),
        "{}",
        r.errors[1].message
    );

    assert_eq!(
        status_of(&w, a),
        Status::Verified,
        "AVISE then DISTRIBUE, by date"
    );
    assert_eq!(status_of(&w, b), Status::Returned);
    assert_eq!(status_of(&w, c), Status::Verified);
    assert_eq!(
        status_of(&w, e),
        Status::Closed,
        "an event that does not fit is not applied"
    );
    let history = w.db.read(|c| db::transitions::list(c, a)).unwrap();
    let last: Vec<(Status, NaiveDate)> = history[4..].iter().map(|t| (t.to, t.at.date())).collect();
    assert_eq!(
        last,
        [
            (Status::AwaitingPickup, d("2026-03-09")),
            (Status::Verified, d("2026-03-12"))
        ],
        "transitions are dated on the event's day, not the import's"
    );

    let before = (count(&w.db, "transitions"), count(&w.db, "tracking_events"));
    let again = tracking::import(&mut w.db, &clerk, csv.as_bytes(), t("2026-03-14")).unwrap();
    assert_eq!((again.applied, again.duplicates), (0, 5), "{again:?}");
    assert_eq!(
        (count(&w.db, "transitions"), count(&w.db, "tracking_events")),
        before,
        "a second import changes nothing"
    );
}

#[test]
fn an_unreadable_tracking_file_is_refused_whole() {
    let mut w = world();
    let e = tracking::import(
        &mut w.db,
        &actor(Role::Manager),
        b"a,b\n1,2\n",
        t("2026-03-13"),
    )
    .unwrap_err();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
}

#[test]
fn the_counter_sees_name_birth_date_and_document_never_the_nir() {
    let mut w = world();
    let id = seed(
        &mut w,
        "PA-2026-000001",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(42),
    );
    let agent = actor(Role::CounterAgent);
    let before = super::audit_rows(&w.db);
    let v = counter::find(
        &mut w.db,
        &agent,
        &S10::new("RA", 42, "FR").unwrap().formatted(),
        t("2026-03-10"),
    )
    .unwrap();
    assert_eq!(
        super::audit_rows(&w.db),
        before + 1,
        "every find is audited"
    );
    let json = serde_json::to_string(&v).unwrap();
    assert!(
        !json.contains(NIR),
        "a counter agent never sees the NIR: {json}"
    );
    assert_eq!(v.reference, "PA-2026-000001");
    assert_eq!(v.civility.as_deref(), Some("monsieur"));
    assert_eq!(v.last_name.as_deref(), Some("DUPONT"));
    assert_eq!(v.birth_date.as_deref(), Some("1984-02-24"));
    assert_eq!(
        v.id_document.as_ref().map(|d| d.number.as_str()),
        Some("X4RTBPFW4")
    );
    assert_eq!(v.s10, Some(s10(42)));
    let audit = w.db.read(|c| db::audit::list(c, Some(id), 1)).unwrap();
    assert_eq!(audit[0].action, "counter.find");
    assert!(!audit[0].details.to_string().contains("DUPONT"));

    let by_ref = counter::find(&mut w.db, &agent, "pa-2026-000001", t("2026-03-10")).unwrap();
    assert_eq!(by_ref.s10, v.s10);
    seed(
        &mut w,
        "PA-2026-000002",
        "2026-03-02",
        &[("2026-03-02", Status::InReview)],
        None,
    );
    let e = counter::find(&mut w.db, &agent, "PA-2026-000002", t("2026-03-10")).unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::NotFound(_)),
        "no letter, nothing to see"
    );
    let e = counter::find(&mut w.db, &agent, "RA000000422FR", t("2026-03-10")).unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Invalid(_)),
        "a wrong check digit is explained"
    );
}

#[test]
fn the_counter_check_needs_a_reason_when_the_number_differs() {
    let mut w = world();
    let a = seed(
        &mut w,
        "PA-2026-000001",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(1),
    );
    let b = seed(
        &mut w,
        "PA-2026-000002",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(2),
    );
    let agent = actor(Role::CounterAgent);
    let e = counter::verify(
        &mut w.db,
        &agent,
        &s10(1),
        "ZZ999",
        Outcome::Verified,
        None,
        t("2026-03-10"),
    )
    .unwrap_err();
    let Refusal::Invalid(msg) = refusal(e) else {
        panic!("a mismatch without reason is an invalid request")
    };
    assert!(msg.contains("motif"), "the message says what to do: {msg}");
    assert_eq!(status_of(&w, a), Status::Dispatched, "nothing recorded");

    let r = counter::verify(
        &mut w.db,
        &agent,
        &s10(1),
        "x4rt bpfw4",
        Outcome::Verified,
        None,
        t("2026-03-10"),
    )
    .unwrap();
    assert!(r.number_matches, "spaces and case do not matter");
    assert_eq!(
        (r.status, status_of(&w, a)),
        (Status::Verified, Status::Verified)
    );

    let r = counter::verify(
        &mut w.db,
        &agent,
        "PA-2026-000002",
        "ZZ999",
        Outcome::Refused,
        Some("pièce d'un tiers"),
        t("2026-03-10"),
    )
    .unwrap();
    assert!(!r.number_matches);
    assert_eq!(status_of(&w, b), Status::Dispatched, "refused records only");
    let checks = w.db.read(|c| db::counter::for_case(c, b)).unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(
        (checks[0].outcome.as_str(), checks[0].reason.as_str()),
        ("refused", "pièce d'un tiers")
    );

    let e = counter::verify(
        &mut w.db,
        &agent,
        &s10(1),
        "X4RTBPFW4",
        Outcome::Verified,
        None,
        t("2026-03-11"),
    )
    .unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Invalid(_)),
        "a verified case cannot be verified again"
    );
}

/// Each of this module's operations for one role: `Ok(())` when allowed,
/// the refusal otherwise.
fn attempt(w: &mut World, role: Role, op: &str) -> Result<(), Refusal> {
    let who = actor(role);
    let at = t("2026-03-10");
    let csv = format!(
        "tracking_number,event_date,event\n{},2026-03-06,DEPOSE\n",
        s10(1)
    );
    let out = match op {
        "case.show" => parcours_app::cases::show(&mut w.db, &who, "PA-2026-000001", at).map(drop),
        "tracking.import" => tracking::import(&mut w.db, &who, csv.as_bytes(), at).map(drop),
        "counter.find" => counter::find(&mut w.db, &who, &s10(1), at).map(drop),
        "counter.verify" => counter::verify(
            &mut w.db,
            &who,
            &s10(1),
            "X4RTBPFW4",
            Outcome::Refused,
            None,
            at,
        )
        .map(drop),
        "report.backlog" => reports::backlog(&mut w.db, &who, at.date(), at).map(drop),
        "export.cases" => {
            reports::export_cases(&mut w.db, &who, at.date(), &mut Vec::new(), at).map(drop)
        }
        "close_due" => retention::close_due(&mut w.db, &who, at).map(drop),
        "purge" => retention::purge(&mut w.db, &who, at).map(drop),
        other => panic!("unknown operation {other}"),
    };
    out.map_err(refusal)
}

#[test]
fn roles_for_every_operation() {
    use Role::*;
    let table: [(&str, &[Role]); 8] = [
        ("case.show", &[Clerk, Manager]),
        ("tracking.import", &[Clerk, Manager]),
        ("counter.find", &[CounterAgent]),
        ("counter.verify", &[CounterAgent]),
        ("report.backlog", &[Manager, Admin]),
        ("export.cases", &[Manager, Admin]),
        ("close_due", &[Admin]),
        ("purge", &[Admin]),
    ];
    let mut w = world();
    seed(
        &mut w,
        "PA-2026-000001",
        "2026-03-02",
        &dispatched("2026-03-05"),
        Some(1),
    );
    for (op, allowed) in table {
        for role in ALL_ROLES {
            let before = super::audit_rows(&w.db);
            let got = attempt(&mut w, role, op);
            if allowed.contains(&role) {
                assert_eq!(got, Ok(()), "{role:?} may {op}");
            } else {
                assert!(
                    matches!(got, Err(Refusal::Forbidden { .. })),
                    "{role:?} may not {op}: {got:?}"
                );
                assert_eq!(
                    super::audit_rows(&w.db),
                    before,
                    "a refusal reads and writes nothing"
                );
            }
        }
    }
}

#[test]
fn backlog_matches_a_hand_count() {
    let mut w = world();
    let as_of = "2026-04-01";
    // Running, received 2026-03-30: 2 days old, 26 left.
    seed(
        &mut w,
        "PA-2026-000001",
        "2026-03-30",
        &[("2026-03-30", Status::InReview)],
        None,
    );
    // Running, 25 days old, 3 left, not dispatched: at risk.
    seed(
        &mut w,
        "PA-2026-000002",
        "2026-03-07",
        &[("2026-03-09", Status::InReview)],
        None,
    );
    // Running, 25 days old but dispatched: not at risk.
    seed(
        &mut w,
        "PA-2026-000003",
        "2026-03-07",
        &dispatched("2026-03-10"),
        Some(3),
    );
    // 32 days since receipt, 10 of them paused and still paused: 22 days, 6 left, at risk.
    seed(
        &mut w,
        "PA-2026-000004",
        "2026-02-28",
        &[
            ("2026-03-02", Status::InReview),
            ("2026-03-22", Status::Incomplete),
        ],
        None,
    );
    // Received 2026-02-20, 40 days, breached (due 2026-03-20, 12 days late).
    seed(
        &mut w,
        "PA-2026-000005",
        "2026-02-20",
        &[("2026-02-23", Status::InReview)],
        None,
    );
    // Verified in 10 days, then verified in 20 days with a 5-day pause.
    let mut v1 = dispatched("2026-03-05");
    v1.push(("2026-03-12", Status::Verified));
    seed(&mut w, "PA-2026-000006", "2026-03-02", &v1, Some(6));
    let mut v2 = vec![
        ("2026-03-03", Status::InReview),
        ("2026-03-04", Status::Incomplete),
        ("2026-03-09", Status::InReview),
    ];
    v2.extend(dispatched("2026-03-16").into_iter().skip(1));
    v2.push(("2026-03-27", Status::Verified));
    seed(&mut w, "PA-2026-000007", "2026-03-02", &v2, Some(7));
    // Rejected: not running.
    seed(
        &mut w,
        "PA-2026-000008",
        "2026-02-02",
        &[
            ("2026-02-03", Status::InReview),
            ("2026-02-04", Status::Rejected),
        ],
        None,
    );

    let b = reports::backlog(&mut w.db, &actor(Role::Manager), d(as_of), t(as_of)).unwrap();
    let by_status = serde_json::to_value(&b.by_status).unwrap();
    assert_eq!(
        by_status.as_object().unwrap().len(),
        11,
        "every status, zeros included"
    );
    assert_eq!(by_status["in_review"], 3);
    assert_eq!(by_status["incomplete"], 1);
    assert_eq!(by_status["dispatched"], 1);
    assert_eq!(by_status["verified"], 2);
    assert_eq!(by_status["rejected"], 1);
    assert_eq!(by_status["closed"], 0);
    assert_eq!(b.total, 8);
    let ages: Vec<i64> = b.ageing.iter().map(|a| a.count).collect();
    assert_eq!(ages, [1, 0, 0, 3, 1], "2 days; 25, 25, 22 days; 40 days");
    let refs = |l: &[parcours_app::parcours_db::reports::Watched]| -> Vec<(String, i64)> {
        l.iter()
            .map(|w| (w.reference.clone(), w.days_left))
            .collect()
    };
    assert_eq!(
        refs(&b.at_risk),
        [
            ("PA-2026-000002".to_string(), 3),
            ("PA-2026-000004".to_string(), 6)
        ]
    );
    assert_eq!(refs(&b.breached), [("PA-2026-000005".to_string(), -12)]);
    assert_eq!(b.breached[0].due, d("2026-03-20"));
    assert_eq!(
        b.at_risk[1].due,
        d("2026-04-07"),
        "due moves with the running pause"
    );
    assert_eq!(
        b.median_turnaround_days,
        Some(15.0),
        "10 days, and 25 - 5 paused"
    );
    assert_eq!(b.weekly.len(), 12);
    let last = b.weekly.last().unwrap();
    assert_eq!(
        (last.week.as_str(), last.start),
        ("2026-W14", d("2026-03-30"))
    );
    assert_eq!(last.intake, 1);
    let w13 = &b.weekly[10];
    assert_eq!(
        (w13.week.as_str(), w13.completed),
        ("2026-W13", 1),
        "verified on 27 March"
    );
    let intake: i64 = b.weekly.iter().map(|w| w.intake).sum();
    assert_eq!(intake, 8, "every case was received in the last 12 weeks");
}

/// The SQL figures agree with the domain's rules, case by case, on a
/// synthetic database.
#[test]
fn sql_clock_agrees_with_the_domain() {
    let mut w = world();
    let today = d("2026-04-15");
    reports::seed_synthetic(&mut w.db, 3_000, today, 7).unwrap();
    let settings = Settings::from_pairs(&[]);
    for as_of in [today, d("2026-04-30")] {
        let watched =
            w.db.read(|c| db::reports::watch(c, &RUNNING, as_of, PROMISE_DAYS, i64::MAX))
                .unwrap();
        let by_ref: std::collections::HashMap<&str, i64> = watched
            .iter()
            .map(|x| (x.reference.as_str(), x.days_left))
            .collect();
        let all =
            w.db.read(|c| db::cases::list(c, None, usize::MAX >> 1, 0))
                .unwrap();
        let mut running = 0;
        for case in &all {
            let history = w.db.read(|c| db::transitions::list(c, case.id)).unwrap();
            let a = turnaround::assess(case.received, &history, as_of, &settings);
            if RUNNING.contains(&case.status) {
                running += 1;
                assert_eq!(
                    by_ref.get(case.reference.as_str()),
                    Some(&a.days_left),
                    "days left of {} on {as_of}",
                    case.reference
                );
            }
            let clock =
                w.db.read(|c| db::reports::clock(c, case.id))
                    .unwrap()
                    .unwrap_or_default();
            assert_eq!(clock.verified_on, a.verified_on, "{}", case.reference);
            if let Some(v) = a.verified_on {
                assert_eq!(
                    clock.turnaround_days,
                    Some(a.elapsed_days),
                    "{}",
                    case.reference
                );
                assert_eq!(a.state == PromiseState::Met, v <= a.due);
            }
        }
        assert_eq!(running, watched.len());
        let (kept, counted) =
            w.db.read(|c| {
                let grouped: Vec<(i64, i64)> = c
                    .prepare(
                        "SELECT turnaround_days, COUNT(*) FROM case_clock
                         WHERE turnaround_days IS NOT NULL GROUP BY 1 ORDER BY 1",
                    )?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                Ok::<_, DbError>((
                    (
                        db::reports::status_counts(c)?,
                        db::reports::turnaround_histogram(c, None)?,
                    ),
                    (db::cases::count_by_status(c)?, grouped),
                ))
            })
            .unwrap();
        assert_eq!(kept, counted, "the running totals agree with a full count");
        assert!(running > 100, "the seed has a real backlog: {running}");
    }
}

#[test]
fn verified_cases_close_after_the_promise_and_the_purge_keeps_figures() {
    let mut w = world();
    let mut v = dispatched("2026-01-05");
    v.push(("2026-01-08", Status::Verified));
    let verified = seed(&mut w, "PA-2026-000001", "2026-01-02", &v, Some(1));
    let running = seed(
        &mut w,
        "PA-2026-000002",
        "2026-01-02",
        &[("2026-01-02", Status::InReview)],
        None,
    );
    // A page image shared by both cases, and one only the verified case has.
    let dir = w.db.scans_dir();
    let shared = db::scans::store(&dir, b"shared page", "png").unwrap();
    let own = db::scans::store(&dir, b"own page", "png").unwrap();
    w.db.write(|tx| {
        for (case, idx, sha) in [
            (verified, 1, &shared),
            (verified, 2, &own),
            (running, 1, &shared),
        ] {
            db::pages::insert(
                tx,
                case,
                &db::pages::PageRow {
                    idx,
                    kind: parcours_app::domain::PageKind::IdProof,
                    rotation: 0,
                    sha256: sha.clone(),
                    ext: "png".into(),
                    source_file: "scan.pdf".into(),
                    source_page: 1,
                    width: 10,
                    height: 10,
                },
            )?;
        }
        Ok::<_, DbError>(())
    })
    .unwrap();
    counter_check(&mut w.db, verified);

    let admin = actor(Role::Admin);
    // Due 2026-01-30: not closed on the due day, closed the day after.
    assert!(retention::close_due(&mut w.db, &admin, t("2026-01-30"))
        .unwrap()
        .is_empty());
    let closed = retention::close_due(&mut w.db, &admin, t("2026-01-31")).unwrap();
    assert_eq!(closed, ["PA-2026-000001"]);
    assert_eq!(status_of(&w, verified), Status::Closed);

    // 180 days after 2026-01-31 is 2026-07-30: purged from the day after.
    let r = retention::purge(&mut w.db, &admin, t("2026-07-30")).unwrap();
    assert_eq!(r.purged, 0, "not yet: {r:?}");
    let r = retention::purge(&mut w.db, &admin, t("2026-07-31")).unwrap();
    assert_eq!(
        (r.purged, r.files_removed, r.retention_days),
        (1, 1, 180),
        "{r:?}"
    );
    assert!(
        !db::scans::exists(&dir, &own, "png"),
        "its own scan is gone"
    );
    assert!(
        db::scans::exists(&dir, &shared, "png"),
        "a scan another case uses stays"
    );
    let row = w.db.read(|c| db::cases::require(c, verified)).unwrap();
    assert!(row.nir.is_none() && row.last_name.is_none() && row.id_document.is_none());
    assert!(row.purged_at.is_some());
    let checks = w.db.read(|c| db::counter::for_case(c, verified)).unwrap();
    assert_eq!(
        checks[0].document_number, "",
        "the document number is personal data"
    );
    let clock =
        w.db.read(|c| db::reports::clock(c, verified))
            .unwrap()
            .unwrap();
    assert_eq!(clock.turnaround_days, Some(6), "figures survive the purge");

    let again = retention::purge(&mut w.db, &admin, t("2026-07-31")).unwrap();
    assert_eq!(
        (again.purged, again.files_removed, again.closed.len()),
        (0, 0, 0),
        "safe to run twice"
    );
    let b = reports::backlog(
        &mut w.db,
        &actor(Role::Manager),
        d("2026-07-31"),
        t("2026-07-31"),
    )
    .unwrap();
    assert_eq!(b.total, 2, "purged cases still count");
    assert_eq!(b.median_turnaround_days, Some(6.0));
    assert!(w.db.read(db::audit::verify).unwrap().ok);
}

fn counter_check(db: &mut Db, case_id: i64) {
    db.write(|tx| {
        db::counter::insert(
            tx,
            &db::counter::NewCheck {
                case_id,
                s10: None,
                document_number: "X4RTBPFW4",
                number_matches: true,
                outcome: "verified",
                reason: "",
                by: "guichet",
                at: t("2026-01-08"),
            },
        )
        .map(drop)
    })
    .unwrap();
}

#[test]
fn export_is_a_french_spreadsheet_without_personal_data() {
    let mut w = world();
    let mut v = dispatched("2026-03-05");
    v.push(("2026-03-12", Status::Verified));
    seed(&mut w, "PA-2026-000001", "2026-03-02", &v, Some(1));
    seed(
        &mut w,
        "PA-2026-000002",
        "2026-03-07",
        &[("2026-03-09", Status::InReview)],
        None,
    );
    let mut out = Vec::new();
    let n = reports::export_cases(
        &mut w.db,
        &actor(Role::Manager),
        d("2026-04-01"),
        &mut out,
        t("2026-04-01"),
    )
    .unwrap();
    assert_eq!(n, 2);
    assert!(out.starts_with(b"\xEF\xBB\xBF"), "a BOM, for spreadsheets");
    let text = String::from_utf8(out[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Référence;Statut;Reçu le;Échéance;"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        format!(
            "PA-2026-000001;Identité vérifiée;02/03/2026;30/03/2026;;tenu;0;12/03/2026;10;;{}",
            s10(1)
        )
    );
    assert_eq!(
        lines[2],
        "PA-2026-000002;En instruction;07/03/2026;04/04/2026;3;à risque;0;;;;"
    );
    assert!(
        !text.contains(NIR) && !text.contains("DUPONT") && !text.contains("1984"),
        "no personal data"
    );
}
