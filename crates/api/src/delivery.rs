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
const CLAIM: u64 = 20;

/// When to try again after `attempts` failures: 2 s, 4 s, 8 s ... capped at one hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600))
}

#[derive(Clone)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
    client: reqwest::Client,
}

impl Webhook {
    pub fn new(url: String, secret: String) -> anyhow::Result<Webhook> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Webhook {
            url,
            secret,
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
                .timeout(Some(Duration::from_secs(20)))
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

    async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        match self {
            Sender::Webhook(w) => w.send(row).await,
            Sender::Email(m) => m.send(row).await,
        }
    }
}

/// Sends what is due in the outbox once; returns how many messages were delivered.
pub async fn deliver_due(store: &Store, sender: &Sender) -> anyhow::Result<usize> {
    let now = now();
    // Leased for longer than a send can take, so no other instance picks them up meanwhile.
    let rows = store
        .claim_outbox(
            sender.channel(),
            now,
            now + chrono::Duration::seconds(120),
            CLAIM,
        )
        .await?;
    let mut delivered = 0;
    for row in rows {
        match sender.send(&row).await {
            Ok(()) => {
                store.outbox_delivered(row.id, now).await?;
                delivered += 1;
            }
            Err(e) => {
                let attempts = row.attempts + 1;
                let retry =
                    (attempts < MAX_ATTEMPTS).then(|| crate::views::now() + backoff(attempts));
                tracing::warn!(channel = sender.channel(), id = row.id, attempts, error = %e, "delivery failed");
                store
                    .outbox_failed(&row, &e, retry, crate::views::now())
                    .await?;
            }
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
    fn signatures_cover_timestamp_and_body() {
        let a = Webhook::signature("s3cret", 1700000000, b"{}");
        assert!(a.starts_with("t=1700000000,v1="));
        assert_eq!(a.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(a, Webhook::signature("s3cret", 1700000001, b"{}"));
        assert_ne!(a, Webhook::signature("s3cret", 1700000000, b"[]"));
    }
}
