//! SLA policies and their clocks (DESIGN §2 "SLA policies and slow-response alerts").
//!
//! A clock runs only while the customer waits on us (`new`, `open`, `on_hold`): it pauses in
//! `pending` and stops at resolution. Elapsed time is measured in the policy's hours, calendar
//! or business. From the clock's running spans follow the instants at which it reaches its
//! warning threshold and its target; those drive the alerts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;
use crate::metrics::{Clock, Timeline};
use crate::status::Status;
use crate::types::{Priority, Tier, string_enum};

string_enum! {
    /// What an SLA clock measures.
    SlaMetric, "SLA metric" {
        FirstResponse => "first_response",
        NextResponse => "next_response",
        Resolution => "resolution",
    }
}

string_enum! {
    /// How far a clock has gone: its warning threshold, or its target.
    AlertLevel, "alert level" {
        Warning => "warning",
        Breach => "breach",
    }
}

/// Targets for tickets of one priority (and optionally one customer tier). A target of
/// `None` means that metric is not tracked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub name: String,
    pub priority: Priority,
    #[serde(default)]
    pub tier: Option<Tier>,
    pub first_response_s: Option<i64>,
    pub next_response_s: Option<i64>,
    pub resolution_s: Option<i64>,
    pub hours: Clock,
    #[serde(default = "default_warn")]
    pub warn_at_pct: i64,
}

fn default_warn() -> i64 {
    80
}

/// Targets can be at most a year.
const MAX_TARGET_S: i64 = 366 * 86_400;

impl SlaPolicy {
    pub fn target(&self, metric: SlaMetric) -> Option<i64> {
        match metric {
            SlaMetric::FirstResponse => self.first_response_s,
            SlaMetric::NextResponse => self.next_response_s,
            SlaMetric::Resolution => self.resolution_s,
        }
    }

    /// The defaults of a fresh installation: urgent tickets on the calendar clock, the others
    /// in business hours.
    pub fn defaults() -> Vec<SlaPolicy> {
        let p = |name: &str, priority, hours, fr: i64, nr: i64, res: i64| SlaPolicy {
            name: name.into(),
            priority,
            tier: None,
            first_response_s: Some(fr * 3600),
            next_response_s: Some(nr * 3600),
            resolution_s: Some(res * 3600),
            hours,
            warn_at_pct: 80,
        };
        vec![
            p("Urgent", Priority::Urgent, Clock::Calendar, 1, 2, 8),
            p("High", Priority::High, Clock::Business, 4, 4, 16),
            p("Normal", Priority::Normal, Clock::Business, 8, 8, 40),
            p("Low", Priority::Low, Clock::Business, 16, 16, 80),
        ]
    }
}

/// Field-by-field problems of a policy list (`policies[2].warn_at_pct`, ...).
pub fn policy_problems(policies: &[SlaPolicy]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, p) in policies.iter().enumerate() {
        let f = |name: &str| format!("policies[{i}].{name}");
        if p.name.trim().is_empty() || p.name.chars().count() > 100 {
            out.push((f("name"), "must be 1 to 100 characters".into()));
        }
        for (name, t) in [
            ("first_response_s", p.first_response_s),
            ("next_response_s", p.next_response_s),
            ("resolution_s", p.resolution_s),
        ] {
            if let Some(t) = t
                && !(1..=MAX_TARGET_S).contains(&t)
            {
                out.push((
                    f(name),
                    format!(
                        "must be a positive number of seconds, at most {MAX_TARGET_S}, or null"
                    ),
                ));
            }
        }
        if !(1..=99).contains(&p.warn_at_pct) {
            out.push((f("warn_at_pct"), "must be from 1 to 99".into()));
        }
        if policies[..i]
            .iter()
            .any(|q| q.priority == p.priority && q.tier == p.tier)
        {
            out.push((
                f("priority"),
                "another policy already covers this priority and tier".into(),
            ));
        }
    }
    out
}

/// The policy for a ticket: priority and tier together win over priority alone.
pub fn select_policy(policies: &[SlaPolicy], priority: Priority, tier: Tier) -> Option<&SlaPolicy> {
    policies
        .iter()
        .find(|p| p.priority == priority && p.tier == Some(tier))
        .or_else(|| {
            policies
                .iter()
                .find(|p| p.priority == priority && p.tier.is_none())
        })
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting now.
    Running,
    /// Waiting on the customer (`pending`): not counting.
    Paused,
    /// Stopped by what it waited for (a response).
    Met,
    /// Stopped without being met: the ticket was resolved or closed first.
    Stopped,
}

/// One SLA clock of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaClock {
    pub metric: SlaMetric,
    /// Which occurrence: next-response waits and resolutions after a reopening count up.
    pub cycle: u32,
    pub target_s: i64,
    pub started_at: DateTime<Utc>,
    /// When the clock reached (or, running as now, will reach) its warning threshold.
    pub warn_at: Option<DateTime<Utc>>,
    /// When the clock reached (or will reach) its target. `None` while paused short of it.
    pub due_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub state: ClockState,
    /// Seconds counted so far, in the policy's hours.
    pub elapsed_s: i64,
    /// `target_s - elapsed_s`: negative when overdue.
    pub remaining_s: i64,
    pub breached: bool,
}

/// A half-open span during which a clock counts; `None` end = still counting.
type Span = (DateTime<Utc>, Option<DateTime<Utc>>);

fn measured(spans: &[Span], until: DateTime<Utc>, cal: &BusinessCalendar) -> i64 {
    spans
        .iter()
        .filter(|(a, _)| *a < until)
        .map(|(a, b)| cal.business_seconds(*a, b.map_or(until, |b| b.min(until))))
        .sum()
}

/// The instant at which `amount` seconds have been counted over `spans`; `None` if they end
/// first.
fn instant_after(spans: &[Span], amount: i64, cal: &BusinessCalendar) -> Option<DateTime<Utc>> {
    let mut acc = 0;
    for (a, b) in spans {
        match b {
            Some(b) => {
                let len = cal.business_seconds(*a, *b);
                if acc + len >= amount && len > 0 {
                    return cal.add_business_seconds(*a, amount - acc);
                }
                if acc >= amount {
                    return Some(*a);
                }
                acc += len;
            }
            None => return cal.add_business_seconds(*a, (amount - acc).max(0)),
        }
    }
    None
}

/// Clips the ticket's waiting spans to `[from, to)`.
fn waiting_spans(tl: &Timeline, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Vec<Span> {
    tl.intervals
        .iter()
        .filter(|i| i.status.requester_waiting())
        .filter_map(|i| {
            let a = i.from.max(from);
            let b = match (i.to, to) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            match b {
                Some(b) if b <= a => None,
                _ => Some((a, b)),
            }
        })
        .collect()
}

/// The first instant at which the ticket was resolved or closed after `from`.
fn first_stop_after(tl: &Timeline, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    tl.intervals
        .iter()
        .find(|i| i.from >= from && !i.status.is_active())
        .map(|i| i.from)
}

#[allow(clippy::too_many_arguments)]
fn clock(
    metric: SlaMetric,
    cycle: u32,
    target_s: i64,
    warn_pct: i64,
    started_at: DateTime<Utc>,
    spans: Vec<Span>,
    stopped_at: Option<DateTime<Utc>>,
    met: bool,
    cal: &BusinessCalendar,
    now: DateTime<Utc>,
) -> SlaClock {
    let until = stopped_at.unwrap_or(now);
    let elapsed_s = measured(&spans, until, cal);
    let running = stopped_at.is_none() && spans.last().is_some_and(|(_, b)| b.is_none());
    let state = match (stopped_at, met, running) {
        (Some(_), true, _) => ClockState::Met,
        (Some(_), false, _) => ClockState::Stopped,
        (None, _, true) => ClockState::Running,
        (None, _, false) => ClockState::Paused,
    };
    // Rounded up: the warning never comes before its percentage has really passed.
    let warn_amount = (target_s * warn_pct + 99) / 100;
    // A resolution cycle after a reopening counts the whole wait, but its thresholds cannot
    // be crossed before the cycle began.
    let at = |amount: i64| {
        instant_after(&spans, amount, cal)
            .map(|t| t.max(started_at))
            .filter(|t| stopped_at.is_none_or(|s| *t <= s))
    };
    SlaClock {
        metric,
        cycle,
        target_s,
        started_at,
        warn_at: at(warn_amount),
        due_at: at(target_s),
        stopped_at,
        state,
        elapsed_s,
        remaining_s: target_s - elapsed_s,
        breached: elapsed_s >= target_s,
    }
}

/// Every SLA clock of a ticket under `policy`, measured on `business` when the policy uses
/// business hours. Past next-response waits and earlier resolution cycles are included, so
/// the ticket's page can show the whole history.
pub fn clocks(
    tl: &Timeline,
    policy: &SlaPolicy,
    business: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Vec<SlaClock> {
    let always = BusinessCalendar::always_open();
    let cal = match policy.hours {
        Clock::Business => business,
        Clock::Calendar => &always,
    };
    let t = &tl.ticket;
    let created = t.created_at;
    let pct = policy.warn_at_pct;
    let mut out = Vec::new();
    if let Some(target) = policy.first_response_s {
        let (stop, met) = match (t.first_response_at, first_stop_after(tl, created)) {
            (Some(r), Some(s)) if s < r => (Some(s), false),
            (Some(r), _) => (Some(r), true),
            (None, s) => (s, false),
        };
        out.push(clock(
            SlaMetric::FirstResponse,
            0,
            target,
            pct,
            created,
            waiting_spans(tl, created, stop),
            stop,
            met,
            cal,
            now,
        ));
    }
    if let Some(target) = policy.next_response_s {
        for (k, w) in tl.response_waits.iter().enumerate() {
            let spans = waiting_spans(tl, w.from, w.to);
            out.push(clock(
                SlaMetric::NextResponse,
                k as u32,
                target,
                pct,
                w.from,
                spans,
                w.to,
                w.answered,
                cal,
                now,
            ));
        }
    }
    if let Some(target) = policy.resolution_s {
        // The resolution clock counts the requester's whole wait (DESIGN's SLA resolution
        // time), across reopenings; each reopening starts a new cycle of alerts.
        let mut cycle_start = created;
        let mut cycle = 0u32;
        let mut prev: Option<Status> = None;
        for i in &tl.intervals {
            if prev == Some(Status::Resolved) && i.status != Status::Closed {
                cycle += 1;
                cycle_start = i.from;
            }
            prev = Some(i.status);
        }
        let stop = match t.status {
            Status::Resolved | Status::Closed => {
                Some(t.resolved_at.or(t.closed_at).unwrap_or(t.status_since))
            }
            _ => None,
        };
        let spans = waiting_spans(tl, created, stop);
        out.push(clock(
            SlaMetric::Resolution,
            cycle,
            target,
            pct,
            cycle_start,
            spans,
            stop,
            false,
            cal,
            now,
        ));
    }
    out
}

/// An alert that should exist now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertDue {
    pub metric: SlaMetric,
    pub cycle: u32,
    pub level: AlertLevel,
    /// When the threshold was crossed.
    pub due_at: DateTime<Utc>,
}

/// What the alert engine should do for one ticket now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertPlan {
    /// Alerts to raise (raising one that exists is a no-op).
    pub raise: Vec<AlertDue>,
    /// Clocks whose open alerts are to be cleared: met, stopped or superseded.
    pub clear: Vec<(SlaMetric, u32)>,
    /// The next instant at which something could be raised, if any.
    pub next_check: Option<DateTime<Utc>>,
    /// The earliest target of a running clock: the ticket's place in "most urgent first".
    pub due_at: Option<DateTime<Utc>>,
}

/// Decides raises and clears from a ticket's clocks. Only the current cycle of each metric
/// can hold open alerts; a stopped clock's alerts are cleared rather than raised late.
pub fn plan_alerts(clocks: &[SlaClock], now: DateTime<Utc>) -> AlertPlan {
    let mut plan = AlertPlan::default();
    for c in clocks {
        let current = !clocks
            .iter()
            .any(|o| o.metric == c.metric && o.cycle > c.cycle);
        if !current || matches!(c.state, ClockState::Met | ClockState::Stopped) {
            plan.clear.push((c.metric, c.cycle));
            continue;
        }
        for (level, at) in [
            (AlertLevel::Warning, c.warn_at),
            (AlertLevel::Breach, c.due_at),
        ] {
            match at {
                Some(at) if at <= now => plan.raise.push(AlertDue {
                    metric: c.metric,
                    cycle: c.cycle,
                    level,
                    due_at: at,
                }),
                Some(at) if c.state == ClockState::Running => {
                    plan.next_check = Some(plan.next_check.map_or(at, |n| n.min(at)))
                }
                _ => {}
            }
        }
        if c.state == ClockState::Running
            && let Some(d) = c.due_at
        {
            plan.due_at = Some(plan.due_at.map_or(d, |x| x.min(d)));
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessHoursSpec;
    use crate::event::{Actor, Event};
    use crate::ticket::{Ticket, TicketPolicy};
    use crate::types::Channel;
    use chrono::Duration;
    use proptest::prelude::*;

    /// Monday 2026-03-02 09:00 UTC plus `h` hours.
    fn t(h: f64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_442_000 + (h * 3600.0) as i64, 0).unwrap_or_default()
    }

    fn policy(hours: Clock) -> SlaPolicy {
        SlaPolicy {
            name: "p".into(),
            priority: Priority::Normal,
            tier: None,
            first_response_s: Some(3600),
            next_response_s: Some(2 * 3600),
            resolution_s: Some(8 * 3600),
            hours,
            warn_at_pct: 80,
        }
    }

    struct Life {
        ticket: Ticket,
        events: Vec<Event>,
    }

    impl Life {
        fn at(h: f64) -> Life {
            let (ticket, e) = Ticket::create(
                t(h),
                Actor::Customer,
                Channel::Web,
                Priority::Normal,
                None,
                None,
            );
            Life {
                ticket,
                events: vec![e],
            }
        }
        fn push(&mut self, r: Result<Vec<Event>, crate::ticket::DomainError>) {
            self.events.extend(r.unwrap_or_else(|e| panic!("{e}")));
        }
        fn clocks(&self, hours: Clock, now: f64) -> Vec<SlaClock> {
            let tl = Timeline::from_events(&self.events).unwrap_or_else(|e| panic!("{e}"));
            clocks(&tl, &policy(hours), &BusinessCalendar::default(), t(now))
        }
    }

    fn find(cs: &[SlaClock], m: SlaMetric) -> SlaClock {
        cs.iter()
            .rev()
            .find(|c| c.metric == m)
            .cloned()
            .unwrap_or_else(|| panic!("no {m} clock"))
    }

    #[test]
    fn an_unanswered_ticket_warns_at_80_percent_and_breaches_at_the_target() {
        let life = Life::at(0.0);
        let fr = find(&life.clocks(Clock::Calendar, 3.0), SlaMetric::FirstResponse);
        assert_eq!(fr.warn_at, Some(t(0.8)));
        assert_eq!(fr.due_at, Some(t(1.0)));
        assert_eq!(
            (fr.state, fr.breached, fr.remaining_s),
            (ClockState::Running, true, -2 * 3600)
        );
        let plan = plan_alerts(&life.clocks(Clock::Calendar, 3.0), t(3.0));
        let raised: Vec<_> = plan
            .raise
            .iter()
            .filter(|a| a.metric == SlaMetric::FirstResponse)
            .map(|a| (a.level, a.due_at))
            .collect();
        assert_eq!(
            raised,
            vec![(AlertLevel::Warning, t(0.8)), (AlertLevel::Breach, t(1.0))]
        );
    }

    #[test]
    fn the_first_public_reply_meets_the_first_response_clock() {
        let mut life = Life::at(0.0);
        let r = life.ticket.agent_message(1, false, None, t(0.5));
        life.push(r);
        let cs = life.clocks(Clock::Calendar, 3.0);
        let fr = find(&cs, SlaMetric::FirstResponse);
        assert_eq!(
            (fr.state, fr.breached, fr.elapsed_s),
            (ClockState::Met, false, 1800)
        );
        let plan = plan_alerts(&cs, t(3.0));
        assert!(plan.clear.contains(&(SlaMetric::FirstResponse, 0)));
        assert!(
            !plan
                .raise
                .iter()
                .any(|a| a.metric == SlaMetric::FirstResponse)
        );
    }

    #[test]
    fn pending_pauses_the_clocks_and_pushes_the_due_time_back() {
        let mut life = Life::at(0.0);
        let r = life
            .ticket
            .transition(Status::Pending, None, Actor::Agent { id: 1 }, t(0.5));
        life.push(r);
        let paused = find(
            &life.clocks(Clock::Calendar, 10.0),
            SlaMetric::FirstResponse,
        );
        assert_eq!(
            (paused.state, paused.due_at, paused.elapsed_s),
            (ClockState::Paused, None, 1800)
        );
        assert!(!paused.breached, "no breach while waiting on the customer");
        let r = life
            .ticket
            .customer_message(t(5.0), &TicketPolicy::default())
            .map(|o| o.events);
        life.push(r);
        let resumed = find(&life.clocks(Clock::Calendar, 5.0), SlaMetric::FirstResponse);
        assert_eq!(
            resumed.due_at,
            Some(t(5.5)),
            "30 minutes were left when it paused"
        );
        assert_eq!(
            resumed.warn_at,
            Some(t(5.0) + Duration::seconds(2880 - 1800))
        );
    }

    #[test]
    fn business_hours_clocks_skip_the_night() {
        // Created Monday 16:30 UTC; 1 business hour = 30 min Monday + 30 min Tuesday.
        let life = Life::at(7.5);
        let fr = find(&life.clocks(Clock::Business, 8.0), SlaMetric::FirstResponse);
        assert_eq!(fr.due_at, Some(t(24.5)));
    }

    #[test]
    fn next_response_clocks_start_with_each_customer_message_after_a_response() {
        let mut life = Life::at(0.0);
        let r = life.ticket.agent_message(1, false, None, t(0.5));
        life.push(r);
        let r = life
            .ticket
            .customer_message(t(1.0), &TicketPolicy::default())
            .map(|o| o.events);
        life.push(r);
        let nr = find(&life.clocks(Clock::Calendar, 1.5), SlaMetric::NextResponse);
        assert_eq!(
            (nr.cycle, nr.started_at, nr.due_at),
            (0, t(1.0), Some(t(3.0)))
        );
        let r = life.ticket.agent_message(1, false, None, t(2.0));
        life.push(r);
        let r = life
            .ticket
            .customer_message(t(4.0), &TicketPolicy::default())
            .map(|o| o.events);
        life.push(r);
        let cs = life.clocks(Clock::Calendar, 4.0);
        let nrs: Vec<_> = cs
            .iter()
            .filter(|c| c.metric == SlaMetric::NextResponse)
            .map(|c| (c.cycle, c.state))
            .collect();
        assert_eq!(nrs, vec![(0, ClockState::Met), (1, ClockState::Running)]);
    }

    #[test]
    fn resolution_stops_every_clock_and_reopening_starts_a_new_cycle() {
        let mut life = Life::at(0.0);
        let r = life
            .ticket
            .transition(Status::Resolved, None, Actor::Agent { id: 1 }, t(9.0));
        life.push(r);
        let cs = life.clocks(Clock::Calendar, 9.5);
        assert!(cs.iter().all(|c| c.state == ClockState::Stopped), "{cs:?}");
        let res = find(&cs, SlaMetric::Resolution);
        assert!(res.breached, "9 h of waiting against 8 h");
        let plan = plan_alerts(&cs, t(9.5));
        assert!(plan.raise.is_empty(), "a stopped clock raises nothing late");
        assert_eq!(plan.next_check, None);

        let r = life
            .ticket
            .customer_message(t(10.0), &TicketPolicy::default())
            .map(|o| o.events);
        life.push(r);
        let res = find(&life.clocks(Clock::Calendar, 10.5), SlaMetric::Resolution);
        assert_eq!(
            (res.cycle, res.state, res.started_at),
            (1, ClockState::Running, t(10.0))
        );
        // The wait keeps adding up: already over target when it reopens.
        assert_eq!(res.due_at, Some(t(10.0)));
        assert_eq!(res.elapsed_s, 9 * 3600 + 1800);
    }

    #[test]
    fn the_most_specific_policy_wins() {
        let mut vip = policy(Clock::Calendar);
        vip.tier = Some(Tier::Vip);
        vip.name = "vip".into();
        let policies = vec![policy(Clock::Calendar), vip];
        assert_eq!(
            select_policy(&policies, Priority::Normal, Tier::Vip).map(|p| p.name.as_str()),
            Some("vip")
        );
        assert_eq!(
            select_policy(&policies, Priority::Normal, Tier::Standard).map(|p| p.name.as_str()),
            Some("p")
        );
        assert_eq!(select_policy(&policies, Priority::Urgent, Tier::Vip), None);
    }

    #[test]
    fn invalid_policies_name_their_fields() {
        let mut bad = policy(Clock::Calendar);
        bad.warn_at_pct = 100;
        bad.first_response_s = Some(-5);
        bad.name = " ".into();
        let dup = policy(Clock::Business);
        let fields: Vec<String> = policy_problems(&[policy(Clock::Calendar), bad, dup])
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            vec![
                "policies[1].name",
                "policies[1].first_response_s",
                "policies[1].warn_at_pct",
                "policies[1].priority",
                "policies[2].priority"
            ]
        );
        assert!(policy_problems(&SlaPolicy::defaults()).is_empty());
    }

    fn any_calendar() -> impl Strategy<Value = BusinessCalendar> {
        prop::sample::select(vec!["UTC", "Asia/Jakarta", "Europe/Berlin"]).prop_map(|tz| {
            BusinessHoursSpec {
                timezone: tz.into(),
                holidays: vec!["2026-03-04".into()],
                ..BusinessHoursSpec::default()
            }
            .validate()
            .unwrap_or_else(|e| panic!("{e}"))
        })
    }

    proptest! {
        #[test]
        fn business_due_times_never_fall_in_closed_hours(start in 0.0f64..400.0, target in 1i64..40 * 3600, cal in any_calendar()) {
            let life = Life::at(start);
            let tl = Timeline::from_events(&life.events).unwrap_or_else(|e| panic!("{e}"));
            let mut p = policy(Clock::Business);
            p.first_response_s = Some(target);
            let fr = clocks(&tl, &p, &cal, t(start)).into_iter().find(|c| c.metric == SlaMetric::FirstResponse);
            let due = fr.and_then(|c| c.due_at);
            prop_assert!(due.is_some());
            let due = due.unwrap_or_default();
            // The due instant ends an open second.
            prop_assert!(cal.is_open(due - Duration::seconds(1)), "due {due} is in closed hours");
        }

        #[test]
        fn pausing_never_makes_a_ticket_due_earlier(pause_at in 0.0f64..3.0, pause_len in 0.0f64..50.0, now in 0.0f64..60.0) {
            let running = Life::at(0.0);
            let mut paused = Life::at(0.0);
            let r = paused.ticket.transition(Status::Pending, None, Actor::Agent { id: 1 }, t(pause_at));
            paused.push(r);
            let back = pause_at + pause_len;
            let r = paused.ticket.customer_message(t(back), &TicketPolicy::default()).map(|o| o.events);
            paused.push(r);
            let now = now.max(back);
            for m in [SlaMetric::FirstResponse, SlaMetric::Resolution] {
                let a = find(&running.clocks(Clock::Calendar, now), m);
                let b = find(&paused.clocks(Clock::Calendar, now), m);
                prop_assert!(b.due_at >= a.due_at, "{m}: {:?} < {:?}", b.due_at, a.due_at);
                prop_assert!(b.elapsed_s <= a.elapsed_s);
            }
        }
    }
}
