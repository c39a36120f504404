//! Response shapes shared by several resources (DESIGN §3 "Shapes").

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SubsecRound, Utc};
use helpdesk_store::tickets::{MessageRow, QueuePos, SurveyRow, TicketView};
use helpdesk_tickets::{Channel, CloseReason, Priority, Status, Tier};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// The current instant at the precision both databases keep (microseconds), so that what is
/// stored and what is compared are the same values.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerRef {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub tier: Tier,
}

/// A ticket as it appears in lists and at the top of its detail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketOut {
    pub id: i64,
    /// What people call the ticket, e.g. `HD-1042`.
    pub reference: String,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub category: Option<String>,
    pub channel: Channel,
    pub customer: CustomerRef,
    pub assignee_id: Option<i64>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<CloseReason>,
    pub reopen_count: u32,
    /// The closed ticket this one follows up on.
    pub follow_up_of: Option<i64>,
    /// The earliest target among the ticket's running SLA clocks (none while paused or
    /// resolved): what "most urgent first" sorts by.
    pub sla_due_at: Option<DateTime<Utc>>,
}

impl TicketOut {
    pub fn from_view(v: &TicketView) -> ApiResult<TicketOut> {
        let d = v.domain()?;
        let t = &v.ticket;
        Ok(TicketOut {
            id: t.id,
            reference: v.reference(),
            subject: t.subject.clone(),
            status: d.status,
            priority: d.priority,
            category: d.category,
            channel: d.channel,
            customer: CustomerRef {
                id: v.customer.id,
                name: v.customer.name.clone(),
                email: v.customer.email.clone(),
                tier: v.customer.tier.parse().unwrap_or_default(),
            },
            assignee_id: d.assignee,
            tags: d.tags,
            created_at: t.created_at,
            updated_at: t.updated_at,
            first_response_at: d.first_response_at,
            resolved_at: d.resolved_at,
            closed_at: d.closed_at,
            close_reason: d.close_reason,
            reopen_count: d.reopen_count,
            follow_up_of: t.follow_up_of,
            sla_due_at: t.sla_due_at,
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageOut {
    pub id: i64,
    /// `customer`, `agent` or `system`.
    pub author_type: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub internal: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl MessageOut {
    pub fn new(m: &MessageRow, author_name: Option<String>) -> MessageOut {
        MessageOut {
            id: m.id,
            author_type: m.author_type.clone(),
            author_id: m.author_id,
            author_name,
            internal: m.internal,
            body: m.body.clone(),
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyOut {
    pub csat: Option<i16>,
    pub ces: Option<i16>,
    pub nps: Option<i16>,
    pub comment: String,
    pub answered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&SurveyRow> for SurveyOut {
    fn from(s: &SurveyRow) -> Self {
        SurveyOut {
            csat: s.csat,
            ces: s.ces,
            nps: s.nps,
            comment: s.comment.clone(),
            answered_at: s.answered_at,
            updated_at: s.updated_at,
        }
    }
}

/// A page of a list, continued with `?cursor=<next_cursor>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// An opaque keyset position: the sort (`n` newest, `d` most urgent), the sort instant in
/// nanoseconds (`-` for none) and the id.
pub fn encode_cursor(pos: QueuePos) -> String {
    let nanos = |t: DateTime<Utc>| t.timestamp_nanos_opt().unwrap_or_default().to_string();
    let raw = match pos {
        QueuePos::Newest(at, id) => format!("n:{}:{id}", nanos(at)),
        QueuePos::Due(due, id) => {
            format!("d:{}:{id}", due.map(nanos).unwrap_or_else(|| "-".into()))
        }
    };
    URL_SAFE_NO_PAD.encode(raw)
}

pub fn decode_cursor(cursor: &str) -> ApiResult<QueuePos> {
    let bad = || ApiError::invalid("cursor", "is not a cursor this server gave out");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.splitn(3, ':');
    let (Some(kind), Some(at), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let id: i64 = id.parse().map_err(|_| bad())?;
    let at = match at {
        "-" => None,
        n => Some(DateTime::from_timestamp_nanos(
            n.parse().map_err(|_| bad())?,
        )),
    };
    match (kind, at) {
        ("n", Some(at)) => Ok(QueuePos::Newest(at, id)),
        ("d", due) => Ok(QueuePos::Due(due, id)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_nanos(1_772_442_000_123_456_000);
        for pos in [
            QueuePos::Newest(at, 77),
            QueuePos::Due(Some(at), 3),
            QueuePos::Due(None, 9),
        ] {
            assert_eq!(decode_cursor(&encode_cursor(pos)).ok(), Some(pos));
        }
        assert!(decode_cursor("not-a-cursor").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("n:-:1")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("1:x")).is_err());
    }
}
