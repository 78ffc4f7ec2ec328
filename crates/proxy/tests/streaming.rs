//! The stream: lines arrive in completion order, each as its check ends, and a
//! client that goes away stops the work.

mod common;

use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use upcheck_fixture::Fixture;

#[tokio::test]
async fn the_first_line_arrives_before_the_slowest_site_finishes() {
    let f = Fixture::start(3).await.unwrap();
    let server = serve(loopback_config()).await;
    let urls = [
        f.url(0, "/delay/1500"),
        f.url(1, "/delay/10"),
        f.url(2, "/status/500"),
    ];
    let started = Instant::now();
    let resp = post(server.addr, &[], json!({ "urls": urls }).to_string()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let mut body = resp.into_body();
    let mut pending = String::new();
    let mut arrivals: Vec<(Value, Duration)> = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.unwrap().into_data() else {
            continue;
        };
        pending.push_str(std::str::from_utf8(&data).unwrap());
        while let Some(end) = pending.find('\n') {
            let line: Value = serde_json::from_str(&pending[..end]).unwrap();
            arrivals.push((line, started.elapsed()));
            pending.drain(..=end);
        }
    }
    assert_eq!(arrivals.len(), 3);
    let (first, first_at) = &arrivals[0];
    assert_ne!(first["index"], 0, "the slow site is not first: {first}");
    assert!(
        *first_at < Duration::from_millis(1000),
        "first line at {first_at:?}"
    );
    let (last, last_at) = &arrivals[2];
    assert_eq!(last["index"], 0);
    assert_eq!(last["outcome"], "up");
    assert!(*last_at >= Duration::from_millis(1500), "{last_at:?}");
}

#[tokio::test]
async fn a_client_that_leaves_cancels_its_checks() {
    let f = Fixture::start(1).await.unwrap();
    let server = serve(loopback_config()).await;
    let urls: Vec<String> = (0..4).map(|i| f.url(0, &format!("/hang?n={i}"))).collect();
    let resp = post(
        server.addr,
        &[],
        json!({ "urls": urls, "timeout_ms": 60000 }).to_string(),
    )
    .await;
    // Wait until the fixture holds all four requests, then hang up.
    let deadline = Instant::now() + Duration::from_secs(5);
    while f.stats().in_flight.load(Ordering::SeqCst) < 4 {
        assert!(Instant::now() < deadline, "checks never started");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(resp);
    while f.stats().in_flight.load(Ordering::SeqCst) > 0 {
        assert!(Instant::now() < deadline, "checks outlived their client");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
