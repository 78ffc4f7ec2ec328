//! TLS: certificate details on success; self-signed, expired and wrong-host
//! certificates reported as `tls` errors with the reason (docs/SECURITY.md case 15).
//! The CA is made in the test (rcgen) and trusted through the test-only
//! `Config::extra_root_certs`.

mod common;

use common::*;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use upcheck_fixture::tls::TlsFixture;

fn in_days(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(days)
}

#[tokio::test]
async fn a_good_certificate_reports_expiry_and_issuer() {
    let ca = TestCa::new("Upcheck Test CA");
    let (chain, key) = ca.leaf(&["127.0.0.1", "localhost"], in_days(30));
    let f = TlsFixture::start(chain, key).await.unwrap();
    let line = check_one(trusting(&ca), &f.url("/redirect/1/status/201"), json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["status"], 201);
    assert_eq!(line["redirects"].as_array().unwrap().len(), 1);
    let tls = &line["tls"];
    let days = tls["days_left"].as_i64().unwrap();
    assert!((29..=30).contains(&days), "{tls}");
    assert_eq!(tls["issuer"], "CN=Upcheck Test CA");
    let not_after = tls["not_after"].as_str().unwrap();
    assert!(
        not_after.ends_with('Z') && not_after.contains('T'),
        "{not_after}"
    );
    let t = &line["timings_ms"];
    assert!(
        t["tls"].is_u64() && t["connect"].is_u64() && t["ttfb"].is_u64(),
        "{t}"
    );
    assert_eq!(
        line["http_version"], "HTTP/2",
        "the fixture offers h2 by ALPN"
    );

    // The same server by name (localhost is loopback by RFC 6761; SNI = localhost).
    let url = format!("https://localhost:{}/", f.port());
    let line = check_one(trusting(&ca), &url, json!({})).await;
    assert_outcome(&line, "up", None);
}

#[tokio::test]
async fn an_expired_certificate() {
    let ca = TestCa::new("Upcheck Test CA");
    let (chain, key) = ca.leaf(&["127.0.0.1"], in_days(-3));
    let f = TlsFixture::start(chain, key).await.unwrap();
    let line = check_one(trusting(&ca), &f.url("/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("tls"));
    let message = line["error"]["message"].as_str().unwrap();
    assert!(message.contains("expired"), "{message}");
    assert_eq!(
        requests(f.stats()),
        0,
        "no request over a rejected handshake"
    );
}

#[tokio::test]
async fn a_certificate_for_another_host() {
    let ca = TestCa::new("Upcheck Test CA");
    let (chain, key) = ca.leaf(&["other.example"], in_days(30));
    let f = TlsFixture::start(chain, key).await.unwrap();
    let line = check_one(trusting(&ca), &f.url("/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("tls"));
    let message = line["error"]["message"].as_str().unwrap();
    assert!(message.contains("not valid for"), "{message}");
}

#[tokio::test]
async fn a_certificate_from_an_unknown_issuer() {
    let trusted = TestCa::new("Upcheck Test CA");
    let stranger = TestCa::new("Someone Else");
    let (chain, key) = stranger.leaf(&["127.0.0.1"], in_days(30));
    let f = TlsFixture::start(chain, key).await.unwrap();
    let line = check_one(trusting(&trusted), &f.url("/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("tls"));
    let message = line["error"]["message"].as_str().unwrap();
    assert!(message.contains("UnknownIssuer"), "{message}");
    // Without the test root, even the right CA is unknown: web roots only.
    let line = check_one(loopback_config(), &f.url("/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("tls"));
}

#[tokio::test]
async fn plain_http_to_a_tls_port_is_not_http() {
    let ca = TestCa::new("Upcheck Test CA");
    let (chain, key) = ca.leaf(&["127.0.0.1"], in_days(30));
    let f = TlsFixture::start(chain, key).await.unwrap();
    let url = format!("http://127.0.0.1:{}/", f.port());
    let line = check_one(loopback_config(), &url, json!({ "timeout_ms": 1000 })).await;
    // The TLS server rejects a plain request: no HTTP answer comes back.
    assert_eq!(line["outcome"], "unreachable", "{line}");
    let kind = line["error"]["kind"].as_str().unwrap();
    assert!(["http", "reset"].contains(&kind), "{line}");
}
