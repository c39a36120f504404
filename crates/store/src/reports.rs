//! What reports read: narrow rows of the tickets in a cohort, read in one query each.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{survey, ticket};
use crate::{Store, StoreResult};

/// One ticket of a report's cohort.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ReportRow {
    pub id: i64,
    pub customer_id: i64,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// The first time it became resolved; kept when it is reopened, so it tells whether the
    /// ticket was ever resolved (and offered the survey).
    pub first_resolved_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub priority: String,
    pub category: Option<String>,
    pub channel: String,
    pub sla_state: Option<String>,
    pub reopen_count: i32,
}

/// One survey answer with the ticket it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SurveyAnswerRow {
    pub ticket_id: i64,
    pub csat: Option<i16>,
    pub ces: Option<i16>,
    pub nps: Option<i16>,
    pub comment: String,
    pub answered_at: DateTime<Utc>,
}

impl Store {
    /// Tickets created in `[from, to)`, oldest first.
    pub async fn report_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ReportRow>> {
        use ticket::Column as C;
        Ok(ticket::Entity::find()
            .select_only()
            .columns([
                C::Id,
                C::CustomerId,
                C::CreatedAt,
                C::FirstResponseAt,
                C::FirstResolvedAt,
                C::ResolvedAt,
                C::ClosedAt,
                C::CloseReason,
                C::Status,
                C::AssigneeId,
                C::Priority,
                C::Category,
                C::Channel,
                C::SlaState,
                C::ReopenCount,
            ])
            .filter(C::CreatedAt.gte(from))
            .filter(C::CreatedAt.lt(to))
            .order_by_asc(C::CreatedAt)
            .order_by_asc(C::Id)
            .into_model::<ReportRow>()
            .all(self.read())
            .await?)
    }

    /// `(customer, created_at, ticket)` of every ticket created in `[from, to)`, by customer,
    /// then time, then ticket id: enough to tell which tickets repeat an earlier contact. The
    /// id orders two tickets of one instant, so only the later one of them is a repeat.
    pub async fn contact_times(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<(i64, DateTime<Utc>, i64)>> {
        use ticket::Column as C;
        Ok(ticket::Entity::find()
            .select_only()
            .columns([C::CustomerId, C::CreatedAt, C::Id])
            .filter(C::CreatedAt.gte(from))
            .filter(C::CreatedAt.lt(to))
            .order_by_asc(C::CustomerId)
            .order_by_asc(C::CreatedAt)
            .order_by_asc(C::Id)
            .into_tuple()
            .all(self.read())
            .await?)
    }

    /// Survey answers of tickets created in `[from, to)`.
    pub async fn survey_answers(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<SurveyAnswerRow>> {
        use sea_orm::sea_query::{Expr, ExprTrait, Query};
        let cohort = Query::select()
            .column(ticket::Column::Id)
            .from(ticket::Entity)
            .and_where(Expr::col(ticket::Column::CreatedAt).gte(from))
            .and_where(Expr::col(ticket::Column::CreatedAt).lt(to))
            .to_owned();
        Ok(survey::Entity::find()
            .select_only()
            .columns([
                survey::Column::TicketId,
                survey::Column::Csat,
                survey::Column::Ces,
                survey::Column::Nps,
                survey::Column::Comment,
                survey::Column::AnsweredAt,
            ])
            .filter(survey::Column::TicketId.in_subquery(cohort))
            .order_by_desc(survey::Column::AnsweredAt)
            .into_model::<SurveyAnswerRow>()
            .all(self.read())
            .await?)
    }

    /// Rows of the given tickets, for drill-downs.
    pub async fn tickets_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<ticket::Model>> {
        Ok(ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(ticket::Column::Id)
            .all(self.read())
            .await?)
    }

    /// Every event of the given tickets, by ticket then order.
    pub async fn events_of(&self, ids: &[i64]) -> StoreResult<Vec<crate::tickets::EventRow>> {
        use crate::entity::ticket_event;
        Ok(ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.is_in(ids.iter().copied()))
            .order_by_asc(ticket_event::Column::TicketId)
            .order_by_asc(ticket_event::Column::Id)
            .all(self.read())
            .await?)
    }
}
