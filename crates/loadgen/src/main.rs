//! Drives a running helpdesk with N concurrent clients for a fixed time and reports
//! throughput and latency percentiles. Results go to `BENCHMARKS.md` with the command line.
//!
//! ```text
//! helpdesk-loadgen --url http://127.0.0.1:8080 --scenario submit --concurrency 32 --seconds 20
//! helpdesk-loadgen --scenario queue --email admin@example.com --password ...
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use serde_json::json;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    /// Public complaint submissions (POST /api/v1/public/tickets) with an Idempotency-Key.
    Submit,
    /// The agent queue: 50 open tickets, newest first (GET /api/v1/tickets).
    Queue,
}

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, value_enum, default_value = "submit")]
    scenario: Scenario,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    #[arg(long, default_value = "admin@example.com")]
    email: String,
    #[arg(long, env = "HELPDESK_ADMIN_PASSWORD", default_value = "")]
    password: String,
    /// Query string for the queue scenario.
    #[arg(long, default_value = "status=open&limit=50")]
    query: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let token = match args.scenario {
        Scenario::Queue => {
            let r: serde_json::Value = client
                .post(format!("{}/api/v1/auth/login", args.url))
                .json(&json!({"email": args.email, "password": args.password}))
                .send()
                .await?
                .error_for_status()
                .context("login")?
                .json()
                .await?;
            r["access_token"].as_str().map(str::to_owned)
        }
        Scenario::Submit => None,
    };
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let end = measure_from + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for worker in 0..args.concurrency {
        let (client, url, token, query) = (
            client.clone(),
            args.url.clone(),
            token.clone(),
            args.query.clone(),
        );
        let (counter, errors) = (counter.clone(), errors.clone());
        let scenario = args.scenario;
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let mut i = 0u64;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                i += 1;
                let req = match scenario {
                    Scenario::Submit => client
                        .post(format!("{url}/api/v1/public/tickets"))
                        .header("Idempotency-Key", format!("load-{worker}-{i}-{}", start.elapsed().as_nanos()))
                        .json(&json!({
                            "name": "Load Test",
                            "email": format!("load{}@example.com", i % 5000),
                            "subject": "Pesanan belum sampai / order not delivered",
                            "body": "Sudah seminggu pesanan saya belum sampai. Tolong dicek ya, terima kasih.",
                            "category": "delivery"
                        })),
                    Scenario::Queue => client.get(format!("{url}/api/v1/tickets?{query}")).bearer_auth(token.as_deref().unwrap_or_default()),
                };
                let t0 = Instant::now();
                let ok = match req.send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                let took = t0.elapsed();
                if t0 >= measure_from {
                    if ok {
                        let _ = hist.record(took.as_micros().max(1) as u64);
                        counter.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            anyhow::Ok(hist)
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for t in tasks {
        all.add(t.await??)?;
    }
    let n = counter.load(Ordering::Relaxed);
    let ms = |q: f64| all.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{}",
        json!({
            "scenario": format!("{:?}", args.scenario).to_lowercase(),
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "requests": n,
            "errors": errors.load(Ordering::Relaxed),
            "throughput_per_s": (n as f64 / args.seconds as f64).round(),
            "p50_ms": ms(0.50),
            "p90_ms": ms(0.90),
            "p99_ms": ms(0.99),
            "max_ms": all.max() as f64 / 1000.0,
        })
    );
    Ok(())
}
