//! `upcheck check --via`: the list checked through remote proxies (real
//! `upcheck-proxy` servers on loopback), split into batches over every proxy
//! with room, and nothing lost when a proxy breaks off mid-batch.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use upcheck_core::wire::{CheckLine, Health, API_VERSION};
use upcheck_core::Outcome;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

fn proxy_config(max_urls: usize) -> Config {
    Config {
        insecure_allow_loopback: true,
        rate_per_minute: None,
        max_urls,
        per_host: 64,
        label: Some("loop".into()),
        ..Config::default()
    }
}

/// A real proxy on 127.0.0.1, running until the test ends.
async fn proxy(max_urls: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(upcheck_proxy::serve(
        listener,
        proxy_config(max_urls),
        std::future::pending(),
    ));
    addr
}

/// A server that says it is a proxy, then breaks off every check stream
/// after its head: a proxy dying mid-batch. Counts the batches it took.
async fn breaking_proxy(max_urls: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let health = serde_json::to_string(&Health {
        name: "upcheck-proxy".into(),
        version: "0.1.0".into(),
        api_version: API_VERSION,
        label: Some("breaking".into()),
        limits: upcheck_proxy::api::limits(&proxy_config(max_urls)),
    })
    .unwrap();
    let batches = Arc::new(AtomicUsize::new(0));
    let counted = batches.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let (health, counted) = (health.clone(), counted.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = if head.starts_with(b"GET /api/health") {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{health}",
                        health.len()
                    )
                } else {
                    counted.fetch_add(1, Ordering::SeqCst);
                    // A streamed answer that never sends a line.
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
                };
                let _ = conn.write_all(answer.as_bytes()).await;
                // Closing a chunked body before its last chunk: a cut stream.
            });
        }
    });
    (addr, batches)
}

fn upcheck(args: &[String], list: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_upcheck"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_through_two_proxies_loses_nothing_when_one_breaks_off() {
    let fx = Fixture::start(1).await.unwrap();
    let good = proxy(5).await;
    let (bad, bad_batches) = breaking_proxy(5).await;
    let list: String = (0..30)
        .map(|i| {
            format!(
                "{}\n",
                fx.url(
                    0,
                    &format!("/status/{}?n={i}", if i == 7 { 404 } else { 200 })
                )
            )
        })
        .collect();
    let args = [
        "check",
        "--format",
        "jsonl",
        "--via",
        &format!("http://{bad}/"),
        "--via",
        &format!("http://{good}/"),
        "-",
    ]
    .map(str::to_owned);
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || upcheck(&args, &list))
        .await
        .unwrap();
    assert_eq!(code, 1, "one site is down: {stdout}{stderr}");
    let lines: Vec<CheckLine> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut indices: Vec<usize> = lines.iter().map(|l| l.index).collect();
    indices.sort();
    assert_eq!(
        indices,
        (0..30).collect::<Vec<_>>(),
        "every site once: {stdout}"
    );
    for line in &lines {
        let want = if line.index == 7 {
            Outcome::Down
        } else {
            Outcome::Up
        };
        assert_eq!(line.outcome, want, "{line:?}");
        // Checked by the proxy's engine: it reports what it connected to.
        assert_eq!(
            line.ip.map(|ip| ip.to_string()).as_deref(),
            Some("127.0.0.1")
        );
    }
    assert!(
        bad_batches.load(Ordering::SeqCst) >= 1,
        "the breaking proxy was sent batches too"
    );
    assert!(stderr.contains("30 sites in"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_that_does_not_answer_is_a_usage_error_naming_it() {
    // A port bound but never listening: connections are refused.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let gone = socket.local_addr().unwrap();
    let args = ["check", "--via", &format!("http://{gone}/"), "-"].map(str::to_owned);
    let (code, _, stderr) =
        tokio::task::spawn_blocking(move || upcheck(&args, "https://example.com/\n"))
            .await
            .unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("upcheck: --via http://{gone}/: cannot connect")),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxys_policy_applies_through_it() {
    let fx = Fixture::start(1).await.unwrap();
    let strict = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            rate_per_minute: None,
            ..Config::default()
        };
        tokio::spawn(upcheck_proxy::serve(
            listener,
            config,
            std::future::pending(),
        ));
        addr
    };
    let list = format!("{}\n", fx.url(0, "/status/200"));
    // --allow-private is this machine's policy, not the proxy's.
    let args = [
        "check",
        "--allow-private",
        "--via",
        &format!("http://{strict}"),
        "-",
    ]
    .map(str::to_owned);
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || upcheck(&args, &list))
        .await
        .unwrap();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("⊖ blocked") && stdout.contains("loopback"),
        "{stdout}"
    );
}
