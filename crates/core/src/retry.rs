//! Trying again, and not hammering a site that asked us to slow down.
//!
//! Both engines (the page's and the proxy's) use these with their own clocks
//! and randomness, so a retry and a 429 mean the same thing in every mode:
//! - [`Seen::retryable`](crate::Seen::retryable) says which answers are worth
//!   another try (failures, 5xx, 429 — never a bot wall or a 404);
//! - [`backoff_ms`]: exponential backoff with jitter, or the site's own
//!   `Retry-After` when it is longer;
//! - [`retry_after_ms`]: reads `Retry-After` (seconds or an HTTP date);
//! - [`HostPace`]: after a host answered 429, the rest of the run's checks
//!   to it go one at a time, spaced out, instead of all at once.

use std::collections::HashMap;

/// The first retry waits about this long; each next one twice as long.
pub const BACKOFF_BASE_MS: u64 = 250;
/// No backoff (before `Retry-After`) waits longer than this.
pub const BACKOFF_CAP_MS: u64 = 8_000;
/// After a 429 without `Retry-After`, checks to that host are spaced by this.
pub const PACE_DEFAULT_MS: u64 = 1_000;
/// A `Retry-After` longer than this is reported but paced at this.
pub const PACE_CAP_MS: u64 = 60_000;

/// How long to wait before retry number `retry` (1 for the first retry):
/// `BACKOFF_BASE_MS × 2^(retry-1)`, capped, scaled by a jitter factor in
/// `0.5..1.5` from `random` (in `0..1`) so many checks do not retry in step —
/// or the site's `Retry-After` when that is longer.
pub fn backoff_ms(retry: u32, retry_after_ms: Option<u64>, random: f64) -> u64 {
    let exp = BACKOFF_BASE_MS
        .saturating_mul(1u64 << retry.saturating_sub(1).min(16))
        .min(BACKOFF_CAP_MS);
    let jitter = 0.5 + random.clamp(0.0, 1.0);
    let wait = (exp as f64 * jitter).round() as u64;
    wait.max(retry_after_ms.unwrap_or(0))
}

/// A `Retry-After` value in milliseconds: delay-seconds (`30`) or an HTTP
/// date (`Wed, 21 Oct 2026 07:28:00 GMT`) measured from `now_unix_ms`.
/// A date in the past is 0; anything else unreadable is `None`.
pub fn retry_after_ms(value: &str, now_unix_ms: u64) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let at = http_date_unix_s(v)?;
    Some((at.saturating_mul(1000)).saturating_sub(now_unix_ms))
}

/// Seconds since 1970 of an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`
/// (the form RFC 9110 requires senders to use).
fn http_date_unix_s(v: &str) -> Option<u64> {
    let rest = v.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days)
        .ok()
        .map(|d| d * 86_400 + h * 3600 + m * 60 + s)
}

/// Per-host pacing for one run, on the caller's clock (milliseconds since
/// the run began). Hosts that never answered 429 are not in the map and pass
/// straight through.
#[derive(Debug, Default)]
pub struct HostPace {
    hosts: HashMap<String, Paced>,
}

#[derive(Debug, Clone, Copy)]
struct Paced {
    /// The next check to the host may start at this time.
    next_ms: u64,
    /// Space between two checks to the host.
    spacing_ms: u64,
}

impl HostPace {
    /// Records that `host` answered 429 (or 503 with `Retry-After`) at `now_ms`.
    pub fn limited(&mut self, host: &str, now_ms: u64, retry_after_ms: Option<u64>) {
        let spacing = retry_after_ms
            .unwrap_or(PACE_DEFAULT_MS)
            .clamp(PACE_DEFAULT_MS, PACE_CAP_MS);
        let next = now_ms + spacing;
        let entry = self.hosts.entry(host.to_owned()).or_insert(Paced {
            next_ms: next,
            spacing_ms: spacing,
        });
        entry.next_ms = entry.next_ms.max(next);
        entry.spacing_ms = entry.spacing_ms.max(spacing);
    }

    /// Takes the next turn for a check to `host` at `now_ms`: how long it
    /// must wait first (0 for a host that never asked to slow down). Each
    /// turn pushes the next one back by the host's spacing, so waiting
    /// checks go one at a time.
    pub fn take_turn(&mut self, host: &str, now_ms: u64) -> u64 {
        match self.hosts.get_mut(host) {
            None => 0,
            Some(p) => {
                let start = p.next_ms.max(now_ms);
                p.next_ms = start + p.spacing_ms;
                start - now_ms
            }
        }
    }

    /// True when `host` asked to slow down during this run.
    pub fn is_paced(&self, host: &str) -> bool {
        self.hosts.contains_key(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_yields_to_retry_after() {
        assert_eq!(backoff_ms(1, None, 0.5), 250);
        assert_eq!(backoff_ms(2, None, 0.5), 500);
        assert_eq!(backoff_ms(3, None, 0.0), 500);
        assert_eq!(backoff_ms(3, None, 1.0), 1500);
        assert_eq!(backoff_ms(30, None, 0.5), BACKOFF_CAP_MS);
        assert_eq!(backoff_ms(1, Some(3_000), 0.5), 3_000);
        assert_eq!(backoff_ms(1, Some(10), 0.5), 250);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after_ms("30", 0), Some(30_000));
        assert_eq!(retry_after_ms(" 0 ", 0), Some(0));
        // 1994-11-06T08:49:37Z is 784111777 s after the epoch.
        let at = 784_111_777_000;
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at - 5_000),
            Some(5_000)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at + 1),
            Some(0)
        );
        assert_eq!(
            http_date_unix_s("Wed, 21 Oct 2026 07:28:00 GMT"),
            Some(1_792_567_680)
        );
        assert_eq!(retry_after_ms("soon", 0), None);
        assert_eq!(retry_after_ms("Sun, 06 Nov 1994 08:49:37 CET", 0), None);
    }

    #[test]
    fn a_limited_host_gets_one_check_at_a_time() {
        let mut pace = HostPace::default();
        assert_eq!(pace.take_turn("a.test:443", 0), 0);
        pace.limited("a.test:443", 100, Some(2_000));
        assert!(pace.is_paced("a.test:443") && !pace.is_paced("b.test:443"));
        assert_eq!(pace.take_turn("a.test:443", 200), 1_900);
        assert_eq!(pace.take_turn("a.test:443", 200), 3_900);
        assert_eq!(pace.take_turn("b.test:443", 200), 0);
        // Without Retry-After the spacing is a second; long ones are capped.
        let mut pace = HostPace::default();
        pace.limited("c", 0, None);
        assert_eq!(pace.take_turn("c", 0), 1_000);
        pace.limited("d", 0, Some(3_600_000));
        assert_eq!(pace.take_turn("d", 0), PACE_CAP_MS);
    }
}
