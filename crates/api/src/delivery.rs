//! Delivers raised alerts from the durable outbox: to a webhook (HMAC-SHA256 signed) and by
//! e-mail. A message leaves the outbox only once the receiver accepted it; failures are retried
//! with exponential back-off, and a restart loses nothing because the outbox is a table.

use std::time::Duration;

use chrono::Utc;
use helpdesk_auth::hmac_sha256_hex;
use helpdesk_store::Store;
use helpdesk_store::sla::OutboxRow;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio_util::sync::CancellationToken;

use crate::views::now;

/// Give up on a message after this many attempts (about a day with the back-off below).
const MAX_ATTEMPTS: i32 = 30;
/// The most messages one claim takes.
const CLAIM: u64 = 20;
/// How long a claim holds its messages before another instance may take them over.
pub const LEASE: Duration = Duration::from_secs(120);
/// SMTP servers are given longer than webhooks: some greet slowly on purpose.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// When to try again after `attempts` failures: 2 s, 4 s, 8 s ... capped at one hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600))
}

#[derive(Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
    timeout: Duration,
    client: reqwest::Client,
}

impl Webhook {
    /// A receiver that has not answered within `timeout` counts as failed; the message is
    /// retried later.
    pub fn new(url: String, secret: String, timeout: Duration) -> anyhow::Result<Webhook> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Webhook {
            url,
            secret,
            timeout,
            client,
        })
    }

    /// The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Signing
    /// the timestamp with the body lets receivers refuse replays of old deliveries.
    pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
        let mut msg = format!("{timestamp}.").into_bytes();
        msg.extend_from_slice(body);
        format!(
            "t={timestamp},v1={}",
            hmac_sha256_hex(secret.as_bytes(), &msg)
        )
    }

    async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let body = serde_json::to_vec(&row.payload).map_err(|e| e.to_string())?;
        let ts = Utc::now().timestamp();
        let res = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-helpdesk-delivery", row.id.to_string())
            .header(
                "x-helpdesk-event",
                row.payload["type"].as_str().unwrap_or("alert.raised"),
            )
            .header(
                "x-helpdesk-signature",
                Webhook::signature(&self.secret, ts, &body),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("receiver answered {}", res.status()))
        }
    }
}

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        Ok(Mailer {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                .timeout(Some(SMTP_TIMEOUT))
                .build(),
            from: from.parse()?,
        })
    }

    async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let p = &row.payload;
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(p["subject"].as_str().unwrap_or("Helpdesk alert"));
        for to in p["to"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str())
        {
            b = b.to(to.parse().map_err(|e| format!("bad recipient {to}: {e}"))?);
        }
        let msg = b
            .header(ContentType::TEXT_PLAIN)
            .body(p["body"].as_str().unwrap_or_default().to_owned())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// One channel's sender.
#[derive(Clone)]
pub enum Sender {
    Webhook(Webhook),
    Email(Mailer),
}

impl Sender {
    fn channel(&self) -> &'static str {
        match self {
            Sender::Webhook(_) => "webhook",
            Sender::Email(_) => "email",
        }
    }

    /// The longest one send may take.
    fn timeout(&self) -> Duration {
        match self {
            Sender::Webhook(w) => w.timeout,
            Sender::Email(_) => SMTP_TIMEOUT,
        }
    }

    /// One attempt, cut off at the timeout: lettre's timeout applies per socket operation,
    /// not to the whole conversation, and the lease arithmetic needs a hard bound.
    async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let attempt = async {
            match self {
                Sender::Webhook(w) => w.send(row).await,
                Sender::Email(m) => m.send(row).await,
            }
        };
        tokio::time::timeout(self.timeout(), attempt)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no answer within {} s",
                    self.timeout().as_secs_f32()
                ))
            })
    }
}

/// How many messages to claim, and for how long, so that every send of the claim ends inside
/// its lease. A send that overran the lease could coincide with another instance's send of
/// the same message. A sixth of the lease is kept free for recording outcomes and for clock
/// differences between instances.
fn claim_size(lease: Duration, timeout: Duration) -> (u64, Duration) {
    let lease = lease.max(timeout * 2);
    let usable = lease - lease / 6;
    let n = (usable.as_millis() / timeout.as_millis().max(1)) as u64;
    (n.clamp(1, CLAIM), lease)
}

/// Sends what is due in the outbox once; returns how many messages were delivered.
pub async fn deliver_due(store: &Store, sender: &Sender) -> anyhow::Result<usize> {
    deliver_due_leased(store, sender, LEASE).await
}

/// [`deliver_due`] with a chosen lease (tests shorten it to provoke take-overs).
pub async fn deliver_due_leased(
    store: &Store,
    sender: &Sender,
    lease: Duration,
) -> anyhow::Result<usize> {
    let timeout = sender.timeout();
    let (limit, lease) = claim_size(lease, timeout);
    let usable = lease - lease / 6;
    let started = std::time::Instant::now();
    let claimed_at = now();
    let lease_until = claimed_at + chrono::Duration::from_std(lease)?;
    let rows = store
        .claim_outbox(
            sender.channel(),
            claimed_at,
            lease_until,
            limit,
            &helpdesk_auth::random_token(),
        )
        .await?;
    let mut delivered = 0;
    for (i, row) in rows.iter().enumerate() {
        // Slow database writes can eat into the lease too: what cannot be sent in time goes
        // back at once rather than at the end of the lease.
        if started.elapsed() + timeout > usable {
            store.release_outbox(&rows[i..], now()).await?;
            break;
        }
        let result = sender.send(row).await;
        let held = match &result {
            Ok(()) => {
                delivered += 1;
                store.outbox_delivered(row, now()).await?
            }
            Err(e) => {
                let attempts = row.attempts + 1;
                let retry = (attempts < MAX_ATTEMPTS).then(|| now() + backoff(attempts));
                tracing::warn!(channel = sender.channel(), id = row.id, attempts, error = %e, "delivery failed");
                store.outbox_failed(row, e, retry, now()).await?
            }
        };
        if !held {
            tracing::warn!(
                channel = sender.channel(),
                id = row.id,
                "outbox lease lost before the outcome was recorded; the new holder decides"
            );
        }
    }
    Ok(delivered)
}

/// Polls the outbox every second until `stop`.
pub fn spawn(store: Store, sender: Sender, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(&store, &sender).await {
                tracing::warn!(channel = sender.channel(), error = %e, "outbox delivery failed; retrying");
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        let secs: Vec<i64> = [1, 2, 3, 10, 12, 20]
            .iter()
            .map(|a| backoff(*a).num_seconds())
            .collect();
        assert_eq!(secs, vec![2, 4, 8, 1024, 3600, 3600]);
    }

    #[test]
    fn every_send_of_a_claim_fits_in_its_lease() {
        let s = Duration::from_secs;
        assert_eq!(claim_size(LEASE, s(10)), (10, LEASE));
        assert_eq!(claim_size(LEASE, SMTP_TIMEOUT), (5, LEASE));
        assert_eq!(
            claim_size(LEASE, Duration::from_millis(100)),
            (CLAIM, LEASE)
        );
        // A receiver allowed longer than the lease gets a lease that covers one send.
        assert_eq!(claim_size(LEASE, s(300)), (1, s(600)));
        for t in [1, 3, 7, 10, 20, 45, 90, 200] {
            let (n, lease) = claim_size(LEASE, s(t));
            assert!(s(t) * n as u32 <= lease - lease / 6, "timeout {t} s");
        }
    }

    #[test]
    fn signatures_cover_timestamp_and_body() {
        let a = Webhook::signature("s3cret", 1700000000, b"{}");
        assert!(a.starts_with("t=1700000000,v1="));
        assert_eq!(a.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(a, Webhook::signature("s3cret", 1700000001, b"{}"));
        assert_ne!(a, Webhook::signature("s3cret", 1700000000, b"[]"));
    }
}
