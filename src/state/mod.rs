//! The page's state and the one place it changes: [`Action`]s applied by
//! `reduce`.
//!
//! Rows live in a shared, interior-mutable vector so that applying one result is
//! O(1) by row id: cloning a 10,000-row vector on every result would make a big
//! run quadratic. Each row is an `Rc<Row>` replaced on change, so row components
//! whose `Rc` did not change skip re-rendering; `version` changes with every
//! row change so the list knows to re-render.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use upcheck_core::parse::ParsedList;
use upcheck_core::{vantage, CheckResult, Outcome, Progress, Row, Tally};
use yew::Reducible;

use crate::model::waterfall::{self, Bar};
use crate::model::{Mode, View};
use crate::services::storage::Saved;

mod runs;
#[cfg(test)]
mod tests;

pub(crate) use runs::{RunInfo, RunRecord};

/// A site that went from answering to failing, or back (for notifications).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transition {
    /// Increases with every transition, so a listener knows which are new.
    pub(crate) seq: u64,
    /// The site.
    pub(crate) url: String,
    /// Its previous outcome.
    pub(crate) from: Outcome,
    /// Its new outcome.
    pub(crate) to: Outcome,
}

/// The page's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    /// Result rows, indexed by id.
    pub(crate) rows: Rc<RefCell<Vec<Rc<Row>>>>,
    /// Bumped on every row change.
    pub(crate) version: u64,
    /// Counts per outcome over all rows; `sum_ms` for the current run.
    pub(crate) tally: Tally,
    /// Rows whose result is a flaky pass (answered, but only after a retry).
    pub(crate) flaky: usize,
    /// The current or last run.
    pub(crate) run: Option<RunInfo>,
    /// Duplicates merged when the list was read.
    pub(crate) duplicates: usize,
    /// Finished whole-list runs, newest last (a few per mode).
    pub(crate) history: Vec<RunRecord>,
    /// How long reading the last list took, in milliseconds.
    pub(crate) read_ms: Option<f64>,
    /// Sort, filter and search of the result list.
    pub(crate) view: View,
    /// The latest sites that changed between answering and failing.
    pub(crate) transitions: Rc<Vec<Transition>>,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && self.version == other.version
            && self.tally == other.tally
            && self.flaky == other.flaky
            && self.run == other.run
            && self.history == other.history
            && self.view == other.view
            && Rc::ptr_eq(&self.transitions, &other.transitions)
    }
}

impl State {
    /// True while checks are still running.
    pub(crate) fn running(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.wall_ms.is_none())
    }

    /// The latest finished run of each mode for the current list, if both exist.
    pub(crate) fn comparison(&self) -> Option<(&RunRecord, &RunRecord)> {
        let run = self.run.as_ref()?;
        let (key, via_proxy) = (run.list_key, run.via_proxy);
        let latest = |mode| {
            self.history.iter().rev().find(|r| {
                r.mode == mode && r.list_key == key && r.via_proxy == via_proxy && !r.stopped
            })
        };
        Some((latest(Mode::Sequential)?, latest(Mode::Concurrent)?))
    }

    /// Ids of rows that can be checked again (everything but `invalid`).
    pub(crate) fn checkable_ids(&self, only_failed: bool) -> Vec<usize> {
        self.rows
            .borrow()
            .iter()
            .filter(|r| r.outcome() != Outcome::Invalid && r.outcome().is_final())
            .filter(|r| !only_failed || r.outcome().worth_rechecking())
            .map(|r| r.id)
            .collect()
    }
}

/// Everything that can happen to the page's state.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// A new run over a parsed list: rows replaced, valid ones queued.
    Start {
        /// Run identity.
        run: RunInfo,
        /// The parsed list.
        list: Rc<ParsedList>,
        /// How long reading the list took.
        read_ms: f64,
    },
    /// A re-check of some rows: they go back to `queued`, the rest stay.
    Recheck {
        /// Run identity.
        run: RunInfo,
        /// Rows to check again.
        ids: Vec<usize>,
    },
    /// Row `id` got a slot and its request is in flight.
    Checking {
        /// Run the event belongs to.
        run: u64,
        /// Row id.
        id: usize,
        /// From which of the run's vantage points.
        vantage: usize,
        /// When, on the run's clock.
        since_ms: f64,
    },
    /// Row `id`'s check from one vantage point finished.
    Finished {
        /// Run the event belongs to.
        run: u64,
        /// Row id.
        id: usize,
        /// Which of the run's vantage points.
        vantage: usize,
        /// What it found.
        result: CheckResult,
    },
    /// Rows from an earlier visit, shown greyed until checked again.
    Restore {
        /// The saved list, parsed.
        list: Rc<ParsedList>,
        /// Saved results by normalised URL.
        saved: Rc<HashMap<String, Saved>>,
    },
    /// A new sort, filter or search.
    SetView(View),
    /// Several actions at once (results arriving within one frame), applied
    /// in order with one render.
    Batch(Vec<Action>),
    /// Every check of the run finished.
    RunDone {
        /// Run the event belongs to.
        run: u64,
        /// Wall time of the run.
        wall_ms: f64,
    },
}

/// Finished runs kept for comparison.
const HISTORY: usize = 8;

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

impl State {
    fn apply(&mut self, action: Action) {
        let next = self;
        match action {
            Action::Batch(actions) => {
                for a in actions {
                    next.apply(a);
                }
            }
            Action::Restore { list, saved } => next.restore(&list, &saved),
            Action::SetView(view) => next.view = view,
            Action::Start { run, list, read_ms } => {
                next.start(run, &list);
                next.read_ms = Some(read_ms);
            }
            Action::Recheck { run, ids } => {
                next.tally.sum_ms = 0.0;
                next.forget_spans(&ids);
                let same_places = next
                    .run
                    .as_ref()
                    .is_some_and(|r| r.vantages == run.vantages);
                if !same_places {
                    // Cells of other vantage points would be mislabelled.
                    next.forget_cells();
                }
                let cells = slots(&run);
                for id in ids {
                    next.update(id, |row| {
                        row.progress = Progress::Queued;
                        row.seen = cells.clone();
                        row.stale = false;
                    });
                }
                next.run = Some(run);
            }
            Action::Checking {
                run,
                id,
                vantage,
                since_ms,
            } => {
                if next.is_current(run) {
                    next.update(id, |row| {
                        if let Some(cell) = row.seen.get_mut(vantage) {
                            *cell = Progress::Checking { since_ms };
                        }
                        // With several vantage points, the first to start.
                        if !matches!(row.progress, Progress::Checking { .. }) {
                            row.progress = Progress::Checking { since_ms };
                        }
                    });
                }
            }
            Action::Finished {
                run,
                id,
                vantage,
                result,
            } => {
                if next.is_current(run) {
                    next.finished(id, vantage, result);
                }
            }
            Action::RunDone { run, wall_ms } => next.finish(run, wall_ms),
        }
    }

    /// Vantage `vantage`'s result for row `id`: kept in its cell, and once
    /// every vantage point has finished, their combined verdict becomes the
    /// row's result. A run from one place has no cells: its result is the
    /// row's.
    fn finished(&mut self, id: usize, vantage: usize, result: CheckResult) {
        let vantages = match &self.run {
            Some(run) if run.everywhere() => run.vantages.clone(),
            _ => return self.settle(id, result),
        };
        let mut combined = None;
        self.update(id, |row| {
            if let Some(cell) = row.seen.get_mut(vantage) {
                *cell = Progress::Done(result);
            }
            if let Some(all) = row.all_seen() {
                combined = Some(vantage::combine(&vantages, &all).into_result(&all));
            }
        });
        if let Some(result) = combined {
            self.settle(id, result);
        }
    }

    /// Row `id`'s final result for this run.
    fn settle(&mut self, id: usize, result: CheckResult) {
        self.note_transition(id, result.outcome);
        self.tally.add_latency(result.busy_ms);
        self.update(id, |row| {
            row.remember(result.outcome);
            row.progress = Progress::Done(result);
            row.stale = false;
        });
    }

    /// Drops every row's per-vantage cells.
    fn forget_cells(&mut self) {
        for slot in self.rows.borrow_mut().iter_mut() {
            if !slot.seen.is_empty() {
                Rc::make_mut(slot).seen.clear();
            }
        }
    }

    fn is_current(&self, run: u64) -> bool {
        self.run.as_ref().is_some_and(|r| r.id == run)
    }

    fn start(&mut self, run: RunInfo, list: &ParsedList) {
        // History of sites that were in the previous list carries over.
        let previous: HashMap<String, Vec<Outcome>> = self
            .rows
            .borrow()
            .iter()
            .filter(|r| !r.history.is_empty())
            .map(|r| (r.url.clone(), r.history.clone()))
            .collect();
        self.start_rows(list);
        let cells = slots(&run);
        for slot in self.rows.borrow_mut().iter_mut() {
            if let Some(history) = previous.get(&slot.url) {
                Rc::make_mut(slot).history = history.clone();
            }
            if !cells.is_empty() && slot.outcome() == Outcome::Queued {
                Rc::make_mut(slot).seen = cells.clone();
            }
        }
        self.run = Some(run);
    }

    /// Replaces the rows with the list's entries: valid ones `queued`.
    fn start_rows(&mut self, list: &ParsedList) {
        let rows: Vec<Rc<Row>> = list
            .entries
            .iter()
            .enumerate()
            .map(|(id, entry)| {
                Rc::new(match &entry.target {
                    Ok(url) => Row {
                        options: entry.options.clone(),
                        ..Row::queued(id, entry.line, url.to_string())
                    },
                    Err(err) => {
                        let mut row = Row::queued(id, entry.line, entry.input.clone());
                        let detail = format!("line {}: {err}", entry.line);
                        row.progress = Progress::Done(CheckResult::bare(Outcome::Invalid, detail));
                        row
                    }
                })
            })
            .collect();
        let mut tally = Tally::default();
        for row in &rows {
            tally.add(row.outcome());
        }
        // A fresh vector: the previous run's rows stay untouched for anyone
        // still holding them.
        self.rows = Rc::new(RefCell::new(rows));
        self.version += 1;
        self.tally = tally;
        self.flaky = 0;
        self.duplicates = list.duplicates;
    }

    fn note_transition(&mut self, id: usize, to: Outcome) {
        let (url, from) = {
            let rows = self.rows.borrow();
            let Some(row) = rows.get(id) else { return };
            let Some(&from) = row.history.last() else {
                return;
            };
            (row.url.clone(), from)
        };
        if from.observed() && to.observed() && from.answered() != to.answered() {
            let seq = self.transitions.last().map_or(1, |t| t.seq + 1);
            let mut list = (*self.transitions).clone();
            list.push(Transition { seq, url, from, to });
            let extra = list.len().saturating_sub(50);
            list.drain(..extra);
            self.transitions = Rc::new(list);
        }
    }

    fn restore(&mut self, list: &ParsedList, saved: &HashMap<String, Saved>) {
        self.start_rows(list);
        let mut rows = self.rows.borrow_mut();
        for slot in rows.iter_mut() {
            let row = Rc::make_mut(slot);
            if row.outcome() == Outcome::Invalid {
                continue;
            }
            row.stale = true;
            // A site the earlier visit never finished stays queued.
            if let Some(s) = saved.get(&row.url) {
                row.history = s.history.clone();
                row.progress = Progress::Done(s.result.clone());
            }
        }
        let mut tally = Tally::default();
        for row in rows.iter() {
            tally.add(row.outcome());
        }
        self.tally = tally;
        self.flaky = rows.iter().filter(|r| is_flaky(r)).count();
    }

    fn finish(&mut self, run: u64, wall_ms: f64) {
        let Some(info) = self.run.as_mut().filter(|r| r.id == run) else {
            return;
        };
        info.wall_ms = Some(wall_ms);
        if info.whole_list {
            let record = RunRecord {
                mode: info.mode,
                concurrency: info.concurrency,
                sites: info.sites,
                wall_ms,
                sum_ms: self.tally.sum_ms,
                list_key: info.list_key,
                via_proxy: info.via_proxy,
                stopped: self.tally.count(Outcome::Cancelled) > 0,
                bars: {
                    let rows = self.rows.borrow();
                    Rc::new(waterfall::bars(&rows, 0..rows.len()))
                },
            };
            self.history.push(record);
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
        }
    }

    /// A re-check is a new run with its own clock: the rows it leaves alone
    /// keep their results but drop their place in the old run's waterfall.
    fn forget_spans(&mut self, rechecked: &[usize]) {
        let mut keep = vec![false; self.rows.borrow().len()];
        for &id in rechecked {
            if let Some(k) = keep.get_mut(id) {
                *k = true;
            }
        }
        let mut rows = self.rows.borrow_mut();
        for (slot, rechecked) in rows.iter_mut().zip(keep) {
            if !rechecked && Bar::of(slot).is_some() {
                if let Progress::Done(result) = &mut Rc::make_mut(slot).progress {
                    result.span = None;
                }
            }
        }
    }

    fn update(&mut self, id: usize, change: impl FnOnce(&mut Row)) {
        let mut rows = self.rows.borrow_mut();
        let Some(slot) = rows.get_mut(id) else {
            return;
        };
        let before = slot.outcome();
        let was_flaky = is_flaky(slot);
        let mut row = (**slot).clone();
        change(&mut row);
        self.tally.change(before, row.outcome());
        self.flaky = self.flaky + usize::from(is_flaky(&row)) - usize::from(was_flaky);
        *slot = Rc::new(row);
        self.version += 1;
    }
}

/// A row's empty cells for `run`: one per vantage point when there are
/// several, none for a run from one place.
fn slots(run: &RunInfo) -> Vec<Progress> {
    if run.everywhere() {
        vec![Progress::Queued; run.vantages.len()]
    } else {
        Vec::new()
    }
}

/// True when the row's result is a pass that needed more than one try.
pub(crate) fn is_flaky(row: &Row) -> bool {
    row.result().is_some_and(CheckResult::is_flaky)
}
