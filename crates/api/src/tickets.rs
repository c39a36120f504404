//! The agent side of tickets: the queue, logging a ticket, the detail page, edits, replies and
//! status changes.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use helpdesk_auth::{random_token, token_digest};
use helpdesk_store::Store;
use helpdesk_store::customers::CustomerInput;
use helpdesk_store::tickets::{
    AssigneeFilter, Created, NewTicket, QueueFilter, QueuePos, QueueSort, TicketDetail, Write,
};
use helpdesk_tickets::{
    Actor, Channel, CloseReason, Priority, Status, TicketMetrics, Tier, Timeline,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Staff;
use crate::calendar::business_calendar;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::state::AppState;
use crate::validate::{MAX_CATEGORY_CHARS, MAX_NAME_CHARS, MAX_SUBJECT_CHARS, Problems};
use crate::views::{MessageOut, Page, SurveyOut, TicketOut, decode_cursor, encode_cursor, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(add_message))
        .routes(routes!(transition))
}

/// Distinguishes a field that is absent (`None`) from one that is `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueQuery {
    /// One status or several separated by commas (`new,open`).
    status: Option<String>,
    /// `me`, `none` (unassigned), or a user id. Absent: anyone.
    assignee: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    customer_id: Option<String>,
    /// Matches a reference (`HD-1042`) or words of the subject, the customer's name or e-mail.
    q: Option<String>,
    /// `breached`: only tickets past an SLA target.
    sla: Option<String>,
    /// Only tickets with an SLA target within this many minutes (overdue ones included).
    due_within: Option<String>,
    /// `true`: only tickets that repeat an earlier complaint of the same customer.
    repeat: Option<String>,
    /// `newest` (default) or `due`: most urgent SLA target first.
    sort: Option<String>,
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    limit: Option<String>,
}

/// The agent queue, newest first or most urgent first.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])), params(QueueQuery),
    responses((status = 200, body = Page<TicketOut>), (status = 422, body = crate::error::Problem)))]
async fn list_tickets(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<Page<TicketOut>>> {
    let mut p = Problems::new();
    let mut statuses = Vec::new();
    for s in q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        statuses.extend(p.choice::<Status>("status", Some(s)));
    }
    let assignee = match q.assignee.as_deref() {
        None | Some("") | Some("any") => AssigneeFilter::Anyone,
        Some("me") => AssigneeFilter::User(staff.id),
        Some("none") => AssigneeFilter::Unassigned,
        Some(id) => match id.parse() {
            Ok(id) => AssigneeFilter::User(id),
            Err(_) => {
                p.add("assignee", "must be me, none, any or a user id");
                AssigneeFilter::Anyone
            }
        },
    };
    let priority =
        p.choice::<Priority>("priority", q.priority.as_deref().filter(|s| !s.is_empty()));
    let customer_id = match q.customer_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => c.parse().map(Some).unwrap_or_else(|_| {
            p.add("customer_id", "must be a customer id");
            None
        }),
    };
    let limit = match q.limit.as_deref() {
        None | Some("") => 50,
        Some(l) => match l.parse::<u64>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                p.add("limit", "must be a whole number from 1 to 100");
                50
            }
        },
    };
    let sort = match q.sort.as_deref() {
        None | Some("") | Some("newest") => QueueSort::Newest,
        Some("due") => QueueSort::DueFirst,
        Some(_) => {
            p.add("sort", "must be newest or due");
            QueueSort::Newest
        }
    };
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => match decode_cursor(c) {
            Ok(pos)
                if matches!(
                    (pos, sort),
                    (QueuePos::Newest(..), QueueSort::Newest)
                        | (QueuePos::Due(..), QueueSort::DueFirst)
                ) =>
            {
                Some(pos)
            }
            _ => {
                p.add(
                    "cursor",
                    "is not a cursor this server gave out for this sort",
                );
                None
            }
        },
        None => None,
    };
    let now = now();
    let mut due_by = None;
    match q.sla.as_deref() {
        None | Some("") => {}
        Some("breached") => due_by = Some(now),
        Some(_) => p.add("sla", "must be breached"),
    }
    if let Some(m) = q.due_within.as_deref().filter(|m| !m.is_empty()) {
        match m.parse::<i64>() {
            Ok(m) if (0..=525_600).contains(&m) => {
                due_by = Some(
                    due_by.map_or(now + chrono::Duration::minutes(m), |d: DateTime<Utc>| {
                        d.min(now + chrono::Duration::minutes(m))
                    }),
                )
            }
            _ => p.add("due_within", "must be a number of minutes from 0 to 525600"),
        }
    }
    let repeat = match q.repeat.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            p.add("repeat", "must be true or false");
            false
        }
    };
    p.finish()?;
    let filter = QueueFilter {
        repeat,
        statuses,
        assignee,
        priority,
        category: q.category.filter(|c| !c.is_empty()),
        customer_id,
        q: q.q,
        due_by,
        sort,
        after,
        limit,
    };
    let page = state.store.list_tickets(&filter).await?;
    let items = page
        .items
        .iter()
        .map(TicketOut::from_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(Page {
        items,
        next_cursor: page.next.map(encode_cursor),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerIn {
    pub name: Option<String>,
    pub email: Option<String>,
    pub tier: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTicket {
    pub customer: Option<CustomerIn>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    /// How the customer reached us: `phone`, `email`, `chat`, `social`, `web` or `api`.
    pub channel: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTicket {
    pub ticket: TicketOut,
    /// The customer's private link token for this ticket, to pass on to them. Shown once.
    pub access_token: String,
}

/// Log a ticket for a customer who called, e-mailed, chatted or posted.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])), request_body = CreateTicket,
    responses((status = 201, body = CreatedTicket), (status = 422, body = crate::error::Problem)))]
async fn create_ticket(
    State(state): State<AppState>,
    staff: Staff,
    AppJson(req): AppJson<CreateTicket>,
) -> ApiResult<(StatusCode, Json<CreatedTicket>)> {
    let mut p = Problems::new();
    let c = req.customer.unwrap_or(CustomerIn {
        name: None,
        email: None,
        tier: None,
    });
    let name = p.text("customer.name", c.name.as_deref(), MAX_NAME_CHARS);
    let email = p.email("customer.email", c.email.as_deref());
    let tier = p.choice::<Tier>("customer.tier", c.tier.as_deref());
    let subject = p.text("subject", req.subject.as_deref(), MAX_SUBJECT_CHARS);
    let body = p.body("body", req.body.as_deref());
    let category = p.optional_text("category", req.category.as_deref(), MAX_CATEGORY_CHARS);
    let priority = p
        .choice::<Priority>("priority", req.priority.as_deref())
        .unwrap_or_default();
    let channel = p
        .choice::<Channel>("channel", req.channel.as_deref())
        .unwrap_or(Channel::Phone);
    p.finish()?;
    let access_token = random_token();
    let created = state
        .store
        .create_ticket(
            NewTicket {
                subject,
                body,
                category,
                priority,
                channel,
                customer: CustomerInput {
                    name,
                    email,
                    tier: tier.map(|t| t.as_str().to_owned()),
                },
                created_by: Actor::Agent { id: staff.id },
                access_digest: token_digest(&access_token),
                follow_up_of: None,
                external_id: None,
                at: now(),
            },
            None,
            &state.settings.policy,
        )
        .await?;
    let (Created::New(view) | Created::Replayed(view)) = created;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTicket {
            ticket: TicketOut::from_view(&view)?,
            access_token,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `created`, `status_changed`, `assigned`, `message_added`, ...
    pub kind: String,
    /// `customer`, `agent` or `system`.
    pub actor_type: String,
    pub actor_id: Option<i64>,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    /// The event's own fields.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    pub id: i64,
    pub reference: String,
    pub subject: String,
    pub status: Status,
    pub category: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Calendar seconds from creation to resolution, while resolved.
    pub resolution_s: Option<i64>,
    pub survey: Option<SurveyOut>,
}

/// One of the customer's earlier tickets on a ticket's detail: what it was, its time to
/// resolution on both clocks, and the customer's survey answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct EarlierTicket {
    #[serde(flatten)]
    pub ticket: HistoryItem,
    /// Business seconds (in the installation's business calendar) from creation to
    /// resolution, while resolved.
    pub resolution_business_s: Option<i64>,
}

impl EarlierTicket {
    pub fn new(
        t: &helpdesk_store::tickets::TicketRow,
        s: Option<&helpdesk_store::tickets::SurveyRow>,
        calendar: &helpdesk_tickets::BusinessCalendar,
    ) -> EarlierTicket {
        EarlierTicket {
            ticket: HistoryItem::new(t, s),
            resolution_business_s: t
                .resolved_at
                .map(|r| calendar.business_seconds(t.created_at, r)),
        }
    }
}

impl HistoryItem {
    pub fn new(
        t: &helpdesk_store::tickets::TicketRow,
        s: Option<&helpdesk_store::tickets::SurveyRow>,
    ) -> HistoryItem {
        HistoryItem {
            id: t.id,
            reference: helpdesk_store::tickets::reference(t.id),
            subject: t.subject.clone(),
            status: t.status.parse().unwrap_or(Status::Open),
            category: t.category.clone(),
            created_at: t.created_at,
            resolution_s: t.resolved_at.map(|r| (r - t.created_at).num_seconds()),
            survey: s.map(SurveyOut::from),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDetailOut {
    #[serde(flatten)]
    pub ticket: TicketOut,
    pub messages: Vec<MessageOut>,
    pub events: Vec<EventOut>,
    pub metrics: TicketMetrics,
    /// The moves the ticket can make from its current status.
    pub allowed_transitions: Vec<Status>,
    pub survey: Option<SurveyOut>,
    /// The customer's earlier tickets (created before this one), newest first, at most 20.
    pub customer_history: Vec<EarlierTicket>,
    /// The ticket's SLA clocks under its policy, and its alerts that are not cleared.
    pub sla: SlaOut,
    /// The ticket's life as stretches of one status each, oldest first (the clocks run in
    /// `new`, `open` and `on_hold`, and pause in `pending`).
    pub timeline: Vec<helpdesk_tickets::StatusInterval>,
    /// The customer's earlier related tickets and the ticket's recurring issue; `null` for
    /// the moment between creation and indexing.
    pub recurring: Option<RecurringOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecurringOut {
    /// Earlier tickets of the same customer in the window (default 90 days) in the same
    /// category or with near-duplicate text: 2 means "3rd time".
    pub customer_repeat_count: i32,
    /// Those tickets, newest first.
    pub previous_ticket_ids: Vec<i64>,
    /// The recurring issue (across customers) the complaint belongs to.
    pub issue_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaOut {
    /// The policy that applies, by name; `null` when none matches the ticket.
    pub policy: Option<String>,
    pub hours: Option<helpdesk_tickets::Clock>,
    pub clocks: Vec<helpdesk_tickets::SlaClock>,
    pub alerts: Vec<crate::sla::AlertOut>,
}

pub async fn load_detail(store: &Store, id: i64) -> ApiResult<TicketDetail> {
    store
        .ticket_detail(id)
        .await?
        .ok_or(ApiError::NotFound("ticket"))
}

/// Staff names for the authors of messages.
pub async fn author_names(
    store: &Store,
    messages: &[helpdesk_store::tickets::MessageRow],
) -> ApiResult<Vec<(i64, String)>> {
    let mut ids: Vec<i64> = messages.iter().filter_map(|m| m.author_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(store
        .users_by_ids(&ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// A ticket with its conversation (internal notes included), events, metrics and the
/// customer's history.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TicketDetailOut), (status = 404, body = crate::error::Problem)))]
async fn get_ticket(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<TicketDetailOut>> {
    let d = load_detail(&state.store, id).await?;
    let events = d.domain_events()?;
    let timeline = Timeline::from_events(&events)?;
    let calendar = business_calendar(&state.store).await?;
    let metrics = TicketMetrics::compute(&timeline, &calendar, now());
    let (policy, clocks) =
        crate::sla::ticket_clocks(&state.store, &timeline, &d.view.customer.tier, &calendar)
            .await?;
    let alerts = state
        .store
        .ticket_alerts(id)
        .await?
        .iter()
        .map(|a| crate::sla::AlertOut::new(a, &d.view.ticket))
        .collect::<ApiResult<Vec<_>>>()?;
    let sla = SlaOut {
        hours: policy.as_ref().map(|p| p.hours),
        policy: policy.map(|p| p.name),
        clocks,
        alerts,
    };
    let names = author_names(&state.store, &d.messages).await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| names.iter().find(|(u, _)| *u == id).map(|(_, n)| n.clone()))
    };
    // Earlier tickets only: what came after this one is not its history, and an agent
    // reading an old ticket should see what the customer had been through by then.
    let history = state
        .store
        .earlier_tickets(
            d.view.customer.id,
            d.view.ticket.created_at,
            d.view.ticket.id,
            20,
        )
        .await?;
    let recurring = state
        .store
        .ticket_recurring(id)
        .await?
        .map(|r| RecurringOut {
            customer_repeat_count: r.customer_repeat_count,
            previous_ticket_ids: r.previous_ticket_ids,
            issue_id: r.issue_id,
        });
    let ticket = TicketOut::from_view(&d.view)?;
    Ok(Json(TicketDetailOut {
        recurring,
        allowed_transitions: ticket.status.allowed_moves().to_vec(),
        messages: d
            .messages
            .iter()
            .map(|m| MessageOut::new(m, name_of(m.author_id)))
            .collect(),
        events: d
            .events
            .iter()
            .map(|e| EventOut {
                id: e.id,
                at: e.at,
                kind: e.kind.clone(),
                actor_type: e.actor_type.clone(),
                actor_id: e.actor_id,
                from_status: e.from_status.as_deref().and_then(|s| s.parse().ok()),
                to_status: e.to_status.as_deref().and_then(|s| s.parse().ok()),
                data: e.payload.clone(),
            })
            .collect(),
        metrics,
        survey: d.survey.as_ref().map(SurveyOut::from),
        sla,
        timeline: timeline.intervals.clone(),
        customer_history: history
            .iter()
            .map(|(t, s)| EarlierTicket::new(t, s.as_ref(), &calendar))
            .collect(),
        ticket,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTicket {
    pub priority: Option<String>,
    /// `null` clears the category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    /// `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
}

/// Change priority, category, assignee or tags. Assigning a `new` ticket opens it.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])), params(("id" = i64, Path)), request_body = UpdateTicket,
    responses((status = 200, body = TicketOut), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_ticket(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    AppJson(req): AppJson<UpdateTicket>,
) -> ApiResult<Json<TicketOut>> {
    let mut p = Problems::new();
    let priority = p.choice::<Priority>("priority", req.priority.as_deref());
    let category = req
        .category
        .map(|c| p.optional_text("category", c.as_deref(), MAX_CATEGORY_CHARS));
    let tags = req.tags.as_deref().map(|t| p.tags("tags", t));
    if let Some(Some(assignee)) = req.assignee_id {
        match state.store.user_by_id(assignee).await? {
            Some(u) if u.active => {}
            Some(_) => p.add("assignee_id", "this user is not active"),
            None => p.add("assignee_id", "no such user"),
        }
    }
    p.finish()?;
    let actor = Actor::Agent { id: staff.id };
    let m = state
        .store
        .mutate_ticket(id, |t, _| {
            let at = t.next_instant(now());
            let mut events = Vec::new();
            if let Some(pr) = priority {
                events.extend(t.set_priority(pr, actor, at)?);
            }
            if let Some(c) = category {
                events.extend(t.set_category(c, actor, at)?);
            }
            if let Some(tags) = tags {
                events.extend(t.set_tags(tags, actor, at)?);
            }
            if let Some(a) = req.assignee_id {
                events.extend(t.assign(a, actor, at)?);
            }
            Ok(((), events.into_iter().map(Write::bare).collect()))
        })
        .await?;
    Ok(Json(after_change(&state, m.view).await?))
}

/// Measures the ticket's SLA clocks again after a change (a reply clears its alert at once)
/// and returns the ticket as it then stands.
pub async fn after_change(
    state: &AppState,
    view: helpdesk_store::tickets::TicketView,
) -> ApiResult<TicketOut> {
    state.sla.changed(view.ticket.id).await;
    let fresh = state.store.ticket(view.ticket.id).await?.unwrap_or(view);
    TicketOut::from_view(&fresh)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMessage {
    pub body: Option<String>,
    /// An internal note, visible to staff only.
    #[serde(default)]
    pub internal: bool,
    /// Move the ticket to this status along with the message (e.g. reply and set `pending`).
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageAdded {
    pub message: MessageOut,
    pub ticket: TicketOut,
}

/// Reply to the customer, or add an internal note. The first public reply opens a `new`
/// ticket unless another status is given.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NewMessage,
    responses((status = 201, body = MessageAdded), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn add_message(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    AppJson(req): AppJson<NewMessage>,
) -> ApiResult<(StatusCode, Json<MessageAdded>)> {
    let mut p = Problems::new();
    let body = p.body("body", req.body.as_deref());
    let status = p.choice::<Status>("status", req.status.as_deref());
    p.finish()?;
    let m = state
        .store
        .mutate_ticket(id, |t, _| {
            let at = t.next_instant(now());
            let events = t.agent_message(staff.id, req.internal, status, at)?;
            Ok(((), Write::with_text(events, &body)))
        })
        .await?;
    let msg_id = m
        .message_ids
        .first()
        .copied()
        .ok_or(ApiError::NotFound("message"))?;
    let row = state
        .store
        .message(msg_id)
        .await?
        .ok_or(ApiError::NotFound("message"))?;
    Ok((
        StatusCode::CREATED,
        Json(MessageAdded {
            message: MessageOut::new(&row, Some(staff.user.name.clone())),
            ticket: after_change(&state, m.view).await?,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionRequest {
    pub to: Option<String>,
    /// Required when closing a ticket that is not resolved: `duplicate`, `spam`, `merged` or `other`.
    pub reason: Option<String>,
}

/// Change the ticket's status. A move the domain forbids answers 409 naming both states.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transitions", tag = "tickets", security(("bearer" = [])), params(("id" = i64, Path)), request_body = TransitionRequest,
    responses((status = 200, body = TicketOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn transition(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    AppJson(req): AppJson<TransitionRequest>,
) -> ApiResult<Json<TicketOut>> {
    let mut p = Problems::new();
    if req.to.is_none() {
        p.add("to", "is required");
    }
    let to = p.choice::<Status>("to", req.to.as_deref());
    let reason = p.choice::<CloseReason>("reason", req.reason.as_deref());
    p.finish()?;
    let Some(to) = to else {
        return Err(ApiError::invalid("to", "is required"));
    };
    let m = state
        .store
        .mutate_ticket(id, |t, _| {
            let at = t.next_instant(now());
            let events = t.transition(to, reason, Actor::Agent { id: staff.id }, at)?;
            Ok(((), events.into_iter().map(Write::bare).collect()))
        })
        .await?;
    Ok(Json(after_change(&state, m.view).await?))
}
