//! `--via URL...`: checking through remote Upcheck proxies instead of from
//! this machine. Each proxy is asked `/api/health` first (who it is, its
//! limits); the list is cut into batches no larger than every proxy takes,
//! and each proxy is sent as many batches at once as it admits from one
//! client (`max_batches_per_client`, or `--batches-per-proxy`), so a proxy
//! with room always has the next batch. Lines stream back (API v2) and reach
//! the caller as they arrive.
//!
//! Nothing is lost when a proxy fails: a batch cut off or refused is sent
//! again (to whichever proxy is free) with only its unanswered sites; a 429
//! waits for its `Retry-After`. A proxy that cannot be reached three times
//! in a row is given up; sites no proxy could check end `cancelled`, saying
//! why. The proxy URL is the person's own choice, so it is not subject to
//! the SSRF guard (a proxy on localhost is the usual case).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{header, Method as HttpMethod, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use upcheck_core::wire::{
    CheckLine, CheckRequest, ErrorKind, Health, LineError, Target, API_VERSION,
};
use upcheck_core::Outcome;
use url::Url;

use crate::check::Settings;

/// How long one request to a proxy may take to answer its head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest pause between two lines of a streaming batch before it is
/// taken for cut off: longer than any one check may take.
const LINE_GAP: Duration = Duration::from_secs(150);
/// Tries of one site's batch (across proxies) before it ends `cancelled`.
const MAX_SENDS: u32 = 4;
/// Failures in a row after which a proxy is given up.
const PROXY_STRIKES: u32 = 3;

/// One remote proxy, as its health said.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Its base URL, as given.
    pub base: Url,
    /// What `/api/health` said.
    pub health: Health,
}

impl Proxy {
    /// Its name for messages: its label, or its URL.
    pub fn name(&self) -> String {
        self.health
            .label
            .clone()
            .unwrap_or_else(|| self.base.as_str().trim_end_matches('/').to_owned())
    }
}

/// A TLS client for `https://` proxies: the web roots plus `extra`.
pub fn tls(extra: &[rustls::pki_types::CertificateDer<'static>]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra {
        let _ = roots.add(cert.clone());
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    // Fixed at build time, not input: aws-lc-rs supports TLS 1.2 and 1.3.
    .expect("the aws-lc-rs provider supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

async fn exchange<IO>(io: IO, request: Request<Full<Bytes>>) -> Result<Response<Incoming>, String>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"))
}

/// One request to `base` + `path`, plain or over TLS.
async fn send(
    base: &Url,
    path: &str,
    body: Option<Vec<u8>>,
    tls: &TlsConnector,
) -> Result<Response<Incoming>, String> {
    let host = base.host_str().ok_or("the URL has no host")?.to_owned();
    let port = base.port_or_known_default().ok_or("the URL has no port")?;
    let authority = match base.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let path = format!("{}{}", base.path().trim_end_matches('/'), path);
    let request = Request::builder()
        .method(if body.is_some() {
            HttpMethod::POST
        } else {
            HttpMethod::GET
        })
        .uri(path)
        .header(header::HOST, authority)
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            concat!("upcheck/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let connect_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let go = async {
        let tcp = TcpStream::connect((connect_host.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        if base.scheme() == "https" {
            let name = rustls::pki_types::ServerName::try_from(connect_host.clone())
                .map_err(|e| format!("not a TLS name: {e}"))?;
            let stream = tls
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            exchange(stream, request).await
        } else {
            exchange(tcp, request).await
        }
    };
    tokio::time::timeout(HEAD_TIMEOUT, go)
        .await
        .map_err(|_| format!("no answer within {}s", HEAD_TIMEOUT.as_secs()))?
}

/// Asks every proxy for its health; any that does not answer as an Upcheck
/// proxy speaking API v2 is an error naming it.
pub async fn discover(urls: &[String], tls: &TlsConnector) -> Result<Vec<Proxy>, String> {
    let mut proxies = Vec::new();
    for raw in urls {
        let base = Url::parse(raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| format!("--via {raw}: not an http(s) URL"))?;
        let why = |e: String| format!("--via {raw}: {e}");
        let response = send(&base, "/api/health", None, tls).await.map_err(why)?;
        if response.status() != StatusCode::OK {
            return Err(why(format!("/api/health answered {}", response.status())));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| why(e.to_string()))?
            .to_bytes();
        let health: Health = serde_json::from_slice(&body)
            .map_err(|e| why(format!("not an Upcheck proxy's health: {e}")))?;
        if health.api_version < API_VERSION {
            return Err(why(format!(
                "speaks API v{}; this upcheck needs v{API_VERSION}",
                health.api_version
            )));
        }
        proxies.push(Proxy { base, health });
    }
    Ok(proxies)
}

/// A batch: row ids and their targets, and how often it was sent.
#[derive(Debug)]
struct Batch {
    ids: Vec<usize>,
    targets: Vec<Target>,
    sends: u32,
    last_error: Option<String>,
}

/// How one send of a batch ended.
enum Sent {
    /// Every site answered.
    Done,
    /// The proxy said 429: wait this long, the batch goes back.
    Later(Duration, Batch),
    /// The proxy failed or cut the stream: the unanswered part goes back.
    Failed(String, Batch),
    /// The proxy refused the request itself (4xx): retrying cannot help.
    Refused(String, Batch),
}

struct Shared {
    queue: Mutex<VecDeque<Batch>>,
    /// Batches being sent right now (a worker may put one back).
    sending: AtomicUsize,
    settings: Settings,
    tls: TlsConnector,
    lines: mpsc::UnboundedSender<CheckLine>,
}

/// Checks `jobs` (row id, target) through `proxies`, handing each line to
/// `sink` as it arrives (its `index` the row id).
pub async fn run(
    proxies: Vec<Proxy>,
    settings: &Settings,
    jobs: Vec<(usize, Target)>,
    batches_per_proxy: Option<usize>,
    tls: TlsConnector,
    mut sink: impl FnMut(CheckLine),
) {
    let max_urls = proxies
        .iter()
        .map(|p| p.health.limits.max_urls)
        .min()
        .unwrap_or(1);
    let in_flight = proxies
        .iter()
        .map(|p| p.health.limits.batch_in_flight())
        .min()
        .unwrap_or(1);
    // Small enough that the last batches end together on every proxy, large
    // enough that each fills its proxy's batch concurrency several times.
    let size = max_urls.min(4 * in_flight).max(1);
    let mut queue = VecDeque::new();
    let mut jobs = jobs.into_iter().peekable();
    while jobs.peek().is_some() {
        let (ids, targets) = jobs.by_ref().take(size).unzip();
        queue.push_back(Batch {
            ids,
            targets,
            sends: 0,
            last_error: None,
        });
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        queue: Mutex::new(queue),
        sending: AtomicUsize::new(0),
        settings: settings.clone(),
        tls,
        lines: tx,
    });
    let strikes: Vec<Arc<AtomicUsize>> = proxies.iter().map(|_| Arc::default()).collect();
    let mut workers = tokio::task::JoinSet::new();
    for (proxy, strikes) in proxies.into_iter().zip(strikes) {
        let n = batches_per_proxy
            .unwrap_or(proxy.health.limits.max_batches_per_client)
            .max(1);
        let proxy = Arc::new(proxy);
        for _ in 0..n {
            workers.spawn(worker(shared.clone(), proxy.clone(), strikes.clone()));
        }
    }
    let done = async move {
        while workers.join_next().await.is_some() {}
        // Whatever is left, no proxy could check.
        let left: Vec<Batch> = shared
            .queue
            .lock()
            .map(|mut q| q.drain(..).collect())
            .unwrap_or_default();
        for batch in left {
            cancel(&shared.lines, batch, "no proxy was left to check it");
        }
        // `shared` goes here, and with it the last sender: `receive` ends.
    };
    let receive = async {
        while let Some(line) = rx.recv().await {
            sink(line);
        }
    };
    tokio::join!(done, receive);
}

fn cancel(lines: &mpsc::UnboundedSender<CheckLine>, batch: Batch, why: &str) {
    let detail = match &batch.last_error {
        Some(e) => format!("{why}: {e}"),
        None => why.to_owned(),
    };
    for (id, target) in batch.ids.into_iter().zip(batch.targets) {
        let mut line = CheckLine::new(id, target.url, Outcome::Cancelled);
        line.error = Some(LineError {
            kind: ErrorKind::Other,
            message: detail.clone(),
        });
        let _ = lines.send(line);
    }
}

async fn worker(shared: Arc<Shared>, proxy: Arc<Proxy>, strikes: Arc<AtomicUsize>) {
    loop {
        if strikes.load(Ordering::SeqCst) >= PROXY_STRIKES as usize {
            return;
        }
        // Counted before the queue is looked at, so an idle worker never
        // sees "empty and nothing sending" while a batch is on its way back.
        shared.sending.fetch_add(1, Ordering::SeqCst);
        let next = shared.queue.lock().ok().and_then(|mut q| q.pop_front());
        let Some(batch) = next else {
            let idle = shared.sending.fetch_sub(1, Ordering::SeqCst) == 1;
            if idle && shared.queue.lock().map(|q| q.is_empty()).unwrap_or(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let sent = send_batch(&shared, &proxy, batch).await;
        let back = match sent {
            Sent::Done => {
                strikes.store(0, Ordering::SeqCst);
                None
            }
            Sent::Later(wait, batch) => {
                tokio::time::sleep(wait).await;
                Some(batch)
            }
            Sent::Refused(why, batch) => {
                let mut batch = batch;
                batch.last_error = Some(why);
                cancel(
                    &shared.lines,
                    batch,
                    &format!("{} refused the batch", proxy.name()),
                );
                None
            }
            Sent::Failed(why, mut batch) => {
                strikes.fetch_add(1, Ordering::SeqCst);
                tracing::warn!("{}: {why}", proxy.name());
                batch.last_error = Some(format!("{}: {why}", proxy.name()));
                if batch.sends >= MAX_SENDS {
                    cancel(&shared.lines, batch, "no proxy could check it");
                    None
                } else {
                    Some(batch)
                }
            }
        };
        if let Some(batch) = back {
            if let Ok(mut q) = shared.queue.lock() {
                q.push_back(batch);
            }
        }
        shared.sending.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn send_batch(shared: &Shared, proxy: &Proxy, mut batch: Batch) -> Sent {
    batch.sends += 1;
    let s = &shared.settings;
    let request = CheckRequest {
        urls: batch.targets.clone(),
        timeout_ms: s.defaults.timeout_ms,
        method: s.method,
        max_redirects: s.max_redirects,
        accept: Some(s.defaults.accept.to_string()),
        slow_ms: s.defaults.slow_ms,
        retries: s.defaults.retries,
        version: API_VERSION,
    };
    let body = match serde_json::to_vec(&request) {
        Ok(body) => body,
        Err(e) => return Sent::Refused(e.to_string(), batch),
    };
    let response = match send(&proxy.base, "/api/check", Some(body), &shared.tls).await {
        Ok(r) => r,
        Err(e) => return Sent::Failed(e, batch),
    };
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .clamp(1, 60);
        return Sent::Later(Duration::from_secs(wait), batch);
    }
    if !status.is_success() {
        let body = response.into_body().collect().await.map(|b| b.to_bytes());
        let message = body
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let why = format!("{status} {message}").trim().to_owned();
        return if status.is_client_error() {
            Sent::Refused(why, batch)
        } else {
            Sent::Failed(why, batch)
        };
    }
    let mut answered = vec![false; batch.ids.len()];
    let mut body = response.into_body();
    let mut buffer: Vec<u8> = Vec::new();
    let cut = loop {
        let frame = match tokio::time::timeout(LINE_GAP, body.frame()).await {
            Err(_) => break Some(format!("no line for {}s", LINE_GAP.as_secs())),
            Ok(None) => break None,
            Ok(Some(Err(e))) => break Some(format!("the stream broke: {e}")),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = buffer.drain(..=end).collect();
            let Ok(mut line) = serde_json::from_slice::<CheckLine>(&raw) else {
                continue;
            };
            let Some(&id) = batch.ids.get(line.index) else {
                continue;
            };
            if std::mem::replace(&mut answered[line.index], true) {
                continue;
            }
            line.index = id;
            let _ = shared.lines.send(line);
        }
    };
    let (ids, targets): (Vec<usize>, Vec<Target>) = batch
        .ids
        .into_iter()
        .zip(batch.targets)
        .zip(&answered)
        .filter(|(_, &done)| !done)
        .map(|(pair, _)| pair)
        .unzip();
    if ids.is_empty() {
        return Sent::Done;
    }
    let why =
        cut.unwrap_or_else(|| format!("the stream ended with {} sites unanswered", ids.len()));
    Sent::Failed(
        why,
        Batch {
            ids,
            targets,
            sends: batch.sends,
            last_error: None,
        },
    )
}
