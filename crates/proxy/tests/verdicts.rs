//! Verdicts that say more, against the loopback fixture: `slow`, body
//! assertions over a bounded and decoded prefix (plain, gzip, deflate, br, a
//! gzip bomb), what the proxy asks for when it reads a body, a body that
//! drips past the deadline, and options refused before anything streams.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use upcheck_fixture::Fixture;

fn site(url: String, options: Value) -> Value {
    let mut site = json!({ "url": url });
    if let (Some(s), Some(o)) = (site.as_object_mut(), options.as_object()) {
        s.extend(o.clone());
    }
    site
}

fn message(line: &Value) -> &str {
    line["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_slow_answer_is_slow_and_a_site_s_threshold_beats_the_list_s() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/delay/300");
    let line = check_site(loopback_config(), json!(url), json!({ "slow_ms": 100 })).await;
    assert_outcome(&line, "slow", None);
    assert_eq!(
        (line["status"].as_u64(), line["slow_ms"].as_u64()),
        (Some(200), Some(100))
    );
    assert!(line["latency_ms"].as_u64().unwrap() >= 300, "{line:#}");
    // The site's own threshold wins over the list's.
    let own = site(url.clone(), json!({ "slow_ms": 2000 }));
    let line = check_site(loopback_config(), own, json!({ "slow_ms": 100 })).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["slow_ms"], 2000);
    // No threshold: no `slow`, however long.
    let line = check_site(loopback_config(), json!(url), json!({})).await;
    assert_outcome(&line, "up", None);
    assert!(line.get("slow_ms").is_none(), "{line:#}");
}

#[tokio::test]
async fn text_after_40_kb_is_found_within_64_kb_but_not_within_16() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/filler/40960/text/Add%20to%20cart");
    let body_len = 40960 + "Add to cart\n".len() as u64;
    let within = |kb: u32| {
        site(
            url.clone(),
            json!({ "contains": ["Add to cart"], "within_kb": kb }),
        )
    };
    let line = check_site(loopback_config(), within(64), json!({})).await;
    assert_outcome(&line, "up", None);
    let content = &line["content"];
    assert_eq!(content["result"], "passed", "{line:#}");
    assert_eq!(content["read_bytes"].as_u64(), Some(body_len));
    assert_eq!(content["complete"], true);
    let line = check_site(loopback_config(), within(16), json!({})).await;
    assert_outcome(&line, "down", Some("content_mismatch"));
    assert_eq!(
        message(&line),
        r#"HTTP 200 OK: expected text not found: contains="Add to cart" (first 16 KB)"#
    );
    assert_eq!(line["content"]["result"], "failed");
    assert_eq!(line["content"]["rule"], r#"contains="Add to cart""#);
    assert_eq!(line["content"]["read_bytes"], 16 * 1024);
    assert_eq!(line["content"]["complete"], false);
}

#[tokio::test]
async fn unwanted_text_and_regular_expressions() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/filler/1000/text/Order%2042%20shipped");
    let cases = [
        (json!({ "not_contains": ["Order 42"] }), "down"),
        (json!({ "not_contains": ["Out of stock"] }), "up"),
        (json!({ "matches": [r"Order \d+ shipped"] }), "up"),
        (json!({ "matches": [r"Order \d+ lost"] }), "down"),
        (json!({ "not_matches": [r"(?i)ORDER \d+"] }), "down"),
        (
            json!({ "not_matches": [r"error \d{3}"], "contains": ["shipped"] }),
            "up",
        ),
    ];
    for (options, outcome) in cases {
        let line = check_site(
            loopback_config(),
            site(url.clone(), options.clone()),
            json!({}),
        )
        .await;
        assert_eq!(line["outcome"], outcome, "{options}: {line:#}");
        if outcome == "down" {
            assert_eq!(line["error"]["kind"], "content_mismatch", "{line:#}");
        }
    }
    let line = check_site(
        loopback_config(),
        site(url, json!({ "not_contains": ["Order 42"] })),
        json!({}),
    )
    .await;
    assert!(
        message(&line).contains("unwanted text found: not-contains=\"Order 42\""),
        "{line:#}"
    );
}

#[tokio::test]
async fn gzip_deflate_and_brotli_bodies_are_decoded() {
    let f = Fixture::start(1).await.unwrap();
    for coding in ["gzip", "deflate", "br"] {
        let url = f.url(0, &format!("/filler/40000/text/Needle/encode/{coding}"));
        let options =
            json!({ "contains": ["Needle"], "not_contains": ["lorem ipsum lorem Needle"] });
        let line = check_site(loopback_config(), site(url, options), json!({})).await;
        assert_outcome(&line, "up", None);
        assert_eq!(line["content"]["result"], "passed", "{coding}: {line:#}");
        assert_eq!(line["content"]["read_bytes"], 40000 + 7, "{coding}");
        assert_eq!(line["content"]["complete"], true, "{coding}");
    }
}

#[tokio::test]
async fn a_gzip_bomb_costs_the_cap_and_no_more() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/gzip-bomb/1024");
    let started = Instant::now();
    let options = json!({ "contains": ["never there"], "within_kb": 64 });
    let line = check_site(
        loopback_config(),
        site(url, options),
        json!({ "timeout_ms": 10000 }),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_outcome(&line, "down", Some("content_mismatch"));
    assert_eq!(line["content"]["read_bytes"], 64 * 1024);
    assert_eq!(line["content"]["complete"], false);
}

#[tokio::test]
async fn bombs_past_the_body_memory_take_turns_and_all_finish() {
    // Each read of 1 MiB of gzip reserves ~1.1 MiB; a 2 MiB budget holds one
    // at a time, so eight wait their turn and every one still ends.
    let f = Fixture::start(1).await.unwrap();
    let config = upcheck_proxy::Config {
        body_memory_mib: 2,
        ..loopback_config()
    };
    let urls: Vec<Value> = (0..8)
        .map(|n| {
            site(
                f.url(0, &format!("/gzip-bomb/64?n={n}")),
                json!({ "contains": ["never there"], "within_kb": 1024 }),
            )
        })
        .collect();
    let (status, lines) = check(config, json!({ "urls": urls, "timeout_ms": 20000 })).await;
    assert_eq!((status, lines.len()), (StatusCode::OK, 8), "{lines:?}");
    for line in &lines {
        assert_outcome(line, "down", Some("content_mismatch"));
        assert_eq!(line["content"]["read_bytes"], 1024 * 1024, "{line:#}");
    }
}

#[tokio::test]
async fn a_body_is_read_only_when_asked_and_then_offered_compressed() {
    let body = "hello";
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let server = RawServer::start(vec![(Duration::ZERO, answer.into_bytes())]).await;
    let line = check_site(
        loopback_config(),
        json!(server.url("/a")),
        json!({ "method": "HEAD" }),
    )
    .await;
    assert_outcome(&line, "up", None);
    assert!(line.get("content").is_none(), "{line:#}");
    let with_rule = site(server.url("/b"), json!({ "contains": ["hello"] }));
    let line = check_site(loopback_config(), with_rule, json!({ "method": "HEAD" })).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["content"]["result"], "passed");
    let heads = server.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "{heads:?}");
    let lower: Vec<String> = heads.iter().map(|h| h.to_ascii_lowercase()).collect();
    assert!(lower[0].starts_with("head /a ") && lower[0].contains("accept-encoding: identity\r\n"));
    // Assertions need the body: GET, whatever the request's method.
    assert!(lower[1].starts_with("get /b "), "{}", lower[1]);
    assert!(
        lower[1].contains("accept-encoding: gzip, deflate\r\n"),
        "{}",
        lower[1]
    );
}

#[tokio::test]
async fn an_unknown_coding_leaves_the_body_unchecked_and_says_why() {
    let answer = "HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 4\r\n\r\nabcd";
    let server = RawServer::start(vec![(Duration::ZERO, answer.as_bytes().to_vec())]).await;
    let rule = site(server.url("/"), json!({ "contains": ["abcd"] }));
    let line = check_site(loopback_config(), rule, json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["content"]["result"], "unreadable", "{line:#}");
    let reason = line["content"]["reason"].as_str().unwrap();
    assert!(reason.contains("'zstd'"), "{reason}");
}

#[tokio::test]
async fn a_dripping_body_times_out_naming_the_body() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec();
    let mut parts = vec![(Duration::ZERO, head)];
    parts.extend((0..50).map(|_| (Duration::from_millis(100), b"x".to_vec())));
    let server = RawServer::start(parts).await;
    let rule = site(server.url("/"), json!({ "contains": ["never"] }));
    let started = Instant::now();
    let line = check_site(loopback_config(), rule, json!({ "timeout_ms": 600 })).await;
    assert_outcome(&line, "timeout", Some("timeout"));
    assert!(
        message(&line).contains("reading the response body"),
        "{line:#}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn bad_options_are_refused_naming_the_site_and_field() {
    let cases = [
        (
            json!({ "urls": ["a.test", { "url": "b.test", "matches": ["(unclosed"] }] }),
            "urls[1].matches: ",
        ),
        (
            json!({ "urls": [{ "url": "b.test", "not_matches": ["a{1000}{1000}"] }] }),
            "urls[0].not_matches: ",
        ),
        (
            json!({ "urls": [{ "url": "b.test", "within_kb": 4096 }] }),
            "urls[0].within_kb: ",
        ),
        (
            json!({ "urls": [{ "url": "b.test", "timeout_ms": 50 }] }),
            "urls[0].timeout_ms: ",
        ),
        (
            json!({ "urls": [{ "url": "b.test", "retries": 9 }] }),
            "urls[0].retries: ",
        ),
        (
            json!({ "urls": [{ "url": "b.test", "contains": [""] }] }),
            "urls[0].contains: ",
        ),
        (
            json!({ "urls": ["a.test"], "slow_ms": 0 }),
            "slow_ms must be",
        ),
        (
            json!({ "urls": ["a.test"], "retries": 6 }),
            "retries must be",
        ),
    ];
    for (body, says) in cases {
        let (status, lines) = check(loopback_config(), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {lines:?}");
        let message = lines[0]["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(says), "{body}: {message}");
    }
    let (status, lines) = check(
        loopback_config(),
        json!({ "urls": [{ "url": "a", "slw_ms": 1 }] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(lines[0]["error"]["kind"], "bad_request");
}
