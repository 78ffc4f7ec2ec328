//! Proxy mode: the shipped `upcheck-proxy` (`--release`), a fresh process per
//! measurement so its peak RSS (VmHWM) is that run's, driven through one
//! streamed `POST /api/check` by `crates/proxy/examples/throughput.rs`, which
//! reports the wall time, the time to the first line and the proxy's peak
//! RSS. Measured at the default batch concurrency and at the global cap (see
//! `PROXY_CONCURRENCIES`), against an ideal that counts what can really be in
//! flight: the batch concurrency, the global cap and 6 per host:port.

use super::common::{env_or, free_port, ideal_ms, root, run_bounded, Process, Row, PROXY};
use super::{DELAY_MS, PER_HOST};
use std::fs::File;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub async fn proxy(
    n: usize,
    list: &Path,
    concurrency: usize,
    hosts: usize,
    dir: &Path,
) -> Result<Row, String> {
    let bin = env_or("UPCHECK_BENCH_PROXY", "target/release/upcheck-proxy");
    let example = env_or(
        "UPCHECK_BENCH_THROUGHPUT",
        "target/release/examples/throughput",
    );
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let listen = format!("127.0.0.1:{port}");
    let global = concurrency.max(upcheck_proxy::config::GLOBAL_CONCURRENCY);
    let log = File::create(dir.join("proxy.log")).map_err(|e| e.to_string())?;
    let child = Command::new(root().join(&bin))
        .args([
            "--listen",
            &listen,
            "--insecure-allow-loopback",
            "--rate",
            "0",
        ])
        .args(["--concurrency", &concurrency.to_string()])
        .args(["--per-host", &PER_HOST.to_string()])
        .args(["--global-concurrency", &global.to_string()])
        // One client (this harness) is the whole load here: let it have the
        // whole batch concurrency, not the default 256 checks per client
        // that keeps one caller from taking a shared proxy (issue 12).
        .args(["--max-checks-per-client", &global.to_string()])
        .args(["--max-urls", &n.max(1).to_string()])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("starting {bin}: {e} (./bench builds it)"))?;
    let proxy = Process(child);
    wait_listening(port, Duration::from_secs(10)).await?;
    let out = dir.join("throughput.json");
    let mut cmd = Command::new(root().join(&example));
    cmd.args(["--proxy", &listen])
        .args(["--proxy-pid", &proxy.0.id().to_string()])
        .args(["--urls-file", &list.display().to_string()])
        .args(["--concurrency", &concurrency.to_string()])
        .args(["--per-host", &PER_HOST.to_string()])
        .args(["--delay-ms", &DELAY_MS.to_string()])
        .arg("--json");
    let limit = Duration::from_millis(4 * ideal_ms(n, concurrency) as u64 + 30_000);
    let json = run_bounded(cmd, &out, limit).await?;
    drop(proxy);
    let slots = concurrency.min(global).min(PER_HOST * hosts).min(n);
    let mut row = Row::new(n, PROXY);
    row.concurrency = format!("{slots} (--concurrency {concurrency}, 6/host)");
    row.wall_ms = json["wall_ms"].as_f64();
    row.ideal_ms = Some(ideal_ms(n, slots));
    row.first_ms = json["first_line_ms"].as_f64();
    row.rss_kib = json["peak_rss_kib"].as_u64();
    row.up = json["up"].as_u64().map(|u| u as usize);
    Ok(row)
}

pub async fn wait_listening(port: u16, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        if tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("nothing listened on port {port} within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// HTTP/2 against HTTP/1.1: `n` checks of an https site on one fixture port
/// (a CA made by the throughput example, which the in-process proxy
/// trusts), every answer after `delay_ms`, 256 at once, once offering h2 by
/// ALPN and once HTTP/1.1 only. Returns a Markdown table with the ratio.
pub async fn protocol(n: usize, delay_ms: u64, dir: &Path) -> Result<String, String> {
    let example = env_or(
        "UPCHECK_BENCH_THROUGHPUT",
        "target/release/examples/throughput",
    );
    let mut rows = Vec::new();
    for tls in ["h2", "h1"] {
        let out = dir.join(format!("protocol-{tls}.json"));
        let mut cmd = Command::new(root().join(&example));
        cmd.args(["--tls", tls])
            .args(["--urls", &n.to_string()])
            .args(["--delay-ms", &delay_ms.to_string()])
            .args(["--concurrency", "256", "--per-host", "256"])
            .arg("--json");
        let limit = Duration::from_millis(4 * ideal_ms(n, 256) as u64 + 120_000);
        let json = run_bounded(cmd, &out, limit).await?;
        let wall = json["wall_ms"].as_f64().ok_or("no wall_ms")?;
        let up = json["up"].as_u64().unwrap_or(0);
        let rss = json["peak_rss_kib"].as_u64().unwrap_or(0);
        println!("  {n} https checks over {tls}: {wall:.0} ms, {up} up, peak RSS {rss} KiB");
        rows.push((tls, wall, up, rss));
    }
    let (h2, h1) = (rows[0].1, rows[1].1);
    let mut md = format!(
        "{n} checks of one https fixture port, each answering after {delay_ms} ms, 256 at \
         once, in-process proxy (proxy + fixture + client share the RSS):\n\n\
         | protocol | wall | checks/s | up | peak RSS |\n|---|---:|---:|---:|---:|\n"
    );
    for (tls, wall, up, rss) in &rows {
        let name = if *tls == "h2" {
            "HTTP/2 (ALPN h2)"
        } else {
            "HTTP/1.1"
        };
        md.push_str(&format!(
            "| {name} | {wall:.0} ms | {:.0} | {up}/{n} | {:.1} MiB |\n",
            n as f64 / (wall / 1000.0),
            *rss as f64 / 1024.0
        ));
    }
    md.push_str(&format!(
        "\nHTTP/2 takes **{:.2}×** HTTP/1.1's wall time.\n",
        h2 / h1
    ));
    Ok(md)
}
