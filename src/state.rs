//! The page's state and the one place it changes: [`Action`]s applied by
//! [`State::reduce`].
//!
//! Rows live in a shared, interior-mutable vector so that applying one result is
//! O(1) by row id: cloning a 10,000-row vector on every result would make a big
//! run quadratic. Each row is an `Rc<Row>` replaced on change, so row components
//! whose `Rc` did not change skip re-rendering.

use std::cell::RefCell;
use std::rc::Rc;
use upcheck_core::parse::ParsedList;
use upcheck_core::{Outcome, Tally};
use yew::Reducible;

/// One site in the list, as shown in one result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable id: the row's position in the run (used as the key).
    pub id: usize,
    /// Line of the pasted list it came from.
    pub line: usize,
    /// The normalised URL, or for invalid lines the text as written.
    pub url: String,
    /// Current outcome.
    pub outcome: Outcome,
    /// HTTP status, when the browser let us see it.
    pub status: Option<u16>,
    /// Time to the response that decided the outcome, in milliseconds.
    pub latency_ms: Option<f64>,
    /// What was seen, in words: "HTTP 404 Not Found", the reason for `invalid`, …
    pub detail: String,
    /// Where redirects ended, when the browser revealed a redirect.
    pub final_url: Option<String>,
}

/// What one finished check found out.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The outcome.
    pub outcome: Outcome,
    /// HTTP status, if seen.
    pub status: Option<u16>,
    /// Time to the deciding response, if one came.
    pub latency_ms: Option<f64>,
    /// Whole time this check held a slot (fallback attempts included).
    pub busy_ms: f64,
    /// What was seen, in words.
    pub detail: String,
    /// Final URL after redirects, if the response revealed one.
    pub final_url: Option<String>,
}

impl CheckResult {
    /// A queued check the person stopped before it got a slot.
    pub fn cancelled_before_start() -> Self {
        CheckResult {
            outcome: Outcome::Cancelled,
            status: None,
            latency_ms: None,
            busy_ms: 0.0,
            detail: "stopped before it started".into(),
            final_url: None,
        }
    }
}

/// How checks are scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Up to `concurrency` at once.
    Concurrent,
    /// One at a time, to show what concurrency saves.
    Sequential,
}

/// Timing of the current (or last) run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Identifies the run; results of older runs are ignored.
    pub id: u64,
    /// Scheduling mode.
    pub mode: Mode,
    /// Checks in flight at most.
    pub concurrency: u32,
    /// `performance.now()` when it started.
    pub started_at: f64,
    /// Wall time, once every check finished.
    pub wall_ms: Option<f64>,
}

/// The page's state.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Result rows, indexed by id.
    pub rows: Rc<RefCell<Vec<Rc<Row>>>>,
    /// Counts per outcome, kept in step with `rows`.
    pub tally: Tally,
    /// The current or last run.
    pub run: Option<RunInfo>,
    /// Duplicates merged when the list was read.
    pub duplicates: usize,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && self.tally == other.tally
            && self.run == other.run
            && self.duplicates == other.duplicates
    }
}

impl State {
    /// True while checks are still running.
    pub fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.wall_ms.is_none())
    }
}

/// Everything that can happen to the page's state.
#[derive(Debug, Clone)]
pub enum Action {
    /// A new run over a parsed list: rows reset, valid ones queued.
    Start {
        /// Run identity.
        run: RunInfo,
        /// The parsed list.
        list: Rc<ParsedList>,
    },
    /// Row `id` got a slot and its request is in flight.
    Checking {
        /// Run the event belongs to.
        run: u64,
        /// Row id.
        id: usize,
    },
    /// Row `id` finished.
    Finished {
        /// Run the event belongs to.
        run: u64,
        /// Row id.
        id: usize,
        /// What it found.
        result: CheckResult,
    },
    /// Every check of the run finished.
    RunDone {
        /// Run the event belongs to.
        run: u64,
        /// Wall time of the run.
        wall_ms: f64,
    },
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Start { run, list } => next.start(run, &list),
            Action::Checking { run, id } => {
                if next.is_current(run) {
                    next.update(id, |row| row.outcome = Outcome::Checking);
                }
            }
            Action::Finished { run, id, result } => {
                if next.is_current(run) {
                    next.tally.add_latency(result.busy_ms);
                    next.update(id, |row| {
                        row.outcome = result.outcome;
                        row.status = result.status;
                        row.latency_ms = result.latency_ms;
                        row.detail = result.detail;
                        row.final_url = result.final_url;
                    });
                }
            }
            Action::RunDone { run, wall_ms } => {
                if let Some(info) = next.run.as_mut().filter(|r| r.id == run) {
                    info.wall_ms = Some(wall_ms);
                }
            }
        }
        Rc::new(next)
    }
}

impl State {
    fn is_current(&self, run: u64) -> bool {
        self.run.as_ref().is_some_and(|r| r.id == run)
    }

    fn start(&mut self, run: RunInfo, list: &ParsedList) {
        let rows: Vec<Rc<Row>> = list
            .entries
            .iter()
            .enumerate()
            .map(|(id, entry)| {
                let (url, outcome, detail) = match &entry.target {
                    Ok(url) => (url.to_string(), Outcome::Queued, String::new()),
                    Err(err) => (
                        entry.input.clone(),
                        Outcome::Invalid,
                        format!("line {}: {err}", entry.line),
                    ),
                };
                Rc::new(Row {
                    id,
                    line: entry.line,
                    url,
                    outcome,
                    status: None,
                    latency_ms: None,
                    detail,
                    final_url: None,
                })
            })
            .collect();
        let mut tally = Tally::default();
        for row in &rows {
            tally.add(row.outcome);
        }
        // A fresh vector: the previous run's rows stay untouched for anyone
        // still holding them.
        self.rows = Rc::new(RefCell::new(rows));
        self.tally = tally;
        self.duplicates = list.duplicates;
        self.run = Some(run);
    }

    fn update(&mut self, id: usize, change: impl FnOnce(&mut Row)) {
        let mut rows = self.rows.borrow_mut();
        let Some(slot) = rows.get_mut(id) else {
            return;
        };
        let before = slot.outcome;
        let mut row = (**slot).clone();
        change(&mut row);
        self.tally.change(before, row.outcome);
        *slot = Rc::new(row);
    }
}
