//! Recurring complaints: the indexer that links every new ticket to the customer's earlier
//! ones and to a recurring issue, and the managers' list of issues with rename, merge and
//! dismiss.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use helpdesk_recurring::Analyzer;
use helpdesk_store::Store;
use helpdesk_store::recurring::{IssueSummary, RecurringConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Manager;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::state::AppState;
use crate::views::now;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_issues))
        .routes(routes!(get_issue, rename_issue))
        .routes(routes!(merge_issue))
        .routes(routes!(dismiss_issue))
}

/// Tickets indexed per transaction: small enough that the SQLite writer is never held long.
const BATCH: u64 = 50;
/// While customers submit, the indexer pauses this many times as long as its last
/// transaction took, so it has at most a tenth of the writer (and of the CPU its queries
/// cost). A quarter measured 1,900-2,800 submissions/s on SQLite, a tenth 2,700-3,600/s; the
/// backlog is indexed at full speed once the burst is over.
const YIELD_FACTOR: u32 = 9;
/// The default window of the list (DESIGN: the last 30 days).
const DEFAULT_SINCE_DAYS: i64 = 30;

/// Indexes new tickets in the background, soon after they are created.
#[derive(Clone)]
pub struct RecurringEngine {
    store: Store,
    analyzer: Arc<Analyzer>,
    pub config: Arc<RecurringConfig>,
    /// Wakes the indexer early (tickets were created or imported).
    pub wake: Arc<Notify>,
}

impl RecurringEngine {
    pub fn new(store: Store, config: RecurringConfig) -> anyhow::Result<RecurringEngine> {
        Ok(RecurringEngine {
            store,
            analyzer: Arc::new(Analyzer::bundled()?),
            config: Arc::new(config),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Indexes every ticket not indexed yet; how many.
    pub async fn run_once(&self) -> ApiResult<usize> {
        let mut total = 0;
        loop {
            let started = std::time::Instant::now();
            let n = self
                .store
                .index_new_tickets(&self.analyzer, &self.config, BATCH, now())
                .await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
            // A burst of submissions is answered first and indexed after. Measured at 32
            // clients on SQLite: 560-910 submissions/s (p99 56-92 ms) while the indexer ran
            // freely in batches of 50; see BENCHMARKS.md for what this pause and the store's
            // bound on one indexing transaction give.
            if self.store.submissions_arriving() {
                tokio::time::sleep(started.elapsed() * YIELD_FACTOR).await;
            }
        }
    }

    /// Indexes until `stop`: when woken, and every `interval` for tickets written by other
    /// instances.
    pub fn spawn(
        self,
        interval: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                // A backlog (an import, a burst the indexer gave way to) can take minutes;
                // stopping drops the transaction in progress, which rolls it back.
                let done = tokio::select! {
                    _ = stop.cancelled() => return,
                    done = self.run_once() => done,
                };
                match done {
                    Ok(n) if n > 0 => tracing::debug!(tickets = n, "recurring-complaint index"),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "recurring-complaint indexing failed; retrying")
                    }
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(interval) => {}
                    _ = self.wake.notified() => {}
                }
            }
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IssuesQuery {
    /// Only complaints since this instant (RFC 3339) or date; default: the last 30 days.
    since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrendDay {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub count: usize,
}

/// A recurring issue: near-duplicate complaints, from several customers, about one problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueOut {
    pub id: i64,
    /// The manager's name for it, or its top terms.
    pub label: String,
    /// Its top terms, most telling first.
    pub terms: Vec<String>,
    /// Complaints and distinct customers in the window.
    pub ticket_count: usize,
    pub customer_count: usize,
    /// Its first and latest complaint (any time).
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Its complaints in the window, newest first.
    pub ticket_ids: Vec<i64>,
    /// Complaints per day (UTC) in the window.
    pub trend: Vec<TrendDay>,
    /// `open`, `dismissed` or `merged`.
    pub status: String,
}

impl From<IssueSummary> for IssueOut {
    fn from(s: IssueSummary) -> Self {
        IssueOut {
            id: s.id,
            label: s.label,
            terms: s.terms,
            ticket_count: s.ticket_count,
            customer_count: s.customer_count,
            first_seen: s.first_seen,
            last_seen: s.last_seen,
            ticket_ids: s.ticket_ids,
            trend: s
                .trend
                .into_iter()
                .map(|d| TrendDay {
                    date: d.date,
                    count: d.count,
                })
                .collect(),
            status: s.status,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueList {
    pub items: Vec<IssueOut>,
    pub since: DateTime<Utc>,
}

fn since_of(q: &IssuesQuery, now: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
    let Some(s) = q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(now - chrono::Duration::days(DEFAULT_SINCE_DAYS));
    };
    let since = DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
        .ok_or_else(|| {
            ApiError::invalid("since", "must be an RFC 3339 time or a YYYY-MM-DD date")
        })?;
    if since > now {
        return Err(ApiError::invalid("since", "must not be in the future"));
    }
    if now - since > chrono::Duration::days(366) {
        return Err(ApiError::invalid("since", "may reach back at most a year"));
    }
    Ok(since)
}

/// Recurring issues with complaints in the window, most complaints first.
#[utoipa::path(get, path = "/api/v1/recurring-issues", tag = "recurring", security(("bearer" = [])), params(IssuesQuery),
    responses((status = 200, body = IssueList), (status = 422, body = crate::error::Problem)))]
async fn list_issues(
    State(state): State<AppState>,
    _m: Manager,
    Query(q): Query<IssuesQuery>,
) -> ApiResult<Json<IssueList>> {
    let now = now();
    let since = since_of(&q, now)?;
    let items = state
        .store
        .recurring_issues(since, now, None)
        .await?
        .into_iter()
        .map(IssueOut::from)
        .collect();
    Ok(Json(IssueList { items, since }))
}

async fn one_issue(state: &AppState, id: i64, since: DateTime<Utc>) -> ApiResult<IssueOut> {
    state
        .store
        .recurring_issues(since, now(), Some(id))
        .await?
        .into_iter()
        .next()
        .map(IssueOut::from)
        .ok_or(ApiError::NotFound("recurring issue"))
}

/// One recurring issue (any status), with its complaints in the window.
#[utoipa::path(get, path = "/api/v1/recurring-issues/{id}", tag = "recurring", security(("bearer" = [])), params(("id" = i64, Path), IssuesQuery),
    responses((status = 200, body = IssueOut), (status = 404, body = crate::error::Problem)))]
async fn get_issue(
    State(state): State<AppState>,
    _m: Manager,
    Path(id): Path<i64>,
    Query(q): Query<IssuesQuery>,
) -> ApiResult<Json<IssueOut>> {
    let since = since_of(&q, now())?;
    Ok(Json(one_issue(&state, id, since).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Rename {
    /// The new name; empty or null goes back to the automatic label.
    pub label: Option<String>,
}

/// Rename an issue.
#[utoipa::path(patch, path = "/api/v1/recurring-issues/{id}", tag = "recurring", security(("bearer" = [])), params(("id" = i64, Path)), request_body = Rename,
    responses((status = 200, body = IssueOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn rename_issue(
    State(state): State<AppState>,
    _m: Manager,
    Path(id): Path<i64>,
    AppJson(req): AppJson<Rename>,
) -> ApiResult<Json<IssueOut>> {
    let label = req
        .label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if label.as_ref().is_some_and(|l| l.chars().count() > 120) {
        return Err(ApiError::invalid("label", "must be at most 120 characters"));
    }
    state.store.rename_issue(id, label, now()).await?;
    Ok(Json(one_issue(&state, id, far_past()).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Merge {
    /// The issue that takes this one's complaints.
    pub into: Option<i64>,
}

/// Merge an issue into another: its complaints move, and it is left as `merged`.
#[utoipa::path(post, path = "/api/v1/recurring-issues/{id}/merge", tag = "recurring", security(("bearer" = [])), params(("id" = i64, Path)), request_body = Merge,
    responses((status = 200, body = IssueOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn merge_issue(
    State(state): State<AppState>,
    _m: Manager,
    Path(id): Path<i64>,
    AppJson(req): AppJson<Merge>,
) -> ApiResult<Json<IssueOut>> {
    let into = req
        .into
        .ok_or_else(|| ApiError::invalid("into", "is required"))?;
    if into == id {
        return Err(ApiError::invalid("into", "must be another issue"));
    }
    state.store.merge_issues(id, into, now()).await?;
    Ok(Json(one_issue(&state, into, far_past()).await?))
}

/// Dismiss an issue: it leaves the list and does not come back for the same complaints.
#[utoipa::path(post, path = "/api/v1/recurring-issues/{id}/dismiss", tag = "recurring", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = IssueOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn dismiss_issue(
    State(state): State<AppState>,
    _m: Manager,
    Path(id): Path<i64>,
) -> ApiResult<Json<IssueOut>> {
    state.store.dismiss_issue(id, now()).await?;
    Ok(Json(one_issue(&state, id, far_past()).await?))
}

/// Every complaint of an issue, for answers about one issue (PostgreSQL's timestamps start
/// long after chrono's minimum, so the epoch stands in for "always").
fn far_past() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}
