//! Run statistics: counts per outcome, and what concurrency bought.
//!
//! Checking sites is I/O-bound: one after another the run costs the *sum* of the
//! latencies; concurrently it costs about the *slowest*. `speed-up = sum / wall`
//! says how much the run saved.

use crate::Outcome;

/// Incremental counters for a run, updated in O(1) per result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    counts: [usize; Outcome::ALL.len()],
    /// Sum of every finished check's latency, in milliseconds.
    pub sum_ms: f64,
}

impl Tally {
    /// Counts one more site in `outcome`.
    pub fn add(&mut self, outcome: Outcome) {
        self.counts[outcome.index()] += 1;
    }

    /// Moves one site from `from` to `to`.
    pub fn change(&mut self, from: Outcome, to: Outcome) {
        let slot = &mut self.counts[from.index()];
        *slot = slot.saturating_sub(1);
        self.counts[to.index()] += 1;
    }

    /// Adds one check's latency to the sum.
    pub fn add_latency(&mut self, ms: f64) {
        self.sum_ms += ms;
    }

    /// Sites currently in `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.counts[outcome.index()]
    }

    /// Every site counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Sites with a final outcome.
    pub fn done(&self) -> usize {
        Outcome::ALL
            .iter()
            .filter(|o| o.is_final())
            .map(|&o| self.count(o))
            .sum()
    }
}

/// Speed-up of a run: sum of latencies over wall time, `None` before any time passed.
pub fn speedup(sum_ms: f64, wall_ms: f64) -> Option<f64> {
    (wall_ms > 0.0 && sum_ms > 0.0).then(|| sum_ms / wall_ms)
}

/// A duration for people: `840 ms`, `1.25 s`, `2 min 5 s`.
pub fn format_ms(ms: f64) -> String {
    if ms < 1_000.0 {
        format!("{} ms", ms.round() as u64)
    } else if ms < 60_000.0 {
        format!("{:.2} s", crate::decimal::Decimal(ms / 1_000.0))
    } else {
        let s = (ms / 1_000.0).round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_moves_sites_between_outcomes() {
        let mut t = Tally::default();
        for _ in 0..3 {
            t.add(Outcome::Queued);
        }
        t.change(Outcome::Queued, Outcome::Checking);
        t.change(Outcome::Checking, Outcome::Up);
        t.change(Outcome::Queued, Outcome::Timeout);
        t.add(Outcome::Invalid);
        assert_eq!(t.total(), 4);
        assert_eq!(t.done(), 3);
        assert_eq!(t.count(Outcome::Queued), 1);
        assert_eq!(t.count(Outcome::Up), 1);
    }

    #[test]
    fn speedup_is_sum_over_wall() {
        assert_eq!(speedup(15_000.0, 1_000.0), Some(15.0));
        assert_eq!(speedup(0.0, 0.0), None);
        assert_eq!(speedup(10.0, 0.0), None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(840.4), "840 ms");
        assert_eq!(format_ms(1_250.0), "1.25 s");
        assert_eq!(format_ms(125_000.0), "2 min 5 s");
    }
}
