//! API versions: a client that does not say `version` is a v1 client and
//! reads only v1's outcome words, with `error.kind` still naming what was
//! seen; a version this proxy does not speak is refused before anything runs.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use upcheck_fixture::Fixture;

#[tokio::test]
async fn a_v1_client_reads_v1_words_and_a_v2_client_the_new_ones() {
    let f = Fixture::start(1).await.unwrap();
    let cases = [
        (
            "/status/429/retry-after/30",
            "limited",
            "down",
            Some("rate_limited"),
        ),
        (
            "/challenge/cloudflare",
            "challenged",
            "down",
            Some("bot_wall"),
        ),
        ("/delay/300", "slow", "up", None),
    ];
    for (path, v2, v1, kind) in cases {
        let url = f.url(0, path);
        let mut words = Vec::new();
        for version in [json!(2), json!(1), json!(null)] {
            let mut body = json!({ "urls": [url], "timeout_ms": 2000, "slow_ms": 100 });
            if !version.is_null() {
                body["version"] = version;
            }
            let (status, lines) = check_as_sent(loopback_config(), body).await;
            assert_eq!((status, lines.len()), (StatusCode::OK, 1), "{lines:?}");
            words.push((
                lines[0]["outcome"].clone(),
                lines[0]["error"]["kind"].clone(),
            ));
        }
        let kind = kind.map_or(json!(null), |k| json!(k));
        assert_eq!(
            words,
            [
                (json!(v2), kind.clone()),
                (json!(v1), kind.clone()),
                (json!(v1), kind.clone())
            ],
            "{path}: v2, v1, and no version"
        );
    }
}

#[tokio::test]
async fn a_version_this_proxy_does_not_speak_is_refused_naming_the_field() {
    for version in [0, 3, 200] {
        let (status, lines) = check(
            loopback_config(),
            json!({ "urls": ["http://127.0.0.1:9/"], "version": version }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{version}");
        let message = lines[0]["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("version:"), "{message}");
        assert!(message.contains("1 to 2"), "{message}");
    }
}
