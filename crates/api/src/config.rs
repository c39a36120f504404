//! Configuration from flags and `HELPDESK_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "helpdesk",
    version,
    about = "A support-ticket helpdesk with honest time-to-resolution tracking"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the API and web UI (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import tickets with their history from a JSON file (the shape of POST /api/v1/import/tickets).
    Import {
        /// The JSON file; `-` reads standard input.
        file: PathBuf,
    },
    /// Load a realistic demo data set: agents, customers and ~2,000 tickets over 8 weeks.
    Demo {
        /// How many tickets to generate.
        #[arg(long, default_value_t = 2000)]
        tickets: usize,
        /// Seed for the random generator, for reproducible data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Write the import file here instead of loading it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from HELPDESK_NEW_PASSWORD or prompted for.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent, manager or admin.
        #[arg(long, default_value = "agent")]
        role: String,
    },
}

#[derive(Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "HELPDESK_DATABASE_URL",
        default_value = "sqlite://helpdesk.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Address to listen on.
    #[arg(
        long,
        env = "HELPDESK_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Secret for signing access tokens (at least 32 bytes). When unset, one is generated on
    /// first start and kept in the database.
    #[arg(
        long,
        env = "HELPDESK_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// E-mail of the admin created on first start with an empty database.
    #[arg(
        long,
        env = "HELPDESK_ADMIN_EMAIL",
        default_value = "admin@example.com",
        global = true
    )]
    pub admin_email: String,

    /// Password of that admin. When unset, a random one is printed once.
    #[arg(
        long,
        env = "HELPDESK_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,

    /// Public ticket submissions per client address per minute; 0 switches the limit off.
    #[arg(
        long,
        env = "HELPDESK_RATE_LIMIT_PUBLIC",
        default_value_t = 60,
        global = true
    )]
    pub rate_limit_public: u32,

    /// Failed logins per account and address per 15 minutes; 0 switches the limit off.
    #[arg(
        long,
        env = "HELPDESK_RATE_LIMIT_LOGIN",
        default_value_t = 10,
        global = true
    )]
    pub rate_limit_login: u32,

    /// Days after resolution during which a customer reply reopens a ticket.
    #[arg(
        long,
        env = "HELPDESK_REOPEN_WINDOW_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub reopen_window_days: u32,

    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(
        long,
        env = "HELPDESK_TRUST_FORWARDED_FOR",
        default_value_t = false,
        global = true
    )]
    pub trust_forwarded_for: bool,

    /// Database connection pool size.
    #[arg(
        long,
        env = "HELPDESK_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// Group-commit writers for public submissions on PostgreSQL. One writer makes the largest
    /// batches, which measured fastest on a 2-core machine (BENCHMARKS.md); more help when
    /// commits are slow (network storage).
    #[arg(
        long,
        env = "HELPDESK_SUBMISSION_WRITERS",
        default_value_t = 1,
        global = true
    )]
    pub submission_writers: usize,

    /// Seconds between SLA scans (clocks that run out with no event on the ticket).
    #[arg(
        long,
        env = "HELPDESK_SLA_SCAN_INTERVAL",
        default_value_t = 30,
        global = true
    )]
    pub sla_scan_interval: u64,

    /// Seconds between re-reads of the live event log. A safety net only: events normally
    /// arrive as soon as this instance commits or PostgreSQL `NOTIFY`s another's commit.
    #[arg(
        long,
        env = "HELPDESK_LIVE_POLL_INTERVAL",
        default_value_t = 1,
        global = true
    )]
    pub live_poll_interval: u64,

    /// Deliver SLA alerts to this URL (JSON, signed with HELPDESK_WEBHOOK_SECRET).
    #[arg(long, env = "HELPDESK_WEBHOOK_URL", global = true)]
    pub webhook_url: Option<String>,

    /// Seconds a webhook receiver has to answer before the attempt counts as failed and is
    /// retried. Also bounds how many messages one instance takes from the outbox at a time.
    #[arg(
        long,
        env = "HELPDESK_WEBHOOK_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub webhook_timeout: u64,

    /// Key for the webhook's HMAC-SHA256 signature header; required with HELPDESK_WEBHOOK_URL.
    #[arg(
        long,
        env = "HELPDESK_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secret: Option<String>,

    /// Send alert e-mails to the assignee and managers through this SMTP server
    /// (smtp://host:port, smtp://user:pass@host:587?tls=required, smtps://host:465).
    #[arg(long, env = "HELPDESK_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// The sender of alert e-mails.
    #[arg(
        long,
        env = "HELPDESK_SMTP_FROM",
        default_value = "Helpdesk <helpdesk@localhost>",
        global = true
    )]
    pub smtp_from: String,

    /// Log format: `text` or `json`.
    #[arg(
        long,
        env = "HELPDESK_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: String,

    /// Where the web UI is reachable, for links in messages (e.g. https://help.example.com).
    #[arg(long, env = "HELPDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Serve the web UI from this folder instead of the copy built into the binary.
    #[arg(long, env = "HELPDESK_WEB_DIR", global = true)]
    pub web_dir: Option<PathBuf>,

    /// Days back that a new complaint's earlier tickets (same customer) and near-duplicates
    /// (any customer) are looked for.
    #[arg(
        long,
        env = "HELPDESK_RECURRING_WINDOW_DAYS",
        default_value_t = 90,
        global = true
    )]
    pub recurring_window_days: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets and credentials in URLs stay out of logs.
        let db = match self.database_url.split_once('@') {
            Some((scheme_user, host)) => format!(
                "{}:***@{host}",
                scheme_user.split(':').take(2).collect::<Vec<_>>().join(":")
            ),
            None => self.database_url.clone(),
        };
        f.debug_struct("Config")
            .field("database_url", &db)
            .field("bind", &self.bind)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("admin_email", &self.admin_email)
            .field("rate_limit_public", &self.rate_limit_public)
            .field("rate_limit_login", &self.rate_limit_login)
            .field("reopen_window_days", &self.reopen_window_days)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The configuration with every value at its default, for tests and tools.
    pub fn for_database(url: &str) -> Config {
        let mut c = Cli::parse_from(["helpdesk"]).config;
        c.database_url = url.to_owned();
        c
    }
}
