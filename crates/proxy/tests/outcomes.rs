//! Every outcome and error kind, against the loopback fixture (loopback switch on).

mod common;

use common::*;
use serde_json::json;
use std::sync::Arc;
use upcheck_fixture::Fixture;

#[tokio::test]
async fn up_reports_status_timings_ip_and_version() {
    let f = Fixture::start(1).await.unwrap();
    let line = check_one(loopback_config(), &f.url(0, "/delay/50"), json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["status"], 200);
    assert_eq!(line["reason"], "OK");
    assert_eq!(line["ip"], "127.0.0.1");
    assert_eq!(line["http_version"], "HTTP/1.1");
    assert_eq!(line["final_url"], f.url(0, "/delay/50"));
    let t = &line["timings_ms"];
    assert!(
        t["dns"].is_null() && t["tls"].is_null(),
        "IP literal over http: {t}"
    );
    assert!(t["ttfb"].as_u64().unwrap() >= 50, "{t}");
    assert!(
        t["total"].as_u64().unwrap() >= t["ttfb"].as_u64().unwrap(),
        "{t}"
    );
}

#[tokio::test]
async fn a_status_that_is_not_accepted_is_down() {
    let f = Fixture::start(1).await.unwrap();
    for (path, code) in [
        ("/status/404", 404),
        ("/status/500", 500),
        ("/status/503", 503),
    ] {
        let line = check_one(loopback_config(), &f.url(0, path), json!({})).await;
        assert_outcome(&line, "down", None);
        assert_eq!(line["status"], code);
    }
}

#[tokio::test]
async fn the_request_s_status_rule_decides_the_line() {
    let f = Fixture::start(1).await.unwrap();
    let rule = json!({ "accept": "200-299,401" });
    let line = check_one(loopback_config(), &f.url(0, "/status/401"), rule.clone()).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["status"], 401);
    // 302 is accepted by the default rule, not by this one (redirects off).
    let extra = json!({ "accept": "200-299,401", "max_redirects": 0 });
    let line = check_one(loopback_config(), &f.url(0, "/status/302"), extra).await;
    assert_outcome(&line, "down", None);
    let line = check_one(loopback_config(), &f.url(0, "/status/302"), json!({})).await;
    assert_outcome(&line, "up", None);
    // Without a rule, a 401 is down as before.
    let line = check_one(loopback_config(), &f.url(0, "/status/401"), json!({})).await;
    assert_outcome(&line, "down", None);
}

#[tokio::test]
async fn refused_and_reset_are_unreachable() {
    let f = Fixture::start(1).await.unwrap();
    let closed = format!("http://127.0.0.1:{}/", f.closed_port());
    let line = check_one(loopback_config(), &closed, json!({})).await;
    assert_outcome(&line, "unreachable", Some("refused"));
    let line = check_one(loopback_config(), &f.url(0, "/reset"), json!({})).await;
    assert_outcome(&line, "unreachable", Some("reset"));
    assert_eq!(line["ip"], "127.0.0.1");
}

#[tokio::test]
async fn names_that_do_not_resolve_are_dns_errors() {
    let resolver = Arc::new(ScriptedResolver::new());
    let config = upcheck_proxy::Config {
        resolver: Some(resolver.clone()),
        ..loopback_config()
    };
    let line = check_one(config, "https://no-such-host.example/", json!({})).await;
    assert_outcome(&line, "unreachable", Some("dns"));
    assert!(line["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no-such-host.example"));
    assert!(line["timings_ms"]["dns"].is_u64());
    assert_eq!(resolver.lookups("no-such-host.example"), 1);
}

#[tokio::test]
async fn names_resolve_and_the_check_goes_to_the_answer() {
    let f = Fixture::start(1).await.unwrap();
    let resolver = Arc::new(ScriptedResolver::new().answer("site.test", &["127.0.0.1"]));
    let config = upcheck_proxy::Config {
        resolver: Some(resolver.clone()),
        ..loopback_config()
    };
    let url = format!("http://site.test:{}/", f.ports()[0]);
    let line = check_one(config, &url, json!({})).await;
    assert_outcome(&line, "up", None);
    assert!(line["timings_ms"]["dns"].is_u64(), "{line}");
    assert_eq!(line["ip"], "127.0.0.1");
}

#[tokio::test]
async fn not_a_url_is_invalid_and_each_line_keeps_its_index() {
    let (status, lines) = check(
        loopback_config(),
        json!({ "urls": ["http://", "ftp://x/", "http://a..b/"] }),
    )
    .await;
    assert_eq!(status, 200);
    let mut indexes: Vec<u64> = lines.iter().map(|l| l["index"].as_u64().unwrap()).collect();
    indexes.sort();
    assert_eq!(indexes, [0, 1, 2]);
    for line in &lines {
        assert_outcome(line, "invalid", Some("bad_url"));
        assert_not_connected(line);
    }
}

#[tokio::test]
async fn the_redirect_chain_is_reported() {
    let f = Fixture::start(1).await.unwrap();
    let line = check_one(
        loopback_config(),
        &f.url(0, "/redirect/3/status/204"),
        json!({}),
    )
    .await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["status"], 204);
    let chain: Vec<_> = line["redirects"].as_array().unwrap().iter().collect();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[0]["url"], f.url(0, "/redirect/3/status/204"));
    assert_eq!(chain[2]["url"], f.url(0, "/redirect/1/status/204"));
    assert!(chain.iter().all(|h| h["status"] == 302));
    assert_eq!(line["final_url"], f.url(0, "/redirect/0/status/204"));
}

#[tokio::test]
async fn more_redirects_than_the_cap_is_down() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/redirect/3");
    let line = check_one(loopback_config(), &url, json!({ "max_redirects": 2 })).await;
    assert_outcome(&line, "down", Some("too_many_redirects"));
    assert_eq!(line["redirects"].as_array().unwrap().len(), 3);
    assert_eq!(line["status"], 302);
    let line = check_one(loopback_config(), &url, json!({ "max_redirects": 3 })).await;
    assert_outcome(&line, "up", None);
    let line = check_one(loopback_config(), &url, json!({ "max_redirects": 0 })).await;
    assert_outcome(&line, "down", Some("too_many_redirects"));
}

#[tokio::test]
async fn a_redirect_loop_is_caught_at_once() {
    let f = Fixture::start(1).await.unwrap();
    let line = check_one(loopback_config(), &f.url(0, "/redirect-loop"), json!({})).await;
    assert_outcome(&line, "down", Some("redirect_loop"));
    assert_eq!(line["redirects"].as_array().unwrap().len(), 1);
    assert_eq!(requests(f.stats()), 1);
}

#[tokio::test]
async fn malformed_and_relative_locations() {
    let f = Fixture::start(1).await.unwrap();
    // Relative: followed against the current URL.
    let line = check_one(
        loopback_config(),
        &f.url(0, "/location/%2Fstatus%2F204"),
        json!({}),
    )
    .await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["final_url"], f.url(0, "/status/204"));
    for bad in [
        "http%3A%2F%2F%5B%3A%3A1",
        "javascript%3Aalert(1)",
        "file%3A%2F%2F%2Fetc%2Fpasswd",
    ] {
        let line = check_one(
            loopback_config(),
            &f.url(0, &format!("/location/{bad}")),
            json!({}),
        )
        .await;
        assert_outcome(&line, "down", Some("bad_redirect"));
        assert_eq!(line["status"], 302);
    }
}

#[tokio::test]
async fn a_rejected_head_is_retried_as_get() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/head-rejected");
    let line = check_one(loopback_config(), &url, json!({ "method": "HEAD" })).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["status"], 200);
    assert_eq!(requests(f.stats()), 2, "HEAD, then GET");
    // A plain HEAD that succeeds is not retried.
    let line = check_one(
        loopback_config(),
        &f.url(0, "/"),
        json!({ "method": "HEAD" }),
    )
    .await;
    assert_outcome(&line, "up", None);
    assert_eq!(requests(f.stats()), 3);
}

#[tokio::test]
async fn an_endless_body_is_not_read() {
    let f = Fixture::start(1).await.unwrap();
    let started = std::time::Instant::now();
    let line = check_one(
        loopback_config(),
        &f.url(0, "/endless"),
        json!({ "timeout_ms": 5000 }),
    )
    .await;
    assert_outcome(&line, "up", None);
    // Had the body been read, this would run to the 5 s deadline.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let line = check_one(loopback_config(), &f.url(0, "/body/5000000"), json!({})).await;
    assert_outcome(&line, "up", None);
}
