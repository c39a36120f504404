//! The `helpdesk` commands, run as a user runs them: migrate, user add, import and demo on a
//! real database, then a server on the result.

use std::process::Output;

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Api, Backend, PASSWORD, fresh_database};
use crate::instances::spawn_with;
use crate::on_both;

async fn helpdesk(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    cmd.args(args)
        .env("HELPDESK_DATABASE_URL", url)
        .env("HELPDESK_ADMIN_PASSWORD", crate::common::ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .await
        .unwrap_or_else(|e| panic!("run helpdesk {args:?}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn the_commands_work_on_a_real_database(b: Backend) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = fresh_database(b, &dir).await;

    let o = helpdesk(&url, &["migrate"], &[]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("up to date"), "{}", text(&o));

    let pw = [("HELPDESK_NEW_PASSWORD", PASSWORD)];
    let o = helpdesk(
        &url,
        &[
            "user",
            "add",
            "--email",
            " Lead@Example.COM ",
            "--name",
            "Lead",
            "--role",
            "manager",
        ],
        &pw,
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    let o = helpdesk(
        &url,
        &[
            "user",
            "add",
            "--email",
            "not-an-address",
            "--name",
            "X",
            "--role",
            "agent",
        ],
        &pw,
    )
    .await;
    assert!(!o.status.success(), "a bad address is refused");
    assert!(text(&o).contains("email"), "{}", text(&o));
    let short = [("HELPDESK_NEW_PASSWORD", "short")];
    let o = helpdesk(
        &url,
        &[
            "user",
            "add",
            "--email",
            "y@example.com",
            "--name",
            "Y",
            "--role",
            "agent",
        ],
        &short,
    )
    .await;
    assert!(
        !o.status.success(),
        "a short password is refused: {}",
        text(&o)
    );

    let o = helpdesk(&url, &["demo", "--tickets", "300", "--seed", "7"], &[]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Loaded 300 demo tickets"), "{}", text(&o));

    let at = (Utc::now() - Duration::hours(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let file = dir.path().join("old-helpdesk.json");
    let batch = json!({"tickets": [
        {"external_id": "old-1", "subject": "Tagihan ganda", "body": "Saya ditagih dua kali", "category": "billing", "priority": "high", "channel": "email",
         "customer": {"name": "Rina", "email": "rina@example.com", "tier": "vip"}, "created_at": at, "events": []},
        {"external_id": "old-2", "subject": "Late parcel", "body": "Still waiting", "category": "delivery", "priority": "normal", "channel": "phone",
         "customer": {"name": "Tom", "email": "tom@example.com", "tier": "standard"}, "created_at": at, "events": []}
    ]});
    std::fs::write(&file, batch.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let path = file.display().to_string();
    let o = helpdesk(&url, &["import", &path], &[]).await;
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Imported 2 tickets"), "{}", text(&o));
    let o = helpdesk(&url, &["import", &path], &[]).await;
    assert!(
        !o.status.success(),
        "the same tickets twice are refused: {}",
        text(&o)
    );

    // A server on the result: the new manager logs in and every imported ticket is there.
    let instance = spawn_with(&url, "", &[]).await;
    let api = Api::remote(&instance.base);
    let token = api.login("lead@example.com", PASSWORD).await;
    let from = (Utc::now() - Duration::days(365)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let to = (Utc::now() + Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let r = api
        .get(
            &format!("/api/v1/reports/ttr?from={from}&to={to}"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["groups"][0]["tickets"], 302, "{}", r.body);
}
on_both!(the_commands_work_on_a_real_database);
