//! What the benchmarks share: their command line and a fresh database to fill.

/// `BENCH [sqlite|postgres] [N]`: the backend and the size, with defaults.
pub fn args(default_n: usize) -> (String, usize) {
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let backend = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let n = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_n);
    (backend, n)
}

/// A new, empty database for one run: a SQLite file in `dir`, or a PostgreSQL database named
/// after the benchmark (at HELPDESK_TEST_PG_URL's server); its URL.
pub async fn fresh_database(
    backend: &str,
    bench: &str,
    dir: &tempfile::TempDir,
) -> anyhow::Result<String> {
    if backend != "postgres" {
        return Ok(format!(
            "sqlite://{}/bench.db?mode=rwc",
            dir.path().display()
        ));
    }
    let admin = admin_url();
    let name = format!("hd_bench_{bench}_{}", std::process::id());
    on_server(&format!("CREATE DATABASE {name}")).await?;
    Ok(format!(
        "{}/{name}",
        admin.rsplit_once('/').map(|(r, _)| r).unwrap_or(&admin)
    ))
}

/// Drops a PostgreSQL database that [`fresh_database`] made, once the run is over (a SQLite
/// file goes with its directory): a run over a million tickets would otherwise leave gigabytes
/// on the server, run after run.
pub async fn discard(url: &str) -> anyhow::Result<()> {
    match url.rsplit_once('/') {
        Some((_, name)) if url.starts_with("postgres") => {
            on_server(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
        }
        _ => Ok(()),
    }
}

fn admin_url() -> String {
    std::env::var("HELPDESK_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn on_server(sql: &str) -> anyhow::Result<()> {
    use helpdesk_store::sea_orm::ConnectionTrait;
    let db = helpdesk_store::sea_orm::Database::connect(&admin_url()).await?;
    db.execute_unprepared(sql).await?;
    db.close().await?;
    Ok(())
}
