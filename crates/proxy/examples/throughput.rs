//! Proxy throughput on loopback: N URLs, each `/delay/MS` on a fixture spread
//! over P ports, through one `POST /api/check` (or `--batches B` concurrent
//! ones, each with all N URLs); prints wall time and peak RSS, and fails unless
//! every batch returned one line per URL.
//!
//! ```text
//! cargo run --release -p upcheck-proxy --example throughput -- \
//!     [--urls 1000] [--ports 50] [--delay-ms 500] [--concurrency 256] [--per-host 6]
//!     [--batches 1] [--proxy 127.0.0.1:8080 --proxy-pid PID] [--urls-file FILE] [--json]
//!     [--tls h2|h1]
//! ```
//! In-process, the per-client caps are raised to fit `--batches` (all batches
//! come from one client here), so the figure is the engine's, not the caps'.
//! Without `--proxy` the proxy runs in this process (loopback allowed, no rate
//! limit) and the RSS printed covers proxy + fixture + client. With `--proxy`
//! it talks to a running `upcheck-proxy --insecure-allow-loopback` (start it
//! under `/usr/bin/time -v` for its own peak RSS, or pass `--proxy-pid`).
//!
//! `--urls-file` checks the URLs in FILE (one a line) instead of starting a
//! fixture here: `./bench` (tests/bench.rs) passes the list every checker it
//! compares gets. `--json` prints one JSON line instead of the text report.
//!
//! `--tls h2` (or `h1`) serves the URLs over TLS instead, from one fixture
//! port with a certificate from a CA made here (the in-process proxy trusts
//! it), offering HTTP/2 by ALPN (or HTTP/1.1 only): `./bench --only protocol`
//! runs both to compare. One host:port, so raise `--per-host` to measure
//! more than 6 at once.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::{TcpListener, TcpStream};

struct Args {
    urls: usize,
    ports: usize,
    delay_ms: u64,
    concurrency: usize,
    per_host: usize,
    batches: usize,
    proxy: Option<SocketAddr>,
    proxy_pid: Option<u32>,
    urls_file: Option<String>,
    json: bool,
    tls: Option<bool>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        urls: 1000,
        ports: 50,
        delay_ms: 500,
        concurrency: upcheck_core::defaults::PROXY_BATCH_CONCURRENCY,
        per_host: upcheck_core::defaults::PROXY_PER_HOST,
        batches: 1,
        proxy: None,
        proxy_pid: None,
        urls_file: None,
        json: false,
        tls: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--json" {
            a.json = true;
            continue;
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--urls" => a.urls = value.parse().map_err(|e| bad(&e))?,
            "--ports" => a.ports = value.parse().map_err(|e| bad(&e))?,
            "--delay-ms" => a.delay_ms = value.parse().map_err(|e| bad(&e))?,
            "--concurrency" => a.concurrency = value.parse().map_err(|e| bad(&e))?,
            "--per-host" => a.per_host = value.parse().map_err(|e| bad(&e))?,
            "--batches" => a.batches = value.parse().map_err(|e| bad(&e))?,
            "--proxy" => a.proxy = Some(value.parse().map_err(|e| bad(&e))?),
            "--proxy-pid" => a.proxy_pid = Some(value.parse().map_err(|e| bad(&e))?),
            "--urls-file" => a.urls_file = Some(value),
            "--tls" => {
                a.tls = Some(match value.as_str() {
                    "h2" => true,
                    "h1" => false,
                    _ => return Err(bad(&"h2 or h1")),
                })
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

/// Peak resident set size of a process, from /proc (VmHWM).
fn peak_rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut a = args()?;
    // A given list brings its own fixture (the caller's); otherwise start one.
    let listed = match &a.urls_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?),
        None => None,
    };
    if a.tls.is_some() && (a.proxy.is_some() || listed.is_some()) {
        return Err(
            "--tls serves its own fixture to the in-process proxy: no --proxy or --urls-file"
                .into(),
        );
    }
    let ca = upcheck_fixture::tls::TestCa::new("Upcheck Bench CA");
    let tls_fixture = match a.tls {
        Some(h2) => {
            let (chain, key) = ca.leaf_for_days(&["127.0.0.1"], 30);
            let options = upcheck_fixture::tls::TlsOptions {
                h2,
                ..Default::default()
            };
            a.ports = 1;
            Some(upcheck_fixture::tls::TlsFixture::start_with(chain, key, options).await?)
        }
        None => None,
    };
    let fixture = match (&listed, &tls_fixture) {
        (None, None) => Some(upcheck_fixture::Fixture::start(a.ports).await?),
        _ => None,
    };
    let urls: Vec<String> = match (&listed, &fixture) {
        (_, None) if tls_fixture.is_some() => {
            let f = tls_fixture.as_ref().expect("checked");
            (0..a.urls)
                .map(|i| f.url(&format!("/delay/{}?n={i}", a.delay_ms)))
                .collect()
        }
        (Some(text), _) => text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        (None, Some(fixture)) => (0..a.urls)
            .map(|i| fixture.url(i, &format!("/delay/{}?n={i}", a.delay_ms)))
            .collect(),
        (None, None) => unreachable!("a fixture is started when no list is given"),
    };
    if listed.is_some() {
        a.urls = urls.len();
        // Distinct host:port pairs: the per-host limit applies to each.
        let mut hosts: Vec<&str> = urls.iter().filter_map(|u| u.split('/').nth(2)).collect();
        hosts.sort_unstable();
        hosts.dedup();
        a.ports = hosts.len();
    }
    let proxy = match a.proxy {
        Some(addr) => addr,
        None => {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let config = upcheck_proxy::Config {
                concurrency: a.concurrency,
                per_host: a.per_host,
                global_concurrency: a.concurrency.max(upcheck_proxy::config::GLOBAL_CONCURRENCY),
                max_urls: a.urls.max(1),
                max_body_bytes: 64 * 1024 * 1024,
                rate_per_minute: None,
                max_batches_per_client: a
                    .batches
                    .max(upcheck_proxy::config::MAX_BATCHES_PER_CLIENT),
                max_checks_per_client: a.concurrency.saturating_mul(a.batches.max(1)),
                insecure_allow_loopback: true,
                extra_root_certs: vec![ca.cert.clone()],
                ..upcheck_proxy::Config::default()
            };
            tokio::spawn(upcheck_proxy::serve(
                listener,
                config,
                std::future::pending(),
            ));
            addr
        }
    };
    let body = serde_json::json!({ "urls": urls, "timeout_ms": 120000 }).to_string();

    let started = Instant::now();
    let runs = (0..a.batches.max(1)).map(|_| one_batch(proxy, body.clone(), started));
    let mut lines = 0usize;
    let mut up = 0usize;
    let mut first_line_ms: Option<u128> = None;
    for result in futures_util::future::join_all(runs).await {
        let batch = result?;
        if batch.lines != a.urls {
            return Err(
                format!("a batch returned {} lines for {} URLs", batch.lines, a.urls).into(),
            );
        }
        lines += batch.lines;
        up += batch.up;
        first_line_ms = match (first_line_ms, batch.first_line_ms) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
    }
    let wall = started.elapsed();
    let total = a.urls * a.batches.max(1);
    let slots = (a.concurrency * a.batches.max(1))
        .min(a.ports * a.per_host)
        .min(upcheck_proxy::config::GLOBAL_CONCURRENCY.max(a.concurrency))
        .min(total)
        .max(1);
    let ideal = (total.div_ceil(slots)) as f64 * a.delay_ms as f64 / 1000.0;
    let stats = fixture
        .as_ref()
        .map(|f| f.stats())
        .or(tls_fixture.as_ref().map(|f| f.stats()));
    let peak_in_flight = stats.map(|s| s.peak_in_flight.load(std::sync::atomic::Ordering::SeqCst));
    let (rss_of, rss) = match a.proxy_pid {
        Some(pid) => ("proxy", peak_rss_kib(&pid.to_string())),
        None => (
            "this process (proxy + fixture + client)",
            peak_rss_kib("self"),
        ),
    };
    if a.json {
        let report = serde_json::json!({
            "urls": a.urls,
            "batches": a.batches,
            "host_ports": a.ports,
            "delay_ms": a.delay_ms,
            "concurrency": a.concurrency,
            "per_host": a.per_host,
            "effective_concurrency": slots,
            "lines": lines,
            "up": up,
            "wall_ms": wall.as_secs_f64() * 1000.0,
            "ideal_ms": ideal * 1000.0,
            "first_line_ms": first_line_ms,
            "fixture_peak_in_flight": peak_in_flight,
            "peak_rss_kib": rss,
            "peak_rss_of": rss_of,
            "tls": a.tls.map(|h2| if h2 { "h2" } else { "h1" }),
        });
        println!("{report}");
        return Ok(());
    }
    println!(
        "urls={} batches={} ports={} delay={}ms concurrency={} per_host={} -> lines={lines} up={up} \
         wall={:.2}s (ideal ~{ideal:.1}s at {slots} in flight) first_line={}ms sequential_would_be={:.0}s",
        a.urls,
        a.batches,
        a.ports,
        a.delay_ms,
        a.concurrency,
        a.per_host,
        wall.as_secs_f64(),
        first_line_ms.unwrap_or(0),
        total as f64 * a.delay_ms as f64 / 1000.0,
    );
    if let Some(peak) = peak_in_flight {
        println!("fixture peak in flight: {peak}");
    }
    println!("peak RSS of {rss_of}: {rss:?} KiB");
    Ok(())
}

struct BatchResult {
    lines: usize,
    up: usize,
    first_line_ms: Option<u128>,
}

/// One `POST /api/check` on its own connection, read to the end.
async fn one_batch(
    proxy: SocketAddr,
    body: String,
    started: Instant,
) -> Result<BatchResult, Box<dyn std::error::Error>> {
    let tcp = TcpStream::connect(proxy).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    let request = hyper::Request::post("/api/check")
        .header("host", proxy.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    if !response.status().is_success() {
        let status = response.status();
        let text = response.into_body().collect().await?.to_bytes();
        return Err(format!("{status}: {}", String::from_utf8_lossy(&text)).into());
    }
    let mut body = response.into_body();
    let mut result = BatchResult {
        lines: 0,
        up: 0,
        first_line_ms: None,
    };
    let mut pending = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            result.lines += 1;
            result
                .first_line_ms
                .get_or_insert(started.elapsed().as_millis());
            if line.windows(13).any(|w| w == b"\"outcome\":\"up") {
                result.up += 1;
            }
        }
    }
    Ok(result)
}
