//! How the embedded SQLite database keeps its file.

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::common::{Backend, TestApp, eventually};

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
