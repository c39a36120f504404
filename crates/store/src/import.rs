//! Importing a batch of tickets with their history: all or nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use helpdesk_tickets::import::{ImportBatch, replay};
use helpdesk_tickets::{Actor, TicketPolicy};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::customers::CustomerInput;
use crate::entity::{ticket, user};
use crate::tickets::{NewTicket, Write, apply_writes, insert_ticket};
use crate::users::{NewUser, insert_user};
use crate::{Store, StoreError};

/// Why a batch was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("ticket {ticket}{}: {reason}", .event.map(|e| format!(", event {e}")).unwrap_or_default())]
    Invalid {
        ticket: usize,
        event: Option<usize>,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        ImportError::Store(e.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub ticket_ids: Vec<i64>,
    /// Agents that did not exist and were created as inactive accounts.
    pub created_agents: Vec<String>,
}

impl Store {
    /// Imports `batch` in one transaction. Field formats (e-mails, lengths) are checked by the
    /// caller; this checks uniqueness and replays each ticket's events through the domain.
    /// `new_digest` gives each ticket the digest of a fresh customer-link token.
    pub async fn import_tickets(
        &self,
        batch: &ImportBatch,
        policy: &TicketPolicy,
        now: DateTime<Utc>,
        new_digest: &(dyn Fn() -> String + Sync),
    ) -> Result<ImportOutcome, ImportError> {
        let mut seen = HashMap::new();
        for (i, t) in batch.tickets.iter().enumerate() {
            if let Some(first) = seen.insert(t.external_id.as_str(), i) {
                return Err(ImportError::Invalid {
                    ticket: i,
                    event: None,
                    reason: format!(
                        "external_id `{}` also appears in ticket {first}",
                        t.external_id
                    ),
                });
            }
        }
        let txn = self.begin().await?;
        let ids: Vec<String> = batch
            .tickets
            .iter()
            .map(|t| t.external_id.clone())
            .collect();
        for chunk in ids.chunks(500) {
            let taken: Vec<Option<String>> = ticket::Entity::find()
                .select_only()
                .column(ticket::Column::ExternalId)
                .filter(ticket::Column::ExternalId.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&txn)
                .await?;
            if let Some(Some(dup)) = taken.into_iter().next() {
                let i = seen.get(dup.as_str()).copied().unwrap_or_default();
                return Err(ImportError::Invalid {
                    ticket: i,
                    event: None,
                    reason: format!("external_id `{dup}` was already imported"),
                });
            }
        }

        let mut emails: Vec<String> = batch
            .tickets
            .iter()
            .flat_map(|t| t.events.iter().filter_map(|e| e.agent_email()))
            .map(str::to_lowercase)
            .collect();
        emails.sort_unstable();
        emails.dedup();
        let mut agents: HashMap<String, i64> = HashMap::new();
        let mut created_agents = Vec::new();
        for chunk in emails.chunks(500) {
            let found = user::Entity::find()
                .filter(user::Column::Email.is_in(chunk.iter().cloned()))
                .all(&txn)
                .await?;
            agents.extend(found.into_iter().map(|u| (u.email, u.id)));
        }
        for email in &emails {
            if !agents.contains_key(email) {
                let name = email.split('@').next().unwrap_or(email).to_owned();
                let u = insert_user(
                    &txn,
                    NewUser {
                        email: email.clone(),
                        name,
                        role: "agent".into(),
                        password_hash: None,
                        active: false,
                    },
                    now,
                )
                .await?;
                agents.insert(email.clone(), u.id);
                created_agents.push(email.clone());
            }
        }
        let agent = |m: &str| agents.get(&m.to_lowercase()).copied();

        let mut ticket_ids = Vec::with_capacity(batch.tickets.len());
        for (i, t) in batch.tickets.iter().enumerate() {
            let new = NewTicket {
                subject: t.subject.clone(),
                body: t.body.clone(),
                category: t.category.clone(),
                priority: t.priority,
                channel: t.channel,
                customer: CustomerInput {
                    name: t.customer.name.clone(),
                    email: t.customer.email.to_lowercase(),
                    tier: Some(t.customer.tier.as_str().to_owned()),
                },
                created_by: Actor::Customer,
                access_digest: new_digest(),
                follow_up_of: None,
                external_id: Some(t.external_id.clone()),
                at: t.created_at,
            };
            let (view, mut state) =
                insert_ticket(&txn, new, policy, false)
                    .await
                    .map_err(|e| match e {
                        StoreError::Domain(d) => ImportError::Invalid {
                            ticket: i,
                            event: None,
                            reason: d.to_string(),
                        },
                        e => e.into(),
                    })?;
            let recorded = replay(&mut state, &t.events, &agent, policy).map_err(|e| {
                ImportError::Invalid {
                    ticket: i,
                    event: Some(e.event_index),
                    reason: e.reason,
                }
            })?;
            let writes = recorded
                .into_iter()
                .map(|(event, text)| Write { event, text })
                .collect();
            apply_writes(&txn, &view, &state, writes, false).await?;
            ticket_ids.push(view.ticket.id);
        }
        txn.commit().await?;
        Ok(ImportOutcome {
            ticket_ids,
            created_agents,
        })
    }
}
