//! The router: every resource's routes, the OpenAPI document and the web UI, behind the
//! middleware every request passes through.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::ApiDoc;
use crate::state::AppState;
use crate::{
    auth, customers, health, import, live, public, recurring, reports, sla, tickets, users, web,
};

/// Every request body but an import is at most 1 MiB (a message body is at most 64 KiB).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::routes())
        .merge(auth::routes())
        .merge(users::routes())
        .merge(public::routes())
        .merge(tickets::routes())
        .merge(customers::routes())
        .merge(sla::routes())
        .merge(reports::routes())
        .merge(recurring::routes())
        .merge(live::routes())
        .merge(import::routes().layer(DefaultBodyLimit::max(import::MAX_IMPORT_BYTES)))
        .split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    api.merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .fallback(web::serve)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
