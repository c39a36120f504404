use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestApp};
use crate::on_both;

fn ticket(ext: &str, events: Value) -> Value {
    json!({"external_id": ext, "subject": "Imported", "body": "From the old system", "category": "billing", "priority": "normal", "channel": "email",
           "customer": {"name": "Lama", "email": "lama@example.com", "tier": "standard"}, "created_at": "2026-03-02T09:00:00Z", "events": events})
}

async fn a_batch_with_one_bad_event_imports_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let good = ticket(
        "ok-1",
        json!([{"at": "2026-03-02T10:00:00Z", "type": "message", "author": "agent", "agent_email": "old@example.com", "internal": false, "body": "On it"}]),
    );
    let bad = ticket(
        "bad-1",
        json!([
            {"at": "2026-03-02T10:00:00Z", "type": "status", "to": "resolved"},
            {"at": "2026-03-02T11:00:00Z", "type": "status", "to": "pending"}
        ]),
    );
    let r = app.import(&admin, json!([good, bad])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.fields(), vec!["tickets[1].events[1]"]);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("`resolved` to `pending`"),
        "{}",
        r.body
    );
    let q = app.get("/api/v1/tickets", Some(&admin)).await;
    assert_eq!(
        q.body["items"].as_array().map(Vec::len),
        Some(0),
        "nothing was imported"
    );
    let users = app.get("/api/v1/users", Some(&admin)).await;
    assert_eq!(
        users.body["items"].as_array().map(Vec::len),
        Some(1),
        "no agent was created either"
    );

    // Shape errors name their path too.
    let r = app
        .import(
            &admin,
            json!([ticket(
                "x",
                json!([{"at": "2026-03-02T10:00:00Z", "type": "teleport"}])
            )]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.fields()[0].starts_with("tickets[0].events[0]"),
        "{:?}",
        r.fields()
    );
    let mut no_email = ticket("y", json!([]));
    no_email["customer"]["email"] = json!("nope");
    assert_eq!(
        app.import(&admin, json!([no_email])).await.fields(),
        vec!["tickets[0].customer.email"]
    );
}
on_both!(a_batch_with_one_bad_event_imports_nothing);

async fn unknown_agents_become_inactive_accounts_and_ids_are_not_duplicated(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let t = ticket(
        "zd-9",
        json!([
            {"at": "2026-03-02T09:30:00Z", "type": "assign", "agent_email": "Old.Agent@example.com"},
            {"at": "2026-03-02T10:00:00Z", "type": "message", "author": "agent", "internal": false, "body": "Checking"},
            {"at": "2026-03-02T11:00:00Z", "type": "status", "to": "resolved"},
            {"at": "2026-03-02T12:00:00Z", "type": "survey", "csat": 4, "nps": 10}
        ]),
    );
    let r = app.import(&admin, json!([t.clone()])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["created_agents"], json!(["old.agent@example.com"]));
    let users = app.get("/api/v1/users", Some(&admin)).await;
    let old = users.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["email"] == "old.agent@example.com")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            old["active"].as_bool(),
            old["can_log_in"].as_bool(),
            old["role"].as_str()
        ),
        (Some(false), Some(false), Some("agent"))
    );
    let id = r.body["ticket_ids"][0].as_i64().unwrap_or_default();
    let d = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
        .await;
    assert_eq!(
        (d.body["status"].as_str(), d.body["assignee_id"].as_i64()),
        (Some("resolved"), old["id"].as_i64())
    );
    assert_eq!(d.body["survey"]["csat"], 4);
    assert_eq!(d.body["metrics"]["first_response_s"], 3600);

    let again = app.import(&admin, json!([t])).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already imported")
    );
    let twice = app
        .import(
            &admin,
            json!([ticket("dup", json!([])), ticket("dup", json!([]))]),
        )
        .await;
    assert_eq!(twice.fields(), vec!["tickets[1]"]);
}
on_both!(unknown_agents_become_inactive_accounts_and_ids_are_not_duplicated);
