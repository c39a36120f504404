//! Customers: people who complain. Identified by e-mail; no account, no password.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entity::{customer, survey, ticket};
use crate::tickets::{SurveyRow, TicketRow};
use crate::{Store, StoreError, StoreResult};

pub use customer::Model as Customer;

/// Who a ticket is from, as given with the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerInput {
    pub name: String,
    /// Already normalised to lower case by the caller.
    pub email: String,
    /// Set only by staff and imports; the public form cannot choose a tier.
    pub tier: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub tier: Option<String>,
    pub notes: Option<String>,
}

/// Finds each customer by e-mail or creates them; one result per input, in order. The profile
/// that already exists wins over what a new ticket says, except that a tier given by staff or
/// an import is applied.
pub(crate) async fn upsert_customers<C: ConnectionTrait>(
    db: &C,
    inputs: &[CustomerInput],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Customer>> {
    let new = inputs.iter().map(|input| customer::ActiveModel {
        email: Set(input.email.clone()),
        name: Set(input.name.clone()),
        tier: Set(input.tier.clone().unwrap_or_else(|| "standard".into())),
        notes: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    // ON CONFLICT DO NOTHING rather than insert-and-catch: a failed statement would abort the
    // whole PostgreSQL transaction this runs in.
    customer::Entity::insert_many(new)
        .on_conflict_do_nothing_on([customer::Column::Email])
        .exec_without_returning(db)
        .await?;
    let mut q = customer::Entity::find()
        .filter(customer::Column::Email.is_in(inputs.iter().map(|i| i.email.clone())));
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // The rows are held until the transaction ends, so that two transactions creating
        // tickets for one customer take turns and the second sees the first's tickets when it
        // works out repeat contacts (SQLite has one writer at a time anyway). One order for
        // every transaction, so two batches cannot deadlock on each other.
        q = q
            .order_by_asc(customer::Column::Id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate);
    }
    let mut found = q.all(db).await?;
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let idx = found
            .iter()
            .position(|c| c.email == input.email)
            .ok_or(StoreError::NotFound("customer"))?;
        if let Some(tier) = input.tier.as_ref().filter(|t| **t != found[idx].tier) {
            let mut am: customer::ActiveModel = found[idx].clone().into();
            am.tier = Set(tier.clone());
            am.updated_at = Set(now);
            found[idx] = am.update(db).await?;
        }
        out.push(found[idx].clone());
    }
    Ok(out)
}

impl Store {
    pub async fn customer(&self, id: i64) -> StoreResult<Option<Customer>> {
        Ok(customer::Entity::find_by_id(id).one(self.read()).await?)
    }

    pub async fn customers_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Customer>> {
        Ok(customer::Entity::find()
            .filter(customer::Column::Id.is_in(ids.iter().copied()))
            .all(self.read())
            .await?)
    }

    /// A customer's tickets created before the given one (`created_at`, then id for tickets of
    /// the same instant), newest first, with their survey answers: what an agent looks back on.
    pub async fn earlier_tickets(
        &self,
        customer_id: i64,
        before: DateTime<Utc>,
        before_id: i64,
        limit: u64,
    ) -> StoreResult<Vec<(TicketRow, Option<SurveyRow>)>> {
        use ticket::Column as C;
        let rows = ticket::Entity::find()
            .filter(C::CustomerId.eq(customer_id))
            .filter(
                Condition::any().add(C::CreatedAt.lt(before)).add(
                    Condition::all()
                        .add(C::CreatedAt.eq(before))
                        .add(C::Id.lt(before_id)),
                ),
            )
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .limit(limit)
            .all(self.read())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
        let mut surveys = survey::Entity::find()
            .filter(survey::Column::TicketId.is_in(ids))
            .all(self.read())
            .await?;
        Ok(rows
            .into_iter()
            .map(|t| {
                let s = surveys
                    .iter()
                    .position(|s| s.ticket_id == t.id)
                    .map(|i| surveys.swap_remove(i));
                (t, s)
            })
            .collect())
    }

    pub async fn update_customer(
        &self,
        id: i64,
        patch: CustomerPatch,
        now: DateTime<Utc>,
    ) -> StoreResult<Customer> {
        let txn = self.begin().await?;
        let current = customer::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("customer"))?;
        let mut am: customer::ActiveModel = current.into();
        if let Some(v) = patch.name {
            am.name = Set(v);
        }
        if let Some(v) = patch.tier {
            am.tier = Set(v);
        }
        if let Some(v) = patch.notes {
            am.notes = Set(v);
        }
        am.updated_at = Set(now);
        let c = am.update(&txn).await?;
        txn.commit().await?;
        Ok(c)
    }
}
