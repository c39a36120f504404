//! The report's numbers against hand-computed expectations on a small imported week:
//! Europe/Berlin business hours (Mon–Fri 09:00–17:00) with a holiday on Friday 27 March 2026
//! and the change to summer time on Sunday 29 March.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Api, Backend, TestApp, eventually};
use crate::on_both;

const AGENT: &str = "budi@example.com";

fn msg(at: &str, author: &str, body: &str) -> Value {
    if author == "agent" {
        json!({"at": at, "type": "message", "author": "agent", "agent_email": AGENT, "internal": false, "body": body})
    } else {
        json!({"at": at, "type": "message", "author": "customer", "body": body})
    }
}

fn status(at: &str, to: &str) -> Value {
    json!({"at": at, "type": "status", "to": to})
}

fn ticket(ext: &str, email: &str, priority: &str, created: &str, events: Vec<Value>) -> Value {
    json!({"external_id": ext, "subject": format!("Ticket {ext}"), "body": "Tolong dibantu", "category": "delivery", "priority": priority,
           "channel": "email", "customer": {"name": ext, "email": email}, "created_at": created, "events": events})
}

fn survey(at: &str, csat: i64, ces: Option<i64>, nps: i64, comment: &str) -> Value {
    json!({"at": at, "type": "survey", "csat": csat, "ces": ces, "nps": nps, "comment": comment})
}

async fn load_week(app: &Api, admin: &str) -> Vec<i64> {
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({"day": d, "open": "09:00", "close": "17:00"}))
        .collect();
    let r = app
        .put(
            "/api/v1/business-hours",
            Some(admin),
            json!({"timezone": "Europe/Berlin", "weekly": weekly, "holidays": ["2026-03-27"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let tickets = json!([
        // T1: 2 h to resolve, 1 h to respond.
        ticket(
            "t1",
            "sari@example.com",
            "high",
            "2026-03-23T08:00:00Z",
            vec![
                msg("2026-03-23T09:00:00Z", "agent", "On it"),
                status("2026-03-23T10:00:00Z", "resolved"),
                survey("2026-03-23T11:00:00Z", 5, Some(6), 10, "Cepat sekali"),
            ]
        ),
        // T2: waits on the customer overnight; same customer as T1 (a repeat contact).
        ticket(
            "t2",
            "sari@example.com",
            "high",
            "2026-03-23T14:00:00Z",
            vec![
                msg("2026-03-23T15:00:00Z", "agent", "Order number?"),
                status("2026-03-23T15:00:00Z", "pending"),
                msg("2026-03-24T09:00:00Z", "customer", "#123"),
                status("2026-03-24T10:00:00Z", "resolved"),
                survey("2026-03-24T12:00:00Z", 2, Some(3), 4, "Lambat"),
            ]
        ),
        // T3: across the holiday, the weekend and the clock change.
        ticket(
            "t3",
            "budi.c@example.com",
            "normal",
            "2026-03-26T15:00:00Z",
            vec![
                msg("2026-03-30T07:30:00Z", "agent", "Sorry for the wait"),
                status("2026-03-30T08:00:00Z", "resolved"),
                survey("2026-03-30T09:00:00Z", 4, None, 9, ""),
            ]
        ),
        // T4: resolved, reopened by the customer, resolved again.
        ticket(
            "t4",
            "dewi@example.com",
            "normal",
            "2026-03-24T08:00:00Z",
            vec![
                msg("2026-03-24T09:00:00Z", "agent", "Fixed"),
                status("2026-03-24T09:00:00Z", "resolved"),
                msg("2026-03-24T12:00:00Z", "customer", "Still broken"),
                status("2026-03-25T08:00:00Z", "resolved"),
            ]
        ),
        // T5: never answered, still open.
        ticket(
            "t5",
            "andi@example.com",
            "normal",
            "2026-03-25T08:00:00Z",
            vec![]
        ),
        // T6: a duplicate.
        ticket(
            "t6",
            "maya@example.com",
            "normal",
            "2026-03-25T09:00:00Z",
            vec![
                json!({"at": "2026-03-25T09:30:00Z", "type": "status", "to": "closed", "reason": "duplicate"})
            ]
        ),
        // T7: 30 minutes to respond, 4 h to resolve.
        ticket(
            "t7",
            "rina@example.com",
            "normal",
            "2026-03-26T08:00:00Z",
            vec![
                msg("2026-03-26T08:30:00Z", "agent", "Checking"),
                status("2026-03-26T12:00:00Z", "resolved"),
                survey("2026-03-26T13:00:00Z", 3, Some(5), 7, "ok"),
            ]
        ),
    ]);
    let r = app.import(admin, tickets).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["ticket_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect()
}

const RANGE: &str = "from=2026-03-23&to=2026-03-31";

fn group<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["key"] == key))
        .unwrap_or(&Value::Null)
}

async fn ttr_figures_match_hand_computation(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    load_week(&app, &admin).await;
    // The SLA outcome is kept by the alert engine; wait until it has seen every ticket.
    let cal = eventually("SLA outcomes", || async {
        let r = app
            .get(&format!("/api/v1/reports/ttr?{RANGE}"), Some(&admin))
            .await;
        let sla = &r.body["groups"][0]["sla"];
        (sla["met"].as_i64().unwrap_or(0) + sla["breached"].as_i64().unwrap_or(0) == 6)
            .then_some(r.body)
    })
    .await;
    let all = group(&cal, "all");
    assert_eq!(
        (
            all["tickets"].as_i64(),
            all["resolved"].as_i64(),
            all["excluded"].as_i64()
        ),
        (Some(7), Some(5), Some(1)),
        "{all}"
    );
    assert_eq!(
        all["ttr"],
        json!({"median_s": 72000, "mean_s": 100080, "p90_s": 320400, "km_median_s": 72000})
    );
    assert_eq!(
        all["frt"],
        json!({"responded": 5, "median_s": 3600, "mean_s": 66240, "p90_s": 318600})
    );
    assert_eq!(
        all["sla"],
        json!({"met": 5, "breached": 1, "met_pct": 83.3})
    );
    assert_eq!(all["repeat_contact_pct"], 14.3);
    assert_eq!(cal["hours"], "calendar");

    let biz = app
        .get(
            &format!("/api/v1/reports/ttr?{RANGE}&hours=business"),
            Some(&admin),
        )
        .await
        .body;
    let all = group(&biz, "all");
    assert_eq!(
        all["ttr"],
        json!({"median_s": 14400, "mean_s": 14400, "p90_s": 28800, "km_median_s": 14400})
    );
    assert_eq!(
        all["frt"],
        json!({"responded": 5, "median_s": 3600, "mean_s": 3600, "p90_s": 5400})
    );

    // An even count takes the lower middle value (nearest rank), never an average.
    let by_priority = app
        .get(
            &format!("/api/v1/reports/ttr?{RANGE}&group_by=priority"),
            Some(&admin),
        )
        .await
        .body;
    assert_eq!(
        group(&by_priority, "high")["ttr"],
        json!({"median_s": 7200, "mean_s": 39600, "p90_s": 72000, "km_median_s": 7200})
    );
    assert_eq!(group(&by_priority, "normal")["tickets"], 5);
    let by_day = app
        .get(
            &format!("/api/v1/reports/ttr?{RANGE}&group_by=day"),
            Some(&admin),
        )
        .await
        .body;
    let days: Vec<&str> = by_day["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["key"].as_str())
        .collect();
    assert_eq!(
        days,
        vec!["2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26"]
    );
    let by_agent = app
        .get(
            &format!("/api/v1/reports/ttr?{RANGE}&group_by=agent"),
            Some(&admin),
        )
        .await
        .body;
    let keys: Vec<String> = by_agent["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| format!("{}:{}", g["label"].as_str().unwrap_or("-"), g["tickets"]))
        .collect();
    assert_eq!(keys.len(), 1, "nobody was assigned: {keys:?}");
}
on_both!(ttr_figures_match_hand_computation);

async fn csv_export_and_drill_down(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let ids = load_week(&app, &admin).await;
    let res = app
        .client
        .get(format!(
            "{}/api/v1/reports/ttr?{RANGE}&group_by=priority&hours=business&format=csv",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let text = res.text().await.unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("key,label,tickets,resolved,excluded,ttr_median_s,ttr_mean_s,ttr_p90_s,ttr_km_median_s,frt_responded"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("high,,2,2,0,7200,10800,14400,7200,2,3600,3600,3600"),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 3);

    let page = app
        .get(
            &format!("/api/v1/reports/ttr/tickets?{RANGE}&group_by=priority&key=high"),
            Some(&admin),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let items = page.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2);
    let t2 = items
        .iter()
        .find(|t| t["id"] == ids[1])
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            t2["resolution_s"].as_i64(),
            t2["resolution_business_s"].as_i64()
        ),
        (Some(72000), Some(14400))
    );
    // The night in pending is not waiting: new 1 h, open 1 h.
    assert_eq!(
        (
            t2["requester_wait_s"].as_i64(),
            t2["requester_wait_business_s"].as_i64()
        ),
        (Some(7200), Some(7200))
    );
    assert_eq!(t2["repeat_contact"], true);
    let t4 = app
        .get(
            &format!("/api/v1/reports/ttr/tickets?{RANGE}&limit=1000"),
            Some(&admin),
        )
        .await
        .body["items"]
        .as_array()
        .and_then(|i| i.iter().find(|t| t["id"] == ids[3]).cloned())
        .unwrap_or_default();
    assert_eq!(
        (
            t4["reopen_count"].as_i64(),
            t4["first_resolution_s"].as_i64(),
            t4["resolution_s"].as_i64()
        ),
        (Some(1), Some(3600), Some(86400))
    );

    let first = app
        .get(
            &format!("/api/v1/reports/ttr/tickets?{RANGE}&limit=4"),
            Some(&admin),
        )
        .await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rest = app
        .get(
            &format!("/api/v1/reports/ttr/tickets?{RANGE}&limit=4&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    assert_eq!(
        first.body["items"].as_array().map(Vec::len).unwrap_or(0)
            + rest.body["items"].as_array().map(Vec::len).unwrap_or(0),
        7
    );
    assert!(rest.body["next_cursor"].is_null());

    let csv = app
        .client
        .get(format!(
            "{}/api/v1/reports/ttr/tickets?{RANGE}&format=csv",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text = csv.text().await.unwrap_or_default();
    assert_eq!(text.lines().count(), 8, "a header and seven tickets");
    assert!(
        text.lines()
            .next()
            .unwrap_or("")
            .contains("requester_wait_business_s")
    );
}
on_both!(csv_export_and_drill_down);

async fn bad_report_parameters_are_422(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let r = app.get("/api/v1/reports/ttr?from=2026-03-10&to=2026-03-01&group_by=planet&hours=lunar&format=xml", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.fields(), vec!["from", "group_by", "hours", "format"]);
    let r = app
        .get(
            "/api/v1/reports/ttr?from=2020-01-01&to=2026-01-01",
            Some(&admin),
        )
        .await;
    assert_eq!(r.fields(), vec!["to"], "more than two years");
    let r = app
        .get("/api/v1/reports/ttr?from=yesterday", Some(&admin))
        .await;
    assert_eq!(r.fields(), vec!["from"]);
    let r = app
        .get("/api/v1/reports/ttr/tickets?group_by=agent", Some(&admin))
        .await;
    assert_eq!(r.fields(), vec!["key"]);
    let (_, agent) = app.staff("agent@example.com", "agent").await;
    assert_eq!(
        app.get("/api/v1/reports/ttr", Some(&agent)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/reports/cx", Some(&agent)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/customers/at-risk", Some(&agent))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let empty = app.get("/api/v1/reports/ttr", Some(&admin)).await;
    assert_eq!(
        empty.body["groups"][0]["tickets"], 0,
        "an empty cohort still answers its one group"
    );
}
on_both!(bad_report_parameters_are_422);

async fn customer_experience_and_customers_at_risk(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    load_week(&app, &admin).await;
    let cx = app
        .get(&format!("/api/v1/reports/cx?{RANGE}"), Some(&admin))
        .await;
    assert_eq!(cx.status, StatusCode::OK, "{}", cx.body);
    let g = &cx.body["groups"][0];
    assert_eq!(
        (
            g["resolved"].as_i64(),
            g["responses"].as_i64(),
            g["response_rate"].as_f64(),
            g["csat_pct"].as_f64(),
            g["ces_avg"].as_f64(),
            g["nps"].as_f64()
        ),
        (
            Some(5),
            Some(4),
            Some(80.0),
            Some(50.0),
            Some(4.67),
            Some(25.0)
        )
    );
    assert_eq!(g["csat_counts"], json!([0, 1, 1, 1, 1]));
    let comments: Vec<&str> = cx.body["comments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["comment"].as_str())
        .collect();
    assert_eq!(
        comments,
        vec!["ok", "Lambat", "Cepat sekali"],
        "newest first, empty ones left out"
    );

    let risk = eventually("the breach is known", || async {
        let r = app
            .get("/api/v1/customers/at-risk?days=365", Some(&admin))
            .await;
        (r.body["items"].as_array().map(Vec::len) == Some(2)).then_some(r.body)
    })
    .await;
    let first = &risk["items"][0];
    assert_eq!(
        (first["email"].as_str(), first["score"].as_i64()),
        (Some("sari@example.com"), Some(45))
    );
    let reasons: Vec<&str> = first["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(reasons[0], "2 complaints in 365 days");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("rated CSAT 2/5 on HD-")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("NPS detractor (4/10)")),
        "{reasons:?}"
    );
    let second = &risk["items"][1];
    assert_eq!(
        (second["email"].as_str(), second["score"].as_i64()),
        (Some("andi@example.com"), Some(25))
    );
}
on_both!(customer_experience_and_customers_at_risk);
