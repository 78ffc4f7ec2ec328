//! The pool: runs a list of checks as async fetch futures on the browser's event
//! loop, at most `concurrency` in flight, and reports each result the moment it
//! arrives. Sequential mode is the same pool with a limit of one.

use futures::channel::oneshot;
use futures::{FutureExt, StreamExt};
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
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

/// Collects events and hands them over at most once a frame: at 10,000 sites
/// a render per result would keep the main thread busy; a render per frame
/// still shows every result the moment the screen can.
struct Batcher {
    pending: RefCell<Vec<EngineEvent>>,
    scheduled: Cell<bool>,
    sink: Callback<Vec<EngineEvent>>,
}

/// Milliseconds between flushes: one frame at 60 Hz.
const FRAME_MS: u32 = 16;

impl Batcher {
    fn push(self: &Rc<Self>, event: EngineEvent) {
        self.pending.borrow_mut().push(event);
        if !self.scheduled.replace(true) {
            let me = self.clone();
            Timeout::new(FRAME_MS, move || me.flush()).forget();
        }
    }

    fn flush(&self) {
        self.scheduled.set(false);
        let events = std::mem::take(&mut *self.pending.borrow_mut());
        if !events.is_empty() {
            self.sink.emit(events);
        }
    }
}

/// Starts checking `jobs`, at most `concurrency` at once. Events reach
/// `on_events` in order, batched per frame; the final `Done` is never delayed.
pub fn run(
    jobs: Vec<Job>,
    concurrency: usize,
    opts: CheckOptions,
    on_events: Callback<Vec<EngineEvent>>,
) -> StopHandle {
    let (sender, receiver) = oneshot::channel::<()>();
    let stop: StopSignal = receiver.shared();
    let flag = Rc::new(Cell::new(false));
    let stopped = flag.clone();
    let started = now();
    let batcher = Rc::new(Batcher {
        pending: RefCell::new(Vec::new()),
        scheduled: Cell::new(false),
        sink: on_events,
    });
    yew::platform::spawn_local(async move {
        let opts = &opts;
        let stop = &stop;
        let stopped = &stopped;
        let batcher = &batcher;
        futures::stream::iter(jobs)
            .for_each_concurrent(concurrency.max(1), |job| async move {
                let result = if stopped.get() {
                    CheckResult::cancelled_before_start()
                } else {
                    batcher.push(EngineEvent::Checking(job.id));
                    check(&job.url, opts, stop).await
                };
                batcher.push(EngineEvent::Finished(job.id, result));
            })
            .await;
        let wall_ms = now() - started;
        batcher
            .pending
            .borrow_mut()
            .push(EngineEvent::Done { wall_ms });
        batcher.flush();
    });
    StopHandle {
        sender: Some(sender),
        flag,
    }
}
