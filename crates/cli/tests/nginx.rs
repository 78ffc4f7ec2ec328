//! `deploy/nginx/upcheck.conf`, the shipped file itself, run by the real
//! nginx in front of real proxies on loopback: batches of one `upcheck check
//! --via` spread over the replicas, and a client's forged `X-Forwarded-For`
//! never reaching them.
//!
//! `upcheck_fixture::nginx` rewrites only the file's marked lines
//! (`# upcheck:listen`, `# upcheck:access-log`, the
//! `# upcheck:replicas-begin`/`-end` block) and runs nginx in the foreground,
//! one process, everything under a temporary directory. nginx is required:
//! `./test` installs it (Debian nginx-light).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use upcheck_core::wire::CheckLine;
use upcheck_core::Outcome;
use upcheck_fixture::nginx::Nginx;
use upcheck_fixture::Fixture;
use upcheck_proxy::Config;

/// The longest any single read from nginx may take in these tests.
const READ_WAIT: Duration = Duration::from_secs(10);

/// A port nothing listens on right now, for nginx to take.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// nginx with the shipped config in front of `replicas`, accepting.
async fn start_nginx(port: u16, replicas: &[SocketAddr]) -> Nginx {
    Nginx::start(port, replicas, 256)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A proxy replica on 127.0.0.1, as deployed behind nginx: trusting its
/// `X-Forwarded-For`, answering for the name nginx is reached by.
async fn replica(nginx_port: u16, tune: impl FnOnce(&mut Config)) -> SocketAddr {
    let mut config = Config {
        insecure_allow_loopback: true,
        trust_forwarded: true,
        public_hosts: vec![format!("127.0.0.1:{nginx_port}")],
        rate_per_minute: None,
        per_host: 64,
        ..Config::default()
    };
    tune(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(upcheck_proxy::serve(
        listener,
        config,
        std::future::pending(),
    ));
    addr
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

/// `POST /api/check` of `url`, as a raw HTTP/1.1 request to `to`, claiming
/// to come from `forwarded_for`; the connection is returned after the
/// response's status line, which is returned with it.
async fn post_check(
    to: SocketAddr,
    host: &str,
    url: &str,
    forwarded_for: &str,
) -> (String, TcpStream) {
    let body = serde_json::json!({ "urls": [url], "version": 2 }).to_string();
    let request = format!(
        "POST /api/check HTTP/1.1\r\n\
         Host: {host}\r\n\
         Origin: http://{host}\r\n\
         Content-Type: application/json\r\n\
         X-Forwarded-For: {forwarded_for}\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(to).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        let n = tokio::time::timeout(READ_WAIT, stream.read(&mut byte))
            .await
            .unwrap_or_else(|_| panic!("no status line from {to} within {READ_WAIT:?}"))
            .unwrap();
        assert!(n == 1, "{to} closed before a status line: {line:?}");
        line.push(byte[0]);
    }
    (
        String::from_utf8(line).unwrap().trim_end().to_owned(),
        stream,
    )
}

/// The rest of a response, until the server closes (`Connection: close`).
async fn rest(mut stream: TcpStream) -> String {
    let mut rest = Vec::new();
    tokio::time::timeout(READ_WAIT, stream.read_to_end(&mut rest))
        .await
        .expect("the response did not end in time")
        .unwrap();
    String::from_utf8_lossy(&rest).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn batches_through_nginx_spread_over_both_replicas_and_lose_nothing() {
    let fx = Fixture::start(1).await.unwrap();
    let port = free_port();
    // Batches of 5: the 40 sites are 8 batches, 4 of them in flight at once.
    let replicas = [
        replica(port, |c| c.max_urls = 5).await,
        replica(port, |c| c.max_urls = 5).await,
    ];
    let nginx = start_nginx(port, &replicas).await;
    let list: String = (0..40)
        .map(|i| match i {
            7 => fx.url(0, "/status/404?n=7"),
            23 => fx.url(0, "/delay/300?n=23"),
            _ => fx.url(0, &format!("/status/200?n={i}")),
        })
        .map(|url| format!("{url}\n"))
        .collect();
    let args = [
        "check",
        "--format",
        "jsonl",
        "--via",
        &format!("http://127.0.0.1:{port}/"),
        "--batches-per-proxy",
        "4",
        "-",
    ]
    .map(str::to_owned);
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || upcheck(&args, &list))
        .await
        .unwrap();
    assert_eq!(
        code,
        1,
        "one site is down: {stdout}{stderr}\n{}",
        nginx.logs()
    );
    let lines: Vec<CheckLine> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut indices: Vec<usize> = lines.iter().map(|l| l.index).collect();
    indices.sort();
    assert_eq!(
        indices,
        (0..40).collect::<Vec<_>>(),
        "every site once: {stdout}"
    );
    for line in &lines {
        let want = if line.index == 7 {
            Outcome::Down
        } else {
            Outcome::Up
        };
        assert_eq!(line.outcome, want, "{line:?}");
        // Checked by a replica's engine: it reports what it connected to.
        assert_eq!(
            line.ip.map(|ip| ip.to_string()).as_deref(),
            Some("127.0.0.1"),
            "{line:?}"
        );
    }

    // nginx logs a request once its answer is sent, which may be just after
    // the CLI has read it: wait (bounded) for both replicas to show up.
    let wanted: BTreeSet<String> = replicas.iter().map(|r| r.to_string()).collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    let (served, checks) = loop {
        let log = nginx.access_log();
        let checks: Vec<String> = log
            .lines()
            .filter(|l| l.contains("\"POST /api/check "))
            .map(str::to_owned)
            .collect();
        let served: BTreeSet<String> = checks
            .iter()
            .filter_map(|l| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix("upstream="))
            })
            .flat_map(|u| u.split(", "))
            .map(str::to_owned)
            .collect();
        if wanted.is_subset(&served) || Instant::now() > deadline {
            break (served, checks);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        wanted.is_subset(&served),
        "both replicas {wanted:?} served batches, not only {served:?}:\n{}",
        checks.join("\n")
    );
    assert!(
        checks.len() >= 8 && checks.iter().all(|l| l.contains("\" 200 ")),
        "8 batches of 5, each answered 200:\n{}",
        checks.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_x_forwarded_for_does_not_escape_the_per_client_batch_cap() {
    let fx = Fixture::start(1).await.unwrap();
    let port = free_port();
    let one = replica(port, |c| c.max_batches_per_client = 1).await;
    let nginx = start_nginx(port, &[one]).await;
    let front: SocketAddr = ([127, 0, 0, 1], port).into();
    let host = format!("127.0.0.1:{port}");
    // A batch that stays open (its one check never gets an answer) holds
    // this client's only slot for as long as the connection is kept.
    let hang = fx.url(0, "/hang");
    let (status, first) = post_check(front, &host, &hang, "203.0.113.9").await;
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "the first batch streams (Host and Origin passed through as sent): {status}\n{}",
        nginx.logs()
    );
    // The same client claiming to be someone else is still the same client:
    // nginx put its own peer (127.0.0.1) in X-Forwarded-For.
    let (status, second) = post_check(front, &host, &hang, "198.51.100.7").await;
    let body = rest(second).await;
    assert!(
        status.starts_with("HTTP/1.1 429"),
        "a second batch from the same client is refused: {status}\n{body}"
    );
    assert!(body.contains("\"too_many_batches\""), "{status}\n{body}");
    // The control: sent to the replica directly, the forged header is taken
    // at its word (which is why replicas must be reachable only via nginx).
    let (status, direct) = post_check(
        one,
        &one.to_string(),
        &fx.url(0, "/status/200"),
        "198.51.100.7",
    )
    .await;
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "a forged client straight at the replica is another client: {status}"
    );
    drop((first, direct));
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx_replaces_x_forwarded_for_and_passes_host_as_sent() {
    // A stand-in replica that records the request head nginx sends it.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let (heads, mut seen) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let heads = heads.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = heads.send(String::from_utf8_lossy(&head).into_owned());
                let _ = conn
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
            });
        }
    });
    let port = free_port();
    let nginx = start_nginx(port, &[upstream]).await;
    let mut conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.write_all(
        format!(
            "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 198.51.100.7, 10.0.0.1\r\n\
             Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = rest(conn).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{answer}\n{}",
        nginx.logs()
    );
    let head = tokio::time::timeout(READ_WAIT, seen.recv())
        .await
        .unwrap()
        .unwrap();
    let values = |name: &str| -> Vec<String> {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    };
    assert!(head.starts_with("GET /api/health HTTP/1.1\r\n"), "{head}");
    assert_eq!(
        values("x-forwarded-for"),
        ["127.0.0.1"],
        "replaced, not appended to: {head}"
    );
    assert_eq!(values("host"), [format!("127.0.0.1:{port}")], "{head}");
}
