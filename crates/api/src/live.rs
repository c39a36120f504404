//! Live updates for browsers: server-sent events fed from the live event log.
//!
//! One reader per instance tails the log and fans rows out to the instance's SSE clients. It
//! wakes when this instance commits, when PostgreSQL `NOTIFY`s a commit from any instance,
//! and every `HELPDESK_LIVE_POLL_INTERVAL` regardless. A client that reconnects with
//! `Last-Event-ID` gets what it missed from the log.
//!
//! On PostgreSQL a log id is taken when a transaction inserts but becomes visible when it
//! commits, so a lower id can appear after a higher one. Each client therefore keeps a
//! [`Cursor`]: the highest id sent plus the lower ids skipped that may still commit. An event
//! is sent when it is new to that cursor, whatever its order, so every event is sent once.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
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
/// A client awaits a skipped id longer than the reader does, so the reader's last re-read of
/// it still reaches the client.
const CLIENT_GAP_PATIENCE: Duration = Duration::from_secs(25);
/// Skips wider than this are not awaited id by id (a jump after a restore, not transactions
/// in flight).
const MAX_GAP: i64 = 1000;
/// At most this many awaited ids travel in an event id; transactions in flight are far fewer.
const MAX_GAPS_IN_ID: usize = 100;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// The highest log id the reader has read, and the lower ids it still awaits.
type ReaderPosition = (i64, BTreeSet<i64>);

/// The fan-out of live events to this instance's SSE clients.
#[derive(Clone)]
pub struct LiveBus {
    tx: broadcast::Sender<Arc<LiveEventRow>>,
    /// `None` until the reader has looked at the log.
    seen: Arc<Mutex<Option<ReaderPosition>>>,
    poll: Duration,
}

impl Default for LiveBus {
    fn default() -> Self {
        LiveBus::new(Duration::from_secs(1))
    }
}

impl LiveBus {
    /// A bus whose reader re-reads the log every `poll` besides when woken.
    pub fn new(poll: Duration) -> LiveBus {
        LiveBus {
            tx: broadcast::channel(4096).0,
            seen: Arc::default(),
            poll,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEventRow>> {
        self.tx.subscribe()
    }

    fn seen(&self) -> Option<ReaderPosition> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
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
        let seen = self.seen.clone();
        let poll = self.poll;
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
            let publish = |cursor: i64, gaps: &BTreeMap<i64, Instant>| {
                *seen.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((cursor, gaps.keys().copied().collect()));
            };
            publish(cursor, &gaps);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
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
                publish(cursor, &gaps);
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
            if r.id > *cursor + 1 && r.id - *cursor < MAX_GAP {
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
    last_event_id: Option<String>,
}

/// What one client has been sent: every log id up to `high`, except the `gaps` — lower ids
/// skipped because they were not visible yet, which may still commit.
///
/// An event's SSE id is the cursor after it: `high`, then `:` and the awaited ids, e.g.
/// `124:121,122`. So `Last-Event-ID` means "everything up to 124 except 121 and 122": a
/// client that resumes is sent the events after 124 and those of 121 and 122 that committed
/// meanwhile, and nothing twice. The id is opaque to clients and usually a plain number; it
/// is not the log row's id (an event that filled a gap carries the cursor's `high`).
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    high: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Cursor {
    fn new(high: i64, gaps: impl IntoIterator<Item = i64>) -> Cursor {
        let now = Instant::now();
        Cursor {
            high,
            gaps: gaps.into_iter().map(|g| (g, now)).collect(),
        }
    }

    /// Reads an SSE id written by [`Cursor::id`]; `None` for anything else.
    fn parse(s: &str) -> Option<Cursor> {
        let (high, gaps) = s.trim().split_once(':').unwrap_or((s.trim(), ""));
        let high: i64 = high.parse().ok()?;
        let gaps = gaps
            .split(',')
            .filter(|g| !g.is_empty())
            .map(|g| g.parse::<i64>().ok().filter(|g| *g < high))
            .collect::<Option<Vec<_>>>()?;
        Some(Cursor::new(high, gaps))
    }

    fn id(&self) -> String {
        if self.gaps.is_empty() {
            return self.high.to_string();
        }
        let newest: Vec<String> = self
            .gaps
            .keys()
            .rev()
            .take(MAX_GAPS_IN_ID)
            .rev()
            .map(i64::to_string)
            .collect();
        format!("{}:{}", self.high, newest.join(","))
    }

    /// Whether `id` is new to the client; if so it counts as sent from now on.
    fn accept(&mut self, id: i64) -> bool {
        if id > self.high {
            if id - self.high < MAX_GAP {
                let now = Instant::now();
                self.gaps.extend((self.high + 1..id).map(|g| (g, now)));
            }
            self.high = id;
            true
        } else {
            self.gaps.remove(&id).is_some()
        }
    }

    /// Stops awaiting ids the reader no longer awaits either: it gave up on them (rolled
    /// back), or passed them before they were skipped here.
    fn keep_awaited(&mut self, reader_high: i64, reader_gaps: &BTreeSet<i64>) {
        self.gaps
            .retain(|g, _| *g > reader_high || reader_gaps.contains(g));
    }

    fn expire(&mut self) {
        self.gaps
            .retain(|_, since| since.elapsed() < CLIENT_GAP_PATIENCE);
    }
}

fn to_sse(r: &LiveEventRow, cursor: &Cursor) -> Event {
    Event::default()
        .id(cursor.id())
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
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.last_event_id.as_deref())
        .and_then(Cursor::parse);
    // Subscribe before reading the backlog, so nothing falls between the two; what both
    // deliver is sent once, by the cursor.
    let rx = state.live.subscribe();
    let reader = match state.live.seen() {
        Some(seen) => seen,
        None => (state.store.last_live_event_id().await?, BTreeSet::new()),
    };
    let (mut cursor, backlog) = match resume {
        Some(mut cursor) => {
            let awaited: Vec<i64> = cursor.gaps.keys().copied().collect();
            let mut rows = state.store.live_events_by_ids(&awaited).await?;
            rows.extend(
                state
                    .store
                    .live_events_after(cursor.high, REPLAY_LIMIT)
                    .await?,
            );
            let mut backlog = Vec::with_capacity(rows.len());
            for r in rows {
                if cursor.accept(r.id) {
                    // Holes in the old part of the log are rollbacks, not worth an id's room.
                    cursor.keep_awaited(reader.0, &reader.1);
                    backlog.push(to_sse(&r, &cursor));
                }
            }
            cursor.keep_awaited(reader.0, &reader.1);
            (cursor, backlog)
        }
        // A new client is sent what commits from now on, including transactions in flight.
        None => (Cursor::new(reader.0, reader.1), Vec::new()),
    };
    let live = BroadcastStream::new(rx)
        // A client too slow to keep up is dropped; it reconnects and resumes from the log.
        .take_while(|r| std::future::ready(r.is_ok()))
        .filter_map(move |r| {
            let out = match r {
                Ok(row) => {
                    if !cursor.gaps.is_empty() {
                        cursor.expire();
                    }
                    cursor.accept(row.id).then(|| Ok(to_sse(&row, &cursor)))
                }
                Err(_) => None,
            };
            std::future::ready(out)
        });
    let remaining = (claims.exp - chrono::Utc::now().timestamp()).max(0) as u64;
    let expiry = tokio::time::sleep(Duration::from_secs(remaining));
    let stream = stream::iter(backlog.into_iter().map(Ok))
        .chain(live)
        .take_until(expiry);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_id_is_sent_once_and_resumes_carry_what_is_awaited() {
        let mut c = Cursor::new(10, []);
        assert!(c.accept(13));
        assert_eq!(c.id(), "13:11,12");
        assert!(c.accept(12), "a lower id that commits late is still new");
        assert!(!c.accept(12) && !c.accept(13) && !c.accept(9));
        assert_eq!(c.id(), "13:11");
        let back = Cursor::parse(&c.id()).unwrap_or_else(|| Cursor::new(0, []));
        assert_eq!(
            (back.high, back.gaps.keys().copied().collect::<Vec<_>>()),
            (13, vec![11])
        );
        assert_eq!(
            Cursor::parse("42").map(|c| (c.high, c.gaps.len())),
            Some((42, 0))
        );
        for bad in ["", "x", "12:a", "12:13"] {
            assert!(Cursor::parse(bad).is_none(), "{bad}");
        }
        let mut c = Cursor::new(100, [95, 97]);
        c.keep_awaited(98, &BTreeSet::from([97]));
        assert_eq!(c.gaps.keys().copied().collect::<Vec<_>>(), vec![97]);
    }
}
