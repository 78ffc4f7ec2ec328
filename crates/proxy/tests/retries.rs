//! Tries and pacing against the loopback fixture: a flaky site passes on a
//! later try, a site down every time reports its last failure, `Retry-After`
//! is honoured or, past the check's budget, reported as `limited`, and after
//! a 429 a batch's checks to that host take turns.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

fn tries(line: &Value) -> (u64, u64) {
    (
        line["tries"].as_u64().unwrap(),
        line["max_tries"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_flaky_site_is_up_on_its_second_try() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/sequence/503-200?n=1");
    let line = check_one(loopback_config(), &url, json!({ "retries": 2 })).await;
    assert_outcome(&line, "up", None);
    assert_eq!(tries(&line), (2, 3));
    // The whole check, the first try and the wait included.
    assert!(
        line["timings_ms"]["total"].as_u64().unwrap() >= 125,
        "{line:#}"
    );
    // Without retries the first answer stands.
    let url = f.url(0, "/sequence/503-200?n=2");
    let line = check_one(loopback_config(), &url, json!({})).await;
    assert_outcome(&line, "down", None);
    assert_eq!((tries(&line), line["status"].as_u64()), ((1, 1), Some(503)));
    // A site's own retries beat the list's.
    let url = f.url(0, "/sequence/503-200?n=3");
    let own = json!({ "url": url, "retries": 1 });
    let line = check_site(loopback_config(), own, json!({ "retries": 0 })).await;
    assert_eq!(
        (line["outcome"].as_str(), tries(&line)),
        (Some("up"), (2, 2))
    );
}

#[tokio::test]
async fn a_site_down_every_try_reports_its_last_failure() {
    let f = Fixture::start(1).await.unwrap();
    let line = check_one(
        loopback_config(),
        &f.url(0, "/status/500"),
        json!({ "retries": 2 }),
    )
    .await;
    assert_outcome(&line, "down", None);
    assert_eq!(tries(&line), (3, 3));
    let closed = format!("http://127.0.0.1:{}/", f.closed_port());
    let line = check_one(loopback_config(), &closed, json!({ "retries": 2 })).await;
    assert_outcome(&line, "unreachable", Some("refused"));
    assert_eq!(tries(&line), (3, 3));
    assert!(
        line["error"]["message"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{line:#}"
    );
    // Answers that would say the same again are not asked twice.
    let before = requests(f.stats());
    let line = check_one(
        loopback_config(),
        &f.url(0, "/status/404"),
        json!({ "retries": 2 }),
    )
    .await;
    assert_eq!(
        (line["outcome"].as_str(), tries(&line)),
        (Some("down"), (1, 3))
    );
    assert_eq!(requests(f.stats()) - before, 1);
}

#[tokio::test]
async fn a_429_s_retry_after_is_waited_for() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/sequence/429-200/retry-after/1?n=1");
    let started = Instant::now();
    let line = check_one(loopback_config(), &url, json!({ "retries": 1 })).await;
    assert_outcome(&line, "up", None);
    assert_eq!(tries(&line), (2, 2));
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    assert!(
        line["timings_ms"]["total"].as_u64().unwrap() >= 1000,
        "{line:#}"
    );
}

#[tokio::test]
async fn a_retry_after_past_the_budget_is_limited_at_once() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/status/429/retry-after/30");
    let started = Instant::now();
    let extra = json!({ "retries": 2, "timeout_ms": 1000 });
    let line = check_one(loopback_config(), &url, extra).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_outcome(&line, "limited", Some("rate_limited"));
    assert_eq!(
        line["error"]["message"],
        "HTTP 429 Too Many Requests: rate-limited, retry after 30.00 s"
    );
    assert_eq!(
        (line["retry_after_ms"].as_u64(), tries(&line)),
        (Some(30_000), (1, 3))
    );
    // A 503 that says when to come back is limited too; one that does not is down.
    let url = f.url(0, "/status/503/retry-after/30");
    let line = check_one(loopback_config(), &url, json!({})).await;
    assert_outcome(&line, "limited", Some("rate_limited"));
    let line = check_one(loopback_config(), &f.url(0, "/status/503"), json!({})).await;
    assert_outcome(&line, "down", None);
}

#[tokio::test]
async fn after_a_429_a_batch_s_checks_to_that_host_take_turns() {
    let f = Fixture::start(1).await.unwrap();
    let urls: Vec<String> = (0..4)
        .map(|i| f.url(0, &format!("/sequence/429-200?n={i}")))
        .collect();
    let body = json!({ "urls": urls, "retries": 2, "timeout_ms": 3000 });
    let (_, lines) = check(loopback_config(), body).await;
    assert_eq!(lines.len(), 4);
    let mut totals: Vec<u64> = lines
        .iter()
        .map(|l| {
            assert_outcome(l, "up", None);
            assert_eq!(tries(l), (2, 3), "{l:#}");
            l["timings_ms"]["total"].as_u64().unwrap()
        })
        .collect();
    totals.sort_unstable();
    // Every first try asked at once and got 429; the second tries then went
    // one a second (the pace without Retry-After), not all together.
    for pair in totals.windows(2) {
        assert!(pair[1] - pair[0] >= 700, "{totals:?}");
    }
}

#[tokio::test]
async fn a_check_whose_turn_is_past_its_budget_is_not_asked() {
    let f = Fixture::start(2).await.unwrap();
    let config = Config {
        concurrency: 1,
        ..loopback_config()
    };
    let urls = [
        f.url(0, "/status/429/retry-after/30"),
        f.url(0, "/status/200?n=1"),
        f.url(1, "/status/200?n=2"),
    ];
    let before = requests(f.stats());
    let body = json!({ "urls": urls, "timeout_ms": 1000 });
    let (_, mut lines) = check(config, body).await;
    lines.sort_by_key(|l| l["index"].as_u64());
    assert_outcome(&lines[0], "limited", Some("rate_limited"));
    let skipped = &lines[1];
    assert_outcome(skipped, "limited", Some("rate_limited"));
    let message = skipped["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("not asked: 127.0.0.1 asked to slow down (429) earlier in this run; its next turn is in "),
        "{message}"
    );
    assert!(message.ends_with("past this check's budget"), "{message}");
    assert_eq!(
        (skipped["tries"].as_u64(), skipped["status"].as_u64()),
        (Some(0), None)
    );
    // The same address on another port is another host.
    assert_outcome(&lines[2], "up", None);
    assert_eq!(requests(f.stats()) - before, 2);
}

#[tokio::test]
async fn no_slot_is_held_while_waiting_to_try_again() {
    let f = Fixture::start(1).await.unwrap();
    // One slot per host: a check that kept it through its 2 s wait would
    // hold the other one back until it was done.
    let config = Config {
        per_host: 1,
        ..loopback_config()
    };
    let waits = json!({ "url": f.url(0, "/sequence/429-200/retry-after/2?n=a"), "retries": 1 });
    let body = json!({ "urls": [waits, f.url(0, "/delay/200?n=b")], "timeout_ms": 5000 });
    let started = Instant::now();
    let (_, lines) = check(config, body).await;
    assert_eq!(lines.len(), 2);
    // Completion order: the plain check ends long before the retry.
    assert_eq!(lines[0]["index"], 1, "{lines:#?}");
    assert_outcome(&lines[0], "up", None);
    assert_outcome(&lines[1], "up", None);
    assert_eq!(tries(&lines[1]), (2, 2));
    assert!(started.elapsed() >= Duration::from_secs(2));
}
