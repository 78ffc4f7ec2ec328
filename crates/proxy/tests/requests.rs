//! Bad requests get JSON errors, never a hang or a crash (docs/SECURITY.md, cases 16–17):
//! 415, 400, 413, 403, 429 with Retry-After; the proxy keeps serving throughout.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use upcheck_proxy::{app, Config};

async fn send(config: Config, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let resp = app(config).oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, headers, json)
}

fn post(content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/check")
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

fn assert_error(status: StatusCode, body: &Value, want: StatusCode, kind: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["kind"], kind, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let (status, _, body) = send(config(), post(ct, r#"{"urls":[]}"#)).await;
        assert_error(
            status,
            &body,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
    }
    let ok = post("Application/JSON; charset=utf-8", r#"{"urls":[]}"#);
    assert_eq!(send(config(), ok).await.0, StatusCode::OK);
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    for body in [
        "",
        "{",
        "[]",
        r#"{"url":["a"]}"#,
        r#"{"urls":"https://a.example"}"#,
        r#"{"urls":[1,2]}"#,
        r#"{"urls":[],"method":"DELETE"}"#,
        r#"{"urls":[],"timeout_ms":-5}"#,
        "\u{0}\u{1}garbage",
    ] {
        let (status, _, json) = send(config(), post("application/json", body)).await;
        assert_error(status, &json, StatusCode::BAD_REQUEST, "bad_request");
    }
    for body in [
        r#"{"urls":[],"timeout_ms":10}"#,
        r#"{"urls":[],"max_redirects":999}"#,
    ] {
        let (status, _, json) = send(config(), post("application/json", body)).await;
        assert_error(status, &json, StatusCode::BAD_REQUEST, "out_of_range");
    }
    // A status rule the page's own field would refuse names the field.
    for rule in ["2xx", "", "200-99", "700"] {
        let body = json!({ "urls": [], "accept": rule }).to_string();
        let (status, _, json) = send(config(), post("application/json", body)).await;
        assert_error(status, &json, StatusCode::BAD_REQUEST, "bad_request");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains("accept: "), "{message}");
    }
}

#[tokio::test]
async fn too_many_urls_or_too_large_a_body_is_413() {
    let config = Config {
        max_urls: 3,
        max_body_bytes: 1000,
        ..config()
    };
    let four = json!({ "urls": ["a.example", "b.example", "c.example", "d.example"] });
    let (status, _, json) = send(config.clone(), post("application/json", four.to_string())).await;
    assert_error(
        status,
        &json,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_urls",
    );
    let big = json!({ "urls": ["x".repeat(2000)] });
    let (status, _, json) = send(config, post("application/json", big.to_string())).await;
    assert_error(
        status,
        &json,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    );
}

#[tokio::test]
async fn origins_not_allowed_are_403_and_named_ones_get_cors() {
    let config = Config {
        allow_origins: vec!["https://ok.example".into()],
        ..config()
    };
    let req = |origin: &str| {
        Request::post("/api/check")
            .header("content-type", "application/json")
            .header("host", "127.0.0.1:8080")
            .header("origin", origin)
            .body(Body::from(r#"{"urls":[]}"#))
            .unwrap()
    };
    let (status, _, json) = send(config.clone(), req("https://evil.example")).await;
    assert_error(status, &json, StatusCode::FORBIDDEN, "origin_not_allowed");
    let (status, headers, _) = send(config.clone(), req("https://ok.example")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], "https://ok.example");
    // Same origin: always allowed, no CORS needed.
    let (status, _, _) = send(config.clone(), req("http://127.0.0.1:8080")).await;
    assert_eq!(status, StatusCode::OK);
    // A preflight from the named origin is answered.
    let preflight = Request::options("/api/check")
        .header("origin", "https://ok.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(config, preflight).await;
    assert_eq!(headers["access-control-allow-origin"], "https://ok.example");
}

#[tokio::test]
async fn bursts_get_429_with_retry_after_and_forged_forwarding_does_not_help() {
    let limited = Config {
        rate_per_minute: Some(6),
        rate_burst: 2,
        ..Config::default()
    };
    let server = serve(limited).await;
    let body = json!({ "urls": [] }).to_string();
    for _ in 0..2 {
        assert_eq!(
            common::post(server.addr, &[], body.clone()).await.status(),
            200
        );
    }
    for forged in ["10.9.8.7", "1.2.3.4, 5.6.7.8"] {
        let resp = common::post(server.addr, &[("x-forwarded-for", forged)], body.clone()).await;
        assert_eq!(resp.status(), 429);
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=10).contains(&retry), "{retry}");
        let json: Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(json["error"]["kind"], "rate_limited");
    }
    // The rest of the proxy keeps serving.
    let health = reqwest_free_get(server.addr, "/api/health").await;
    assert!(health.contains("upcheck-proxy"), "{health}");
}

#[tokio::test]
async fn trusted_forwarding_counts_clients_apart() {
    let limited = Config {
        rate_per_minute: Some(6),
        rate_burst: 1,
        trust_forwarded: true,
        ..Config::default()
    };
    let server = serve(limited).await;
    let body = json!({ "urls": [] }).to_string();
    let status = |ip: &'static str| {
        let body = body.clone();
        async move {
            common::post(server.addr, &[("x-forwarded-for", ip)], body)
                .await
                .status()
        }
    };
    assert_eq!(status("203.0.113.1").await, 200);
    assert_eq!(status("203.0.113.1").await, 429);
    assert_eq!(status("203.0.113.2").await, 200);
    // Only the last entry (added by the trusted reverse proxy) counts.
    assert_eq!(status("203.0.113.9, 203.0.113.1").await, 429);
}

/// A GET over a raw socket, returning the body.
async fn reqwest_free_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}
