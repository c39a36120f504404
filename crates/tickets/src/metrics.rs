//! Per-ticket metrics (DESIGN §2 "Metric definitions"), computed from events alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::event::Event;
use crate::status::Status;
use crate::ticket::{DomainError, Ticket};

/// Which clock a duration is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    #[default]
    Calendar,
    Business,
}

/// A stretch of time a ticket spent in one status. `to` is `None` for the current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusInterval {
    pub status: Status,
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// A customer waiting for an answer after the first response: it starts with a customer
/// message on an active ticket and ends with the next public agent message (`answered`), or
/// with resolution or closing (not answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseWait {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
    pub answered: bool,
}

/// Everything the clocks need, derived from a ticket's events in one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub ticket: Ticket,
    pub intervals: Vec<StatusInterval>,
    pub response_waits: Vec<ResponseWait>,
}

impl Timeline {
    pub fn from_events(events: &[Event]) -> Result<Timeline, DomainError> {
        let first = events.first().ok_or(DomainError::NotCreated)?;
        let mut ticket = Ticket::replay(std::slice::from_ref(first))?;
        let mut intervals = vec![StatusInterval {
            status: ticket.status,
            from: ticket.created_at,
            to: None,
        }];
        let mut response_waits: Vec<ResponseWait> = Vec::new();
        for e in &events[1..] {
            let responded_before = ticket.first_response_at.is_some();
            ticket.apply(e);
            if let Some((_, to)) = e.kind.status_change() {
                if let Some(last) = intervals.last_mut() {
                    last.to = Some(e.at);
                }
                intervals.push(StatusInterval {
                    status: to,
                    from: e.at,
                    to: None,
                });
                if !to.is_active()
                    && let Some(w) = response_waits.last_mut().filter(|w| w.to.is_none())
                {
                    w.to = Some(e.at);
                }
            }
            let waiting = response_waits.last().is_some_and(|w| w.to.is_none());
            if e.is_customer_message() && responded_before && ticket.status.is_active() && !waiting
            {
                response_waits.push(ResponseWait {
                    from: e.at,
                    to: None,
                    answered: false,
                });
            } else if e.is_public_agent_message()
                && let Some(w) = response_waits.last_mut().filter(|w| w.to.is_none())
            {
                w.to = Some(e.at);
                w.answered = true;
            }
        }
        Ok(Timeline {
            ticket,
            intervals,
            response_waits,
        })
    }

    /// The stretches during which the requester was waiting on us (`new`, `open`, `on_hold`),
    /// with the current one ending at `now`.
    pub fn waiting_spans(
        &self,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        self.intervals
            .iter()
            .filter(|i| i.status.requester_waiting())
            .map(move |i| (i.from, i.to.unwrap_or(now.max(i.from))))
    }
}

/// A ticket's durations, in whole seconds; `None` where the moment has not come yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketMetrics {
    pub first_response_s: Option<i64>,
    pub first_response_business_s: Option<i64>,
    /// Created to the last time it became resolved, while it is resolved now.
    pub resolution_s: Option<i64>,
    pub resolution_business_s: Option<i64>,
    pub first_resolution_s: Option<i64>,
    pub first_resolution_business_s: Option<i64>,
    /// Time spent in `new`, `open` and `on_hold`; for an unresolved ticket, so far.
    pub requester_wait_s: i64,
    pub requester_wait_business_s: i64,
    pub reopen_count: u32,
    /// Answered next-response waits, in order.
    pub next_response_s: Option<i64>,
    pub next_response_business_s: Option<i64>,
    /// Closed as duplicate, spam or merged: left out of TTR statistics.
    pub excluded: bool,
}

impl TicketMetrics {
    pub fn compute(
        tl: &Timeline,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> TicketMetrics {
        let t = &tl.ticket;
        let created = t.created_at;
        let span = |end: Option<DateTime<Utc>>| end.map(|e| (e - created).num_seconds().max(0));
        let biz = |end: Option<DateTime<Utc>>| end.map(|e| calendar.business_seconds(created, e));
        let (mut wait, mut wait_biz) = (0, 0);
        for (a, b) in tl.waiting_spans(now) {
            wait += (b - a).num_seconds().max(0);
            wait_biz += calendar.business_seconds(a, b);
        }
        let answered: Vec<_> = tl
            .response_waits
            .iter()
            .filter(|w| w.answered)
            .filter_map(|w| w.to.map(|to| (w.from, to)))
            .collect();
        let next_total = (!answered.is_empty())
            .then(|| answered.iter().map(|(a, b)| (*b - *a).num_seconds()).sum());
        let next_total_biz = (!answered.is_empty()).then(|| {
            answered
                .iter()
                .map(|(a, b)| calendar.business_seconds(*a, *b))
                .sum()
        });
        TicketMetrics {
            first_response_s: span(t.first_response_at),
            first_response_business_s: biz(t.first_response_at),
            resolution_s: span(t.resolved_at),
            resolution_business_s: biz(t.resolved_at),
            first_resolution_s: span(t.first_resolved_at),
            first_resolution_business_s: biz(t.first_resolved_at),
            requester_wait_s: wait,
            requester_wait_business_s: wait_biz,
            reopen_count: t.reopen_count,
            next_response_s: next_total,
            next_response_business_s: next_total_biz,
            excluded: t.close_reason.is_some_and(|r| r.excluded_from_ttr())
                && t.resolved_at.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessHoursSpec;
    use crate::event::Actor;
    use crate::status::CloseReason;
    use crate::ticket::TicketPolicy;
    use crate::types::{Channel, Priority};
    use chrono::Duration;
    use proptest::prelude::*;

    const AGENT: Actor = Actor::Agent { id: 1 };

    /// Monday 2026-03-02 09:00 UTC plus `h` hours.
    fn t(h: f64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_442_000 + (h * 3600.0) as i64, 0).unwrap_or_default()
    }

    struct Log {
        ticket: Ticket,
        events: Vec<Event>,
    }

    impl Log {
        fn new() -> Log {
            let (ticket, created) = Ticket::create(
                t(0.0),
                Actor::Customer,
                Channel::Web,
                Priority::Normal,
                None,
                None,
            );
            Log {
                ticket,
                events: vec![created],
            }
        }
        fn push(&mut self, r: Result<Vec<Event>, DomainError>) -> &mut Self {
            match r {
                Ok(evs) => self.events.extend(evs),
                Err(e) => panic!("{e}"),
            }
            self
        }
        fn metrics(&self, now: f64) -> TicketMetrics {
            let tl = Timeline::from_events(&self.events).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                tl.ticket, self.ticket,
                "replayed state differs from live state"
            );
            TicketMetrics::compute(&tl, &BusinessCalendar::default(), t(now))
        }
    }

    #[test]
    fn metrics_of_a_ticket_that_has_not_been_touched() {
        let m = Log::new().metrics(3.0);
        assert_eq!(m.first_response_s, None);
        assert_eq!(m.resolution_s, None);
        assert_eq!(m.requester_wait_s, 3 * 3600, "waiting so far");
        assert_eq!(m.reopen_count, 0);
    }

    #[test]
    fn first_response_ignores_internal_notes_and_customer_messages() {
        let mut log = Log::new();
        let p = TicketPolicy::default();
        let r = log.ticket.agent_message(1, true, None, t(0.5));
        log.push(r);
        let r = log.ticket.customer_message(t(1.0), &p).map(|o| o.events);
        log.push(r);
        let r = log.ticket.agent_message(1, false, None, t(2.0));
        log.push(r);
        let m = log.metrics(3.0);
        assert_eq!(m.first_response_s, Some(2 * 3600));
        assert_eq!(m.first_response_business_s, Some(2 * 3600));
    }

    #[test]
    fn time_in_pending_is_not_requester_wait_but_is_in_resolution_time() {
        let mut log = Log::new();
        let p = TicketPolicy::default();
        let r = log
            .ticket
            .agent_message(1, false, Some(Status::Pending), t(1.0));
        log.push(r); // 1h new
        let r = log.ticket.customer_message(t(4.0), &p).map(|o| o.events);
        log.push(r); // 3h pending
        let r = log.ticket.transition(Status::Resolved, None, AGENT, t(6.0));
        log.push(r); // 2h open
        let m = log.metrics(10.0);
        assert_eq!(m.resolution_s, Some(6 * 3600));
        assert_eq!(m.requester_wait_s, 3 * 3600);
        assert_eq!(m.first_resolution_s, Some(6 * 3600));
    }

    #[test]
    fn reopened_and_re_resolved_counts_the_whole_span() {
        let mut log = Log::new();
        let p = TicketPolicy::default();
        let r = log
            .ticket
            .agent_message(1, false, Some(Status::Resolved), t(1.0));
        log.push(r);
        let r = log.ticket.customer_message(t(2.0), &p).map(|o| o.events);
        log.push(r);
        let reopened = log.metrics(2.5);
        assert_eq!(reopened.resolution_s, None, "not resolved now: no TTR");
        assert_eq!(
            reopened.first_resolution_s,
            Some(3600),
            "first resolution is kept"
        );
        let r = log.ticket.transition(Status::Resolved, None, AGENT, t(5.0));
        log.push(r);
        let m = log.metrics(6.0);
        assert_eq!(m.resolution_s, Some(5 * 3600));
        assert_eq!(m.first_resolution_s, Some(3600));
        assert_eq!(m.reopen_count, 1);
        assert_eq!(m.requester_wait_s, 4 * 3600); // 1h new + 3h open after reopening
    }

    #[test]
    fn closing_after_resolution_keeps_ttr_but_closing_as_duplicate_excludes() {
        let mut log = Log::new();
        let r = log.ticket.transition(Status::Resolved, None, AGENT, t(2.0));
        log.push(r);
        let r = log.ticket.transition(Status::Closed, None, AGENT, t(3.0));
        log.push(r);
        let m = log.metrics(9.0);
        assert_eq!(m.resolution_s, Some(2 * 3600));
        assert!(!m.excluded);

        let mut dup = Log::new();
        let r = dup
            .ticket
            .transition(Status::Closed, Some(CloseReason::Duplicate), AGENT, t(1.0));
        dup.push(r);
        let m = dup.metrics(9.0);
        assert_eq!(m.resolution_s, None);
        assert!(m.excluded);
        assert_eq!(
            m.requester_wait_s, 3600,
            "the wait stops when the ticket is closed"
        );
    }

    #[test]
    fn business_time_skips_the_night() {
        // Created Monday 16:00 UTC, answered Tuesday 10:00: 18h calendar, 2h business.
        let (ticket, created) = Ticket::create(
            t(7.0),
            Actor::Customer,
            Channel::Web,
            Priority::Normal,
            None,
            None,
        );
        let mut log = Log {
            ticket,
            events: vec![created],
        };
        let r = log
            .ticket
            .agent_message(1, false, Some(Status::Resolved), t(25.0));
        log.push(r);
        let m = log.metrics(30.0);
        assert_eq!(m.first_response_s, Some(18 * 3600));
        assert_eq!(m.first_response_business_s, Some(2 * 3600));
        assert_eq!(m.resolution_business_s, Some(2 * 3600));
        assert_eq!(m.requester_wait_business_s, 2 * 3600);
    }

    #[test]
    fn next_response_waits_start_after_the_first_response() {
        let mut log = Log::new();
        let p = TicketPolicy::default();
        // A customer follow-up before any response is not a next-response wait.
        let r = log.ticket.customer_message(t(0.5), &p).map(|o| o.events);
        log.push(r);
        let r = log.ticket.agent_message(1, false, None, t(1.0));
        log.push(r);
        let r = log.ticket.customer_message(t(2.0), &p).map(|o| o.events);
        log.push(r);
        let r = log.ticket.customer_message(t(2.5), &p).map(|o| o.events);
        log.push(r); // still the same wait
        let r = log.ticket.agent_message(1, true, None, t(3.0));
        log.push(r); // a note does not answer
        let r = log.ticket.agent_message(1, false, None, t(4.0));
        log.push(r);
        let tl = Timeline::from_events(&log.events).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            tl.response_waits,
            vec![ResponseWait {
                from: t(2.0),
                to: Some(t(4.0)),
                answered: true
            }]
        );
        assert_eq!(log.metrics(5.0).next_response_s, Some(2 * 3600));
    }

    /// One random step of a ticket's life.
    #[derive(Debug, Clone)]
    enum Step {
        Agent {
            internal: bool,
            status: Option<usize>,
        },
        Customer,
        Move(usize),
        Close(usize),
        Assign(Option<i64>),
    }

    fn step() -> impl Strategy<Value = (Step, i64)> {
        let s = prop_oneof![
            (any::<bool>(), prop::option::of(0usize..6))
                .prop_map(|(internal, status)| Step::Agent { internal, status }),
            Just(Step::Customer),
            (0usize..6).prop_map(Step::Move),
            (0usize..4).prop_map(Step::Close),
            prop::option::of(1i64..4).prop_map(Step::Assign),
        ];
        (s, 0i64..4 * 86_400)
    }

    fn run(steps: &[(Step, i64)]) -> Log {
        let p = TicketPolicy::default();
        let mut log = Log::new();
        let mut at = t(0.0);
        for (s, gap) in steps {
            at += Duration::seconds(*gap);
            let tk = &mut log.ticket;
            let r = match s {
                Step::Agent { internal, status } => {
                    tk.agent_message(1, *internal, status.map(|i| Status::ALL[i]), at)
                }
                Step::Customer => tk.customer_message(at, &p).map(|o| o.events),
                Step::Move(i) => tk.transition(Status::ALL[*i], None, AGENT, at),
                Step::Close(i) => {
                    tk.transition(Status::Closed, Some(CloseReason::ALL[*i]), AGENT, at)
                }
                Step::Assign(a) => tk.assign(*a, AGENT, at),
            };
            // Refused commands leave no events: that is part of what is being checked.
            if let Ok(evs) = r {
                log.events.extend(evs);
            }
        }
        log
    }

    fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
        prop::sample::select(vec![
            "UTC",
            "Asia/Jakarta",
            "Europe/Berlin",
            "America/New_York",
        ])
        .prop_map(|tz| {
            BusinessHoursSpec {
                timezone: tz.into(),
                ..BusinessHoursSpec::default()
            }
            .validate()
            .unwrap_or_else(|e| panic!("{e}"))
        })
    }

    proptest! {
        #[test]
        fn random_lives_never_give_negative_or_inconsistent_durations(
            steps in prop::collection::vec(step(), 0..40),
            calendar in any_calendar(),
            after in 0i64..86_400,
        ) {
            let log = run(&steps);
            let tl = Timeline::from_events(&log.events).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(&tl.ticket, &log.ticket);
            let now = log.ticket.updated_at + Duration::seconds(after);
            let m = TicketMetrics::compute(&tl, &calendar, now);
            let age = (now - log.ticket.created_at).num_seconds();
            for (cal, biz) in [
                (m.first_response_s, m.first_response_business_s),
                (m.resolution_s, m.resolution_business_s),
                (m.first_resolution_s, m.first_resolution_business_s),
                (Some(m.requester_wait_s), Some(m.requester_wait_business_s)),
                (m.next_response_s, m.next_response_business_s),
            ] {
                prop_assert_eq!(cal.is_some(), biz.is_some());
                if let (Some(c), Some(b)) = (cal, biz) {
                    prop_assert!(c >= 0 && b >= 0, "negative: {c} / {b}");
                    prop_assert!(b <= c, "business {b} exceeds calendar {c}");
                    prop_assert!(c <= age, "{c} is longer than the ticket's life {age}");
                }
            }
            if let (Some(r), Some(f)) = (m.resolution_s, m.first_resolution_s) {
                prop_assert!(f <= r, "first resolution after the last one");
                prop_assert!(m.requester_wait_s <= r, "waited longer than it took to resolve");
            }
            prop_assert_eq!(m.resolution_s.is_some(), tl.ticket.resolved_at.is_some());
            // The intervals tile the ticket's life without gaps or overlaps.
            for w in tl.intervals.windows(2) {
                prop_assert_eq!(w[0].to, Some(w[1].from));
                prop_assert!(w[0].from <= w[1].from);
            }
            prop_assert_eq!(tl.intervals.last().map(|i| i.status), Some(tl.ticket.status));
            let reopens = log.events.iter().filter(|e| matches!(e.kind.status_change(), Some((Status::Resolved, to)) if to != Status::Closed)).count();
            prop_assert_eq!(m.reopen_count as usize, reopens);
        }
    }
}
