//! One batch's host pacing: core's [`HostPace`] on the batch's clock, shared
//! by its checks. After a host answers 429 (or 503 with `Retry-After`), the
//! batch's later tries to it take turns, spaced out, instead of all asking
//! at once. Pacing is per batch ("this run"): another batch, from this
//! client or another, has its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::deadline::ms;
use upcheck_core::retry::HostPace;

/// The pacing of one batch.
#[derive(Debug)]
pub struct Pace {
    start: Instant,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    hosts: HostPace,
    /// The status that made each paced host paced, for the message.
    why: HashMap<String, u16>,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            start: Instant::now(),
            inner: Mutex::new(Inner::default()),
        }
    }
}

impl Pace {
    fn now_ms(&self) -> u64 {
        ms(self.start.elapsed())
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a check panicked while pacing; the
        // schedule is still a valid schedule.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that `host` answered `status` (429, or 503 with
    /// `Retry-After`), asking to slow down.
    pub fn limited(&self, host: &str, status: u16, retry_after_ms: Option<u64>) {
        let now = self.now_ms();
        let mut inner = self.inner();
        inner.hosts.limited(host, now, retry_after_ms);
        inner.why.entry(host.to_owned()).or_insert(status);
    }

    /// Takes `host`'s next turn: how long to wait before asking it, and the
    /// status that made it paced (`None`, and no wait, for a host that never
    /// asked to slow down).
    pub fn take_turn(&self, host: &str) -> (Duration, Option<u16>) {
        let now = self.now_ms();
        let mut inner = self.inner();
        let wait = inner.hosts.take_turn(host, now);
        (Duration::from_millis(wait), inner.why.get(host).copied())
    }
}

/// True when an answer with `status` asks the host to be paced.
pub fn asks_to_slow_down(status: u16, retry_after_ms: Option<u64>) -> bool {
    status == 429 || (status == 503 && retry_after_ms.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_limited_host_waits_and_says_why() {
        let pace = Pace::default();
        assert_eq!(pace.take_turn("a:80"), (Duration::ZERO, None));
        pace.limited("a:80", 429, Some(2_000));
        let (wait, why) = pace.take_turn("a:80");
        assert!(wait > Duration::from_millis(1_900), "{wait:?}");
        assert_eq!(why, Some(429));
        let (next, _) = pace.take_turn("a:80");
        assert!(next > wait + Duration::from_millis(1_900), "{next:?}");
        assert_eq!(pace.take_turn("b:80"), (Duration::ZERO, None));
        assert!(asks_to_slow_down(429, None) && asks_to_slow_down(503, Some(0)));
        assert!(!asks_to_slow_down(503, None) && !asks_to_slow_down(500, Some(1)));
    }
}
