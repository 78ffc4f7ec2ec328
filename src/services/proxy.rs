//! Checks through an Upcheck proxy (DESIGN.md "Proxy mode — API v1"): one
//! streamed `POST /api/check` per batch, read incrementally, one NDJSON line
//! per site in completion order. Never one request per site: a browser opens
//! only 6 connections per host, which would cap the run at 6 sites in flight.

use futures::future::{select, Either};
use futures::FutureExt;
use gloo_net::http::Request;
use std::rc::Rc;
use std::time::Duration;
use upcheck_core::wire::{CheckLine, CheckRequest, ErrorBody, ErrorKind, Health};
use upcheck_core::{Outcome, StatusRule};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestCache};

use super::check::StopSignal;
use crate::state::CheckResult;

/// How long the page waits for `GET /api/health` before deciding there is no proxy.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// `base` + `path`, with exactly one slash between them.
pub fn endpoint(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Asks `base` whether an Upcheck proxy answers there.
pub async fn probe(base: &str) -> Result<Health, String> {
    let request = Request::get(&endpoint(base, "/api/health"))
        .cache(RequestCache::NoStore)
        .send()
        .boxed_local();
    let timer = yew::platform::time::sleep(PROBE_TIMEOUT).boxed_local();
    let resp = match select(request, timer).await {
        Either::Left((Ok(resp), _)) => resp,
        Either::Left((Err(e), _)) => return Err(format!("no answer ({e})")),
        Either::Right(_) => return Err(format!("no answer within {PROBE_TIMEOUT:?}")),
    };
    if !resp.ok() {
        return Err(format!("answered HTTP {}", resp.status()));
    }
    let text = resp.text().await.map_err(|e| e.to_string())?;
    let health: Health = serde_json::from_str(&text)
        .map_err(|_| "answered, but not as an Upcheck proxy".to_owned())?;
    if health.name != "upcheck-proxy" {
        return Err(format!("answered as '{}', not upcheck-proxy", health.name));
    }
    Ok(health)
}

/// What the batch request itself ran into (not any one site).
#[derive(Debug, Clone, PartialEq)]
pub enum BatchError {
    /// The proxy refused the batch (400, 403, 413, 415, 429…), saying why.
    Refused(String),
    /// The proxy could not be reached, or the stream broke off.
    Unreachable(String),
    /// The person stopped the run.
    Stopped,
}

/// Sends `urls` as one batch and calls `on_line` with each line as it arrives.
pub async fn check_batch(
    base: &str,
    request: &CheckRequest,
    stop: &StopSignal,
    mut on_line: impl FnMut(CheckLine),
) -> Result<(), BatchError> {
    let controller =
        AbortController::new().map_err(|_| BatchError::Unreachable("no AbortController".into()))?;
    let body = serde_json::to_string(request)
        .map_err(|e| BatchError::Unreachable(format!("cannot encode the request: {e}")))?;
    let send = Request::post(&endpoint(base, "/api/check"))
        .header("content-type", "application/json")
        .cache(RequestCache::NoStore)
        .abort_signal(Some(&controller.signal()))
        .body(body)
        .map_err(|e| BatchError::Unreachable(e.to_string()))?
        .send()
        .boxed_local();
    let result = match select(send, stop.clone().boxed_local()).await {
        Either::Right(_) => Err(BatchError::Stopped),
        Either::Left((Err(e), _)) => Err(BatchError::Unreachable(format!(
            "the proxy at {base} did not answer ({e})"
        ))),
        Either::Left((Ok(resp), _)) if !resp.ok() => {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            let why = serde_json::from_str::<ErrorBody>(&text)
                .map(|b| b.error.message)
                .unwrap_or_else(|_| format!("HTTP {status}"));
            Err(BatchError::Refused(format!(
                "the proxy refused the batch: {why}"
            )))
        }
        Either::Left((Ok(resp), _)) => match resp.body() {
            Some(body) => read_lines(body.get_reader().unchecked_into(), stop, &mut on_line).await,
            None => Err(BatchError::Unreachable("the proxy sent no body".into())),
        },
    };
    // Stops the stream (and the proxy's checks) if we are leaving early.
    controller.abort();
    result
}

/// Reads NDJSON from `reader`: a chunk may end mid-line or hold several lines.
async fn read_lines(
    reader: ReadableStreamDefaultReader,
    stop: &StopSignal,
    on_line: &mut impl FnMut(CheckLine),
) -> Result<(), BatchError> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let read = JsFuture::from(reader.read()).boxed_local();
        let chunk = match select(read, stop.clone().boxed_local()).await {
            Either::Right(_) => return Err(BatchError::Stopped),
            Either::Left((Err(e), _)) => {
                return Err(BatchError::Unreachable(format!(
                    "the proxy's stream broke off: {e:?}"
                )))
            }
            Either::Left((Ok(chunk), _)) => chunk,
        };
        let chunk: web_sys::ReadableStreamReadResult = chunk.unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            break;
        }
        let bytes = js_sys::Uint8Array::new(&chunk.get_value()).to_vec();
        carry.extend_from_slice(&bytes);
        while let Some(end) = carry.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = carry.drain(..=end).collect();
            parse_line(&line, on_line)?;
        }
    }
    parse_line(&carry, on_line)
}

fn parse_line(line: &[u8], on_line: &mut impl FnMut(CheckLine)) -> Result<(), BatchError> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let parsed = serde_json::from_slice::<CheckLine>(line).map_err(|e| {
        BatchError::Unreachable(format!("the proxy sent a line this page cannot read: {e}"))
    })?;
    on_line(parsed);
    Ok(())
}

/// Turns one proxy line into a row result, applying the person's status rule
/// (the proxy decides with the default 2xx/3xx).
pub fn to_result(line: CheckLine, accept: &StatusRule) -> CheckResult {
    let redirect_failure = matches!(
        line.error.as_ref().map(|e| e.kind),
        Some(ErrorKind::TooManyRedirects | ErrorKind::RedirectLoop | ErrorKind::BadRedirect)
    );
    let outcome = match (line.outcome, line.status) {
        (Outcome::Up | Outcome::Down, Some(status)) if !redirect_failure => {
            if accept.accepts(status) {
                Outcome::Up
            } else {
                Outcome::Down
            }
        }
        (outcome, _) => outcome,
    };
    let mut detail = match (line.status, &line.error) {
        (_, Some(err)) => err.message.clone(),
        (Some(status), None) => format!("HTTP {status} {}", line.reason.as_deref().unwrap_or(""))
            .trim_end()
            .to_owned(),
        (None, None) => String::new(),
    };
    if !line.redirects.is_empty() {
        if let Some(to) = &line.final_url {
            detail.push_str(&format!(" after {} redirects → {to}", line.redirects.len()));
        }
    }
    if let Some(tls) = &line.tls {
        if tls.days_left < 14 {
            detail.push_str(&format!(" · certificate expires in {} days", tls.days_left));
        }
    }
    let total = line.timings_ms.total as f64;
    CheckResult {
        outcome,
        status: line.status,
        latency_ms: line.status.map(|_| total),
        // The proxy's own measure of the check, so the sum of check times means
        // the same as in direct mode.
        busy_ms: total,
        detail,
        final_url: line.final_url.clone(),
        proxy: Some(Rc::new(line)),
    }
}

/// The row text for a site the batch never got to.
pub fn unchecked(error: &BatchError) -> CheckResult {
    let (outcome, detail) = match error {
        BatchError::Stopped => (Outcome::Cancelled, "stopped before it finished".to_owned()),
        BatchError::Refused(why) => (Outcome::Blocked, why.clone()),
        BatchError::Unreachable(why) => (Outcome::Cancelled, format!("not checked: {why}")),
    };
    CheckResult {
        outcome,
        status: None,
        latency_ms: None,
        busy_ms: 0.0,
        detail,
        final_url: None,
        proxy: None,
    }
}
