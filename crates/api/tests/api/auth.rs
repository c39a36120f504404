use chrono::Utc;
use helpdesk_auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, PASSWORD, TestApp};
use crate::on_both;

async fn login_refresh_rotation_and_reuse(b: Backend) {
    let app = TestApp::start(b).await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "ADMIN@example.com", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.body["user"]["role"], "admin");
    let access = r.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let first = r.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let me = app.get("/api/v1/me", Some(&access)).await;
    assert_eq!(
        (me.status, me.body["email"].as_str()),
        (StatusCode::OK, Some(ADMIN_EMAIL))
    );

    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = r.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(first, second, "refresh tokens rotate");

    // Replaying the spent token is taken as theft: it fails, and so does the one it led to.
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "the whole family is revoked"
    );

    // Logout ends a session.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    let refresh = r.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let out = app
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let wrong = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": ADMIN_EMAIL, "password": "not the password"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "nobody@example.com", "password": "whatever-password"}),
        )
        .await;
    assert_eq!(
        unknown.body["detail"], wrong.body["detail"],
        "unknown accounts are not revealed"
    );
}
on_both!(login_refresh_rotation_and_reuse);

async fn missing_expired_and_tampered_tokens_are_401(b: Backend) {
    let app = TestApp::start(b).await;
    let none = app.get("/api/v1/tickets", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let expired = app
        .state
        .keys
        .jwt
        .issue(1, Role::Admin, Utc::now().timestamp() - 3600)
        .unwrap_or_default();
    let r = app.get("/api/v1/tickets", Some(&expired)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{}",
        r.body
    );
    let good = app.admin().await;
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        app.get("/api/v1/tickets", Some(&tampered)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/tickets", Some("garbage")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/tickets", Some(&good)).await.status,
        StatusCode::OK
    );
}
on_both!(missing_expired_and_tampered_tokens_are_401);

async fn roles_guard_every_route(b: Backend) {
    let app = TestApp::start(b).await;
    let (agent_id, agent) = app.staff("agent@example.com", "agent").await;
    let (_, manager) = app.staff("manager@example.com", "manager").await;
    let admin = app.admin().await;
    for token in [&agent, &manager] {
        assert_eq!(
            app.get("/api/v1/users", Some(token)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = app.post("/api/v1/users", Some(token), json!({"email": "x@example.com", "name": "x", "role": "admin", "password": PASSWORD})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.import(token, json!([])).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.get("/api/v1/users", Some(&admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/tickets", Some(&agent)).await.status,
        StatusCode::OK
    );

    // Deactivation takes effect at once, not when the token expires.
    let r = app
        .patch(
            &format!("/api/v1/users/{agent_id}"),
            Some(&admin),
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/tickets", Some(&agent)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "agent@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Admins cannot lock themselves out.
    let me = app.get("/api/v1/me", Some(&admin)).await;
    let my_id = me.body["id"].as_i64().unwrap_or_default();
    let r = app
        .patch(
            &format!("/api/v1/users/{my_id}"),
            Some(&admin),
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}
on_both!(roles_guard_every_route);

async fn user_validation(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "nope", "name": "", "role": "boss", "password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.fields(), vec!["email", "name", "role", "password"]);
    let ok =
        json!({"email": "dup@example.com", "name": "Dup", "role": "agent", "password": PASSWORD});
    assert_eq!(
        app.post("/api/v1/users", Some(&admin), ok.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let again = app.post("/api/v1/users", Some(&admin), ok).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.fields(), vec!["email"]);
}
on_both!(user_validation);

async fn repeated_failed_logins_are_rate_limited(b: Backend) {
    let app = TestApp::start_with(b, |c| c.rate_limit_login = 3).await;
    for _ in 0..3 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": ADMIN_EMAIL, "password": "wrong password!"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = r
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    // Another account from the same address is not affected.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "other@example.com", "password": "wrong password!"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// Guessing in parallel gets no more tries than guessing one after another.
async fn parallel_guesses_are_limited_too(b: Backend) {
    let app = TestApp::start_with(b, |c| c.rate_limit_login = 3).await;
    let mut handles = Vec::new();
    for _ in 0..12 {
        let (client, base) = (app.client.clone(), app.base.clone());
        handles.push(tokio::spawn(async move {
            client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": ADMIN_EMAIL, "password": "wrong password!"}))
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    let mut unauthorized = 0;
    let mut limited = 0;
    for h in handles {
        match h.await.ok().and_then(|r| r.ok()) {
            Some(StatusCode::UNAUTHORIZED) => unauthorized += 1,
            Some(StatusCode::TOO_MANY_REQUESTS) => limited += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert!(unauthorized <= 3, "{unauthorized} guesses were checked");
    assert_eq!(unauthorized + limited, 12);
}
on_both!(parallel_guesses_are_limited_too);
on_both!(repeated_failed_logins_are_rate_limited);
