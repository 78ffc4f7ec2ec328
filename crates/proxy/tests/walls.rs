//! Bot walls: each vendor's challenge (the fixture's `challenge/VENDOR`)
//! ends `challenged` with the vendor named, whatever its status; a plain 403
//! is still the site's own `down`; a wall is never asked twice.

mod common;

use common::*;
use serde_json::json;
use upcheck_fixture::Fixture;

#[tokio::test]
async fn every_vendor_s_challenge_is_challenged_and_named() {
    let f = Fixture::start(1).await.unwrap();
    for (path, vendor, name) in [
        ("cloudflare", "cloudflare", "Cloudflare"),
        ("vercel", "vercel", "Vercel"),
        ("aws", "aws_waf", "AWS WAF"),
        ("datadome", "data_dome", "DataDome"),
        // Akamai says it only in its page, behind its `server` header.
        ("akamai", "akamai", "Akamai"),
    ] {
        let url = f.url(0, &format!("/challenge/{path}"));
        let line = check_one(loopback_config(), &url, json!({ "retries": 2 })).await;
        assert_outcome(&line, "challenged", Some("bot_wall"));
        assert_eq!(line["bot_wall"], vendor, "{line:#}");
        let message = line["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("a bot wall answered ({name})")),
            "{message}"
        );
        assert_eq!(line["tries"], 1, "a wall says the same again: {line:#}");
    }
}

#[tokio::test]
async fn a_wall_s_page_is_read_even_compressed_and_a_plain_403_is_the_site_s() {
    let f = Fixture::start(1).await.unwrap();
    let url = f.url(0, "/challenge/akamai/encode/gzip");
    let line = check_one(loopback_config(), &url, json!({})).await;
    assert_outcome(&line, "challenged", Some("bot_wall"));
    assert_eq!(line["bot_wall"], "akamai");
    let line = check_one(loopback_config(), &f.url(0, "/status/403"), json!({})).await;
    assert_outcome(&line, "down", None);
    assert!(line.get("bot_wall").is_none(), "{line:#}");
}
