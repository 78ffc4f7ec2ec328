//! What a network engineer sees: HTTP/2 by ALPN with HTTP/1.1 as the
//! fallback, the same limits over both, each address family of a name,
//! the TLS session, and the security headers with their grade — every case
//! against the fixture (TLS with a CA made in the test, `::1` beside
//! 127.0.0.1).

mod common;

use common::*;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use time::{Duration, OffsetDateTime};
use upcheck_fixture::tls::{TlsFixture, TlsOptions, Versions};
use upcheck_fixture::{Fixture, Stack};
use upcheck_proxy::Config;

fn in_days(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(days)
}

async fn tls_fixture(ca: &TestCa, options: TlsOptions) -> TlsFixture {
    let (chain, key) = ca.leaf(&["127.0.0.1", "localhost"], in_days(90));
    TlsFixture::start_with(chain, key, options).await.unwrap()
}

fn message(line: &Value) -> &str {
    line["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn h2_is_negotiated_by_alpn_and_http_1_1_is_the_fallback() {
    let ca = TestCa::new("Upcheck Test CA");
    let h2 = tls_fixture(&ca, TlsOptions::default()).await;
    let line = check_one(trusting(&ca), &h2.url("/redirect/1/status/204"), json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["http_version"], "HTTP/2", "{line:#}");
    assert_eq!(line["status"], 204);
    assert_eq!(line["redirects"][0]["status"], 302, "redirects over h2 too");

    let h1 = tls_fixture(
        &ca,
        TlsOptions {
            h2: false,
            ..TlsOptions::default()
        },
    )
    .await;
    let line = check_one(trusting(&ca), &h1.url("/status/200"), json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["http_version"], "HTTP/1.1", "{line:#}");

    // Plain http:// has no ALPN: HTTP/1.1.
    let f = Fixture::start(1).await.unwrap();
    let line = check_one(loopback_config(), &f.url(0, "/"), json!({})).await;
    assert_eq!(line["http_version"], "HTTP/1.1");
}

#[tokio::test]
async fn over_h2_the_header_limits_hold() {
    let ca = TestCa::new("Upcheck Test CA");
    let f = tls_fixture(&ca, TlsOptions::default()).await;
    let line = check_one(trusting(&ca), &f.url("/big-header/70000"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("http"));
    assert!(
        message(&line).contains("HTTP/2 response head is larger than 64 KiB"),
        "{line:#}"
    );
    let line = check_one(trusting(&ca), &f.url("/many-headers/150"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("http"));
    assert!(message(&line).contains("more than 100 headers"), "{line:#}");
    // Under the limits it is an answer like any other.
    let line = check_one(trusting(&ca), &f.url("/many-headers/50"), json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["http_version"], "HTTP/2");
}

#[tokio::test]
async fn over_h2_the_body_caps_hold() {
    let ca = TestCa::new("Upcheck Test CA");
    let f = tls_fixture(&ca, TlsOptions::default()).await;
    let found = json!({
        "url": f.url("/filler/40960/text/Add%20to%20cart"),
        "contains": ["Add to cart"],
        "within_kb": 64,
    });
    let line = check_site(trusting(&ca), found, json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["http_version"], "HTTP/2");
    assert_eq!(line["content"]["result"], "passed", "{line:#}");

    let bomb = json!({
        "url": f.url("/gzip-bomb/1024"),
        "contains": ["never there"],
        "within_kb": 64,
    });
    let line = check_site(trusting(&ca), bomb, json!({ "timeout_ms": 10000 })).await;
    assert_outcome(&line, "down", Some("content_mismatch"));
    assert_eq!(line["content"]["read_bytes"], 64 * 1024);
    // The flow-control window bounds what the server could send ahead:
    // a few MiB of the GiB bomb at most, not all of it.
    let sent = f.stats().bomb_bytes.load(Ordering::SeqCst);
    assert!(
        sent < 8 * 1024 * 1024,
        "the fixture sent {sent} decoded bytes"
    );
}

#[tokio::test]
async fn over_h2_the_per_host_limit_holds() {
    let ca = TestCa::new("Upcheck Test CA");
    let f = tls_fixture(&ca, TlsOptions::default()).await;
    let config = Config {
        per_host: 3,
        ..trusting(&ca)
    };
    let urls: Vec<String> = (0..12)
        .map(|i| f.url(&format!("/delay/100?n={i}")))
        .collect();
    let (_, lines) = check(config, json!({ "urls": urls })).await;
    assert_eq!(lines.len(), 12);
    assert!(lines.iter().all(|l| l["http_version"] == "HTTP/2"));
    assert_eq!(f.stats().peak_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_tls_session_and_certificate_are_described() {
    let ca = TestCa::new("Upcheck Test CA");
    for (versions, name, cipher) in [
        (Versions::Tls13, "TLS 1.3", "TLS13_"),
        (Versions::Tls12, "TLS 1.2", "TLS_ECDHE_"),
    ] {
        let f = tls_fixture(
            &ca,
            TlsOptions {
                versions,
                ..TlsOptions::default()
            },
        )
        .await;
        let line = check_one(trusting(&ca), &f.url("/"), json!({})).await;
        assert_outcome(&line, "up", None);
        let tls = &line["tls"];
        assert_eq!(tls["version"], name, "{tls:#}");
        assert!(
            tls["cipher"].as_str().unwrap().starts_with(cipher),
            "{tls:#}"
        );
        assert_eq!(tls["chain_len"], 1);
        assert_eq!(tls["names"], json!(["127.0.0.1", "localhost"]));
        assert_eq!(tls["name_matches"], true);
        assert_eq!(tls["verified"], true);
        assert_eq!(tls["issuer"], "CN=Upcheck Test CA");
        assert!((89..=90).contains(&tls["days_left"].as_i64().unwrap()));
    }
}

#[tokio::test]
async fn a_certificate_that_fails_says_exactly_why_and_is_still_described() {
    let ca = TestCa::new("Upcheck Test CA");
    let (chain, key) = ca.leaf(&["127.0.0.1"], in_days(-3));
    let expired = TlsFixture::start(chain, key).await.unwrap();
    let line = check_one(trusting(&ca), &expired.url("/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("tls"));
    let m = message(&line);
    assert!(
        m.contains("the certificate expired on ") && m.contains("(3 days ago)"),
        "{m}"
    );
    assert_eq!(line["tls"]["verified"], false);
    assert_eq!(line["tls"]["name_matches"], true);
    assert_eq!(line["tls"]["days_left"], -3);
    assert_eq!(
        requests(expired.stats()),
        0,
        "nothing is sent over a certificate that did not verify"
    );

    let (chain, key) = ca.leaf(&["other.example", "www.other.example"], in_days(30));
    let wrong = TlsFixture::start(chain, key).await.unwrap();
    let line = check_one(trusting(&ca), &wrong.url("/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("tls"));
    assert_eq!(
        message(&line),
        "certificate verify failed: the certificate is not valid for 127.0.0.1; \
         it is for other.example, www.other.example"
    );
    assert_eq!(line["tls"]["name_matches"], false);
    assert_eq!(requests(wrong.stats()), 0);
}

/// A config where `dual.test` has both an IPv4 and an IPv6 address.
fn dual_config() -> Config {
    Config {
        resolver: Some(arc(
            ScriptedResolver::new().answer("dual.test", &["127.0.0.1", "::1"])
        )),
        ..loopback_config()
    }
}

fn family<'a>(line: &'a Value, name: &str) -> &'a Value {
    line["families"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["family"] == name))
        .unwrap_or_else(|| panic!("no {name} in {line:#}"))
}

#[tokio::test]
async fn both_families_are_checked_and_one_answering_is_enough() {
    for (v4, v6, via) in [
        (Stack::Listen, Stack::Listen, None),
        (Stack::Listen, Stack::Refuse, Some("127.0.0.1")),
        (Stack::Refuse, Stack::Listen, Some("::1")),
    ] {
        let f = Fixture::start_stacks(1, v4, v6).await.unwrap();
        let url = format!("http://dual.test:{}/status/200", f.ports()[0]);
        let line = check_one(dual_config(), &url, json!({})).await;
        assert_outcome(&line, "up", None);
        let (four, six) = (family(&line, "ipv4"), family(&line, "ipv6"));
        assert_eq!(four["connected"], v4 == Stack::Listen, "{line:#}");
        assert_eq!(six["connected"], v6 == Stack::Listen, "{line:#}");
        assert_eq!(four["ip"], "127.0.0.1");
        assert_eq!(six["ip"], "::1");
        if let Some(ip) = via {
            assert_eq!(line["ip"], ip, "the working family carried the check");
            let broken = if v4 == Stack::Refuse { four } else { six };
            let why = broken["error"].as_str().unwrap();
            assert!(why.contains("refused the connection"), "{why}");
        }
    }
}

#[tokio::test]
async fn with_both_families_down_the_error_names_each() {
    let f = Fixture::start(1).await.unwrap();
    let closed = f.closed_port();
    let url = format!("http://dual.test:{closed}/");
    let line = check_one(dual_config(), &url, json!({})).await;
    assert_outcome(&line, "unreachable", Some("refused"));
    let m = message(&line);
    assert!(
        m.starts_with("IPv4: 127.0.0.1:") && m.contains("; IPv6: [::1]:"),
        "{m}"
    );
}

fn headers_path(headers: &[(&str, &str)]) -> String {
    headers
        .iter()
        .map(|(n, v)| format!("/header/{n}/{}", enc(v)))
        .collect()
}

#[tokio::test]
async fn security_headers_are_graded_by_the_documented_rules() {
    let ca = TestCa::new("Upcheck Test CA");
    let f = tls_fixture(&ca, TlsOptions::default()).await;
    let all = [
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains; preload",
        ),
        ("content-security-policy", "default-src 'self'"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ];
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let mut no_preload = all;
    no_preload[0].1 = "max-age=31536000";
    let cases: [(Headers, u64, &str); 6] = [
        (&all, 100, "A+"),
        (&no_preload, 100, "A"),
        (&all[..4], 85, "B"),
        (&all[1..], 70, "C"),
        (&all[..2], 55, "D"),
        (&[], 0, "F"),
    ];
    for (headers, score, grade) in cases {
        let url = f.url(&headers_path(headers));
        let line = check_one(trusting(&ca), &url, json!({})).await;
        assert_outcome(&line, "up", None);
        let s = &line["security_headers"];
        assert_eq!(
            (s["score"].as_u64(), s["grade"].as_str()),
            (Some(score), Some(grade)),
            "{s:#}"
        );
    }
    let url = f.url(&headers_path(&all));
    let s = check_one(trusting(&ca), &url, json!({})).await["security_headers"].clone();
    assert_eq!(s["hsts"]["max_age"], 63_072_000);
    assert_eq!(s["hsts"]["preload"], true);
    assert_eq!(s["frame"], "deny");
    assert_eq!(s["referrer_policy"], "no-referrer");

    // Over plain HTTP the same headers cannot earn HSTS's points.
    let plain = Fixture::start(1).await.unwrap();
    let line = check_one(
        loopback_config(),
        &plain.url(0, &headers_path(&all)),
        json!({}),
    )
    .await;
    assert_eq!(line["security_headers"]["grade"], "C", "{line:#}");
}

#[tokio::test]
async fn from_a_source_address_of_the_other_family_an_address_is_unreachable_and_says_why() {
    let f = Fixture::start_stacks(1, Stack::Listen, Stack::Listen)
        .await
        .unwrap();
    let config = Config {
        source_address: Some("127.0.0.1".parse().unwrap()),
        ..loopback_config()
    };
    let line = check_one(config.clone(), &f.url_v6(0, "/"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("connect"));
    assert!(
        message(&line).contains("of the other IP family"),
        "{line:#}"
    );
    // A name with both: the family the source can use carries the check.
    let config = Config {
        resolver: Some(arc(
            ScriptedResolver::new().answer("dual.test", &["127.0.0.1", "::1"])
        )),
        ..config
    };
    let url = format!("http://dual.test:{}/", f.ports()[0]);
    let line = check_one(config, &url, json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["ip"], "127.0.0.1");
    assert_eq!(family(&line, "ipv6")["connected"], false);
}
