//! The live event log: every change browsers should hear about is a row, written in the same
//! transaction as the change. Server-sent events stream from it, a client resumes from the last
//! id it saw, and with PostgreSQL a `NOTIFY` in the same transaction wakes every instance.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};

use crate::entity::live_event;
use crate::{Store, StoreResult};

pub use live_event::Model as LiveEventRow;

/// The PostgreSQL channel instances listen on.
pub const CHANNEL: &str = "helpdesk_live";

#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    /// `ticket` or `alert`.
    pub kind: &'static str,
    pub ticket_id: Option<i64>,
    pub payload: serde_json::Value,
}

pub(crate) async fn publish(
    db: &DatabaseTransaction,
    events: Vec<LiveEvent>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events.into_iter().map(|e| live_event::ActiveModel {
        kind: Set(e.kind.to_owned()),
        ticket_id: Set(e.ticket_id),
        payload: Set(e.payload),
        created_at: Set(at),
        ..Default::default()
    });
    live_event::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Delivered at commit, and only if the transaction commits.
        db.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_notify('{CHANNEL}', '')"),
        ))
        .await?;
    }
    Ok(())
}

impl Store {
    /// Live events with an id above `after`, oldest first.
    pub async fn live_events_after(
        &self,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<LiveEventRow>> {
        Ok(live_event::Entity::find()
            .filter(live_event::Column::Id.gt(after))
            .order_by_asc(live_event::Column::Id)
            .limit(limit)
            .all(self.read())
            .await?)
    }

    pub async fn live_events_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<LiveEventRow>> {
        Ok(live_event::Entity::find()
            .filter(live_event::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(live_event::Column::Id)
            .all(self.read())
            .await?)
    }

    /// The newest live event's id (0 when there is none).
    pub async fn last_live_event_id(&self) -> StoreResult<i64> {
        let last: Option<i64> = live_event::Entity::find()
            .select_only()
            .column(live_event::Column::Id)
            .order_by_desc(live_event::Column::Id)
            .limit(1)
            .into_tuple()
            .one(self.read())
            .await?;
        Ok(last.unwrap_or(0))
    }

    /// Forgets live events older than `keep`: a client away longer reloads instead of resuming.
    pub async fn purge_live_events(&self, now: DateTime<Utc>, keep: Duration) -> StoreResult<u64> {
        let txn = self.begin().await?;
        let n = live_event::Entity::delete_many()
            .filter(live_event::Column::CreatedAt.lt(now - keep))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        Ok(n)
    }

    /// Commits and wakes this instance's live-event reader (PostgreSQL also wakes the others
    /// through `NOTIFY`).
    pub async fn commit(&self, txn: DatabaseTransaction) -> StoreResult<()> {
        txn.commit().await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Resolves when this instance committed something that may carry live events.
    pub fn wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// The database URL, for opening a dedicated `LISTEN` connection.
    pub fn url(&self) -> &str {
        &self.url
    }
}
