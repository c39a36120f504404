//! How long the SLA scanner takes over many open tickets (BENCHMARKS.md).
//!
//! ```text
//! cargo bench -p helpdesk-api --bench sla_scan -- sqlite 100000
//! cargo bench -p helpdesk-api --bench sla_scan -- postgres 100000
//! HELPDESK_BENCH_DELIVERIES=1 cargo bench -p helpdesk-api --bench sla_scan -- postgres 10000
//! ```
//!
//! Creates N open tickets spread over 30 days through the submission path, then times: the
//! first scan (every ticket measured), a scan with nothing due, and a full re-evaluation
//! after a policy change.

mod support;

use std::time::Instant;

use chrono::{Duration, Utc};
use helpdesk_api::sla::SlaEngine;
use helpdesk_store::customers::CustomerInput;
use helpdesk_store::sla::Deliveries;
use helpdesk_store::tickets::{NewTicket, Submission};
use helpdesk_store::{Store, StoreOptions};
use helpdesk_tickets::{Actor, Channel, Priority, TicketPolicy};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (backend, n) = support::args(100_000);
    let backend = backend.as_str();
    let dir = tempfile::tempdir()?;
    let url = support::fresh_database(backend, "scan", &dir).await?;
    let store = Store::connect(&url, &StoreOptions::default()).await?;
    store.migrate().await?;
    let policy = TicketPolicy::default();
    let now = Utc::now();
    let t0 = Instant::now();
    let priorities = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let subs = chunk
            .iter()
            .map(|i| Submission {
                ticket: NewTicket {
                    subject: format!("Ticket {i}"),
                    body: "Pesanan belum sampai".into(),
                    category: Some("delivery".into()),
                    priority: priorities[i % 4],
                    channel: Channel::Web,
                    customer: CustomerInput {
                        name: format!("C{}", i % 20_000),
                        email: format!("c{}@example.com", i % 20_000),
                        tier: None,
                    },
                    created_by: Actor::Customer,
                    access_digest: format!("{i:064}"),
                    follow_up_of: None,
                    external_id: None,
                    at: now - Duration::seconds((*i as i64 * 2_592_000) / n as i64),
                },
                idem: None,
            })
            .collect();
        for r in store.create_tickets(subs, &policy).await {
            r?;
        }
    }
    println!(
        "{backend}: created {n} open tickets in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    // HELPDESK_BENCH_DELIVERIES=1 queues a webhook and an e-mail for every alert raised, as a
    // server with both configured does.
    let on = std::env::var("HELPDESK_BENCH_DELIVERIES").is_ok_and(|v| v == "1");
    let engine = SlaEngine::new(
        store.clone(),
        Deliveries {
            webhook: on,
            email: on,
        },
    );
    let t = Instant::now();
    let first = engine.scan(now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{backend}: first scan: {} tickets measured, {} alerts raised, in {:.2} s",
        first.tickets,
        first.raised,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let idle = engine.scan(now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{backend}: scan with nothing due: {} tickets, in {:.1} ms",
        idle.tickets,
        t.elapsed().as_secs_f64() * 1000.0
    );
    store.mark_for_sla(now, None).await?;
    let t = Instant::now();
    let again = engine.scan(now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{backend}: re-evaluation after a policy change: {} tickets, {} new alerts, in {:.2} s",
        again.tickets,
        again.raised,
        t.elapsed().as_secs_f64()
    );
    support::discard(&url).await
}
