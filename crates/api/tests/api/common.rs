//! A real server on a free port, on a fresh SQLite file or a fresh PostgreSQL database, and a
//! client that talks to it the way the browser and scripts do.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use helpdesk_api::{AppState, Config, router, server::ensure_admin};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const PASSWORD: &str = "agent-password-123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    };
}

pub fn pg_admin_url() -> String {
    std::env::var("HELPDESK_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A new, empty database; its URL.
pub async fn fresh_database(backend: Backend, dir: &tempfile::TempDir) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    match backend {
        Backend::Sqlite => format!("sqlite://{}/helpdesk.db?mode=rwc", dir.path().display()),
        Backend::Postgres => {
            let name = format!(
                "hd_t_{}_{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst),
                rand_suffix()
            );
            let admin = Database::connect(pg_admin_url()).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is needed for the tests ({}): {e}",
                    pg_admin_url()
                )
            });
            admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("CREATE DATABASE \"{name}\""),
                ))
                .await
                .unwrap_or_else(|e| panic!("create database: {e}"));
            let _ = admin.close().await;
            let base = pg_admin_url();
            let root = base
                .rsplit_once('/')
                .map(|(r, _)| r.to_owned())
                .unwrap_or(base);
            format!("{root}/{name}")
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
        % 100_000
}

/// A client of a running server (in this process or another).
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

pub struct TestApp {
    pub api: Api,
    pub state: AppState,
    pub backend: Backend,
    pub database_url: String,
    _dir: tempfile::TempDir,
    _stop: tokio_util::sync::DropGuard,
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Res {
    /// The fields a problem document names.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect()
    }
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, |_| {}).await
    }

    /// Starts a server whose configuration `tweak` may change (rate limits, ...).
    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::start_custom(backend, tweak, |_| {}).await
    }

    /// Like [`TestApp::start_with`], and `adjust` may change the state before the background
    /// workers start (e.g. take the outbox senders away to drive delivery by hand).
    pub async fn start_custom(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        adjust: impl FnOnce(&mut AppState),
    ) -> TestApp {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = fresh_database(backend, &dir).await;
        let mut config = Config::for_database(&url);
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.rate_limit_public = 0;
        config.db_max_connections = 4;
        config.sla_scan_interval = 1;
        tweak(&mut config);
        let mut state = AppState::build(&config)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        adjust(&mut state);
        ensure_admin(&state, &config)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let stop = tokio_util::sync::CancellationToken::new();
        helpdesk_api::workers::spawn(
            &state,
            &stop,
            std::time::Duration::from_secs(config.sla_scan_interval.max(1)),
        );
        let app = router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        TestApp {
            api: Api {
                base: format!("http://{addr}"),
                client: reqwest::Client::new(),
            },
            state,
            backend,
            database_url: url,
            _dir: dir,
            _stop: stop.drop_guard(),
        }
    }
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Api {
    pub fn remote(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Res {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.request(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.request(Method::POST, path, token, Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.request(Method::PATCH, path, token, Some(body), &[])
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.request(Method::PUT, path, token, Some(body), &[])
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.body);
        r.body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a staff account through the API and logs it in; returns (id, token).
    pub async fn staff(&self, email: &str, role: &str) -> (i64, String) {
        let admin = self.admin().await;
        let r = self.post("/api/v1/users", Some(&admin), json!({"email": email, "name": email.split('@').next(), "role": role, "password": PASSWORD})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        (
            r.body["id"].as_i64().unwrap_or_default(),
            self.login(email, PASSWORD).await,
        )
    }

    /// Submits a complaint through the public form; returns (reference, access token).
    pub async fn submit(&self, email: &str, subject: &str) -> (String, String) {
        let r = self.post("/api/v1/public/tickets", None, json!({"name": "Ayu", "email": email, "subject": subject, "body": "Tolong dibantu."})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        (
            r.body["reference"].as_str().unwrap_or_default().to_owned(),
            r.body["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    }

    pub async fn import(&self, token: &str, tickets: Value) -> Res {
        self.post(
            "/api/v1/import/tickets",
            Some(token),
            json!({ "tickets": tickets }),
        )
        .await
    }

    /// The id behind a reference `HD-<id + 1000>`.
    pub fn id_of(reference: &str) -> i64 {
        reference
            .trim_start_matches("HD-")
            .parse::<i64>()
            .unwrap_or_default()
            - 1000
    }
}

/// A server-sent-events client that collects what it receives in the background.
pub struct SseClient {
    pub events: std::sync::Arc<std::sync::Mutex<Vec<(String, String, Value)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SseClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SseClient {
    /// Connects to `/api/v1/events` and returns once the server answered 200.
    pub async fn connect(base: &str, token: &str, last_event_id: Option<i64>) -> SseClient {
        SseClient::connect_after(base, token, last_event_id.map(|i| i.to_string()).as_deref()).await
    }

    /// Connects with `Last-Event-ID` set to an id exactly as received.
    pub async fn connect_after(base: &str, token: &str, last_event_id: Option<&str>) -> SseClient {
        use futures::StreamExt;
        let mut req =
            reqwest::Client::new().get(format!("{base}/api/v1/events?access_token={token}"));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), StatusCode::OK);
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = events.clone();
        let task = tokio::spawn(async move {
            let mut stream = res.bytes_stream();
            let mut buf = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    let (mut id, mut kind, mut data) =
                        (String::new(), String::new(), String::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("event:") {
                            kind = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim());
                        }
                    }
                    if !kind.is_empty() {
                        let v = serde_json::from_str(&data).unwrap_or(Value::Null);
                        sink.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((id, kind, v));
                    }
                }
            }
        });
        SseClient { events, task }
    }

    pub fn received(&self) -> Vec<(String, String, Value)> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits (up to 15 s) until an event satisfies `pred`.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&str, &Value) -> bool) -> Value {
        for _ in 0..150 {
            if let Some((_, _, v)) = self.received().into_iter().find(|(_, k, v)| pred(k, v)) {
                return v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no live event: {what}; received {:?}", self.received());
    }
}

/// Polls `f` (up to 15 s) until it returns `Some`.
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..150 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
