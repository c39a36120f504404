//! Group commit for ticket submissions.
//!
//! Under load, many customers submit at once. Writing each submission in its own transaction
//! spends most of the time on round trips to the database and on SQLite's single write lock;
//! writing the submissions that arrived together in one transaction (still all-or-nothing per
//! submission, see [`Store::create_tickets`]) multiplies throughput. With one request at a
//! time a batch is just that request, so nothing waits for a batch to fill.

use std::sync::Arc;

use helpdesk_tickets::TicketPolicy;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::tickets::{Created, Submission};
use crate::{Store, StoreError, StoreResult};

/// Submissions in one transaction at most (SQLite's limit on bound parameters is far above).
const MAX_BATCH: usize = 64;

type Job = (Submission, oneshot::Sender<StoreResult<Created>>);

/// A handle to the group-commit writers.
#[derive(Clone, Debug)]
pub struct Submitter {
    tx: mpsc::Sender<Job>,
}

impl Submitter {
    /// Starts `writers` tasks that commit batches in parallel: one for SQLite (it has one
    /// writer anyway), a few for PostgreSQL.
    pub fn start(store: Store, policy: TicketPolicy, writers: usize) -> Submitter {
        let (tx, rx) = mpsc::channel::<Job>(4 * MAX_BATCH * writers.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..writers.max(1) {
            let (store, rx) = (store.clone(), rx.clone());
            tokio::spawn(async move {
                loop {
                    let mut jobs = Vec::with_capacity(MAX_BATCH);
                    {
                        let mut rx = rx.lock().await;
                        match rx.recv().await {
                            Some(job) => jobs.push(job),
                            None => return,
                        }
                        while jobs.len() < MAX_BATCH {
                            match rx.try_recv() {
                                Ok(job) => jobs.push(job),
                                Err(_) => break,
                            }
                        }
                    }
                    let (subs, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
                    let results = store.create_tickets(subs, &policy).await;
                    store.note_submissions();
                    for (reply, result) in replies.into_iter().zip(results) {
                        // The client may have gone; its ticket is stored all the same.
                        let _ = reply.send(result);
                    }
                }
            });
        }
        Submitter { tx }
    }

    pub async fn submit(&self, s: Submission) -> StoreResult<Created> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((s, reply))
            .await
            .map_err(|_| StoreError::Config("the submission writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Config("the submission writer has stopped".into()))?
    }
}
