//! The one result type and the one verdict rule.
//!
//! Every front end decides a site's outcome here, from what it saw and the
//! person's status rule: the page in direct mode (a status, an opaque answer
//! or a browser failure), the proxy for each line it writes (a status or a
//! failure kind), and so the page in proxy mode, which takes the proxy's line
//! as final because it sent its rule along (`accept` in the check request).
//!
//! [`CheckResult`] is what the page's engine produces, the reducer stores in
//! a row, local storage keeps and the exports write. The proxy's NDJSON line
//! ([`CheckLine`]) is the one shape that differs on purpose: it is a versioned
//! contract. The conversions between the two live here, beside the types.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::defaults;
use crate::options::{BodyRule, Expect};
use crate::summary::format_ms;
use crate::vantage::Reach;
use crate::wall::Vendor;
use crate::wire::{CheckLine, ErrorKind, LineError, Timings};
use crate::Outcome;

/// What a check saw, from whichever vantage point made it.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// A final HTTP response, and what was learnt from it.
    Response(Answer),
    /// Some HTTP answer arrived, but the browser hides its status (an opaque
    /// `no-cors` response).
    Opaque,
    /// The check failed for this reason.
    Failure(ErrorKind),
    /// The browser refused to make the request (bad port, mixed content, a
    /// private address from a public page).
    Refused,
    /// The person stopped the check before it ended.
    Stopped,
}

/// A final response as the verdict needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The final status.
    pub status: u16,
    /// How long the try took (every redirect hop), in milliseconds.
    pub latency_ms: f64,
    /// The `Retry-After` it sent, read ([`crate::retry::retry_after_ms`]).
    pub retry_after_ms: Option<u64>,
    /// The bot wall that answered, when one did ([`crate::wall::detect`]).
    pub wall: Option<Vendor>,
    /// The body assertions, when there were any.
    pub body: Option<BodyCheck>,
}

impl Answer {
    /// A response with this status and time and nothing else learnt.
    pub fn new(status: u16, latency_ms: f64) -> Self {
        Answer {
            status,
            latency_ms,
            retry_after_ms: None,
            wall: None,
            body: None,
        }
    }
}

/// How the body assertions went. Never carries the body itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum BodyCheck {
    /// Every assertion held.
    Passed,
    /// This assertion (in the list syntax) did not hold.
    Failed {
        /// The rule, e.g. `contains="Add to cart"`.
        rule: String,
    },
    /// The body could not be read, so nothing was asserted.
    Unreadable {
        /// Why, e.g. the browser hides it (CORS) or it ended in an error.
        reason: String,
    },
}

impl BodyCheck {
    /// Runs `rules` over `text` (the decoded body, at most the bytes the
    /// check may read). Texts are plain substrings; regular expressions go to
    /// `regex(pattern, text)`, the front end's engine (the browser's `RegExp`
    /// in the page, the `regex` crate in the proxy).
    pub fn run(
        rules: &[BodyRule],
        text: &str,
        regex: &dyn Fn(&str, &str) -> Result<bool, String>,
    ) -> BodyCheck {
        for rule in rules {
            let found = if rule.kind.is_regex() {
                match regex(&rule.pattern, text) {
                    Ok(found) => found,
                    Err(reason) => {
                        return BodyCheck::Unreadable {
                            reason: format!("{}: {reason}", rule.to_syntax()),
                        }
                    }
                }
            } else {
                text.contains(rule.pattern.as_str())
            };
            if found != rule.kind.wants_found() {
                return BodyCheck::Failed {
                    rule: rule.to_syntax(),
                };
            }
        }
        BodyCheck::Passed
    }
}

impl Seen {
    /// The verdict: the outcome this observation leads to under `expect`.
    pub fn outcome(&self, expect: &Expect) -> Outcome {
        match self {
            Seen::Response(answer) => answer.outcome(expect),
            Seen::Opaque => Outcome::Reachable,
            Seen::Failure(kind) => kind.outcome(),
            Seen::Refused => Outcome::Blocked,
            Seen::Stopped => Outcome::Cancelled,
        }
    }

    /// True when another try may end differently: no answer, a 5xx or a
    /// 429. A bot wall, a 4xx, a failed assertion or a policy refusal will
    /// say the same again.
    pub fn retryable(&self, expect: &Expect) -> bool {
        match self {
            Seen::Response(answer) => {
                let outcome = answer.outcome(expect);
                matches!(outcome, Outcome::Down | Outcome::Limited)
                    && (answer.status >= 500 || answer.status == 429)
                    && !matches!(answer.body, Some(BodyCheck::Failed { .. }))
            }
            Seen::Failure(kind) => {
                matches!(kind.outcome(), Outcome::Unreachable | Outcome::Timeout)
            }
            Seen::Opaque | Seen::Refused | Seen::Stopped => false,
        }
    }
}

impl Answer {
    /// The verdict for a response. A bot wall is never the site's page, so
    /// it wins over any status; then the status rule; then 429 (or 503 with
    /// `Retry-After`) is `limited`; then the body assertions; then the slow
    /// threshold.
    pub fn outcome(&self, expect: &Expect) -> Outcome {
        if self.wall.is_some() {
            return Outcome::Challenged;
        }
        if !expect.accept.accepts(self.status) {
            let asks_later =
                self.status == 429 || (self.status == 503 && self.retry_after_ms.is_some());
            return if asks_later {
                Outcome::Limited
            } else {
                Outcome::Down
            };
        }
        if matches!(self.body, Some(BodyCheck::Failed { .. })) {
            return Outcome::Down;
        }
        match expect.slow_ms {
            Some(slow) if self.latency_ms > f64::from(slow) => Outcome::Slow,
            _ => Outcome::Up,
        }
    }

    /// The sentence that says why the outcome is more than the status, when
    /// it is: the wall, the rate limit, the failed assertion, the slowness.
    pub fn note(&self, expect: &Expect) -> Option<String> {
        match self.outcome(expect) {
            Outcome::Challenged => Some(wall_note(self.wall)),
            Outcome::Limited => Some(limited_note(self.status, self.retry_after_ms)),
            Outcome::Down => match &self.body {
                Some(BodyCheck::Failed { rule }) => {
                    Some(body_failed_note(rule, expect.within_bytes))
                }
                _ => None,
            },
            Outcome::Slow => Some(slow_note(self.latency_ms, expect.slow_ms.unwrap_or(0))),
            Outcome::Up => match &self.body {
                Some(BodyCheck::Unreadable { reason }) => {
                    Some(format!("body not checked: {reason}"))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// "a bot wall answered (Cloudflare) — the site is probably up for people"
pub fn wall_note(vendor: Option<Vendor>) -> String {
    let by = vendor.map_or_else(String::new, |v| format!(" ({})", v.name()));
    format!("a bot wall answered{by} — the site is probably up for people")
}

/// "rate-limited, retry after 30 s"
pub fn limited_note(status: u16, retry_after_ms: Option<u64>) -> String {
    let what = if status == 429 {
        "rate-limited"
    } else {
        "rate-limited or down for maintenance"
    };
    match retry_after_ms {
        Some(ms) => format!("{what}, retry after {}", format_ms(ms as f64)),
        None => what.to_owned(),
    }
}

/// "expected text not found: contains=\"Add to cart\" (first 64 KB)"
pub fn body_failed_note(rule: &str, within_bytes: usize) -> String {
    let what = if rule.starts_with("not-") {
        "unwanted text found"
    } else {
        "expected text not found"
    };
    format!("{what}: {rule} (first {} KB)", within_bytes / 1024)
}

/// "slow: 1.24 s, over the 800 ms threshold"
pub fn slow_note(latency_ms: f64, slow_ms: u32) -> String {
    format!(
        "slow: {}, over the {} threshold",
        format_ms(latency_ms),
        format_ms(f64::from(slow_ms))
    )
}

/// "up on try 2 of 3" (a flaky pass) or "failed 3 tries"; nothing for a
/// check that took one try.
pub fn tries_note(outcome: Outcome, tries: u32, max_tries: u32) -> Option<String> {
    if tries <= 1 {
        return None;
    }
    Some(if outcome.answered() {
        format!("{outcome} on try {tries} of {max_tries} (flaky)")
    } else {
        format!("failed {tries} tries")
    })
}

impl ErrorKind {
    /// The outcome a failure of this kind leads to. A redirect chain that
    /// cannot be finished is `down`: the server did answer, with a status that
    /// leads nowhere.
    pub const fn outcome(self) -> Outcome {
        match self {
            ErrorKind::Dns
            | ErrorKind::Refused
            | ErrorKind::Reset
            | ErrorKind::Connect
            | ErrorKind::Tls
            | ErrorKind::Http
            | ErrorKind::Other => Outcome::Unreachable,
            ErrorKind::Timeout => Outcome::Timeout,
            ErrorKind::PrivateAddress | ErrorKind::ProxyItself | ErrorKind::BadPort => {
                Outcome::Blocked
            }
            // No slot came free in time: the proxy's limit, not the site's.
            ErrorKind::Busy => Outcome::Cancelled,
            ErrorKind::BadUrl => Outcome::Invalid,
            ErrorKind::TooManyRedirects
            | ErrorKind::RedirectLoop
            | ErrorKind::BadRedirect
            | ErrorKind::ContentMismatch => Outcome::Down,
            ErrorKind::RateLimited => Outcome::Limited,
            ErrorKind::BotWall => Outcome::Challenged,
        }
    }
}

/// What one finished check found out, in either mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The verdict.
    pub outcome: Outcome,
    /// Final HTTP status, when it could be seen.
    #[serde(default)]
    pub status: Option<u16>,
    /// Time to the response that decided the outcome, in milliseconds.
    #[serde(default)]
    pub latency_ms: Option<f64>,
    /// Whole time the check held a slot (fallback attempts included); the
    /// run's "sum of check times" adds these up.
    #[serde(default)]
    pub busy_ms: f64,
    /// What was seen, in words: "HTTP 404 Not Found", why it failed, …
    #[serde(default)]
    pub detail: String,
    /// Where redirects ended, when the response revealed a redirect.
    #[serde(default)]
    pub final_url: Option<String>,
    /// Tries made (1 unless retries were allowed and needed).
    #[serde(default = "one")]
    pub tries: u32,
    /// Tries allowed (1 + retries).
    #[serde(default = "one")]
    pub max_tries: u32,
    /// Everything the proxy reported, when the check went through one. Not
    /// kept in local storage (it would not fit for long lists).
    #[serde(skip)]
    pub proxy: Option<Arc<CheckLine>>,
    /// When the check started and ended, relative to its run's start: the
    /// run's waterfall. Set by the engine that ran it (`None` for a result no
    /// check produced, or one restored from an earlier visit: its run is gone).
    #[serde(skip)]
    pub span: Option<Span>,
    /// With several vantage points, who could reach the site
    /// ([`crate::vantage::combine`]); `None` for a check from one place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<Reach>,
}

/// Start and end of one check, in milliseconds since its run started.
///
/// In direct mode both are measured where the check takes and gives back its
/// slot. Through the proxy the page only sees a line arrive, in completion
/// order: `ended_ms` is that arrival and `started_ms` is estimated as
/// `ended_ms` minus the proxy's own total for the check ([`Span::before`]),
/// so it is late by the line's trip from the proxy, never early.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Milliseconds from the run's start to the check's start.
    pub started_ms: f64,
    /// Milliseconds from the run's start to the check's end.
    pub ended_ms: f64,
}

impl Span {
    /// A span measured at both ends (an end before its start is clamped).
    pub fn new(started_ms: f64, ended_ms: f64) -> Self {
        Span {
            started_ms: started_ms.max(0.0),
            ended_ms: ended_ms.max(started_ms).max(0.0),
        }
    }

    /// A span known by its end and length (a proxy line: arrival and total),
    /// never starting before the run did.
    pub fn before(ended_ms: f64, length_ms: f64) -> Self {
        Span::new((ended_ms - length_ms.max(0.0)).max(0.0), ended_ms)
    }

    /// Its length in milliseconds.
    pub fn length_ms(&self) -> f64 {
        self.ended_ms - self.started_ms
    }
}

fn one() -> u32 {
    1
}

impl CheckResult {
    /// A result with an outcome and a sentence, and nothing else learnt.
    pub fn bare(outcome: Outcome, detail: impl Into<String>) -> Self {
        CheckResult {
            outcome,
            status: None,
            latency_ms: None,
            busy_ms: 0.0,
            detail: detail.into(),
            final_url: None,
            tries: 1,
            max_tries: 1,
            proxy: None,
            span: None,
            reach: None,
        }
    }

    /// True for a pass that needed more than one try.
    pub fn is_flaky(&self) -> bool {
        self.tries > 1 && self.outcome.answered()
    }

    /// This result as a proxy line (the JSON-lines export): the proxy's own
    /// report when there is one, else what the browser saw with the fields it
    /// could not learn left `null`.
    pub fn to_line(&self, index: usize, url: &str) -> CheckLine {
        if let Some(line) = &self.proxy {
            let mut line = (**line).clone();
            line.index = index;
            line.outcome = self.outcome;
            return line;
        }
        CheckLine {
            status: self.status,
            tries: self.tries,
            max_tries: self.max_tries,
            latency_ms: self.latency_ms.map(|ms| ms.round() as u64),
            final_url: self.final_url.clone(),
            timings_ms: Timings {
                total: self.latency_ms.map_or(0, |ms| ms.round() as u64),
                ..Timings::default()
            },
            error: error_kind(self.outcome).map(|kind| LineError {
                kind,
                message: self.detail.clone(),
            }),
            ..CheckLine::new(index, url.to_owned(), self.outcome)
        }
    }
}

/// The `error.kind` a browser-side result reports on a proxy line.
fn error_kind(outcome: Outcome) -> Option<ErrorKind> {
    match outcome {
        Outcome::Up
        | Outcome::Slow
        | Outcome::Down
        | Outcome::Reachable
        | Outcome::Queued
        | Outcome::Checking => None,
        Outcome::Limited => Some(ErrorKind::RateLimited),
        Outcome::Challenged => Some(ErrorKind::BotWall),
        Outcome::Timeout => Some(ErrorKind::Timeout),
        Outcome::Invalid => Some(ErrorKind::BadUrl),
        Outcome::Unreachable | Outcome::Blocked | Outcome::Cancelled => Some(ErrorKind::Other),
    }
}

/// A proxy line, already decided by the proxy under the page's rule, as a
/// result: the sentence for the row is written here, once.
impl From<CheckLine> for CheckResult {
    fn from(line: CheckLine) -> Self {
        let mut detail = match (line.status, &line.error) {
            (_, Some(err)) => err.message.clone(),
            (Some(status), None) => {
                format!("HTTP {status} {}", line.reason.as_deref().unwrap_or(""))
                    .trim_end()
                    .to_owned()
            }
            (None, None) => String::new(),
        };
        if !line.redirects.is_empty() {
            if let Some(to) = &line.final_url {
                detail.push_str(&format!(" after {} redirects → {to}", line.redirects.len()));
            }
        }
        let total = line.timings_ms.total as f64;
        // The try that decided (an older proxy made one, so its total).
        let latency = line.latency_ms.map_or(total, |ms| ms as f64);
        if line.outcome == Outcome::Slow {
            if let Some(slow) = line.slow_ms {
                detail.push_str(&format!(" · {}", slow_note(latency, slow)));
            }
        }
        if let Some(BodyCheck::Unreadable { reason }) = line.content.as_ref().map(|c| &c.check) {
            detail.push_str(&format!(" · body not checked: {reason}"));
        }
        if let Some(tls) = &line.tls {
            if tls.days_left < defaults::CERT_WARN_DAYS {
                detail.push_str(&format!(" · certificate expires in {} days", tls.days_left));
            }
        }
        if let Some(broken) = line.broken_family() {
            detail.push_str(&format!(" · {} unreachable", broken.family.label()));
        }
        if let Some(note) = tries_note(line.outcome, line.tries, line.max_tries) {
            detail.push_str(&format!(" · {note}"));
        }
        CheckResult {
            outcome: line.outcome,
            status: line.status,
            latency_ms: line.status.map(|_| latency),
            // The proxy's own measure of the check, so the sum of check times
            // means the same as in direct mode.
            busy_ms: total,
            detail,
            final_url: line.final_url.clone(),
            tries: line.tries,
            max_tries: line.max_tries,
            proxy: Some(Arc::new(line)),
            // The engine knows when the line arrived; it sets this.
            span: None,
            reach: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Redirect, TlsInfo};

    fn expect(rule: &str) -> Expect {
        Expect {
            accept: rule.parse().unwrap(),
            ..Expect::default()
        }
    }

    fn response(status: u16) -> Seen {
        Seen::Response(Answer::new(status, 10.0))
    }

    #[test]
    fn the_rule_decides_responses_and_kinds_decide_failures() {
        let custom = expect("200-299,401");
        let default = Expect::default();
        assert_eq!(response(301).outcome(&default), Outcome::Up);
        assert_eq!(response(301).outcome(&custom), Outcome::Down);
        assert_eq!(response(401).outcome(&custom), Outcome::Up);
        assert_eq!(Seen::Opaque.outcome(&custom), Outcome::Reachable);
        assert_eq!(
            Seen::Failure(ErrorKind::RedirectLoop).outcome(&default),
            Outcome::Down
        );
        assert_eq!(
            Seen::Failure(ErrorKind::PrivateAddress).outcome(&default),
            Outcome::Blocked
        );
        assert_eq!(
            Seen::Failure(ErrorKind::Timeout).outcome(&default),
            Outcome::Timeout
        );
        assert_eq!(Seen::Refused.outcome(&default), Outcome::Blocked);
        assert_eq!(Seen::Stopped.outcome(&default), Outcome::Cancelled);
    }

    #[test]
    fn walls_limits_bodies_and_slowness_each_have_their_word() {
        let slow = Expect {
            slow_ms: Some(800),
            ..Expect::default()
        };
        let mut a = Answer::new(200, 1_240.0);
        assert_eq!(a.outcome(&slow), Outcome::Slow);
        assert_eq!(
            a.note(&slow).unwrap(),
            "slow: 1.24 s, over the 800 ms threshold"
        );
        a.latency_ms = 800.0;
        assert_eq!(a.outcome(&slow), Outcome::Up);
        a.body = Some(BodyCheck::Failed {
            rule: r#"contains="Add to cart""#.into(),
        });
        assert_eq!(a.outcome(&slow), Outcome::Down);
        assert_eq!(
            a.note(&slow).unwrap(),
            r#"expected text not found: contains="Add to cart" (first 64 KB)"#
        );
        let mut limited = Answer::new(429, 5.0);
        assert_eq!(limited.outcome(&slow), Outcome::Limited);
        limited.retry_after_ms = Some(30_000);
        assert_eq!(
            limited.note(&slow).unwrap(),
            "rate-limited, retry after 30.00 s"
        );
        // A 503 is limited only when it says when to come back.
        let mut busy = Answer::new(503, 5.0);
        assert_eq!(busy.outcome(&slow), Outcome::Down);
        busy.retry_after_ms = Some(0);
        assert_eq!(busy.outcome(&slow), Outcome::Limited);
        // A person who accepts 429 gets `up`.
        assert_eq!(limited.outcome(&expect("200,429")), Outcome::Up);
        // A wall wins over any status, even an accepted 202.
        let mut wall = Answer::new(202, 5.0);
        wall.wall = Some(Vendor::AwsWaf);
        assert_eq!(wall.outcome(&slow), Outcome::Challenged);
        assert!(wall.note(&slow).unwrap().contains("(AWS WAF)"));
    }

    #[test]
    fn only_answers_that_may_change_are_retried() {
        let e = Expect::default();
        assert!(response(503).retryable(&e) && response(429).retryable(&e));
        assert!(!response(404).retryable(&e) && !response(200).retryable(&e));
        assert!(!response(503).retryable(&expect("200-599")));
        assert!(Seen::Failure(ErrorKind::Timeout).retryable(&e));
        assert!(Seen::Failure(ErrorKind::Refused).retryable(&e));
        assert!(!Seen::Failure(ErrorKind::PrivateAddress).retryable(&e));
        assert!(!Seen::Opaque.retryable(&e) && !Seen::Stopped.retryable(&e));
        let mut wall = Answer::new(503, 1.0);
        wall.wall = Some(Vendor::Cloudflare);
        assert!(!Seen::Response(wall).retryable(&e));
        assert_eq!(
            tries_note(Outcome::Up, 2, 3).as_deref(),
            Some("up on try 2 of 3 (flaky)")
        );
        assert_eq!(
            tries_note(Outcome::Down, 3, 3).as_deref(),
            Some("failed 3 tries")
        );
        assert_eq!(tries_note(Outcome::Up, 1, 3), None);
    }

    #[test]
    fn body_rules_run_over_the_text() {
        use crate::options::SiteOptions;
        let mut o = SiteOptions::default();
        o.set("contains", "Add to cart").unwrap();
        o.set("not-matches", "err(or)?").unwrap();
        let rules: Vec<_> = o.body_rules().collect();
        let no_regex = |_: &str, _: &str| Err("no engine".to_owned());
        let by_substring = |p: &str, t: &str| Ok(t.contains(p.trim_end_matches("(or)?")));
        assert_eq!(
            BodyCheck::run(&rules[..1], "… Add to cart …", &no_regex),
            BodyCheck::Passed
        );
        assert_eq!(
            BodyCheck::run(&rules, "Add to cart", &by_substring),
            BodyCheck::Passed
        );
        assert_eq!(
            BodyCheck::run(&rules, "Add to cart; error", &by_substring),
            BodyCheck::Failed {
                rule: "not-matches=err(or)?".into()
            }
        );
        assert!(matches!(
            BodyCheck::run(&rules, "Add to cart", &no_regex),
            BodyCheck::Unreadable { .. }
        ));
        assert!(matches!(
            BodyCheck::run(&rules, "nothing", &no_regex),
            BodyCheck::Failed { .. }
        ));
    }

    fn line() -> CheckLine {
        CheckLine {
            index: 3,
            url: "https://a.test/".into(),
            outcome: Outcome::Up,
            status: Some(200),
            reason: Some("OK".into()),
            final_url: Some("https://b.test/".into()),
            redirects: vec![Redirect {
                url: "https://a.test/".into(),
                status: 301,
            }],
            timings_ms: Timings {
                total: 81,
                ..Timings::default()
            },
            tls: Some(TlsInfo {
                not_after: "2027-01-01T00:00:00Z".into(),
                days_left: 5,
                issuer: "CN=Test".into(),
                ..TlsInfo::default()
            }),
            http_version: Some("HTTP/1.1".into()),
            ..CheckLine::new(3, "https://a.test/".into(), Outcome::Up)
        }
    }

    #[test]
    fn a_proxy_line_reads_as_a_result_and_back() {
        let result = CheckResult::from(line());
        assert_eq!(result.outcome, Outcome::Up);
        assert_eq!(result.latency_ms, Some(81.0));
        assert_eq!(
            result.detail,
            "HTTP 200 OK after 1 redirects → https://b.test/ · certificate expires in 5 days"
        );
        let back = result.to_line(7, "ignored");
        assert_eq!(back.index, 7);
        assert_eq!(back.redirects, line().redirects);
    }

    #[test]
    fn a_browser_result_becomes_a_line_with_nulls() {
        let mut result = CheckResult::bare(Outcome::Timeout, "no response within 1 s");
        result.busy_ms = 1000.0;
        let line = result.to_line(0, "https://a.test/");
        assert_eq!(line.error.unwrap().kind, ErrorKind::Timeout);
        assert!(line.ip.is_none() && line.status.is_none());
    }

    #[test]
    fn saved_results_from_before_read_back() {
        // What local storage held before results had busy_ms and final_url.
        let old = r#"{"outcome":"down","status":404,"latency_ms":12.5,"detail":"HTTP 404"}"#;
        let result: CheckResult = serde_json::from_str(old).unwrap();
        assert_eq!(result.outcome, Outcome::Down);
        assert_eq!(result.status, Some(404));
        assert!(result.proxy.is_none());
        assert!(result.span.is_none());
    }

    #[test]
    fn a_span_from_an_arrival_never_starts_before_the_run() {
        let span = Span::before(1_000.0, 300.0);
        assert_eq!((span.started_ms, span.ended_ms), (700.0, 1_000.0));
        // A check the proxy timed longer than the page has been running.
        let early = Span::before(100.0, 300.0);
        assert_eq!((early.started_ms, early.ended_ms), (0.0, 100.0));
        assert_eq!(Span::new(50.0, 20.0).length_ms(), 0.0);
    }
}
