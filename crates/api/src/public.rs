//! The customer side: submit a complaint without an account, follow it by its private link,
//! reply, and answer the survey once it is resolved.
//!
//! A customer link grants exactly one ticket. A wrong token gets the same 404 as an unknown
//! reference, so links cannot be used to discover which tickets exist.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use helpdesk_auth::{derive_token, digest_matches, random_token, token_digest};
use helpdesk_store::customers::CustomerInput;
use helpdesk_store::tickets::{
    Created, Idempotency, NewTicket, Reply, Submission, TicketView, Write, parse_reference,
    reference,
};
use helpdesk_tickets::{Actor, Channel, Priority, Status, SurveyAnswer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, ClientAddr, bearer};
use crate::state::AppState;
use crate::tickets::author_names;
use crate::validate::{MAX_CATEGORY_CHARS, MAX_NAME_CHARS, MAX_SUBJECT_CHARS, Problems};
use crate::views::{SurveyOut, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit))
        .routes(routes!(view))
        .routes(routes!(reply))
        .routes(routes!(answer_survey))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Complaint {
    pub name: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// The ticket's reference, e.g. `HD-1042`.
    pub reference: String,
    pub status: Status,
    /// The private link's secret: with the reference, it opens this ticket and nothing else.
    pub access_token: String,
    pub created_at: DateTime<Utc>,
}

fn check_rate(state: &AppState, addr: &str) -> ApiResult<()> {
    if let Some(limiter) = &state.public_limiter
        && let Err(not_until) = limiter.check_key(&addr.to_owned())
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        return Err(ApiError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
        });
    }
    Ok(())
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::invalid("Idempotency-Key", "must be printable ASCII"))?
        .trim();
    if v.is_empty() || v.len() > 200 {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1 to 200 characters",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Submit a complaint. No account needed. With an `Idempotency-Key` header, a retry of the
/// same submission returns the first ticket instead of creating another.
#[utoipa::path(post, path = "/api/v1/public/tickets", tag = "public", request_body = Complaint,
    params(("Idempotency-Key" = Option<String>, Header, description = "A unique key per submission (e.g. a UUID), to make retries safe")),
    responses((status = 201, body = Submitted), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    AppJson(req): AppJson<Complaint>,
) -> ApiResult<Response> {
    check_rate(&state, &addr)?;
    let mut p = Problems::new();
    let name = p.text("name", req.name.as_deref(), MAX_NAME_CHARS);
    let email = p.email("email", req.email.as_deref());
    let subject = p.text("subject", req.subject.as_deref(), MAX_SUBJECT_CHARS);
    let body = p.body("body", req.body.as_deref());
    let category = p
        .optional_text("category", req.category.as_deref(), MAX_CATEGORY_CHARS)
        .map(|c| c.to_lowercase());
    p.finish()?;
    let key = idempotency_key(&headers)?;
    let idem = key.map(|k| {
        let mut h = Sha256::new();
        for part in [
            &name,
            &email,
            &subject,
            &body,
            category.as_deref().unwrap_or(""),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        Idempotency {
            key: format!("public:{k}"),
            request_digest: format!("{:x}", h.finalize()),
        }
    });
    // Derived rather than random, so a retry can be given the same link without the token
    // ever being stored. The submission's digest is part of it: once the key has expired, the
    // same key alone (with other content) must not yield a token that opens the old ticket.
    let access_token = match &idem {
        Some(i) => derive_token(
            &state.keys.link_secret,
            &[
                b"public-ticket",
                i.key.as_bytes(),
                i.request_digest.as_bytes(),
            ],
        ),
        None => random_token(),
    };
    let new = NewTicket {
        subject,
        body,
        category,
        priority: Priority::Normal,
        channel: Channel::Web,
        customer: CustomerInput {
            name,
            email,
            tier: None,
        },
        created_by: Actor::Customer,
        access_digest: token_digest(&access_token),
        follow_up_of: None,
        external_id: None,
        at: now(),
    };
    let (view, replayed) = match state
        .submitter
        .submit(Submission { ticket: new, idem })
        .await?
    {
        Created::New(v) => (v, false),
        Created::Replayed(v) => (v, true),
    };
    // The SLA clocks were measured as the ticket was written; the recurring index is the
    // indexer's to bring up to date.
    state.recurring.wake.notify_one();
    let out = Submitted {
        reference: view.reference(),
        status: view.domain()?.status,
        access_token,
        created_at: view.ticket.created_at,
    };
    let mut res = (StatusCode::CREATED, Json(out)).into_response();
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// The ticket behind a reference, if the bearer token is its link token. Everything else is
/// the same 404.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    reference: &str,
) -> ApiResult<TicketView> {
    let token = bearer(headers)
        .ok_or_else(|| ApiError::Unauthorized("the ticket's access token is required".into()))?;
    let id = parse_reference(reference).ok_or(ApiError::NotFound("ticket"))?;
    let view = state
        .store
        .ticket(id)
        .await?
        .ok_or(ApiError::NotFound("ticket"))?;
    if !digest_matches(token, &view.ticket.access_digest) {
        return Err(ApiError::NotFound("ticket"));
    }
    Ok(view)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMessage {
    pub id: i64,
    /// `customer`, `agent` or `system`.
    pub author_type: String,
    /// The agent's name, for agent messages.
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTicket {
    pub reference: String,
    pub subject: String,
    pub status: Status,
    pub category: Option<String>,
    pub customer_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Public messages only; internal notes are never shown here.
    pub messages: Vec<PublicMessage>,
    /// Whether the survey can be answered (or the answer changed) now.
    pub survey_open: bool,
    pub survey: Option<SurveyOut>,
    /// The reference of the closed ticket this one follows up on.
    pub follow_up_of: Option<String>,
    /// When the customer can expect the next answer: the due time of the running response
    /// target. `null` while the ticket waits on the customer, is resolved, or has no target.
    pub expected_reply_by: Option<DateTime<Utc>>,
}

/// The customer's view of their ticket (Bearer = the ticket's access token).
#[utoipa::path(get, path = "/api/v1/public/tickets/{reference}", tag = "public", security(("ticket_token" = [])), params(("reference" = String, Path)),
    responses((status = 200, body = PublicTicket), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn view(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference_): Path<String>,
) -> ApiResult<Json<PublicTicket>> {
    let v = authorize(&state, &headers, &reference_).await?;
    Ok(Json(public_ticket(&state, &v).await?))
}

async fn public_ticket(state: &AppState, v: &TicketView) -> ApiResult<PublicTicket> {
    let d = state
        .store
        .ticket_detail(v.ticket.id)
        .await?
        .ok_or(ApiError::NotFound("ticket"))?;
    let domain = d.view.domain()?;
    let timeline = helpdesk_tickets::Timeline::from_events(&d.domain_events()?)?;
    let calendar = crate::calendar::business_calendar(&state.store).await?;
    let (_, clocks) =
        crate::sla::ticket_clocks(&state.store, &timeline, &d.view.customer.tier, &calendar)
            .await?;
    let expected_reply_by = clocks
        .iter()
        .filter(|c| c.metric != helpdesk_tickets::SlaMetric::Resolution)
        .filter(|c| c.state == helpdesk_tickets::sla::ClockState::Running)
        .filter_map(|c| c.due_at)
        .min();
    let public: Vec<_> = d.messages.iter().filter(|m| !m.internal).cloned().collect();
    let names = author_names(&state.store, &public).await?;
    Ok(PublicTicket {
        reference: d.view.reference(),
        subject: d.view.ticket.subject.clone(),
        status: domain.status,
        category: domain.category.clone(),
        customer_name: d.view.customer.name.clone(),
        created_at: d.view.ticket.created_at,
        updated_at: d.view.ticket.updated_at,
        resolved_at: domain.resolved_at,
        closed_at: domain.closed_at,
        messages: public
            .iter()
            .map(|m| PublicMessage {
                id: m.id,
                author_type: m.author_type.clone(),
                author_name: m
                    .author_id
                    .and_then(|id| names.iter().find(|(u, _)| *u == id).map(|(_, n)| n.clone())),
                body: m.body.clone(),
                created_at: m.created_at,
            })
            .collect(),
        survey_open: domain.check_survey(d.survey.is_some()).is_ok(),
        survey: d.survey.as_ref().map(SurveyOut::from),
        follow_up_of: d.view.ticket.follow_up_of.map(reference),
        expected_reply_by,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerReply {
    pub body: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub reference: String,
    /// The new ticket's own private link token.
    pub access_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Replied {
    pub reference: String,
    pub status: Status,
    /// Set when the ticket was closed: the reply started this new ticket instead.
    pub follow_up: Option<FollowUp>,
}

/// Reply to the ticket. A pending or resolved ticket opens again; a closed one gets a new
/// follow-up ticket with its own link.
#[utoipa::path(post, path = "/api/v1/public/tickets/{reference}/messages", tag = "public", security(("ticket_token" = [])), params(("reference" = String, Path)),
    request_body = CustomerReply, responses((status = 201, body = Replied), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn reply(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Path(reference_): Path<String>,
    AppJson(req): AppJson<CustomerReply>,
) -> ApiResult<(StatusCode, Json<Replied>)> {
    let v = authorize(&state, &headers, &reference_).await?;
    check_rate(&state, &addr)?;
    let mut p = Problems::new();
    let body = p.body("body", req.body.as_deref());
    p.finish()?;
    let follow_token = random_token();
    let out = match state
        .store
        .customer_reply(
            v.ticket.id,
            &body,
            now(),
            &state.settings.policy,
            &token_digest(&follow_token),
        )
        .await?
    {
        Reply::Added(v) => {
            state.sla.changed(v.ticket.id).await;
            Replied {
                reference: v.reference(),
                status: v.domain()?.status,
                follow_up: None,
            }
        }
        Reply::FollowUp {
            original,
            follow_up,
        } => {
            state.sla.changed(original.ticket.id).await;
            state.sla.changed(follow_up.ticket.id).await;
            Replied {
                reference: original.reference(),
                status: original.domain()?.status,
                follow_up: Some(FollowUp {
                    reference: follow_up.reference(),
                    access_token: follow_token,
                }),
            }
        }
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// What the customer sees after answering the survey: a thank-you and the ticket as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyThanks {
    /// Always `true`: the answer was recorded and the page may show [`SurveyThanks::message`].
    pub thank_you: bool,
    /// Whether an earlier answer was replaced.
    pub updated: bool,
    /// A thank-you to show the customer, in English (the web UI has its own translations).
    pub message: String,
    /// The ticket view, as `GET /api/v1/public/tickets/{reference}` answers it.
    #[serde(flatten)]
    pub ticket: PublicTicket,
}

/// Answer the satisfaction survey (CSAT 1–5, CES 1–7, NPS 0–10, comment) once the ticket is
/// resolved; the answer can be changed while the ticket can still be reopened. Answers with a
/// thank-you and the ticket view.
#[utoipa::path(put, path = "/api/v1/public/tickets/{reference}/survey", tag = "public", security(("ticket_token" = [])), params(("reference" = String, Path)),
    request_body = SurveyAnswer, responses((status = 200, body = SurveyThanks), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn answer_survey(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(reference_): Path<String>,
    AppJson(answer): AppJson<SurveyAnswer>,
) -> ApiResult<Json<SurveyThanks>> {
    let v = authorize(&state, &headers, &reference_).await?;
    let mut p = Problems::new();
    for (field, msg) in answer.problems() {
        p.add(field, msg);
    }
    p.finish()?;
    let answered = state.store.survey(v.ticket.id).await?.is_some();
    let comment = answer.comment.clone().unwrap_or_default().trim().to_owned();
    let m = state
        .store
        .mutate_ticket(v.ticket.id, |t, _| {
            t.check_survey(answered)?;
            let at = t.next_instant(now());
            let events = t.survey_answered(answer.csat, answer.ces, answer.nps, at)?;
            Ok(((), Write::with_text(events, &comment)))
        })
        .await?;
    let message = if answered {
        "Thank you — your answer has been updated."
    } else {
        "Thank you for your feedback! It helps us serve you better."
    };
    Ok(Json(SurveyThanks {
        thank_you: true,
        updated: answered,
        message: message.into(),
        ticket: public_ticket(&state, &m.view).await?,
    }))
}
