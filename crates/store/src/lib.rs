//! Persistence for the helpdesk, with sea-orm on SQLite (the embedded default) and PostgreSQL.
//!
//! The store decides *how* things are kept: it converts between rows and the domain types of
//! `helpdesk-tickets`, and makes every multi-row change one transaction. It never decides what
//! is allowed: ticket rules are the domain's.

pub mod customers;
pub mod entity;
mod error;
pub mod group_commit;
pub mod import;
pub mod live;
pub mod recurring;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod tickets;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use helpdesk_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    Statement, TransactionTrait,
};

pub use error::{StoreError, StoreResult};
pub use sea_orm;

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Pool size for PostgreSQL, and for SQLite's readers.
    pub max_connections: u32,
    /// How long a request waits for a free connection before the database counts as down.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Handles to the database.
///
/// SQLite allows one writer at a time; a pool of writers would fight over the lock and fail
/// with `SQLITE_BUSY` under load. So with SQLite, writes go through a single-connection pool
/// and reads through a separate pool (WAL lets them run beside the writer). With PostgreSQL
/// both handles are the same pool.
#[derive(Clone, Debug)]
pub struct Store {
    read: DatabaseConnection,
    write: DatabaseConnection,
    backend: DbBackend,
    url: String,
    wake: std::sync::Arc<tokio::sync::Notify>,
    /// SQLite only: the task that checkpoints the write-ahead log; it stops with the last
    /// clone of the store.
    checkpointer: Option<std::sync::Arc<Checkpointer>>,
    /// When public submissions were last committed: background writers give way to them.
    last_submission: std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

impl Store {
    pub async fn connect(url: &str, options: &StoreOptions) -> StoreResult<Store> {
        if url.starts_with("sqlite:") {
            let read =
                Database::connect(sqlite_options(url, options.max_connections, options)).await?;
            let write = Database::connect(sqlite_options(url, 1, options)).await?;
            let checkpoint = Database::connect(sqlite_options(url, 1, options)).await?;
            Ok(Store {
                read,
                write,
                backend: DbBackend::Sqlite,
                url: url.to_owned(),
                wake: Default::default(),
                checkpointer: Some(std::sync::Arc::new(Checkpointer::spawn(checkpoint))),
                last_submission: Default::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(options.max_connections)
                .min_connections(1)
                .acquire_timeout(options.acquire_timeout)
                .connect_timeout(options.acquire_timeout)
                // A ping on every checkout would double the round trips of a busy server;
                // only connections idle long enough to have been dropped are checked.
                .test_before_acquire_if_idle_for(Duration::from_secs(10))
                .sqlx_logging(false);
            let pool = Database::connect(opts).await?;
            Ok(Store {
                read: pool.clone(),
                write: pool,
                backend: DbBackend::Postgres,
                url: url.to_owned(),
                wake: Default::default(),
                checkpointer: None,
                last_submission: Default::default(),
            })
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL `{}`: use sqlite://FILE?mode=rwc or postgres://...",
                url.split('@').next_back().unwrap_or_default()
            )))
        }
    }

    /// Applies pending migrations. With several instances starting at once on PostgreSQL, an
    /// advisory lock makes them take turns.
    pub async fn migrate(&self) -> StoreResult<()> {
        let txn = self.write.begin().await?;
        if self.backend == DbBackend::Postgres {
            txn.execute_raw(Statement::from_string(
                self.backend,
                "SELECT pg_advisory_xact_lock(7243001)",
            ))
            .await?;
        }
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Works out every ticket's `repeat_contact` flag from scratch, in SQL. The migration that
    /// added the flag runs the same statement; tools that write ticket rows directly (the
    /// report benchmark) call this afterwards.
    pub async fn backfill_repeat_contacts(&self) -> StoreResult<()> {
        let txn = self.write.begin().await?;
        helpdesk_migrations::backfill_repeat_contacts(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// The `n`th (from 1) bind placeholder of hand-written SQL in this backend's syntax.
    pub(crate) fn placeholder(&self, n: usize) -> String {
        if self.is_postgres() {
            format!("${n}")
        } else {
            "?".to_owned()
        }
    }

    /// The connection for reads outside a transaction.
    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> StoreResult<DatabaseTransaction> {
        Ok(self.write.begin().await?)
    }

    /// Records that public submissions were just committed.
    pub(crate) fn note_submissions(&self) {
        if let Ok(mut last) = self.last_submission.lock() {
            *last = Some(std::time::Instant::now());
        }
    }

    /// Whether public submissions are arriving (one was committed in the last half second):
    /// background work that writes (the recurring-complaint indexer) then keeps its
    /// transactions short and paces itself, so that customers' requests have the writer.
    pub fn submissions_arriving(&self) -> bool {
        self.last_submission
            .lock()
            .ok()
            .and_then(|last| *last)
            .is_some_and(|at| at.elapsed() < Duration::from_millis(500))
    }

    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> StoreResult<()> {
        self.read
            .execute_raw(Statement::from_string(self.backend, "SELECT 1"))
            .await?;
        Ok(())
    }

    pub async fn close(self) {
        drop(self.checkpointer);
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

/// How often the background task copies the write-ahead log into the database file. Often
/// enough that little is left for a commit to copy when the log does reach its limit under a
/// steady stream of writes (a checkpoint beside a busy writer never catches up completely, so
/// the log only starts over from a commit's own checkpoint); when there is nothing to copy it
/// costs next to nothing.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The log size (4 KiB pages, 16 MiB) at which a commit checkpoints by itself. With SQLite's
/// default of 1,000 pages, the commit that crossed it copied and synced the log before it
/// returned: every few dozen indexed complaints one request waited 20-30 ms for that. Far
/// higher (10,000) helped single requests but made those rarer checkpoints long enough to
/// show in the submissions' p99. Measured in `BENCHMARKS.md` (SQLite write-ahead log).
const WAL_AUTOCHECKPOINT_PAGES: &str = "4000";

/// Copies SQLite's write-ahead log into the database file from its own connection, so that
/// no request's commit does it. A PASSIVE checkpoint never waits for readers or the writer:
/// it copies what no reader still needs and leaves the rest for the next round.
#[derive(Debug)]
struct Checkpointer(tokio::task::JoinHandle<()>);

impl Checkpointer {
    fn spawn(db: DatabaseConnection) -> Checkpointer {
        Checkpointer(tokio::spawn(async move {
            let mut interval = tokio::time::interval(CHECKPOINT_EVERY);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let done = db
                    .execute_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "PRAGMA wal_checkpoint(PASSIVE)",
                    ))
                    .await;
                if let Err(e) = done {
                    tracing::warn!(error = %e, "checkpointing the SQLite log failed; retrying later");
                }
            }
        }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn sqlite_options(url: &str, max: u32, options: &StoreOptions) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(max)
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
            o.journal_mode(SqliteJournalMode::Wal)
                // With WAL, NORMAL is durable against application crashes and only risks the
                // last commits on power loss; FULL would fsync on every submission.
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .pragma("temp_store", "memory")
                // The background checkpointer keeps the log short; this is only the bound
                // if it falls behind (a burst of writes, a reader holding an old snapshot).
                .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
                .row_buffer_size(4096)
        });
    opts
}

/// `column IN (values)` as SQL that stays the same whatever the number of values on
/// PostgreSQL (`column = ANY($1)`, one array): an IN list of another length is another
/// statement for the driver to prepare, a round trip and a plan each time.
pub(crate) fn one_of<C, T>(
    backend: DbBackend,
    column: C,
    values: Vec<T>,
) -> sea_orm::sea_query::Expr
where
    C: sea_orm::ColumnTrait,
    T: Into<sea_orm::Value>
        + sea_orm::sea_query::value::postgres_array::NotU8
        + sea_orm::sea_query::ValueType,
{
    use sea_orm::sea_query::{Expr, ExprTrait, PgFunc};
    if backend == DbBackend::Postgres {
        Expr::col(column).eq(PgFunc::any(Expr::val(values)))
    } else {
        column.is_in(values)
    }
}

/// Parses a stored enum value; a value the code does not know means the database was written
/// by something else, which is an internal error rather than bad input.
pub(crate) fn parse_stored<T: FromStr>(what: &'static str, value: &str) -> StoreResult<T> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown {what} `{value}` in the database")))
}
