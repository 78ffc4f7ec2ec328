//! A site cannot make the proxy hold or send megabytes: response heads are
//! bounded, a `Location` that is too long or not UTF-8 ends the chain
//! `bad_redirect` unkept, a chain keeps at most 32 KiB of URLs, no line is over
//! 64 KiB — and the real binary stays small against sites that try.

mod common;

use common::*;
use http_body_util::BodyExt;
use serde_json::json;
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

/// The figure for the notes: the real binary's peak RSS after checking gzip
/// bombs of 1 GiB each, read at the largest cap a site may ask for (1 MiB),
/// eight at once. Each costs the cap and one decoder, not the gigabyte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_bombs_leave_the_real_proxy_small() {
    let f = Fixture::start(2).await.unwrap();
    let proxy = start_binary();
    let before = peak_rss_kib(proxy.child.id());
    let urls: Vec<_> = (0..8)
        .map(|i| {
            json!({
                "url": f.url(i, &format!("/gzip-bomb/1024?n={i}")),
                "contains": ["never there"],
                "within_kb": 1024,
            })
        })
        .collect();
    let body = json!({ "urls": urls, "timeout_ms": 20000 });
    let run = async {
        let resp = post(proxy.addr, &[], body.to_string()).await;
        assert_eq!(resp.status(), 200);
        parse_lines(&resp.into_body().collect().await.unwrap().to_bytes())
    };
    let lines = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the batch must be answered");
    assert_eq!(lines.len(), 8);
    for line in &lines {
        assert_outcome(line, "down", Some("content_mismatch"));
        assert_eq!(line["content"]["read_bytes"], 1024 * 1024, "{line:#}");
        assert_eq!(line["content"]["complete"], false, "{line:#}");
    }
    let rss = peak_rss_kib(proxy.child.id());
    println!("peak RSS of upcheck-proxy: {before} KiB idle, {rss} KiB after 8 gzip bombs of 1 GiB");
    assert!(rss < 100 * 1024, "peak RSS {rss} KiB");
}
