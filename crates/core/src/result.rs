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
use crate::wire::{CheckLine, ErrorKind, LineError, Timings};
use crate::{Outcome, StatusRule};

/// What a check saw, from whichever vantage point made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A final HTTP response with this status.
    Response(u16),
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

impl Seen {
    /// The verdict: the outcome this observation leads to under `accept`.
    pub fn outcome(self, accept: &StatusRule) -> Outcome {
        match self {
            Seen::Response(status) if accept.accepts(status) => Outcome::Up,
            Seen::Response(_) => Outcome::Down,
            Seen::Opaque => Outcome::Reachable,
            Seen::Failure(kind) => kind.outcome(),
            Seen::Refused => Outcome::Blocked,
            Seen::Stopped => Outcome::Cancelled,
        }
    }
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
            ErrorKind::TooManyRedirects | ErrorKind::RedirectLoop | ErrorKind::BadRedirect => {
                Outcome::Down
            }
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
    /// Everything the proxy reported, when the check went through one. Not
    /// kept in local storage (it would not fit for long lists).
    #[serde(skip)]
    pub proxy: Option<Arc<CheckLine>>,
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
            proxy: None,
        }
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
        Outcome::Up | Outcome::Down | Outcome::Reachable | Outcome::Queued | Outcome::Checking => {
            None
        }
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
        if let Some(tls) = &line.tls {
            if tls.days_left < defaults::CERT_WARN_DAYS {
                detail.push_str(&format!(" · certificate expires in {} days", tls.days_left));
            }
        }
        let total = line.timings_ms.total as f64;
        CheckResult {
            outcome: line.outcome,
            status: line.status,
            latency_ms: line.status.map(|_| total),
            // The proxy's own measure of the check, so the sum of check times
            // means the same as in direct mode.
            busy_ms: total,
            detail,
            final_url: line.final_url.clone(),
            proxy: Some(Arc::new(line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Redirect, TlsInfo};

    #[test]
    fn the_rule_decides_responses_and_kinds_decide_failures() {
        let custom: StatusRule = "200-299,401".parse().unwrap();
        let default = StatusRule::default();
        assert_eq!(Seen::Response(301).outcome(&default), Outcome::Up);
        assert_eq!(Seen::Response(301).outcome(&custom), Outcome::Down);
        assert_eq!(Seen::Response(401).outcome(&custom), Outcome::Up);
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
            ip: None,
            http_version: Some("HTTP/1.1".into()),
            tls: Some(TlsInfo {
                not_after: "2027-01-01T00:00:00Z".into(),
                days_left: 5,
                issuer: "CN=Test".into(),
            }),
            error: None,
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
    }
}
