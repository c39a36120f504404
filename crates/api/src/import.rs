//! Importing tickets with their history: the HTTP endpoint and the checks shared with the
//! `helpdesk import` and `helpdesk demo` commands.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use helpdesk_auth::{random_token, token_digest};
use helpdesk_store::Store;
use helpdesk_store::import::ImportOutcome;
use helpdesk_tickets::TicketPolicy;
use helpdesk_tickets::import::{ImportBatch, ImportEvent};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Admin;
use crate::error::{ApiError, ApiResult};
use crate::extract::parse_json;
use crate::state::AppState;
use crate::validate::{MAX_CATEGORY_CHARS, MAX_NAME_CHARS, MAX_SUBJECT_CHARS, Problems};
use crate::views::now;

/// Import bodies may be large; everything else is limited to 1 MiB.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_tickets))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    pub imported: usize,
    pub ticket_ids: Vec<i64>,
    /// Agents that were not known and were created as inactive accounts.
    pub created_agents: Vec<String>,
}

/// Checks every field of a batch, naming each problem by its path.
pub fn check_batch(batch: &ImportBatch) -> ApiResult<()> {
    let mut p = Problems::new();
    if batch.tickets.is_empty() {
        p.add("tickets", "must not be empty");
    }
    for (i, t) in batch.tickets.iter().enumerate() {
        let f = |name: &str| format!("tickets[{i}].{name}");
        p.text(&f("external_id"), Some(&t.external_id), 200);
        p.text(&f("subject"), Some(&t.subject), MAX_SUBJECT_CHARS);
        p.body(&f("body"), Some(&t.body));
        p.optional_text(&f("category"), t.category.as_deref(), MAX_CATEGORY_CHARS);
        p.text(&f("customer.name"), Some(&t.customer.name), MAX_NAME_CHARS);
        p.email(&f("customer.email"), Some(&t.customer.email));
        for (j, e) in t.events.iter().enumerate() {
            match e {
                ImportEvent::Message { body, .. } => {
                    p.body(&format!("tickets[{i}].events[{j}].body"), Some(body));
                }
                ImportEvent::Survey { comment, .. }
                    if comment.as_deref().is_some_and(|c| {
                        c.chars().count() > helpdesk_tickets::survey::MAX_COMMENT_CHARS
                    }) =>
                {
                    p.add(format!("tickets[{i}].events[{j}].comment"), "is too long");
                }
                _ => {}
            }
            if let Some(m) = e.agent_email() {
                p.email(&format!("tickets[{i}].events[{j}].agent_email"), Some(m));
            }
        }
    }
    p.finish()
}

/// Parses, checks and imports a batch in one transaction.
pub async fn import_bytes(
    store: &Store,
    policy: &TicketPolicy,
    bytes: &[u8],
) -> ApiResult<ImportOutcome> {
    let batch: ImportBatch = parse_json(bytes)?;
    check_batch(&batch)?;
    Ok(store
        .import_tickets(&batch, policy, now(), &|| token_digest(&random_token()))
        .await?)
}

/// Import tickets with their history (admin). The batch is one transaction: any invalid ticket
/// or event refuses all of it with 422 naming the ticket and event; an `external_id` that was
/// imported before is refused, not duplicated.
#[utoipa::path(post, path = "/api/v1/import/tickets", tag = "import", security(("bearer" = [])),
    request_body(content = Object, description = "{tickets: [{external_id, subject, body, category, priority, channel, customer: {name, email, tier}, created_at, events: [...]}]}"),
    responses((status = 201, body = Imported), (status = 422, body = crate::error::Problem)))]
async fn import_tickets(
    State(state): State<AppState>,
    _admin: Admin,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Imported>)> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as Content-Type: application/json".into(),
        ));
    }
    let out = import_bytes(&state.store, &state.settings.policy, &body).await?;
    // Imported tickets may be overdue already: the next scan, brought forward, raises that.
    state.sla.wake.notify_one();
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            imported: out.ticket_ids.len(),
            ticket_ids: out.ticket_ids,
            created_agents: out.created_agents,
        }),
    ))
}
