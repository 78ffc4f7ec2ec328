//! The pool: runs a list of checks as async fetch futures on the browser's event
//! loop, at most `concurrency` in flight, and reports each result the moment it
//! arrives. Sequential mode is the same pool with a limit of one.

use futures::channel::oneshot;
use futures::{FutureExt, StreamExt};
use std::cell::Cell;
use std::rc::Rc;
use url::Url;
use yew::Callback;

use super::check::{check, now, CheckOptions, StopSignal};
use crate::state::CheckResult;

/// One site to check.
#[derive(Debug, Clone)]
pub struct Job {
    /// Row id to report against.
    pub id: usize,
    /// What to fetch.
    pub url: Url,
}

/// What the pool reports, in the order it happens.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// A slot was free and the check of row `id` started.
    Checking(usize),
    /// Row `id` finished.
    Finished(usize, CheckResult),
    /// Every job finished (or was cancelled); wall time of the run.
    Done {
        /// Milliseconds from start to the last result.
        wall_ms: f64,
    },
}

/// Stops a run: in-flight fetches are aborted and end `cancelled`, queued jobs
/// end `cancelled` without a request. Dropping the handle stops the run too.
pub struct StopHandle {
    sender: Option<oneshot::Sender<()>>,
    flag: Rc<Cell<bool>>,
}

impl StopHandle {
    /// Stops the run.
    pub fn stop(mut self) {
        self.flag.set(true);
        if let Some(tx) = self.sender.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for StopHandle {
    fn drop(&mut self) {
        self.flag.set(true);
    }
}

/// Starts checking `jobs`, at most `concurrency` at once, reporting through `on_event`.
pub fn run(
    jobs: Vec<Job>,
    concurrency: usize,
    opts: CheckOptions,
    on_event: Callback<EngineEvent>,
) -> StopHandle {
    let (sender, receiver) = oneshot::channel::<()>();
    let stop: StopSignal = receiver.shared();
    let flag = Rc::new(Cell::new(false));
    let stopped = flag.clone();
    let started = now();
    yew::platform::spawn_local(async move {
        let opts = &opts;
        let stop = &stop;
        let stopped = &stopped;
        let on_event = &on_event;
        futures::stream::iter(jobs)
            .for_each_concurrent(concurrency.max(1), |job| async move {
                let result = if stopped.get() {
                    CheckResult::cancelled_before_start()
                } else {
                    on_event.emit(EngineEvent::Checking(job.id));
                    check(&job.url, opts, stop).await
                };
                on_event.emit(EngineEvent::Finished(job.id, result));
            })
            .await;
        on_event.emit(EngineEvent::Done {
            wall_ms: now() - started,
        });
    });
    StopHandle {
        sender: Some(sender),
        flag,
    }
}
