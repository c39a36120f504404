use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    Statement, TransactionTrait,
};
use serde_json::{Value, json};

use crate::common::{Api, Backend, SseClient, TestApp, eventually};
use crate::on_both;

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Business hours around the clock (so "3 business hours ago" is 3 hours ago whenever the test
/// runs) and a 1-hour first-response target for normal tickets.
pub async fn one_hour_first_response(app: &Api, token: &str) {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let weekly: Vec<Value> = days
        .iter()
        .map(|d| json!({"day": d, "open": "00:00", "close": "24:00"}))
        .collect();
    let r = app
        .put(
            "/api/v1/business-hours",
            Some(token),
            json!({"timezone": "Asia/Jakarta", "weekly": weekly, "holidays": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let policy = json!({"name": "Normal", "priority": "normal", "tier": null, "first_response_s": 3600, "next_response_s": 7200,
                        "resolution_s": 28800, "hours": "business", "warn_at_pct": 80});
    let r = app
        .put(
            "/api/v1/sla-policies",
            Some(token),
            json!({"policies": [policy]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A ticket created `hours_ago` with no reply (and the given events).
pub async fn import_old(app: &Api, token: &str, ext: &str, hours_ago: i64, events: Value) -> i64 {
    let created = Utc::now() - Duration::hours(hours_ago);
    let r = app
        .import(
            token,
            json!([{"external_id": ext, "subject": "Aplikasi error saat login", "body": "Tidak bisa login", "category": "account", "priority": "normal",
                    "channel": "web", "customer": {"name": "Ayu", "email": format!("{ext}@example.com")}, "created_at": iso(created), "events": events}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["ticket_ids"][0].as_i64().unwrap_or_default()
}

async fn alerts(app: &Api, token: &str, state: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/alerts?state={state}"), Some(token))
        .await
        .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn levels(items: &[Value], ticket: i64) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items
        .iter()
        .filter(|a| a["ticket_id"] == ticket)
        .map(|a| {
            (
                a["metric"].as_str().unwrap_or("").to_owned(),
                a["level"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn business_hours_and_policies_are_validated(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let bh = app.get("/api/v1/business-hours", Some(&admin)).await;
    assert_eq!(
        (
            bh.body["timezone"].as_str(),
            bh.body["weekly"].as_array().map(Vec::len)
        ),
        (Some("UTC"), Some(5)),
        "{}",
        bh.body
    );
    let p = app.get("/api/v1/sla-policies", Some(&admin)).await;
    assert_eq!(
        p.body["policies"].as_array().map(Vec::len),
        Some(4),
        "sensible defaults: {}",
        p.body
    );

    let r = app.put("/api/v1/business-hours", Some(&admin), json!({"timezone": "Jakarta", "weekly": [{"day": "mon", "open": "17:00", "close": "09:00"}], "holidays": ["25-12-2026"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.fields(),
        vec!["timezone", "weekly[0].close", "holidays[0]"]
    );

    let good = json!({"name": "VIP urgent", "priority": "urgent", "tier": "vip", "first_response_s": 900, "next_response_s": null, "resolution_s": 14400, "hours": "calendar", "warn_at_pct": 75});
    let mut bad = good.clone();
    bad["first_response_s"] = json!(-60);
    bad["warn_at_pct"] = json!(100);
    let r = app
        .put(
            "/api/v1/sla-policies",
            Some(&admin),
            json!({"policies": [good.clone(), bad]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.fields(),
        vec![
            "policies[1].first_response_s",
            "policies[1].warn_at_pct",
            "policies[1].priority"
        ]
    );
    let mut unknown = good.clone();
    unknown["priority"] = json!("asap");
    let r = app
        .put(
            "/api/v1/sla-policies",
            Some(&admin),
            json!({"policies": [unknown]}),
        )
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["policies[0].priority".to_string()]
        )
    );
    let r = app
        .put(
            "/api/v1/sla-policies",
            Some(&admin),
            json!({"policies": [good]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/sla-policies", Some(&admin)).await.body["policies"][0]["name"],
        "VIP urgent"
    );

    let (_, agent) = app.staff("agent@example.com", "agent").await;
    assert_eq!(
        app.get("/api/v1/sla-policies", Some(&agent)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.put("/api/v1/business-hours", Some(&agent), bh.body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/alerts", Some(&agent)).await.status,
        StatusCode::OK,
        "agents see alerts"
    );
}
on_both!(business_hours_and_policies_are_validated);

/// The "done when": a ticket 3 business hours old with no reply under a 1-hour
/// first-response policy gets exactly one breach and one warning, which a live client
/// receives; a reply clears them.
async fn an_unanswered_ticket_breaches_once_and_a_reply_clears_it(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    let live = SseClient::connect(&app.base, &admin, None).await;
    let id = import_old(&app, &admin, "late", 3, json!([])).await;

    let breach = live
        .wait_for("breach raised", |k, v| {
            k == "alert"
                && v["change"] == "raised"
                && v["level"] == "breach"
                && v["ticket_id"] == id
        })
        .await;
    assert_eq!(breach["metric"], "first_response");
    let first = eventually("both alerts", || async {
        let a = alerts(&app, &admin, "open").await;
        (levels(&a, id).len() == 2).then_some(a)
    })
    .await;
    assert_eq!(
        levels(&first, id),
        vec![
            ("first_response".into(), "breach".into()),
            ("first_response".into(), "warning".into())
        ]
    );
    let warn = first
        .iter()
        .find(|a| a["level"] == "warning")
        .cloned()
        .unwrap_or_default();
    let due = first
        .iter()
        .find(|a| a["level"] == "breach")
        .cloned()
        .unwrap_or_default();
    let created = Utc::now() - Duration::hours(3);
    let at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or(""))
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    assert!(
        (at(&due["due_at"]) - (created + Duration::hours(1)))
            .num_seconds()
            .abs()
            <= 5,
        "breach due an hour after creation: {due}"
    );
    assert!(
        (at(&warn["due_at"]) - (created + Duration::minutes(48)))
            .num_seconds()
            .abs()
            <= 5,
        "warning at 80 %: {warn}"
    );

    // More scans raise nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        levels(&alerts(&app, &admin, "all").await, id).len(),
        2,
        "exactly once"
    );
    let raised = live
        .received()
        .iter()
        .filter(|(_, k, v)| k == "alert" && v["change"] == "raised" && v["ticket_id"] == id)
        .count();
    assert_eq!(raised, 2, "each alert reaches the live client once");

    let d = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
        .await;
    assert_eq!(d.body["sla"]["policy"], "Normal");
    let fr = d.body["sla"]["clocks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["metric"] == "first_response")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (fr["state"].as_str(), fr["breached"].as_bool()),
        (Some("running"), Some(true))
    );
    assert!(
        fr["remaining_s"].as_i64().is_some_and(|r| r <= -7100),
        "{fr}"
    );
    assert_eq!(d.body["sla"]["alerts"].as_array().map(Vec::len), Some(2));

    // Acknowledging moves it from open to acked.
    let r = app
        .post(
            &format!("/api/v1/alerts/{}/ack", due["id"]),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["acked_at"].is_string());
    assert_eq!(
        levels(&alerts(&app, &admin, "acked").await, id),
        vec![("first_response".into(), "breach".into())]
    );

    let r = app
        .post(
            &format!("/api/v1/tickets/{id}/messages"),
            Some(&admin),
            json!({"body": "Maaf, kami cek sekarang."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(
        levels(&alerts(&app, &admin, "open").await, id).is_empty(),
        "the reply clears the alerts at once"
    );
    assert!(levels(&alerts(&app, &admin, "acked").await, id).is_empty());
    assert_eq!(levels(&alerts(&app, &admin, "cleared").await, id).len(), 2);
    live.wait_for("cleared", |k, v| {
        k == "alert" && v["change"] == "cleared" && v["ticket_id"] == id
    })
    .await;
    let d = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
        .await;
    let kinds: Vec<&str> = d.body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| k.starts_with("alert"))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "alert_raised",
            "alert_raised",
            "alert_cleared",
            "alert_cleared"
        ]
    );
}
on_both!(an_unanswered_ticket_breaches_once_and_a_reply_clears_it);

async fn a_ticket_waiting_on_the_customer_does_not_breach(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    let waiting = Utc::now() - Duration::hours(3) + Duration::minutes(10);
    let id = import_old(
        &app,
        &admin,
        "waiting",
        3,
        json!([{"at": iso(waiting), "type": "status", "to": "pending"}]),
    )
    .await;
    let control = import_old(&app, &admin, "control", 3, json!([])).await;
    eventually("the control ticket breaches", || async {
        (levels(&alerts(&app, &admin, "open").await, control).len() == 2).then_some(())
    })
    .await;
    assert!(
        levels(&alerts(&app, &admin, "all").await, id).is_empty(),
        "pending pauses the clock"
    );
    let d = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
        .await;
    let fr = d.body["sla"]["clocks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["metric"] == "first_response")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            fr["state"].as_str(),
            fr["elapsed_s"].as_i64(),
            fr["breached"].as_bool()
        ),
        (Some("paused"), Some(600), Some(false))
    );
    assert!(d.body["sla_due_at"].is_null());
}
on_both!(a_ticket_waiting_on_the_customer_does_not_breach);

async fn the_queue_sorts_by_urgency_and_filters_breaches(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    let old = import_old(&app, &admin, "old", 5, json!([])).await;
    let older = import_old(&app, &admin, "older", 7, json!([])).await;
    let fresh = import_old(&app, &admin, "fresh", 0, json!([])).await;
    let resolved = import_old(
        &app,
        &admin,
        "done",
        2,
        json!([{"at": iso(Utc::now() - Duration::hours(1)), "type": "status", "to": "resolved"}]),
    )
    .await;
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["id"].as_i64())
            .collect()
    };
    let q = eventually("clocks measured", || async {
        let q = app.get("/api/v1/tickets?sort=due", Some(&admin)).await;
        (q.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["sla_due_at"].is_string())
            .count()
            == 3)
            .then_some(q)
    })
    .await;
    // Tickets with a running clock by due time (resolution due later than first response),
    // then the rest.
    assert_eq!(ids(&q.body), vec![older, old, fresh, resolved]);
    let breached = app
        .get("/api/v1/tickets?sla=breached&sort=due", Some(&admin))
        .await;
    assert_eq!(ids(&breached.body), vec![older, old]);
    let soon = app
        .get("/api/v1/tickets?due_within=90&sort=due", Some(&admin))
        .await;
    assert_eq!(ids(&soon.body), vec![older, old, fresh]);
    let page1 = app
        .get("/api/v1/tickets?sort=due&limit=3", Some(&admin))
        .await;
    let cursor = page1.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let page2 = app
        .get(
            &format!("/api/v1/tickets?sort=due&limit=3&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    assert_eq!(
        ids(&page2.body),
        vec![resolved],
        "keyset paging continues past the tickets without a clock"
    );
    let r = app
        .get(&format!("/api/v1/tickets?cursor={cursor}"), Some(&admin))
        .await;
    assert_eq!(r.fields(), vec!["cursor"], "a cursor belongs to its sort");
    let r = app
        .get(
            "/api/v1/tickets?sla=late&due_within=-5&sort=oldest",
            Some(&admin),
        )
        .await;
    assert_eq!(r.fields(), vec!["sort", "sla", "due_within"]);
}
on_both!(the_queue_sorts_by_urgency_and_filters_breaches);

async fn live_events_need_a_token_and_resume_from_the_last_id(b: Backend) {
    let app = TestApp::start(b).await;
    assert_eq!(
        app.get("/api/v1/events", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/events?access_token=nope", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let admin = app.admin().await;
    let live = SseClient::connect(&app.base, &admin, None).await;
    let (reference, _) = app.submit("ayu@example.com", "first").await;
    let created = live
        .wait_for("created", |k, v| {
            k == "ticket" && v["change"] == "created" && v["reference"] == reference.as_str()
        })
        .await;
    assert_eq!(created["subject"], "first");
    let last_id: i64 = live
        .received()
        .last()
        .and_then(|(id, _, _)| id.parse().ok())
        .unwrap_or_default();
    drop(live);
    let (missed, _) = app.submit("ayu@example.com", "while away").await;
    let back = SseClient::connect(&app.base, &admin, Some(last_id)).await;
    back.wait_for("the missed ticket", |k, v| {
        k == "ticket" && v["reference"] == missed.as_str()
    })
    .await;
    assert!(
        !back
            .received()
            .iter()
            .any(|(_, _, v)| v["reference"] == reference.as_str()),
        "nothing before the last id is sent again"
    );
}
on_both!(live_events_need_a_token_and_resume_from_the_last_id);

/// A scanner that claimed tickets and died before evaluating them loses nothing: once its
/// lease runs out the tickets are scanned again, and each alert is still raised once.
async fn a_scan_interrupted_midway_loses_and_duplicates_nothing(b: Backend) {
    let app = TestApp::start_with(b, |c| c.sla_scan_interval = 3600).await;
    let admin = app.admin().await;
    one_hour_first_response_quietly(&app).await;
    let id = import_quietly(&app, "crash", Duration::hours(3)).await;
    let now = Utc::now();
    let claimed = app
        .state
        .store
        .claim_sla_due(now, now + Duration::seconds(60), 500)
        .await
        .unwrap_or_default();
    assert!(claimed.contains(&id));
    // The "crashed" scanner never evaluates; within its lease nobody else takes the ticket.
    assert!(
        app.state
            .sla
            .scan(now + Duration::seconds(30))
            .await
            .ok()
            .is_some_and(|e| e.tickets == 0)
    );
    let e = app
        .state
        .sla
        .scan(now + Duration::seconds(61))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((e.tickets, e.raised), (1, 2));
    let again = app
        .state
        .sla
        .scan(now + Duration::seconds(300))
        .await
        .unwrap_or_default();
    assert_eq!(again.raised, 0);
    assert_eq!(levels(&alerts(&app, &admin, "all").await, id).len(), 2);
}
on_both!(a_scan_interrupted_midway_loses_and_duplicates_nothing);

/// A webhook receiver that fails at first: the alerts are retried from the outbox and each is
/// accepted exactly once, with a valid signature.
async fn webhooks_are_signed_retried_and_delivered_once(b: Backend) {
    let receiver = Receiver::start(1).await;
    let url = receiver.url.clone();
    let app = TestApp::start_with(b, move |c| {
        c.webhook_url = Some(url);
        c.webhook_secret = Some("whsec-test-secret".into());
    })
    .await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    let id = import_old(&app, &admin, "hook", 3, json!([])).await;
    let accepted = eventually("both alerts accepted", || async {
        let got = receiver.accepted();
        (got.len() >= 2).then_some(got)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let accepted = receiver.accepted().len().max(accepted.len());
    assert_eq!(accepted, 2, "each alert accepted once");
    let all = receiver.all();
    assert!(
        all.len() > accepted,
        "the first attempt failed and was retried"
    );
    assert_signed(&receiver, "whsec-test-secret", id);
    let rows = app.state.store.outbox_rows().await.unwrap_or_default();
    assert!(
        rows.iter().all(|r| r.delivered_at.is_some()),
        "nothing left undelivered"
    );
}
on_both!(webhooks_are_signed_retried_and_delivered_once);

/// Every accepted delivery carries a valid signature over its timestamp and body, and is an
/// alert of `ticket`.
fn assert_signed(receiver: &Receiver, secret: &str, ticket: i64) {
    for (headers, body) in receiver.accepted() {
        let sig = headers
            .get("x-helpdesk-signature")
            .cloned()
            .unwrap_or_default();
        let ts: i64 = sig
            .split(',')
            .next()
            .and_then(|t| t.strip_prefix("t="))
            .and_then(|t| t.parse().ok())
            .unwrap_or_default();
        assert_eq!(
            sig,
            helpdesk_api::delivery::Webhook::signature(secret, ts, body.as_bytes())
        );
        let v: Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(
            (v["type"].as_str(), v["alert"]["ticket_id"].as_i64()),
            (Some("alert.raised"), Some(ticket))
        );
    }
}

/// A receiver that hangs past the webhook timeout on the first attempts: they count as
/// failed and are retried, and once it answers each alert is accepted exactly once.
async fn a_webhook_that_times_out_is_retried_and_delivered_once(b: Backend) {
    let receiver = Receiver::start_faulty(Faults {
        hangs: 2,
        hang: std::time::Duration::from_secs(30),
        ..Faults::default()
    })
    .await;
    let url = receiver.url.clone();
    let app = TestApp::start_with(b, move |c| {
        c.webhook_url = Some(url);
        c.webhook_secret = Some("whsec-timeout".into());
        c.webhook_timeout = 1;
    })
    .await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    let id = import_old(&app, &admin, "hang", 3, json!([])).await;
    eventually("both alerts accepted", || async {
        (receiver.accepted().len() >= 2).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(receiver.accepted().len(), 2, "each alert accepted once");
    assert_eq!(receiver.all().len(), 4, "two attempts hung, two retries");
    assert_signed(&receiver, "whsec-timeout", id);
    let rows = app.state.store.outbox_rows().await.unwrap_or_default();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert!(r.delivered_at.is_some(), "{r:?}");
        assert_eq!(
            r.attempts, 1,
            "one timed-out attempt before the delivery: {r:?}"
        );
        assert!(
            r.last_error.as_deref().unwrap_or("").contains("within 1 s")
                || r.last_error
                    .as_deref()
                    .unwrap_or("")
                    .contains("request failed"),
            "{r:?}"
        );
    }
}
on_both!(a_webhook_that_times_out_is_retried_and_delivered_once);

/// Two instances deliver from one outbox to a slow receiver, with a lease far shorter than
/// twenty sends: a claim never outlives its lease, so no message is sent twice.
async fn outbox_claims_end_inside_their_lease(b: Backend) {
    let receiver = Receiver::start_faulty(Faults {
        delay: std::time::Duration::from_millis(500),
        ..Faults::default()
    })
    .await;
    let url = receiver.url.clone();
    // The instance's own delivery worker is left out: the test runs two by hand.
    let app = TestApp::start_custom(
        b,
        move |c| {
            c.webhook_url = Some(url);
            c.webhook_secret = Some("whsec-lease".into());
            c.webhook_timeout = 1;
        },
        |s| s.senders.clear(),
    )
    .await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    for i in 0..3 {
        import_old(&app, &admin, &format!("lease-{i}"), 3, json!([])).await;
    }
    let store = app.state.store.clone();
    eventually("six messages in the outbox", || async {
        (store.outbox_rows().await.unwrap_or_default().len() >= 6).then_some(())
    })
    .await;
    let sender = helpdesk_api::delivery::Sender::Webhook(
        helpdesk_api::delivery::Webhook::new(
            receiver.url.clone(),
            "whsec-lease".into(),
            std::time::Duration::from_secs(1),
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let workers = (0..2).map(|_| {
        let (store, sender) = (store.clone(), sender.clone());
        tokio::spawn(async move {
            for _ in 0..100 {
                let lease = std::time::Duration::from_secs(2);
                helpdesk_api::delivery::deliver_due_leased(&store, &sender, lease)
                    .await
                    .unwrap_or_else(|e| panic!("{e:#}"));
                let rows = store.outbox_rows().await.unwrap_or_default();
                if rows.iter().all(|r| r.delivered_at.is_some()) {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        })
    });
    futures::future::join_all(workers).await;
    let mut ids: Vec<String> = receiver
        .all()
        .iter()
        .filter_map(|(h, _, _)| h.get("x-helpdesk-delivery").cloned())
        .collect();
    ids.sort();
    let sent = ids.len();
    ids.dedup();
    assert_eq!((sent, ids.len()), (6, 6), "every message sent exactly once");
    assert!(
        store
            .outbox_rows()
            .await
            .unwrap_or_default()
            .iter()
            .all(|r| r.delivered_at.is_some() && r.lease_token.is_none())
    );
}
on_both!(outbox_claims_end_inside_their_lease);

/// A worker whose lease ran out cannot record an outcome over the instance that took the
/// message over: not "delivered", not "failed, retry later".
async fn a_lost_outbox_lease_cannot_record_the_outcome(b: Backend) {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let app = TestApp::start_custom(
        b,
        move |c| {
            c.webhook_url = Some(url);
            c.webhook_secret = Some("whsec-lost".into());
        },
        |s| s.senders.clear(),
    )
    .await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    import_old(&app, &admin, "lost", 3, json!([])).await;
    let store = &app.state.store;
    eventually("two messages in the outbox", || async {
        (store.outbox_rows().await.unwrap_or_default().len() >= 2).then_some(())
    })
    .await;
    fn ok<T>(r: Result<T, helpdesk_store::StoreError>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }
    let t0 = Utc::now();
    let lease = Duration::seconds(10);
    let first = ok(store
        .claim_outbox("webhook", t0, t0 + lease, 20, "first")
        .await);
    assert_eq!(first.len(), 2);
    // Within the lease nobody else gets them; after it, another instance does.
    let t1 = t0 + Duration::seconds(5);
    let none = ok(store
        .claim_outbox("webhook", t1, t1 + lease, 20, "second")
        .await);
    assert!(none.is_empty());
    let t2 = t0 + Duration::seconds(11);
    let second = ok(store
        .claim_outbox("webhook", t2, t2 + lease, 20, "second")
        .await);
    assert_eq!(second.len(), 2);

    // The first claim finishes late: neither outcome lands.
    let retry = Some(t2 + Duration::seconds(2));
    assert!(!ok(store.outbox_failed(&first[0], "late", retry, t2).await));
    assert!(!ok(store.outbox_delivered(&first[1], t2).await));
    let rows = ok(store.outbox_rows().await);
    for r in &rows {
        assert_eq!(
            (
                r.delivered_at,
                r.attempts,
                r.lease_token.as_deref(),
                r.next_attempt_at.timestamp()
            ),
            (None, 0, Some("second"), (t2 + lease).timestamp()),
            "the stale claim changed nothing"
        );
    }
    assert!(ok(store.outbox_delivered(&second[0], t2).await));
    assert!(ok(store.outbox_failed(&second[1], "500", retry, t2).await));
    // An outcome is recorded once.
    assert!(!ok(store.outbox_delivered(&second[0], t2).await));
    let rows = ok(store.outbox_rows().await);
    assert_eq!(
        rows.iter()
            .map(|r| (r.delivered_at.is_some(), r.attempts))
            .collect::<Vec<_>>(),
        vec![(true, 0), (false, 1)]
    );
}
on_both!(a_lost_outbox_lease_cannot_record_the_outcome);

/// The hourly purge forgets live events after a week and delivered messages after a month;
/// messages not delivered stay.
async fn the_hourly_purge_forgets_old_live_events_and_delivered_messages(b: Backend) {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let app = TestApp::start_custom(
        b,
        move |c| {
            c.webhook_url = Some(url);
            c.webhook_secret = Some("whsec-purge".into());
        },
        |s| s.senders.clear(),
    )
    .await;
    let admin = app.admin().await;
    one_hour_first_response(&app, &admin).await;
    import_old(&app, &admin, "purge", 3, json!([])).await;
    let store = &app.state.store;
    let rows = eventually("two messages in the outbox", || async {
        let rows = store.outbox_rows().await.unwrap_or_default();
        (rows.len() >= 2).then_some(rows)
    })
    .await;
    let now = Utc::now();
    let claimed = store
        .claim_outbox("webhook", now, now + Duration::seconds(60), 1, "t")
        .await
        .unwrap_or_default();
    assert_eq!(claimed.len(), 1);
    assert!(
        store
            .outbox_delivered(&claimed[0], now)
            .await
            .unwrap_or_default()
    );
    let live = || async {
        store
            .live_events_after(0, 1000)
            .await
            .unwrap_or_default()
            .len()
    };
    let events = live().await;
    assert!(events > 0);

    let state = &app.state;
    let purge = |at| async move {
        helpdesk_api::workers::purge(state, at)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
    };
    purge(now + Duration::days(6)).await;
    assert_eq!(live().await, events, "a week's live events stay resumable");
    assert_eq!(store.outbox_rows().await.unwrap_or_default().len(), 2);
    purge(now + Duration::days(8)).await;
    assert_eq!(live().await, 0, "live events older than a week are gone");
    assert_eq!(
        store.outbox_rows().await.unwrap_or_default().len(),
        2,
        "a delivered message stays a month"
    );
    purge(now + Duration::days(31)).await;
    let left: Vec<i64> = store
        .outbox_rows()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        left,
        vec![rows[1].id],
        "only the undelivered message is left"
    );
}
on_both!(the_hourly_purge_forgets_old_live_events_and_delivered_messages);

/// Business hours around the clock and a 1-hour first-response target, written to the store
/// directly so that no scan is woken by the change.
async fn one_hour_first_response_quietly(app: &TestApp) {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let weekly: Vec<Value> = days
        .iter()
        .map(|d| json!({"day": d, "open": "00:00", "close": "24:00"}))
        .collect();
    let store = &app.state.store;
    store
        .put_setting(
            "business_hours",
            &json!({"timezone": "UTC", "weekly": weekly, "holidays": []}),
            Utc::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let policy = json!([{"name": "Normal", "priority": "normal", "tier": null, "first_response_s": 3600, "next_response_s": null, "resolution_s": null, "hours": "business", "warn_at_pct": 80}]);
    store
        .put_setting("sla_policies", &policy, Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Imports one unanswered ticket created `age` ago without the API, whose import wakes the
/// background scanner, which would race a test for the ticket.
async fn import_quietly(app: &TestApp, ext: &str, age: Duration) -> i64 {
    let body = json!({"tickets": [{"external_id": ext, "subject": "Aplikasi error saat login", "body": "Tidak bisa login",
                       "category": "account", "priority": "normal", "channel": "web",
                       "customer": {"name": "Ayu", "email": format!("{ext}@example.com")},
                       "created_at": iso(Utc::now() - age), "events": []}]});
    let imported = helpdesk_api::import::import_bytes(
        &app.state.store,
        &app.state.settings.policy,
        body.to_string().as_bytes(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    imported.ticket_ids[0]
}

/// With the periodic scan an hour away, a new ticket (an agent's or a customer's) is due in
/// the queue the moment it exists, measured as it was written; an import, which may be
/// overdue already, wakes the scanner.
async fn new_tickets_are_due_at_once_and_imports_wake_the_sla_scanner(b: Backend) {
    let app = TestApp::start_with(b, |c| c.sla_scan_interval = 3600).await;
    let admin = app.admin().await;
    one_hour_first_response_quietly(&app).await;
    // Past the scan made at start-up.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let id = import_old(&app, &admin, "woken", 3, json!([])).await;
    let got = eventually("the imported ticket's alerts", || async {
        let l = levels(&alerts(&app, &admin, "all").await, id);
        (l.len() >= 2).then_some(l)
    })
    .await;
    assert_eq!(
        got,
        vec![
            ("first_response".to_owned(), "breach".to_owned()),
            ("first_response".to_owned(), "warning".to_owned())
        ]
    );

    let due_after_creation = |t: &Value| -> Option<i64> {
        let at = |k: &str| t[k].as_str()?.parse::<DateTime<Utc>>().ok();
        Some((at("sla_due_at")? - at("created_at")?).num_seconds())
    };
    let r = app
        .post(
            "/api/v1/tickets",
            Some(&admin),
            json!({"subject": "Telepon: tidak bisa login", "body": "Pelanggan menelepon.", "priority": "normal",
                   "customer": {"name": "Budi", "email": "budi@example.com"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        due_after_creation(&r.body["ticket"]),
        Some(3600),
        "the agent's ticket has its first-response target: {}",
        r.body
    );
    let (reference, _) = app.submit("ayu@example.com", "Pesanan belum sampai").await;
    let q = app
        .get(&format!("/api/v1/tickets?q={reference}"), Some(&admin))
        .await;
    let submitted = q.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["reference"] == reference.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        due_after_creation(&submitted),
        Some(3600),
        "the customer's ticket too: {}",
        q.body
    );
    let soon = app
        .get("/api/v1/tickets?due_within=120&sort=due", Some(&admin))
        .await;
    assert_eq!(
        soon.body["items"]
            .as_array()
            .map(|a| a.iter().filter(|t| t["id"] != id).count()),
        Some(2),
        "both are due within two hours: {}",
        soon.body
    );
}
on_both!(new_tickets_are_due_at_once_and_imports_wake_the_sla_scanner);

/// Two writes to the live log whose lower id becomes visible last — on PostgreSQL two
/// transactions that commit in the opposite order to their inserts; SQLite has one writer,
/// so there the higher id is written first by hand. Returns the visible row's id and the
/// commit still to come.
async fn out_of_order(
    app: &TestApp,
    db: &DatabaseConnection,
    early: &str,
    late: &str,
) -> (i64, Late) {
    if app.backend == Backend::Postgres {
        let held = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        probe(&held, None, late).await;
        let t = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let id = probe(&t, None, early).await;
        t.commit().await.unwrap_or_else(|e| panic!("{e}"));
        app.state.store.wake().notify_one();
        (id, Late::Txn(held))
    } else {
        let last = app
            .state
            .store
            .last_live_event_id()
            .await
            .unwrap_or_default();
        let id = probe(db, Some(last + 2), early).await;
        app.state.store.wake().notify_one();
        (id, Late::Row(last + 1, late.to_owned()))
    }
}

enum Late {
    Txn(DatabaseTransaction),
    Row(i64, String),
}

impl Late {
    async fn commit(self, app: &TestApp, db: &DatabaseConnection) {
        match self {
            Late::Txn(t) => t.commit().await.unwrap_or_else(|e| panic!("{e}")),
            Late::Row(id, name) => {
                probe(db, Some(id), &name).await;
            }
        }
        app.state.store.wake().notify_one();
    }
}

async fn probe(db: &impl ConnectionTrait, id: Option<i64>, name: &str) -> i64 {
    use helpdesk_store::entity::live_event;
    use sea_orm::ActiveValue::{NotSet, Set};
    live_event::ActiveModel {
        id: id.map_or(NotSet, Set),
        kind: Set("ticket".into()),
        ticket_id: Set(None),
        payload: Set(json!({"change": "probe", "probe": name})),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .id
}

fn probes(live: &SseClient) -> Vec<(String, String)> {
    live.received()
        .into_iter()
        .filter(|(_, _, v)| v["change"] == "probe")
        .map(|(id, _, v)| (id, v["probe"].as_str().unwrap_or("").to_owned()))
        .collect()
}

/// A live event whose id is lower than one already sent — its transaction committed later —
/// still reaches a connected client, once; and a client that resumes from an event sent
/// while that lower id was outstanding gets it too, and nothing twice.
async fn a_live_event_that_commits_late_is_sent_once(b: Backend) {
    let app = TestApp::start_with(b, |c| c.sla_scan_interval = 3600).await;
    let admin = app.admin().await;
    let db = sea_orm::Database::connect(&app.database_url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let live = SseClient::connect(&app.base, &admin, None).await;
    let (reference, _) = app.submit("ayu@example.com", "before").await;
    live.wait_for("created", |k, v| {
        k == "ticket" && v["reference"] == reference.as_str()
    })
    .await;

    let (early, late) = out_of_order(&app, &db, "second", "first").await;
    live.wait_for("the early commit", |_, v| v["probe"] == "second")
        .await;
    late.commit(&app, &db).await;
    live.wait_for("the late commit", |_, v| v["probe"] == "first")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let got = probes(&live);
    assert_eq!(
        got.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>(),
        vec!["second", "first"],
        "each once"
    );
    assert_eq!(
        got[0].0,
        format!("{early}:{}", early - 1),
        "the id says what is awaited"
    );
    assert_eq!(
        got[1].0,
        early.to_string(),
        "and that nothing is awaited any more"
    );

    // The same while the client is away: it resumes from an id that says what was awaited.
    let (_, late) = out_of_order(&app, &db, "fourth", "third").await;
    live.wait_for("the early commit", |_, v| v["probe"] == "fourth")
        .await;
    let resume_from = probes(&live)
        .last()
        .map(|(id, _)| id.clone())
        .unwrap_or_default();
    drop(live);
    late.commit(&app, &db).await;
    let back = SseClient::connect_after(&app.base, &admin, Some(&resume_from)).await;
    back.wait_for("the late commit after resuming", |_, v| {
        v["probe"] == "third"
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        probes(&back)
            .iter()
            .map(|(_, p)| p.as_str())
            .collect::<Vec<_>>(),
        vec!["third"],
        "nothing sent before is sent again"
    );
}
on_both!(a_live_event_that_commits_late_is_sent_once);

type Captured = Vec<(std::collections::HashMap<String, String>, String, bool)>;

/// A webhook receiver that answers 500 to its first `failures` requests, then 200.
pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Captured>>,
}

/// How a [`Receiver`] misbehaves.
#[derive(Clone, Copy, Default)]
pub struct Faults {
    /// The first requests answered 500.
    pub failures: usize,
    /// The first requests (after the failures) left hanging for `hang`, then answered 500.
    pub hangs: usize,
    pub hang: std::time::Duration,
    /// How long every accepted request takes.
    pub delay: std::time::Duration,
}

impl Receiver {
    pub async fn start(failures: usize) -> Receiver {
        Receiver::start_faulty(Faults {
            failures,
            ..Faults::default()
        })
        .await
    }

    pub async fn start_faulty(f: Faults) -> Receiver {
        use axum::http::HeaderMap;
        let log: Arc<Mutex<Captured>> = Arc::default();
        let sink = log.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let sink = sink.clone();
                async move {
                    let (ok, wait) = {
                        let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                        let n = log.len();
                        let ok = n >= f.failures + f.hangs;
                        let wait = if ok {
                            f.delay
                        } else if n >= f.failures {
                            f.hang
                        } else {
                            std::time::Duration::ZERO
                        };
                        let h = headers
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                            .collect();
                        log.push((h, body, ok));
                        (ok, wait)
                    };
                    tokio::time::sleep(wait).await;
                    if ok {
                        StatusCode::OK
                    } else {
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            log,
        }
    }

    pub fn all(&self) -> Captured {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn accepted(&self) -> Vec<(std::collections::HashMap<String, String>, String)> {
        self.all()
            .into_iter()
            .filter(|(_, _, ok)| *ok)
            .map(|(h, b, _)| (h, b))
            .collect()
    }
}

/// Recipients and the message text.
type Mail = (Vec<String>, String);

/// A minimal SMTP server that accepts every message and records its recipients and text.
struct FakeSmtp {
    port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl FakeSmtp {
    async fn start() -> FakeSmtp {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let sink = mails.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let sink = sink.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 fake ESMTP\r\n").await;
                    let (mut to, mut data, mut in_data) = (Vec::new(), String::new(), false);
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                sink.lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .push((std::mem::take(&mut to), std::mem::take(&mut data)));
                                let _ = w.write_all(b"250 OK queued\r\n").await;
                            } else {
                                data.push_str(&line);
                                data.push('\n');
                            }
                            continue;
                        }
                        let upper = line.to_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250 fake\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(
                                line[8..]
                                    .trim()
                                    .trim_matches(|c| c == '<' || c == '>')
                                    .to_owned(),
                            );
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            in_data = true;
                            b"354 go ahead\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        FakeSmtp { port, mails }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// With SMTP configured, the assignee hears of every alert and managers of breaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_emailed_to_the_assignee_and_managers() {
    let smtp = FakeSmtp::start().await;
    let port = smtp.port;
    let app = TestApp::start_with(Backend::Sqlite, move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.smtp_from = "Helpdesk <helpdesk@example.com>".into();
    })
    .await;
    let admin = app.admin().await;
    app.staff("budi@example.com", "agent").await;
    app.staff("rina@example.com", "manager").await;
    one_hour_first_response(&app, &admin).await;
    let assign = json!([{"at": iso(Utc::now() - Duration::minutes(170)), "type": "assign", "agent_email": "budi@example.com"}]);
    import_old(&app, &admin, "mail", 3, assign).await;
    let mails = eventually("two e-mails", || async {
        let m = smtp.mails();
        (m.len() >= 2).then_some(m)
    })
    .await;
    let warning = mails
        .iter()
        .find(|(_, text)| text.contains("[WARNING]"))
        .cloned()
        .unwrap_or_default();
    let breach = mails
        .iter()
        .find(|(_, text)| text.contains("[BREACH]"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(warning.0, vec!["budi@example.com"]);
    let mut to = breach.0.clone();
    to.sort();
    assert_eq!(
        to,
        vec!["admin@example.com", "budi@example.com", "rina@example.com"]
    );
    assert!(breach.1.contains("HD-1001"), "{}", breach.1);
}

/// A policy change marks every open ticket "check now". An evaluation that read the old rules
/// before the mark and writes after it must not overwrite the mark: the ticket would
/// otherwise wait for the next check the old rules gave it (here 18 minutes) although the new
/// rule already has it overdue. PostgreSQL only: there the evaluation can be held between its
/// read and its write by a row lock; SQLite's one writer leaves no such window to hold open.
async fn a_policy_change_during_an_evaluation_is_not_lost() {
    let app = TestApp::start_with(Backend::Postgres, |c| c.sla_scan_interval = 3600).await;
    one_hour_first_response_quietly(&app).await;
    let store = &app.state.store;
    let id = import_quietly(&app, "mark", Duration::minutes(30)).await;

    let db = sea_orm::Database::connect(&app.database_url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let held = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    held.execute_unprepared(&format!(
        "SELECT id FROM tickets WHERE id = {id} FOR UPDATE"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let sla = app.state.sla.clone();
    let evaluation = tokio::spawn(async move { sla.changed(id).await });
    // The evaluation has read the ticket and the one-hour rule, and waits to write.
    eventually("the evaluation to wait for the row lock", || async {
        let waiting = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE 'UPDATE tickets SET sla_next_check_at = v.column3%'",
            ))
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok());
        (waiting == Some(1)).then_some(())
    })
    .await;

    let ten_minutes = json!([{"name": "Normal", "priority": "normal", "tier": null, "first_response_s": 600, "next_response_s": null, "resolution_s": null, "hours": "business", "warn_at_pct": 80}]);
    store
        .put_setting("sla_policies", &ten_minutes, Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // What `mark_for_sla` does, inside the transaction that holds the row.
    held.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE tickets SET sla_next_check_at = $1 WHERE id = $2",
        [Utc::now().into(), id.into()],
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    held.commit().await.unwrap_or_else(|e| panic!("{e}"));
    evaluation.await.unwrap_or_else(|e| panic!("{e}"));

    let e = app
        .state
        .sla
        .scan(Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (e.tickets, e.raised),
        (1, 2),
        "the next scan measures the ticket under the ten-minute rule: warning and breach"
    );
}
mod a_policy_change_during_an_evaluation_is_not_lost {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_policy_change_during_an_evaluation_is_not_lost().await
    }
}
