//! A site cannot make the proxy hold or send megabytes: response heads are
//! bounded, a `Location` that is too long or not UTF-8 ends the chain
//! `bad_redirect` unkept, a chain keeps at most 32 KiB of URLs, no line is over
//! 64 KiB — and the real binary stays small against sites that try.

mod common;

use common::*;
use http_body_util::BodyExt;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use upcheck_fixture::Fixture;

#[tokio::test]
async fn locations_too_long_or_not_utf8_end_the_chain_as_bad_redirect() {
    let f = Fixture::start(1).await.unwrap();
    let cases = [
        (f.url(0, "/junk-location/100/3"), "UTF-8"),
        (f.url(0, "/long-location/9000"), "9000 bytes"),
    ];
    for (url, says) in cases {
        let line = check_one(loopback_config(), &url, json!({})).await;
        assert_outcome(&line, "down", Some("bad_redirect"));
        assert!(
            line["error"]["message"].as_str().unwrap().contains(says),
            "{line:#}"
        );
        assert!(
            line.to_string().len() < 2000,
            "the Location was kept: {line}"
        );
    }
    assert_eq!(requests(f.stats()), 2, "a bad Location was followed");
}

#[tokio::test]
async fn oversized_or_crowded_heads_are_refused() {
    let f = Fixture::start(1).await.unwrap();
    for path in ["/big-header/100000", "/many-headers/150"] {
        let line = check_one(loopback_config(), &f.url(0, path), json!({})).await;
        assert_outcome(&line, "unreachable", Some("http"));
        assert!(
            line["error"]["message"]
                .as_str()
                .unwrap()
                .contains("64 KiB"),
            "{line:#}"
        );
    }
}

#[tokio::test]
async fn a_chain_of_long_urls_keeps_every_hop_within_the_line_limit() {
    let f = Fixture::start(1).await.unwrap();
    // 15 hops, each URL after the first ~7 KB: 100 KB of chain if all were kept.
    let url = f.url(0, "/redirect/15/pad/7000");
    let line = check_one(loopback_config(), &url, json!({ "max_redirects": 20 })).await;
    assert_outcome(&line, "up", None);
    let chain = line["redirects"].as_array().unwrap();
    assert_eq!(chain.len(), 15);
    let kept: usize = chain.iter().map(|r| r["url"].as_str().unwrap().len()).sum();
    assert!(kept <= 33 * 1024, "{kept} bytes of chain kept");
    assert!(chain[14]["url"].as_str().unwrap().ends_with("…[truncated]"));
    assert!(line.to_string().len() <= 64 * 1024);
}

/// The real binary, killed when dropped.
struct Proxy {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_binary() -> Proxy {
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

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_heads_leave_the_real_proxy_small() {
    let f = Fixture::start(4).await.unwrap();
    let proxy = start_binary();
    let mut urls: Vec<String> = (0..10)
        .map(|i| f.url(i, &format!("/junk-location/200000/20?n={i}")))
        .collect();
    urls.extend((0..10).map(|i| f.url(i, &format!("/big-header/200000?n={i}"))));
    let body = json!({ "urls": urls, "max_redirects": 20, "timeout_ms": 10000 });
    let run = async {
        let resp = post(proxy.addr, &[], body.to_string()).await;
        assert_eq!(resp.status(), 200);
        parse_lines(&resp.into_body().collect().await.unwrap().to_bytes())
    };
    let lines = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the batch must be answered");
    assert_eq!(lines.len(), 20);
    for line in &lines {
        assert_ne!(line["outcome"], "up", "{line:#}");
        assert!(!line["outcome"].is_null(), "{line:#}");
    }
    let rss = peak_rss_kib(proxy.child.id());
    println!("peak RSS of upcheck-proxy: {rss} KiB");
    assert!(rss < 100 * 1024, "peak RSS {rss} KiB");
}
