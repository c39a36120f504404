use helpdesk_tickets::{Ticket, TicketMetrics, Timeline};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::common::{Api, Backend, TestApp, pg_admin_url};
use crate::on_both;

fn status(v: &Value) -> &str {
    v["status"].as_str().unwrap_or_default()
}

/// The "done when" walk: a complaint comes in, an agent works it through pending and back,
/// resolves it, and the ticket shows its metrics.
async fn an_agent_works_a_complaint_from_new_to_resolved(b: Backend) {
    let app = TestApp::start(b).await;
    let (agent_id, agent) = app.staff("budi@example.com", "agent").await;
    let (reference, token) = app.submit("ayu@example.com", "Pesanan belum sampai").await;

    let q = app
        .get("/api/v1/tickets?status=new&assignee=none", Some(&agent))
        .await;
    assert_eq!(q.status, StatusCode::OK);
    let item = &q.body["items"][0];
    assert_eq!(item["reference"], reference.as_str());
    assert_eq!(item["customer"]["email"], "ayu@example.com");
    let id = item["id"].as_i64().unwrap_or_default();

    let r = app
        .patch(
            &format!("/api/v1/tickets/{id}"),
            Some(&agent),
            json!({"assignee_id": agent_id}),
        )
        .await;
    assert_eq!(
        (r.status, status(&r.body)),
        (StatusCode::OK, "open"),
        "assigning opens a new ticket"
    );
    let r = app
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&agent),
            json!({"body": "Boleh minta nomor pesanannya?", "status": "pending"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(status(&r.body["ticket"]), "pending");
    assert_eq!(r.body["message"]["author_name"], "budi");
    assert!(r.body["ticket"]["first_response_at"].is_string());

    let r = app
        .post(
            &format!("/api/v1/public/tickets/{reference}/messages"),
            Some(&token),
            json!({"body": "Nomornya #123456"}),
        )
        .await;
    assert_eq!(
        (r.status, status(&r.body)),
        (StatusCode::CREATED, "open"),
        "a customer reply reopens pending"
    );
    let r = app
        .post(
            &format!("/api/v1/tickets/{id}/transitions"),
            Some(&agent),
            json!({"to": "resolved"}),
        )
        .await;
    assert_eq!((r.status, status(&r.body)), (StatusCode::OK, "resolved"));

    let d = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&agent))
        .await;
    assert_eq!(d.status, StatusCode::OK);
    let m = &d.body["metrics"];
    assert!(m["first_response_s"].as_i64().is_some_and(|s| s >= 0));
    assert!(
        m["resolution_s"]
            .as_i64()
            .is_some_and(|s| s >= m["first_response_s"].as_i64().unwrap_or(0))
    );
    assert_eq!(m["reopen_count"], 0);
    assert_eq!(d.body["allowed_transitions"], json!(["open", "closed"]));
    let kinds: Vec<&str> = d.body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "created",
            "message_added",
            "assigned",
            "status_changed",
            "message_added",
            "status_changed",
            "status_changed",
            "message_added",
            "status_changed"
        ]
    );
    assert_eq!(d.body["messages"].as_array().map(Vec::len), Some(3));
}
on_both!(an_agent_works_a_complaint_from_new_to_resolved);

/// Exact metrics from exact timestamps, in calendar and business time (default calendar:
/// Monday–Friday 09:00–17:00 UTC), and the stored row agrees with a replay of the events.
async fn metrics_are_exact_and_agree_with_the_events(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let r = app
        .import(
            &admin,
            json!([{
                "external_id": "m-1", "subject": "Refund", "body": "Where is it?", "category": "refund", "priority": "high", "channel": "email",
                "customer": {"name": "Sari", "email": "sari@example.com", "tier": "standard"},
                // Friday 16:00 UTC.
                "created_at": "2026-03-06T16:00:00Z",
                "events": [
                    {"at": "2026-03-06T16:30:00Z", "type": "message", "author": "agent", "agent_email": "budi@example.com", "internal": true, "body": "looking"},
                    {"at": "2026-03-09T10:00:00Z", "type": "message", "author": "agent", "agent_email": "budi@example.com", "internal": false, "body": "Sorry for the wait"},
                    {"at": "2026-03-09T10:00:00Z", "type": "status", "to": "pending"},
                    {"at": "2026-03-09T15:00:00Z", "type": "message", "author": "customer", "body": "Still nothing"},
                    {"at": "2026-03-09T16:00:00Z", "type": "status", "to": "resolved"},
                    {"at": "2026-03-10T09:00:00Z", "type": "message", "author": "customer", "body": "It came back"},
                    {"at": "2026-03-10T11:00:00Z", "type": "status", "to": "resolved"}
                ]
            }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["ticket_ids"][0].as_i64().unwrap_or_default();
    let d = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
        .await;
    let m = &d.body["metrics"];
    let h = 3600;
    // First public reply Monday 10:00: 66 h calendar; business: Fri 1 h + Mon 1 h.
    assert_eq!(m["first_response_s"], 66 * h);
    assert_eq!(m["first_response_business_s"], 2 * h);
    // Resolved again Tuesday 11:00: 91 h; business Fri 1 + Mon 8 + Tue 2.
    assert_eq!(m["resolution_s"], 91 * h);
    assert_eq!(m["resolution_business_s"], 11 * h);
    assert_eq!(m["first_resolution_s"], 72 * h);
    assert_eq!(m["reopen_count"], 1);
    // Waiting: new Fri 16:00-Mon 10:00 (66 h), open Mon 15-16 (1 h), open Tue 09-11 (2 h).
    assert_eq!(m["requester_wait_s"], 69 * h);
    assert_eq!(m["requester_wait_business_s"], (1 + 1 + 1 + 2) * h);
    assert!(
        d.body["ticket"].is_null(),
        "ticket fields are at the top level"
    );
    assert_eq!(d.body["first_response_at"], "2026-03-09T10:00:00Z");

    // The denormalised row equals the state rebuilt from the events alone.
    let detail = app
        .state
        .store
        .ticket_detail(id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no ticket"));
    let events = detail.domain_events().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        Ticket::replay(&events).unwrap_or_else(|e| panic!("{e}")),
        detail.view.domain().unwrap_or_else(|e| panic!("{e}"))
    );
    let tl = Timeline::from_events(&events).unwrap_or_else(|e| panic!("{e}"));
    let again = TicketMetrics::compute(&tl, &Default::default(), chrono::Utc::now());
    assert_eq!(
        serde_json::to_value(again)
            .ok()
            .as_ref()
            .map(|v| &v["resolution_s"]),
        Some(&m["resolution_s"])
    );
}
on_both!(metrics_are_exact_and_agree_with_the_events);

async fn forbidden_moves_are_409_naming_both_states(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (reference, _) = app.submit("ayu@example.com", "x").await;
    let id = Api::id_of(&reference);
    let path = format!("/api/v1/tickets/{id}/transitions");
    assert_eq!(
        app.post(&path, Some(&admin), json!({"to": "resolved"}))
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .post(&path, Some(&admin), json!({"to": "pending"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body["detail"],
        "a ticket cannot move from `resolved` to `pending`"
    );
    assert_eq!(r.body["code"], "transition_not_allowed");
    let r = app
        .post(&path, Some(&admin), json!({"to": "sideways"}))
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["to".to_string()])
    );

    let (other, _) = app.submit("ayu@example.com", "y").await;
    let path = format!("/api/v1/tickets/{}/transitions", Api::id_of(&other));
    let r = app.post(&path, Some(&admin), json!({"to": "closed"})).await;
    assert_eq!(
        (r.status, r.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()]),
        "closing unresolved needs a reason"
    );
    assert_eq!(
        app.post(
            &path,
            Some(&admin),
            json!({"to": "closed", "reason": "duplicate"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = app.post(&path, Some(&admin), json!({"to": "open"})).await;
    assert_eq!(
        r.body["detail"],
        "a ticket cannot move from `closed` to `open`"
    );
    let r = app
        .post(
            &format!("/api/v1/tickets/{}/messages", Api::id_of(&other)),
            Some(&admin),
            json!({"body": "hello"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "no public replies on closed tickets"
    );
    assert_eq!(
        app.post(
            "/api/v1/tickets/999999/transitions",
            Some(&admin),
            json!({"to": "open"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}
on_both!(forbidden_moves_are_409_naming_both_states);

async fn editing_priority_category_tags_and_assignee(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (agent_id, agent) = app.staff("budi@example.com", "agent").await;
    let (reference, _) = app.submit("ayu@example.com", "x").await;
    let path = format!("/api/v1/tickets/{}", Api::id_of(&reference));
    let r = app.patch(&path, Some(&agent), json!({"priority": "urgent", "category": "Billing", "tags": [" VIP ", "vip", "refund"]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            r.body["priority"].as_str(),
            r.body["category"].as_str(),
            status(&r.body)
        ),
        (Some("urgent"), Some("Billing"), "new")
    );
    assert_eq!(r.body["tags"], json!(["vip", "refund"]));
    let r = app
        .patch(
            &path,
            Some(&agent),
            json!({"category": null, "assignee_id": agent_id}),
        )
        .await;
    assert_eq!(
        (
            r.body["category"].is_null(),
            r.body["assignee_id"].as_i64(),
            status(&r.body)
        ),
        (true, Some(agent_id), "open")
    );
    let r = app
        .patch(&path, Some(&admin), json!({"assignee_id": null}))
        .await;
    assert!(r.body["assignee_id"].is_null());
    let r = app
        .patch(
            &path,
            Some(&admin),
            json!({"priority": "asap", "assignee_id": 424242}),
        )
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["priority".to_string(), "assignee_id".into()]
        )
    );
    let r = app.post("/api/v1/tickets", Some(&agent), json!({"customer": {"name": "Sari", "email": "sari@example.com"}, "subject": "Called in", "body": "By phone", "priority": "whenever"})).await;
    assert_eq!(
        (r.status, r.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["priority".to_string()]
        )
    );
    let r = app.post("/api/v1/tickets", Some(&agent), json!({"customer": {"name": "Sari", "email": "sari@example.com", "tier": "vip"}, "subject": "Called in", "body": "By phone"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (
            r.body["ticket"]["channel"].as_str(),
            r.body["ticket"]["customer"]["tier"].as_str()
        ),
        (Some("phone"), Some("vip"))
    );
    assert!(
        r.body["access_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );
}
on_both!(editing_priority_category_tags_and_assignee);

async fn the_queue_filters_searches_and_pages(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (budi_id, _) = app.staff("budi@example.com", "agent").await;
    let mk = |i: usize, prio: &str, cat: &str, events: Value| {
        json!({"external_id": format!("q-{i}"), "subject": format!("Problem number {i}"), "body": "b", "category": cat, "priority": prio,
               "customer": {"name": format!("Customer {i}"), "email": format!("c{i}@example.com")},
               "created_at": format!("2026-03-0{}T09:00:00Z", 1 + i % 9), "events": events})
    };
    let assign = json!([{"at": "2026-03-10T09:00:00Z", "type": "assign", "agent_email": "budi@example.com"}]);
    let pending = json!([{"at": "2026-03-10T09:00:00Z", "type": "status", "to": "pending"}]);
    let tickets: Vec<Value> = (0..7)
        .map(|i| match i {
            0 | 1 => mk(i, "urgent", "billing", assign.clone()),
            2 => mk(i, "low", "delivery", pending.clone()),
            _ => mk(i, "normal", "delivery", json!([])),
        })
        .collect();
    let r = app.import(&admin, Value::Array(tickets)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let refs = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                t["subject"]
                    .as_str()
                    .map(|s| s.replace("Problem number ", ""))
            })
            .collect()
    };

    let all = app.get("/api/v1/tickets", Some(&admin)).await;
    assert_eq!(
        refs(&all.body),
        vec!["6", "5", "4", "3", "2", "1", "0"],
        "newest first"
    );
    assert!(all.body["next_cursor"].is_null());
    assert_eq!(
        refs(
            &app.get(&format!("/api/v1/tickets?assignee={budi_id}"), Some(&admin))
                .await
                .body
        ),
        vec!["1", "0"]
    );
    assert_eq!(
        refs(
            &app.get(
                "/api/v1/tickets?assignee=none&status=new,pending",
                Some(&admin)
            )
            .await
            .body
        ),
        vec!["6", "5", "4", "3", "2"]
    );
    assert_eq!(
        refs(
            &app.get("/api/v1/tickets?status=pending", Some(&admin))
                .await
                .body
        ),
        vec!["2"]
    );
    assert_eq!(
        refs(
            &app.get("/api/v1/tickets?priority=urgent&status=open", Some(&admin))
                .await
                .body
        ),
        vec!["1", "0"]
    );
    assert_eq!(
        refs(
            &app.get(
                "/api/v1/tickets?category=delivery&priority=normal",
                Some(&admin)
            )
            .await
            .body
        ),
        vec!["6", "5", "4", "3"]
    );
    assert_eq!(
        refs(
            &app.get("/api/v1/tickets?q=NUMBER%205", Some(&admin))
                .await
                .body
        ),
        vec!["5"]
    );
    assert_eq!(
        refs(
            &app.get("/api/v1/tickets?q=c3%40example", Some(&admin))
                .await
                .body
        ),
        vec!["3"]
    );
    assert_eq!(
        refs(&app.get("/api/v1/tickets?q=100%25", Some(&admin)).await.body),
        Vec::<String>::new(),
        "wildcards are literal"
    );
    let first_id = all.body["items"][6]["id"].as_i64().unwrap_or_default();
    assert_eq!(
        refs(
            &app.get(
                &format!("/api/v1/tickets?q=HD-{}", first_id + 1000),
                Some(&admin)
            )
            .await
            .body
        ),
        vec!["0"]
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tickets?limit=3&cursor={c}"),
            None => "/api/v1/tickets?limit=3".to_string(),
        };
        let page = app.get(&path, Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        seen.extend(refs(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        vec!["6", "5", "4", "3", "2", "1", "0"],
        "pages cover everything once"
    );

    let r = app
        .get(
            "/api/v1/tickets?status=lost&limit=1000&cursor=zzz&assignee=someone",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![
                "status".to_string(),
                "assignee".into(),
                "limit".into(),
                "cursor".into()
            ]
        )
    );
}
on_both!(the_queue_filters_searches_and_pages);

async fn customer_profiles_and_history(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (first, _) = app.submit("ayu@example.com", "Pertama").await;
    let (second, _) = app.submit("AYU@example.com", "Kedua").await;
    let d = app
        .get(
            &format!("/api/v1/tickets/{}", Api::id_of(&second)),
            Some(&admin),
        )
        .await;
    assert_eq!(
        d.body["customer_history"][0]["reference"],
        first.as_str(),
        "the same customer by e-mail, case-insensitively"
    );
    let cid = d.body["customer"]["id"].as_i64().unwrap_or_default();
    let r = app
        .patch(
            &format!("/api/v1/customers/{cid}"),
            Some(&admin),
            json!({"tier": "vip", "notes": "Pelanggan lama"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["tickets"].as_array().map(Vec::len), Some(2));
    let d = app
        .get(
            &format!("/api/v1/tickets/{}", Api::id_of(&first)),
            Some(&admin),
        )
        .await;
    assert_eq!(d.body["customer"]["tier"], "vip");
    let r = app
        .patch(
            &format!("/api/v1/customers/{cid}"),
            Some(&admin),
            json!({"tier": "gold"}),
        )
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["tier".to_string()])
    );
    assert_eq!(
        app.get("/api/v1/customers/999999", Some(&admin))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
on_both!(customer_profiles_and_history);

async fn health_and_openapi(b: Backend) {
    let app = TestApp::start(b).await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.body["status"], "ready");
    let doc = app.get("/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/public/tickets",
        "/api/v1/tickets/{id}/transitions",
        "/api/v1/import/tickets",
        "/api/v1/auth/login",
    ] {
        assert!(doc.body["paths"][path].is_object(), "{path} is documented");
    }
    assert_eq!(app.get("/api/docs/", None).await.status, StatusCode::OK);
    let r = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(
        (r.status, r.body["status"].as_i64()),
        (StatusCode::NOT_FOUND, Some(404))
    );
}
on_both!(health_and_openapi);

/// PostgreSQL goes away (connections refused and cut): requests answer 503, and the server
/// recovers by itself when the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_is_503_and_the_server_recovers() {
    let app = TestApp::start(Backend::Postgres).await;
    let admin = app.admin().await;
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let pg = Database::connect(pg_admin_url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let run = |sql: String| {
        let pg = pg.clone();
        async move {
            pg.execute_raw(Statement::from_string(pg.get_database_backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    run(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false")).await;
    run(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.get("/readyz", None).await.status);
        statuses.push(app.get("/api/v1/tickets", Some(&admin)).await.status);
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    let r = app
        .post(
            "/api/v1/public/tickets",
            None,
            json!({"name": "A", "email": "a@example.com", "subject": "s", "body": "b"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers.get("retry-after").is_some());

    run(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).await;
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/readyz", None).await.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered, "the server reconnects on its own");
    assert_eq!(
        app.get("/api/v1/tickets", Some(&admin)).await.status,
        StatusCode::OK
    );
    app.submit("a@example.com", "after the outage").await;
}

async fn ticket_detail_lists_the_customers_earlier_tickets_with_ttr_and_survey(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let t = |ext: &str, created: &str, events: Value| {
        json!({"external_id": ext, "subject": format!("Ticket {ext}"), "body": "Tolong dibantu", "category": "billing",
               "priority": "normal", "channel": "email", "customer": {"name": "Hana", "email": "hana@example.com"},
               "created_at": created, "events": events})
    };
    let r = app
        .import(
            &admin,
            json!([
                // Friday 16:00 to Monday 10:00 UTC: 66 h on the calendar; in the default
                // calendar (Mon–Fri 09:00–17:00 UTC) Friday 16–17 and Monday 9–10, 2 h.
                t("h1", "2026-03-06T16:00:00Z", json!([
                    {"at": "2026-03-09T10:00:00Z", "type": "status", "to": "resolved"},
                    {"at": "2026-03-09T11:00:00Z", "type": "survey", "csat": 4, "ces": 6, "nps": 8, "comment": "Oke"}
                ])),
                t("h2", "2026-03-10T09:00:00Z", json!([])),
                t("h3", "2026-03-11T09:00:00Z", json!([])),
                // Later than h3: not part of h3's history.
                t("h4", "2026-03-12T09:00:00Z", json!([])),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ids: Vec<i64> = r.body["ticket_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    let d = app
        .get(&format!("/api/v1/tickets/{}", ids[2]), Some(&admin))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let history = d.body["customer_history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let listed: Vec<i64> = history.iter().filter_map(|h| h["id"].as_i64()).collect();
    assert_eq!(
        listed,
        vec![ids[1], ids[0]],
        "earlier tickets, newest first"
    );
    assert_eq!(
        (
            history[0]["resolution_s"].clone(),
            history[0]["resolution_business_s"].clone(),
            history[0]["survey"].clone()
        ),
        (Value::Null, Value::Null, Value::Null),
        "still open: no TTR yet"
    );
    let h1 = &history[1];
    assert_eq!(
        (
            h1["resolution_s"].as_i64(),
            h1["resolution_business_s"].as_i64()
        ),
        (Some(66 * 3600), Some(2 * 3600))
    );
    assert_eq!(
        (
            h1["survey"]["csat"].as_i64(),
            h1["survey"]["ces"].as_i64(),
            h1["survey"]["nps"].as_i64(),
            h1["survey"]["comment"].as_str()
        ),
        (Some(4), Some(6), Some(8), Some("Oke"))
    );
    let first = app
        .get(&format!("/api/v1/tickets/{}", ids[0]), Some(&admin))
        .await;
    assert_eq!(
        first.body["customer_history"],
        json!([]),
        "the first ticket has no history"
    );
}
on_both!(ticket_detail_lists_the_customers_earlier_tickets_with_ttr_and_survey);

async fn agents_see_the_staff_directory_without_e_mail_addresses(b: Backend) {
    let app = TestApp::start(b).await;
    let (agent_id, agent) = app.staff("ayu@example.com", "agent").await;
    let r = app.get("/api/v1/staff", Some(&agent)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "the admin and the agent: {}", r.body);
    let me = items.iter().find(|u| u["id"].as_i64() == Some(agent_id));
    assert_eq!(me.map(|u| u["role"].clone()), Some(json!("agent")));
    assert!(items.iter().all(|u| u.get("email").is_none()), "{}", r.body);
    assert_eq!(
        app.get("/api/v1/staff", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}
on_both!(agents_see_the_staff_directory_without_e_mail_addresses);

/// Every ticket of the demo set (imported) and of a live conversation: the stored row, which
/// queues and reports read, equals the ticket rebuilt from its events alone, and its metrics
/// recomputed from those events equal what the API shows.
async fn stored_rows_equal_the_tickets_rebuilt_from_their_events(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let demo = helpdesk_api::demo::generate(150, 11, chrono::Utc::now());
    let r = app.import(&admin, demo["tickets"].clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (reference, token) = app.submit("live@example.com", "Live one").await;
    let live = Api::id_of(&reference);
    app.post(
        &format!("/api/v1/tickets/{live}/messages"),
        Some(&admin),
        json!({"body": "Which order?", "status": "pending"}),
    )
    .await;
    app.post(
        &format!("/api/v1/public/tickets/{reference}/messages"),
        Some(&token),
        json!({"body": "#123"}),
    )
    .await;
    app.post(
        &format!("/api/v1/tickets/{live}/transitions"),
        Some(&admin),
        json!({"to": "resolved"}),
    )
    .await;

    let mut ids: Vec<i64> =
        serde_json::from_value(r.body["ticket_ids"].clone()).unwrap_or_default();
    ids.push(live);
    assert_eq!(ids.len(), 151);
    let calendar = helpdesk_api::calendar::business_calendar(&app.state.store)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for id in ids {
        let detail = app
            .state
            .store
            .ticket_detail(id)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no ticket {id}"));
        let events = detail
            .domain_events()
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let rebuilt = Ticket::replay(&events).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            rebuilt,
            detail.view.domain().unwrap_or_else(|e| panic!("{id}: {e}")),
            "ticket {id}"
        );
        let shown = app
            .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
            .await;
        let tl = Timeline::from_events(&events).unwrap_or_else(|e| panic!("{id}: {e}"));
        let m = serde_json::to_value(TicketMetrics::compute(&tl, &calendar, chrono::Utc::now()))
            .unwrap_or_default();
        // Durations that have ended do not depend on when they are read.
        for key in [
            "first_response_s",
            "first_response_business_s",
            "resolution_s",
            "resolution_business_s",
            "first_resolution_s",
            "reopen_count",
        ] {
            assert_eq!(m[key], shown.body["metrics"][key], "ticket {id}: {key}");
        }
    }
}
on_both!(stored_rows_equal_the_tickets_rebuilt_from_their_events);
