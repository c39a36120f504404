//! The one error type of the HTTP layer, answered as `application/problem+json` (RFC 9457).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpdesk_store::StoreError;
use helpdesk_store::import::ImportError;
use helpdesk_tickets::{DomainError, TransitionError};
use serde::Serialize;
use utoipa::ToSchema;

pub type ApiResult<T, E = ApiError> = Result<T, E>;

/// One field's problem in a validation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a path into the request (`email`, `tickets[2].events[0].to`), or a query
    /// parameter or header name.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// A stable, machine-readable name for the problem (`validation`, `transition_not_allowed`...).
    pub code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("this action needs the {0} role")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        field: Option<String>,
    },
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request has invalid fields")]
    Unprocessable(Vec<FieldError>),
    #[error("too many requests; try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Unprocessable(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(e.into())
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            ApiError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        if let ApiError::Internal(e) = &self {
            // The cause goes to the log, never to the client.
            tracing::error!(error = ?e, "request failed");
        }
        let errors = match &self {
            ApiError::Unprocessable(errors) => errors.clone(),
            ApiError::Conflict {
                field: Some(f),
                detail,
                ..
            } => vec![FieldError::new(f.clone(), detail.clone())],
            _ => Vec::new(),
        };
        let detail = match &self {
            ApiError::Unprocessable(errors) if errors.len() == 1 => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            other => other.to_string(),
        };
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            code,
            errors,
        };
        let mut res = (status, axum::Json(problem)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match self {
            ApiError::TooManyRequests { retry_after } => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
            }
            ApiError::Unauthorized(_) => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Unavailable => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict { field, message } => ApiError::Conflict {
                code: "conflict",
                detail: message,
                field: field.map(str::to_owned),
            },
            StoreError::Domain(d) => d.into(),
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable
            }
            e @ (StoreError::Db(_) | StoreError::Corrupt(_) | StoreError::Config(_)) => {
                ApiError::Internal(e.into())
            }
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let code = match &e {
            DomainError::Transition(TransitionError::NotAllowed { .. }) => "transition_not_allowed",
            DomainError::Transition(TransitionError::ReasonRequired) => {
                return ApiError::invalid("reason", e.to_string());
            }
            DomainError::Transition(TransitionError::ReasonNotApplicable) => {
                return ApiError::invalid("reason", e.to_string());
            }
            DomainError::Closed => "ticket_closed",
            DomainError::InternalCustomerMessage => "internal_customer_message",
            DomainError::OutOfOrder { .. } => "out_of_order",
            DomainError::NotCreated => "not_created",
            DomainError::SurveyNotOpen => "survey_not_open",
            DomainError::SurveyLocked => "survey_locked",
        };
        ApiError::Conflict {
            code,
            detail: e.to_string(),
            field: None,
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Invalid {
                ticket,
                event,
                reason,
            } => {
                let field = match event {
                    Some(ev) => format!("tickets[{ticket}].events[{ev}]"),
                    None => format!("tickets[{ticket}]"),
                };
                ApiError::invalid(field, reason)
            }
            ImportError::Store(s) => s.into(),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::Internal(e.into())
    }
}
