//! docs/SECURITY.md case 12: `HTTP_PROXY`/`HTTPS_PROXY` in the environment are
//! ignored. Its own test binary, because it sets process-wide variables.

mod common;

use common::*;
use serde_json::json;
use upcheck_fixture::Fixture;

#[tokio::test]
async fn proxy_variables_in_the_environment_are_ignored() {
    let would_be_proxy = Fixture::start(1).await.unwrap();
    let target = Fixture::start(1).await.unwrap();
    let proxy_url = would_be_proxy.url(0, "/");
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
    ] {
        // Edition 2021, single-threaded setup before any check runs.
        std::env::set_var(var, &proxy_url);
    }
    let line = check_one(loopback_config(), &target.url(0, "/status/204"), json!({})).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["status"], 204);
    assert_eq!(connections(would_be_proxy.stats()), 0);
    assert_eq!(requests(target.stats()), 1);
}
