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
