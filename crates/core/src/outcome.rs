//! The outcome vocabulary: every checked site ends in exactly one of these.
//! Every predicate below matches each outcome by name, so adding one makes the
//! compiler list the places that must decide about it.
//!
//! The lowercase names are a contract: the page puts them in `data-state`, the
//! proxy writes them in its NDJSON `outcome` field.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What is known about one site (docs/API.md, "Outcomes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Waiting for a free slot.
    Queued,
    /// Request in flight.
    Checking,
    /// An HTTP response was seen, its final status is accepted and every
    /// content assertion held.
    Up,
    /// Like `up`, but the answer took longer than the slow threshold.
    Slow,
    /// An HTTP response was seen and its final status is not accepted, or a
    /// content assertion failed.
    Down,
    /// The site answered 429, or 503 with `Retry-After`: it asked to be asked
    /// later. Says the server is alive but not whether people get the page,
    /// so it counts neither for nor against uptime.
    Limited,
    /// A bot wall (a challenge page from a bot-protection service) answered
    /// instead of the site: the site is probably up for people. Counts as
    /// answered, like `reachable`.
    Challenged,
    /// The server answered but the browser hides the status (opaque response).
    Reachable,
    /// No HTTP response: DNS failure, refused, reset, TLS failure, browser block.
    Unreachable,
    /// No response within the deadline.
    Timeout,
    /// Not attempted by policy, with the reason.
    Blocked,
    /// The input is not a checkable http(s) URL.
    Invalid,
    /// The person stopped the run before this site finished.
    Cancelled,
}

impl Outcome {
    /// Every outcome, in the order a summary lists them.
    pub const ALL: [Outcome; 13] = [
        Outcome::Up,
        Outcome::Slow,
        Outcome::Down,
        Outcome::Limited,
        Outcome::Challenged,
        Outcome::Reachable,
        Outcome::Unreachable,
        Outcome::Timeout,
        Outcome::Blocked,
        Outcome::Invalid,
        Outcome::Cancelled,
        Outcome::Checking,
        Outcome::Queued,
    ];

    /// The contract name (`data-state`, NDJSON `outcome`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Queued => "queued",
            Outcome::Checking => "checking",
            Outcome::Up => "up",
            Outcome::Slow => "slow",
            Outcome::Down => "down",
            Outcome::Limited => "limited",
            Outcome::Challenged => "challenged",
            Outcome::Reachable => "reachable",
            Outcome::Unreachable => "unreachable",
            Outcome::Timeout => "timeout",
            Outcome::Blocked => "blocked",
            Outcome::Invalid => "invalid",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// A symbol shown beside the name, so the outcome never rests on color alone.
    pub const fn icon(self) -> &'static str {
        match self {
            Outcome::Queued => "…",
            Outcome::Checking => "↻",
            Outcome::Up => "✓",
            Outcome::Slow => "◔",
            Outcome::Down => "✗",
            Outcome::Limited => "⏸",
            Outcome::Challenged => "⛨",
            Outcome::Reachable => "◐",
            Outcome::Unreachable => "⊘",
            Outcome::Timeout => "◷",
            Outcome::Blocked => "⊖",
            Outcome::Invalid => "?",
            Outcome::Cancelled => "■",
        }
    }

    /// True once nothing more will happen to the site in this run.
    pub const fn is_final(self) -> bool {
        match self {
            Outcome::Queued | Outcome::Checking => false,
            Outcome::Up
            | Outcome::Slow
            | Outcome::Down
            | Outcome::Limited
            | Outcome::Challenged
            | Outcome::Reachable
            | Outcome::Unreachable
            | Outcome::Timeout
            | Outcome::Blocked
            | Outcome::Invalid
            | Outcome::Cancelled => true,
        }
    }

    /// True when the site answered: `up` or `slow`, `reachable` with its
    /// status hidden, or `challenged` behind a bot wall. Uptime counts these
    /// as good.
    pub const fn answered(self) -> bool {
        match self {
            Outcome::Up | Outcome::Slow | Outcome::Reachable | Outcome::Challenged => true,
            Outcome::Queued
            | Outcome::Checking
            | Outcome::Down
            | Outcome::Limited
            | Outcome::Unreachable
            | Outcome::Timeout
            | Outcome::Blocked
            | Outcome::Invalid
            | Outcome::Cancelled => false,
        }
    }

    /// True when the site itself failed: it answered with a status that is not
    /// accepted, did not answer, or not in time. The tab title counts these.
    pub const fn failing(self) -> bool {
        match self {
            Outcome::Down | Outcome::Unreachable | Outcome::Timeout => true,
            Outcome::Queued
            | Outcome::Checking
            | Outcome::Up
            | Outcome::Slow
            | Outcome::Limited
            | Outcome::Challenged
            | Outcome::Reachable
            | Outcome::Blocked
            | Outcome::Invalid
            | Outcome::Cancelled => false,
        }
    }

    /// True when the outcome says something about the site (it answered or it
    /// failed); `limited`, `blocked`, `invalid`, `cancelled` and unfinished
    /// ones do not.
    /// Only these count for uptime and for "changed state" notifications.
    pub const fn observed(self) -> bool {
        self.answered() || self.failing()
    }

    /// True for outcomes "Re-check failed" picks: failing sites, those that
    /// asked to be asked later and those the person stopped before they
    /// finished.
    pub const fn worth_rechecking(self) -> bool {
        match self {
            Outcome::Down
            | Outcome::Unreachable
            | Outcome::Timeout
            | Outcome::Limited
            | Outcome::Cancelled => true,
            Outcome::Queued
            | Outcome::Checking
            | Outcome::Up
            | Outcome::Slow
            | Outcome::Challenged
            | Outcome::Reachable
            | Outcome::Blocked
            | Outcome::Invalid => false,
        }
    }

    /// The outcome as API v1 named it, for a client that asked for v1: the
    /// three words v2 added fold into the v1 word a v1 page would have shown
    /// (`slow` was `up`; `limited` and `challenged` were `down`). The line's
    /// `error.kind` still says which.
    pub const fn in_v1(self) -> Outcome {
        match self {
            Outcome::Slow => Outcome::Up,
            Outcome::Limited | Outcome::Challenged => Outcome::Down,
            Outcome::Queued
            | Outcome::Checking
            | Outcome::Up
            | Outcome::Down
            | Outcome::Reachable
            | Outcome::Unreachable
            | Outcome::Timeout
            | Outcome::Blocked
            | Outcome::Invalid
            | Outcome::Cancelled => self,
        }
    }

    /// Position in [`Outcome::ALL`], for per-outcome counters.
    pub const fn index(self) -> usize {
        match self {
            Outcome::Up => 0,
            Outcome::Slow => 1,
            Outcome::Down => 2,
            Outcome::Limited => 3,
            Outcome::Challenged => 4,
            Outcome::Reachable => 5,
            Outcome::Unreachable => 6,
            Outcome::Timeout => 7,
            Outcome::Blocked => 8,
            Outcome::Invalid => 9,
            Outcome::Cancelled => 10,
            Outcome::Checking => 11,
            Outcome::Queued => 12,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_contract_and_serde_agrees() {
        for o in Outcome::ALL {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
            let back: Outcome = serde_json::from_str(&json).unwrap();
            assert_eq!(back, o);
            assert_eq!(Outcome::ALL[o.index()], o);
        }
    }

    #[test]
    fn answered_and_failing_never_overlap() {
        for o in Outcome::ALL {
            assert!(!(o.answered() && o.failing()), "{o}");
            assert_eq!(o.observed(), o.answered() || o.failing(), "{o}");
            assert!(!o.observed() || o.is_final(), "{o}");
        }
        let failing: Vec<_> = Outcome::ALL.into_iter().filter(|o| o.failing()).collect();
        assert_eq!(
            failing,
            [Outcome::Down, Outcome::Unreachable, Outcome::Timeout]
        );
        assert!(Outcome::Cancelled.worth_rechecking() && !Outcome::Blocked.worth_rechecking());
    }

    #[test]
    fn v1_clients_see_only_v1_words() {
        let v2_only = [Outcome::Slow, Outcome::Limited, Outcome::Challenged];
        for o in Outcome::ALL {
            assert!(!v2_only.contains(&o.in_v1()), "{o}");
            if !v2_only.contains(&o) {
                assert_eq!(o.in_v1(), o);
            }
        }
    }

    #[test]
    fn only_queued_and_checking_are_unfinished() {
        let unfinished: Vec<_> = Outcome::ALL.iter().filter(|o| !o.is_final()).collect();
        assert_eq!(unfinished, [&Outcome::Checking, &Outcome::Queued]);
    }
}
