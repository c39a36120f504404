//! The ticket aggregate: its current state, and the commands that change it.
//!
//! A command checks the rules against the current state, returns the events it produced and
//! applies them, so live traffic and imports replay through exactly the same code.

use chrono::{DateTime, Duration, Utc};

use crate::event::{Actor, Event, EventKind};
use crate::status::{CloseReason, Status, TransitionError, check_transition};
use crate::types::{Channel, Priority};

/// Installation-wide rules that shape the domain's decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketPolicy {
    /// How long after resolution a customer reply reopens the ticket instead of starting a
    /// follow-up ticket.
    pub reopen_window: Duration,
}

impl Default for TicketPolicy {
    fn default() -> Self {
        TicketPolicy {
            reopen_window: Duration::days(7),
        }
    }
}

/// A command the domain refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the ticket is closed; public replies are not possible")]
    Closed,
    #[error("a customer message cannot be internal")]
    InternalCustomerMessage,
    #[error("an event at {at} comes before the ticket's last event at {last}")]
    OutOfOrder {
        at: DateTime<Utc>,
        last: DateTime<Utc>,
    },
    #[error("the first event of a ticket must be `created`")]
    NotCreated,
    #[error("the survey opens once the ticket is resolved")]
    SurveyNotOpen,
    #[error("the ticket is closed; its survey answer can no longer be changed")]
    SurveyLocked,
}

/// The current state of one ticket, as its events have left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub status: Status,
    pub channel: Channel,
    pub priority: Priority,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub assignee: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The instant of the latest event.
    pub updated_at: DateTime<Utc>,
    pub status_since: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_resolved_at: Option<DateTime<Utc>>,
    /// The last time the ticket became resolved, while it is resolved now (or was closed from
    /// resolved). `None` for a ticket that is not resolved now.
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<CloseReason>,
    pub reopen_count: u32,
}

/// What a customer message did.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerMessageOutcome {
    /// Events for this ticket (possibly none but a system close).
    pub events: Vec<Event>,
    /// The ticket is (now) closed: the message belongs in a new follow-up ticket.
    pub follow_up_required: bool,
}

impl Ticket {
    /// A new ticket and its `created` event.
    pub fn create(
        at: DateTime<Utc>,
        actor: Actor,
        channel: Channel,
        priority: Priority,
        category: Option<String>,
        follow_up_of: Option<i64>,
    ) -> (Ticket, Event) {
        let ticket = Ticket {
            status: Status::New,
            channel,
            priority,
            category,
            tags: Vec::new(),
            assignee: None,
            created_at: at,
            updated_at: at,
            status_since: at,
            first_response_at: None,
            first_resolved_at: None,
            resolved_at: None,
            closed_at: None,
            close_reason: None,
            reopen_count: 0,
        };
        let category = ticket.category.clone();
        (
            ticket,
            Event::new(
                at,
                actor,
                EventKind::Created {
                    channel,
                    priority,
                    category,
                    follow_up_of,
                },
            ),
        )
    }

    /// Rebuilds a ticket from its stored events, oldest first.
    pub fn replay(events: &[Event]) -> Result<Ticket, DomainError> {
        let Some((first, rest)) = events.split_first() else {
            return Err(DomainError::NotCreated);
        };
        let EventKind::Created {
            channel,
            priority,
            category,
            follow_up_of,
        } = &first.kind
        else {
            return Err(DomainError::NotCreated);
        };
        let (mut ticket, _) = Ticket::create(
            first.at,
            first.actor,
            *channel,
            *priority,
            category.clone(),
            *follow_up_of,
        );
        for e in rest {
            ticket.apply(e);
        }
        Ok(ticket)
    }

    /// Changes the state to reflect one event. Events are facts: no rule is checked here.
    pub fn apply(&mut self, e: &Event) {
        self.updated_at = self.updated_at.max(e.at);
        match &e.kind {
            EventKind::Created { .. } => {}
            EventKind::StatusChanged { from, to, reason } => {
                self.status = *to;
                self.status_since = e.at;
                match to {
                    Status::Resolved => {
                        self.resolved_at = Some(e.at);
                        self.first_resolved_at.get_or_insert(e.at);
                    }
                    Status::Closed => {
                        self.closed_at = Some(e.at);
                        self.close_reason = *reason;
                        if *from != Status::Resolved {
                            self.resolved_at = None;
                        }
                    }
                    _ => {
                        if *from == Status::Resolved {
                            self.reopen_count += 1;
                        }
                        self.resolved_at = None;
                    }
                }
            }
            EventKind::Assigned { to, .. } => self.assignee = *to,
            EventKind::PriorityChanged { to, .. } => self.priority = *to,
            EventKind::CategoryChanged { to, .. } => self.category.clone_from(to),
            EventKind::TagsChanged { tags } => self.tags.clone_from(tags),
            EventKind::MessageAdded { .. } => {
                if e.is_public_agent_message() && self.first_response_at.is_none() {
                    self.first_response_at = Some(e.at);
                }
            }
            EventKind::SurveyAnswered { .. }
            | EventKind::AlertRaised { .. }
            | EventKind::AlertCleared { .. }
            | EventKind::Merged { .. } => {}
        }
    }

    fn check_time(&self, at: DateTime<Utc>) -> Result<(), DomainError> {
        if at < self.updated_at {
            return Err(DomainError::OutOfOrder {
                at,
                last: self.updated_at,
            });
        }
        Ok(())
    }

    fn emit(&mut self, out: &mut Vec<Event>, e: Event) {
        self.apply(&e);
        out.push(e);
    }

    /// When a resolved ticket stops accepting replies as reopenings.
    pub fn reopen_window_ends_at(&self, policy: &TicketPolicy) -> Option<DateTime<Utc>> {
        match self.status {
            Status::Resolved => self.resolved_at.map(|t| t + policy.reopen_window),
            _ => None,
        }
    }

    /// Moves the ticket to `to`, as an agent (or the system) decides.
    pub fn transition(
        &mut self,
        to: Status,
        reason: Option<CloseReason>,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        check_transition(self.status, to, reason)?;
        let mut out = Vec::new();
        let from = self.status;
        self.emit(
            &mut out,
            Event::new(at, actor, EventKind::StatusChanged { from, to, reason }),
        );
        Ok(out)
    }

    /// An agent's public reply or internal note, optionally with a status chosen alongside.
    /// The first public reply on a `new` ticket opens it unless another status was chosen.
    pub fn agent_message(
        &mut self,
        agent: i64,
        internal: bool,
        status: Option<Status>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        if self.status == Status::Closed && (!internal || status.is_some()) {
            return Err(DomainError::Closed);
        }
        let target = match status {
            Some(s) if s != self.status => Some(s),
            Some(_) => None,
            None if !internal && self.status == Status::New => Some(Status::Open),
            None => None,
        };
        if let Some(to) = target {
            // Check before emitting anything so that a refused move adds no message either.
            check_transition(self.status, to, None)?;
        }
        let actor = Actor::Agent { id: agent };
        let mut out = Vec::new();
        self.emit(
            &mut out,
            Event::new(
                at,
                actor,
                EventKind::MessageAdded {
                    internal,
                    message_id: None,
                },
            ),
        );
        if let Some(to) = target {
            let from = self.status;
            self.emit(
                &mut out,
                Event::new(
                    at,
                    actor,
                    EventKind::StatusChanged {
                        from,
                        to,
                        reason: None,
                    },
                ),
            );
        }
        Ok(out)
    }

    /// A message from the system (automatic notices); it never changes the status and never
    /// counts as a response.
    pub fn system_message(&mut self, at: DateTime<Utc>) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        self.emit(
            &mut out,
            Event::new(
                at,
                Actor::System,
                EventKind::MessageAdded {
                    internal: false,
                    message_id: None,
                },
            ),
        );
        Ok(out)
    }

    /// A customer's reply. `pending -> open`; `resolved -> open` within the reopen window;
    /// a closed ticket (or a resolved one past its window, which the system closes first)
    /// needs a follow-up ticket instead.
    pub fn customer_message(
        &mut self,
        at: DateTime<Utc>,
        policy: &TicketPolicy,
    ) -> Result<CustomerMessageOutcome, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        if let Some(window_end) = self.reopen_window_ends_at(policy)
            && at >= window_end
        {
            let e = Event::new(
                window_end.max(self.updated_at),
                Actor::System,
                EventKind::StatusChanged {
                    from: Status::Resolved,
                    to: Status::Closed,
                    reason: None,
                },
            );
            self.emit(&mut out, e);
        }
        if self.status == Status::Closed {
            return Ok(CustomerMessageOutcome {
                events: out,
                follow_up_required: true,
            });
        }
        if matches!(self.status, Status::Pending | Status::Resolved) {
            let from = self.status;
            // The status change comes first: the message then arrives on an active ticket,
            // which is what starts a next-response wait.
            self.emit(
                &mut out,
                Event::new(
                    at,
                    Actor::Customer,
                    EventKind::StatusChanged {
                        from,
                        to: Status::Open,
                        reason: None,
                    },
                ),
            );
        }
        self.emit(
            &mut out,
            Event::new(
                at,
                Actor::Customer,
                EventKind::MessageAdded {
                    internal: false,
                    message_id: None,
                },
            ),
        );
        Ok(CustomerMessageOutcome {
            events: out,
            follow_up_required: false,
        })
    }

    /// Assigns (or unassigns, with `None`). Assigning a `new` ticket opens it.
    pub fn assign(
        &mut self,
        to: Option<i64>,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        if to == self.assignee {
            return Ok(out);
        }
        let from = self.assignee;
        self.emit(
            &mut out,
            Event::new(at, actor, EventKind::Assigned { from, to }),
        );
        if to.is_some() && self.status == Status::New {
            self.emit(
                &mut out,
                Event::new(
                    at,
                    actor,
                    EventKind::StatusChanged {
                        from: Status::New,
                        to: Status::Open,
                        reason: None,
                    },
                ),
            );
        }
        Ok(out)
    }

    pub fn set_priority(
        &mut self,
        to: Priority,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        if to != self.priority {
            let from = self.priority;
            self.emit(
                &mut out,
                Event::new(at, actor, EventKind::PriorityChanged { from, to }),
            );
        }
        Ok(out)
    }

    pub fn set_category(
        &mut self,
        to: Option<String>,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        if to != self.category {
            let from = self.category.clone();
            self.emit(
                &mut out,
                Event::new(at, actor, EventKind::CategoryChanged { from, to }),
            );
        }
        Ok(out)
    }

    pub fn set_tags(
        &mut self,
        tags: Vec<String>,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        if tags != self.tags {
            self.emit(
                &mut out,
                Event::new(at, actor, EventKind::TagsChanged { tags }),
            );
        }
        Ok(out)
    }

    /// Closes a resolved ticket whose reopen window has passed, at the moment it passed.
    pub fn auto_close(&mut self, now: DateTime<Utc>, policy: &TicketPolicy) -> Vec<Event> {
        let mut out = Vec::new();
        if let Some(window_end) = self.reopen_window_ends_at(policy)
            && now >= window_end
        {
            let e = Event::new(
                window_end.max(self.updated_at),
                Actor::System,
                EventKind::StatusChanged {
                    from: Status::Resolved,
                    to: Status::Closed,
                    reason: None,
                },
            );
            self.emit(&mut out, e);
        }
        out
    }

    /// Whether the customer may answer the survey now: once resolved, and changes are
    /// accepted while the ticket can still be reopened. A ticket closed after resolution still
    /// takes a first answer from a customer who comes back late.
    pub fn check_survey(&self, already_answered: bool) -> Result<(), DomainError> {
        match self.status {
            Status::Resolved => Ok(()),
            Status::Closed if self.resolved_at.is_some() && !already_answered => Ok(()),
            Status::Closed if self.resolved_at.is_some() => Err(DomainError::SurveyLocked),
            _ => Err(DomainError::SurveyNotOpen),
        }
    }

    /// Records a survey answer event (after [`Ticket::check_survey`]).
    pub fn survey_answered(
        &mut self,
        csat: Option<i16>,
        ces: Option<i16>,
        nps: Option<i16>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, DomainError> {
        self.check_time(at)?;
        let mut out = Vec::new();
        self.emit(
            &mut out,
            Event::new(
                at,
                Actor::Customer,
                EventKind::SurveyAnswered { csat, ces, nps },
            ),
        );
        Ok(out)
    }

    /// A time for a live event: now, unless the ticket's last event is later (clocks of
    /// several servers may disagree by a little), so events never go backwards.
    pub fn next_instant(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.max(self.updated_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_442_000 + h * 3600, 0).unwrap_or_default() // 2026-03-02T09:00Z
    }

    fn new_ticket() -> Ticket {
        Ticket::create(
            t(0),
            Actor::Customer,
            Channel::Web,
            Priority::Normal,
            None,
            None,
        )
        .0
    }

    fn statuses(events: &[Event]) -> Vec<(Status, Status)> {
        events
            .iter()
            .filter_map(|e| e.kind.status_change())
            .collect()
    }

    #[test]
    fn first_public_reply_opens_a_new_ticket_and_is_the_first_response() {
        let mut tk = new_ticket();
        let ev = tk.agent_message(1, false, None, t(2)).unwrap_or_default();
        assert_eq!(statuses(&ev), vec![(New, Open)]);
        assert_eq!(tk.status, Open);
        assert_eq!(tk.first_response_at, Some(t(2)));
    }

    #[test]
    fn internal_notes_neither_open_nor_respond() {
        let mut tk = new_ticket();
        let ev = tk.agent_message(1, true, None, t(1)).unwrap_or_default();
        assert_eq!(ev.len(), 1);
        assert_eq!(tk.status, New);
        assert_eq!(tk.first_response_at, None);
    }

    #[test]
    fn a_reply_with_a_chosen_status_moves_there_instead_of_open() {
        let mut tk = new_ticket();
        let ev = tk
            .agent_message(1, false, Some(Pending), t(1))
            .unwrap_or_default();
        assert_eq!(statuses(&ev), vec![(New, Pending)]);
    }

    #[test]
    fn a_refused_status_with_a_reply_adds_nothing() {
        let mut tk = new_ticket();
        tk.transition(Resolved, None, Actor::Agent { id: 1 }, t(1))
            .unwrap_or_default();
        let before = tk.clone();
        let err = tk.agent_message(1, false, Some(Pending), t(2));
        assert_eq!(
            err,
            Err(DomainError::Transition(TransitionError::NotAllowed {
                from: Resolved,
                to: Pending
            }))
        );
        assert_eq!(tk, before);
    }

    #[test]
    fn assigning_a_new_ticket_opens_it_and_reassigning_the_same_agent_is_a_no_op() {
        let mut tk = new_ticket();
        let ev = tk
            .assign(Some(4), Actor::Agent { id: 9 }, t(1))
            .unwrap_or_default();
        assert_eq!(ev.len(), 2);
        assert_eq!((tk.status, tk.assignee), (Open, Some(4)));
        assert_eq!(tk.assign(Some(4), Actor::Agent { id: 9 }, t(2)), Ok(vec![]));
        // Unassigning does not change the status.
        tk.assign(None, Actor::Agent { id: 9 }, t(3))
            .unwrap_or_default();
        assert_eq!((tk.status, tk.assignee), (Open, None));
    }

    #[test]
    fn customer_reply_moves_pending_to_open() {
        let mut tk = new_ticket();
        tk.agent_message(1, false, Some(Pending), t(1))
            .unwrap_or_default();
        let out = tk.customer_message(t(2), &TicketPolicy::default());
        let Ok(out) = out else { panic!("{out:?}") };
        assert!(!out.follow_up_required);
        assert_eq!(statuses(&out.events), vec![(Pending, Open)]);
        assert_eq!(tk.status, Open);
    }

    #[test]
    fn customer_reply_on_hold_keeps_it_on_hold() {
        let mut tk = new_ticket();
        tk.transition(OnHold, None, Actor::Agent { id: 1 }, t(1))
            .unwrap_or_default();
        tk.customer_message(t(2), &TicketPolicy::default()).ok();
        assert_eq!(tk.status, OnHold);
    }

    #[test]
    fn customer_reply_within_the_window_reopens_and_counts() {
        let p = TicketPolicy::default();
        let mut tk = new_ticket();
        tk.agent_message(1, false, Some(Resolved), t(1))
            .unwrap_or_default();
        assert_eq!(tk.resolved_at, Some(t(1)));
        let out = tk.customer_message(t(24), &p).map(|o| statuses(&o.events));
        assert_eq!(out, Ok(vec![(Resolved, Open)]));
        assert_eq!(
            (tk.status, tk.reopen_count, tk.resolved_at),
            (Open, 1, None)
        );
        assert_eq!(tk.first_resolved_at, Some(t(1)));
    }

    #[test]
    fn customer_reply_after_the_window_closes_and_asks_for_a_follow_up() {
        let p = TicketPolicy::default();
        let mut tk = new_ticket();
        tk.transition(Resolved, None, Actor::Agent { id: 1 }, t(1))
            .unwrap_or_default();
        let out = tk.customer_message(t(1 + 7 * 24), &p);
        let Ok(out) = out else { panic!("{out:?}") };
        assert!(out.follow_up_required);
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].at, t(1 + 7 * 24));
        assert_eq!(out.events[0].actor, Actor::System);
        assert_eq!(tk.status, Closed);
        // Closed after being resolved keeps its resolution.
        assert_eq!(tk.resolved_at, Some(t(1)));
    }

    #[test]
    fn customer_reply_on_a_closed_ticket_asks_for_a_follow_up_and_adds_nothing() {
        let mut tk = new_ticket();
        tk.transition(
            Closed,
            Some(CloseReason::Other),
            Actor::Agent { id: 1 },
            t(1),
        )
        .unwrap_or_default();
        let out = tk.customer_message(t(2), &TicketPolicy::default());
        assert_eq!(
            out,
            Ok(CustomerMessageOutcome {
                events: vec![],
                follow_up_required: true
            })
        );
    }

    #[test]
    fn closed_tickets_take_internal_notes_only() {
        let mut tk = new_ticket();
        tk.transition(
            Closed,
            Some(CloseReason::Spam),
            Actor::Agent { id: 1 },
            t(1),
        )
        .unwrap_or_default();
        assert_eq!(
            tk.agent_message(1, false, None, t(2)),
            Err(DomainError::Closed)
        );
        assert!(tk.agent_message(1, true, None, t(2)).is_ok());
        assert_eq!(tk.resolved_at, None);
        assert_eq!(tk.close_reason, Some(CloseReason::Spam));
    }

    #[test]
    fn auto_close_happens_once_the_window_has_passed_and_is_dated_then() {
        let p = TicketPolicy::default();
        let mut tk = new_ticket();
        tk.transition(Resolved, None, Actor::Agent { id: 1 }, t(1))
            .unwrap_or_default();
        assert!(tk.auto_close(t(100), &p).is_empty());
        let ev = tk.auto_close(t(1000), &p);
        assert_eq!(statuses(&ev), vec![(Resolved, Closed)]);
        assert_eq!(ev[0].at, t(1 + 7 * 24));
        assert!(tk.auto_close(t(2000), &p).is_empty());
    }

    #[test]
    fn surveys_open_at_resolution_and_lock_after_closing() {
        let mut tk = new_ticket();
        assert_eq!(tk.check_survey(false), Err(DomainError::SurveyNotOpen));
        tk.transition(Resolved, None, Actor::Agent { id: 1 }, t(1))
            .unwrap_or_default();
        assert_eq!(
            tk.check_survey(true),
            Ok(()),
            "changes are fine while resolved"
        );
        tk.transition(Closed, None, Actor::Agent { id: 1 }, t(2))
            .unwrap_or_default();
        assert_eq!(
            tk.check_survey(false),
            Ok(()),
            "a first answer after closing is still welcome"
        );
        assert_eq!(tk.check_survey(true), Err(DomainError::SurveyLocked));
        let mut spam = new_ticket();
        spam.transition(
            Closed,
            Some(CloseReason::Spam),
            Actor::Agent { id: 1 },
            t(1),
        )
        .unwrap_or_default();
        assert_eq!(spam.check_survey(false), Err(DomainError::SurveyNotOpen));
    }

    #[test]
    fn events_must_not_go_back_in_time() {
        let mut tk = new_ticket();
        tk.transition(Open, None, Actor::Agent { id: 1 }, t(5))
            .unwrap_or_default();
        assert_eq!(
            tk.transition(Pending, None, Actor::Agent { id: 1 }, t(4)),
            Err(DomainError::OutOfOrder {
                at: t(4),
                last: t(5)
            })
        );
        assert_eq!(tk.next_instant(t(4)), t(5));
    }

    #[test]
    fn replaying_the_events_rebuilds_the_same_ticket() {
        let p = TicketPolicy::default();
        let (mut tk, created) = Ticket::create(
            t(0),
            Actor::Customer,
            Channel::Email,
            Priority::High,
            Some("billing".into()),
            None,
        );
        let mut log = vec![created];
        log.extend(
            tk.assign(Some(2), Actor::Agent { id: 2 }, t(1))
                .unwrap_or_default(),
        );
        log.extend(
            tk.agent_message(2, false, Some(Pending), t(2))
                .unwrap_or_default(),
        );
        log.extend(
            tk.customer_message(t(3), &p)
                .map(|o| o.events)
                .unwrap_or_default(),
        );
        log.extend(
            tk.transition(Resolved, None, Actor::Agent { id: 2 }, t(4))
                .unwrap_or_default(),
        );
        log.extend(
            tk.set_tags(vec!["refund".into()], Actor::Agent { id: 2 }, t(5))
                .unwrap_or_default(),
        );
        let replayed = Ticket::replay(&log);
        assert_eq!(replayed, Ok(tk));
    }
}
