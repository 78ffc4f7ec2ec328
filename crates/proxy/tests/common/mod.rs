//! Helpers shared by the proxy's integration tests: driving the router with
//! `oneshot`, running a real server on 127.0.0.1:0, a scripted resolver, and a
//! test CA (rcgen). Each test file uses a subset, hence the `dead_code` allow.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;
use upcheck_proxy::check::dns::{Lookup, Resolve, ResolveError};
use upcheck_proxy::{app, Config};

/// A config for tests: no rate limit unless a test wants one.
pub fn config() -> Config {
    Config {
        rate_per_minute: None,
        ..Config::default()
    }
}

/// The same with the test-only loopback switch on.
pub fn loopback_config() -> Config {
    Config {
        insecure_allow_loopback: true,
        ..config()
    }
}

/// POSTs `body` to `/api/check` through the router, no socket; returns the
/// status and every NDJSON line (or the error body as one value).
/// The body speaks the current API version (as the page does) unless it says
/// `version` itself.
pub async fn check(config: Config, mut body: Value) -> (StatusCode, Vec<Value>) {
    if let Some(b) = body.as_object_mut() {
        b.entry("version")
            .or_insert(json!(upcheck_core::wire::API_VERSION));
    }
    check_as_sent(config, body).await
}

/// [`check`] without adding `version`: `body` goes as it is.
pub async fn check_as_sent(config: Config, body: Value) -> (StatusCode, Vec<Value>) {
    let request = Request::post("/api/check")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = app(config).oneshot(request).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, parse_lines(&bytes))
}

/// Checks one URL with `config` and returns its line.
pub async fn check_one(config: Config, url: &str, extra: Value) -> Value {
    let mut body = json!({ "urls": [url], "timeout_ms": 2000 });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, lines) = check(config, body).await;
    assert_eq!(status, StatusCode::OK, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.into_iter().next().unwrap()
}

pub fn parse_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

/// Asserts the line is `outcome` with `error.kind == kind`.
pub fn assert_outcome(line: &Value, outcome: &str, kind: Option<&str>) {
    assert_eq!(line["outcome"], outcome, "{line:#}");
    match kind {
        Some(kind) => assert_eq!(line["error"]["kind"], kind, "{line:#}"),
        None => assert!(line["error"].is_null(), "{line:#}"),
    }
}

/// Asserts no connection was attempted for this line.
pub fn assert_not_connected(line: &Value) {
    assert!(line["ip"].is_null(), "{line:#}");
    assert!(line["timings_ms"]["connect"].is_null(), "{line:#}");
}

/// A proxy listening on 127.0.0.1:0; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn serve(config: Config) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(upcheck_proxy::serve(listener, config, async move {
        let _ = stopped.await;
    }));
    Server { addr, _stop: stop }
}

/// A raw HTTP/1.1 POST to a real server; returns the response with its body
/// unread, so a test can read the stream frame by frame.
pub async fn post(
    addr: SocketAddr,
    headers: &[(&str, &str)],
    body: String,
) -> hyper::Response<hyper::body::Incoming> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::post("/api/check")
        .header("host", addr.to_string())
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    sender
        .send_request(req.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap()
}

/// One scripted answer.
pub type Answer = Result<Vec<IpAddr>, ResolveError>;

/// A resolver that answers from a script and counts lookups per name.
#[derive(Debug, Default)]
pub struct ScriptedResolver {
    /// name → answers for the 1st, 2nd, … lookup (the last one repeats).
    answers: Mutex<HashMap<String, Vec<Answer>>>,
    counts: Mutex<HashMap<String, u64>>,
    pub total: AtomicU64,
    /// Names that never answer.
    pub hang: Vec<String>,
}

impl ScriptedResolver {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn answer(self, name: &str, ips: &[&str]) -> Self {
        self.answers_in_turn(
            name,
            vec![Ok(ips.iter().map(|s| s.parse().unwrap()).collect())],
        )
    }

    pub fn answers_in_turn(self, name: &str, turns: Vec<Answer>) -> Self {
        self.answers.lock().unwrap().insert(name.to_owned(), turns);
        self
    }

    pub fn lookups(&self, name: &str) -> u64 {
        self.counts.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

impl Resolve for ScriptedResolver {
    fn resolve<'a>(&'a self, name: &'a str) -> Lookup<'a> {
        Box::pin(async move {
            self.total.fetch_add(1, Ordering::SeqCst);
            let n = {
                let mut counts = self.counts.lock().unwrap();
                let n = counts.entry(name.to_owned()).or_default();
                *n += 1;
                *n
            };
            if self.hang.iter().any(|h| h == name) {
                std::future::pending::<()>().await;
            }
            let answers = self.answers.lock().unwrap();
            match answers.get(name) {
                Some(turns) => turns[(n as usize - 1).min(turns.len() - 1)].clone(),
                None => Err(ResolveError::NotFound(name.to_owned())),
            }
        })
    }
}

pub fn ips(list: &[&str]) -> Vec<IpAddr> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

pub use upcheck_fixture::tls::TestCa;

/// A config trusting `ca`, loopback allowed.
pub fn trusting(ca: &TestCa) -> Config {
    Config {
        extra_root_certs: vec![ca.cert.clone()],
        ..loopback_config()
    }
}

/// Connections the fixture accepted so far.
pub fn connections(stats: &upcheck_fixture::Stats) -> u64 {
    stats.connections.load(Ordering::SeqCst)
}

/// Requests the fixture read so far.
pub fn requests(stats: &upcheck_fixture::Stats) -> u64 {
    stats.requests.load(Ordering::SeqCst)
}

pub fn arc(r: ScriptedResolver) -> Arc<ScriptedResolver> {
    Arc::new(r)
}

/// Percent-encodes everything but letters and digits, for the fixture's
/// `location/TEXT` scenario.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Checks one site given as a `urls` entry (a string or an object with
/// options) with `config` and returns its line.
pub async fn check_site(config: Config, site: Value, extra: Value) -> Value {
    let mut body = json!({ "urls": [site], "timeout_ms": 2000 });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, lines) = check(config, body).await;
    assert_eq!(status, StatusCode::OK, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.into_iter().next().unwrap()
}

/// A scripted HTTP server on 127.0.0.1:0 for answers the fixture cannot
/// give: each connection's request head is kept, then `parts` are written
/// in order, each after its delay. Stops when dropped.
pub struct RawServer {
    pub addr: SocketAddr,
    pub heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    pub async fn start(parts: Vec<(Duration, Vec<u8>)>) -> RawServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let kept = heads.clone();
        let parts = Arc::new(parts);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let kept = kept.clone();
                let parts = parts.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    kept.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                    for (delay, bytes) in parts.iter() {
                        tokio::time::sleep(*delay).await;
                        if stream.write_all(bytes).await.is_err() {
                            return;
                        }
                    }
                    let _ = stream.shutdown().await;
                });
            }
        });
        RawServer { addr, heads, task }
    }

    /// `http://ADDR/` with `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// The real binary, killed when dropped.
pub struct Proxy {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary on a free loopback port, loopback targets allowed and no
/// rate limit; it logs "Upcheck is at http://ADDR/" once listening.
pub fn start_binary() -> Proxy {
    let mut child = Command::new(env!("CARGO_BIN_EXE_upcheck-proxy"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--insecure-allow-loopback",
            "--rate",
            "0",
        ])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // It logs "Upcheck is at http://ADDR/" once listening; a few lines at most.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    for _ in 0..20 {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(at) = line.find("http://") {
            let rest = &line[at + 7..];
            addr = rest.split('/').next().and_then(|a| a.parse().ok());
            break;
        }
    }
    // Keep draining its log so it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    let addr = addr.expect("the proxy did not say where it listens");
    Proxy { child, addr }
}

/// The process's peak resident set (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
