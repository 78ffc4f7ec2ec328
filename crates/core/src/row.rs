//! One site of a list as every front end holds it: the line it came from, where
//! its check stands, and its recent history. The page's reducer, local storage
//! and the exports all work on this one type.

use crate::options::SiteOptions;
use crate::result::CheckResult;
use crate::Outcome;

/// Results kept per site for the history strip and uptime.
pub const HISTORY_LEN: usize = 30;

/// Where one site's check stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Waiting for a free slot.
    Queued,
    /// Its request is in flight, since `since_ms` on the run's clock
    /// (milliseconds from the run's start; the waterfall's growing bar).
    Checking {
        /// When it started.
        since_ms: f64,
    },
    /// Finished (or never checkable: an `invalid` line is a result too).
    Done(CheckResult),
}

/// One site in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable id: the row's position in the list (used as the key).
    pub id: usize,
    /// Line of the pasted list it came from.
    pub line: usize,
    /// The normalised URL, or for invalid lines the text as written.
    pub url: String,
    /// The options its line gave (what exports write after the URL).
    pub options: SiteOptions,
    /// Where its check stands.
    pub progress: Progress,
    /// True for a result restored from an earlier visit, not checked since.
    pub stale: bool,
    /// The last [`HISTORY_LEN`] outcomes, oldest first (watch mode's strip).
    pub history: Vec<Outcome>,
    /// With several vantage points, where each one's check stands, in the
    /// run's vantage order; `progress` is then their combined verdict
    /// ([`crate::vantage::combine`]). Empty for a check from one place.
    pub seen: Vec<Progress>,
}

impl Row {
    /// A row waiting to be checked.
    pub fn queued(id: usize, line: usize, url: String) -> Self {
        Row {
            id,
            line,
            url,
            options: SiteOptions::default(),
            progress: Progress::Queued,
            stale: false,
            history: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// The row's outcome: `queued`/`checking` until its result arrives.
    pub fn outcome(&self) -> Outcome {
        match &self.progress {
            Progress::Queued => Outcome::Queued,
            Progress::Checking { .. } => Outcome::Checking,
            Progress::Done(result) => result.outcome,
        }
    }

    /// The finished result, if there is one.
    pub fn result(&self) -> Option<&CheckResult> {
        match &self.progress {
            Progress::Done(result) => Some(result),
            Progress::Queued | Progress::Checking { .. } => None,
        }
    }

    /// What was seen, in words (empty while unfinished).
    pub fn detail(&self) -> &str {
        self.result().map_or("", |r| r.detail.as_str())
    }

    /// Time to the deciding response, if one came.
    pub fn latency_ms(&self) -> Option<f64> {
        self.result().and_then(|r| r.latency_ms)
    }

    /// Vantage `i`'s result, when it has finished.
    pub fn seen_result(&self, i: usize) -> Option<&CheckResult> {
        match self.seen.get(i)? {
            Progress::Done(result) => Some(result),
            Progress::Queued | Progress::Checking { .. } => None,
        }
    }

    /// Every vantage's result once all have finished (what [`crate::vantage::combine`]
    /// reads), else `None`.
    pub fn all_seen(&self) -> Option<Vec<&CheckResult>> {
        (0..self.seen.len()).map(|i| self.seen_result(i)).collect()
    }

    /// Records a finished result's outcome in the history strip (a check the
    /// person stopped says nothing, so it is not recorded).
    pub fn remember(&mut self, outcome: Outcome) {
        if outcome.is_final() && outcome != Outcome::Cancelled {
            self.history.push(outcome);
            let extra = self.history.len().saturating_sub(HISTORY_LEN);
            self.history.drain(..extra);
        }
    }

    /// Share of observed checks in which the site answered, once there are
    /// at least two.
    pub fn uptime(&self) -> Option<f64> {
        let counted = self.history.iter().filter(|o| o.observed()).count();
        (counted >= 2).then(|| {
            let good = self.history.iter().filter(|o| o.answered()).count();
            good as f64 / counted as f64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_counts_only_what_says_something_about_the_site() {
        let mut row = Row::queued(0, 1, "https://a.test/".into());
        assert_eq!(row.outcome(), Outcome::Queued);
        row.remember(Outcome::Up);
        assert_eq!(row.uptime(), None);
        for o in [
            Outcome::Down,
            Outcome::Blocked,
            Outcome::Reachable,
            Outcome::Up,
        ] {
            row.remember(o);
        }
        // 3 of 4 observed answered; `blocked` is in the strip but not counted.
        assert_eq!(row.uptime(), Some(0.75));
        for _ in 0..40 {
            row.remember(Outcome::Timeout);
        }
        assert_eq!(row.history.len(), HISTORY_LEN);
    }
}
