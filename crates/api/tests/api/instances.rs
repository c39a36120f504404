//! Two `helpdesk` processes on one PostgreSQL database, as behind a load balancer: each alert
//! is raised once, delivered to the webhook once, and reaches live clients of both.

use std::process::Stdio;

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{ADMIN_PASSWORD, Api, Backend, SseClient, eventually, fresh_database};
use crate::sla::{Receiver, import_old, one_hour_first_response};

pub(crate) struct Instance {
    pub(crate) base: String,
    _child: tokio::process::Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

async fn spawn(url: &str, webhook: &str) -> Instance {
    spawn_with(url, webhook, &[]).await
}

/// An instance with more environment (later settings win over the defaults above them). An
/// empty `webhook` runs it without webhook delivery.
pub(crate) async fn spawn_with(url: &str, webhook: &str, env: &[(&str, &str)]) -> Instance {
    let port = free_port();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    cmd.arg("serve")
        .env("HELPDESK_DATABASE_URL", url)
        .env("HELPDESK_BIND", format!("127.0.0.1:{port}"))
        .env("HELPDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("HELPDESK_SLA_SCAN_INTERVAL", "1")
        .env("HELPDESK_RATE_LIMIT_PUBLIC", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if !webhook.is_empty() {
        cmd.env("HELPDESK_WEBHOOK_URL", webhook)
            .env("HELPDESK_WEBHOOK_SECRET", "two-instances-secret");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("start helpdesk: {e}"));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    eventually("the instance is ready", || {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .ok()
                .filter(|r| r.status() == StatusCode::OK)
                .map(|_| ())
        }
    })
    .await;
    Instance {
        base,
        _child: child,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_raise_and_deliver_each_alert_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = fresh_database(Backend::Postgres, &dir).await;
    let receiver = Receiver::start(0).await;
    let a = spawn(&url, &receiver.url).await;
    let b = spawn(&url, &receiver.url).await;

    // Drive instance A through the same helpers as the in-process tests.
    let app_a = Api::remote(&a.base);
    let admin = app_a.admin().await;
    let live_b = SseClient::connect(&b.base, &admin, None).await;
    one_hour_first_response(&app_a, &admin).await;
    let ids: Vec<i64> = futures::future::join_all((0..5).map(|i| {
        let app = &app_a;
        let admin = &admin;
        async move { import_old(app, admin, &format!("two-{i}"), 3, json!([])).await }
    }))
    .await;

    let all = eventually("every ticket's two alerts", || async {
        let items = app_a
            .get("/api/v1/alerts?state=all&limit=500", Some(&admin))
            .await
            .body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (items.len() >= 10).then_some(items)
    })
    .await;
    // Several scans of both instances later, still exactly two per ticket.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let all = app_a
        .get("/api/v1/alerts?state=all&limit=500", Some(&admin))
        .await
        .body["items"]
        .as_array()
        .cloned()
        .unwrap_or(all);
    assert_eq!(all.len(), 10, "two alerts per ticket, none twice");
    for id in &ids {
        let mut levels: Vec<&str> = all
            .iter()
            .filter(|x| x["ticket_id"] == *id)
            .filter_map(|x| x["level"].as_str())
            .collect();
        levels.sort();
        assert_eq!(levels, vec!["breach", "warning"], "ticket {id}");
    }

    // Whichever instance raised an alert, the other's live clients hear of it.
    for id in &ids {
        live_b
            .wait_for("a breach on instance B", |k, v| {
                k == "alert"
                    && v["change"] == "raised"
                    && v["level"] == "breach"
                    && v["ticket_id"] == *id
            })
            .await;
    }
    let delivered = eventually("ten webhook deliveries", || async {
        let got = receiver.accepted();
        (got.len() >= 10).then_some(got)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let delivered = receiver.accepted().len().max(delivered.len());
    assert_eq!(
        delivered, 10,
        "each alert delivered once by one of the instances"
    );
    let mut alert_ids: Vec<i64> = receiver
        .accepted()
        .iter()
        .filter_map(|(_, body)| {
            serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["alert"]["id"].as_i64())
        })
        .collect();
    alert_ids.sort_unstable();
    alert_ids.dedup();
    assert_eq!(alert_ids.len(), 10);
    drop(b);
    drop(a);
}

/// A change made through instance A reaches an SSE client of instance B through PostgreSQL
/// `NOTIFY`: B neither re-reads its log on a timer (once an hour here) nor scans (once an
/// hour), so nothing but the notification can wake its reader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_reaches_the_other_through_notify() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = fresh_database(Backend::Postgres, &dir).await;
    let receiver = Receiver::start(0).await;
    let a = spawn(&url, &receiver.url).await;
    let quiet = [
        ("HELPDESK_LIVE_POLL_INTERVAL", "3600"),
        ("HELPDESK_SLA_SCAN_INTERVAL", "3600"),
    ];
    let b = spawn_with(&url, &receiver.url, &quiet).await;

    let app_a = Api::remote(&a.base);
    let admin = app_a.admin().await;
    let live_b = SseClient::connect(&b.base, &admin, None).await;
    let (reference, _) = app_a.submit("ayu@example.com", "via A").await;
    let created = live_b
        .wait_for("the ticket created on A", |k, v| {
            k == "ticket" && v["change"] == "created" && v["reference"] == reference.as_str()
        })
        .await;
    let id = created["id"].as_i64().unwrap_or_default();
    let r = app_a
        .patch(
            &format!("/api/v1/tickets/{id}"),
            Some(&admin),
            json!({"priority": "urgent"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    live_b
        .wait_for("the change made on A", |k, v| {
            k == "ticket" && v["change"] == "updated" && v["id"] == id
        })
        .await;
    drop(b);
    drop(a);
}
