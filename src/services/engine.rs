//! The pool: runs a list of checks as async fetch futures on the browser's event
//! loop, at most `concurrency` in flight, and reports each result the moment it
//! arrives. Sequential mode is the same pool with a limit of one.
//!
//! Through a proxy the pool is the proxy's: the whole list goes as one streamed
//! batch (or, one at a time, a batch per site) and lines come back as checks end.
//! In "proxy if one answers" mode, a site the proxy refuses as a private
//! address (`localhost:3000`, an intranet host) is checked from this browser
//! once the batches are done, and its row says so and why.

use futures::channel::oneshot;
use futures::{FutureExt, StreamExt};
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use url::Url;
use yew::Callback;

use super::check::{check, now, CheckOptions, Pacer, StopSignal};
use super::proxy::{self, BatchError};
use super::slice::Slice;
use upcheck_core::wire::{CheckRequest, ErrorKind, Target};
use upcheck_core::{CheckResult, Outcome, SiteOptions, Span};

/// One site to check.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// Row id to report against.
    pub(crate) id: usize,
    /// What to fetch.
    pub(crate) url: Url,
    /// What its line asked for (over the run's defaults).
    pub(crate) options: SiteOptions,
}

impl Job {
    /// Check `url` for row `id` with its line's `options`.
    pub(crate) fn new(id: usize, url: Url, options: SiteOptions) -> Self {
        Job { id, url, options }
    }
}

/// What the pool reports, in the order it happens.
#[derive(Debug, Clone)]
pub(crate) enum EngineEvent {
    /// A slot was free and the check of row `id` from `vantage` started,
    /// `since_ms` after the run did.
    Checking {
        /// Row id.
        id: usize,
        /// Which of the run's vantage points (0 when there is one).
        vantage: usize,
        /// On the run's clock.
        since_ms: f64,
    },
    /// Row `id`'s check from `vantage` finished.
    Finished {
        /// Row id.
        id: usize,
        /// Which of the run's vantage points.
        vantage: usize,
        /// What it found.
        result: CheckResult,
    },
    /// Every job finished (or was cancelled); wall time of the run.
    Done {
        /// Milliseconds from start to the last result.
        wall_ms: f64,
    },
}

/// One streamed proxy batch: rows go `checking` together, each finishes as
/// its line arrives; rows the batch never reached say why. `run_start` is the
/// run's `now()`, for each result's [`Span`].
#[allow(clippy::too_many_arguments)]
async fn run_batch(
    run_start: f64,
    vantage: usize,
    base: &str,
    batch: &[Job],
    opts: &CheckOptions,
    (stop, stopped): (&StopSignal, &Cell<bool>),
    batcher: &Rc<Batcher>,
    refused: Option<&RefCell<Vec<Job>>>,
) {
    let mut pending = vec![true; batch.len()];
    let outcome = if stopped.get() {
        Err(BatchError::Stopped)
    } else {
        let since_ms = now() - run_start;
        for job in batch {
            batcher.push(EngineEvent::Checking {
                id: job.id,
                vantage,
                since_ms,
            });
        }
        let mut request = CheckRequest::new(Vec::new());
        request.urls = batch
            .iter()
            .map(|j| Target {
                url: j.url.to_string(),
                options: j.options.clone(),
            })
            .collect();
        let defaults = &opts.defaults;
        request.timeout_ms = defaults.timeout_ms;
        // The proxy decides each line with the person's rule and each site's
        // options over the list-wide ones: its line is final.
        request.accept = Some(defaults.accept.to_string());
        request.slow_ms = defaults.slow_ms;
        request.retries = defaults.retries;
        let sent = now() - run_start;
        proxy::check_batch(base, &request, stop, |line| {
            let Some(job) = batch.get(line.index) else {
                return; // not one of ours: ignore rather than misattribute
            };
            let private = line.error.as_ref().map(|e| e.kind) == Some(ErrorKind::PrivateAddress);
            if let (true, Some(refused)) = (private, refused) {
                if std::mem::take(&mut pending[line.index]) {
                    refused.borrow_mut().push(job.clone());
                }
                return;
            }
            if std::mem::take(&mut pending[line.index]) {
                // The proxy streams lines in completion order and says how
                // long each check took, not when it began: the end is when
                // the line arrived, the start that end less the proxy's total
                // (late by the line's trip, so an estimate), and never before
                // this batch was sent.
                let arrived = now() - run_start;
                let total = line.timings_ms.total as f64;
                let span = Span::before(arrived, total);
                let mut result = CheckResult::from(line);
                result.span = Some(Span::new(span.started_ms.max(sent), arrived));
                batcher.push(EngineEvent::Finished {
                    id: job.id,
                    vantage,
                    result,
                });
            }
        })
        .await
    };
    let error = match outcome {
        Ok(()) => BatchError::Unreachable("the proxy's stream ended without this site".into()),
        Err(e) => e,
    };
    for (job, _) in batch.iter().zip(&pending).filter(|(_, p)| **p) {
        batcher.push(EngineEvent::Finished {
            id: job.id,
            vantage,
            result: proxy::unchecked(&error),
        });
    }
}

/// Stops a run: in-flight fetches are aborted and end `cancelled`, queued jobs
/// end `cancelled` without a request. Dropping the handle stops the run too.
pub(crate) struct StopHandle {
    sender: Option<oneshot::Sender<()>>,
    flag: Rc<Cell<bool>>,
}

impl StopHandle {
    /// Stops the run.
    pub(crate) fn stop(mut self) {
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

/// Where checks run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Via {
    /// From the browser itself.
    Direct,
    /// Through the Upcheck proxy at `base` (e.g. `http://127.0.0.1:8080`).
    Proxy {
        /// The proxy's base URL.
        base: String,
        /// Most URLs it takes in one batch.
        max_urls: usize,
        /// Most checks of one batch it runs at once.
        in_flight: usize,
        /// Check the sites it refuses as private from this browser instead.
        fallback: bool,
    },
}

/// What a row checked from this browser after the proxy refused it says.
pub(crate) const FROM_THIS_BROWSER: &str =
    "checked from this browser: the proxy refuses private addresses";

/// Checks `jobs` from the browser, at most `concurrency` at once; each
/// result's span on the run's clock (`started`).
async fn run_direct(
    vantage: usize,
    jobs: Vec<Job>,
    concurrency: usize,
    started: f64,
    (opts, pacer, stop, stopped): (&CheckOptions, &Pacer, &StopSignal, &Cell<bool>),
    batcher: &Rc<Batcher>,
    note: Option<&str>,
) {
    let slice = &Slice::new();
    futures::stream::iter(jobs)
        .for_each_concurrent(concurrency.max(1), |job| async move {
            // Starting a fetch costs the main thread a fraction of a
            // millisecond; 256 of them at once were one long task.
            slice.turn().await;
            let result = if stopped.get() {
                CheckResult::bare(Outcome::Cancelled, "stopped before it started")
            } else {
                // The slot is this check's from here until it returns: its
                // bar in the run's waterfall.
                let began = now() - started;
                batcher.push(EngineEvent::Checking {
                    id: job.id,
                    vantage,
                    since_ms: began,
                });
                let expect = job.options.resolve(&opts.defaults);
                let mut result = check(&job.url, &expect, opts, pacer, stop).await;
                result.span = Some(Span::new(began, now() - started));
                if let Some(note) = note {
                    result.detail = format!("{} · {note}", result.detail);
                }
                result
            };
            batcher.push(EngineEvent::Finished {
                id: job.id,
                vantage,
                result,
            });
        })
        .await;
}

/// Starts checking `jobs` from each of `routes` at once (one route: the
/// usual run; several: every vantage point side by side, each with its own
/// pool, events tagged with the route's index), the browser at most
/// `concurrency` at once. Events reach `on_events` in order, batched per
/// frame; the final `Done` is never delayed.
pub(crate) fn start(
    jobs: Vec<Job>,
    concurrency: usize,
    opts: CheckOptions,
    routes: Vec<Via>,
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
        // The rows the run just queued render in their own task, before the
        // first fetches start: together they were one long task.
        yew::platform::time::sleep(std::time::Duration::ZERO).await;
        let pacer = &Pacer::new();
        let (opts, stop, stopped, batcher) = (&opts, &stop, &*stopped, &batcher);
        let ctx = Context {
            started,
            concurrency,
            opts,
            pacer,
            stop,
            stopped,
            batcher,
        };
        let jobs = &jobs;
        let each = routes
            .into_iter()
            .enumerate()
            .map(|(vantage, via)| ctx.run(vantage, jobs.clone(), via));
        futures::future::join_all(each).await;
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

/// What every route of one run shares.
#[derive(Clone, Copy)]
struct Context<'a> {
    started: f64,
    concurrency: usize,
    opts: &'a CheckOptions,
    pacer: &'a Pacer,
    stop: &'a StopSignal,
    stopped: &'a Cell<bool>,
    batcher: &'a Rc<Batcher>,
}

impl Context<'_> {
    /// Checks `jobs` from one vantage point.
    async fn run(self, vantage: usize, jobs: Vec<Job>, via: Via) {
        let Context {
            started,
            concurrency,
            opts,
            pacer,
            stop,
            stopped,
            batcher,
        } = self;
        let ctx = (opts, pacer, stop, stopped);
        match via {
            Via::Direct => {
                run_direct(vantage, jobs, concurrency, started, ctx, batcher, None).await
            }
            Via::Proxy {
                base,
                max_urls,
                fallback,
                ..
            } => {
                let per_batch = if concurrency <= 1 { 1 } else { max_urls.max(1) };
                let refused = RefCell::new(Vec::new());
                let collect = fallback.then_some(&refused);
                for batch in jobs.chunks(per_batch) {
                    let halt = (stop, stopped);
                    run_batch(started, vantage, &base, batch, opts, halt, batcher, collect).await;
                }
                let refused = refused.into_inner();
                if !refused.is_empty() {
                    let note = Some(FROM_THIS_BROWSER);
                    run_direct(vantage, refused, concurrency, started, ctx, batcher, note).await;
                }
            }
        }
    }
}
