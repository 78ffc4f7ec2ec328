//! Running one batch apart from its response body.
//!
//! A driver task runs the checks (each its own task, at most the batch
//! concurrency at once) and hands finished lines to the body through a small
//! channel. So a check always runs to its end and frees its slots, whether or
//! not anyone is reading; the reader only decides how fast new checks start.
//! - The reader leaves (the body is dropped): the driver aborts the checks in
//!   flight, which frees their slots at once, and starts no more.
//! - The reader stays but takes nothing for `write_stall`: the same, and the
//!   body ends with an error, so the client sees a cut-off stream, never one
//!   that looks complete.

use bytes::Bytes;
use futures_util::stream::{self, Stream};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::clients::Ticket;
use super::pace::Pace;
use super::{line, Checker, Params};
use upcheck_core::wire::CheckLine;

/// Lines waiting in the channel for the body; beyond that, finished lines wait
/// in the driver (at most the batch concurrency of them).
const CHANNEL_LINES: usize = 16;

/// One batch to run.
#[derive(Debug)]
pub struct Batch {
    /// The URLs, in request order, each with how to check it.
    pub jobs: Vec<(String, Params)>,
    /// Checks of this batch in flight (or finished and unsent) at once.
    pub concurrency: usize,
    /// The longest the driver waits for the reader to take a line.
    pub write_stall: Duration,
    /// The client's admission, held while the batch runs.
    pub ticket: Ticket,
    /// The API version the client reads: a v1 client gets v1's outcome
    /// words ([`upcheck_core::Outcome::in_v1`]).
    pub api_version: u8,
}

/// Starts `batch` and returns the NDJSON body, one line per URL in completion
/// order (fewer if the batch was cut off, then ending with an error).
pub fn start(
    checker: Arc<Checker>,
    batch: Batch,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let (tx, rx) = mpsc::channel(CHANNEL_LINES);
    let cut = Arc::new(AtomicBool::new(false));
    tokio::spawn(drive(checker, batch, tx, cut.clone()));
    stream::unfold(Some((rx, cut)), |state| async move {
        let (mut rx, cut) = state?;
        match rx.recv().await {
            Some(line) => Some((Ok(line), Some((rx, cut)))),
            None if cut.load(Ordering::SeqCst) => Some((
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client took no data for too long; batch cut off",
                )),
                None,
            )),
            None => None,
        }
    })
}

async fn drive(checker: Arc<Checker>, batch: Batch, tx: mpsc::Sender<Bytes>, cut: Arc<AtomicBool>) {
    let Batch {
        jobs,
        concurrency,
        write_stall,
        ticket,
        api_version,
    } = batch;
    let concurrency = concurrency.max(1);
    let permits = ticket.checks();
    let mut queue = jobs.into_iter().enumerate().peekable();
    // After a 429, this batch's later tries to that host take turns.
    let pace = Arc::new(Pace::default());
    // Dropping this (on any return) aborts every check still in flight, which
    // frees their slots.
    let mut running: JoinSet<CheckLine> = JoinSet::new();
    let mut indices = HashMap::new();
    let mut unsent: VecDeque<Bytes> = VecDeque::new();
    // Since when finished lines have waited for the reader.
    let mut waiting_since: Option<Instant> = None;
    loop {
        if queue.peek().is_none() && running.is_empty() && unsent.is_empty() {
            return;
        }
        let room = running.len() + unsent.len() < concurrency;
        let stall_at = waiting_since.map_or_else(far_future, |t| t + write_stall);
        tokio::select! {
            biased;
            () = tx.closed() => {
                tracing::debug!("client gone: stopping its batch");
                return;
            }
            sent = tx.reserve(), if !unsent.is_empty() => match (sent, unsent.pop_front()) {
                (Ok(place), Some(line)) => {
                    place.send(line);
                    waiting_since = (!unsent.is_empty()).then(Instant::now);
                }
                _ => return,
            },
            () = tokio::time::sleep_until(stall_at), if waiting_since.is_some() => {
                tracing::info!(
                    "a reader took nothing for {write_stall:?}: cutting its batch off"
                );
                cut.store(true, Ordering::SeqCst);
                return;
            }
            done = running.join_next_with_id(), if !running.is_empty() => {
                let line = match done {
                    Some(Ok((id, mut line))) => {
                        indices.remove(&id);
                        if api_version < 2 {
                            line.outcome = line.outcome.in_v1();
                        }
                        line::encode(&line)
                    }
                    Some(Err(e)) => {
                        tracing::error!("a check failed: {e}");
                        let index = indices.remove(&e.id()).unwrap_or_default();
                        line::encode(&line::internal_error(index))
                    }
                    None => continue,
                };
                unsent.push_back(line);
                waiting_since.get_or_insert_with(Instant::now);
            }
            permit = permits.clone().acquire_owned(), if room && queue.peek().is_some() => {
                let (Ok(permit), Some((index, (url, params)))) = (permit, queue.next()) else {
                    continue;
                };
                let checker = checker.clone();
                let pace = pace.clone();
                let handle = running.spawn(async move {
                    let line = checker.check(index, &url, &params, &pace).await;
                    drop(permit);
                    line
                });
                indices.insert(handle.id(), index);
            }
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}
