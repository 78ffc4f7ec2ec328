//! The proxy cannot be turned into an amplifier: many names for one address
//! share its per-host slots, `name.` is `name`, one client cannot run more
//! than its share of batches and checks, and bad ports are never connected to.

mod common;

use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

fn peak(f: &Fixture) -> usize {
    f.stats().peak_in_flight.load(Ordering::SeqCst)
}

#[tokio::test]
async fn many_names_for_one_address_share_its_per_host_slots() {
    let f = Fixture::start(1).await.unwrap();
    let port = f.ports()[0];
    let names: Vec<String> = (0..20).map(|i| format!("site{i}.test")).collect();
    let resolver = names
        .iter()
        .fold(ScriptedResolver::new(), |r, n| r.answer(n, &["127.0.0.1"]));
    let config = Config {
        per_host: 3,
        resolver: Some(arc(resolver)),
        ..loopback_config()
    };
    let urls: Vec<String> = names
        .iter()
        .map(|n| format!("http://{n}:{port}/delay/300"))
        .collect();
    let (_, lines) = check(config, json!({ "urls": urls })).await;
    assert_eq!(lines.len(), 20);
    assert!(lines.iter().all(|l| l["outcome"] == "up"), "{lines:#?}");
    assert_eq!(peak(&f), 3, "one address got more than per_host at once");
}

#[tokio::test]
async fn a_redirect_to_name_dot_shares_the_slot_of_name() {
    let target = Fixture::start(1).await.unwrap();
    let redirector = Fixture::start(1).await.unwrap();
    let port = target.ports()[0];
    let resolver = ScriptedResolver::new().answer("name.test", &["127.0.0.1"]);
    let config = Config {
        per_host: 1,
        resolver: Some(arc(resolver)),
        ..loopback_config()
    };
    let hop = format!("http://name.test.:{port}/delay/600?via=redirect");
    let urls = [
        format!("http://name.test:{port}/delay/600?direct"),
        redirector.url(0, &format!("/location/{}", enc(&hop))),
    ];
    let (_, lines) = check(config, json!({ "urls": urls })).await;
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_outcome(line, "up", None);
    }
    assert_eq!(peak(&target), 1, "name. and name held two slots at once");
}

#[tokio::test]
async fn checks_in_flight_are_capped_per_client() {
    let f = Fixture::start(1).await.unwrap();
    let config = Config {
        per_host: 10,
        max_checks_per_client: 2,
        ..loopback_config()
    };
    let urls: Vec<String> = (0..8)
        .map(|i| f.url(0, &format!("/delay/200?n={i}")))
        .collect();
    let (_, lines) = check(config, json!({ "urls": urls })).await;
    assert_eq!(lines.len(), 8);
    assert!(lines.iter().all(|l| l["outcome"] == "up"), "{lines:#?}");
    assert_eq!(peak(&f), 2);
}

/// POSTs a check request from `from` (a loopback address of ours).
async fn post_from(
    from: IpAddr,
    addr: SocketAddr,
    body: Value,
) -> hyper::Response<hyper::body::Incoming> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::post("/api/check")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(body.to_string())))
        .unwrap();
    sender.send_request(req).await.unwrap()
}

#[tokio::test]
async fn a_client_over_its_batch_cap_gets_429_while_another_is_served() {
    let f = Fixture::start(1).await.unwrap();
    let server = serve(Config {
        max_batches_per_client: 2,
        ..loopback_config()
    })
    .await;
    let a: IpAddr = "127.0.0.1".parse().unwrap();
    let b: IpAddr = "127.0.0.2".parse().unwrap();
    let slow = |n: usize| json!({ "urls": [f.url(0, &format!("/delay/3000?n={n}"))] });
    let first = post_from(a, server.addr, slow(1)).await;
    let second = post_from(a, server.addr, slow(2)).await;
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);

    let third = post_from(a, server.addr, slow(3)).await;
    assert_eq!(third.status(), 429);
    let body: Value =
        serde_json::from_slice(&third.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["error"]["kind"], "too_many_batches", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 check batches"),
        "{body}"
    );

    let other = post_from(b, server.addr, json!({ "urls": [f.url(0, "/?other")] })).await;
    assert_eq!(other.status(), 200);
    let lines = parse_lines(&other.into_body().collect().await.unwrap().to_bytes());
    assert_eq!(lines.len(), 1);
    assert_outcome(&lines[0], "up", None);

    // Once one of its batches ends, the first client may start another.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let again = post_from(a, server.addr, json!({ "urls": [f.url(0, "/?again")] })).await;
        if again.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the cap never freed up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn bad_ports_are_refused_without_connecting_even_with_loopback_allowed() {
    let f = Fixture::start(1).await.unwrap();
    // If port 6000 is free here, listen on it to prove nothing connects.
    let accepted = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:6000").await.ok();
    if let Some(listener) = listener {
        let accepted = accepted.clone();
        tokio::spawn(async move {
            while listener.accept().await.is_ok() {
                accepted.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    let urls = [
        "http://127.0.0.1:25/".to_owned(),
        "http://127.0.0.1:6000/".to_owned(),
        f.url(0, &format!("/location/{}", enc("http://127.0.0.1:6000/x"))),
    ];
    let (_, lines) = check(loopback_config(), json!({ "urls": urls })).await;
    assert_eq!(lines.len(), 3);
    for line in &lines[..2] {
        assert_outcome(line, "blocked", Some("bad_port"));
        assert_not_connected(line);
    }
    let hop = &lines[2];
    assert_outcome(hop, "blocked", Some("bad_port"));
    assert_eq!(hop["redirects"].as_array().unwrap().len(), 1, "{hop:#}");
    assert_eq!(hop["final_url"], "http://127.0.0.1:6000/x");
    assert_not_connected(hop);
    assert!(
        hop["error"]["message"].as_str().unwrap().contains("6000"),
        "{hop:#}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}
