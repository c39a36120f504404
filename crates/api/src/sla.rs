//! SLA configuration (business hours, policies), the alerts, and the engine that evaluates
//! tickets: right after each change, and on a timer for clocks that run out on their own.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use helpdesk_store::Store;
use helpdesk_store::sla::{
    AlertRow, AlertState, BUSINESS_HOURS_KEY, Deliveries, Evaluated, POLICIES_KEY, SlaSettings,
    alert_json,
};
use helpdesk_store::tickets::TicketRow;
use helpdesk_tickets::sla::policy_problems;
use helpdesk_tickets::{AlertLevel, BusinessHoursSpec, SlaMetric, SlaPolicy};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Manager, Staff};
use crate::calendar::business_hours;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::AppJson;
use crate::state::AppState;
use crate::views::now;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_business_hours, put_business_hours))
        .routes(routes!(get_policies, put_policies))
        .routes(routes!(list_alerts))
        .routes(routes!(ack_alert))
}

/// The stored policies, or the defaults of a fresh installation.
pub async fn policies(store: &Store) -> ApiResult<Vec<SlaPolicy>> {
    Ok(store.sla_settings().await?.policies)
}

/// A ticket's SLA clocks now, under the policy that matches it (`None`: no policy matches).
pub async fn ticket_clocks(
    store: &Store,
    timeline: &helpdesk_tickets::Timeline,
    tier: &str,
    calendar: &helpdesk_tickets::BusinessCalendar,
) -> ApiResult<(Option<SlaPolicy>, Vec<helpdesk_tickets::SlaClock>)> {
    let policies = policies(store).await?;
    let tier = tier.parse().unwrap_or_default();
    let policy =
        helpdesk_tickets::sla::select_policy(&policies, timeline.ticket.priority, tier).cloned();
    let clocks = policy
        .as_ref()
        .map(|p| helpdesk_tickets::sla::clocks(timeline, p, calendar, now()))
        .unwrap_or_default();
    Ok((policy, clocks))
}

pub async fn settings(store: &Store) -> ApiResult<SlaSettings> {
    Ok(store.sla_settings().await?)
}

/// Evaluates tickets' SLA clocks and keeps their alerts up to date.
#[derive(Clone)]
pub struct SlaEngine {
    store: Store,
    deliveries: Deliveries,
    /// Wakes the scanner early (a policy changed, tickets were submitted).
    pub wake: Arc<Notify>,
}

/// Tickets evaluated per transaction of a scan.
const SCAN_BATCH: u64 = 200;
/// How long a scanning instance holds the tickets it took before another may take them.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);

impl SlaEngine {
    pub fn new(store: Store, deliveries: Deliveries) -> SlaEngine {
        SlaEngine {
            store,
            deliveries,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Evaluates every ticket that is due, batch after batch, until none is left.
    pub async fn scan(&self, now: DateTime<Utc>) -> ApiResult<Evaluated> {
        let mut total = Evaluated::default();
        loop {
            let ids = self
                .store
                .claim_sla_due(now, now + LEASE, SCAN_BATCH)
                .await?;
            if ids.is_empty() {
                return Ok(total);
            }
            let e = self.store.evaluate_sla(&ids, now, self.deliveries).await?;
            total.tickets += e.tickets;
            total.raised += e.raised;
            total.cleared += e.cleared;
        }
    }

    /// Evaluates one ticket after a change, so that a reply clears its alert at once. A
    /// failure is logged, not returned: the change already committed, and the ticket is
    /// scheduled for the next scan in the same transaction.
    pub async fn changed(&self, ticket_id: i64) {
        let result = self
            .store
            .evaluate_sla(&[ticket_id], now(), self.deliveries)
            .await;
        if let Err(e) = result {
            tracing::warn!(ticket_id, error = %e, "SLA evaluation after a change failed; the scanner will retry");
        }
    }

    /// Runs scans every `interval`, and sooner when woken, until `stop`.
    pub fn spawn(
        self,
        interval: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.scan(now()).await {
                    Ok(e) if e.raised + e.cleared > 0 => tracing::info!(
                        tickets = e.tickets,
                        raised = e.raised,
                        cleared = e.cleared,
                        "SLA scan"
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "SLA scan failed; retrying at the next interval")
                    }
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(interval) => {}
                    // A burst of wake-ups (many submissions) is folded into one scan a second.
                    _ = async { self.wake.notified().await; tokio::time::sleep(Duration::from_secs(1)).await } => {}
                }
            }
        })
    }
}

/// The installation's business hours.
#[utoipa::path(get, path = "/api/v1/business-hours", tag = "sla", security(("bearer" = [])), responses((status = 200, body = BusinessHoursSpec)))]
async fn get_business_hours(
    State(state): State<AppState>,
    _m: Manager,
) -> ApiResult<Json<BusinessHoursSpec>> {
    Ok(Json(business_hours(&state.store).await?))
}

/// Replace the business hours: weekly opening slots in an IANA time zone, and holidays. SLA
/// clocks in business hours and business-time figures follow at once.
#[utoipa::path(put, path = "/api/v1/business-hours", tag = "sla", security(("bearer" = [])), request_body = BusinessHoursSpec,
    responses((status = 200, body = BusinessHoursSpec), (status = 422, body = crate::error::Problem)))]
async fn put_business_hours(
    State(state): State<AppState>,
    _m: Manager,
    AppJson(spec): AppJson<BusinessHoursSpec>,
) -> ApiResult<Json<BusinessHoursSpec>> {
    if let Err(e) = spec.validate() {
        return Err(ApiError::Unprocessable(
            e.errors
                .into_iter()
                .map(|(f, m)| FieldError::new(f, m))
                .collect(),
        ));
    }
    state
        .store
        .put_setting(BUSINESS_HOURS_KEY, &spec, now())
        .await?;
    reschedule(&state).await?;
    Ok(Json(spec))
}

/// Every unresolved ticket is measured again under the new rules.
async fn reschedule(state: &AppState) -> ApiResult<()> {
    let changed = now();
    state.store.mark_for_sla(changed, None).await?;
    state.sla.wake.notify_one();
    // A ticket is measured when it is written, under the rules its transaction read. On
    // PostgreSQL a submission that read the old rules just before the change can commit just
    // after the marking above; once such transactions have landed, the tickets created around
    // the change are looked at again.
    let (store, wake) = (state.store.clone(), state.sla.wake.clone());
    tokio::spawn(async move {
        tokio::time::sleep(IN_FLIGHT).await;
        let since = changed - chrono::Duration::from_std(IN_FLIGHT).unwrap_or_default() * 10;
        match store.mark_for_sla(now(), Some(since)).await {
            Ok(_) => wake.notify_one(),
            Err(e) => {
                tracing::warn!(error = %e, "re-marking new tickets after an SLA change failed")
            }
        }
    });
    Ok(())
}

/// Longer than any submission transaction takes.
const IN_FLIGHT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Policies {
    pub policies: Vec<SlaPolicy>,
}

/// The SLA policies.
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla", security(("bearer" = [])), responses((status = 200, body = Policies)))]
async fn get_policies(State(state): State<AppState>, _m: Manager) -> ApiResult<Json<Policies>> {
    Ok(Json(Policies {
        policies: policies(&state.store).await?,
    }))
}

/// Replace the SLA policies. The most specific policy wins for a ticket (priority and tier
/// over priority alone); a target may be `null`.
#[utoipa::path(put, path = "/api/v1/sla-policies", tag = "sla", security(("bearer" = [])), request_body = Policies,
    responses((status = 200, body = Policies), (status = 422, body = crate::error::Problem)))]
async fn put_policies(
    State(state): State<AppState>,
    _m: Manager,
    AppJson(body): AppJson<Policies>,
) -> ApiResult<Json<Policies>> {
    let problems = policy_problems(&body.policies);
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable(
            problems
                .into_iter()
                .map(|(f, m)| FieldError::new(f, m))
                .collect(),
        ));
    }
    state
        .store
        .put_setting(POLICIES_KEY, &body.policies, now())
        .await?;
    reschedule(&state).await?;
    Ok(Json(body))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TicketBrief {
    pub id: i64,
    pub reference: String,
    pub subject: String,
    pub priority: String,
    pub status: String,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AlertOut {
    pub id: i64,
    pub ticket_id: i64,
    pub metric: SlaMetric,
    pub level: AlertLevel,
    pub cycle: i32,
    /// When the threshold was crossed.
    pub due_at: DateTime<Utc>,
    pub raised_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_by: Option<i64>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub ticket: TicketBrief,
}

impl AlertOut {
    pub fn new(a: &AlertRow, t: &TicketRow) -> ApiResult<AlertOut> {
        // One shape for the list, the live stream and webhooks.
        serde_json::from_value(alert_json(a, t)).map_err(ApiError::internal)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AlertQuery {
    /// `open` (default), `acked`, `cleared` or `all`.
    state: Option<String>,
    cursor: Option<String>,
    limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub items: Vec<AlertOut>,
    pub next_cursor: Option<String>,
}

/// Slow-response alerts, oldest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "sla", security(("bearer" = [])), params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 422, body = crate::error::Problem)))]
async fn list_alerts(
    State(state): State<AppState>,
    _s: Staff,
    Query(q): Query<AlertQuery>,
) -> ApiResult<Json<AlertList>> {
    let filter = match q.state.as_deref().unwrap_or("open") {
        "open" => AlertState::Open,
        "acked" => AlertState::Acked,
        "cleared" => AlertState::Cleared,
        "all" => AlertState::All,
        _ => {
            return Err(ApiError::invalid(
                "state",
                "must be open, acked, cleared or all",
            ));
        }
    };
    let after = match q.cursor.as_deref() {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this server gave out"))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = state.store.list_alerts(filter, after, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(|(a, t)| AlertOut::new(a, t))
        .collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = more
        .then(|| items.last().map(|a| a.id.to_string()))
        .flatten();
    Ok(Json(AlertList { items, next_cursor }))
}

/// Acknowledge an alert: someone is on it.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "sla", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AlertOut), (status = 404, body = crate::error::Problem)))]
async fn ack_alert(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertOut>> {
    let (a, t) = state.store.ack_alert(id, staff.id, now()).await?;
    Ok(Json(AlertOut::new(&a, &t)?))
}
