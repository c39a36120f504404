//! Reports for managers: time to resolution and first response (with the tickets behind every
//! figure), customer experience (CSAT, CES, NPS), and customers at risk of leaving.
//!
//! The cohort of a report is the tickets *created* in `[from, to)`. Figures follow DESIGN §2:
//! nearest-rank percentiles, means rounded to whole seconds, the Kaplan–Meier median with
//! unresolved tickets censored, duplicates/spam/merged left out and counted.
//!
//! Decisions DESIGN leaves open, made here:
//!
//! - **Excluded tickets** (closed as duplicate, spam or merged without being resolved) are left
//!   out of the TTR figures and the Kaplan–Meier estimate only, as DESIGN says ("left out of
//!   TTR statistics"). They still count in `tickets`, in first response (a public reply an
//!   agent wrote before noticing the duplicate was real work and a real wait for the customer)
//!   and in SLA met/breached.
//! - **Closed with reason `other` without resolution**: not excluded and without a TTR; in
//!   the Kaplan–Meier estimate it is censored at its close time (it stopped being at risk of
//!   resolution then). Tickets still open are censored at the time of the query.
//! - **Repeat contact**: a ticket whose customer created another ticket at most 30 days
//!   before it, looking back past `from`; see `cohort`.
//! - **CX response rate**: answered / ever resolved; see `cx_report`.
//! - **At-risk score**: the weights are in `at_risk_weights`; see `at_risk`.
//! - A date without a time (`from=2026-09-06`) is midnight in the business time zone, or the
//!   first instant after the gap where the clocks skip midnight.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use helpdesk_store::Store;
use helpdesk_store::reports::ReportRow;
use helpdesk_store::tickets::reference;
use helpdesk_tickets::report::{GroupFigures, ReportTicket, group_figures};
use helpdesk_tickets::{BusinessCalendar, BusinessIndex, Clock, TicketMetrics, Timeline};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Manager;
use crate::calendar::business_calendar;
use crate::error::{ApiError, ApiResult};
use crate::validate::Problems;
use crate::views::now;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ttr_report))
        .routes(routes!(ttr_tickets))
        .routes(routes!(cx_report))
        .routes(routes!(at_risk))
}

use crate::state::AppState;

/// A report may cover at most this long.
const MAX_RANGE_DAYS: i64 = 731;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    None,
    Agent,
    Priority,
    Category,
    Channel,
    Day,
    Week,
    Month,
}

impl GroupBy {
    fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "none" => GroupBy::None,
            "agent" => GroupBy::Agent,
            "priority" => GroupBy::Priority,
            "category" => GroupBy::Category,
            "channel" => GroupBy::Channel,
            "day" => GroupBy::Day,
            "week" => GroupBy::Week,
            "month" => GroupBy::Month,
            _ => return None,
        })
    }

    /// The group a ticket falls in. Periods are dates in the business calendar's time zone.
    fn key(self, r: &ReportRow, tz: Tz) -> String {
        let local = || {
            DateTime::from_timestamp(r.created_at, 0)
                .unwrap_or_default()
                .with_timezone(&tz)
                .date_naive()
        };
        match self {
            GroupBy::None => "all".into(),
            GroupBy::Agent => r
                .assignee_id
                .map_or_else(|| "unassigned".into(), |a| a.to_string()),
            GroupBy::Priority => r.priority.clone(),
            GroupBy::Category => r.category.clone().unwrap_or_else(|| "uncategorized".into()),
            GroupBy::Channel => r.channel.clone(),
            GroupBy::Day => local().format("%Y-%m-%d").to_string(),
            GroupBy::Week => {
                let w = local().iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            GroupBy::Month => local().format("%Y-%m").to_string(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Start of the cohort (inclusive): RFC 3339, or a date taken at midnight in the business
    /// time zone. Default: 30 days before `to`.
    from: Option<String>,
    /// End (exclusive). Default: now.
    to: Option<String>,
    /// `none` (default), `agent`, `priority`, `category`, `channel`, `day`, `week`, `month`.
    group_by: Option<String>,
    /// `calendar` (default) or `business`.
    hours: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
    /// Drill-down: the group whose tickets to list.
    key: Option<String>,
    /// Drill-down: continue after this ticket id.
    cursor: Option<String>,
    /// Drill-down page size, 1 to 1000 (default 200; CSV returns every ticket).
    limit: Option<String>,
}

pub struct Params {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub group_by: GroupBy,
    pub hours: Clock,
    pub csv: bool,
}

fn parse_instant(field: &str, v: &str, tz: Tz, p: &mut Problems) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let t = local_midnight(d, tz);
        if t.is_none() {
            p.add(field, "has no midnight in the business time zone");
        }
        return t;
    }
    p.add(
        field,
        "must be an RFC 3339 instant (2026-03-01T00:00:00Z) or a date (2026-03-01)",
    );
    None
}

/// The instant a local date begins in `tz`. Where the clocks jump forward at midnight (e.g.
/// America/Santiago in September) midnight does not exist and the day begins at the first
/// instant after the gap; where midnight happens twice, at the first of them.
fn local_midnight(d: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let midnight = d.and_time(chrono::NaiveTime::MIN);
    // Every real gap starts and ends on a whole minute (the business calendar relies on the
    // same fact), so the first valid minute after midnight is exactly the end of the gap.
    (0..=24 * 60).find_map(|m| {
        tz.from_local_datetime(&(midnight + Duration::minutes(m)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

pub fn parse_params(q: &ReportQuery, tz: Tz, p: &mut Problems) -> Params {
    let now = now();
    let to =
        q.to.as_deref()
            .filter(|s| !s.is_empty())
            .map_or(Some(now), |v| parse_instant("to", v, tz, p));
    let from = q
        .from
        .as_deref()
        .filter(|s| !s.is_empty())
        .map_or(to.map(|t| t - Duration::days(30)), |v| {
            parse_instant("from", v, tz, p)
        });
    // The order of two instants is only checked once both parsed.
    if let (Some(from), Some(to)) = (from, to) {
        if from >= to {
            p.add("from", "must be before to");
        } else if to - from > Duration::days(MAX_RANGE_DAYS) {
            p.add(
                "to",
                format!("the range may cover at most {MAX_RANGE_DAYS} days"),
            );
        }
    }
    let (from, to) = (from.unwrap_or(now), to.unwrap_or(now));
    let group_by = match q.group_by.as_deref().filter(|s| !s.is_empty()) {
        None => GroupBy::None,
        Some(g) => GroupBy::parse(g).unwrap_or_else(|| {
            p.add(
                "group_by",
                "must be none, agent, priority, category, channel, day, week or month",
            );
            GroupBy::None
        }),
    };
    let hours = match q.hours.as_deref().filter(|s| !s.is_empty()) {
        None | Some("calendar") => Clock::Calendar,
        Some("business") => Clock::Business,
        Some(_) => {
            p.add("hours", "must be calendar or business");
            Clock::Calendar
        }
    };
    let csv = match q.format.as_deref().filter(|s| !s.is_empty()) {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            p.add("format", "must be json or csv");
            false
        }
    };
    Params {
        from,
        to,
        group_by,
        hours,
        csv,
    }
}

/// The report's clock: calendar seconds, or business seconds through an index of the range.
pub struct Measure {
    index: Option<BusinessIndex>,
}

impl Measure {
    pub fn new(hours: Clock, calendar: &BusinessCalendar, from: DateTime<Utc>) -> Measure {
        let index =
            (hours == Clock::Business).then(|| calendar.index(from, now() + Duration::days(1)));
        Measure { index }
    }

    pub fn between(&self, a: i64, b: i64) -> i64 {
        match &self.index {
            Some(i) => i.between(a, b),
            None => (b - a).max(0),
        }
    }
}

/// The tickets created in `[from, to)`, oldest first.
///
/// **Repeat contact**: a ticket repeats a contact when the same customer (by e-mail) created
/// another ticket at most 30 days before it, looking back past `from`, so the first ticket of a
/// cohort can be a repeat of one outside it. Of two tickets created at the same instant only
/// the later id is a repeat. Every earlier ticket counts, whatever became of it. The store
/// keeps this flag on each ticket (see `helpdesk_tickets::report::repeat_contacts`).
pub async fn cohort(
    store: &Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<Vec<ReportRow>> {
    Ok(store.report_rows(from, to).await?)
}

fn report_ticket(r: &ReportRow) -> ReportTicket {
    let excluded = is_excluded(r);
    ReportTicket {
        created: r.created_at,
        first_response: r.first_response_at,
        resolved: r.resolved_at,
        closed_unresolved: r.closed_at.filter(|_| r.resolved_at.is_none()),
        excluded,
        sla_breached: match r.sla_state.as_deref() {
            Some("breached") => Some(true),
            Some("met") => Some(false),
            _ => None,
        },
        repeat_contact: r.repeat_contact != 0,
    }
}

/// Keys in their natural order: periods and everything else sort as text.
fn grouped(rows: &[ReportRow], by: GroupBy, tz: Tz) -> BTreeMap<String, Vec<&ReportRow>> {
    let mut groups: BTreeMap<String, Vec<&ReportRow>> = BTreeMap::new();
    for r in rows {
        groups.entry(by.key(r, tz)).or_default().push(r);
    }
    groups
}

async fn agent_names(store: &Store) -> ApiResult<HashMap<String, String>> {
    Ok(store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TtrReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub hours: Clock,
    pub group_by: String,
    pub generated_at: DateTime<Utc>,
    pub groups: Vec<GroupFigures>,
}

const TTR_CSV_HEADER: [&str; 17] = [
    "key",
    "label",
    "tickets",
    "resolved",
    "excluded",
    "ttr_median_s",
    "ttr_mean_s",
    "ttr_p90_s",
    "ttr_km_median_s",
    "frt_responded",
    "frt_median_s",
    "frt_mean_s",
    "frt_p90_s",
    "sla_met",
    "sla_breached",
    "sla_met_pct",
    "repeat_contact_pct",
];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

fn group_by_name(q: &ReportQuery) -> String {
    q.group_by
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".into())
}

/// Time to resolution and first response for the tickets created in `[from, to)`, by group:
/// count, resolved, excluded (duplicate/spam/merged), nearest-rank median and p90, mean,
/// Kaplan–Meier median, SLA met/breached, and the repeat-contact rate. JSON or CSV.
#[utoipa::path(get, path = "/api/v1/reports/ttr", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, body = TtrReport), (status = 422, body = crate::error::Problem)))]
async fn ttr_report(
    State(state): State<AppState>,
    _m: Manager,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let calendar = business_calendar(&state.store).await?;
    let tz = calendar.timezone();
    let mut p = Problems::new();
    let params = parse_params(&q, tz, &mut p);
    p.finish()?;
    let rows = cohort(&state.store, params.from, params.to).await?;
    let names = if params.group_by == GroupBy::Agent {
        agent_names(&state.store).await?
    } else {
        HashMap::new()
    };
    let generated_at = now();
    let groups = tokio::task::spawn_blocking(move || {
        let measure = Measure::new(params.hours, &calendar, params.from);
        let groups: Vec<GroupFigures> = grouped(&rows, params.group_by, tz)
            .into_iter()
            .map(|(key, members)| {
                let tickets: Vec<ReportTicket> = members.iter().map(|r| report_ticket(r)).collect();
                let mut g = group_figures(
                    key,
                    &tickets,
                    &|a, b| measure.between(a, b),
                    generated_at.timestamp(),
                );
                g.label = names.get(&g.key).cloned();
                g
            })
            .collect();
        if groups.is_empty() && params.group_by == GroupBy::None {
            vec![group_figures("all".into(), &[], &|a, b| b - a, 0)]
        } else {
            groups
        }
    })
    .await?;
    if params.csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(TTR_CSV_HEADER);
        for g in &groups {
            let row = [
                g.key.clone(),
                g.label.clone().unwrap_or_default(),
                g.tickets.to_string(),
                g.resolved.to_string(),
                g.excluded.to_string(),
                opt(g.ttr.median_s),
                opt(g.ttr.mean_s),
                opt(g.ttr.p90_s),
                opt(g.ttr.km_median_s),
                g.frt.responded.to_string(),
                opt(g.frt.median_s),
                opt(g.frt.mean_s),
                opt(g.frt.p90_s),
                g.sla.met.to_string(),
                g.sla.breached.to_string(),
                opt(g.sla.met_pct),
                opt(g.repeat_contact_pct),
            ];
            let _ = w.write_record(&row);
        }
        let body = w
            .into_inner()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
        return Ok(csv_response("ttr-report.csv", body));
    }
    Ok(Json(TtrReport {
        from: params.from,
        to: params.to,
        hours: params.hours,
        group_by: group_by_name(&q),
        generated_at,
        groups,
    })
    .into_response())
}

/// One ticket behind a report figure, with all its metrics in both clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketFigures {
    pub id: i64,
    pub reference: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub category: Option<String>,
    pub channel: String,
    pub assignee_id: Option<i64>,
    pub customer_email: String,
    pub created_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub sla_state: Option<String>,
    pub repeat_contact: bool,
    #[serde(flatten)]
    pub metrics: TicketMetrics,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketFiguresPage {
    pub items: Vec<TicketFigures>,
    pub next_cursor: Option<String>,
}

const TICKET_CSV_HEADER: [&str; 27] = [
    "id",
    "reference",
    "subject",
    "status",
    "priority",
    "category",
    "channel",
    "assignee_id",
    "customer_email",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "close_reason",
    "excluded",
    "sla_state",
    "repeat_contact",
    "reopen_count",
    "first_response_s",
    "first_response_business_s",
    "resolution_s",
    "resolution_business_s",
    "first_resolution_s",
    "first_resolution_business_s",
    "requester_wait_s",
    "requester_wait_business_s",
    "next_response_s",
];

/// Computes every metric of the given tickets from their events.
async fn figures_for(
    store: &Store,
    ids: &[i64],
    calendar: &BusinessCalendar,
    at: DateTime<Utc>,
) -> ApiResult<Vec<TicketFigures>> {
    let tickets = store.tickets_by_ids(ids).await?;
    let mut events: HashMap<i64, Vec<helpdesk_tickets::Event>> = HashMap::new();
    for e in store.events_of(ids).await? {
        events
            .entry(e.ticket_id)
            .or_default()
            .push(helpdesk_store::tickets::event_from_row(&e)?);
    }
    let mut customer_ids: Vec<i64> = tickets.iter().map(|t| t.customer_id).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let emails: HashMap<i64, String> = store
        .customers_by_ids(&customer_ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.email))
        .collect();
    tickets
        .into_iter()
        .map(|t| {
            let tl =
                Timeline::from_events(events.get(&t.id).map(Vec::as_slice).unwrap_or_default())?;
            Ok(TicketFigures {
                id: t.id,
                reference: reference(t.id),
                customer_email: emails.get(&t.customer_id).cloned().unwrap_or_default(),
                metrics: TicketMetrics::compute(&tl, calendar, at),
                repeat_contact: t.repeat_contact,
                subject: t.subject,
                status: t.status,
                priority: t.priority,
                category: t.category,
                channel: t.channel,
                assignee_id: t.assignee_id,
                created_at: t.created_at,
                first_response_at: t.first_response_at,
                resolved_at: t.resolved_at,
                closed_at: t.closed_at,
                close_reason: t.close_reason,
                sla_state: t.sla_state,
            })
        })
        .collect()
}

fn ticket_csv_row(f: &TicketFigures) -> Vec<String> {
    let m = &f.metrics;
    let t = |v: Option<DateTime<Utc>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
    vec![
        f.id.to_string(),
        f.reference.clone(),
        f.subject.clone(),
        f.status.clone(),
        f.priority.clone(),
        f.category.clone().unwrap_or_default(),
        f.channel.clone(),
        opt(f.assignee_id),
        f.customer_email.clone(),
        f.created_at.to_rfc3339(),
        t(f.first_response_at),
        t(f.resolved_at),
        t(f.closed_at),
        f.close_reason.clone().unwrap_or_default(),
        m.excluded.to_string(),
        f.sla_state.clone().unwrap_or_default(),
        f.repeat_contact.to_string(),
        m.reopen_count.to_string(),
        opt(m.first_response_s),
        opt(m.first_response_business_s),
        opt(m.resolution_s),
        opt(m.resolution_business_s),
        opt(m.first_resolution_s),
        opt(m.first_resolution_business_s),
        m.requester_wait_s.to_string(),
        m.requester_wait_business_s.to_string(),
        opt(m.next_response_s),
    ]
}

/// The tickets behind a figure of the TTR report — the same cohort, filtered to one group
/// (`key`) — each with all its metrics in calendar and business time. JSON pages, or the whole
/// list as CSV.
#[utoipa::path(get, path = "/api/v1/reports/ttr/tickets", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, body = TicketFiguresPage), (status = 422, body = crate::error::Problem)))]
async fn ttr_tickets(
    State(state): State<AppState>,
    _m: Manager,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let calendar = business_calendar(&state.store).await?;
    let tz = calendar.timezone();
    let mut p = Problems::new();
    let params = parse_params(&q, tz, &mut p);
    let key = q.key.clone().filter(|k| !k.is_empty());
    if params.group_by != GroupBy::None && key.is_none() {
        p.add(
            "key",
            "is required with group_by: the group whose tickets to list",
        );
    }
    let after: i64 = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => c.parse().unwrap_or_else(|_| {
            p.add("cursor", "is not a cursor this server gave out");
            0
        }),
        None => 0,
    };
    let limit: usize = match q.limit.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => match l.parse() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                p.add("limit", "must be a whole number from 1 to 1000");
                200
            }
        },
        None => 200,
    };
    p.finish()?;
    let rows = cohort(&state.store, params.from, params.to).await?;
    let mut ids: Vec<i64> = rows
        .iter()
        .filter(|r| {
            key.as_deref()
                .is_none_or(|k| params.group_by.key(r, tz) == k)
        })
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    let at = now();
    if params.csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(TICKET_CSV_HEADER);
        for chunk in ids.chunks(500) {
            for f in figures_for(&state.store, chunk, &calendar, at).await? {
                let _ = w.write_record(ticket_csv_row(&f));
            }
        }
        let body = w
            .into_inner()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
        return Ok(csv_response("ttr-tickets.csv", body));
    }
    let page: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| *id > after)
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    let items = figures_for(&state.store, &page[..page.len().min(limit)], &calendar, at).await?;
    let next_cursor = more
        .then(|| items.last().map(|f| f.id.to_string()))
        .flatten();
    Ok(Json(TicketFiguresPage { items, next_cursor }).into_response())
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CxGroup {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Tickets of the group that were offered the survey: resolved at least once (even if
    /// reopened since), or answered.
    pub resolved: u64,
    /// Tickets of the group with a survey answer (one per ticket).
    pub responses: u64,
    /// `responses / resolved`, percent, one decimal; never above 100.
    pub response_rate: Option<f64>,
    /// Satisfied (CSAT 4 or 5) / CSAT answers, percent.
    pub csat_pct: Option<f64>,
    /// Mean CES (1–7), two decimals.
    pub ces_avg: Option<f64>,
    /// % promoters (9–10) − % detractors (0–6), one decimal.
    pub nps: Option<f64>,
    /// How many answered each CSAT score 1..5.
    pub csat_counts: [u64; 5],
    /// How many answered each CES score 1..7.
    pub ces_counts: [u64; 7],
    /// How many answered each NPS score 0..10.
    pub nps_counts: [u64; 11],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CxComment {
    pub ticket_id: i64,
    pub reference: String,
    pub csat: Option<i16>,
    pub nps: Option<i16>,
    pub comment: String,
    pub answered_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CxReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub group_by: String,
    pub groups: Vec<CxGroup>,
    /// The latest comments, newest first.
    pub comments: Vec<CxComment>,
}

/// The survey opens on resolution, so a ticket resolved once was offered it, even if it has
/// been reopened since.
fn offered_survey(r: &ReportRow) -> bool {
    r.first_resolved_at.is_some() || r.resolved_at.is_some()
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Customer experience for the tickets created in `[from, to)`: CSAT %, mean CES, NPS and the
/// survey response rate, by group, with score distributions and the latest comments.
///
/// **Response rate** = tickets with an answer / tickets offered the survey. A ticket is offered
/// the survey once it has been resolved, and an answer stays when the ticket is reopened, so
/// the denominator counts every ticket that was *ever* resolved (or has an answer), not only
/// those resolved now: numerator and denominator then count the same tickets, and the rate
/// cannot pass 100 %. Scores are averaged over the answers that give them.
#[utoipa::path(get, path = "/api/v1/reports/cx", tag = "reports", security(("bearer" = [])), params(ReportQuery),
    responses((status = 200, body = CxReport), (status = 422, body = crate::error::Problem)))]
async fn cx_report(
    State(state): State<AppState>,
    _m: Manager,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Json<CxReport>> {
    let calendar = business_calendar(&state.store).await?;
    let tz = calendar.timezone();
    let mut p = Problems::new();
    let params = parse_params(&q, tz, &mut p);
    p.finish()?;
    let rows = state.store.report_rows(params.from, params.to).await?;
    let answers = state.store.survey_answers(params.from, params.to).await?;
    let by_ticket: HashMap<i64, &helpdesk_store::reports::SurveyAnswerRow> =
        answers.iter().map(|a| (a.ticket_id, a)).collect();
    let names = if params.group_by == GroupBy::Agent {
        agent_names(&state.store).await?
    } else {
        HashMap::new()
    };
    let mut groups = Vec::new();
    let mut all = grouped(&rows, params.group_by, tz);
    if all.is_empty() && params.group_by == GroupBy::None {
        all.insert("all".into(), Vec::new());
    }
    for (key, members) in all {
        let mut g = CxGroup {
            label: names.get(&key).cloned(),
            key,
            ..Default::default()
        };
        let (
            mut satisfied,
            mut csat_n,
            mut ces_sum,
            mut ces_n,
            mut promoters,
            mut detractors,
            mut nps_n,
        ) = (0u64, 0u64, 0i64, 0u64, 0u64, 0u64, 0u64);
        for r in members {
            let answer = by_ticket.get(&r.id);
            if offered_survey(r) || answer.is_some() {
                g.resolved += 1;
            }
            let Some(a) = answer else {
                continue;
            };
            g.responses += 1;
            if let Some(c) = a.csat.filter(|c| (1..=5).contains(c)) {
                csat_n += 1;
                satisfied += u64::from(c >= 4);
                g.csat_counts[(c - 1) as usize] += 1;
            }
            if let Some(c) = a.ces.filter(|c| (1..=7).contains(c)) {
                ces_n += 1;
                ces_sum += i64::from(c);
                g.ces_counts[(c - 1) as usize] += 1;
            }
            if let Some(n) = a.nps.filter(|n| (0..=10).contains(n)) {
                nps_n += 1;
                promoters += u64::from(n >= 9);
                detractors += u64::from(n <= 6);
                g.nps_counts[n as usize] += 1;
            }
        }
        let pct = |a: u64, b: u64| (b > 0).then(|| round(a as f64 * 100.0 / b as f64, 1));
        g.response_rate = pct(g.responses, g.resolved);
        g.csat_pct = pct(satisfied, csat_n);
        g.ces_avg = (ces_n > 0).then(|| round(ces_sum as f64 / ces_n as f64, 2));
        g.nps = (nps_n > 0).then(|| {
            round(
                (promoters as f64 - detractors as f64) * 100.0 / nps_n as f64,
                1,
            )
        });
        groups.push(g);
    }
    let comments = answers
        .iter()
        .filter(|a| !a.comment.trim().is_empty())
        .take(20)
        .map(|a| CxComment {
            ticket_id: a.ticket_id,
            reference: reference(a.ticket_id),
            csat: a.csat,
            nps: a.nps,
            comment: a.comment.clone(),
            answered_at: a.answered_at,
        })
        .collect();
    Ok(Json(CxReport {
        from: params.from,
        to: params.to,
        group_by: group_by_name(&q),
        groups,
        comments,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Signal {
    /// `repeat_complaints`, `sla_breaches`, `low_csat`, `nps_detractor`, `reopened`, `waiting`.
    pub code: &'static str,
    pub value: i64,
    /// The ticket the signal comes from, when it is one ticket.
    pub ticket: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskCustomer {
    pub customer_id: i64,
    pub email: String,
    pub name: String,
    pub tier: String,
    /// 0–100: higher is more at risk.
    pub score: i64,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// Why, as data (for translating the reasons).
    pub signals: Vec<Signal>,
    /// Their complaints in the window (duplicates, spam and merged left out).
    pub tickets: u64,
    pub last_contact: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AtRiskList {
    pub items: Vec<AtRiskCustomer>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AtRiskQuery {
    /// How far back to look, in days, 1 to 365 (default 90).
    // Read as text so that `days=abc` is a 422 naming the field, like every other parameter,
    // rather than the extractor's bare 400.
    #[param(value_type = Option<i64>)]
    days: Option<String>,
}

/// The at-risk score, 0–100 (higher is more at risk). Each signal adds points; a customer is
/// listed from [`AT_RISK_LISTED_FROM`] points. The weights are a judgement, kept together here
/// so they can be read and tuned in one place.
pub mod at_risk_weights {
    /// Each complaint in the window that repeats an earlier one of the customer's
    /// (`recurring_complaints`) …
    pub const COMPLAINT: i64 = 10;
    /// … up to this many points.
    pub const COMPLAINTS_MAX: i64 = 40;
    /// Each ticket whose SLA was breached …
    pub const SLA_BREACH: i64 = 15;
    /// … up to this many points.
    pub const SLA_BREACHES_MAX: i64 = 45;
    /// A CSAT answer of 1 or 2.
    pub const CSAT_LOW: i64 = 20;
    /// A CSAT answer of 3 (neutral: a weak signal).
    pub const CSAT_NEUTRAL: i64 = 5;
    /// An NPS answer of 0–6 (a detractor).
    pub const NPS_DETRACTOR: i64 = 15;
    /// Each time one of their tickets was reopened …
    pub const REOPEN: i64 = 10;
    /// … up to this many points.
    pub const REOPENS_MAX: i64 = 30;
    /// Their oldest unresolved ticket has been open for [`WAITING_DAYS`] days or more.
    pub const WAITING: i64 = 10;
    pub const WAITING_DAYS: i64 = 3;
}

/// Customers with fewer points are not listed.
pub const AT_RISK_LISTED_FROM: i64 = 20;

/// One reason a customer is at risk: its points, in words, and as data.
struct Finding {
    points: i64,
    reason: String,
    signal: Signal,
}

/// Whether a ticket was closed as duplicate, spam or merged without being resolved: not a
/// complaint of its own, so left out of TTR statistics and of the at-risk score.
fn is_excluded(r: &ReportRow) -> bool {
    r.resolved_at.is_none()
        && matches!(
            r.close_reason.as_deref(),
            Some("duplicate" | "spam" | "merged")
        )
}

/// The "recurring complaints" signal (DESIGN §2): how many of the customer's complaints in the
/// window repeat an earlier complaint of theirs — the same category or near-duplicate text
/// within the recurring-complaint window, as linked by the recurring index. A repeat of a ticket
/// closed as duplicate, spam or merged does not count: that earlier ticket was no complaint.
fn recurring_complaints(
    complaints: &[&ReportRow],
    repeats: &HashMap<i64, Vec<i64>>,
    excluded: &std::collections::HashSet<i64>,
    days: i64,
) -> Option<Finding> {
    use at_risk_weights as w;
    let n = complaints
        .iter()
        .filter(|t| {
            repeats
                .get(&t.id)
                .is_some_and(|prev| prev.iter().any(|p| !excluded.contains(p)))
        })
        .count() as i64;
    (n > 0).then(|| Finding {
        points: (w::COMPLAINT * n).min(w::COMPLAINTS_MAX),
        reason: format!(
            "complained about the same problem again {n} time{} in {days} days",
            plural(n)
        ),
        signal: Signal {
            code: "repeat_complaints",
            value: n,
            ticket: None,
        },
    })
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Every finding for one customer, from their complaints in the window (oldest first) and the
/// survey answers of those tickets.
fn findings(
    complaints: &[&ReportRow],
    answers: &HashMap<i64, &helpdesk_store::reports::SurveyAnswerRow>,
    repeats: &HashMap<i64, Vec<i64>>,
    excluded: &std::collections::HashSet<i64>,
    days: i64,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    use at_risk_weights as w;
    let mut out: Vec<Finding> = recurring_complaints(complaints, repeats, excluded, days)
        .into_iter()
        .collect();
    let breaches = complaints
        .iter()
        .filter(|t| t.sla_state.as_deref() == Some("breached"))
        .count() as i64;
    if breaches > 0 {
        out.push(Finding {
            points: (w::SLA_BREACH * breaches).min(w::SLA_BREACHES_MAX),
            reason: format!("{breaches} ticket{} past the SLA target", plural(breaches)),
            signal: Signal {
                code: "sla_breaches",
                value: breaches,
                ticket: None,
            },
        });
    }
    for t in complaints {
        let Some(a) = answers.get(&t.id) else {
            continue;
        };
        if let Some(c) = a.csat.filter(|c| *c <= 3) {
            out.push(Finding {
                points: if c <= 2 { w::CSAT_LOW } else { w::CSAT_NEUTRAL },
                reason: format!("rated CSAT {c}/5 on {}", reference(t.id)),
                signal: Signal {
                    code: "low_csat",
                    value: i64::from(c),
                    ticket: Some(reference(t.id)),
                },
            });
        }
        if let Some(n) = a.nps.filter(|n| *n <= 6) {
            out.push(Finding {
                points: w::NPS_DETRACTOR,
                reason: format!("NPS detractor ({n}/10) on {}", reference(t.id)),
                signal: Signal {
                    code: "nps_detractor",
                    value: i64::from(n),
                    ticket: Some(reference(t.id)),
                },
            });
        }
    }
    let reopens: i64 = complaints.iter().map(|t| i64::from(t.reopen_count)).sum();
    if reopens > 0 {
        out.push(Finding {
            points: (w::REOPEN * reopens).min(w::REOPENS_MAX),
            reason: format!("reopened {reopens} time{}", plural(reopens)),
            signal: Signal {
                code: "reopened",
                value: reopens,
                ticket: None,
            },
        });
    }
    if let Some(t) = complaints
        .iter()
        .filter(|t| t.resolved_at.is_none() && t.closed_at.is_none())
        .min_by_key(|t| t.created_at)
    {
        let waited = (now.timestamp() - t.created_at) / 86_400;
        if waited >= w::WAITING_DAYS {
            out.push(Finding {
                points: w::WAITING,
                reason: format!("{} open for {waited} days", reference(t.id)),
                signal: Signal {
                    code: "waiting",
                    value: waited,
                    ticket: Some(reference(t.id)),
                },
            });
        }
    }
    out
}

/// Customers at risk of leaving, highest score first (at most 100).
///
/// Looks at the tickets each customer created in the last `days` days, leaving out tickets
/// closed as duplicate, spam or merged. Points (see `at_risk_weights`): 10 per complaint that
/// repeats an earlier one about the same problem (at most 40); 15 per SLA breach (at most 45); 20 per CSAT answer of 1–2 and
/// 5 per CSAT 3; 15 per NPS detractor answer (0–6); 10 per reopen (at most 30); 10 when their
/// oldest unresolved ticket has waited 3 days or more. The score is capped at 100 and a
/// customer is listed from 20 points, with each reason in words and as data.
#[utoipa::path(get, path = "/api/v1/customers/at-risk", tag = "reports", security(("bearer" = [])), params(AtRiskQuery),
    responses((status = 200, body = AtRiskList), (status = 422, body = crate::error::Problem)))]
async fn at_risk(
    State(state): State<AppState>,
    _m: Manager,
    Query(q): Query<AtRiskQuery>,
) -> ApiResult<Json<AtRiskList>> {
    let days = match q.days.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 90,
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| ApiError::invalid("days", "must be a whole number from 1 to 365"))?,
    };
    let to = now();
    let from = to - Duration::days(days);
    let rows = state
        .store
        .report_rows(from, to + Duration::seconds(1))
        .await?;
    let answers = state
        .store
        .survey_answers(from, to + Duration::seconds(1))
        .await?;
    let by_ticket: HashMap<i64, &helpdesk_store::reports::SurveyAnswerRow> =
        answers.iter().map(|a| (a.ticket_id, a)).collect();
    let repeats: HashMap<i64, Vec<i64>> = state
        .store
        .customer_repeats(from, to + Duration::seconds(1))
        .await?
        .into_iter()
        .collect();
    let excluded: std::collections::HashSet<i64> = rows
        .iter()
        .filter(|r| is_excluded(r))
        .map(|r| r.id)
        .collect();
    let mut per_customer: BTreeMap<i64, Vec<&ReportRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| !is_excluded(r)) {
        per_customer.entry(r.customer_id).or_default().push(r);
    }
    let mut scored = Vec::new();
    for (customer_id, tickets) in &per_customer {
        let found = findings(tickets, &by_ticket, &repeats, &excluded, days, to);
        let score: i64 = found.iter().map(|f| f.points).sum();
        if score >= AT_RISK_LISTED_FROM {
            let last = tickets
                .iter()
                .map(|t| t.created_at)
                .max()
                .and_then(|t| DateTime::from_timestamp(t, 0))
                .unwrap_or(to);
            let (reasons, signals) = found.into_iter().map(|f| (f.reason, f.signal)).unzip();
            scored.push((
                *customer_id,
                score.min(100),
                reasons,
                signals,
                tickets.len() as u64,
                last,
            ));
        }
    }
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(b.5.cmp(&a.5)));
    scored.truncate(100);
    let ids: Vec<i64> = scored.iter().map(|s| s.0).collect();
    let customers: HashMap<i64, helpdesk_store::customers::Customer> = state
        .store
        .customers_by_ids(&ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let items = scored
        .into_iter()
        .filter_map(|(id, score, reasons, signals, tickets, last_contact)| {
            let c = customers.get(&id)?;
            Some(AtRiskCustomer {
                customer_id: id,
                email: c.email.clone(),
                name: c.name.clone(),
                tier: c.tier.clone(),
                score,
                reasons,
                signals,
                tickets,
                last_contact,
            })
        })
        .collect();
    Ok(Json(AtRiskList { items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_after_the_gap() {
        let santiago: Tz = "America/Santiago".parse().unwrap_or(Tz::UTC);
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        // 2026-09-06: 00:00 -04 jumps to 01:00 -03.
        assert_eq!(
            local_midnight(d("2026-09-06"), santiago),
            Some(at("2026-09-06T04:00:00Z"))
        );
        assert_eq!(
            local_midnight(d("2026-09-07"), santiago),
            Some(at("2026-09-07T03:00:00Z"))
        );
        // 2026-04-05: 00:00 -03 falls back to 23:00 -04 on the 4th; midnight exists once.
        assert_eq!(
            local_midnight(d("2026-04-05"), santiago),
            Some(at("2026-04-05T04:00:00Z"))
        );
    }
}
