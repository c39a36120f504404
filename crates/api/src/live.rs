//! Live updates for browsers: server-sent events fed from the live event log.
//!
//! One reader per instance tails the log and fans rows out to the instance's SSE clients. It
//! wakes when this instance commits, when PostgreSQL `NOTIFY`s a commit from any instance,
//! and once a second regardless. A client that reconnects with `Last-Event-ID` gets what it
//! missed from the log.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream, StreamExt};
use helpdesk_store::Store;
use helpdesk_store::live::{CHANNEL, LiveEventRow};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_util::sync::CancellationToken;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, ApiResult};
use crate::extract::bearer;
use crate::state::AppState;

/// How many missed events a reconnecting client is sent at most; beyond that it reloads.
const REPLAY_LIMIT: u64 = 1000;
/// How long an id missing from the log is awaited (a transaction that took it may still
/// commit) before it is taken as rolled back.
const GAP_PATIENCE: Duration = Duration::from_secs(10);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// The fan-out of live events to this instance's SSE clients.
#[derive(Clone)]
pub struct LiveBus {
    tx: broadcast::Sender<Arc<LiveEventRow>>,
}

impl Default for LiveBus {
    fn default() -> Self {
        LiveBus {
            tx: broadcast::channel(4096).0,
        }
    }
}

impl LiveBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEventRow>> {
        self.tx.subscribe()
    }

    /// Tails the live event log until `stop`.
    pub fn spawn_reader(
        &self,
        store: Store,
        stop: CancellationToken,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        if store.is_postgres() {
            tasks.push(tokio::spawn(listen(store.clone(), stop.clone())));
        }
        let tx = self.tx.clone();
        tasks.push(tokio::spawn(async move {
            let wake = store.wake();
            let mut cursor = loop {
                match store.last_live_event_id().await {
                    Ok(id) => break id,
                    Err(e) => {
                        tracing::warn!(error = %e, "live events: cannot read the log yet");
                        tokio::select! { _ = stop.cancelled() => return, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
                    }
                }
            };
            let mut gaps: BTreeMap<i64, Instant> = BTreeMap::new();
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                match read(&store, &mut cursor, &mut gaps).await {
                    Ok(rows) => {
                        for r in rows {
                            // No subscriber is not an error.
                            let _ = tx.send(Arc::new(r));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "live events: reading the log failed"),
                }
            }
        }));
        tasks
    }
}

/// New rows after `cursor`, and rows that filled an earlier gap. On PostgreSQL ids are taken
/// when a transaction inserts, but become visible when it commits, so a later id can show up
/// first; the ids skipped over are awaited for a while.
async fn read(
    store: &Store,
    cursor: &mut i64,
    gaps: &mut BTreeMap<i64, Instant>,
) -> ApiResult<Vec<LiveEventRow>> {
    let mut out = Vec::new();
    if !gaps.is_empty() {
        let ids: Vec<i64> = gaps.keys().copied().collect();
        for r in store.live_events_by_ids(&ids).await? {
            gaps.remove(&r.id);
            out.push(r);
        }
        gaps.retain(|_, since| since.elapsed() < GAP_PATIENCE);
    }
    loop {
        let rows = store.live_events_after(*cursor, 500).await?;
        let n = rows.len();
        for r in rows {
            if r.id > *cursor + 1 && r.id - *cursor < 1000 {
                let now = Instant::now();
                gaps.extend((*cursor + 1..r.id).map(|id| (id, now)));
            }
            *cursor = r.id;
            out.push(r);
        }
        if n < 500 {
            return Ok(out);
        }
    }
}

/// Wakes this instance's reader on every `NOTIFY` from any instance's commit.
async fn listen(store: Store, stop: CancellationToken) {
    let wake = store.wake();
    loop {
        let listener = async {
            let mut l = sqlx_listener(store.url()).await?;
            l.listen(CHANNEL).await?;
            loop {
                l.recv().await?;
                wake.notify_one();
            }
            #[allow(unreachable_code)]
            Ok::<(), helpdesk_store::sea_orm::sqlx::Error>(())
        };
        tokio::select! {
            _ = stop.cancelled() => return,
            r = listener => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "live events: LISTEN connection lost; reconnecting");
                }
            }
        }
        tokio::select! { _ = stop.cancelled() => return, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
    }
}

async fn sqlx_listener(
    url: &str,
) -> Result<helpdesk_store::sea_orm::sqlx::postgres::PgListener, helpdesk_store::sea_orm::sqlx::Error>
{
    helpdesk_store::sea_orm::sqlx::postgres::PgListener::connect(url).await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventsQuery {
    /// The access token, for clients that cannot set headers (the browser's EventSource).
    access_token: Option<String>,
    /// Resume after this event id (the `Last-Event-ID` header does the same).
    last_event_id: Option<i64>,
}

fn to_sse(r: &LiveEventRow) -> Event {
    Event::default()
        .id(r.id.to_string())
        .event(r.kind.clone())
        .data(r.payload.to_string())
}

/// Server-sent events: `ticket` (created, updated) and `alert` (raised, cleared, acked), each
/// with the event's id for resuming. The stream ends when the access token expires; the client
/// reconnects with a fresh one and its `Last-Event-ID`.
#[utoipa::path(get, path = "/api/v1/events", tag = "tickets", security(("bearer" = [])), params(EventsQuery),
    responses((status = 200, description = "text/event-stream"), (status = 401, body = crate::error::Problem)))]
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let token = bearer(&headers)
        .map(str::to_owned)
        .or(q.access_token)
        .ok_or_else(|| ApiError::Unauthorized("an access token is required".into()))?;
    let claims = state
        .keys
        .jwt
        .verify(&token)
        .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
    let user = state
        .store
        .user_by_id(claims.user_id().unwrap_or_default())
        .await?
        .filter(|u| u.active);
    if user.is_none() {
        return Err(ApiError::Unauthorized("the account is not active".into()));
    }
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or(q.last_event_id);
    // Subscribe before reading the backlog, so nothing falls between the two.
    let rx = state.live.subscribe();
    let backlog = match last {
        Some(id) => state.store.live_events_after(id, REPLAY_LIMIT).await?,
        None => Vec::new(),
    };
    let mut sent = backlog.last().map(|r| r.id).or(last).unwrap_or(0);
    let live = BroadcastStream::new(rx)
        // A client too slow to keep up is dropped; it reconnects and resumes from the log.
        .take_while(|r| std::future::ready(r.is_ok()))
        .filter_map(move |r| {
            let out = match r {
                Ok(row) if row.id > sent => {
                    sent = row.id;
                    Some(Ok(to_sse(&row)))
                }
                _ => None,
            };
            std::future::ready(out)
        });
    let remaining = (claims.exp - chrono::Utc::now().timestamp()).max(0) as u64;
    let expiry = tokio::time::sleep(Duration::from_secs(remaining));
    let stream = stream::iter(backlog.iter().map(|r| Ok(to_sse(r))).collect::<Vec<_>>())
        .chain(live)
        .take_until(expiry);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
