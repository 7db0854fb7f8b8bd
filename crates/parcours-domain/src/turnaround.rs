//! The 4-week promise and the internal milestones (SPEC §7).
//!
//! The promise: a case is **met** when it reaches `verified` (the carrier or
//! the counter agent checked the applicant's ID, i.e. the registered letter
//! was handed over) on or before its due date. The due date is the receipt
//! date + 28 calendar days + every calendar day spent `incomplete` (the
//! clock pauses while the service waits for the applicant's new mail; a
//! pause still running on the day asked for counts up to that day, so the
//! due date moves with it).
//!
//! Internal milestones count in business days ([`crate::calendar`]):
//! capture (the case leaves `received`) and decision (the first approval,
//! rejection or *demande de complément*) after receipt, dispatch (the case
//! reaches `dispatched`) after the last approval; their lengths come from
//! [`Settings`]. A milestone is late when it was reached after its due date,
//! or is still not reached after it.
//!
//! States of the promise, on a day `as_of`:
//! - [`PromiseState::Met`]: verified on or before the due date;
//! - [`PromiseState::Breached`]: verified after the due date, or still not
//!   verified the day after the due date;
//! - [`PromiseState::AtRisk`]: running, [`AT_RISK_DAYS`] days or less left
//!   (the due day itself included) and the letter is not with La Poste
//!   (`dispatched`, `awaiting_pickup`); a `returned` letter is no longer with
//!   La Poste, so such a case can be at risk;
//! - [`PromiseState::OnTime`]: running otherwise;
//! - [`PromiseState::Ended`]: the case left the path without a verification
//!   (rejected, or closed after a return): the promise no longer applies.
//!
//! Pure functions: the day is passed in, transitions dated after it are
//! ignored, so that the state can be replayed on any past day.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::calendar::add_business_days;
use crate::lifecycle::{Status, Transition};
use crate::settings::Settings;

/// Calendar days from receipt to `verified` announced to applicants.
pub const PROMISE_DAYS: i64 = 28;

/// A running case with this many days left or fewer, not yet with La Poste,
/// is at risk.
pub const AT_RISK_DAYS: i64 = 7;

/// Statuses of a case on its way to `verified` (the promise still runs).
pub const RUNNING: [Status; 8] = [
    Status::Received,
    Status::InReview,
    Status::Incomplete,
    Status::Approved,
    Status::LetterPrinted,
    Status::Dispatched,
    Status::AwaitingPickup,
    Status::Returned,
];

/// Statuses where the letter is with La Poste (a running case in one of
/// them is never "at risk": only the carrier can act).
pub const WITH_LA_POSTE: [Status; 2] = [Status::Dispatched, Status::AwaitingPickup];

/// Where a case stands against the promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseState {
    /// Running, more than [`AT_RISK_DAYS`] left or the letter is with La Poste.
    OnTime,
    /// Running, [`AT_RISK_DAYS`] days or fewer left and the letter not with La Poste.
    AtRisk,
    /// Not verified by the due date.
    Breached,
    /// Verified on or before the due date.
    Met,
    /// Rejected, or closed without a verification: the promise no longer applies.
    Ended,
}

impl PromiseState {
    /// French label for users.
    pub fn label_fr(self) -> &'static str {
        match self {
            PromiseState::OnTime => "dans les délais",
            PromiseState::AtRisk => "à risque",
            PromiseState::Breached => "hors délai",
            PromiseState::Met => "tenu",
            PromiseState::Ended => "sans objet",
        }
    }
}

/// An internal milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// The case is captured (leaves `received`), business days after receipt.
    Capture,
    /// A clerk decides (approves, rejects or asks for more), business days after receipt.
    Decision,
    /// The letter is handed to La Poste, business days after approval.
    Dispatch,
}

impl MilestoneKind {
    /// French label for users.
    pub fn label_fr(self) -> &'static str {
        match self {
            MilestoneKind::Capture => "saisie",
            MilestoneKind::Decision => "décision",
            MilestoneKind::Dispatch => "expédition",
        }
    }
}

/// One milestone of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Milestone {
    /// Which.
    pub kind: MilestoneKind,
    /// Last day to reach it.
    pub due: NaiveDate,
    /// Day it was reached, if it was (on or before `as_of`).
    pub reached: Option<NaiveDate>,
    /// Reached after `due`, or not reached and `as_of` is after `due`.
    pub late: bool,
}

/// A case measured against the promise on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Turnaround {
    /// Status on that day.
    pub status: Status,
    /// Receipt + 28 days + days paused.
    pub due: NaiveDate,
    /// Calendar days spent `incomplete` up to that day.
    pub paused_days: i64,
    /// Days from the reference day to `due`: negative when past. The
    /// reference day is the verification day for a verified case, the day
    /// the case ended for an ended one, `as_of` otherwise.
    pub days_left: i64,
    /// Clock days from receipt to the reference day (pauses excluded).
    pub elapsed_days: i64,
    /// Day the case reached `verified`, if it did.
    pub verified_on: Option<NaiveDate>,
    /// Where it stands.
    pub state: PromiseState,
    /// Capture, decision and (once approved) dispatch.
    pub milestones: Vec<Milestone>,
}

impl Turnaround {
    /// The milestones that are late.
    pub fn late_milestones(&self) -> impl Iterator<Item = &Milestone> {
        self.milestones.iter().filter(|m| m.late)
    }
}

fn plus(date: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
    .expect("date within chrono's range")
}

/// The transitions that happened on or before `as_of`.
fn up_to(transitions: &[Transition], as_of: NaiveDate) -> impl Iterator<Item = &Transition> {
    transitions.iter().filter(move |t| t.at.date() <= as_of)
}

/// Calendar days spent in a paused status (`incomplete`) up to `as_of`; a
/// pause still running counts up to `as_of`.
pub fn paused_days(transitions: &[Transition], as_of: NaiveDate) -> i64 {
    let mut total = 0;
    let mut since: Option<NaiveDate> = None;
    for t in up_to(transitions, as_of) {
        if let Some(start) = since.filter(|_| t.from.clock_paused()) {
            total += (t.at.date() - start).num_days().max(0);
            since = None;
        }
        if t.to.clock_paused() {
            since = Some(t.at.date());
        }
    }
    if let Some(start) = since {
        total += (as_of - start).num_days().max(0);
    }
    total
}

/// Receipt + [`PROMISE_DAYS`] + the days paused up to `as_of`.
pub fn due_date(received: NaiveDate, transitions: &[Transition], as_of: NaiveDate) -> NaiveDate {
    plus(received, PROMISE_DAYS + paused_days(transitions, as_of))
}

fn first_day(
    transitions: &[Transition],
    as_of: NaiveDate,
    pred: impl Fn(&Transition) -> bool,
) -> Option<NaiveDate> {
    up_to(transitions, as_of)
        .find(|t| pred(t))
        .map(|t| t.at.date())
}

fn milestone(
    kind: MilestoneKind,
    due: NaiveDate,
    reached: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Milestone {
    let late = reached.map_or(as_of > due, |r| r > due);
    Milestone {
        kind,
        due,
        reached,
        late,
    }
}

/// Where a case stands on `as_of`, from its status, due date and day of
/// verification (see the module documentation for the rules).
pub fn state_on(
    status: Status,
    due: NaiveDate,
    verified_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> PromiseState {
    let days_left = (due - as_of).num_days();
    match verified_on {
        Some(v) if v <= due => PromiseState::Met,
        Some(_) => PromiseState::Breached,
        None if matches!(status, Status::Rejected | Status::Closed) => PromiseState::Ended,
        None if days_left < 0 => PromiseState::Breached,
        None if days_left <= AT_RISK_DAYS && !WITH_LA_POSTE.contains(&status) => {
            PromiseState::AtRisk
        }
        None => PromiseState::OnTime,
    }
}

/// Measures a case against the promise on `as_of`: due date, days left,
/// state and milestones (see the module documentation for the rules).
pub fn assess(
    received: NaiveDate,
    transitions: &[Transition],
    as_of: NaiveDate,
    settings: &Settings,
) -> Turnaround {
    let status = up_to(transitions, as_of)
        .last()
        .map_or(Status::Received, |t| t.to);
    let paused = paused_days(transitions, as_of);
    let due = plus(received, PROMISE_DAYS + paused);
    let verified_on = first_day(transitions, as_of, |t| t.to == Status::Verified);
    let ended_on = if verified_on.is_none() && matches!(status, Status::Rejected | Status::Closed) {
        up_to(transitions, as_of).last().map(|t| t.at.date())
    } else {
        None
    };
    let reference = verified_on.or(ended_on).unwrap_or(as_of);
    let days_left = (due - reference).num_days();
    let state = state_on(status, due, verified_on, as_of);

    let mut milestones = vec![
        milestone(
            MilestoneKind::Capture,
            add_business_days(received, settings.capture_days),
            first_day(transitions, as_of, |t| t.from == Status::Received),
            as_of,
        ),
        milestone(
            MilestoneKind::Decision,
            add_business_days(received, settings.decision_days),
            first_day(transitions, as_of, |t| {
                matches!(
                    t.to,
                    Status::Approved | Status::Rejected | Status::Incomplete
                )
            }),
            as_of,
        ),
    ];
    // The last approval starts the dispatch milestone (a returned letter
    // that goes back to review is approved again).
    let approvals: Vec<&Transition> = up_to(transitions, as_of)
        .filter(|t| t.to == Status::Approved)
        .collect();
    if let Some(approval) = approvals.last() {
        let approved_at = approval.at;
        let dispatched = up_to(transitions, as_of)
            .find(|t| t.to == Status::Dispatched && t.at >= approved_at)
            .map(|t| t.at.date());
        milestones.push(milestone(
            MilestoneKind::Dispatch,
            add_business_days(approved_at.date(), settings.dispatch_days),
            dispatched,
            as_of,
        ));
    }

    Turnaround {
        status,
        due,
        paused_days: paused,
        days_left,
        elapsed_days: PROMISE_DAYS - days_left,
        verified_on,
        state,
        milestones,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use Status::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Transitions from a compact script: each step is `("YYYY-MM-DD", to)`,
    /// starting from `received`, at 10:00.
    fn script(steps: &[(&str, Status)]) -> Vec<Transition> {
        let mut from = Received;
        steps
            .iter()
            .map(|(day, to)| {
                let t = crate::lifecycle::transition(
                    from,
                    *to,
                    "alice",
                    d(day).and_hms_opt(10, 0, 0).unwrap(),
                    "",
                )
                .expect("test scripts follow the lifecycle");
                from = *to;
                t
            })
            .collect()
    }

    fn settings() -> Settings {
        Settings::from_pairs(&[])
    }

    /// Cases received on 2026-03-30 (Monday; Easter Monday is 2026-04-06).
    #[rstest]
    #[case::nothing_yet("2026-03-30", &[], "2026-04-01", "2026-04-27", 0, 26, PromiseState::OnTime)]
    #[case::due_day_is_at_risk("2026-03-30", &[("2026-03-30", InReview)], "2026-04-27", "2026-04-27", 0, 0, PromiseState::AtRisk)]
    #[case::day_after_due_is_breached("2026-03-30", &[("2026-03-30", InReview)], "2026-04-28", "2026-04-27", 0, -1, PromiseState::Breached)]
    #[case::seven_days_left("2026-03-30", &[("2026-03-30", InReview)], "2026-04-20", "2026-04-27", 0, 7, PromiseState::AtRisk)]
    #[case::eight_days_left("2026-03-30", &[("2026-03-30", InReview)], "2026-04-19", "2026-04-27", 0, 8, PromiseState::OnTime)]
    #[case::with_la_poste_not_at_risk("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched)], "2026-04-24", "2026-04-27", 0, 3, PromiseState::OnTime)]
    #[case::awaiting_pickup_not_at_risk("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-10", AwaitingPickup)], "2026-04-25", "2026-04-27", 0, 2, PromiseState::OnTime)]
    #[case::returned_is_at_risk("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-15", Returned)], "2026-04-22", "2026-04-27", 0, 5, PromiseState::AtRisk)]
    #[case::met_on_due_day("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-27", Verified)], "2026-05-20", "2026-04-27", 0, 0, PromiseState::Met)]
    #[case::verified_late("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-28", Verified)], "2026-05-20", "2026-04-27", 0, -1, PromiseState::Breached)]
    #[case::pause_of_ten_days("2026-03-30", &[("2026-03-30", InReview), ("2026-04-01", Incomplete), ("2026-04-11", InReview)], "2026-04-20", "2026-05-07", 10, 17, PromiseState::OnTime)]
    #[case::pause_still_running_moves_due("2026-03-30", &[("2026-03-30", InReview), ("2026-04-01", Incomplete)], "2026-04-21", "2026-05-17", 20, 26, PromiseState::OnTime)]
    #[case::two_pauses("2026-03-30", &[("2026-03-30", InReview), ("2026-04-01", Incomplete), ("2026-04-04", InReview), ("2026-04-08", Incomplete), ("2026-04-13", InReview)], "2026-04-13", "2026-05-05", 8, 22, PromiseState::OnTime)]
    #[case::paused_near_due_stays_at_risk("2026-03-30", &[("2026-03-30", InReview), ("2026-04-22", Incomplete)], "2026-06-01", "2026-06-06", 40, 5, PromiseState::AtRisk)]
    #[case::rejected_ends("2026-03-30", &[("2026-03-30", InReview), ("2026-05-04", Rejected)], "2026-06-01", "2026-04-27", 0, -7, PromiseState::Ended)]
    #[case::returned_then_closed_ends("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-15", Returned), ("2026-04-16", Closed)], "2026-06-01", "2026-04-27", 0, 11, PromiseState::Ended)]
    #[case::verified_then_closed_stays_met("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-09", Verified), ("2026-04-28", Closed)], "2026-06-01", "2026-04-27", 0, 18, PromiseState::Met)]
    #[case::later_transitions_ignored("2026-03-30", &[("2026-03-30", InReview), ("2026-04-02", Approved), ("2026-04-03", LetterPrinted), ("2026-04-07", Dispatched), ("2026-04-09", Verified)], "2026-04-08", "2026-04-27", 0, 19, PromiseState::OnTime)]
    #[case::across_new_year("2025-12-20", &[("2025-12-22", InReview)], "2026-01-10", "2026-01-17", 0, 7, PromiseState::AtRisk)]
    fn promise(
        #[case] received: &str,
        #[case] steps: &[(&str, Status)],
        #[case] as_of: &str,
        #[case] due: &str,
        #[case] paused: i64,
        #[case] days_left: i64,
        #[case] state: PromiseState,
    ) {
        let t = assess(d(received), &script(steps), d(as_of), &settings());
        assert_eq!(
            (t.due, t.paused_days, t.days_left, t.state),
            (d(due), paused, days_left, state),
            "due date, pause, days left and state on {as_of}"
        );
        assert_eq!(
            t.elapsed_days,
            PROMISE_DAYS - t.days_left,
            "age and days left add up to 28"
        );
    }

    /// Milestone due dates: capture 2, decision 5 business days after
    /// receipt, dispatch 1 after approval, across weekends and holidays.
    #[rstest]
    // Thursday before Easter 2026: Good Friday is worked, Easter Monday is not.
    #[case::easter("2026-04-02", "2026-04-07", "2026-04-10", "2026-04-03", "2026-04-07")]
    // Tuesday before Ascension (Thursday 14 May 2026).
    #[case::ascension("2026-05-12", "2026-05-15", "2026-05-20", "2026-05-13", "2026-05-15")]
    // Friday before 14 July 2026 (a Tuesday).
    #[case::bastille_day("2026-07-10", "2026-07-15", "2026-07-20", "2026-07-13", "2026-07-15")]
    // Saturday receipt: counting starts on Monday.
    #[case::saturday("2026-03-07", "2026-03-10", "2026-03-13", "2026-03-09", "2026-03-10")]
    // Christmas and New Year 2025.
    #[case::christmas("2025-12-23", "2025-12-26", "2025-12-31", "2025-12-24", "2025-12-26")]
    // Whit Monday 2026 (25 May) after a Friday.
    #[case::whit_monday("2026-05-22", "2026-05-27", "2026-06-01", "2026-05-22", "2026-05-26")]
    fn milestone_due_dates(
        #[case] received: &str,
        #[case] capture: &str,
        #[case] decision: &str,
        #[case] approved: &str,
        #[case] dispatch: &str,
    ) {
        let steps = [(received, InReview), (approved, Approved)];
        let t = assess(d(received), &script(&steps), d(approved), &settings());
        let dues: Vec<(MilestoneKind, NaiveDate)> =
            t.milestones.iter().map(|m| (m.kind, m.due)).collect();
        assert_eq!(
            dues,
            [
                (MilestoneKind::Capture, d(capture)),
                (MilestoneKind::Decision, d(decision)),
                (MilestoneKind::Dispatch, d(dispatch)),
            ],
            "business days skip weekends and public holidays"
        );
    }

    #[rstest]
    #[case::all_on_time(&[("2026-04-02", InReview), ("2026-04-08", Approved), ("2026-04-09", LetterPrinted), ("2026-04-09", Dispatched)], "2026-04-20", &[])]
    #[case::capture_late(&[("2026-04-08", InReview), ("2026-04-08", Approved), ("2026-04-09", LetterPrinted), ("2026-04-09", Dispatched)], "2026-04-20", &[MilestoneKind::Capture])]
    #[case::decision_late_not_reached(&[("2026-04-03", InReview)], "2026-04-13", &[MilestoneKind::Decision])]
    #[case::decision_due_day_not_late(&[("2026-04-03", InReview)], "2026-04-10", &[])]
    #[case::complement_is_a_decision(&[("2026-04-03", InReview), ("2026-04-10", Incomplete)], "2026-05-20", &[])]
    #[case::dispatch_late(&[("2026-04-02", InReview), ("2026-04-03", Approved), ("2026-04-03", LetterPrinted), ("2026-04-08", Dispatched)], "2026-04-20", &[MilestoneKind::Dispatch])]
    #[case::dispatch_not_reached(&[("2026-04-02", InReview), ("2026-04-03", Approved)], "2026-04-08", &[MilestoneKind::Dispatch])]
    fn late_milestones(
        #[case] steps: &[(&str, Status)],
        #[case] as_of: &str,
        #[case] late: &[MilestoneKind],
    ) {
        let t = assess(d("2026-04-02"), &script(steps), d(as_of), &settings());
        let got: Vec<MilestoneKind> = t.late_milestones().map(|m| m.kind).collect();
        assert_eq!(got, late, "late milestones on {as_of}: {:?}", t.milestones);
    }

    #[test]
    fn milestone_lengths_come_from_the_settings() {
        let s = Settings::from_pairs(&[
            ("turnaround.capture_days".into(), "0".into()),
            ("turnaround.decision_days".into(), "10".into()),
        ]);
        let t = assess(d("2026-04-30"), &[], d("2026-04-30"), &s);
        assert_eq!(
            t.milestones[0].due,
            d("2026-04-30"),
            "0 business days is the same day"
        );
        // 1, 8 and 14 May 2026 are holidays: 10 business days end on 19 May.
        assert_eq!(t.milestones[1].due, d("2026-05-19"));
        assert_eq!(
            t.milestones.len(),
            2,
            "no dispatch milestone before approval"
        );
    }

    #[test]
    fn a_pause_that_starts_and_ends_the_same_day_costs_nothing() {
        let steps = [
            ("2026-03-02", InReview),
            ("2026-03-03", Incomplete),
            ("2026-03-03", InReview),
        ];
        assert_eq!(paused_days(&script(&steps), d("2026-03-20")), 0);
        assert_eq!(
            due_date(d("2026-03-02"), &script(&steps), d("2026-03-20")),
            d("2026-03-30")
        );
    }
}
