//! One site, checked from the browser (direct mode), reporting no more than the
//! browser let us see. See DESIGN.md "Direct mode" and SECURITY.md.
//!
//! 1. `mode: cors`: a readable response gives the real status → `up`/`down`.
//! 2. A CORS rejection looks exactly like a network failure (a `TypeError`), so
//!    retry with `mode: no-cors`: an opaque response proves *some* HTTP answer
//!    arrived → `reachable`; a rejection → `unreachable`.
//!
//! Every fetch runs under its own `AbortController`: the deadline or a stop
//! aborts it, and once headers arrive the body download is aborted too.

use futures::future::{select, Either};
use futures::FutureExt;
use gloo_net::http::{Request, Response};
use std::time::Duration;
use upcheck_core::policy::{direct_block, DirectBlock};
use upcheck_core::summary::format_ms;
use upcheck_core::{Outcome, StatusRule};
use url::Url;
use web_sys::{AbortController, RequestCache, RequestMode, ResponseType};

use crate::state::CheckResult;

/// How to check, shared by every check of a run.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Per-fetch deadline.
    pub timeout: Duration,
    /// Which statuses count as `up`.
    pub accept: StatusRule,
    /// The page's own URL, to decide what the browser will refuse.
    pub page: Option<Url>,
}

/// Resolves when the person stops the run.
pub type StopSignal = futures::future::Shared<futures::channel::oneshot::Receiver<()>>;

/// How one fetch ended.
enum Fetched {
    Response(Response),
    /// The browser rejected it (network error or CORS; it will not say which).
    Rejected(String),
    TimedOut,
    Stopped,
}

/// Checks one site. Never panics on anything the network does.
pub async fn check(url: &Url, opts: &CheckOptions, stop: &StopSignal) -> CheckResult {
    let started = now();
    if let Some(block) = opts.page.as_ref().and_then(|page| direct_block(page, url)) {
        return blocked(block);
    }
    let deadline = started + opts.timeout.as_secs_f64() * 1_000.0;
    let cors_start = now();
    match fetch(url, RequestMode::Cors, deadline, stop).await {
        Fetched::Response(resp) => {
            let latency = now() - cors_start;
            let status = resp.status();
            let outcome = if opts.accept.accepts(status) {
                Outcome::Up
            } else {
                Outcome::Down
            };
            let reason = resp.status_text();
            let final_url = resp.redirected().then(|| resp.url());
            let mut detail = format!("HTTP {status} {reason}").trim_end().to_owned();
            if let Some(to) = &final_url {
                detail.push_str(&format!(" after redirects → {to}"));
            }
            CheckResult {
                outcome,
                status: Some(status),
                latency_ms: Some(latency),
                busy_ms: now() - started,
                detail,
                final_url,
                proxy: None,
            }
        }
        Fetched::TimedOut => timed_out(opts.timeout, started),
        Fetched::Stopped => stopped(started),
        Fetched::Rejected(_) => {
            let opaque_start = now();
            match fetch(url, RequestMode::NoCors, deadline, stop).await {
                Fetched::Response(resp) => {
                    let latency = now() - opaque_start;
                    let detail = if resp.type_() == ResponseType::Opaque {
                        "server answered; status hidden by the browser (CORS)".to_owned()
                    } else {
                        format!("server answered (response type {:?})", resp.type_())
                    };
                    CheckResult {
                        outcome: Outcome::Reachable,
                        status: None,
                        latency_ms: Some(latency),
                        busy_ms: now() - started,
                        detail,
                        final_url: None,
                        proxy: None,
                    }
                }
                Fetched::Rejected(message) => CheckResult {
                    outcome: Outcome::Unreachable,
                    status: None,
                    latency_ms: None,
                    busy_ms: now() - started,
                    detail: format!(
                        "no HTTP response: refused, DNS failure, reset, TLS error or blocked \
                         by the browser (it does not say which: {message})"
                    ),
                    final_url: None,
                    proxy: None,
                },
                Fetched::TimedOut => timed_out(opts.timeout, started),
                Fetched::Stopped => stopped(started),
            }
        }
    }
}

/// One fetch under its own AbortController, raced against the deadline and the
/// stop signal. The body is never read: the controller aborts it once the
/// headers are in.
async fn fetch(url: &Url, mode: RequestMode, deadline: f64, stop: &StopSignal) -> Fetched {
    let Ok(controller) = AbortController::new() else {
        return Fetched::Rejected("AbortController unavailable".into());
    };
    let signal = controller.signal();
    let request = Request::get(url.as_str())
        .mode(mode)
        .cache(RequestCache::NoStore)
        .abort_signal(Some(&signal))
        .send()
        .boxed_local();
    let remaining = (deadline - now()).max(0.0);
    let timer = yew::platform::time::sleep(Duration::from_secs_f64(remaining / 1_000.0))
        .map(|_| Fetched::TimedOut)
        .boxed_local();
    let stopped = stop.clone().map(|_| Fetched::Stopped).boxed_local();
    let outcome = match select(request, select(timer, stopped)).await {
        Either::Left((Ok(resp), _)) => Fetched::Response(resp),
        Either::Left((Err(err), _)) => Fetched::Rejected(error_text(&err)),
        Either::Right((Either::Left((t, _)) | Either::Right((t, _)), _)) => t,
    };
    // Stops a timed-out or stopped request, and the body of a finished one.
    controller.abort();
    outcome
}

fn error_text(err: &gloo_net::Error) -> String {
    match err {
        gloo_net::Error::JsError(js) => format!("{}: {}", js.name, js.message),
        other => other.to_string(),
    }
}

fn blocked(block: DirectBlock) -> CheckResult {
    CheckResult {
        outcome: Outcome::Blocked,
        status: None,
        latency_ms: None,
        busy_ms: 0.0,
        detail: block.reason(),
        final_url: None,
        proxy: None,
    }
}

fn timed_out(timeout: Duration, started: f64) -> CheckResult {
    CheckResult {
        outcome: Outcome::Timeout,
        status: None,
        latency_ms: None,
        busy_ms: now() - started,
        detail: format!(
            "no response within {}",
            format_ms(timeout.as_secs_f64() * 1_000.0)
        ),
        final_url: None,
        proxy: None,
    }
}

fn stopped(started: f64) -> CheckResult {
    CheckResult {
        outcome: Outcome::Cancelled,
        status: None,
        latency_ms: None,
        busy_ms: now() - started,
        detail: "stopped before it finished".into(),
        final_url: None,
        proxy: None,
    }
}

/// Milliseconds on the page's monotonic clock.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}
