//! `GET /api/health` and the static page, driven without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use upcheck_core::wire::Health;
use upcheck_proxy::{app, Config};

#[tokio::test]
async fn health_names_the_proxy_and_its_limits() {
    let config = Config {
        per_host: 4,
        max_urls: 77,
        ..Config::default()
    };
    let resp = app(config)
        .oneshot(Request::get("/api/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let health: Health = serde_json::from_slice(&body).unwrap();
    assert_eq!(health.name, "upcheck-proxy");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(health.api_version, upcheck_core::wire::API_VERSION);
    let limits = health.limits;
    assert_eq!(
        (limits.per_host, limits.max_urls, limits.concurrency),
        (4, 77, 256)
    );
    assert_eq!(limits.rate_per_minute, Some(60));
    assert!(!limits.insecure_allow_loopback, "off by default");
    assert_eq!(
        (limits.max_batches_per_client, limits.max_checks_per_client),
        (4, 256)
    );
    assert!(limits.honours_accept, "the page may send its status rule");
    assert!(limits.site_options, "the page may send per-site options");
}

#[tokio::test]
async fn serves_the_page_and_falls_back_to_index() {
    let dir = std::env::temp_dir().join(format!("upcheck-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<title>Upcheck</title>").unwrap();
    let router = app(Config {
        dist: Some(dir.clone()),
        ..Config::default()
    });
    for path in ["/", "/some/deep/link"] {
        let resp = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"<title>Upcheck</title>");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
