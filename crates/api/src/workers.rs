//! Background work that runs beside the HTTP server. Each task is safe to run on several
//! instances at once: what must happen once is guarded in the database.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;
use crate::views::now;

/// Runs `tick` every `every` until `stop` is cancelled. A failing tick is logged and retried
/// at the next interval: a database outage must not kill the worker.
fn every<F, Fut>(
    name: &'static str,
    every: Duration,
    stop: CancellationToken,
    mut tick: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = interval.tick() => {
                    if let Err(e) = tick().await {
                        tracing::warn!(worker = name, error = %e, "background task failed; retrying later");
                    }
                }
            }
        }
    })
}

/// Starts the background tasks; they stop when `stop` is cancelled.
pub fn spawn(
    state: &AppState,
    stop: &CancellationToken,
    sla_interval: Duration,
) -> Vec<JoinHandle<()>> {
    let mut handles = state.live.spawn_reader(state.store.clone(), stop.clone());
    handles.push(state.sla.clone().spawn(sla_interval, stop.clone()));
    // New tickets are indexed when a handler wakes the indexer; the interval picks up
    // tickets that another instance created.
    handles.push(
        state
            .recurring
            .clone()
            .spawn(Duration::from_secs(2), stop.clone()),
    );
    for sender in &state.senders {
        handles.push(crate::delivery::spawn(
            state.store.clone(),
            sender.clone(),
            stop.clone(),
        ));
    }
    let s = state.clone();
    handles.push(every(
        "auto_close",
        Duration::from_secs(60),
        stop.clone(),
        move || {
            let s = s.clone();
            async move {
                let closed = s
                    .store
                    .auto_close_due(now(), &s.settings.policy, 500)
                    .await?;
                if closed > 0 {
                    tracing::info!(closed, "closed resolved tickets past their reopen window");
                }
                Ok(())
            }
        },
    ));
    let s = state.clone();
    handles.push(every(
        "purge",
        Duration::from_secs(3600),
        stop.clone(),
        move || {
            let s = s.clone();
            async move {
                purge(&s, now()).await?;
                if let Some(l) = &s.public_limiter {
                    l.retain_recent();
                }
                Ok(())
            }
        },
    ));
    handles
}

/// How long live events stay resumable: a browser away longer reloads instead.
pub const LIVE_EVENTS_KEPT: chrono::Duration = chrono::Duration::days(7);
/// How long delivered outbox messages stay, for looking into "did the receiver get it?".
pub const DELIVERED_OUTBOX_KEPT: chrono::Duration = chrono::Duration::days(30);

/// The hourly clean-up of rows that only grow: expired sessions and keys, old live events,
/// delivered outbox messages.
pub async fn purge(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    state
        .store
        .purge_expired(now, chrono::Duration::hours(24))
        .await?;
    let live = state.store.purge_live_events(now, LIVE_EVENTS_KEPT).await?;
    let outbox = state.store.purge_outbox(now, DELIVERED_OUTBOX_KEPT).await?;
    if live + outbox > 0 {
        tracing::info!(
            live,
            outbox,
            "purged old live events and delivered messages"
        );
    }
    Ok(())
}
