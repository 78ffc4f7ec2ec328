//! A check's tries: up to `1 + retries` of them ([`Expect::max_tries`]),
//! each one redirect chain ([`Checker::attempt`]), the next only after an
//! answer worth another try ([`Seen::retryable`]: a failure, a 5xx, a 429)
//! and a wait ([`retry::backoff_ms`], or the site's `Retry-After` when
//! longer) that fits in what is left of the check's budget
//! ([`Expect::budget_ms`]). Before every try the host's turn is taken from
//! the batch's [`Pace`].
//!
//! The budget runs from the first try's start and, like each try's own
//! deadline, leaves out time spent waiting for a slot; the waits between
//! tries count. No slot is held while waiting: slots belong to a hop. Each
//! try's deadline is its `timeout_ms`, or what is left of the budget when
//! that is less. A first try that would have to wait for its host's turn
//! past the whole budget is not made at all (`limited`).

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};
use url::Url;

use super::deadline::ms;
use super::pace::{asks_to_slow_down, Pace};
use super::{fail, host_key, set_failure, Checker, Failure, Final, Params, Tried};
use upcheck_core::result::{Answer, BodyCheck};
use upcheck_core::summary::format_ms;
use upcheck_core::wire::{CheckLine, ErrorKind, LineError};
use upcheck_core::{parse, retry, Expect, Outcome, Seen};

/// The check's own clock: from the first try's start, slot waits left out.
#[derive(Debug, Default)]
struct Clock {
    start: Option<Instant>,
    paused: Duration,
}

impl Clock {
    /// Takes in one finished try that began at `began` and ended now.
    fn record(&mut self, tried: &Tried, began: Instant) {
        match &tried.deadline {
            Some(d) => {
                if self.start.is_none() {
                    self.start = Some(d.started());
                } else {
                    self.paused += tried.first_wait;
                }
                self.paused += d.paused();
            }
            // It never held a slot: nothing was asked, no time was the site's.
            None => self.paused += began.elapsed(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.start
            .map_or(Duration::ZERO, |s| s.elapsed().saturating_sub(self.paused))
    }
}

/// Runs the check of `input` (see the module docs).
pub(super) async fn run(
    checker: &Checker,
    index: usize,
    input: &str,
    params: &Params,
    pace: &Pace,
) -> CheckLine {
    let expect = &params.expect;
    let mut line = CheckLine::new(index, input.to_owned(), Outcome::Invalid);
    line.max_tries = expect.max_tries();
    line.slow_ms = expect.slow_ms;
    line.tries = 0;
    let url = match parse::normalise(input) {
        Ok(url) => url,
        Err(e) => return fail(line, Failure::invalid(e.to_string())),
    };
    line.url = url.to_string();
    let host = host_key(&url);
    let budget = Duration::from_millis(expect.budget_ms());
    let timeout = Duration::from_millis(u64::from(expect.timeout_ms));
    let mut clock = Clock::default();
    let mut last: Option<CheckLine> = None;
    for n in 1..=expect.max_tries() {
        let (turn, why) = pace.take_turn(&host);
        if !turn.is_zero() {
            if turn > budget.saturating_sub(clock.elapsed()) {
                if last.is_none() {
                    return not_asked(line, &url, turn, why);
                }
                break;
            }
            // Before the first try this is queueing, like a slot wait; after
            // it, part of the check's time.
            tokio::time::sleep(turn).await;
        }
        let mut this = line.clone();
        this.tries = n;
        let try_budget = timeout.min(budget.saturating_sub(clock.elapsed()));
        let began = Instant::now();
        let tried = checker.attempt(&url, params, try_budget, &mut this).await;
        clock.record(&tried, began);
        let (seen, retry_after_ms) = decide(&mut this, tried.result, expect);
        if let (Some(status), Some(host)) = (this.status, final_host(&this)) {
            if tried_answered(&seen) && asks_to_slow_down(status, retry_after_ms) {
                pace.limited(&host, status, retry_after_ms);
            }
        }
        last = Some(this);
        if n == expect.max_tries() || !seen.retryable(expect) {
            break;
        }
        let wait = Duration::from_millis(retry::backoff_ms(n, retry_after_ms, random(index, n)));
        if wait > budget.saturating_sub(clock.elapsed()) {
            break;
        }
        tokio::time::sleep(wait).await;
    }
    let mut line = last.unwrap_or(line);
    line.timings_ms.total = ms(clock.elapsed());
    line
}

/// Puts one try's end on its line: the verdict, and for a final response
/// what core's [`Answer`] needs. Returns what was seen (for
/// [`Seen::retryable`]) and the `Retry-After`.
fn decide(
    line: &mut CheckLine,
    result: Result<Final, Failure>,
    expect: &Expect,
) -> (Seen, Option<u64>) {
    let fin = match result {
        Ok(fin) => fin,
        Err(f) => {
            let seen = Seen::Failure(f.kind);
            set_failure(line, f);
            return (seen, None);
        }
    };
    let learnt = fin.learnt;
    let answer = Answer {
        status: fin.status,
        latency_ms: fin.latency_ms as f64,
        retry_after_ms: learnt.retry_after_ms,
        wall: learnt.wall,
        body: learnt.content.as_ref().map(|c| c.check.clone()),
    };
    let outcome = answer.outcome(expect);
    line.outcome = outcome;
    line.latency_ms = Some(fin.latency_ms);
    line.retry_after_ms = learnt.retry_after_ms;
    line.bot_wall = learnt.wall;
    line.content = learnt.content;
    line.error = None;
    let kind = match outcome {
        Outcome::Limited => Some(ErrorKind::RateLimited),
        Outcome::Challenged => Some(ErrorKind::BotWall),
        Outcome::Down if matches!(answer.body, Some(BodyCheck::Failed { .. })) => {
            Some(ErrorKind::ContentMismatch)
        }
        _ => None,
    };
    if let (Some(kind), Some(note)) = (kind, answer.note(expect)) {
        let head = format!(
            "HTTP {} {}",
            fin.status,
            line.reason.as_deref().unwrap_or("")
        );
        line.error = Some(LineError {
            kind,
            message: format!("{}: {note}", head.trim_end()),
        });
    }
    let retry_after_ms = answer.retry_after_ms;
    (Seen::Response(answer), retry_after_ms)
}

fn tried_answered(seen: &Seen) -> bool {
    matches!(seen, Seen::Response(_))
}

/// The `host:port` the try ended at.
fn final_host(line: &CheckLine) -> Option<String> {
    let url = Url::parse(line.final_url.as_deref()?).ok()?;
    Some(host_key(&url))
}

/// The line of a check whose host's next turn is past its whole budget.
fn not_asked(mut line: CheckLine, url: &Url, turn: Duration, why: Option<u16>) -> CheckLine {
    let status = why.map_or_else(|| "429".to_owned(), |s| s.to_string());
    line.outcome = ErrorKind::RateLimited.outcome();
    line.final_url = Some(url.to_string());
    line.error = Some(LineError {
        kind: ErrorKind::RateLimited,
        message: format!(
            "not asked: {} asked to slow down ({status}) earlier in this run; its next turn \
             is in {}, past this check's budget",
            url.host_str().unwrap_or_default(),
            format_ms(turn.as_millis() as f64)
        ),
    });
    line
}

/// A number in `0..1` that differs between checks and tries, for the
/// backoff's jitter (it only needs to spread retries apart).
fn random(index: usize, n: u32) -> f64 {
    let h = RandomState::new().hash_one((Instant::now(), index, n));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_range() {
        for i in 0..100 {
            let r = random(i, 1);
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }

    #[test]
    fn a_clock_leaves_out_tries_that_never_started() {
        let mut clock = Clock::default();
        let tried = Tried {
            result: Err(Failure::busy("busy".into())),
            deadline: None,
            first_wait: Duration::ZERO,
        };
        clock.record(&tried, Instant::now());
        assert_eq!(clock.elapsed(), Duration::ZERO);
    }
}
