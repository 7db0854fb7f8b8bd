//! Correcting fields and deciding on cases.

use parcours_app::domain::lifecycle::Status;
use parcours_app::domain::roles::Role;
use parcours_app::review::{self, Decision};
use parcours_app::Refusal;

use super::{actor, at, intake, refusal, world};

fn codes(v: &parcours_app::cases::CaseView) -> Vec<&'static str> {
    v.checks.iter().map(|c| c.code.as_str()).collect()
}

#[test]
fn a_correction_reruns_the_checks() {
    let mut w = world();
    let form = parcours_app::domain::form::FormTemplate::default_v1();
    let v = intake(&mut w, Role::Clerk, "184027645108980").unwrap();
    assert!(codes(&v).contains(&"FIELD_MISSING"));
    let fixed = review::correct_field(
        &mut w.db,
        &actor(Role::Clerk),
        &form,
        &v.reference,
        "birth_date",
        "24/03/1984",
        at(),
    )
    .unwrap();
    assert_eq!(
        fixed.fields["birth_date"].as_ref().unwrap().value,
        parcours_app::domain::form::FieldValue::Text("1984-03-24".into()),
        "a typed value is normalised like a read one"
    );
    assert!(
        codes(&fixed).contains(&"NIR_BIRTH_MISMATCH"),
        "the NIR says February: {:?}",
        codes(&fixed)
    );
    let e = review::correct_field(
        &mut w.db,
        &actor(Role::CounterAgent),
        &form,
        &v.reference,
        "nir",
        "1",
        at(),
    )
    .unwrap_err();
    assert!(matches!(refusal(e), Refusal::Forbidden { .. }));
}

#[test]
fn approving_over_a_blocking_check_needs_a_reason() {
    let mut w = world();
    let v = intake(&mut w, Role::Clerk, "184027645108980").unwrap();
    let e = review::decide(
        &mut w.db,
        &actor(Role::Clerk),
        &v.reference,
        Decision::Approve,
        None,
        at(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
    assert!(
        msg.contains("SIGNATURE_MISSING"),
        "the clerk is told what blocks: {msg}"
    );
    let ok = review::decide(
        &mut w.db,
        &actor(Role::Clerk),
        &v.reference,
        Decision::Approve,
        Some("pièces vues au guichet"),
        at(),
    )
    .unwrap();
    assert_eq!(ok.status, Status::Approved);
    // Once approved, no second decision.
    let e = review::decide(
        &mut w.db,
        &actor(Role::Clerk),
        &v.reference,
        Decision::Reject,
        Some("x"),
        at(),
    )
    .unwrap_err();
    assert!(
        matches!(refusal(e), Refusal::Invalid(_)),
        "approved → rejected is not a transition"
    );
}

#[test]
fn rejecting_needs_a_reason_and_managers_cannot_decide() {
    let mut w = world();
    let v = intake(&mut w, Role::Clerk, "184027645108980").unwrap();
    let e = review::decide(
        &mut w.db,
        &actor(Role::Clerk),
        &v.reference,
        Decision::Reject,
        Some("  "),
        at(),
    )
    .unwrap_err();
    assert!(matches!(refusal(e), Refusal::Invalid(_)));
    let e = review::decide(
        &mut w.db,
        &actor(Role::Manager),
        &v.reference,
        Decision::Incomplete,
        None,
        at(),
    )
    .unwrap_err();
    assert!(matches!(refusal(e), Refusal::Forbidden { .. }));
    let v = review::decide(
        &mut w.db,
        &actor(Role::Clerk),
        &v.reference,
        Decision::Incomplete,
        None,
        at(),
    )
    .unwrap();
    assert_eq!(
        v.status,
        Status::Incomplete,
        "blocking checks are reason enough to ask for a complement"
    );
}
