//! One site, checked from the browser (direct mode), reporting no more than the
//! browser let us see (docs/ARCHITECTURE.md, "Direct mode"). The verdict is
//! core's one rule ([`Seen::outcome`] under the site's [`Expect`]); this
//! module only says what it saw.
//!
//! Each try:
//! 1. `mode: cors`: a readable response gives the real status, the headers
//!    CORS exposes (`Retry-After`, a bot wall's marker) and, when the site
//!    has body options (or may be a bot wall's page), the start of the body,
//!    read through the stream up to `within=` decoded bytes and no further.
//! 2. A CORS rejection looks exactly like a network failure (a `TypeError`), so
//!    retry with `mode: no-cors`: an opaque response proves *some* HTTP answer
//!    arrived → `reachable` (its body unreadable, so body options are said to
//!    be unchecked, never guessed); a rejection → `unreachable`.
//!
//! A try that ends in a failure, a 5xx or a 429 is tried again while the
//! site's retries and its time budget last (core's `Seen::retryable`,
//! `retry::backoff_ms`); a host that answered 429 (or 503 with a readable
//! `Retry-After`) is paced for the rest of the run ([`Pacer`]).
//!
//! Every fetch runs under its own `AbortController`: the deadline or a stop
//! aborts it, and once the headers (or the bytes wanted) are in, the rest of
//! the body download is aborted too.

use futures::future::{select, Either};
use futures::FutureExt;
use gloo_net::http::{Request, Response};
use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;
use upcheck_core::options::{Defaults, Expect};
use upcheck_core::policy::direct_block;
use upcheck_core::result::tries_note;
use upcheck_core::retry::{self, HostPace};
use upcheck_core::summary::format_ms;
use upcheck_core::wall::{self, BODY_SNIFF_BYTES};
use upcheck_core::wire::ErrorKind;
use upcheck_core::{Answer, BodyCheck, CheckResult, Seen};
use url::Url;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStreamDefaultReader, ReadableStreamReadResult, RequestCache,
    RequestMode, ResponseType,
};

use super::pattern;

/// How to check, shared by every check of a run.
#[derive(Debug, Clone)]
pub(crate) struct CheckOptions {
    /// The list-wide settings each site's options fall back on.
    pub(crate) defaults: Defaults,
    /// The page's own URL, to decide what the browser will refuse.
    pub(crate) page: Option<Url>,
}

/// Resolves when the person stops the run.
pub(crate) type StopSignal = futures::future::Shared<futures::channel::oneshot::Receiver<()>>;

/// One run's pacing of hosts that asked to slow down (core's [`HostPace`] on
/// the page's clock), shared by the run's checks.
pub(crate) struct Pacer {
    pace: RefCell<HostPace>,
    started: f64,
}

impl Pacer {
    /// Pacing for a run starting now: no host paced yet.
    pub(crate) fn new() -> Self {
        Pacer {
            pace: RefCell::new(HostPace::default()),
            started: now(),
        }
    }

    fn clock(&self) -> u64 {
        (now() - self.started).max(0.0) as u64
    }

    /// How long a check to `host` must wait before it starts (0 unless the
    /// host asked to slow down).
    fn turn(&self, host: &str) -> u64 {
        self.pace.borrow_mut().take_turn(host, self.clock())
    }

    fn limited(&self, host: &str, retry_after_ms: Option<u64>) {
        let at = self.clock();
        self.pace.borrow_mut().limited(host, at, retry_after_ms);
    }
}

/// How one fetch ended.
enum Fetched {
    Response(Response),
    /// The browser rejected it (network error or CORS; it will not say which).
    Rejected(String),
    TimedOut,
    Stopped,
}

/// What one try saw, with the words for it.
struct Tried {
    seen: Seen,
    /// "HTTP 200 OK after redirects → …", or what happened instead.
    head: String,
    latency_ms: Option<f64>,
    final_url: Option<String>,
}

impl Tried {
    fn bare(seen: Seen, head: impl Into<String>) -> Self {
        Tried {
            seen,
            head: head.into(),
            latency_ms: None,
            final_url: None,
        }
    }

    /// `Some(retry_after)` when the answer asked to be asked later: a 429, or
    /// a 503 with a readable `Retry-After`.
    fn asked_later(&self) -> Option<Option<u64>> {
        match &self.seen {
            Seen::Response(a) if a.status == 429 => Some(a.retry_after_ms),
            Seen::Response(a) if a.status == 503 && a.retry_after_ms.is_some() => {
                Some(a.retry_after_ms)
            }
            _ => None,
        }
    }
}

/// Checks one site under `expect`. Never panics on anything the network does.
pub(crate) async fn check(
    url: &Url,
    expect: &Expect,
    opts: &CheckOptions,
    pacer: &Pacer,
    stop: &StopSignal,
) -> CheckResult {
    let started = now();
    if let Some(block) = opts.page.as_ref().and_then(|page| direct_block(page, url)) {
        return CheckResult::bare(Seen::Refused.outcome(expect), block.reason());
    }
    let host = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    );
    let max_tries = expect.max_tries();
    let mut budget_end = f64::INFINITY;
    let mut tries = 0;
    let last = loop {
        let turn = pacer.turn(&host);
        if turn > 0 && !wait(turn, stop).await {
            return stopped(expect, started, tries, max_tries);
        }
        if tries == 0 {
            // The budget starts with the first try: waiting for a paced
            // host's turn is waiting for a slot, not the site being slow.
            budget_end = now() + expect.budget_ms() as f64;
        }
        let deadline = (now() + f64::from(expect.timeout_ms)).min(budget_end);
        tries += 1;
        let tried = one_try(url, expect, deadline, stop).await;
        if matches!(tried.seen, Seen::Stopped) {
            return stopped(expect, started, tries, max_tries);
        }
        let asked_later = tried.asked_later();
        if let Some(retry_after) = asked_later {
            pacer.limited(&host, retry_after);
        }
        if tries >= max_tries || !tried.seen.retryable(expect) {
            break tried;
        }
        let backoff = retry::backoff_ms(tries, asked_later.flatten(), js_sys::Math::random());
        // No time left for another whole try: this one decides.
        if now() + backoff as f64 + 1.0 >= budget_end {
            break tried;
        }
        if !wait(backoff, stop).await {
            return stopped(expect, started, tries, max_tries);
        }
    };
    finish(last, expect, started, tries, max_tries)
}

/// The result of the try that decided.
fn finish(tried: Tried, expect: &Expect, started: f64, tries: u32, max_tries: u32) -> CheckResult {
    let outcome = tried.seen.outcome(expect);
    let mut detail = tried.head;
    let mut status = None;
    if let Seen::Response(answer) = &tried.seen {
        status = Some(answer.status);
        if let Some(note) = answer.note(expect) {
            detail.push_str(" · ");
            detail.push_str(&note);
        }
    }
    if let Some(note) = tries_note(outcome, tries, max_tries) {
        detail.push_str(" · ");
        detail.push_str(&note);
    }
    CheckResult {
        status,
        latency_ms: tried.latency_ms,
        busy_ms: now() - started,
        final_url: tried.final_url,
        tries,
        max_tries,
        ..CheckResult::bare(outcome, detail)
    }
}

/// One try: `cors`, then `no-cors` when that is rejected, both under `deadline`.
async fn one_try(url: &Url, expect: &Expect, deadline: f64, stop: &StopSignal) -> Tried {
    let cors_start = now();
    let controller = AbortController::new().ok();
    let tried = match fetch(url, RequestMode::Cors, controller.as_ref(), deadline, stop).await {
        Fetched::Response(resp) => {
            read_answer(resp, now() - cors_start, expect, deadline, stop).await
        }
        Fetched::TimedOut => timed_out(expect),
        Fetched::Stopped => Tried::bare(Seen::Stopped, ""),
        Fetched::Rejected(_) => opaque_try(url, expect, deadline, stop).await,
    };
    // Stops a timed-out or stopped request, and the rest of a body.
    if let Some(controller) = controller {
        controller.abort();
    }
    tried
}

/// The `no-cors` fallback: an opaque answer, or no answer at all.
async fn opaque_try(url: &Url, expect: &Expect, deadline: f64, stop: &StopSignal) -> Tried {
    let start = now();
    let controller = AbortController::new().ok();
    let fetched = fetch(
        url,
        RequestMode::NoCors,
        controller.as_ref(),
        deadline,
        stop,
    )
    .await;
    if let Some(controller) = controller {
        controller.abort();
    }
    match fetched {
        Fetched::Response(resp) => {
            let mut head = if resp.type_() == ResponseType::Opaque {
                "server answered; status hidden by the browser (CORS)".to_owned()
            } else {
                format!("server answered (response type {:?})", resp.type_())
            };
            if !expect.body.is_empty() {
                head.push_str(" · ");
                head.push_str(&unread_body_note(expect));
            }
            Tried {
                latency_ms: Some(now() - start),
                ..Tried::bare(Seen::Opaque, head)
            }
        }
        // The browser will not say which failure it was: `Other`.
        Fetched::Rejected(message) => Tried::bare(
            Seen::Failure(ErrorKind::Other),
            format!(
                "no HTTP response: refused, DNS failure, reset, TLS error or \
                 blocked by the browser (it does not say which: {message})"
            ),
        ),
        Fetched::TimedOut => timed_out(expect),
        Fetched::Stopped => Tried::bare(Seen::Stopped, ""),
    }
}

/// "the browser cannot read the body (CORS), so contains=x was not checked"
fn unread_body_note(expect: &Expect) -> String {
    let rules: Vec<String> = expect.body.iter().map(|r| r.to_syntax()).collect();
    let verb = if rules.len() == 1 { "was" } else { "were" };
    format!(
        "the browser cannot read the body (CORS), so {} {verb} not checked",
        rules.join(", ")
    )
}

/// A readable response: its status, the headers CORS lets us read, and the
/// start of its body when the site's options or a possible bot wall need it.
async fn read_answer(
    resp: Response,
    latency_ms: f64,
    expect: &Expect,
    deadline: f64,
    stop: &StopSignal,
) -> Tried {
    let status = resp.status();
    let headers = resp.headers();
    let header = |name: &str| headers.get(name);
    let final_url = resp.redirected().then(|| resp.url());
    let mut head = format!("HTTP {status} {}", resp.status_text())
        .trim_end()
        .to_owned();
    if let Some(to) = &final_url {
        head.push_str(&format!(" after redirects → {to}"));
    }
    let retry_after_ms =
        header("retry-after").and_then(|v| retry::retry_after_ms(&v, js_sys::Date::now() as u64));
    let sniff = wall::worth_sniffing(status, header("server").as_deref());
    let wanted = match (expect.body.is_empty(), sniff) {
        (true, false) => 0,
        (true, true) => BODY_SNIFF_BYTES,
        (false, false) => expect.within_bytes,
        (false, true) => expect.within_bytes.max(BODY_SNIFF_BYTES),
    };
    let mut body = None;
    let mut unreadable = None;
    if wanted > 0 {
        match read_body(&resp, wanted, deadline, stop).await {
            Ok(bytes) => body = Some(bytes),
            Err(BodyEnd::Stopped) => return Tried::bare(Seen::Stopped, ""),
            Err(BodyEnd::Failed(why)) => unreadable = Some(why),
        }
    }
    let text = |limit: usize| {
        body.as_ref()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(limit)]).into_owned())
    };
    let check = (!expect.body.is_empty()).then(|| match (text(expect.within_bytes), &unreadable) {
        (Some(text), _) => BodyCheck::run(&expect.body, &text, &pattern::is_match),
        (None, why) => BodyCheck::Unreadable {
            reason: why
                .clone()
                .unwrap_or_else(|| "the body could not be read".into()),
        },
    });
    let sniffed = if sniff { text(BODY_SNIFF_BYTES) } else { None };
    let answer = Answer {
        status,
        latency_ms,
        retry_after_ms,
        wall: wall::detect(status, &header, sniffed.as_deref()),
        body: check,
    };
    Tried {
        seen: Seen::Response(answer),
        head,
        latency_ms: Some(latency_ms),
        final_url,
    }
}

/// Why reading a body ended early.
enum BodyEnd {
    Stopped,
    Failed(String),
}

/// Reads at most `limit` bytes of `resp`'s body (decoded: the browser
/// undoes gzip and brotli itself) through its stream, then lets go of the
/// rest: a huge or endless body, or a decompression bomb, costs `limit`
/// bytes and the time to read them, never more.
async fn read_body(
    resp: &Response,
    limit: usize,
    deadline: f64,
    stop: &StopSignal,
) -> Result<Vec<u8>, BodyEnd> {
    let Some(stream) = resp.body() else {
        return Ok(Vec::new()); // no body at all (204, HEAD-like answers)
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        let chunk = match race(JsFuture::from(reader.read()), deadline, stop).await {
            Raced::Done(Ok(chunk)) => chunk.unchecked_into::<ReadableStreamReadResult>(),
            Raced::Done(Err(e)) => {
                return Err(BodyEnd::Failed(format!(
                    "the body broke off after {} bytes ({})",
                    bytes.len(),
                    js_message(&e)
                )))
            }
            Raced::TimedOut => {
                return Err(BodyEnd::Failed(format!(
                    "only {} bytes of the body arrived within the deadline",
                    bytes.len()
                )))
            }
            Raced::Stopped => return Err(BodyEnd::Stopped),
        };
        if chunk.get_done().unwrap_or(true) {
            return Ok(bytes);
        }
        let array = js_sys::Uint8Array::new(&chunk.get_value());
        // Only the part still wanted crosses into wasm memory.
        let take = (limit - bytes.len()).min(array.length() as usize) as u32;
        bytes.extend(array.subarray(0, take).to_vec());
    }
    // Enough: the stream is still readable, so cancelling it resolves (and
    // the caller's abort then ends the download).
    let _ = reader.cancel();
    Ok(bytes)
}

fn js_message(e: &wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "no reason given".into())
}

/// How a raced future ended.
enum Raced<T> {
    Done(T),
    TimedOut,
    Stopped,
}

/// `work`, unless the deadline (page clock, ms) passes or the run stops first.
async fn race<T>(work: impl Future<Output = T>, deadline: f64, stop: &StopSignal) -> Raced<T> {
    let remaining = (deadline - now()).max(0.0);
    let timer = yew::platform::time::sleep(Duration::from_secs_f64(remaining / 1_000.0))
        .map(|_| Raced::TimedOut)
        .boxed_local();
    let stopped = stop.clone().map(|_| Raced::Stopped).boxed_local();
    match select(work.map(Raced::Done).boxed_local(), select(timer, stopped)).await {
        Either::Left((done, _)) => done,
        Either::Right((Either::Left((end, _)) | Either::Right((end, _)), _)) => end,
    }
}

/// Waits `ms`; false when the run was stopped meanwhile.
async fn wait(ms: u64, stop: &StopSignal) -> bool {
    let until = now() + ms as f64;
    matches!(
        race(futures::future::pending::<()>(), until, stop).await,
        Raced::TimedOut
    )
}

/// One fetch under `controller`, raced against the deadline and the stop
/// signal. The caller aborts the controller when it is done with the answer.
async fn fetch(
    url: &Url,
    mode: RequestMode,
    controller: Option<&AbortController>,
    deadline: f64,
    stop: &StopSignal,
) -> Fetched {
    let Some(controller) = controller else {
        return Fetched::Rejected("AbortController unavailable".into());
    };
    let signal = controller.signal();
    let request = Request::get(url.as_str())
        .mode(mode)
        .cache(RequestCache::NoStore)
        .abort_signal(Some(&signal))
        .send();
    match race(request, deadline, stop).await {
        Raced::Done(Ok(resp)) => Fetched::Response(resp),
        Raced::Done(Err(err)) => Fetched::Rejected(error_text(&err)),
        Raced::TimedOut => Fetched::TimedOut,
        Raced::Stopped => Fetched::Stopped,
    }
}

fn error_text(err: &gloo_net::Error) -> String {
    match err {
        gloo_net::Error::JsError(js) => format!("{}: {}", js.name, js.message),
        other => other.to_string(),
    }
}

fn timed_out(expect: &Expect) -> Tried {
    let limit = format_ms(f64::from(expect.timeout_ms));
    Tried::bare(
        Seen::Failure(ErrorKind::Timeout),
        format!("no response within {limit}"),
    )
}

fn stopped(expect: &Expect, started: f64, tries: u32, max_tries: u32) -> CheckResult {
    CheckResult {
        busy_ms: now() - started,
        tries: tries.max(1),
        max_tries,
        ..CheckResult::bare(Seen::Stopped.outcome(expect), "stopped before it finished")
    }
}

/// Milliseconds on the page's monotonic clock.
pub(crate) fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}
