//! The real `upcheck-proxy` binary: the loopback test switch is a command-line
//! flag only, so a deployment cannot turn it on by inheriting an environment.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use upcheck_fixture::Fixture;

/// The binary on a free loopback port; killed when dropped.
struct Proxy {
    child: Child,
    addr: SocketAddr,
    /// Log lines before the one naming the address.
    early_log: Vec<String>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with `env` added to its environment and waits (at most
/// 20 s) for the line that names its address.
fn start(env: &[(&str, &str)], args: &[&str]) -> Proxy {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upcheck-proxy"));
    cmd.args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the proxy binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut early = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match line.split("Upcheck is at http://").nth(1) {
                Some(rest) => {
                    let addr = rest.trim_end_matches('/').to_owned();
                    let _ = tx.send((addr, std::mem::take(&mut early)));
                }
                None => early.push(line),
            }
        }
    });
    let mut proxy = Proxy {
        child,
        addr: ([127, 0, 0, 1], 0).into(),
        early_log: Vec::new(),
    };
    let (addr, early_log) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the proxy names its address within 20 s");
    proxy.addr = addr.parse().unwrap();
    proxy.early_log = early_log;
    proxy
}

/// One request with `connection: close`; the JSON body (NDJSON: first line).
async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> Value {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_string(&mut out))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let body = out.split_once("\r\n\r\n").unwrap().1;
    // A streamed answer is chunked: its JSON line sits after the size line.
    let json = body
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_default();
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn the_loopback_switch_ignores_the_environment() {
    let fixture = Fixture::start(1).await.unwrap();
    let target = fixture.url(0, "/status/200");
    let body = json!({ "urls": [target], "timeout_ms": 2000 }).to_string();

    let proxy = start(&[("UPCHECK_INSECURE_ALLOW_LOOPBACK", "true")], &[]);
    assert!(
        proxy
            .early_log
            .iter()
            .any(|l| l.contains("UPCHECK_INSECURE_ALLOW_LOOPBACK is ignored")),
        "{:?}",
        proxy.early_log
    );
    let health = request(proxy.addr, "GET", "/api/health", "").await;
    assert_eq!(
        health["limits"]["insecure_allow_loopback"], false,
        "{health}"
    );
    let line = request(proxy.addr, "POST", "/api/check", &body).await;
    assert_outcome(&line, "blocked", Some("private_address"));
    assert_eq!(connections(fixture.stats()), 0);
    drop(proxy);

    // The flag itself still works.
    let proxy = start(&[], &["--insecure-allow-loopback"]);
    let health = request(proxy.addr, "GET", "/api/health", "").await;
    assert_eq!(
        health["limits"]["insecure_allow_loopback"], true,
        "{health}"
    );
    let line = request(proxy.addr, "POST", "/api/check", &body).await;
    assert_outcome(&line, "up", None);
}

#[tokio::test]
async fn label_and_source_address_as_a_vantage_point() {
    let fixture = Fixture::start(1).await.unwrap();
    let only_2 = fixture.url(0, "/only-from/127.0.0.2/status/200");
    let body = json!({ "urls": [only_2], "timeout_ms": 2000 }).to_string();
    let proxy = start(
        &[("UPCHECK_LABEL", "fra-1")],
        &["--insecure-allow-loopback", "--source-address", "127.0.0.2"],
    );
    let health = request(proxy.addr, "GET", "/api/health", "").await;
    assert_eq!(health["label"], "fra-1", "{health}");
    // The site answers only 127.0.0.2: this proxy checks from there.
    let line = request(proxy.addr, "POST", "/api/check", &body).await;
    assert_outcome(&line, "up", None);
    drop(proxy);

    let proxy = start(
        &[],
        &["--insecure-allow-loopback", "--source-address", "127.0.0.3"],
    );
    let health = request(proxy.addr, "GET", "/api/health", "").await;
    assert!(
        health.get("label").is_none(),
        "no label, no field: {health}"
    );
    let line = request(proxy.addr, "POST", "/api/check", &body).await;
    assert_outcome(&line, "unreachable", Some("reset"));
}

#[test]
fn a_bad_label_or_a_foreign_source_address_stops_the_start_with_the_flag_named() {
    for (args, want) in [
        (&["--label", "fra 1"][..], "--label may hold"),
        (&["--label", ""][..], "--label must be 1 to 32"),
        // TEST-NET-3: never an address of this machine.
        (
            &["--source-address", "203.0.113.9"][..],
            "--source-address 203.0.113.9",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_upcheck-proxy"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
}

/// `der` as a PEM `CERTIFICATE` block.
fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[tokio::test]
async fn ca_cert_trusts_an_intranet_ca_and_a_bad_file_stops_the_start() {
    use upcheck_fixture::tls::{TestCa, TlsFixture};
    let ca = TestCa::new("Intranet CA");
    let (chain, key) = ca.leaf_for_days(&["127.0.0.1"], 60);
    let site = TlsFixture::start(chain, key).await.unwrap();
    let dir = std::env::temp_dir().join(format!("upcheck-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("intranet.pem");
    std::fs::write(&file, pem(&ca.cert)).unwrap();
    let body = json!({ "urls": [site.url("/")], "timeout_ms": 2000 }).to_string();

    let trusting = start(
        &[],
        &[
            "--insecure-allow-loopback",
            "--ca-cert",
            file.to_str().unwrap(),
        ],
    );
    let line = request(trusting.addr, "POST", "/api/check", &body).await;
    assert_outcome(&line, "up", None);
    assert_eq!(line["tls"]["issuer"], "CN=Intranet CA");
    drop(trusting);

    let plain = start(&[], &["--insecure-allow-loopback"]);
    let line = request(plain.addr, "POST", "/api/check", &body).await;
    assert_outcome(&line, "unreachable", Some("tls"));
    drop(plain);

    let junk = dir.join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    for (path, want) in [
        (junk, "no PEM certificate in it"),
        (dir.join("missing.pem"), "missing.pem: No such file"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_upcheck-proxy"))
            .args(["--listen", "127.0.0.1:0", "--ca-cert"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
