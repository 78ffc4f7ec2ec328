//! One site, checked from the browser (direct mode), reporting no more than the
//! browser let us see (docs/ARCHITECTURE.md, "Direct mode"). The verdict is
//! core's one rule ([`Seen::outcome`]); this module only says what it saw.
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
use upcheck_core::policy::direct_block;
use upcheck_core::summary::format_ms;
use upcheck_core::wire::ErrorKind;
use upcheck_core::{CheckResult, Seen, StatusRule};
use url::Url;
use web_sys::{AbortController, RequestCache, RequestMode, ResponseType};

/// How to check, shared by every check of a run.
#[derive(Debug, Clone)]
pub(crate) struct CheckOptions {
    /// Per-fetch deadline.
    pub(crate) timeout: Duration,
    /// Which statuses count as `up`.
    pub(crate) accept: StatusRule,
    /// The page's own URL, to decide what the browser will refuse.
    pub(crate) page: Option<Url>,
}

/// Resolves when the person stops the run.
pub(crate) type StopSignal = futures::future::Shared<futures::channel::oneshot::Receiver<()>>;

/// How one fetch ended.
enum Fetched {
    Response(Response),
    /// The browser rejected it (network error or CORS; it will not say which).
    Rejected(String),
    TimedOut,
    Stopped,
}

/// Checks one site. Never panics on anything the network does.
pub(crate) async fn check(url: &Url, opts: &CheckOptions, stop: &StopSignal) -> CheckResult {
    let started = now();
    let verdict = |seen: Seen| seen.outcome(&opts.accept);
    if let Some(block) = opts.page.as_ref().and_then(|page| direct_block(page, url)) {
        return CheckResult::bare(verdict(Seen::Refused), block.reason());
    }
    let deadline = started + opts.timeout.as_secs_f64() * 1_000.0;
    let cors_start = now();
    match fetch(url, RequestMode::Cors, deadline, stop).await {
        Fetched::Response(resp) => {
            let latency = now() - cors_start;
            let status = resp.status();
            let outcome = verdict(Seen::Response(status));
            let reason = resp.status_text();
            let final_url = resp.redirected().then(|| resp.url());
            let mut detail = format!("HTTP {status} {reason}").trim_end().to_owned();
            if let Some(to) = &final_url {
                detail.push_str(&format!(" after redirects → {to}"));
            }
            CheckResult {
                status: Some(status),
                latency_ms: Some(latency),
                busy_ms: now() - started,
                final_url,
                ..CheckResult::bare(outcome, detail)
            }
        }
        Fetched::TimedOut => timed_out(opts, started),
        Fetched::Stopped => stopped(opts, started),
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
                        latency_ms: Some(latency),
                        busy_ms: now() - started,
                        ..CheckResult::bare(verdict(Seen::Opaque), detail)
                    }
                }
                // The browser will not say which failure it was: `Other`.
                Fetched::Rejected(message) => CheckResult {
                    busy_ms: now() - started,
                    ..CheckResult::bare(
                        verdict(Seen::Failure(ErrorKind::Other)),
                        format!(
                            "no HTTP response: refused, DNS failure, reset, TLS error or \
                             blocked by the browser (it does not say which: {message})"
                        ),
                    )
                },
                Fetched::TimedOut => timed_out(opts, started),
                Fetched::Stopped => stopped(opts, started),
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

fn timed_out(opts: &CheckOptions, started: f64) -> CheckResult {
    let limit = format_ms(opts.timeout.as_secs_f64() * 1_000.0);
    CheckResult {
        busy_ms: now() - started,
        ..CheckResult::bare(
            Seen::Failure(ErrorKind::Timeout).outcome(&opts.accept),
            format!("no response within {limit}"),
        )
    }
}

fn stopped(opts: &CheckOptions, started: f64) -> CheckResult {
    CheckResult {
        busy_ms: now() - started,
        ..CheckResult::bare(
            Seen::Stopped.outcome(&opts.accept),
            "stopped before it finished",
        )
    }
}

/// Milliseconds on the page's monotonic clock.
pub(crate) fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}
