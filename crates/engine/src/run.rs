//! Running a whole list: each check its own task, at most `concurrency` at
//! once, one [`Pace`] for the list (after a 429 its host's later tries take
//! turns), and every line handed to the caller's sink the moment it ends —
//! completion order, as the proxy streams them. The proxy's batches have a
//! driver of their own (they also answer to a slow reader); the CLI uses this.

use std::sync::Arc;
use tokio::task::JoinSet;
use upcheck_core::wire::CheckLine;

use crate::{line, pace::Pace, Checker, Params};

/// One site of a list: its URL as written, and how to check it.
#[derive(Debug, Clone)]
pub struct Job {
    /// The URL (or bare host) to check.
    pub url: String,
    /// How, from its options over the list's ([`crate::site::Compiler`]).
    pub params: Params,
}

/// Checks every job, at most `concurrency` at once (at least one), and calls
/// `sink` with each line as it ends. A line's `index` is its job's position.
/// Returns when every job has its line.
pub async fn run(
    checker: Arc<Checker>,
    jobs: Vec<Job>,
    concurrency: usize,
    mut sink: impl FnMut(CheckLine),
) {
    let concurrency = concurrency.max(1);
    let pace = Arc::new(Pace::default());
    let mut queue = jobs.into_iter().enumerate();
    let mut running: JoinSet<CheckLine> = JoinSet::new();
    let mut indices = std::collections::HashMap::new();
    loop {
        while running.len() < concurrency {
            let Some((index, job)) = queue.next() else {
                break;
            };
            let (checker, pace) = (checker.clone(), pace.clone());
            let handle = running
                .spawn(async move { checker.check(index, &job.url, &job.params, &pace).await });
            indices.insert(handle.id(), index);
        }
        match running.join_next_with_id().await {
            Some(Ok((id, line))) => {
                indices.remove(&id);
                sink(line);
            }
            Some(Err(e)) => {
                tracing::error!("a check failed: {e}");
                let index = indices.remove(&e.id()).unwrap_or_default();
                sink(line::internal_error(index));
            }
            None => return,
        }
    }
}
