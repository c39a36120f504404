//! Tickets, their messages and their events.
//!
//! Every change to a ticket goes through [`Store::mutate_ticket`] or [`Store::create_ticket`]:
//! the domain decides, and the resulting events, messages and the updated ticket row are
//! written in one transaction.

use chrono::{DateTime, Utc};
use helpdesk_tickets::{
    Actor, Channel, CloseReason, Event, EventKind, Priority, Status, Ticket, TicketPolicy, Timeline,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::customers::{Customer, CustomerInput, upsert_customers};
use crate::entity::{customer, idempotency_key, message, survey, ticket, ticket_event};
use crate::sla::SlaSettings;
use crate::{Store, StoreError, StoreResult, live, parse_stored};

pub use message::Model as MessageRow;
pub use survey::Model as SurveyRow;
pub use ticket::Model as TicketRow;
pub use ticket_event::Model as EventRow;

/// Tickets are shown to people as `HD-<id + 1000>`.
const REFERENCE_OFFSET: i64 = 1000;

pub fn reference(id: i64) -> String {
    format!("HD-{}", id + REFERENCE_OFFSET)
}

/// The ticket id behind a reference, if it is well formed.
pub fn parse_reference(reference: &str) -> Option<i64> {
    let n: i64 = reference.strip_prefix("HD-")?.parse().ok()?;
    (n > REFERENCE_OFFSET).then_some(n - REFERENCE_OFFSET)
}

/// A ticket row with its customer.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub ticket: TicketRow,
    pub customer: Customer,
}

impl TicketView {
    pub fn reference(&self) -> String {
        reference(self.ticket.id)
    }

    /// The domain's view of the ticket, from the denormalised row.
    pub fn domain(&self) -> StoreResult<Ticket> {
        to_domain(&self.ticket)
    }
}

/// An event to write, with the text that belongs to it: a message's body, or a survey's
/// comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub event: Event,
    pub text: Option<String>,
}

impl Write {
    pub fn bare(event: Event) -> Write {
        Write { event, text: None }
    }

    /// Attaches `text` to the message events in `events` (there is at most one per command).
    pub fn with_text(events: Vec<Event>, text: &str) -> Vec<Write> {
        events
            .into_iter()
            .map(|event| {
                let text = matches!(
                    event.kind,
                    EventKind::MessageAdded { .. } | EventKind::SurveyAnswered { .. }
                )
                .then(|| text.to_owned());
                Write { event, text }
            })
            .collect()
    }
}

/// A ticket to create.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub body: String,
    pub category: Option<String>,
    pub priority: Priority,
    pub channel: Channel,
    pub customer: CustomerInput,
    /// Who created it: the customer (public form) or the agent who logged it.
    pub created_by: Actor,
    pub access_digest: String,
    pub follow_up_of: Option<i64>,
    pub external_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// A retry guard for a submission: the client's key and a digest of what it sent.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub request_digest: String,
}

/// A ticket to create with its retry guard, as one item of a group commit.
#[derive(Debug, Clone)]
pub struct Submission {
    pub ticket: NewTicket,
    pub idem: Option<Idempotency>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    New(TicketView),
    /// The same idempotency key was used before with the same request: the first ticket.
    Replayed(TicketView),
}

/// What a customer's reply did.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Added(TicketView),
    /// The ticket was closed: the reply started a follow-up ticket.
    FollowUp {
        original: TicketView,
        follow_up: Box<TicketView>,
    },
}

/// Who a queue is filtered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssigneeFilter {
    #[default]
    Anyone,
    Unassigned,
    User(i64),
}

/// The agent queue's filters and position.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub statuses: Vec<Status>,
    pub assignee: AssigneeFilter,
    pub priority: Option<Priority>,
    pub category: Option<String>,
    pub customer_id: Option<i64>,
    pub q: Option<String>,
    /// Only tickets whose earliest running SLA target is at or before this instant
    /// ("breached": now; "due within N minutes": now + N).
    pub due_by: Option<DateTime<Utc>>,
    /// Only tickets that repeat an earlier complaint of the same customer.
    pub repeat: bool,
    pub sort: QueueSort,
    /// Continue after this position (of the same sort).
    pub after: Option<QueuePos>,
    pub limit: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// Newest first.
    #[default]
    Newest,
    /// Most urgent SLA target first; tickets with no running clock last.
    DueFirst,
}

/// A keyset position in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuePos {
    Newest(DateTime<Utc>, i64),
    Due(Option<DateTime<Utc>>, i64),
}

pub struct Page<T> {
    pub items: Vec<T>,
    /// The position to continue from, when there is more.
    pub next: Option<QueuePos>,
}

/// A ticket with everything an agent sees on its page.
#[derive(Debug, Clone)]
pub struct TicketDetail {
    pub view: TicketView,
    pub messages: Vec<MessageRow>,
    pub events: Vec<EventRow>,
    pub survey: Option<SurveyRow>,
}

impl TicketDetail {
    /// The domain events, oldest first.
    pub fn domain_events(&self) -> StoreResult<Vec<Event>> {
        self.events.iter().map(event_from_row).collect()
    }
}

fn to_domain(t: &TicketRow) -> StoreResult<Ticket> {
    Ok(Ticket {
        status: parse_stored("status", &t.status)?,
        channel: parse_stored("channel", &t.channel)?,
        priority: parse_stored("priority", &t.priority)?,
        category: t.category.clone(),
        tags: serde_json::from_value(t.tags.clone())?,
        assignee: t.assignee_id,
        created_at: t.created_at,
        updated_at: t.updated_at,
        status_since: t.status_since,
        first_response_at: t.first_response_at,
        first_resolved_at: t.first_resolved_at,
        resolved_at: t.resolved_at,
        closed_at: t.closed_at,
        close_reason: t
            .close_reason
            .as_deref()
            .map(|r| parse_stored::<CloseReason>("close reason", r))
            .transpose()?,
        reopen_count: u32::try_from(t.reopen_count).unwrap_or_default(),
    })
}

/// Rebuilds a domain event from its row.
pub fn event_from_row(row: &EventRow) -> StoreResult<Event> {
    let actor = Actor::from_parts(&row.actor_type, row.actor_id).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "event {} has an unknown actor `{}`",
            row.id, row.actor_type
        ))
    })?;
    let kind: EventKind = serde_json::from_value(row.payload.clone())?;
    Ok(Event {
        at: row.at,
        actor,
        kind,
    })
}

/// Copies the domain state onto the ticket row.
fn state_into(am: &mut ticket::ActiveModel, t: &Ticket) -> StoreResult<()> {
    am.status = Set(t.status.as_str().to_owned());
    am.priority = Set(t.priority.as_str().to_owned());
    am.category = Set(t.category.clone());
    am.tags = Set(serde_json::to_value(&t.tags)?);
    am.assignee_id = Set(t.assignee);
    am.updated_at = Set(t.updated_at);
    am.status_since = Set(t.status_since);
    am.first_response_at = Set(t.first_response_at);
    am.first_resolved_at = Set(t.first_resolved_at);
    am.resolved_at = Set(t.resolved_at);
    am.closed_at = Set(t.closed_at);
    am.close_reason = Set(t.close_reason.map(|r| r.as_str().to_owned()));
    am.reopen_count = Set(i32::try_from(t.reopen_count).unwrap_or(i32::MAX));
    // Any change may start, stop or move an SLA clock: the alert engine looks again.
    am.sla_next_check_at = Set(Some(t.updated_at));
    Ok(())
}

/// The live event that tells browsers a ticket changed.
fn ticket_live_event(change: &str, row: &TicketRow) -> live::LiveEvent {
    live::LiveEvent {
        kind: "ticket",
        ticket_id: Some(row.id),
        payload: serde_json::json!({
            "change": change,
            "id": row.id,
            "reference": reference(row.id),
            "subject": row.subject,
            "status": row.status,
            "priority": row.priority,
            "assignee_id": row.assignee_id,
            "updated_at": row.updated_at,
        }),
    }
}

/// Writes events (and the messages and survey answers they carry) for several tickets, with
/// one statement per table rather than one per row. Returns the ids of the messages added,
/// per ticket, in order.
pub(crate) async fn append_many(
    db: &DatabaseTransaction,
    batch: Vec<(i64, Vec<Write>)>,
) -> StoreResult<Vec<Vec<i64>>> {
    let mut messages = Vec::new();
    for (ticket_id, writes) in &batch {
        for w in writes {
            if let EventKind::MessageAdded { internal, .. } = w.event.kind {
                messages.push(message::ActiveModel {
                    ticket_id: Set(*ticket_id),
                    author_type: Set(w.event.actor.kind().to_owned()),
                    author_id: Set(w.event.actor.agent_id()),
                    internal: Set(internal),
                    body: Set(w.text.clone().unwrap_or_default()),
                    created_at: Set(w.event.at),
                    ..Default::default()
                });
            }
        }
    }
    let expected = messages.len();
    let mut inserted = message::Entity::insert_many(messages)
        .exec_with_returning(db)
        .await?;
    // Both databases number the rows of one INSERT in the order of its VALUES.
    inserted.sort_unstable_by_key(|m| m.id);
    if inserted.len() != expected {
        return Err(StoreError::Corrupt(format!(
            "inserted {} of {expected} messages",
            inserted.len()
        )));
    }
    let mut inserted = inserted.into_iter();
    let mut events = Vec::new();
    let mut ids_per_ticket = Vec::with_capacity(batch.len());
    for (ticket_id, writes) in batch {
        let mut ids = Vec::new();
        for Write { mut event, text } in writes {
            match &mut event.kind {
                EventKind::MessageAdded { message_id, .. } => {
                    let m = inserted
                        .next()
                        .filter(|m| m.ticket_id == ticket_id)
                        .ok_or_else(|| {
                            StoreError::Corrupt("messages came back out of order".into())
                        })?;
                    *message_id = Some(m.id);
                    ids.push(m.id);
                }
                EventKind::SurveyAnswered { csat, ces, nps } => {
                    upsert_survey(
                        db,
                        ticket_id,
                        *csat,
                        *ces,
                        *nps,
                        text.unwrap_or_default(),
                        event.at,
                    )
                    .await?;
                }
                _ => {}
            }
            let (from, to) = event.kind.status_change().map_or((None, None), |(f, t)| {
                (Some(f.as_str().to_owned()), Some(t.as_str().to_owned()))
            });
            events.push(ticket_event::ActiveModel {
                ticket_id: Set(ticket_id),
                kind: Set(event.kind.name().to_owned()),
                from_status: Set(from),
                to_status: Set(to),
                actor_type: Set(event.actor.kind().to_owned()),
                actor_id: Set(event.actor.agent_id()),
                at: Set(event.at),
                payload: Set(serde_json::to_value(&event.kind)?),
                ..Default::default()
            });
        }
        ids_per_ticket.push(ids);
    }
    ticket_event::Entity::insert_many(events)
        .exec_without_returning(db)
        .await?;
    Ok(ids_per_ticket)
}

async fn upsert_survey(
    db: &DatabaseTransaction,
    ticket_id: i64,
    csat: Option<i16>,
    ces: Option<i16>,
    nps: Option<i16>,
    comment: String,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let am = survey::ActiveModel {
        ticket_id: Set(ticket_id),
        csat: Set(csat),
        ces: Set(ces),
        nps: Set(nps),
        comment: Set(comment),
        answered_at: Set(at),
        updated_at: Set(at),
    };
    survey::Entity::insert(am)
        .on_conflict(
            OnConflict::column(survey::Column::TicketId)
                .update_columns([
                    survey::Column::Csat,
                    survey::Column::Ces,
                    survey::Column::Nps,
                    survey::Column::Comment,
                    survey::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

async fn load_view<C: ConnectionTrait>(
    db: &C,
    id: i64,
    lock: bool,
) -> StoreResult<Option<TicketView>> {
    let mut q = ticket::Entity::find_by_id(id);
    if lock {
        // Serialises concurrent changes to one ticket on PostgreSQL; SQLite has one writer.
        q = q.lock_exclusive();
    }
    let Some(t) = q.one(db).await? else {
        return Ok(None);
    };
    let c = customer::Entity::find_by_id(t.customer_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("customer"))?;
    Ok(Some(TicketView {
        ticket: t,
        customer: c,
    }))
}

/// Inserts tickets with their customers, first messages and events, inside `db`, a few
/// statements for the whole batch.
pub(crate) async fn insert_tickets(
    db: &DatabaseTransaction,
    tickets: Vec<NewTicket>,
    policy: &TicketPolicy,
    publish: bool,
) -> StoreResult<Vec<(TicketView, Ticket)>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let inputs: Vec<CustomerInput> = tickets.iter().map(|t| t.customer.clone()).collect();
    // Also holds the customers' rows until the transaction ends.
    let customers = upsert_customers(db, &inputs, tickets[0].at).await?;
    // Read in this transaction, so a ticket is measured under the rules it commits with.
    let sla = SlaSettings::load(db).await?;
    let new: Vec<(i64, DateTime<Utc>)> = customers
        .iter()
        .zip(&tickets)
        .map(|(c, t)| (c.id, t.at))
        .collect();
    let repeats = repeat_contacts_of_new(db, &new).await?;
    let mut rows = Vec::with_capacity(tickets.len());
    let mut states = Vec::with_capacity(tickets.len());
    for ((t, c), repeat) in tickets.iter().zip(&customers).zip(repeats) {
        let (mut state, created) = Ticket::create(
            t.at,
            t.created_by,
            t.channel,
            t.priority,
            t.category.clone(),
            t.follow_up_of,
        );
        let first = state.customer_message(t.at, policy)?;
        let mut am = ticket::ActiveModel {
            subject: Set(t.subject.clone()),
            channel: Set(t.channel.as_str().to_owned()),
            customer_id: Set(c.id),
            access_digest: Set(t.access_digest.clone()),
            follow_up_of: Set(t.follow_up_of),
            external_id: Set(t.external_id.clone()),
            created_at: Set(t.at),
            version: Set(0),
            repeat_contact: Set(repeat),
            ..Default::default()
        };
        state_into(&mut am, &state)?;
        let mut writes = vec![Write::bare(created)];
        writes.extend(Write::with_text(first.events, &t.body));
        schedule_first_sla_check(&mut am, &writes, &c.tier, &sla, t.at)?;
        rows.push(am);
        states.push((state, writes));
    }
    let mut inserted = ticket::Entity::insert_many(rows)
        .exec_with_returning(db)
        .await
        .map_err(|e| {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                StoreError::conflict(
                    "external_id",
                    "a ticket with this external_id was already imported",
                )
            } else {
                e
            }
        })?;
    inserted.sort_unstable_by_key(|t| t.id);
    let mut out = Vec::with_capacity(inserted.len());
    let mut appends = Vec::with_capacity(inserted.len());
    for ((row, (state, writes)), (t, customer)) in inserted
        .into_iter()
        .zip(states)
        .zip(tickets.iter().zip(customers))
    {
        if row.access_digest != t.access_digest {
            return Err(StoreError::Corrupt("tickets came back out of order".into()));
        }
        appends.push((row.id, writes));
        out.push((
            TicketView {
                ticket: row,
                customer,
            },
            state,
        ));
    }
    append_many(db, appends).await?;
    if publish && let Some((first, _)) = out.first() {
        let events = out
            .iter()
            .map(|(v, _)| ticket_live_event("created", &v.ticket))
            .collect();
        live::publish(db, events, first.ticket.created_at).await?;
    }
    Ok(out)
}

/// Measures a new ticket's SLA clocks as the alert engine would, so that it is due in the
/// queue at once and the engine first looks at it when a warning can be due, rather than
/// rewriting every ticket just after it arrived.
fn schedule_first_sla_check(
    am: &mut ticket::ActiveModel,
    writes: &[Write],
    tier: &str,
    sla: &SlaSettings,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let events: Vec<Event> = writes.iter().map(|w| w.event.clone()).collect();
    let tl = Timeline::from_events(&events)?;
    let m = sla.measure(&tl, parse_stored("tier", tier)?, at);
    am.sla_due_at = Set(m.plan.due_at);
    am.sla_state = Set(m.sla_state.map(str::to_owned));
    // Something already due (an imported ticket may be long overdue) is the engine's to raise.
    am.sla_next_check_at = Set(if m.plan.raise.is_empty() {
        m.plan.next_check
    } else {
        Some(at)
    });
    Ok(())
}

/// Works out, before the new tickets are written, which of them repeat a contact (their
/// customer created another ticket at most 30 days before), and marks the customers' existing
/// later tickets that a new (imported, older) ticket now precedes within 30 days. Returns one
/// flag per new ticket. The flag is only ever set: a new ticket can add repeats, never take
/// one away.
async fn repeat_contacts_of_new(
    db: &DatabaseTransaction,
    new: &[(i64, DateTime<Utc>)],
) -> StoreResult<Vec<bool>> {
    use helpdesk_tickets::report::{REPEAT_WINDOW_DAYS, repeat_contacts};
    let window = chrono::Duration::days(REPEAT_WINDOW_DAYS);
    let (Some(first), Some(last)) = (new.iter().map(|t| t.1).min(), new.iter().map(|t| t.1).max())
    else {
        return Ok(Vec::new());
    };
    let mut customers: Vec<i64> = new.iter().map(|t| t.0).collect();
    customers.sort_unstable();
    customers.dedup();
    use ticket::Column as C;
    let known: Vec<(i64, DateTime<Utc>, i64, bool)> = ticket::Entity::find()
        .select_only()
        .columns([C::CustomerId, C::CreatedAt, C::Id, C::RepeatContact])
        .filter(C::CustomerId.is_in(customers))
        .filter(C::CreatedAt.gte(first - window))
        .filter(C::CreatedAt.lte(last + window))
        .into_tuple()
        .all(db)
        .await?;
    // The new tickets will get ids above every existing one, in this order (the customers'
    // rows are locked, so no other transaction adds tickets of theirs meanwhile).
    let first_new = i64::MAX - new.len() as i64;
    let mut contacts: Vec<(i64, DateTime<Utc>, i64)> =
        known.iter().map(|(c, t, id, _)| (*c, *t, *id)).collect();
    contacts.extend(new.iter().zip(first_new..).map(|((c, t), id)| (*c, *t, id)));
    contacts.sort_unstable();
    let already: std::collections::HashSet<i64> =
        known.iter().filter(|k| k.3).map(|k| k.2).collect();
    let mut flags = vec![false; new.len()];
    let mut marked = Vec::new();
    // The window's first tickets may lack a predecessor that lies outside it; they are not
    // new and are never unmarked, so only marks matter.
    for id in repeat_contacts(&contacts) {
        if id >= first_new {
            flags[(id - first_new) as usize] = true;
        } else if !already.contains(&id) {
            marked.push(id);
        }
    }
    marked.sort_unstable();
    for chunk in marked.chunks(500) {
        ticket::Entity::update_many()
            .col_expr(C::RepeatContact, Expr::value(true))
            .filter(C::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(flags)
}

/// One ticket: [`insert_tickets`] with a batch of one.
pub(crate) async fn insert_ticket(
    db: &DatabaseTransaction,
    t: NewTicket,
    policy: &TicketPolicy,
    publish: bool,
) -> StoreResult<(TicketView, Ticket)> {
    insert_tickets(db, vec![t], policy, publish)
        .await?
        .pop()
        .ok_or(StoreError::NotFound("ticket"))
}

/// Writes a command's events and the ticket's new state; `publish` tells browsers (imports
/// stay quiet rather than flood every open queue).
pub(crate) async fn apply_writes(
    db: &DatabaseTransaction,
    view: &TicketView,
    state: &Ticket,
    writes: Vec<Write>,
    publish: bool,
) -> StoreResult<Vec<i64>> {
    let ids = append_many(db, vec![(view.ticket.id, writes)])
        .await?
        .pop()
        .unwrap_or_default();
    let mut am: ticket::ActiveModel = view.ticket.clone().into();
    state_into(&mut am, state)?;
    am.version = Set(view.ticket.version + 1);
    let row = am.update(db).await?;
    if publish {
        live::publish(db, vec![ticket_live_event("updated", &row)], row.updated_at).await?;
    }
    Ok(ids)
}

/// The result of [`Store::mutate_ticket`].
#[derive(Debug, Clone)]
pub struct Mutated<R> {
    pub out: R,
    pub view: TicketView,
    /// Messages the change added.
    pub message_ids: Vec<i64>,
}

impl Store {
    /// Creates one ticket: [`Store::create_tickets`] with a batch of one.
    pub async fn create_ticket(
        &self,
        t: NewTicket,
        idem: Option<Idempotency>,
        policy: &TicketPolicy,
    ) -> StoreResult<Created> {
        let mut out = self
            .create_tickets(vec![Submission { ticket: t, idem }], policy)
            .await;
        out.pop().unwrap_or(Err(StoreError::NotFound("ticket")))
    }

    /// Creates tickets, each with its customer, first message and events, all in one
    /// transaction (group commit), and answers each submission separately. With an idempotency
    /// key, a retry of the same request returns the first ticket; the same key with a
    /// different request is refused. Should the batch fail as a whole, each submission is
    /// retried in a transaction of its own, so one bad submission cannot sink the others.
    pub async fn create_tickets(
        &self,
        subs: Vec<Submission>,
        policy: &TicketPolicy,
    ) -> Vec<StoreResult<Created>> {
        let mut results: Vec<Option<StoreResult<Created>>> = subs.iter().map(|_| None).collect();
        let keys: Vec<String> = subs
            .iter()
            .filter_map(|s| s.idem.as_ref().map(|i| i.key.clone()))
            .collect();
        let existing = if keys.is_empty() {
            Ok(Vec::new())
        } else {
            idempotency_key::Entity::find()
                .filter(idempotency_key::Column::Key.is_in(keys))
                .all(self.read())
                .await
                .map_err(StoreError::from)
        };
        let existing = match existing {
            Ok(e) => e,
            Err(e) => return subs.iter().map(|_| Err(e.same_kind())).collect(),
        };
        // Decide what each submission is: a replay, a conflict, a repeat of another in this
        // batch, or new.
        let mut fresh: Vec<usize> = Vec::new();
        let mut repeats: Vec<usize> = Vec::new();
        for (i, s) in subs.iter().enumerate() {
            let Some(idem) = &s.idem else {
                fresh.push(i);
                continue;
            };
            if let Some(k) = existing.iter().find(|k| k.key == idem.key) {
                results[i] = Some(self.replay_of(k, idem).await.map(Created::Replayed));
            } else if fresh
                .iter()
                .any(|&j| subs[j].idem.as_ref().is_some_and(|o| o.key == idem.key))
            {
                repeats.push(i);
            } else {
                fresh.push(i);
            }
        }
        let batch: Vec<&Submission> = fresh.iter().map(|&i| &subs[i]).collect();
        match self.insert_submissions(&batch, policy).await {
            Ok(views) => {
                for (i, v) in fresh.iter().zip(views) {
                    results[*i] = Some(Ok(Created::New(v)));
                }
            }
            Err(e) if fresh.len() == 1 => {
                results[fresh[0]] = Some(self.after_failed_insert(e, batch[0]).await)
            }
            Err(_) => {
                for &i in &fresh {
                    let r = match self.insert_submissions(&[&subs[i]], policy).await {
                        Ok(mut v) => v
                            .pop()
                            .map(Created::New)
                            .ok_or(StoreError::NotFound("ticket")),
                        Err(e) => self.after_failed_insert(e, &subs[i]).await,
                    };
                    results[i] = Some(r);
                }
            }
        }
        for i in repeats {
            let r = match &subs[i].idem {
                Some(idem) => self.replay_idempotent(idem).await.and_then(|v| {
                    v.map(Created::Replayed)
                        .ok_or(StoreError::NotFound("ticket"))
                }),
                None => Err(StoreError::NotFound("ticket")),
            };
            results[i] = Some(r);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(StoreError::NotFound("ticket"))))
            .collect()
    }

    /// A failed insert of one submission: if another request claimed the same idempotency key
    /// meanwhile, answer with its ticket.
    async fn after_failed_insert(&self, e: StoreError, s: &Submission) -> StoreResult<Created> {
        match (&e, &s.idem) {
            (
                StoreError::Conflict {
                    field: Some("Idempotency-Key"),
                    ..
                },
                Some(idem),
            ) => self
                .replay_idempotent(idem)
                .await?
                .map(Created::Replayed)
                .ok_or(e),
            _ => Err(e),
        }
    }

    async fn insert_submissions(
        &self,
        batch: &[&Submission],
        policy: &TicketPolicy,
    ) -> StoreResult<Vec<TicketView>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let txn = self.begin().await?;
        let created = insert_tickets(
            &txn,
            batch.iter().map(|s| s.ticket.clone()).collect(),
            policy,
            true,
        )
        .await?;
        let keys: Vec<idempotency_key::ActiveModel> = batch
            .iter()
            .zip(&created)
            .filter_map(|(s, (v, _))| {
                s.idem.as_ref().map(|i| idempotency_key::ActiveModel {
                    key: Set(i.key.clone()),
                    request_digest: Set(i.request_digest.clone()),
                    ticket_id: Set(v.ticket.id),
                    created_at: Set(s.ticket.at),
                })
            })
            .collect();
        let expected = keys.len() as u64;
        if expected > 0 {
            let claimed = idempotency_key::Entity::insert_many(keys)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
            if !matches!(claimed, sea_orm::TryInsertResult::Inserted(n) if n == expected) {
                // A concurrent request with the same key committed first.
                txn.rollback().await?;
                return Err(StoreError::conflict(
                    "Idempotency-Key",
                    "claimed by a concurrent request",
                ));
            }
        }
        self.commit(txn).await?;
        Ok(created.into_iter().map(|(v, _)| v).collect())
    }

    /// The first ticket of an idempotency key, if this request is the same as the first.
    async fn replay_of(
        &self,
        k: &idempotency_key::Model,
        i: &Idempotency,
    ) -> StoreResult<TicketView> {
        if k.request_digest != i.request_digest {
            return Err(StoreError::conflict(
                "Idempotency-Key",
                "this Idempotency-Key was already used for a different request",
            ));
        }
        load_view(self.read(), k.ticket_id, false)
            .await?
            .ok_or(StoreError::NotFound("ticket"))
    }

    async fn replay_idempotent(&self, i: &Idempotency) -> StoreResult<Option<TicketView>> {
        match idempotency_key::Entity::find_by_id(i.key.clone())
            .one(self.read())
            .await?
        {
            Some(k) => self.replay_of(&k, i).await.map(Some),
            None => Ok(None),
        }
    }

    pub async fn ticket(&self, id: i64) -> StoreResult<Option<TicketView>> {
        load_view(self.read(), id, false).await
    }

    pub async fn ticket_detail(&self, id: i64) -> StoreResult<Option<TicketDetail>> {
        let Some(view) = load_view(self.read(), id, false).await? else {
            return Ok(None);
        };
        let messages = message::Entity::find()
            .filter(message::Column::TicketId.eq(id))
            .order_by_asc(message::Column::Id)
            .all(self.read())
            .await?;
        let events = ticket_event::Entity::find()
            .filter(ticket_event::Column::TicketId.eq(id))
            .order_by_asc(ticket_event::Column::Id)
            .all(self.read())
            .await?;
        let survey = survey::Entity::find_by_id(id).one(self.read()).await?;
        Ok(Some(TicketDetail {
            view,
            messages,
            events,
            survey,
        }))
    }

    /// Loads a ticket under a lock, lets `decide` run domain commands on it, and writes what
    /// they produced together with the updated row, in one transaction.
    pub async fn mutate_ticket<R>(
        &self,
        id: i64,
        decide: impl FnOnce(&mut Ticket, &TicketView) -> StoreResult<(R, Vec<Write>)>,
    ) -> StoreResult<Mutated<R>> {
        let txn = self.begin().await?;
        let view = load_view(&txn, id, self.is_postgres())
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        let mut state = view.domain()?;
        let (out, writes) = decide(&mut state, &view)?;
        if writes.is_empty() {
            txn.rollback().await?;
            return Ok(Mutated {
                out,
                view,
                message_ids: Vec::new(),
            });
        }
        let message_ids = apply_writes(&txn, &view, &state, writes, true).await?;
        let view = load_view(&txn, id, false)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        self.commit(txn).await?;
        Ok(Mutated {
            out,
            view,
            message_ids,
        })
    }

    pub async fn message(&self, id: i64) -> StoreResult<Option<MessageRow>> {
        Ok(message::Entity::find_by_id(id).one(self.read()).await?)
    }

    pub async fn survey(&self, ticket_id: i64) -> StoreResult<Option<SurveyRow>> {
        Ok(survey::Entity::find_by_id(ticket_id)
            .one(self.read())
            .await?)
    }

    /// A customer's tickets other than `except`, newest first, with their survey answers.
    pub async fn customer_tickets(
        &self,
        customer_id: i64,
        except: Option<i64>,
        limit: u64,
    ) -> StoreResult<Vec<(TicketRow, Option<SurveyRow>)>> {
        let mut q = ticket::Entity::find().filter(ticket::Column::CustomerId.eq(customer_id));
        if let Some(id) = except {
            q = q.filter(ticket::Column::Id.ne(id));
        }
        let rows = q
            .order_by_desc(ticket::Column::CreatedAt)
            .order_by_desc(ticket::Column::Id)
            .limit(limit)
            .all(self.read())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
        let surveys = survey::Entity::find()
            .filter(survey::Column::TicketId.is_in(ids))
            .all(self.read())
            .await?;
        Ok(rows
            .into_iter()
            .map(|t| {
                let s = surveys.iter().find(|s| s.ticket_id == t.id).cloned();
                (t, s)
            })
            .collect())
    }

    /// A customer's reply: added to the ticket, or (for a closed ticket) the start of a
    /// follow-up ticket linked to it. One transaction either way.
    pub async fn customer_reply(
        &self,
        id: i64,
        body: &str,
        at: DateTime<Utc>,
        policy: &TicketPolicy,
        follow_up_digest: &str,
    ) -> StoreResult<Reply> {
        let txn = self.begin().await?;
        let view = load_view(&txn, id, self.is_postgres())
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        let mut state = view.domain()?;
        let at = state.next_instant(at);
        let outcome = state.customer_message(at, policy)?;
        let follow_up = outcome.follow_up_required;
        apply_writes(
            &txn,
            &view,
            &state,
            Write::with_text(outcome.events, body),
            true,
        )
        .await?;
        let original = load_view(&txn, id, false)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        if !follow_up {
            self.commit(txn).await?;
            return Ok(Reply::Added(original));
        }
        let subject = format!("Re: {}", original.ticket.subject);
        let new = NewTicket {
            subject: subject.chars().take(200).collect(),
            body: body.to_owned(),
            category: original.ticket.category.clone(),
            priority: parse_stored("priority", &original.ticket.priority)?,
            channel: parse_stored("channel", &original.ticket.channel)?,
            customer: CustomerInput {
                name: original.customer.name.clone(),
                email: original.customer.email.clone(),
                tier: None,
            },
            created_by: Actor::Customer,
            access_digest: follow_up_digest.to_owned(),
            follow_up_of: Some(id),
            external_id: None,
            at,
        };
        let (follow_up, _) = insert_ticket(&txn, new, policy, true).await?;
        self.commit(txn).await?;
        Ok(Reply::FollowUp {
            original,
            follow_up: Box::new(follow_up),
        })
    }

    /// The agent queue: filtered, newest first, one page.
    pub async fn list_tickets(&self, f: &QueueFilter) -> StoreResult<Page<TicketView>> {
        let mut cond = Condition::all();
        if !f.statuses.is_empty() {
            cond = cond.add(ticket::Column::Status.is_in(f.statuses.iter().map(|s| s.as_str())));
        }
        match f.assignee {
            AssigneeFilter::Anyone => {}
            AssigneeFilter::Unassigned => cond = cond.add(ticket::Column::AssigneeId.is_null()),
            AssigneeFilter::User(id) => cond = cond.add(ticket::Column::AssigneeId.eq(id)),
        }
        if let Some(p) = f.priority {
            cond = cond.add(ticket::Column::Priority.eq(p.as_str()));
        }
        if let Some(c) = &f.category {
            cond = cond.add(ticket::Column::Category.eq(c.as_str()));
        }
        if let Some(c) = f.customer_id {
            cond = cond.add(ticket::Column::CustomerId.eq(c));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            cond = cond.add(search_condition(q));
        }
        if let Some(by) = f.due_by {
            cond = cond.add(ticket::Column::SlaDueAt.lte(by));
        }
        if f.repeat {
            use crate::entity::ticket_text;
            cond = cond.add(
                ticket::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(ticket_text::Column::TicketId)
                        .from(ticket_text::Entity)
                        .and_where(
                            sea_orm::sea_query::Expr::col(ticket_text::Column::RepeatCount).gt(0),
                        )
                        .to_owned(),
                ),
            );
        }
        use ticket::Column as C;
        match f.after {
            Some(QueuePos::Newest(at, id)) => {
                cond = cond.add(
                    Condition::any()
                        .add(C::CreatedAt.lt(at))
                        .add(Condition::all().add(C::CreatedAt.eq(at)).add(C::Id.lt(id))),
                );
            }
            Some(QueuePos::Due(Some(due), id)) => {
                cond = cond.add(
                    Condition::any()
                        .add(C::SlaDueAt.gt(due))
                        .add(Condition::all().add(C::SlaDueAt.eq(due)).add(C::Id.gt(id)))
                        .add(C::SlaDueAt.is_null()),
                );
            }
            Some(QueuePos::Due(None, id)) => {
                cond = cond.add(
                    Condition::all()
                        .add(C::SlaDueAt.is_null())
                        .add(C::Id.gt(id)),
                );
            }
            None => {}
        }
        let limit = f.limit.clamp(1, 200);
        let q = ticket::Entity::find().filter(cond);
        let q = match f.sort {
            QueueSort::Newest => q.order_by_desc(C::CreatedAt).order_by_desc(C::Id),
            QueueSort::DueFirst => q
                .order_by_with_nulls(
                    C::SlaDueAt,
                    sea_orm::Order::Asc,
                    sea_orm::sea_query::NullOrdering::Last,
                )
                .order_by_asc(C::Id),
        };
        let mut rows = q.limit(limit + 1).all(self.read()).await?;
        let next = if rows.len() as u64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|t| match f.sort {
                QueueSort::Newest => QueuePos::Newest(t.created_at, t.id),
                QueueSort::DueFirst => QueuePos::Due(t.sla_due_at, t.id),
            })
        } else {
            None
        };
        let items = self.with_customers(rows).await?;
        Ok(Page { items, next })
    }

    /// Pairs ticket rows with their customers in one extra query.
    pub async fn with_customers(&self, rows: Vec<TicketRow>) -> StoreResult<Vec<TicketView>> {
        let mut ids: Vec<i64> = rows.iter().map(|t| t.customer_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let customers = self.customers_by_ids(&ids).await?;
        rows.into_iter()
            .map(|t| {
                let c = customers
                    .iter()
                    .find(|c| c.id == t.customer_id)
                    .cloned()
                    .ok_or(StoreError::NotFound("customer"))?;
                Ok(TicketView {
                    ticket: t,
                    customer: c,
                })
            })
            .collect()
    }

    /// Closes resolved tickets whose reopen window has passed. Each ticket is its own small
    /// transaction under a row lock, so several instances can run this at once.
    pub async fn auto_close_due(
        &self,
        now: DateTime<Utc>,
        policy: &TicketPolicy,
        batch: u64,
    ) -> StoreResult<usize> {
        let cutoff = now - policy.reopen_window;
        let due: Vec<i64> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(ticket::Column::Status.eq(Status::Resolved.as_str()))
            .filter(ticket::Column::ResolvedAt.lte(cutoff))
            .limit(batch)
            .into_tuple()
            .all(self.read())
            .await?;
        let mut closed = 0;
        for id in due {
            let m = self
                .mutate_ticket(id, |t, _| {
                    let evs = t.auto_close(now, policy);
                    Ok((evs.len(), evs.into_iter().map(Write::bare).collect()))
                })
                .await?;
            closed += m.out;
        }
        Ok(closed)
    }
}

/// Matches a reference (`HD-1042`), or a case-insensitive substring of the subject or the
/// customer's name or e-mail.
fn search_condition(q: &str) -> Condition {
    if let Some(id) = parse_reference(&q.to_uppercase()) {
        return Condition::all().add(ticket::Column::Id.eq(id));
    }
    let escaped: String = q
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    let like = || LikeExpr::new(pattern.clone()).escape('\\');
    let customers = Query::select()
        .column(customer::Column::Id)
        .from(customer::Entity)
        .cond_where(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(customer::Column::Email))).like(like()))
                .add(Expr::expr(Func::lower(Expr::col(customer::Column::Name))).like(like())),
        )
        .to_owned();
    Condition::any()
        .add(
            Expr::expr(Func::lower(Expr::col((
                ticket::Entity,
                ticket::Column::Subject,
            ))))
            .like(like()),
        )
        .add(ticket::Column::CustomerId.in_subquery(customers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_and_reject_garbage() {
        assert_eq!(reference(42), "HD-1042");
        assert_eq!(parse_reference("HD-1042"), Some(42));
        for bad in ["HD-42", "hd-1042", "HD-", "HD-abc", "1042", "HD-1000"] {
            assert_eq!(parse_reference(bad), None, "{bad}");
        }
    }
}
