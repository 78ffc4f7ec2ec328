//! One site's row: what is shown, what a check found, what is kept.

use serde::{Deserialize, Serialize};
use std::rc::Rc;
use upcheck_core::wire::CheckLine;
use upcheck_core::Outcome;

/// One site in the list, as shown in one result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable id: the row's position in the list (used as the key).
    pub id: usize,
    /// Line of the pasted list it came from.
    pub line: usize,
    /// The normalised URL, or for invalid lines the text as written.
    pub url: String,
    /// Current outcome.
    pub outcome: Outcome,
    /// HTTP status, when it could be seen.
    pub status: Option<u16>,
    /// Time to the response that decided the outcome, in milliseconds.
    pub latency_ms: Option<f64>,
    /// What was seen, in words: "HTTP 404 Not Found", the reason for `invalid`, …
    pub detail: String,
    /// Where redirects ended, when the response revealed a redirect.
    pub final_url: Option<String>,
    /// Everything the proxy reported, when the check went through one.
    pub proxy: Option<Rc<CheckLine>>,
    /// True for a result restored from an earlier visit, not checked since.
    pub stale: bool,
    /// The last [`HISTORY_LEN`] outcomes, oldest first (watch mode's strip).
    pub history: Vec<Outcome>,
}

/// Results kept per site for the history strip and uptime.
pub const HISTORY_LEN: usize = 30;

impl Row {
    /// Share of recorded checks in which the site answered (`up` or
    /// `reachable`), once there are at least two.
    pub fn uptime(&self) -> Option<f64> {
        let counted: Vec<_> = self
            .history
            .iter()
            .filter(|o| !matches!(o, Outcome::Blocked | Outcome::Invalid))
            .collect();
        (counted.len() >= 2).then(|| {
            let good = counted
                .iter()
                .filter(|o| matches!(o, Outcome::Up | Outcome::Reachable))
                .count();
            good as f64 / counted.len() as f64
        })
    }
}

/// A site that went from answering to failing, or back (for notifications).
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Increases with every transition, so a listener knows which are new.
    pub seq: u64,
    /// The site.
    pub url: String,
    /// Its previous outcome.
    pub from: Outcome,
    /// Its new outcome.
    pub to: Outcome,
}

/// True for outcomes that mean the site answered.
pub(super) fn answered(o: Outcome) -> bool {
    matches!(o, Outcome::Up | Outcome::Reachable)
}

/// True for outcomes that say something about the site itself.
pub(super) fn observed(o: Outcome) -> bool {
    matches!(
        o,
        Outcome::Up | Outcome::Reachable | Outcome::Down | Outcome::Unreachable | Outcome::Timeout
    )
}

/// A result kept from an earlier visit (see `services::storage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedResult {
    /// Outcome.
    pub outcome: Outcome,
    /// HTTP status, if seen.
    pub status: Option<u16>,
    /// Latency, if measured.
    pub latency_ms: Option<f64>,
    /// What was seen.
    pub detail: String,
    /// The outcome history.
    #[serde(default)]
    pub history: Vec<Outcome>,
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
    /// Everything the proxy reported, when the check went through one.
    pub proxy: Option<Rc<CheckLine>>,
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
            proxy: None,
        }
    }
}
