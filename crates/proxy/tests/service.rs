//! The proxy as a shared service: rate-limit keys a client cannot dodge, and
//! an API that answers only for the names it is known by (no DNS rebinding).

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::*;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use upcheck_proxy::{app, Config};

/// A router limiting checks to a burst of one per client.
fn limited(trust_forwarded: bool) -> Router {
    app(Config {
        rate_per_minute: Some(1),
        rate_burst: 1,
        trust_forwarded,
        ..config()
    })
}

/// POSTs an empty check as if from `peer`, with optional X-Forwarded-For.
async fn status_from(router: &Router, peer: &str, forwarded: Option<&str>) -> StatusCode {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut req = Request::post("/api/check")
        .header("content-type", "application/json")
        .extension(ConnectInfo(peer));
    if let Some(xff) = forwarded {
        req = req.header("x-forwarded-for", xff);
    }
    let req = req.body(Body::from(r#"{"urls":[]}"#)).unwrap();
    router.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test]
async fn ipv6_clients_are_counted_by_their_64() {
    let router = limited(false);
    assert_eq!(
        status_from(&router, "[2001:db8:1:2::1]:5000", None).await,
        200
    );
    // Another address of the same /64 is the same client…
    let same_64 = status_from(&router, "[2001:db8:1:2:dead:beef:0:7]:5001", None).await;
    assert_eq!(same_64, 429);
    // …another /64 is not.
    assert_eq!(
        status_from(&router, "[2001:db8:1:3::1]:5000", None).await,
        200
    );
    // IPv4 by its full address, mapped into IPv6 or not.
    assert_eq!(status_from(&router, "203.0.113.7:5000", None).await, 200);
    assert_eq!(
        status_from(&router, "[::ffff:203.0.113.7]:5000", None).await,
        429
    );
    assert_eq!(status_from(&router, "203.0.113.8:5000", None).await, 200);
}

#[tokio::test]
async fn forged_forwarded_entries_do_not_change_the_key() {
    let router = limited(true);
    let peer = "192.0.2.1:5000";
    assert_eq!(
        status_from(&router, peer, Some("198.51.100.1, 203.0.113.5")).await,
        200
    );
    // A different forged left entry: still the client our proxy saw.
    assert_eq!(
        status_from(&router, peer, Some("198.51.100.2, 203.0.113.5")).await,
        429
    );
    // Garbage on the right: the key is the peer (our reverse proxy), never the
    // entry to its left, so fresh left entries get nowhere.
    assert_eq!(
        status_from(&router, peer, Some("198.51.100.3, nonsense")).await,
        200
    );
    assert_eq!(
        status_from(&router, peer, Some("198.51.100.4, nonsense")).await,
        429
    );
    assert_eq!(status_from(&router, peer, Some("198.51.100.5,")).await, 429);
    // The rightmost entry in IPv6 counts by its /64, like a peer.
    assert_eq!(status_from(&router, peer, Some("2001:db8:9::1")).await, 200);
    assert_eq!(status_from(&router, peer, Some("2001:db8:9::2")).await, 429);
}

/// A raw HTTP/1.1 request over a fresh connection: status and JSON body.
async fn raw(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let body = if method == "POST" {
        r#"{"urls":[]}"#
    } else {
        ""
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nconnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        head.push_str("content-type: application/json\r\n");
    }
    head.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut out))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_rebinding_page_gets_421_over_a_real_socket() {
    let server = serve(config()).await;
    let port = server.addr.port();
    let evil = format!("evil.test:{port}");
    let evil_origin = format!("http://evil.test:{port}");
    for (method, path) in [("POST", "/api/check"), ("GET", "/api/health")] {
        let (status, body) = raw(
            server.addr,
            method,
            path,
            &[("host", &evil), ("origin", &evil_origin)],
        )
        .await;
        assert_eq!(status, 421, "{method} {path}: {body}");
        assert_eq!(body["error"]["kind"], "unknown_host", "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--public-host")));
    }
    // Without an Origin (a same-origin GET) the name is refused all the same.
    let (status, _) = raw(server.addr, "GET", "/api/health", &[("host", &evil)]).await;
    assert_eq!(status, 421);
    // No Host at all (HTTP/1.0 style) is not a name the proxy is known by.
    let (status, _) = raw(server.addr, "GET", "/api/health", &[]).await;
    assert_eq!(status, 421);
}

#[tokio::test]
async fn the_proxys_own_names_work_and_must_match_the_origin() {
    let server = serve(config()).await;
    let port = server.addr.port();
    for name in ["127.0.0.1", "localhost"] {
        let host = format!("{name}:{port}");
        let origin = format!("http://{host}");
        for (method, path) in [("POST", "/api/check"), ("GET", "/api/health")] {
            let headers = [("host", host.as_str()), ("origin", origin.as_str())];
            let (status, body) = raw(server.addr, method, path, &headers).await;
            assert_eq!(status, 200, "{host} {method} {path}: {body}");
        }
    }
    // A known Host does not make a foreign page same-origin.
    let host = format!("127.0.0.1:{port}");
    let headers = [("host", host.as_str()), ("origin", "http://evil.test")];
    let (status, body) = raw(server.addr, "POST", "/api/check", &headers).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["kind"], "origin_not_allowed");
}

#[tokio::test]
async fn public_hosts_and_named_origins_work_behind_another_name() {
    let server = serve(Config {
        public_hosts: vec!["upcheck.example".into()],
        allow_origins: vec!["https://pages.example".into()],
        ..config()
    })
    .await;
    // Behind a TLS-terminating reverse proxy that passes Host on.
    let headers = [
        ("host", "upcheck.example"),
        ("origin", "https://upcheck.example"),
    ];
    let (status, body) = raw(server.addr, "POST", "/api/check", &headers).await;
    assert_eq!(status, 200, "{body}");
    // Other names stay refused, also with the public name's port changed.
    for host in ["evil.test", "upcheck.example:8443"] {
        let (status, _) = raw(server.addr, "GET", "/api/health", &[("host", host)]).await;
        assert_eq!(status, 421, "{host}");
    }
    // A page from a named origin is trusted under any name (a browser never
    // lets another page claim that origin).
    let headers = [
        ("host", "proxy.example"),
        ("origin", "https://pages.example"),
    ];
    let (status, body) = raw(server.addr, "POST", "/api/check", &headers).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_page_itself_is_served_under_any_name() {
    let dir = std::env::temp_dir().join(format!("upcheck-hosts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<title>Upcheck</title>").unwrap();
    let server = serve(Config {
        dist: Some(dir.clone()),
        ..config()
    })
    .await;
    // Public, static content: nothing a rebinding page could not fetch itself.
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nhost: evil.test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}
