//! Slow and idle clients cannot hold the proxy: a dripped body or head is cut
//! off in bounded time, and over the connection cap new clients wait for a
//! free slot instead of crashing anything. Loopback only; every wait bounded.

mod common;

use common::*;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use upcheck_proxy::Config;

/// GET /api/health on a fresh connection; the raw answer, or None if none
/// came within `within`.
async fn health_within(addr: SocketAddr, within: Duration) -> Option<String> {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET /api/health HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    match tokio::time::timeout(within, tcp.read_to_string(&mut out)).await {
        Ok(read) => {
            read.unwrap();
            Some(out)
        }
        Err(_) => None,
    }
}

/// Reads until the server closes or `within` passes; what came, and whether
/// the server closed.
async fn read_until_closed(tcp: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let closed = tokio::time::timeout(within, tcp.read_to_end(&mut out))
        .await
        .is_ok();
    (String::from_utf8_lossy(&out).into_owned(), closed)
}

#[tokio::test]
async fn a_dripped_body_is_cut_off_with_a_json_408_while_others_are_served() {
    let timeout = Duration::from_secs(2);
    let server = serve(Config {
        request_read_timeout: timeout,
        ..config()
    })
    .await;
    let addr = server.addr;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/check HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = tcp.into_split();
    // One byte a second, at most 60, until the server stops taking them.
    let drip = tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(b" ").await.is_err() {
                return;
            }
        }
    });
    // Meanwhile another client is served at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let other = health_within(addr, Duration::from_secs(2)).await;
    assert!(
        other.is_some_and(|h| h.starts_with("HTTP/1.1 200")),
        "another client waited on the slow one"
    );
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut out)).await;
    let took = started.elapsed();
    drip.abort();
    assert!(
        read.is_ok(),
        "the dripping client was not cut off within 10 s"
    );
    assert!(
        took >= timeout && took < timeout + Duration::from_secs(3),
        "cut off after {took:?}"
    );
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let body: Value = serde_json::from_str(text.split_once("\r\n\r\n").unwrap().1).unwrap();
    assert_eq!(body["error"]["kind"], "body_timeout", "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("2 s")));
}

#[tokio::test]
async fn a_dripped_head_and_an_idle_connection_are_closed() {
    let timeout = Duration::from_secs(1);
    let server = serve(Config {
        request_read_timeout: timeout,
        ..config()
    })
    .await;
    // A head that never ends: one header byte every 200 ms.
    let mut dripping = TcpStream::connect(server.addr).await.unwrap();
    dripping
        .write_all(b"GET /api/health HTTP/1.1\r\nx-slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    let mut closed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if dripping.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        let mut byte = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), dripping.read(&mut byte)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "a dripped head was still open after 10 s");
    assert!(started.elapsed() < timeout + Duration::from_secs(3));
    // A connection that says nothing at all is closed as well.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(closed, "an idle connection was still open after 5 s");
}

#[tokio::test]
async fn over_the_connection_cap_a_client_waits_for_a_free_slot() {
    let server = serve(Config {
        max_connections: 2,
        ..config()
    })
    .await;
    let addr = server.addr;
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    // Both slots taken by connections that send nothing: a third client waits.
    assert!(
        health_within(addr, Duration::from_millis(700))
            .await
            .is_none(),
        "a third connection was served over a cap of 2"
    );
    // Served as soon as one closes (after the attempt just given up, which
    // waits ahead of it in the backlog and is answered and closed at once).
    let waiting = tokio::spawn(health_within(addr, Duration::from_secs(5)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(first);
    let answer = waiting.await.unwrap();
    assert!(
        answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "not served after a slot freed"
    );
}

#[tokio::test]
async fn idle_connections_cannot_hold_the_cap_for_long() {
    let timeout = Duration::from_secs(1);
    let server = serve(Config {
        max_connections: 1,
        request_read_timeout: timeout,
        ..config()
    })
    .await;
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    let answer = health_within(server.addr, Duration::from_secs(6)).await;
    assert!(
        answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "an idle connection held the only slot"
    );
    assert!(started.elapsed() < timeout + Duration::from_secs(3));
    // It was served because the idle one was closed, not for want of a cap.
    let (said, closed) = read_until_closed(&mut idle, Duration::from_secs(1)).await;
    assert!(closed && said.is_empty(), "{said:?}");
}
