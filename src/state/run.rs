//! Runs: how checks are scheduled, and the record of finished runs.

use serde::{Deserialize, Serialize};

/// How checks are scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Up to `concurrency` at once.
    Concurrent,
    /// One at a time, to show what concurrency saves.
    Sequential,
}

/// One run: the whole list, or a re-check of some rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Identifies the run; results of older runs are ignored.
    pub id: u64,
    /// Scheduling mode.
    pub mode: Mode,
    /// Checks in flight at most.
    pub concurrency: u32,
    /// True when the run goes through the proxy.
    pub via_proxy: bool,
    /// Sites this run checks.
    pub sites: usize,
    /// True for a whole-list run, false for a re-check of some rows.
    pub whole_list: bool,
    /// Identifies the list (its normalised URLs), to compare runs of the same list.
    pub list_key: u64,
    /// `performance.now()` when it started.
    pub started_at: f64,
    /// Wall time, once every check finished.
    pub wall_ms: Option<f64>,
}

/// A finished whole-list run, kept to compare modes on the same list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Scheduling mode.
    pub mode: Mode,
    /// Checks in flight at most.
    pub concurrency: u32,
    /// Sites checked.
    pub sites: usize,
    /// Wall time.
    pub wall_ms: f64,
    /// Sum of every check's time.
    pub sum_ms: f64,
    /// Which list.
    pub list_key: u64,
    /// Whether it went through the proxy.
    pub via_proxy: bool,
    /// Whether the person stopped it.
    pub stopped: bool,
}
