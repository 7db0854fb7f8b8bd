//! The case lifecycle of SPEC §5 as a state machine.
//!
//! Only the transitions listed in [`allowed`] exist; each one is recorded with
//! who made it, when and why ([`Transition`]). The clock is passed in.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Status of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The envelope has been registered but not yet read.
    Received,
    /// Read; waiting for a clerk's decision.
    InReview,
    /// Something blocks the case; a *demande de complément* was sent. The clock pauses.
    Incomplete,
    /// Approved; the registered letter is to be printed.
    Approved,
    /// Refused; a rejection letter is sent.
    Rejected,
    /// The registered letter has been printed.
    LetterPrinted,
    /// The letter was handed to La Poste.
    Dispatched,
    /// La Poste left a notice; the letter waits at the counter.
    AwaitingPickup,
    /// The letter came back (NPAI or not collected).
    Returned,
    /// The carrier or counter agent checked the applicant's ID.
    Verified,
    /// Finished; only the retention purge touches it afterwards.
    Closed,
}

/// Every status, in lifecycle order.
pub const ALL_STATUSES: [Status; 11] = [
    Status::Received,
    Status::InReview,
    Status::Incomplete,
    Status::Approved,
    Status::Rejected,
    Status::LetterPrinted,
    Status::Dispatched,
    Status::AwaitingPickup,
    Status::Returned,
    Status::Verified,
    Status::Closed,
];

impl Status {
    /// The stable snake_case name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::InReview => "in_review",
            Status::Incomplete => "incomplete",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::LetterPrinted => "letter_printed",
            Status::Dispatched => "dispatched",
            Status::AwaitingPickup => "awaiting_pickup",
            Status::Returned => "returned",
            Status::Verified => "verified",
            Status::Closed => "closed",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Status> {
        ALL_STATUSES.into_iter().find(|st| st.as_str() == s)
    }

    /// The French label shown to users.
    pub fn label_fr(self) -> &'static str {
        match self {
            Status::Received => "Reçu",
            Status::InReview => "En instruction",
            Status::Incomplete => "Incomplet",
            Status::Approved => "Approuvé",
            Status::Rejected => "Rejeté",
            Status::LetterPrinted => "Lettre imprimée",
            Status::Dispatched => "Expédié",
            Status::AwaitingPickup => "En instance au guichet",
            Status::Returned => "Retourné",
            Status::Verified => "Identité vérifiée",
            Status::Closed => "Clos",
        }
    }

    /// A case is open until it is closed (rejected cases are still open until closed).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed)
    }

    /// The turnaround clock is paused while the case waits for the applicant.
    pub fn clock_paused(self) -> bool {
        matches!(self, Status::Incomplete)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The transitions of SPEC §5, as `(from, to)` pairs.
pub const TRANSITIONS: [(Status, Status); 16] = [
    (Status::Received, Status::InReview),
    (Status::InReview, Status::Approved),
    (Status::InReview, Status::Incomplete),
    (Status::InReview, Status::Rejected),
    (Status::Incomplete, Status::InReview),
    (Status::Approved, Status::LetterPrinted),
    (Status::LetterPrinted, Status::Dispatched),
    (Status::Dispatched, Status::AwaitingPickup),
    (Status::Dispatched, Status::Verified),
    (Status::AwaitingPickup, Status::Verified),
    (Status::Dispatched, Status::Returned),
    (Status::AwaitingPickup, Status::Returned),
    (Status::Returned, Status::InReview),
    (Status::Returned, Status::Closed),
    (Status::Rejected, Status::Closed),
    (Status::Verified, Status::Closed),
];

/// Whether `from → to` is a transition of the lifecycle.
pub fn allowed(from: Status, to: Status) -> bool {
    TRANSITIONS.contains(&(from, to))
}

/// One recorded change of status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
    /// Login of the user (or `system`) who made the change.
    pub actor: String,
    /// When it happened (local time of the service).
    pub at: NaiveDateTime,
    /// Why (free text; may be empty for routine steps).
    pub reason: String,
}

/// A refused transition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("passage de « {} » à « {} » impossible", from.label_fr(), to.label_fr())]
pub struct IllegalTransition {
    /// Status the case is in.
    pub from: Status,
    /// Status that was asked for.
    pub to: Status,
}

/// Builds the record of `from → to`, or refuses an illegal transition.
pub fn transition(
    from: Status,
    to: Status,
    actor: &str,
    at: NaiveDateTime,
    reason: &str,
) -> Result<Transition, IllegalTransition> {
    if !allowed(from, to) {
        return Err(IllegalTransition { from, to });
    }
    Ok(Transition {
        from,
        to,
        actor: actor.to_string(),
        at,
        reason: reason.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    #[rstest]
    #[case::intake(Status::Received, Status::InReview)]
    #[case::approve(Status::InReview, Status::Approved)]
    #[case::complement(Status::InReview, Status::Incomplete)]
    #[case::new_mail(Status::Incomplete, Status::InReview)]
    #[case::reject(Status::InReview, Status::Rejected)]
    #[case::print(Status::Approved, Status::LetterPrinted)]
    #[case::dispatch(Status::LetterPrinted, Status::Dispatched)]
    #[case::notice(Status::Dispatched, Status::AwaitingPickup)]
    #[case::delivered(Status::Dispatched, Status::Verified)]
    #[case::collected(Status::AwaitingPickup, Status::Verified)]
    #[case::npai(Status::Dispatched, Status::Returned)]
    #[case::not_collected(Status::AwaitingPickup, Status::Returned)]
    #[case::new_address(Status::Returned, Status::InReview)]
    #[case::give_up(Status::Returned, Status::Closed)]
    #[case::close_rejected(Status::Rejected, Status::Closed)]
    #[case::close_verified(Status::Verified, Status::Closed)]
    fn legal(#[case] from: Status, #[case] to: Status) {
        let t = transition(from, to, "alice", at(), "").expect("SPEC §5 lists this transition");
        assert_eq!((t.from, t.to, t.actor.as_str()), (from, to, "alice"));
    }

    #[rstest]
    #[case::skip_review(Status::Received, Status::Approved)]
    #[case::print_unapproved(Status::InReview, Status::LetterPrinted)]
    #[case::approve_incomplete(Status::Incomplete, Status::Approved)]
    #[case::reopen_closed(Status::Closed, Status::InReview)]
    #[case::unreject(Status::Rejected, Status::Approved)]
    #[case::verify_undispatched(Status::LetterPrinted, Status::Verified)]
    #[case::same(Status::InReview, Status::InReview)]
    fn illegal(#[case] from: Status, #[case] to: Status) {
        let err = transition(from, to, "alice", at(), "").unwrap_err();
        assert!(
            err.to_string().contains("impossible"),
            "the refusal explains itself in French"
        );
    }

    #[test]
    fn every_status_round_trips_and_only_closed_is_final() {
        for st in ALL_STATUSES {
            assert_eq!(Status::parse(st.as_str()), Some(st));
            let has_exit = TRANSITIONS.iter().any(|(f, _)| *f == st);
            assert_eq!(has_exit, st != Status::Closed, "{st} exit");
        }
    }
}
