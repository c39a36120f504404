use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Api, Backend, TestApp};
use crate::on_both;

async fn customer_submits_and_follows_only_their_ticket(b: Backend) {
    let app = TestApp::start(b).await;
    let (reference, token) = app.submit("ayu@example.com", "Pesanan belum sampai").await;
    assert!(reference.starts_with("HD-10"), "{reference}");
    let (other_ref, other_token) = app.submit("budi@example.com", "Refund").await;

    let r = app
        .get(&format!("/api/v1/public/tickets/{reference}"), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "new");
    assert_eq!(r.body["messages"][0]["body"], "Tolong dibantu.");
    assert_eq!(r.body["messages"][0]["author_type"], "customer");

    // One token, one ticket: someone else's ticket is indistinguishable from no ticket.
    let r = app
        .get(&format!("/api/v1/public/tickets/{other_ref}"), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get(
            &format!("/api/v1/public/tickets/{reference}"),
            Some(&other_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/public/tickets/HD-999999", Some(&token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/public/tickets/nonsense", Some(&token))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/public/tickets/{reference}"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            &format!("/api/v1/public/tickets/{other_ref}/messages"),
            Some(&token),
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Internal notes never reach the customer.
    let admin = app.admin().await;
    let id = Api::id_of(&reference);
    app.post(
        &format!("/api/v1/tickets/{id}/messages"),
        Some(&admin),
        json!({"body": "customer seems upset", "internal": true}),
    )
    .await;
    app.post(
        &format!("/api/v1/tickets/{id}/messages"),
        Some(&admin),
        json!({"body": "Kami cek ya."}),
    )
    .await;
    let r = app
        .get(&format!("/api/v1/public/tickets/{reference}"), Some(&token))
        .await;
    let bodies: Vec<&str> = r.body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(bodies, vec!["Tolong dibantu.", "Kami cek ya."]);
    assert_eq!(r.body["messages"][1]["author_name"], "Administrator");
}
on_both!(customer_submits_and_follows_only_their_ticket);

async fn the_same_idempotency_key_gives_the_first_ticket(b: Backend) {
    let app = TestApp::start(b).await;
    let body = json!({"name": "Ayu", "email": "ayu@example.com", "subject": "Double", "body": "Once please"});
    let key = [("Idempotency-Key", "3f1c7a40-retry")];
    let first = app
        .request(
            Method::POST,
            "/api/v1/public/tickets",
            None,
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let second = app
        .request(
            Method::POST,
            "/api/v1/public/tickets",
            None,
            Some(body.clone()),
            &key,
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.body["reference"], first.body["reference"]);
    assert_eq!(
        second.body["access_token"], first.body["access_token"],
        "the retry gets a working link"
    );
    assert_eq!(
        second
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let reference = first.body["reference"].as_str().unwrap_or_default();
    let token = second.body["access_token"].as_str().unwrap_or_default();
    assert_eq!(
        app.get(&format!("/api/v1/public/tickets/{reference}"), Some(token))
            .await
            .status,
        StatusCode::OK
    );

    // Concurrent retries still make one ticket.
    let mut handles = Vec::new();
    for _ in 0..8 {
        let (client, base, body) = (app.client.clone(), app.base.clone(), body.clone());
        handles.push(tokio::spawn(async move {
            client
                .post(format!("{base}/api/v1/public/tickets"))
                .header("Idempotency-Key", "race-key")
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for h in handles {
        assert_eq!(h.await.ok().and_then(|r| r.ok()), Some(StatusCode::CREATED));
    }

    let admin = app.admin().await;
    let q = app.get("/api/v1/tickets?limit=100", Some(&admin)).await;
    assert_eq!(
        q.body["items"].as_array().map(Vec::len),
        Some(2),
        "one ticket per key: {}",
        q.body
    );

    let changed = json!({"name": "Ayu", "email": "ayu@example.com", "subject": "Double", "body": "Something else"});
    let r = app
        .request(
            Method::POST,
            "/api/v1/public/tickets",
            None,
            Some(changed),
            &key,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.fields(), vec!["Idempotency-Key"]);

    // Once the key has expired, someone who learns it gets a new ticket of their own, and a
    // link that does not open the first one.
    app.state
        .store
        .purge_expired(
            chrono::Utc::now() + chrono::Duration::days(2),
            chrono::Duration::hours(24),
        )
        .await
        .unwrap_or_else(|e| panic!("purge: {e}"));
    let other = json!({"name": "Mallory", "email": "m@example.com", "subject": "Double", "body": "Give me the link"});
    let late = app
        .request(
            Method::POST,
            "/api/v1/public/tickets",
            None,
            Some(other),
            &key,
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{}", late.body);
    assert_ne!(late.body["reference"], first.body["reference"]);
    let late_token = late.body["access_token"].as_str().unwrap_or_default();
    assert_eq!(
        app.get(
            &format!("/api/v1/public/tickets/{reference}"),
            Some(late_token)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}
on_both!(the_same_idempotency_key_gives_the_first_ticket);

async fn bad_submissions_are_refused_with_the_field_named(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app
        .post(
            "/api/v1/public/tickets",
            None,
            json!({"email": "not-an-email", "subject": "  ", "body": "x".repeat(64 * 1024 + 1)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(r.fields(), vec!["name", "email", "subject", "body"]);
    assert_eq!(r.body["status"], 422);

    let r = app.post("/api/v1/public/tickets", None, json!({"name": "A", "email": "a@example.com", "subject": "s".repeat(201), "body": "ok"})).await;
    assert_eq!(r.fields(), vec!["subject"]);
    let r = app
        .post(
            "/api/v1/public/tickets",
            None,
            json!({"name": 42, "email": "a@example.com", "subject": "s", "body": "ok"}),
        )
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_string()])
    );

    let raw = |ctype: &'static str, body: Vec<u8>| {
        let (client, base) = (app.client.clone(), app.base.clone());
        async move {
            client
                .post(format!("{base}/api/v1/public/tickets"))
                .header("content-type", ctype)
                .body(body)
                .send()
                .await
                .map(|r| r.status())
                .ok()
        }
    };
    assert_eq!(
        raw("application/json", b"{\"name\": ".to_vec()).await,
        Some(StatusCode::BAD_REQUEST)
    );
    assert_eq!(
        raw("text/plain", b"{}".to_vec()).await,
        Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    );
    assert_eq!(
        raw("application/json", vec![b' '; 2 * 1024 * 1024]).await,
        Some(StatusCode::PAYLOAD_TOO_LARGE)
    );
}
on_both!(bad_submissions_are_refused_with_the_field_named);

async fn public_submissions_are_rate_limited_per_address(b: Backend) {
    let app = TestApp::start_with(b, |c| c.rate_limit_public = 2).await;
    app.submit("a@example.com", "one").await;
    app.submit("a@example.com", "two").await;
    let r = app
        .post(
            "/api/v1/public/tickets",
            None,
            json!({"name": "A", "email": "a@example.com", "subject": "three", "body": "b"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
}
on_both!(public_submissions_are_rate_limited_per_address);

async fn a_reply_to_a_closed_ticket_starts_a_linked_follow_up(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (reference, token) = app.submit("ayu@example.com", "Aplikasi error").await;
    let id = Api::id_of(&reference);
    let r = app
        .post(
            &format!("/api/v1/tickets/{id}/transitions"),
            Some(&admin),
            json!({"to": "closed", "reason": "other"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/public/tickets/{reference}/messages"),
            Some(&token),
            json!({"body": "Masih error"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    let follow_ref = r.body["follow_up"]["reference"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let follow_token = r.body["follow_up"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let f = app
        .get(
            &format!("/api/v1/public/tickets/{follow_ref}"),
            Some(&follow_token),
        )
        .await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body["follow_up_of"], reference.as_str());
    assert_eq!(f.body["subject"], "Re: Aplikasi error");
    assert_eq!(f.body["messages"][0]["body"], "Masih error");
    // The closed ticket itself is untouched.
    let orig = app
        .get(&format!("/api/v1/public/tickets/{reference}"), Some(&token))
        .await;
    assert_eq!(orig.body["messages"].as_array().map(Vec::len), Some(1));
}
on_both!(a_reply_to_a_closed_ticket_starts_a_linked_follow_up);

async fn surveys_open_on_resolution(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (reference, token) = app.submit("ayu@example.com", "Refund").await;
    let id = Api::id_of(&reference);
    let path = format!("/api/v1/public/tickets/{reference}/survey");
    let r = app.put(&path, Some(&token), json!({"csat": 5})).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "not before resolution: {}",
        r.body
    );
    app.post(
        &format!("/api/v1/tickets/{id}/messages"),
        Some(&admin),
        json!({"body": "Sudah kami proses.", "status": "resolved"}),
    )
    .await;
    let r = app
        .put(&path, Some(&token), json!({"csat": 6, "ces": 0, "nps": 11}))
        .await;
    assert_eq!(
        (r.status, r.fields()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["csat".to_string(), "ces".into(), "nps".into()]
        )
    );
    let r = app
        .put(
            &path,
            Some(&token),
            json!({"csat": 2, "ces": 3, "nps": 4, "comment": "lambat"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["survey"]["csat"], 2);
    let r = app
        .put(
            &path,
            Some(&token),
            json!({"csat": 5, "ces": 6, "nps": 9, "comment": "ok after all"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["survey"]["csat"].as_i64()),
        (StatusCode::OK, Some(5)),
        "changing is allowed while resolved"
    );
    let detail = app
        .get(&format!("/api/v1/tickets/{id}"), Some(&admin))
        .await;
    assert_eq!(detail.body["survey"]["nps"], 9);
    assert_eq!(detail.body["survey"]["comment"], "ok after all");
    app.post(
        &format!("/api/v1/tickets/{id}/transitions"),
        Some(&admin),
        json!({"to": "closed"}),
    )
    .await;
    let r = app.put(&path, Some(&token), json!({"csat": 1})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "locked once closed");
}
on_both!(surveys_open_on_resolution);

/// Submissions arriving together are committed together; each still gets its own ticket, its
/// own customer record and its own working link.
async fn concurrent_submissions_each_get_their_own_ticket(b: Backend) {
    let app = TestApp::start(b).await;
    let mut handles = Vec::new();
    for i in 0..40 {
        let (client, base) = (app.client.clone(), app.base.clone());
        handles.push(tokio::spawn(async move {
            let body = json!({"name": format!("C{i}"), "email": format!("c{}@example.com", i % 7), "subject": format!("s{i}"), "body": format!("body {i}")});
            let r = client.post(format!("{base}/api/v1/public/tickets")).header("Idempotency-Key", format!("k{i}")).json(&body).send().await.ok()?;
            let v: serde_json::Value = r.json().await.ok()?;
            Some((i, v["reference"].as_str()?.to_owned(), v["access_token"].as_str()?.to_owned()))
        }));
    }
    let mut refs = std::collections::HashSet::new();
    for h in handles {
        let (i, reference, token) = h
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a submission failed"));
        let v = app
            .get(&format!("/api/v1/public/tickets/{reference}"), Some(&token))
            .await;
        assert_eq!(v.status, StatusCode::OK);
        assert_eq!(v.body["subject"], format!("s{i}"));
        assert_eq!(v.body["messages"][0]["body"], format!("body {i}"));
        refs.insert(reference);
    }
    assert_eq!(refs.len(), 40);
    let admin = app.admin().await;
    let q = app
        .get("/api/v1/tickets?q=c3%40example.com&limit=100", Some(&admin))
        .await;
    let customer_ids: std::collections::HashSet<i64> = q.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["customer"]["id"].as_i64())
        .collect();
    assert_eq!(customer_ids.len(), 1, "one customer per e-mail");
}
on_both!(concurrent_submissions_each_get_their_own_ticket);

async fn the_survey_answer_thanks_the_customer(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let (reference, token) = app.submit("tia@example.com", "Paket hilang").await;
    let id = Api::id_of(&reference);
    app.post(
        &format!("/api/v1/tickets/{id}/transitions"),
        Some(&admin),
        json!({"to": "resolved"}),
    )
    .await;
    let path = format!("/api/v1/public/tickets/{reference}/survey");
    let r = app
        .put(
            &path,
            Some(&token),
            json!({"csat": 4, "comment": "Terima kasih"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            r.body["thank_you"].as_bool(),
            r.body["updated"].as_bool(),
            r.body["message"].as_str()
        ),
        (
            Some(true),
            Some(false),
            Some("Thank you for your feedback! It helps us serve you better.")
        )
    );
    // The ticket view is still there for the page to redraw.
    assert_eq!(
        (
            r.body["reference"].as_str(),
            r.body["status"].as_str(),
            r.body["survey"]["csat"].as_i64()
        ),
        (Some(reference.as_str()), Some("resolved"), Some(4))
    );
    let r = app.put(&path, Some(&token), json!({"csat": 5})).await;
    assert_eq!(
        (
            r.status,
            r.body["thank_you"].as_bool(),
            r.body["updated"].as_bool(),
            r.body["message"].as_str()
        ),
        (
            StatusCode::OK,
            Some(true),
            Some(true),
            Some("Thank you — your answer has been updated.")
        )
    );
}
on_both!(the_survey_answer_thanks_the_customer);
