//! Ticket states and the moves between them (DESIGN §2 "States").

use serde::{Deserialize, Serialize};

use crate::types::string_enum;

string_enum! {
    /// Where a ticket is in its life.
    Status, "status" {
        New => "new",
        Open => "open",
        Pending => "pending",
        OnHold => "on_hold",
        Resolved => "resolved",
        Closed => "closed",
    }
}

string_enum! {
    /// Why a ticket was closed without being resolved.
    CloseReason, "close reason" {
        Duplicate => "duplicate",
        Spam => "spam",
        Merged => "merged",
        Other => "other",
    }
}

impl CloseReason {
    /// Tickets closed for these reasons are not real complaints and are left out of TTR
    /// statistics (reports count them separately).
    pub fn excluded_from_ttr(self) -> bool {
        matches!(
            self,
            CloseReason::Duplicate | CloseReason::Spam | CloseReason::Merged
        )
    }
}

impl Status {
    /// The states a ticket may move to from this one.
    pub fn allowed_moves(self) -> &'static [Status] {
        use Status::*;
        match self {
            New => &[Open, Pending, OnHold, Resolved, Closed],
            Open => &[Pending, OnHold, Resolved, Closed],
            Pending => &[Open, OnHold, Resolved, Closed],
            OnHold => &[Open, Pending, Resolved, Closed],
            Resolved => &[Open, Closed],
            Closed => &[],
        }
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.allowed_moves().contains(&to)
    }

    /// `true` while the customer is waiting on us: these states count towards requester wait
    /// time and run the SLA resolution clock.
    pub fn requester_waiting(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::OnHold)
    }

    /// `true` until the ticket is resolved or closed.
    pub fn is_active(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

/// A status change the domain refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a ticket cannot move from `{from}` to `{to}`")]
    NotAllowed { from: Status, to: Status },
    #[error(
        "closing a ticket that is not resolved needs a reason (duplicate, spam, merged or other)"
    )]
    ReasonRequired,
    #[error("a reason can only be given when closing a ticket")]
    ReasonNotApplicable,
}

/// Checks one move. `reason` is required when closing a ticket that is not resolved.
pub fn check_transition(
    from: Status,
    to: Status,
    reason: Option<CloseReason>,
) -> Result<(), TransitionError> {
    if !from.can_move_to(to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    match (to, reason) {
        (Status::Closed, None) if from != Status::Resolved => Err(TransitionError::ReasonRequired),
        (Status::Closed, _) => Ok(()),
        (_, Some(_)) => Err(TransitionError::ReasonNotApplicable),
        (_, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    /// The whole move table of DESIGN §2, spelled out so that a change to it is a visible
    /// change to this test.
    const EXPECTED: &[(Status, &[Status])] = &[
        (New, &[Open, Pending, OnHold, Resolved, Closed]),
        (Open, &[Pending, OnHold, Resolved, Closed]),
        (Pending, &[Open, OnHold, Resolved, Closed]),
        (OnHold, &[Open, Pending, Resolved, Closed]),
        (Resolved, &[Open, Closed]),
        (Closed, &[]),
    ];

    #[test]
    fn every_pair_of_states_is_allowed_exactly_as_designed() {
        for (from, allowed) in EXPECTED {
            for to in Status::ALL {
                let reason = (*to == Closed).then_some(CloseReason::Other);
                let got = check_transition(*from, *to, reason);
                if allowed.contains(to) {
                    assert_eq!(got, Ok(()), "{from} -> {to} should be allowed");
                } else {
                    assert_eq!(
                        got,
                        Err(TransitionError::NotAllowed {
                            from: *from,
                            to: *to
                        }),
                        "{from} -> {to} should be refused"
                    );
                }
            }
        }
    }

    #[test]
    fn refusal_names_both_states() {
        let err = check_transition(Closed, Open, None)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("a ticket cannot move from `closed` to `open`")
        );
    }

    #[test]
    fn closing_an_unresolved_ticket_needs_a_reason() {
        for from in [New, Open, Pending, OnHold] {
            assert_eq!(
                check_transition(from, Closed, None),
                Err(TransitionError::ReasonRequired)
            );
            assert_eq!(
                check_transition(from, Closed, Some(CloseReason::Spam)),
                Ok(())
            );
        }
        assert_eq!(check_transition(Resolved, Closed, None), Ok(()));
    }

    #[test]
    fn a_reason_on_a_move_other_than_closing_is_refused() {
        assert_eq!(
            check_transition(Open, Pending, Some(CloseReason::Duplicate)),
            Err(TransitionError::ReasonNotApplicable)
        );
    }

    #[test]
    fn only_duplicate_spam_and_merged_are_excluded_from_ttr() {
        assert!(CloseReason::Duplicate.excluded_from_ttr());
        assert!(CloseReason::Spam.excluded_from_ttr());
        assert!(CloseReason::Merged.excluded_from_ttr());
        assert!(!CloseReason::Other.excluded_from_ttr());
    }

    #[test]
    fn requester_waits_in_new_open_and_on_hold_only() {
        let waiting: Vec<_> = Status::ALL
            .iter()
            .filter(|s| s.requester_waiting())
            .collect();
        assert_eq!(waiting, vec![&New, &Open, &OnHold]);
    }
}
