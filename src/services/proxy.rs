//! Checks through an Upcheck proxy (docs/API.md): one
//! streamed `POST /api/check` per batch, read incrementally, one NDJSON line
//! per site in completion order. Never one request per site: a browser opens
//! only 6 connections per host, which would cap the run at 6 sites in flight.

use futures::future::{select, Either};
use futures::FutureExt;
use gloo_net::http::{Request, Response};
use std::time::Duration;
use upcheck_core::ndjson::{Line, LineReader};
use upcheck_core::wire::{CheckLine, CheckRequest, ErrorBody, Health};
use upcheck_core::{CheckResult, Outcome};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestCache};

use super::check::StopSignal;

/// How long the page waits for `GET /api/health` before deciding there is no proxy.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// `base` + `path`, with exactly one slash between them.
pub(crate) fn endpoint(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Asks `base` whether an Upcheck proxy answers there.
pub(crate) async fn probe(base: &str) -> Result<Health, String> {
    let url = endpoint(base, "/api/health");
    let request = match early_answer(&url) {
        Some(answer) => async move {
            let resp = JsFuture::from(answer).await.map_err(|e| js_error(&e))?;
            let resp: web_sys::Response = resp
                .dyn_into()
                .map_err(|_| "not a fetch Response".to_owned())?;
            Ok(Response::from(resp))
        }
        .boxed_local(),
        None => Request::get(&url)
            .cache(RequestCache::NoStore)
            .send()
            .map(|sent| sent.map_err(|e| e.to_string()))
            .boxed_local(),
    };
    let timer = yew::platform::time::sleep(PROBE_TIMEOUT).boxed_local();
    let resp = match select(request, timer).await {
        Either::Left((Ok(resp), _)) => resp,
        Either::Left((Err(e), _)) => return Err(format!("no answer ({e})")),
        Either::Right(_) => {
            let secs = PROBE_TIMEOUT.as_secs();
            return Err(format!("no answer within {secs} s"));
        }
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

/// The answer to `GET url` that static/start.js asked for while the wasm was
/// still loading (`window.upcheckHealth`), if it asked for this URL. Taken
/// once: a later look at the same proxy asks afresh.
fn early_answer(url: &str) -> Option<js_sys::Promise> {
    let window: js_sys::Object = web_sys::window()?.into();
    let key = JsValue::from_str("upcheckHealth");
    let early = js_sys::Reflect::get(&window, &key).ok()?;
    let asked = js_sys::Reflect::get(&early, &JsValue::from_str("url")).ok()?;
    if asked.as_string().as_deref() != Some(url) {
        return None;
    }
    let _ = js_sys::Reflect::delete_property(&window, &key);
    js_sys::Reflect::get(&early, &JsValue::from_str("answer"))
        .ok()?
        .dyn_into()
        .ok()
}

/// A JavaScript error as gloo-net words it ("TypeError: Failed to fetch").
fn js_error(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", String::from(e.name()), String::from(e.message())),
        None => e
            .as_string()
            .unwrap_or_else(|| "an unreadable error".to_owned()),
    }
}

/// What the batch request itself ran into (not any one site).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BatchError {
    /// The proxy refused the batch (400, 403, 413, 415, 429…), saying why.
    Refused(String),
    /// The proxy could not be reached, or the stream broke off.
    Unreachable(String),
    /// The person stopped the run.
    Stopped,
}

/// Sends `urls` as one batch and calls `on_line` with each line as it arrives.
pub(crate) async fn check_batch(
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

/// Reads NDJSON from `reader`: a chunk may end mid-line or hold several
/// lines (core's `LineReader` splits them, and refuses a line over 64 KiB
/// without holding more than that).
async fn read_lines(
    reader: ReadableStreamDefaultReader,
    stop: &StopSignal,
    on_line: &mut impl FnMut(CheckLine),
) -> Result<(), BatchError> {
    let mut lines = LineReader::default();
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
        for line in lines.push(&bytes) {
            parse_line(line, on_line)?;
        }
    }
    match lines.finish() {
        Some(line) => parse_line(line, on_line),
        None => Ok(()),
    }
}

/// One line of the stream. A line this page cannot read ends the batch: its
/// remaining rows then say they were not checked, rather than being guessed.
fn parse_line(line: Line, on_line: &mut impl FnMut(CheckLine)) -> Result<(), BatchError> {
    let line =
        line.map_err(|e| BatchError::Unreachable(format!("the proxy's stream broke: {e}")))?;
    // Read as text, like every other JSON the page reads: one instance of
    // serde_json's parser in the wasm rather than a second one for bytes.
    let unreadable = |e: &dyn std::fmt::Display| {
        BatchError::Unreachable(format!("the proxy sent a line this page cannot read: {e}"))
    };
    let text = std::str::from_utf8(&line).map_err(|e| unreadable(&e))?;
    let parsed = serde_json::from_str::<CheckLine>(text).map_err(|e| unreadable(&e))?;
    on_line(parsed);
    Ok(())
}

/// The row text for a site the batch never got to.
pub(crate) fn unchecked(error: &BatchError) -> CheckResult {
    let (outcome, detail) = match error {
        BatchError::Stopped => (Outcome::Cancelled, "stopped before it finished".to_owned()),
        BatchError::Refused(why) => (Outcome::Blocked, why.clone()),
        BatchError::Unreachable(why) => (Outcome::Cancelled, format!("not checked: {why}")),
    };
    CheckResult::bare(outcome, detail)
}
