//! Assigning one new complaint to a recurring issue with 100,000 recent complaints in the
//! database (DESIGN §6: under 10 ms), and indexing a backlog (BENCHMARKS.md).
//!
//! ```text
//! cargo bench -p helpdesk-api --bench recurring -- sqlite 100000
//! cargo bench -p helpdesk-api --bench recurring -- postgres 100000
//! ```
//!
//! Creates N complaints spread over 60 days through the submission path, their texts drawn
//! from the labelled corpus (so the index has realistic, heavily shared terms), indexes them
//! all, then submits 200 more one at a time and times the indexing of each.
//! `HELPDESK_BENCH_DB=<url>` keeps the database and its index for the next run.

mod support;

use std::time::Instant;

use chrono::{Duration, Utc};
use helpdesk_recurring::Analyzer;
use helpdesk_store::customers::CustomerInput;
use helpdesk_store::recurring::RecurringConfig;
use helpdesk_store::tickets::{NewTicket, Submission};
use helpdesk_store::{Store, StoreOptions};
use helpdesk_tickets::{Actor, Channel, Priority, TicketPolicy};

#[derive(serde::Deserialize)]
struct Complaint {
    subject: String,
    body: String,
}

fn submission(c: &Complaint, i: usize, at: chrono::DateTime<Utc>) -> Submission {
    Submission {
        ticket: NewTicket {
            subject: c.subject.clone(),
            body: c.body.clone(),
            category: None,
            priority: Priority::Normal,
            channel: Channel::Web,
            customer: CustomerInput {
                name: format!("C{}", i % 30_000),
                email: format!("c{}@example.com", i % 30_000),
                tier: None,
            },
            created_by: Actor::Customer,
            access_digest: format!("{i:064}"),
            follow_up_of: None,
            external_id: None,
            at,
        },
        idem: None,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (backend, n) = support::args(100_000);
    let backend = backend.as_str();
    let corpus: Vec<Complaint> = include_str!("../../recurring/tests/fixtures/complaints.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let dir = tempfile::tempdir()?;
    // HELPDESK_BENCH_DB keeps the database (and its indexed backlog) for the next run.
    let kept = std::env::var("HELPDESK_BENCH_DB").ok();
    let url = match &kept {
        Some(url) => url.clone(),
        None => support::fresh_database(backend, "recurring", &dir).await?,
    };
    let store = Store::connect(&url, &StoreOptions::default()).await?;
    store.migrate().await?;
    let policy = TicketPolicy::default();
    let analyzer = Analyzer::bundled()?;
    let config = RecurringConfig::default();
    let now = Utc::now();

    let t0 = Instant::now();
    let existing = {
        use helpdesk_store::sea_orm::{EntityTrait, PaginatorTrait};
        helpdesk_store::entity::ticket::Entity::find()
            .count(store.read())
            .await?
    };
    let todo = if existing == 0 { n } else { 0 };
    for chunk in (0..todo).collect::<Vec<_>>().chunks(500) {
        let subs = chunk
            .iter()
            .map(|i| {
                let at = now - Duration::seconds(((n - i) as i64 * 60 * 86_400) / n as i64);
                submission(&corpus[i % corpus.len()], *i, at)
            })
            .collect();
        for r in store.create_tickets(subs, &policy).await {
            r?;
        }
    }
    println!(
        "{backend}: created {todo} complaints in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let mut indexed = 0;
    loop {
        let k = store
            .index_new_tickets(&analyzer, &config, 500, now)
            .await?;
        if k == 0 {
            break;
        }
        indexed += k;
    }
    println!(
        "{backend}: indexed the backlog of {indexed} in {:.1} s ({:.2} ms per complaint)",
        t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() * 1000.0 / indexed.max(1) as f64
    );

    let mut times = Vec::new();
    for j in 0..200 {
        let i = n + j;
        let sub = submission(&corpus[(i * 7) % corpus.len()], i, Utc::now());
        for r in store.create_tickets(vec![sub], &policy).await {
            r?;
        }
        let t = Instant::now();
        let k = store
            .index_new_tickets(&analyzer, &config, 1, Utc::now())
            .await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(k == 1, "expected one complaint to index, got {k}");
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        times[((p / 100.0 * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1]
    };
    println!(
        "{backend}: one new complaint with {n} in the index: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(50.0),
        pct(90.0),
        pct(99.0),
        times[times.len() - 1]
    );
    let issues = store
        .recurring_issues(now - Duration::days(60), now, None)
        .await?;
    println!("{backend}: {} recurring issues in the window", issues.len());
    if kept.is_none() {
        support::discard(&url).await?;
    }
    Ok(())
}
