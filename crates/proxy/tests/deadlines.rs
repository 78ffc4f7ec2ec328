//! docs/SECURITY.md case 13: every phase has a deadline, and the timeout says which
//! phase ran out of time. Each uses a 600 ms budget, so the file runs in ~1 s.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use upcheck_fixture::tls::TlsFixture;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

const BUDGET_MS: u64 = 600;

async fn timed(config: Config, url: &str) -> (serde_json::Value, Duration) {
    let started = Instant::now();
    let line = check_one(config, url, json!({ "timeout_ms": BUDGET_MS })).await;
    (line, started.elapsed())
}

fn assert_timed_out(line: &serde_json::Value, took: Duration, phase: &str) {
    assert_outcome(line, "timeout", Some("timeout"));
    let message = line["error"]["message"].as_str().unwrap();
    assert!(message.contains(phase), "{message}");
    assert!(message.contains(&format!("{BUDGET_MS} ms")), "{message}");
    // Upper bounds leave room for a busy CI machine; the point is "not forever".
    let total = line["timings_ms"]["total"].as_u64().unwrap();
    assert!(
        (BUDGET_MS..BUDGET_MS + 1500).contains(&total),
        "total {total}"
    );
    assert!(
        took < Duration::from_millis(BUDGET_MS + 2000),
        "took {took:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_sends_headers() {
    let f = Fixture::start(1).await.unwrap();
    let (line, took) = timed(loopback_config(), &f.url(0, "/hang")).await;
    assert_timed_out(&line, took, "response headers");
    assert_eq!(line["ip"], "127.0.0.1");
    assert!(line["timings_ms"]["connect"].is_u64());
}

#[tokio::test]
async fn a_server_that_drips_a_byte_a_second() {
    let f = Fixture::start(1).await.unwrap();
    let (line, took) = timed(loopback_config(), &f.url(0, "/drip")).await;
    assert_timed_out(&line, took, "response headers");
}

#[tokio::test]
async fn a_tls_handshake_that_stalls() {
    let ca = TestCa::new("Upcheck Test CA");
    let far = OffsetDateTime::now_utc() + time::Duration::days(30);
    let (chain, key) = ca.leaf(&["127.0.0.1"], far);
    let f = TlsFixture::start(chain, key).await.unwrap();
    let url = format!("https://127.0.0.1:{}/", f.stall_port());
    let (line, took) = timed(trusting(&ca), &url).await;
    assert_timed_out(&line, took, "TLS handshake");
    assert!(line["timings_ms"]["connect"].is_u64());
    assert!(line["timings_ms"]["tls"].is_null());
}

#[tokio::test]
async fn a_dns_lookup_that_never_answers() {
    let mut resolver = ScriptedResolver::new();
    resolver.hang.push("slow.example".into());
    let config = Config {
        resolver: Some(arc(resolver)),
        ..config()
    };
    let (line, took) = timed(config, "https://slow.example/").await;
    assert_timed_out(&line, took, "DNS lookup");
    assert_not_connected(&line);
}

#[tokio::test]
async fn the_deadline_covers_the_whole_redirect_chain() {
    let f = Fixture::start(1).await.unwrap();
    // Each hop is quick, the sum is not: 3 × 300 ms against 600 ms.
    let (line, took) = timed(loopback_config(), &f.url(0, "/delay/300/redirect/3")).await;
    assert_timed_out(&line, took, "response headers");
    assert_eq!(line["redirects"].as_array().unwrap().len(), 1);
}
