//! One client or one site cannot freeze the proxy: a reader that stops reading
//! holds no shared slot and is cut off, redirects between busy hosts cannot
//! deadlock, and a wait for a slot is bounded and never reported as the site's
//! timeout.

mod common;

use axum::Router;
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

/// Sends a check request on a raw socket and returns the socket unread.
async fn send_raw(addr: SocketAddr, body: &Value) -> TcpStream {
    let body = body.to_string();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/check HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body.as_bytes()).await.unwrap();
    tcp
}

/// Many URLs whose lines are ~4 KB each, so a reader that does not read fills
/// the socket buffers after a few hundred lines.
fn fat_urls(f: &Fixture, n: usize) -> Vec<String> {
    let pad = "p".repeat(1800);
    (0..n)
        .map(|i| f.url(i, &format!("/delay/5?n={i}&pad={pad}")))
        .collect()
}

fn stuck_config() -> Config {
    Config {
        global_concurrency: 4,
        max_body_bytes: 16 * 1024 * 1024,
        write_stall: Duration::from_secs(2),
        ..loopback_config()
    }
}

/// Waits (bounded) until the fixture has seen no new request for `quiet`.
async fn until_quiet(f: &Fixture, quiet: Duration, at_most: Duration) {
    let deadline = Instant::now() + at_most;
    let mut last = (requests(f.stats()), Instant::now());
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = requests(f.stats());
        if now != last.0 {
            last = (now, Instant::now());
        } else if now > 0 && last.1.elapsed() >= quiet {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_that_never_read_do_not_starve_another_client() {
    let f = Fixture::start(4).await.unwrap();
    let server = serve(stuck_config()).await;
    let batch = json!({ "urls": fat_urls(&f, 1500), "timeout_ms": 5000 });
    let _stuck_a = send_raw(server.addr, &batch).await;
    let _stuck_b = send_raw(server.addr, &batch).await;
    // Let both fill their sockets and stop being read.
    until_quiet(&f, Duration::from_secs(1), Duration::from_secs(8)).await;

    let urls: Vec<String> = (0..5).map(|i| f.url(i, &format!("/?third={i}"))).collect();
    let third = async {
        let resp = post(server.addr, &[], json!({ "urls": urls }).to_string()).await;
        assert_eq!(resp.status(), 200);
        parse_lines(&resp.into_body().collect().await.unwrap().to_bytes())
    };
    let lines = tokio::time::timeout(Duration::from_secs(15), third)
        .await
        .expect("a third client must be answered while two others do not read");
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines.iter().all(|l| l["outcome"] == "up"), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stalls_gets_a_cut_off_stream_and_its_checks_stop() {
    let f = Fixture::start(4).await.unwrap();
    let server = serve(stuck_config()).await;
    let n = 1500;
    let mut tcp = send_raw(
        server.addr,
        &json!({ "urls": fat_urls(&f, n), "timeout_ms": 5000 }),
    )
    .await;
    // Well past the 2 s write stall.
    until_quiet(&f, Duration::from_secs(1), Duration::from_secs(8)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let checked = requests(f.stats());
    assert!(
        checked < n as u64,
        "every URL was checked ({checked}) for a stuck reader"
    );

    // Now read everything there is: the stream must end cut off (the
    // connection closes without the last chunk), not as if complete.
    let mut got = Vec::new();
    let read_all = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(k) => got.extend_from_slice(&buf[..k]),
            }
            if got.ends_with(b"\r\n0\r\n\r\n") {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read_all)
        .await
        .expect("the cut-off stream must close");
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "{}",
        &text[..text.len().min(200)]
    );
    assert!(
        !got.ends_with(b"\r\n0\r\n\r\n"),
        "a cut-off stream must not look complete"
    );
    let lines = text.matches("\"index\":").count();
    assert!(lines < n, "{lines} lines");
    assert_eq!(
        requests(f.stats()),
        checked,
        "checks went on after the cut-off"
    );
}

async fn batch(router: Router, body: Value) -> Vec<Value> {
    let req = axum::http::Request::post("/api/check")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let resp = router.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    parse_lines(&resp.into_body().collect().await.unwrap().to_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_into_a_busy_host_cannot_deadlock_and_waits_are_not_timeouts() {
    // 16 hosts (ports 0..16) and Y (port 16).
    let f = Fixture::start(17).await.unwrap();
    let router = upcheck_proxy::app(Config {
        global_concurrency: 16,
        per_host: 6,
        concurrency: 32,
        ..loopback_config()
    });
    // Each takes 1.5 s, then sends its check to Y for 0.5 s more: 2 s of site
    // time within a 3 s timeout, however long it queues for Y.
    let first: Vec<String> = (0..16)
        .map(|i| {
            let y = f.url(16, &format!("/delay/500?from={i}"));
            f.url(i, &format!("/delay/1500/location/{}", enc(&y)))
        })
        .collect();
    let second: Vec<String> = (0..6)
        .map(|i| f.url(16, &format!("/delay/500?direct={i}")))
        .collect();
    let both = async {
        let a = batch(router.clone(), json!({ "urls": first, "timeout_ms": 3000 }));
        let b = async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            batch(
                router.clone(),
                json!({ "urls": second, "timeout_ms": 1500 }),
            )
            .await
        };
        tokio::join!(a, b)
    };
    let (a, b) = tokio::time::timeout(Duration::from_secs(20), both)
        .await
        .expect("checks deadlocked between host and global slots");
    assert_eq!((a.len(), b.len()), (16, 6));
    for line in a.iter().chain(&b) {
        assert_outcome(line, "up", None);
        let total = line["timings_ms"]["total"].as_u64().unwrap();
        assert!(total < 3000, "slot waits counted as site time: {line:#}");
    }
    assert!(a
        .iter()
        .all(|l| l["redirects"].as_array().unwrap().len() == 1));
    assert!(f.stats().peak_in_flight.load(Ordering::SeqCst) <= 16);
}

#[tokio::test]
async fn a_check_that_cannot_get_a_slot_in_time_is_busy_not_timeout() {
    let f = Fixture::start(1).await.unwrap();
    let config = Config {
        per_host: 1,
        slot_wait: Duration::from_millis(300),
        ..loopback_config()
    };
    let urls = [f.url(0, "/delay/1500?n=1"), f.url(0, "/delay/1500?n=2")];
    let (_, lines) = check(config, json!({ "urls": urls, "timeout_ms": 5000 })).await;
    assert_eq!(lines.len(), 2);
    let busy: Vec<&Value> = lines.iter().filter(|l| l["outcome"] != "up").collect();
    assert_eq!(busy.len(), 1, "{lines:#?}");
    assert_outcome(busy[0], "cancelled", Some("busy"));
    assert!(
        busy[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("busy"),
        "{:#}",
        busy[0]
    );
    assert_not_connected(busy[0]);
    assert_eq!(requests(f.stats()), 1);
}
