//! Runs: the one going on, and the record of finished ones.

use std::rc::Rc;

use upcheck_core::Vantage;

use crate::model::waterfall::Bar;
use crate::model::Mode;

/// One run: the whole list, or a re-check of some rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunInfo {
    /// Identifies the run; results of older runs are ignored.
    pub(crate) id: u64,
    /// Scheduling mode.
    pub(crate) mode: Mode,
    /// Checks in flight at most.
    pub(crate) concurrency: u32,
    /// True when the run goes through the proxy.
    pub(crate) via_proxy: bool,
    /// Where it checks from, in order (one for a usual run; with several,
    /// each row holds one result per vantage point and their verdict).
    pub(crate) vantages: Rc<Vec<Vantage>>,
    /// Sites this run checks.
    pub(crate) sites: usize,
    /// True for a whole-list run, false for a re-check of some rows.
    pub(crate) whole_list: bool,
    /// Identifies the list (its normalised URLs), to compare runs of the same list.
    pub(crate) list_key: u64,
    /// `performance.now()` when it started.
    pub(crate) started_at: f64,
    /// Wall time, once every check finished.
    pub(crate) wall_ms: Option<f64>,
}

impl RunInfo {
    /// True when each site is checked from several vantage points.
    pub(crate) fn everywhere(&self) -> bool {
        self.vantages.len() > 1
    }

    /// Most checks in flight at once.
    pub(crate) fn limit(&self) -> u32 {
        limit(self.mode, self.concurrency)
    }
}

impl RunRecord {
    /// Most checks that were in flight at once.
    pub(crate) fn limit(&self) -> u32 {
        limit(self.mode, self.concurrency)
    }
}

/// One at a time is one; concurrent, the page's field, or through the
/// proxy the proxy's own limit for one batch (what the run recorded).
fn limit(mode: Mode, concurrency: u32) -> u32 {
    match mode {
        Mode::Sequential => 1,
        Mode::Concurrent => concurrency,
    }
}

/// A finished whole-list run, kept to compare modes on the same list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunRecord {
    /// Scheduling mode.
    pub(crate) mode: Mode,
    /// Checks in flight at most.
    pub(crate) concurrency: u32,
    /// Sites checked.
    pub(crate) sites: usize,
    /// Wall time.
    pub(crate) wall_ms: f64,
    /// Sum of every check's time.
    pub(crate) sum_ms: f64,
    /// Which list.
    pub(crate) list_key: u64,
    /// Whether it went through the proxy.
    pub(crate) via_proxy: bool,
    /// Whether the person stopped it.
    pub(crate) stopped: bool,
    /// Each timed site's start and end, in list order: its waterfall, drawn
    /// beside the other mode's on the same time scale.
    pub(crate) bars: Rc<Vec<Bar>>,
}
