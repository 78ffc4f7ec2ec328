//! What gzip bombs cost the proxy: N checks of `/gzip-bomb/MIB` (a gzip
//! stream that decodes to MIB MiB of zeros) with a `contains` rule read
//! `within` KiB, through one `POST /api/check` to a proxy in this process;
//! prints this process's peak RSS (VmHWM from /proc/self/status) before and
//! after, and how long the batch took. Proxy, fixture and client share the
//! process, so the figure bounds the proxy's own.
//!
//! ```text
//! cargo run --release -p upcheck-proxy --example bomb_rss -- [--bombs 8] [--mib 1024] [--within-kb 1024]
//! ```

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::time::Instant;
use tokio::net::{TcpListener, TcpStream};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn arg(name: &str, default: u64) -> Result<u64, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bombs = arg("--bombs", 8)?;
    let mib = arg("--mib", 1024)?;
    let within_kb = arg("--within-kb", 1024)?;
    let fixture = upcheck_fixture::Fixture::start(4).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = upcheck_proxy::Config {
        insecure_allow_loopback: true,
        rate_per_minute: None,
        ..upcheck_proxy::Config::default()
    };
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(upcheck_proxy::serve(listener, config, async move {
        let _ = stopped.await;
    }));
    let urls: Vec<_> = (0..bombs as usize)
        .map(|i| {
            serde_json::json!({
                "url": fixture.url(i, &format!("/gzip-bomb/{mib}?n={i}")),
                "contains": ["never there"],
                "within_kb": within_kb,
            })
        })
        .collect();
    let body = serde_json::json!({ "urls": urls, "timeout_ms": 60000 }).to_string();
    let before = peak_rss_kib();
    let started = Instant::now();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(TcpStream::connect(addr).await?))
            .await?;
    tokio::spawn(conn);
    let request = hyper::Request::post("/api/check")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(request).await?;
    let text = response.into_body().collect().await?.to_bytes();
    let took = started.elapsed();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for line in &lines {
        println!(
            "{} read_bytes={} complete={}",
            line["outcome"], line["content"]["read_bytes"], line["content"]["complete"]
        );
    }
    println!(
        "{bombs} gzip bombs of {mib} MiB, read within {within_kb} KiB: {} lines in {:.2} s; \
         peak RSS {before} KiB before, {} KiB after",
        lines.len(),
        took.as_secs_f64(),
        peak_rss_kib()
    );
    if lines.len() as u64 != bombs {
        return Err("not every check answered".into());
    }
    Ok(())
}
