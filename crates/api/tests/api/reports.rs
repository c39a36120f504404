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

    // The breach comes from the SLA engine and the repeat from the recurring index, both
    // after the import.
    let risk = eventually("the breach and the repeat are known", || async {
        let r = app
            .get("/api/v1/customers/at-risk?days=365", Some(&admin))
            .await;
        (r.body["items"].as_array().map(Vec::len) == Some(2) && r.body["items"][0]["score"] == 45)
            .then_some(r.body)
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
    assert_eq!(
        reasons[0],
        "complained about the same problem again 1 time in 365 days"
    );
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

fn closed(at: &str, reason: &str) -> Value {
    json!({"at": at, "type": "status", "to": "closed", "reason": reason})
}

/// A ticket with its own category (`None`: uncategorized) and channel.
fn ticket_in(
    ext: &str,
    email: &str,
    category: Option<&str>,
    channel: &str,
    created: &str,
    events: Vec<Value>,
) -> Value {
    json!({"external_id": ext, "subject": format!("Ticket {ext}"), "body": "Tolong dibantu", "category": category, "priority": "normal",
           "channel": channel, "customer": {"name": ext, "email": email}, "created_at": created, "events": events})
}

async fn import_ok(app: &Api, admin: &str, tickets: Value) -> Vec<i64> {
    let r = app.import(admin, tickets).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["ticket_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect()
}

async fn kaplan_meier_censors_unresolved_tickets(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    import_ok(
        &app,
        &admin,
        json!([
            // Monday 6 April 2026 (calendar seconds; the query runs months later).
            ticket(
                "k1",
                "k1@example.com",
                "normal",
                "2026-04-06T08:00:00Z",
                vec![status("2026-04-06T09:00:00Z", "resolved")]
            ),
            // Closed as `other` without resolution: censored at its close, 30 min.
            ticket(
                "k2",
                "k2@example.com",
                "normal",
                "2026-04-06T08:10:00Z",
                vec![closed("2026-04-06T08:40:00Z", "other")]
            ),
            ticket(
                "k3",
                "k3@example.com",
                "normal",
                "2026-04-06T08:20:00Z",
                vec![status("2026-04-06T10:20:00Z", "resolved")]
            ),
            // Still open, and waiting on the customer: both censored at the query.
            ticket(
                "k4",
                "k4@example.com",
                "normal",
                "2026-04-06T08:30:00Z",
                vec![]
            ),
            ticket(
                "k5",
                "k5@example.com",
                "normal",
                "2026-04-06T08:40:00Z",
                vec![
                    msg("2026-04-06T09:00:00Z", "agent", "Nomor pesanan?"),
                    status("2026-04-06T09:00:00Z", "pending")
                ]
            ),
            // Wednesday 8 April.
            ticket(
                "n1",
                "n1@example.com",
                "normal",
                "2026-04-08T08:00:00Z",
                vec![status("2026-04-08T08:30:00Z", "resolved")]
            ),
            // Resolved after 2 h, then reopened by the customer: no TTR now, censored.
            ticket(
                "n2",
                "n2@example.com",
                "normal",
                "2026-04-08T08:10:00Z",
                vec![
                    status("2026-04-08T10:10:00Z", "resolved"),
                    msg("2026-04-08T11:00:00Z", "customer", "Masih rusak")
                ]
            ),
            ticket(
                "n3",
                "n3@example.com",
                "normal",
                "2026-04-08T08:20:00Z",
                vec![]
            ),
        ]),
    )
    .await;
    let r = app
        .get(
            "/api/v1/reports/ttr?from=2026-04-06&to=2026-04-09&group_by=day",
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // 6 April, by hand. Observations (s): k2 censored at 1800, k1 resolved at 3600, k3
    // resolved at 7200, k4 and k5 censored at the query (months).
    //   t = 1800: k2 leaves, nobody resolved; at risk 5 -> 4.
    //   t = 3600: 1 of 4 resolved: S = 3/4.               at risk 4 -> 3.
    //   t = 7200: 1 of 3 resolved: S = 3/4 * 2/3 = 1/2 <= 0.5: KM median = 7200.
    // The resolved tickets alone, [3600, 7200], have the nearest-rank median 3600 (rank
    // ceil(0.5 * 2) = 1): the open backlog moves the median from 1 h to 2 h. Censoring k2 at
    // the query instead of its close would give S(3600) = 4/5, S(7200) = 3/5: no median.
    let day1 = group(&r.body, "2026-04-06");
    assert_eq!(
        (
            day1["tickets"].as_i64(),
            day1["resolved"].as_i64(),
            day1["excluded"].as_i64()
        ),
        (Some(5), Some(2), Some(0)),
        "{day1}"
    );
    assert_eq!(
        day1["ttr"],
        json!({"median_s": 3600, "mean_s": 5400, "p90_s": 7200, "km_median_s": 7200})
    );

    // 8 April, by hand. n1 resolved at 1800; n2 (reopened, unresolved now) and n3 censored at
    // the query. t = 1800: 1 of 3 resolved: S = 2/3, and no later resolution: S never falls
    // to 0.5, so the KM median is null while the median of the resolved ticket is 1800. (Had
    // n2 kept its first resolution at 7200: S(7200) = 2/3 * 1/2 = 1/3 -> 7200.)
    let day3 = group(&r.body, "2026-04-08");
    assert_eq!(
        (day3["tickets"].as_i64(), day3["resolved"].as_i64()),
        (Some(3), Some(1)),
        "{day3}"
    );
    assert_eq!(
        day3["ttr"],
        json!({"median_s": 1800, "mean_s": 1800, "p90_s": 1800, "km_median_s": null})
    );
}
on_both!(kaplan_meier_censors_unresolved_tickets);

async fn repeat_contacts_look_back_before_the_cohort(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let ids = import_ok(
        &app,
        &admin,
        json!([
            // a: the earlier ticket is 16 days before `from`'s cohort ticket and before `from`.
            ticket(
                "a0",
                "a@example.com",
                "normal",
                "2026-05-20T10:00:00Z",
                vec![]
            ),
            ticket(
                "a1",
                "a@example.com",
                "normal",
                "2026-06-05T10:00:00Z",
                vec![]
            ),
            // b: 31 days earlier: not a repeat.
            ticket(
                "b0",
                "b@example.com",
                "normal",
                "2026-05-01T10:00:00Z",
                vec![]
            ),
            ticket(
                "b1",
                "b@example.com",
                "normal",
                "2026-06-01T10:00:00Z",
                vec![]
            ),
            // d: exactly 30 days earlier: a repeat ("within the previous 30 days").
            ticket(
                "d0",
                "d@example.com",
                "normal",
                "2026-05-06T10:00:00Z",
                vec![]
            ),
            ticket(
                "d1",
                "d@example.com",
                "normal",
                "2026-06-05T10:00:00Z",
                vec![]
            ),
            // s: two tickets at the same instant: the second repeats the first, not both.
            ticket(
                "s1",
                "s@example.com",
                "normal",
                "2026-06-10T10:00:00Z",
                vec![]
            ),
            ticket(
                "s2",
                "s@example.com",
                "normal",
                "2026-06-10T10:00:00Z",
                vec![]
            ),
        ]),
    )
    .await;
    let range = "from=2026-06-01&to=2026-07-01";
    let r = app
        .get(&format!("/api/v1/reports/ttr?{range}"), Some(&admin))
        .await;
    let all = group(&r.body, "all");
    assert_eq!(all["tickets"], 5, "{all}");
    // a1, d1 and s2 of five.
    assert_eq!(all["repeat_contact_pct"], 60.0, "{all}");
    let page = app
        .get(
            &format!("/api/v1/reports/ttr/tickets?{range}&limit=1000"),
            Some(&admin),
        )
        .await;
    let repeats: Vec<(i64, bool)> = page.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| (t["id"].as_i64().unwrap_or(0), t["repeat_contact"] == true))
        .collect();
    assert_eq!(
        repeats,
        vec![
            (ids[1], true),
            (ids[3], false),
            (ids[5], true),
            (ids[6], false),
            (ids[7], true)
        ]
    );
}
on_both!(repeat_contacts_look_back_before_the_cohort);

/// The repeat flag is kept on each ticket when it is created. An older ticket imported later
/// makes a later one a repeat; the 30-day bound holds to the sub-second; a live submission
/// repeats an imported ticket of the day before; and the SQL that fills the flag for
/// databases from before it existed (the migration) agrees with the flags kept live.
async fn repeat_flags_follow_later_imports_and_match_the_backfill(b: Backend) {
    use helpdesk_store::sea_orm::ConnectionTrait;
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let first = import_ok(
        &app,
        &admin,
        json!([
            ticket(
                "x1",
                "x@example.com",
                "normal",
                "2026-06-10T10:00:00Z",
                vec![]
            ),
            ticket(
                "e1",
                "e@example.com",
                "normal",
                "2026-06-20T10:00:00.5Z",
                vec![]
            ),
            ticket(
                "f1",
                "f@example.com",
                "normal",
                "2026-06-20T10:00:00.4Z",
                vec![]
            ),
            ticket(
                "g1",
                "g@example.com",
                "normal",
                "2026-06-20T10:00:00.5Z",
                vec![]
            ),
            ticket("h0", "h@example.com", "normal", &yesterday, vec![]),
        ]),
    )
    .await;
    let second = import_ok(
        &app,
        &admin,
        json!([
            // Older than x1 by nine days: x1 becomes a repeat.
            ticket(
                "x0",
                "x@example.com",
                "normal",
                "2026-06-01T10:00:00Z",
                vec![]
            ),
            // Exactly 30 days before e1: a repeat.
            ticket(
                "e0",
                "e@example.com",
                "normal",
                "2026-05-21T10:00:00.5Z",
                vec![]
            ),
            // 0.1 s less than 30 days before f1: a repeat.
            ticket(
                "f0",
                "f@example.com",
                "normal",
                "2026-05-21T10:00:00.5Z",
                vec![]
            ),
            // 0.1 s more than 30 days before g1: not.
            ticket(
                "g0",
                "g@example.com",
                "normal",
                "2026-05-21T10:00:00.4Z",
                vec![]
            ),
        ]),
    )
    .await;
    let (live, _) = app.submit("h@example.com", "Again").await;
    let live = Api::id_of(&live);
    let flags = || async {
        let to = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d");
        let page = app
            .get(
                &format!("/api/v1/reports/ttr/tickets?from=2026-05-01&to={to}&limit=1000"),
                Some(&admin),
            )
            .await;
        let mut flags: Vec<(i64, bool)> = page.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| (t["id"].as_i64().unwrap_or(0), t["repeat_contact"] == true))
            .collect();
        flags.sort_unstable();
        flags
    };
    let kept = flags().await;
    let mut expected = vec![
        (first[0], true),
        (first[1], true),
        (first[2], true),
        (first[3], false),
        (first[4], false),
        (second[0], false),
        (second[1], false),
        (second[2], false),
        (second[3], false),
        (live, true),
    ];
    expected.sort_unstable();
    assert_eq!(kept, expected);
    app.state
        .store
        .read()
        .execute_unprepared("UPDATE tickets SET repeat_contact = FALSE")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(flags().await.iter().all(|(_, r)| !r));
    app.state
        .store
        .backfill_repeat_contacts()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flags().await, expected);
}
on_both!(repeat_flags_follow_later_imports_and_match_the_backfill);

async fn cx_response_rate_counts_reopened_answered_tickets(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    import_ok(
        &app,
        &admin,
        json!([
            // Answered, then reopened by the customer: not resolved now, but it was offered
            // the survey and its answer stays.
            ticket(
                "x1",
                "x1@example.com",
                "normal",
                "2026-07-06T08:00:00Z",
                vec![
                    status("2026-07-06T09:00:00Z", "resolved"),
                    survey("2026-07-06T09:30:00Z", 5, Some(6), 9, "mantap"),
                    msg("2026-07-06T10:00:00Z", "customer", "Eh, masih error"),
                ]
            ),
            ticket(
                "x2",
                "x2@example.com",
                "normal",
                "2026-07-06T08:10:00Z",
                vec![
                    status("2026-07-06T09:00:00Z", "resolved"),
                    survey("2026-07-06T09:30:00Z", 2, Some(2), 3, ""),
                    msg("2026-07-06T10:00:00Z", "customer", "Belum beres"),
                ]
            ),
            // Resolved, not answered.
            ticket(
                "x3",
                "x3@example.com",
                "normal",
                "2026-07-06T08:20:00Z",
                vec![status("2026-07-06T09:00:00Z", "resolved")]
            ),
            // Never resolved: never offered the survey.
            ticket(
                "x4",
                "x4@example.com",
                "normal",
                "2026-07-06T08:30:00Z",
                vec![]
            ),
        ]),
    )
    .await;
    let cx = app
        .get(
            "/api/v1/reports/cx?from=2026-07-06&to=2026-07-07",
            Some(&admin),
        )
        .await;
    assert_eq!(cx.status, StatusCode::OK, "{}", cx.body);
    let g = &cx.body["groups"][0];
    // Offered: x1, x2, x3 (ever resolved); answered: x1, x2. 2/3 = 66.7 %, where counting only
    // tickets resolved now would give 2/1 = 200 %.
    assert_eq!(
        (
            g["resolved"].as_i64(),
            g["responses"].as_i64(),
            g["response_rate"].as_f64(),
            g["csat_pct"].as_f64(),
            g["nps"].as_f64()
        ),
        (Some(3), Some(2), Some(66.7), Some(50.0), Some(0.0)),
        "{g}"
    );
}
on_both!(cx_response_rate_counts_reopened_answered_tickets);

async fn spam_duplicates_and_merged_are_not_complaints(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let at = |days_ago: i64, hours: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago) + chrono::Duration::hours(hours))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    import_ok(
        &app,
        &admin,
        json!([
            // One real complaint, rated CSAT 2 (20 points), and three that were not complaints.
            ticket(
                "e1",
                "eka@example.com",
                "normal",
                &at(10, 0),
                vec![
                    status(&at(10, 1), "resolved"),
                    json!({"at": at(10, 2), "type": "survey", "csat": 2}),
                ]
            ),
            ticket(
                "e2",
                "eka@example.com",
                "normal",
                &at(9, 0),
                vec![closed(&at(9, 1), "duplicate")]
            ),
            ticket(
                "e3",
                "eka@example.com",
                "normal",
                &at(8, 0),
                vec![closed(&at(8, 1), "merged")]
            ),
            ticket(
                "e4",
                "eka@example.com",
                "normal",
                &at(7, 0),
                vec![closed(&at(7, 1), "spam")]
            ),
            // Only spam: three tickets would otherwise be 20 points and a listing.
            ticket(
                "s1",
                "spam@example.com",
                "normal",
                &at(6, 0),
                vec![closed(&at(6, 1), "spam")]
            ),
            ticket(
                "s2",
                "spam@example.com",
                "normal",
                &at(5, 0),
                vec![closed(&at(5, 1), "spam")]
            ),
            ticket(
                "s3",
                "spam@example.com",
                "normal",
                &at(4, 0),
                vec![closed(&at(4, 1), "spam")]
            ),
        ]),
    )
    .await;
    let r = app.get("/api/v1/customers/at-risk", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        (
            items[0]["email"].as_str(),
            items[0]["score"].as_i64(),
            items[0]["tickets"].as_i64()
        ),
        (Some("eka@example.com"), Some(20), Some(1))
    );
    let codes: Vec<&str> = items[0]["signals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["low_csat"], "no repeat_complaints signal");

    let r = app
        .get("/api/v1/customers/at-risk?days=abc", Some(&admin))
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["days".to_string()])
    );
    let r = app
        .get("/api/v1/customers/at-risk?days=0", Some(&admin))
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["days".to_string()])
    );
}
on_both!(spam_duplicates_and_merged_are_not_complaints);

async fn a_date_whose_midnight_is_skipped_starts_after_the_gap(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({"day": d, "open": "09:00", "close": "17:00"}))
        .collect();
    let r = app
        .put(
            "/api/v1/business-hours",
            Some(&admin),
            json!({"timezone": "America/Santiago", "weekly": weekly, "holidays": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Chile moves from UTC-4 to UTC-3 at midnight starting Sunday 6 September 2026: local
    // 00:00-00:59 does not exist, and the day begins at 01:00 -03 = 04:00 UTC.
    import_ok(
        &app,
        &admin,
        json!([
            ticket(
                "g0",
                "g0@example.com",
                "normal",
                "2026-09-06T03:59:00Z",
                vec![]
            ), // 23:59 on the 5th
            ticket(
                "g1",
                "g1@example.com",
                "normal",
                "2026-09-06T04:00:00Z",
                vec![]
            ), // 01:00 on the 6th
        ]),
    )
    .await;
    let r = app
        .get(
            "/api/v1/reports/ttr?from=2026-09-06&to=2026-09-07&group_by=day",
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["from"].as_str(), r.body["to"].as_str()),
        (Some("2026-09-06T04:00:00Z"), Some("2026-09-07T03:00:00Z"))
    );
    assert_eq!(group(&r.body, "2026-09-06")["tickets"], 1, "{}", r.body);
    let r = app
        .get(
            "/api/v1/reports/ttr?from=2026-09-05&to=2026-09-06",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (r.status, r.body["to"].as_str()),
        (StatusCode::OK, Some("2026-09-06T04:00:00Z"))
    );
    assert_eq!(group(&r.body, "all")["tickets"], 1, "g0 only");
}
on_both!(a_date_whose_midnight_is_skipped_starts_after_the_gap);

async fn other_groupings_match_hand_computation(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    // UTC business calendar (the default). ISO week 1 of 2026 runs from Monday 29 December 2025.
    import_ok(
        &app,
        &admin,
        json!([
            ticket_in(
                "a",
                "a@example.com",
                Some("billing"),
                "email",
                "2025-12-29T10:00:00Z",
                vec![status("2025-12-29T11:00:00Z", "resolved")]
            ), // 3600
            ticket_in(
                "b",
                "b@example.com",
                Some("billing"),
                "phone",
                "2026-01-02T10:00:00Z",
                vec![status("2026-01-02T13:00:00Z", "resolved")]
            ), // 10800
            ticket_in(
                "c",
                "c@example.com",
                Some("delivery"),
                "phone",
                "2026-01-05T10:00:00Z",
                vec![status("2026-01-05T12:00:00Z", "resolved")]
            ), // 7200
            ticket_in(
                "d",
                "d@example.com",
                None,
                "chat",
                "2026-01-06T10:00:00Z",
                vec![]
            ), // open
        ]),
    )
    .await;
    let report = |by: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let r = app
                .get(
                    &format!("/api/v1/reports/ttr?from=2025-12-29&to=2026-02-01&group_by={by}"),
                    Some(admin),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.body
        }
    };
    let keys = |r: &Value| -> Vec<String> {
        r["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g["key"].as_str().map(str::to_owned))
            .collect()
    };

    let by = report("category").await;
    assert_eq!(keys(&by), vec!["billing", "delivery", "uncategorized"]);
    // billing: [3600, 10800]: median rank ceil(1) = 1 -> 3600, mean 7200, p90 rank 2.
    assert_eq!(
        group(&by, "billing")["ttr"],
        json!({"median_s": 3600, "mean_s": 7200, "p90_s": 10800, "km_median_s": 3600})
    );
    assert_eq!(
        (
            group(&by, "uncategorized")["tickets"].as_i64(),
            group(&by, "uncategorized")["resolved"].as_i64()
        ),
        (Some(1), Some(0))
    );

    let by = report("channel").await;
    assert_eq!(keys(&by), vec!["chat", "email", "phone"]);
    // phone: [7200, 10800]: median 7200, mean 9000.
    assert_eq!(
        group(&by, "phone")["ttr"],
        json!({"median_s": 7200, "mean_s": 9000, "p90_s": 10800, "km_median_s": 7200})
    );

    let by = report("week").await;
    assert_eq!(
        keys(&by),
        vec!["2026-W01", "2026-W02"],
        "29 Dec 2025 is in 2026-W01"
    );
    assert_eq!(group(&by, "2026-W01")["tickets"], 2);
    // W02: c resolved at 7200, d open (censored at the query): S(7200) = 1/2 -> KM 7200.
    assert_eq!(
        group(&by, "2026-W02")["ttr"],
        json!({"median_s": 7200, "mean_s": 7200, "p90_s": 7200, "km_median_s": 7200})
    );

    let by = report("month").await;
    assert_eq!(keys(&by), vec!["2025-12", "2026-01"]);
    // January: b 10800 and c 7200 resolved, d open: S(7200) = 2/3, S(10800) = 1/3 -> 10800,
    // while the median of the resolved pair is 7200.
    assert_eq!(
        group(&by, "2026-01")["ttr"],
        json!({"median_s": 7200, "mean_s": 9000, "p90_s": 10800, "km_median_s": 10800})
    );
    assert_eq!(group(&by, "2025-12")["ttr"]["median_s"], 3600);
}
on_both!(other_groupings_match_hand_computation);
