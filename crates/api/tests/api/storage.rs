//! How the databases keep their files and their schema.

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::common::{Backend, TestApp, eventually};
use crate::on_both;

/// What is committed reaches the database file itself while the server runs, not only the
/// write-ahead log beside it: the log is checkpointed by a background task rather than by
/// whichever request's commit happens to cross SQLite's size limit (that request used to wait
/// for the copy, the tail of the recurring-lookup benchmark). Without the task, a few dozen
/// submissions stay in the `-wal` file until the server stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_commits_reach_the_database_file_in_the_background() {
    let app = TestApp::start(Backend::Sqlite).await;
    for i in 0..20 {
        app.submit(
            &format!("wal{i}@example.com"),
            &format!("Printer number {i} jams"),
        )
        .await;
    }
    let path = app
        .database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    // `immutable` makes SQLite read the main file alone, as a copy without the log would be.
    let file_only = format!("sqlite://{path}?mode=ro&immutable=1");
    eventually("the submissions in the database file", || {
        let file_only = file_only.clone();
        async move {
            let db = Database::connect(&file_only).await.ok()?;
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT count(*) FROM tickets",
                ))
                .await
                .ok()??;
            let n: i64 = row.try_get_by_index(0).ok()?;
            let _ = db.close().await;
            (n == 20).then_some(())
        }
    })
    .await;
}

/// Every TCP connection to PostgreSQL has Nagle's algorithm off. sqlx 0.9.0 stopped setting
/// `TCP_NODELAY`, and a message written in two parts then waited for the server's delayed ACK
/// (~40 ms): an SLA scan of 10,000 tickets took 12–14 s instead of 4 s, submissions were ~8 %
/// slower (BENCHMARKS.md). `vendor/sqlx-core` carries the upstream fix until a release does;
/// this fails if an upgrade drops it without the fix. The server runs in this process, so its
/// pool's sockets are this process's: each is borrowed through a pidfd and asked.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_do_not_wait_for_delayed_acks() {
    use rustix::net::{getpeername, sockopt::tcp_nodelay};
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};

    let app = TestApp::start(Backend::Postgres).await;
    app.submit("nagle@example.com", "Connections are opened")
        .await;
    // postgres://user@host:port/db
    let authority = app
        .database_url
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or_default());
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() || host_port.starts_with("%2F") {
        return println!("PostgreSQL is reached through a Unix socket here: nothing to check");
    }
    let port: u16 = host_port
        .rsplit_once(':')
        .map_or(Ok(5432), |(_, p)| p.parse())
        .unwrap_or_else(|e| panic!("port in {}: {e}", app.database_url));
    let me = pidfd_open(getpid(), PidfdFlags::empty()).unwrap_or_else(|e| panic!("{e}"));
    let mut checked = 0;
    for entry in std::fs::read_dir("/proc/self/fd").unwrap_or_else(|e| panic!("{e}")) {
        let Ok(entry) = entry else { continue };
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|to| to.to_string_lossy().starts_with("socket:"));
        // The directory's own descriptor and sockets closed meanwhile fail here; skip them.
        let Ok(socket) = is_socket
            .then(|| pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()))
            .transpose()
        else {
            continue;
        };
        let Some(socket) = socket else { continue };
        let peer = getpeername(&socket)
            .ok()
            .flatten()
            .and_then(|a| std::net::SocketAddr::try_from(a).ok());
        if peer.is_some_and(|p| p.port() == port) {
            assert!(
                tcp_nodelay(&socket).unwrap_or_else(|e| panic!("{e}")),
                "connection {fd} to PostgreSQL ({peer:?}) has Nagle's algorithm on"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no TCP connection to port {port} found");
}

/// No table has two indexes over the same columns in the same order: a copy serves no query
/// and costs every write (a migration once added one for tickets).
async fn no_index_is_a_copy_of_another(b: Backend) {
    let app = TestApp::start(b).await;
    let db = Database::connect(&app.database_url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (backend, sql) = match b {
        Backend::Postgres => (
            DbBackend::Postgres,
            "SELECT c.relname || '(' || i.indkey::text || ')' AS cols, x.relname AS name \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
        ),
        Backend::Sqlite => (
            DbBackend::Sqlite,
            "SELECT m.name || '(' || (SELECT group_concat(name, ',') FROM \
             (SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)) || ')' AS cols, \
             il.name AS name FROM sqlite_master m, pragma_index_list(m.name) il WHERE m.type = 'table'",
        ),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in rows {
        let cols: String = r.try_get("", "cols").unwrap_or_default();
        let name: String = r.try_get("", "name").unwrap_or_default();
        seen.entry(cols).or_default().push(name);
    }
    assert!(seen.len() > 10, "indexes found: {seen:?}");
    let copies: Vec<_> = seen.values().filter(|names| names.len() > 1).collect();
    assert!(
        copies.is_empty(),
        "indexes over the same columns: {copies:?}"
    );
}
on_both!(no_index_is_a_copy_of_another);
