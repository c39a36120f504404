//! What reports read: narrow rows of the tickets in a cohort, read in one query each.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde::Deserialize;

use crate::entity::{survey, ticket};
use crate::{Store, StoreError, StoreResult};

/// One ticket of a report's cohort; instants in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReportRow {
    pub id: i64,
    pub customer_id: i64,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    /// The first time it became resolved; kept when it is reopened, so it tells whether the
    /// ticket was ever resolved (and offered the survey).
    pub first_resolved_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub close_reason: Option<String>,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub priority: String,
    pub category: Option<String>,
    pub channel: String,
    pub sla_state: Option<String>,
    pub reopen_count: i32,
    /// 1 when the customer created another ticket at most 30 days before this one.
    pub repeat_contact: u8,
}

/// A cohort is read a week of creation time per query.
const SLICE_DAYS: i64 = 7;

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
    ///
    /// A quarter can hold hundreds of thousands of tickets, and the driver's cost per row (about
    /// 7 µs on SQLite, measured) would dominate the report. So the database packs each week of
    /// the cohort into one value — SQLite one JSON array of rows (`json_group_array`, instants
    /// turned into Unix seconds on the way), PostgreSQL one array per column — and the weeks
    /// are read two at a time (two connections, two cores).
    pub async fn report_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ReportRow>> {
        use futures::{StreamExt, TryStreamExt};
        let mut slices = Vec::new();
        let mut start = from;
        while start < to {
            let end = (start + Duration::days(SLICE_DAYS)).min(to);
            slices.push((start, end));
            start = end;
        }
        let parts: Vec<Vec<ReportRow>> = futures::stream::iter(slices)
            .map(|(a, b)| self.report_slice(a, b))
            .buffered(2)
            .try_collect()
            .await?;
        let mut rows: Vec<ReportRow> = parts.into_iter().flatten().collect();
        rows.sort_unstable_by_key(|r| (r.created_at, r.id));
        Ok(rows)
    }

    async fn report_slice(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ReportRow>> {
        if self.is_postgres() {
            return self.report_slice_pg(from, to).await;
        }
        // The columns in the order of `ReportRow`'s fields.
        let sql = "SELECT json_group_array(json_array(id, customer_id, unixepoch(created_at), \
             unixepoch(first_response_at), unixepoch(first_resolved_at), unixepoch(resolved_at), \
             unixepoch(closed_at), close_reason, status, assignee_id, priority, category, \
             channel, sla_state, reopen_count, CASE WHEN repeat_contact THEN 1 ELSE 0 END)) \
             FROM tickets WHERE created_at >= $1 AND created_at < $2";
        let packed: Option<String> = self
            .read()
            .query_one_raw(Statement::from_sql_and_values(
                self.backend(),
                sql,
                [from.into(), to.into()],
            ))
            .await?
            .map(|r| r.try_get_by_index::<Option<String>>(0))
            .transpose()?
            .flatten();
        let Some(packed) = packed else {
            return Ok(Vec::new());
        };
        tokio::task::spawn_blocking(move || serde_json::from_str::<Vec<ReportRow>>(&packed))
            .await
            .map_err(|e| StoreError::Corrupt(format!("report rows: {e}")))?
            .map_err(|e| StoreError::Corrupt(format!("report rows: {e}")))
    }

    /// PostgreSQL builds JSON slowly (about 6 µs a row here) but aggregates native arrays
    /// quickly and sends them in binary, so each column comes as one array.
    async fn report_slice_pg(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ReportRow>> {
        use sea_orm::sqlx::Row;
        let sql = "SELECT array_agg(id), array_agg(customer_id), array_agg(created_at), \
             array_agg(first_response_at), array_agg(first_resolved_at), array_agg(resolved_at), \
             array_agg(closed_at), array_agg(close_reason), array_agg(status), \
             array_agg(assignee_id), array_agg(priority), array_agg(category), \
             array_agg(channel), array_agg(sla_state), array_agg(reopen_count), \
             array_agg(repeat_contact) FROM tickets WHERE created_at >= $1 AND created_at < $2";
        let Some(res) = self
            .read()
            .query_one_raw(Statement::from_sql_and_values(
                self.backend(),
                sql,
                [from.into(), to.into()],
            ))
            .await?
        else {
            return Ok(Vec::new());
        };
        let row = res
            .try_as_pg_row()
            .ok_or_else(|| StoreError::Corrupt("report rows: not a PostgreSQL row".into()))?;
        fn col<'r, T>(row: &'r sea_orm::sqlx::postgres::PgRow, i: usize) -> StoreResult<Vec<T>>
        where
            T: sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>
                + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>,
            Vec<T>: sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>
                + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>,
        {
            row.try_get::<Option<Vec<T>>, _>(i)
                .map(Option::unwrap_or_default)
                .map_err(|e| StoreError::Corrupt(format!("report rows: {e}")))
        }
        let secs = |v: Vec<Option<DateTime<Utc>>>| -> Vec<Option<i64>> {
            v.into_iter().map(|t| t.map(|t| t.timestamp())).collect()
        };
        let id: Vec<i64> = col(row, 0)?;
        let customer_id: Vec<i64> = col(row, 1)?;
        let created_at: Vec<DateTime<Utc>> = col(row, 2)?;
        let first_response_at = secs(col(row, 3)?);
        let first_resolved_at = secs(col(row, 4)?);
        let resolved_at = secs(col(row, 5)?);
        let closed_at = secs(col(row, 6)?);
        let close_reason: Vec<Option<String>> = col(row, 7)?;
        let status: Vec<String> = col(row, 8)?;
        let assignee_id: Vec<Option<i64>> = col(row, 9)?;
        let priority: Vec<String> = col(row, 10)?;
        let category: Vec<Option<String>> = col(row, 11)?;
        let channel: Vec<String> = col(row, 12)?;
        let sla_state: Vec<Option<String>> = col(row, 13)?;
        let reopen_count: Vec<i32> = col(row, 14)?;
        let repeat_contact: Vec<bool> = col(row, 15)?;
        let n = id.len();
        let lengths = [
            customer_id.len(),
            created_at.len(),
            first_response_at.len(),
            first_resolved_at.len(),
            resolved_at.len(),
            closed_at.len(),
            close_reason.len(),
            status.len(),
            assignee_id.len(),
            priority.len(),
            category.len(),
            channel.len(),
            sla_state.len(),
            reopen_count.len(),
            repeat_contact.len(),
        ];
        if lengths.iter().any(|l| *l != n) {
            return Err(StoreError::Corrupt(
                "report rows: columns of different lengths".into(),
            ));
        }
        let mut close_reason = close_reason.into_iter();
        let mut status = status.into_iter();
        let mut priority = priority.into_iter();
        let mut category = category.into_iter();
        let mut channel = channel.into_iter();
        let mut sla_state = sla_state.into_iter();
        Ok((0..n)
            .map(|i| ReportRow {
                id: id[i],
                customer_id: customer_id[i],
                created_at: created_at[i].timestamp(),
                first_response_at: first_response_at[i],
                first_resolved_at: first_resolved_at[i],
                resolved_at: resolved_at[i],
                closed_at: closed_at[i],
                close_reason: close_reason.next().flatten(),
                status: status.next().unwrap_or_default(),
                assignee_id: assignee_id[i],
                priority: priority.next().unwrap_or_default(),
                category: category.next().flatten(),
                channel: channel.next().unwrap_or_default(),
                sla_state: sla_state.next().flatten(),
                reopen_count: reopen_count[i],
                repeat_contact: u8::from(repeat_contact[i]),
            })
            .collect())
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
