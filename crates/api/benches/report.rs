//! The TTR report over a million tickets (DESIGN §6: one quarter in under a second).
//!
//! ```text
//! cargo bench -p helpdesk-api --bench report -- sqlite 1000000
//! cargo bench -p helpdesk-api --bench report -- postgres 1000000
//! ```
//!
//! Writes N ticket rows spread over the past year straight into the table, in creation order
//! as a helpdesk writes them (the report reads only the ticket rows), starts the server
//! in-process, and times `GET /api/v1/reports/ttr` for the last quarter end to end over HTTP,
//! a few times per variant. `HELPDESK_BENCH_DB=<url>` keeps the database for the next run.

mod support;

use std::net::SocketAddr;
use std::time::Instant;

use chrono::{Duration, Utc};
use helpdesk_api::{AppState, Config, router, server::ensure_admin};
use helpdesk_store::entity::{customer, ticket};
use helpdesk_store::sea_orm::{ActiveValue::Set, EntityTrait};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (backend, n) = support::args(1_000_000);
    let backend = backend.as_str();
    let dir = tempfile::tempdir()?;
    // HELPDESK_BENCH_DB keeps the generated database between runs (writing a million tickets
    // takes minutes); it is filled only when it holds no tickets yet.
    let kept = std::env::var("HELPDESK_BENCH_DB").ok();
    let url = match &kept {
        Some(url) => url.clone(),
        None => support::fresh_database(backend, "report", &dir).await?,
    };
    let mut config = Config::for_database(&url);
    config.admin_password = Some("bench-admin-password".into());
    let state = AppState::build(&config).await?;
    ensure_admin(&state, &config).await?;

    let now = Utc::now();
    let existing = {
        use helpdesk_store::sea_orm::PaginatorTrait;
        ticket::Entity::find().count(state.store.read()).await?
    };
    if existing == 0 {
        generate(&state, n, now).await?;
    }
    let now = {
        use helpdesk_store::sea_orm::{QueryOrder, QuerySelect};
        ticket::Entity::find()
            .select_only()
            .column(ticket::Column::CreatedAt)
            .order_by_desc(ticket::Column::CreatedAt)
            .into_tuple::<chrono::DateTime<Utc>>()
            .one(state.store.read())
            .await?
            .unwrap_or(now)
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(
            &serde_json::json!({"email": "admin@example.com", "password": "bench-admin-password"}),
        )
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let from = (now - Duration::days(91)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (label, query) in [
        ("calendar, one group", "group_by=none&hours=calendar"),
        ("business, one group", "group_by=none&hours=business"),
        ("business, by agent", "group_by=agent&hours=business"),
        ("calendar, by week", "group_by=week&hours=calendar"),
    ] {
        let mut times = Vec::new();
        let mut tickets = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let r: serde_json::Value = client
                .get(format!(
                    "http://{addr}/api/v1/reports/ttr?from={from}&to={to}&{query}"
                ))
                .bearer_auth(&token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            tickets = r["groups"]
                .as_array()
                .map(|g| g.iter().filter_map(|g| g["tickets"].as_u64()).sum::<u64>())
                .unwrap_or(0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{backend}: quarter ({tickets} tickets), {label}: median {:.0} ms, max {:.0} ms",
            times[2], times[4]
        );
    }
    if kept.is_none() {
        support::discard(&url).await?;
    }
    Ok(())
}

/// N tickets spread over the year before `now`, written in creation order as a helpdesk
/// writes them, with the integer facts the report reads.
async fn generate(state: &AppState, n: usize, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let mut rng = StdRng::seed_from_u64(7);
    let customers = 50_000;
    let txn = state.store.begin().await?;
    for chunk in (0..customers).collect::<Vec<_>>().chunks(2000) {
        customer::Entity::insert_many(chunk.iter().map(|i| customer::ActiveModel {
            email: Set(format!("c{i}@example.com")),
            name: Set(format!("Customer {i}")),
            tier: Set("standard".into()),
            notes: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    let priorities = ["urgent", "high", "normal", "normal", "low"];
    let categories = ["refund", "delivery", "account", "billing", "product"];
    let mut ages: Vec<i64> = (0..n).map(|_| rng.random_range(0..365 * 86_400)).collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    for chunk in (0..n).collect::<Vec<_>>().chunks(50_000) {
        let txn = state.store.begin().await?;
        for chunk in chunk.chunks(1000) {
            let rows: Vec<ticket::ActiveModel> = chunk
                .iter()
                .map(|i| {
                    let created = now - Duration::seconds(ages[*i]);
                    let responded = rng
                        .random_bool(0.9)
                        .then(|| created + Duration::seconds(rng.random_range(60..86_400)));
                    let resolved = rng
                        .random_bool(0.85)
                        .then(|| created + Duration::seconds(rng.random_range(600..10 * 86_400)))
                        .filter(|t| *t < now);
                    let dup = resolved.is_none() && rng.random_bool(0.05);
                    let status = match (resolved, dup) {
                        (Some(_), _) => "resolved",
                        (None, true) => "closed",
                        _ => "open",
                    };
                    ticket::ActiveModel {
                        subject: Set(format!("Ticket {i}")),
                        status: Set(status.into()),
                        priority: Set(priorities[i % 5].into()),
                        category: Set(Some(categories[i % 5].into())),
                        channel: Set("web".into()),
                        customer_id: Set(1 + (*i as i64 % customers as i64)),
                        assignee_id: Set(Some(1)),
                        tags: Set(serde_json::json!([])),
                        access_digest: Set(format!("{i:064}")),
                        follow_up_of: Set(None),
                        external_id: Set(None),
                        created_at: Set(created),
                        updated_at: Set(resolved.unwrap_or(created)),
                        status_since: Set(resolved.unwrap_or(created)),
                        first_response_at: Set(responded),
                        first_resolved_at: Set(resolved),
                        resolved_at: Set(resolved),
                        closed_at: Set(dup.then_some(created + Duration::hours(1))),
                        close_reason: Set(dup.then(|| "duplicate".into())),
                        reopen_count: Set(0),
                        sla_next_check_at: Set(None),
                        sla_due_at: Set(None),
                        version: Set(0),
                        sla_state: Set(Some(
                            if rng.random_bool(0.8) {
                                "met"
                            } else {
                                "breached"
                            }
                            .into(),
                        )),
                        ..Default::default()
                    }
                })
                .collect();
            ticket::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    println!("wrote {n} tickets in {:.0} s", t0.elapsed().as_secs_f64());

    Ok(())
}
