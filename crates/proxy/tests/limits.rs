//! Concurrency bounds: per target host, per batch, and across batches, read from
//! the fixture's peak of requests in flight.

mod common;

use common::*;
use serde_json::json;
use std::sync::atomic::Ordering;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

fn urls(f: &Fixture, n: usize, ports: usize) -> Vec<String> {
    (0..n)
        .map(|i| f.url(i % ports, &format!("/delay/200?n={i}")))
        .collect()
}

fn peak(f: &Fixture) -> usize {
    f.stats().peak_in_flight.load(Ordering::SeqCst)
}

#[tokio::test]
async fn per_host_limit_holds_within_a_batch() {
    let f = Fixture::start(1).await.unwrap();
    let config = Config {
        per_host: 3,
        ..loopback_config()
    };
    let (_, lines) = check(config, json!({ "urls": urls(&f, 12, 1) })).await;
    assert_eq!(lines.len(), 12);
    assert!(lines.iter().all(|l| l["outcome"] == "up"));
    assert_eq!(peak(&f), 3);
}

#[tokio::test]
async fn batch_concurrency_holds_across_hosts() {
    let f = Fixture::start(8).await.unwrap();
    let config = Config {
        concurrency: 5,
        ..loopback_config()
    };
    let (_, lines) = check(config, json!({ "urls": urls(&f, 20, 8) })).await;
    assert_eq!(lines.len(), 20);
    assert_eq!(peak(&f), 5);
}

#[tokio::test]
async fn the_global_limit_holds_across_batches() {
    let f = Fixture::start(8).await.unwrap();
    let config = Config {
        global_concurrency: 4,
        ..loopback_config()
    };
    let router = upcheck_proxy::app(config);
    let batch = |router: axum::Router| {
        let body = json!({ "urls": urls(&f, 8, 8) }).to_string();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let req = axum::http::Request::post("/api/check")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            let resp = router.oneshot(req).await.unwrap();
            parse_lines(&resp.into_body().collect().await.unwrap().to_bytes())
        }
    };
    let (a, b) = tokio::join!(batch(router.clone()), batch(router));
    assert_eq!(a.len() + b.len(), 16);
    assert_eq!(peak(&f), 4);
}
