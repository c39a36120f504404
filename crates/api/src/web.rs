//! The browser UI: the files Vite builds into `web/dist`, embedded into the binary, with
//! `index.html` answering every client-side route.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/web"]
#[allow_missing = true]
struct Assets;

/// The page's security policy: everything from this origin, nothing inline but styles
/// (charts set inline styles), no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Where the UI comes from: the embedded build, or a folder (for front-end development).
#[derive(Debug, Clone, Default)]
pub struct WebSource {
    pub dir: Option<PathBuf>,
}

async fn load(source: &WebSource, path: &str) -> Option<Vec<u8>> {
    match &source.dir {
        Some(dir) => {
            // Refuse anything that could climb out of the folder.
            if path.split('/').any(|seg| seg == ".." || seg.contains('\\')) {
                return None;
            }
            tokio::fs::read(dir.join(path)).await.ok()
        }
        None => Assets::get(path).map(|f| f.data.into_owned()),
    }
}

pub async fn serve(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || path == "api" {
        return ApiError::NotFound("endpoint").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let source = &state.web;
    let (file, body) = match load(source, path).await {
        Some(b) if !path.is_empty() => (path, b),
        // Client-side routes (no file extension) get the app; missing assets get a 404.
        _ if path.is_empty() || !path.rsplit('/').next().unwrap_or("").contains('.') => {
            match load(source, "index.html").await {
                Some(b) => ("index.html", b),
                None => return not_built(),
            }
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mime = mime_guess::from_path(file).first_or_octet_stream();
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime.as_ref())
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // Vite puts a content hash in every asset name, so assets never change under their name.
    let cache = if file.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if file.ends_with(".html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    res
}

/// Only reachable when the binary was built without the front end (no npm on the build
/// machine): say how to get it rather than show a blank page.
fn not_built() -> Response {
    let html = "<!doctype html><meta charset=utf-8><title>Helpdesk</title>\
        <p>The helpdesk API is running, but this binary was built without its web UI.\
        Build it with <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code> and rebuild the binary, \
        or see <a href=\"/api/docs\">the API documentation</a>.";
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}
