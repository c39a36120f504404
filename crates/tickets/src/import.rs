//! Importing tickets with their history from another helpdesk (DESIGN §3 "Import").
//!
//! Imported events are replayed through the same commands as live traffic, so an imported
//! ticket has exactly the metrics a live one would.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::event::{Actor, Event};
use crate::status::{CloseReason, Status};
use crate::survey::SurveyAnswer;
use crate::ticket::{Ticket, TicketPolicy};
use crate::types::{Channel, Priority, Tier};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportBatch {
    pub tickets: Vec<ImportTicket>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportTicket {
    pub external_id: String,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default = "default_channel")]
    pub channel: Channel,
    pub customer: ImportCustomer,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub events: Vec<ImportEvent>,
}

fn default_channel() -> Channel {
    Channel::Email
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportCustomer {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub tier: Tier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAuthor {
    Agent,
    Customer,
    System,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ImportEvent {
    Message {
        at: DateTime<Utc>,
        author: ImportAuthor,
        #[serde(default)]
        agent_email: Option<String>,
        #[serde(default)]
        internal: bool,
        body: String,
    },
    Status {
        at: DateTime<Utc>,
        to: Status,
        #[serde(default)]
        reason: Option<CloseReason>,
    },
    Assign {
        at: DateTime<Utc>,
        agent_email: Option<String>,
    },
    Survey {
        at: DateTime<Utc>,
        #[serde(default)]
        csat: Option<i16>,
        #[serde(default)]
        ces: Option<i16>,
        #[serde(default)]
        nps: Option<i16>,
        #[serde(default)]
        comment: Option<String>,
    },
}

impl ImportEvent {
    pub fn agent_email(&self) -> Option<&str> {
        match self {
            ImportEvent::Message { agent_email, .. } | ImportEvent::Assign { agent_email, .. } => {
                agent_email.as_deref()
            }
            _ => None,
        }
    }
}

/// An event to store, with the text (message body or survey comment) that goes with it.
pub type Recorded = (Event, Option<String>);

/// Why one event of an imported ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayError {
    pub event_index: usize,
    pub reason: String,
}

/// Replays `events` on a freshly created ticket. `agent` maps an agent's e-mail to a user id
/// (the caller has made sure every e-mail in the batch has one).
pub fn replay(
    ticket: &mut Ticket,
    events: &[ImportEvent],
    agent: &dyn Fn(&str) -> Option<i64>,
    policy: &TicketPolicy,
) -> Result<Vec<Recorded>, ReplayError> {
    let mut out: Vec<Recorded> = Vec::new();
    let mut last_agent: Option<i64> = None;
    for (i, e) in events.iter().enumerate() {
        let fail = |reason: String| ReplayError {
            event_index: i,
            reason,
        };
        let agent_of = |email: &Option<String>| -> Result<Option<i64>, ReplayError> {
            match email.as_deref() {
                None => Ok(None),
                Some(m) => agent(m)
                    .map(Some)
                    .ok_or_else(|| fail(format!("unknown agent `{m}`"))),
            }
        };
        let recorded: Vec<Recorded> = match e {
            ImportEvent::Message {
                at,
                author,
                agent_email,
                internal,
                body,
            } => {
                if body.trim().is_empty() {
                    return Err(fail("a message needs a body".into()));
                }
                let with_body = |evs: Vec<Event>| {
                    evs.into_iter()
                        .map(|ev| (ev, Some(body.clone())))
                        .collect::<Vec<_>>()
                };
                match author {
                    ImportAuthor::Agent => {
                        let id = agent_of(agent_email)?
                            .or(ticket.assignee)
                            .or(last_agent)
                            .ok_or_else(|| fail("an agent message needs agent_email".into()))?;
                        last_agent = Some(id);
                        with_body(
                            ticket
                                .agent_message(id, *internal, None, *at)
                                .map_err(|err| fail(err.to_string()))?,
                        )
                    }
                    ImportAuthor::Customer => {
                        if *internal {
                            return Err(fail("a customer message cannot be internal".into()));
                        }
                        let o = ticket
                            .customer_message(*at, policy)
                            .map_err(|err| fail(err.to_string()))?;
                        if o.follow_up_required {
                            return Err(fail("the ticket is closed by then: import this message as a separate ticket".into()));
                        }
                        with_body(o.events)
                    }
                    ImportAuthor::System => with_body(
                        ticket
                            .system_message(*at)
                            .map_err(|err| fail(err.to_string()))?,
                    ),
                }
            }
            ImportEvent::Status { at, to, reason } => {
                let actor = last_agent
                    .or(ticket.assignee)
                    .map_or(Actor::System, |id| Actor::Agent { id });
                ticket
                    .transition(*to, *reason, actor, *at)
                    .map_err(|err| fail(err.to_string()))?
                    .into_iter()
                    .map(|ev| (ev, None))
                    .collect()
            }
            ImportEvent::Assign { at, agent_email } => {
                let to = agent_of(agent_email)?;
                let actor = to
                    .or(last_agent)
                    .map_or(Actor::System, |id| Actor::Agent { id });
                ticket
                    .assign(to, actor, *at)
                    .map_err(|err| fail(err.to_string()))?
                    .into_iter()
                    .map(|ev| (ev, None))
                    .collect()
            }
            ImportEvent::Survey {
                at,
                csat,
                ces,
                nps,
                comment,
            } => {
                let answer = SurveyAnswer {
                    csat: *csat,
                    ces: *ces,
                    nps: *nps,
                    comment: comment.clone(),
                };
                if let Some((field, msg)) = answer.problems().into_iter().next() {
                    return Err(fail(format!("{field} {msg}")));
                }
                ticket
                    .check_survey(false)
                    .map_err(|err| fail(err.to_string()))?;
                let evs = ticket
                    .survey_answered(*csat, *ces, *nps, *at)
                    .map_err(|err| fail(err.to_string()))?;
                evs.into_iter()
                    .map(|ev| (ev, Some(comment.clone().unwrap_or_default())))
                    .collect()
            }
        };
        out.extend(recorded);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::BusinessCalendar;
    use crate::metrics::{TicketMetrics, Timeline};

    fn batch(json: serde_json::Value) -> ImportTicket {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    fn run(t: &ImportTicket) -> Result<(Ticket, Vec<Recorded>), ReplayError> {
        let (mut ticket, created) = Ticket::create(
            t.created_at,
            Actor::Customer,
            t.channel,
            t.priority,
            t.category.clone(),
            None,
        );
        let first = ticket
            .customer_message(t.created_at, &TicketPolicy::default())
            .map(|o| o.events)
            .unwrap_or_default();
        let agent = |m: &str| (m == "budi@example.com").then_some(7);
        let mut rec = replay(&mut ticket, &t.events, &agent, &TicketPolicy::default())?;
        let mut all: Vec<Recorded> = vec![(created, None)];
        all.extend(first.into_iter().map(|e| (e, Some(t.body.clone()))));
        all.append(&mut rec);
        Ok((ticket, all))
    }

    #[test]
    fn imported_history_replays_with_live_rules() {
        let t = batch(serde_json::json!({
            "external_id": "zd-1", "subject": "Refund", "body": "Where is my refund?", "category": "billing",
            "priority": "high", "channel": "email", "customer": {"name": "Sari", "email": "sari@example.com", "tier": "vip"},
            "created_at": "2026-03-02T09:00:00Z",
            "events": [
                {"at": "2026-03-02T10:00:00Z", "type": "message", "author": "agent", "agent_email": "budi@example.com", "internal": false, "body": "Checking."},
                {"at": "2026-03-02T10:00:00Z", "type": "status", "to": "pending"},
                {"at": "2026-03-02T12:00:00Z", "type": "message", "author": "customer", "body": "Any news?"},
                {"at": "2026-03-02T13:00:00Z", "type": "status", "to": "resolved"},
                {"at": "2026-03-02T14:00:00Z", "type": "survey", "csat": 5, "nps": 9, "comment": "Terima kasih"}
            ]
        }));
        let (ticket, recorded) = run(&t).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ticket.status, Status::Resolved);
        let events: Vec<Event> = recorded.into_iter().map(|(e, _)| e).collect();
        let tl = Timeline::from_events(&events).unwrap_or_else(|e| panic!("{e}"));
        let m = TicketMetrics::compute(&tl, &BusinessCalendar::always_open(), t.created_at);
        assert_eq!(m.first_response_s, Some(3600));
        assert_eq!(m.resolution_s, Some(4 * 3600));
        // new 1h + open (after the customer's reply) 1h; the 2h in pending do not count.
        assert_eq!(m.requester_wait_s, 2 * 3600);
    }

    #[test]
    fn a_forbidden_move_names_the_event() {
        let t = batch(serde_json::json!({
            "external_id": "zd-2", "subject": "x", "body": "y", "customer": {"name": "A", "email": "a@example.com"},
            "created_at": "2026-03-02T09:00:00Z",
            "events": [
                {"at": "2026-03-02T10:00:00Z", "type": "status", "to": "closed", "reason": "spam"},
                {"at": "2026-03-02T11:00:00Z", "type": "status", "to": "open"}
            ]
        }));
        let err = run(&t).err();
        assert_eq!(
            err,
            Some(ReplayError {
                event_index: 1,
                reason: "a ticket cannot move from `closed` to `open`".into()
            })
        );
    }

    #[test]
    fn unknown_agents_out_of_order_events_and_early_surveys_are_refused() {
        let base = serde_json::json!({
            "external_id": "zd-3", "subject": "x", "body": "y", "customer": {"name": "A", "email": "a@example.com"},
            "created_at": "2026-03-02T09:00:00Z"
        });
        let with = |events: serde_json::Value| {
            let mut b = base.clone();
            b["events"] = events;
            batch(b)
        };
        let unknown = with(
            serde_json::json!([{"at": "2026-03-02T10:00:00Z", "type": "assign", "agent_email": "who@example.com"}]),
        );
        assert!(
            run(&unknown)
                .err()
                .is_some_and(|e| e.reason.contains("unknown agent"))
        );
        let back = with(
            serde_json::json!([{"at": "2026-03-02T08:00:00Z", "type": "status", "to": "open"}]),
        );
        assert!(
            run(&back)
                .err()
                .is_some_and(|e| e.reason.contains("comes before"))
        );
        let early =
            with(serde_json::json!([{"at": "2026-03-02T10:00:00Z", "type": "survey", "csat": 4}]));
        assert!(
            run(&early)
                .err()
                .is_some_and(|e| e.reason.contains("once the ticket is resolved")),
            "{:?}",
            run(&early).err()
        );
    }
}
