//! The append-only record of everything that happens to a ticket.
//!
//! Every metric can be recomputed from a ticket's events alone; the ticket row only keeps
//! denormalised copies for fast queries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::status::{CloseReason, Status};
use crate::types::{Channel, Priority};

/// Who caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    Customer,
    Agent { id: i64 },
    System,
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::Agent { .. } => "agent",
            Actor::System => "system",
        }
    }

    pub fn agent_id(self) -> Option<i64> {
        match self {
            Actor::Agent { id } => Some(id),
            _ => None,
        }
    }

    /// Rebuilds an actor from its stored `kind` and optional agent id.
    pub fn from_parts(kind: &str, agent_id: Option<i64>) -> Option<Actor> {
        match (kind, agent_id) {
            ("customer", _) => Some(Actor::Customer),
            ("system", _) => Some(Actor::System),
            ("agent", Some(id)) => Some(Actor::Agent { id }),
            _ => None,
        }
    }
}

/// What happened. Serialised (with `kind` as the tag) into the event's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        channel: Channel,
        priority: Priority,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follow_up_of: Option<i64>,
    },
    StatusChanged {
        from: Status,
        to: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<CloseReason>,
    },
    Assigned {
        from: Option<i64>,
        to: Option<i64>,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    CategoryChanged {
        from: Option<String>,
        to: Option<String>,
    },
    TagsChanged {
        tags: Vec<String>,
    },
    MessageAdded {
        internal: bool,
        /// Filled in by storage once the message row exists.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
    },
    SurveyAnswered {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        csat: Option<i16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ces: Option<i16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nps: Option<i16>,
    },
    AlertRaised {
        metric: String,
        level: String,
    },
    AlertCleared {
        metric: String,
        level: String,
    },
    Merged {
        into: i64,
    },
}

impl EventKind {
    /// The stable name stored in the event's `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::Assigned { .. } => "assigned",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::CategoryChanged { .. } => "category_changed",
            EventKind::TagsChanged { .. } => "tags_changed",
            EventKind::MessageAdded { .. } => "message_added",
            EventKind::SurveyAnswered { .. } => "survey_answered",
            EventKind::AlertRaised { .. } => "alert_raised",
            EventKind::AlertCleared { .. } => "alert_cleared",
            EventKind::Merged { .. } => "merged",
        }
    }

    /// `(from, to)` for a status change, for the indexed columns of the event table.
    pub fn status_change(&self) -> Option<(Status, Status)> {
        match self {
            EventKind::StatusChanged { from, to, .. } => Some((*from, *to)),
            _ => None,
        }
    }
}

/// One thing that happened to a ticket, at one instant, by one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    pub fn new(at: DateTime<Utc>, actor: Actor, kind: EventKind) -> Self {
        Event { at, actor, kind }
    }

    /// A public message written by an agent: the only kind that counts as a response.
    pub fn is_public_agent_message(&self) -> bool {
        matches!(self.actor, Actor::Agent { .. })
            && matches!(
                self.kind,
                EventKind::MessageAdded {
                    internal: false,
                    ..
                }
            )
    }

    pub fn is_customer_message(&self) -> bool {
        matches!(self.actor, Actor::Customer) && matches!(self.kind, EventKind::MessageAdded { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_a_kind_tag_and_round_trip() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let Some(at) = at else {
            panic!("bad fixture time")
        };
        let ev = Event::new(
            at,
            Actor::Agent { id: 7 },
            EventKind::StatusChanged {
                from: Status::Open,
                to: Status::Closed,
                reason: Some(CloseReason::Spam),
            },
        );
        let json = serde_json::to_value(&ev).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "at": "2026-03-02T09:00:00Z",
                "actor": {"type": "agent", "id": 7},
                "kind": "status_changed", "from": "open", "to": "closed", "reason": "spam"
            }))
        );
        let back: Option<Event> = json.and_then(|j| serde_json::from_value(j).ok());
        assert_eq!(back, Some(ev));
    }

    #[test]
    fn actor_round_trips_through_its_stored_parts() {
        for a in [Actor::Customer, Actor::System, Actor::Agent { id: 3 }] {
            assert_eq!(Actor::from_parts(a.kind(), a.agent_id()), Some(a));
        }
        assert_eq!(Actor::from_parts("agent", None), None);
    }
}
