//! The state every handler shares.

use std::num::NonZeroU32;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use helpdesk_auth::{JwtKeys, derive_token, random_token};
use helpdesk_store::group_commit::Submitter;
use helpdesk_store::{Store, StoreOptions};
use helpdesk_tickets::TicketPolicy;

use crate::config::Config;

/// Secrets derived from the installation's secret.
pub struct Keys {
    pub jwt: JwtKeys,
    /// Derives customer links that can be handed out again on an idempotent retry.
    pub link_secret: Vec<u8>,
}

/// Settings that handlers read on every request.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rate_limit_login: u32,
    pub policy: TicketPolicy,
    pub trust_forwarded_for: bool,
    pub public_url: Option<String>,
}

pub type PublicLimiter = DefaultKeyedRateLimiter<String>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<Keys>,
    pub settings: Arc<Settings>,
    /// Public submissions per client address; `None` when switched off.
    pub public_limiter: Option<Arc<PublicLimiter>>,
    pub web: Arc<crate::web::WebSource>,
    /// Writes public submissions in group commits.
    pub submitter: Submitter,
    pub sla: crate::sla::SlaEngine,
    pub recurring: crate::recurring::RecurringEngine,
    pub live: crate::live::LiveBus,
    /// Where alerts are delivered besides the browser.
    pub senders: Vec<crate::delivery::Sender>,
}

const SECRET_KEY: &str = "installation_secret";

impl AppState {
    /// Connects, migrates and loads (or creates) the installation's secret.
    pub async fn build(config: &Config) -> anyhow::Result<AppState> {
        let store = Store::connect(
            &config.database_url,
            &StoreOptions {
                max_connections: config.db_max_connections,
                ..StoreOptions::default()
            },
        )
        .await
        .context("connecting to the database")?;
        store.migrate().await.context("migrating the database")?;
        let secret = match &config.jwt_secret {
            Some(s) if s.len() >= 32 => s.clone(),
            Some(_) => anyhow::bail!("HELPDESK_JWT_SECRET must be at least 32 bytes long"),
            // Kept in the database so that every instance sharing it signs with the same key.
            None => {
                store
                    .setting_or_insert(SECRET_KEY, &random_token(), Utc::now())
                    .await?
            }
        };
        let keys = Keys {
            jwt: JwtKeys::from_secret(
                &derive_token(secret.as_bytes(), &[b"jwt-hs256"]).into_bytes(),
            ),
            link_secret: derive_token(secret.as_bytes(), &[b"customer-link"]).into_bytes(),
        };
        let policy = TicketPolicy {
            reopen_window: chrono::Duration::days(i64::from(config.reopen_window_days)),
        };
        // SQLite has a single writer anyway; PostgreSQL may commit batches side by side.
        let writers = if store.is_postgres() {
            config.submission_writers.max(1)
        } else {
            1
        };
        let submitter = Submitter::start(store.clone(), policy, writers);
        let mut senders = Vec::new();
        if let Some(url) = &config.webhook_url {
            let secret = config
                .webhook_secret
                .clone()
                .filter(|s| !s.is_empty())
                .context("HELPDESK_WEBHOOK_SECRET is required with HELPDESK_WEBHOOK_URL")?;
            senders.push(crate::delivery::Sender::Webhook(
                crate::delivery::Webhook::new(
                    url.clone(),
                    secret,
                    std::time::Duration::from_secs(config.webhook_timeout.max(1)),
                )?,
            ));
        }
        if let Some(url) = &config.smtp_url {
            senders.push(crate::delivery::Sender::Email(
                crate::delivery::Mailer::new(url, &config.smtp_from)
                    .context("HELPDESK_SMTP_URL / HELPDESK_SMTP_FROM")?,
            ));
        }
        let deliveries = helpdesk_store::sla::Deliveries {
            webhook: config.webhook_url.is_some(),
            email: config.smtp_url.is_some(),
        };
        let sla = crate::sla::SlaEngine::new(store.clone(), deliveries);
        let recurring = crate::recurring::RecurringEngine::new(
            store.clone(),
            helpdesk_store::recurring::RecurringConfig {
                window: chrono::Duration::days(i64::from(config.recurring_window_days.max(1))),
                ..Default::default()
            },
        )?;
        let public_limiter = NonZeroU32::new(config.rate_limit_public)
            .map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n))));
        Ok(AppState {
            store,
            keys: Arc::new(keys),
            settings: Arc::new(Settings {
                rate_limit_login: config.rate_limit_login,
                policy,
                trust_forwarded_for: config.trust_forwarded_for,
                public_url: config.public_url.clone(),
            }),
            public_limiter,
            web: Arc::new(crate::web::WebSource {
                dir: config.web_dir.clone(),
            }),
            submitter,
            sla,
            recurring,
            live: crate::live::LiveBus::new(std::time::Duration::from_secs(
                config.live_poll_interval.max(1),
            )),
            senders,
        })
    }
}
