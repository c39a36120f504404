use helpdesk_tickets::DomainError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

pub type StoreResult<T, E = StoreError> = Result<T, E>;

/// What went wrong in the store, named by what the caller should tell its client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value is already taken, or a change conflicts with the current state.
    #[error("{message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    /// The domain refused a command.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database cannot be reached (down, restarting, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(DbErr),
    #[error("database error: {0}")]
    Db(DbErr),
    #[error("inconsistent data: {0}")]
    Corrupt(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl StoreError {
    pub fn conflict(field: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Conflict {
            field: Some(field),
            message: message.into(),
        }
    }

    /// An error of the same kind with the same message, for answering several requests that
    /// failed together.
    pub fn same_kind(&self) -> StoreError {
        let msg = self.to_string();
        match self {
            StoreError::NotFound(w) => StoreError::NotFound(w),
            StoreError::Conflict { field, message } => StoreError::Conflict {
                field: *field,
                message: message.clone(),
            },
            StoreError::Unavailable(_) => StoreError::Unavailable(DbErr::Custom(msg)),
            _ => StoreError::Db(DbErr::Custom(msg)),
        }
    }

    /// Whether this is a unique-constraint violation (the caller may know which value).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))))
    }
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Db(e)
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Connection-level failures, as opposed to a statement the database refused.
fn is_unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as X;
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(x)) | DbErr::Query(RuntimeErr::SqlxError(x)) => {
            match &**x {
                X::Io(_)
                | X::Tls(_)
                | X::Protocol(_)
                | X::PoolTimedOut
                | X::PoolClosed
                | X::WorkerCrashed => true,
                X::Database(d) => {
                    // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown,
                    // crash, cannot connect now).
                    let code = d.code().unwrap_or_default();
                    code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
                }
                _ => false,
            }
        }
        _ => false,
    }
}
