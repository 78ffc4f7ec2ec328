//! One HTTP exchange on an established connection — HTTP/2 when TLS
//! negotiated `h2` by ALPN, else HTTP/1.1 — send the request and wait for
//! the response head. The body stays unread unless the caller asks
//! for a bounded prefix of it ([`super::body`]: assertions, a bot wall's
//! page); nothing is ever relayed. The head is bounded
//! ([`MAX_HEAD_BYTES`], [`MAX_HEADERS`]), so a server cannot make the proxy
//! buffer megabytes of headers, and so is hyper's read buffer, body or not.
//! Over HTTP/2 the same bounds hold: the header list is capped at
//! [`MAX_HEAD_BYTES`] (SETTINGS_MAX_HEADER_LIST_SIZE, enforced on receipt)
//! and at [`MAX_HEADERS`] headers, and the flow-control windows at
//! [`H2_WINDOW`], so a server cannot push more body than that ahead of what
//! is read.

use bytes::Bytes;
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ACCEPT, ACCEPT_ENCODING, CONNECTION, HOST, LOCATION, USER_AGENT};
use hyper::{HeaderMap, Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::error::Error as _;
use std::io;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use url::Url;

use super::{Deadline, Failure, Phase};
use upcheck_core::wire::{ErrorKind, Method};

const USER_AGENT_VALUE: &str = concat!("upcheck-proxy/", env!("CARGO_PKG_VERSION"));

/// The largest response head (status line and headers) read. Real sites stay
/// far below; hyper's own default (~400 KB) would let each check in flight
/// hold that much.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most response headers read (hyper's default, said out loud).
pub const MAX_HEADERS: usize = 100;
/// HTTP/2 stream and connection flow-control window: the most body a
/// server can send before the proxy reads it (HTTP/1.1's read buffer holds
/// about as much).
pub const H2_WINDOW: u32 = 64 * 1024;

/// What a request asks in `Accept-Encoding`: `identity` unless the body will
/// be read, then gzip and deflate. `br` is decoded when a server sends it
/// unasked, but not offered: its window may be 16 MiB against gzip's 32 KiB,
/// and every server that speaks br speaks gzip too.
const IDENTITY: &str = "identity";
const COMPRESSED: &str = "gzip, deflate";

/// What the response head said.
#[derive(Debug)]
pub struct Head {
    /// The status code.
    pub status: StatusCode,
    /// The HTTP version of the response.
    pub version: Version,
    /// The `Location` header, if any, as sent (`redirect::follow` judges it).
    pub location: Option<HeaderValue>,
    /// Request written → response head read.
    pub ttfb: Duration,
}

/// A response whose head has arrived and whose body may still be read.
/// Dropping it closes the connection.
pub struct Exchange {
    /// What the head said.
    pub head: Head,
    /// Every response header (bounded by [`MAX_HEAD_BYTES`]).
    pub headers: HeaderMap,
    /// The unread body.
    pub body: Incoming,
    /// Kept so the connection stays open while the body is read (an
    /// HTTP/1.1 or an HTTP/2 sender).
    _sender: Box<dyn std::any::Any + Send>,
    _conn: AbortOnDrop,
}

/// Aborts the connection task when the exchange is over or abandoned.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends `method url` on `io` and waits for the response head, over HTTP/2
/// when `h2` (ALPN chose it), else HTTP/1.1. With `compressed`, the request
/// offers the codings [`super::body`] decodes (only when the body will be
/// read); else `identity`.
pub async fn exchange<S>(
    io: S,
    url: &Url,
    method: Method,
    compressed: bool,
    h2: bool,
    deadline: &Deadline,
) -> Result<Exchange, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if h2 {
        return exchange_h2(io, url, method, compressed, deadline).await;
    }
    let request = build_request(url, method, compressed)?;
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_header_size(MAX_HEAD_BYTES)
        // The head must fit; a body is read through the same buffer a chunk
        // at a time (each chunk handed on before the next read), so this
        // bounds what one connection buffers either way.
        .max_buf_size(MAX_HEAD_BYTES + 8 * 1024)
        .max_headers(MAX_HEADERS)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(io))
        .await
        .map_err(|e| exchange_failure(&e))?;
    let pending = sender.send_request(request);
    answered(conn, pending, Box::new(sender), deadline).await
}

/// The HTTP/2 exchange: one stream on a connection of its own, with the
/// limits in the module docs. hyper's HTTP/2 client never accepts pushes.
async fn exchange_h2<S>(
    io: S,
    url: &Url,
    method: Method,
    compressed: bool,
    deadline: &Deadline,
) -> Result<Exchange, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = build_h2_request(url, method, compressed)?;
    let handshake = async {
        hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .max_header_list_size(MAX_HEAD_BYTES as u32)
            .initial_stream_window_size(H2_WINDOW)
            .initial_connection_window_size(H2_WINDOW)
            .handshake::<_, Empty<Bytes>>(TokioIo::new(io))
            .await
            .map_err(|e| exchange_failure(&e))
    };
    let (mut sender, conn) = deadline.run(Phase::Response, handshake).await?;
    let pending = sender.send_request(request);
    answered(conn, pending, Box::new(sender), deadline).await
}

/// Drives the connection `conn` in a task of its own (aborted with the
/// exchange) and waits, under the deadline, for the head of the response
/// `pending` on it; `sender` keeps the connection open while the body is read.
async fn answered<C>(
    conn: C,
    pending: impl std::future::Future<Output = hyper::Result<Response<Incoming>>>,
    sender: Box<dyn std::any::Any + Send>,
    deadline: &Deadline,
) -> Result<Exchange, Failure>
where
    C: std::future::Future + Send + 'static,
{
    let conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let sent = Instant::now();
    let attempt = async { pending.await.map_err(|e| exchange_failure(&e)) };
    let response = deadline.run(Phase::Response, attempt).await?;
    into_exchange(response, sent.elapsed(), sender, conn)
}

fn into_exchange(
    response: Response<Incoming>,
    ttfb: Duration,
    sender: Box<dyn std::any::Any + Send>,
    conn: AbortOnDrop,
) -> Result<Exchange, Failure> {
    let (parts, body) = response.into_parts();
    // HTTP/1.1's parser stops at MAX_HEADERS; HTTP/2 counts bytes only.
    if parts.headers.len() > MAX_HEADERS {
        return Err(too_large());
    }
    Ok(Exchange {
        head: Head {
            status: parts.status,
            version: parts.version,
            location: parts.headers.get(LOCATION).cloned(),
            ttfb,
        },
        headers: parts.headers,
        body,
        _sender: sender,
        _conn: conn,
    })
}

fn too_large() -> Failure {
    Failure::unreachable(
        ErrorKind::Http,
        format!(
            "the response head is larger than {} KiB or has more than {MAX_HEADERS} headers",
            MAX_HEAD_BYTES / 1024
        ),
    )
}

/// The HTTP/2 request: the target as an absolute URI (its `:scheme` and
/// `:authority`), no `Host` or `Connection` header (HTTP/2 has neither).
fn build_h2_request(
    url: &Url,
    method: Method,
    compressed: bool,
) -> Result<Request<Empty<Bytes>>, Failure> {
    let mut target = url.clone();
    target.set_fragment(None);
    Request::builder()
        .method(method.as_str())
        .version(Version::HTTP_2)
        .uri(target.as_str())
        .header(USER_AGENT, USER_AGENT_VALUE)
        .header(ACCEPT, "*/*")
        .header(
            ACCEPT_ENCODING,
            if compressed { COMPRESSED } else { IDENTITY },
        )
        .body(Empty::new())
        .map_err(|e| Failure::invalid(format!("cannot make a request for {url}: {e}")))
}

fn build_request(
    url: &Url,
    method: Method,
    compressed: bool,
) -> Result<Request<Empty<Bytes>>, Failure> {
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(Failure::invalid(format!("{url} has no host"))),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    Request::builder()
        .method(method.as_str())
        .uri(target)
        .header(HOST, host)
        .header(USER_AGENT, USER_AGENT_VALUE)
        .header(ACCEPT, "*/*")
        .header(
            ACCEPT_ENCODING,
            if compressed { COMPRESSED } else { IDENTITY },
        )
        .header(CONNECTION, "close")
        .body(Empty::new())
        .map_err(|e| Failure::invalid(format!("cannot make a request for {url}: {e}")))
}

fn exchange_failure(e: &hyper::Error) -> Failure {
    let io_kind = {
        let mut source = e.source();
        let mut kind = None;
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<io::Error>() {
                kind = Some(io.kind());
                break;
            }
            source = s.source();
        }
        kind
    };
    let reset = matches!(
        io_kind,
        Some(
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionAborted
        )
    );
    if let Some(f) = h2_failure(e) {
        f
    } else if reset {
        Failure::unreachable(ErrorKind::Reset, "the server reset the connection".into())
    } else if e.is_incomplete_message() {
        Failure::unreachable(
            ErrorKind::Reset,
            "the server closed the connection without answering".into(),
        )
    } else if e.is_parse_too_large() {
        too_large()
    } else if e.is_parse() {
        Failure::unreachable(
            ErrorKind::Http,
            format!("the answer is not valid HTTP: {e}"),
        )
    } else {
        Failure::unreachable(ErrorKind::Http, format!("HTTP exchange failed: {e}"))
    }
}

/// What an HTTP/2 error means, when the failure is one. h2 itself resets a
/// stream whose response head is over SETTINGS_MAX_HEADER_LIST_SIZE or
/// malformed (it does not say which); a server's reset or GOAWAY is the
/// server hanging up.
fn h2_failure(e: &hyper::Error) -> Option<Failure> {
    let mut source = e.source();
    let h2 = loop {
        let s = source?;
        if let Some(h2) = s.downcast_ref::<h2::Error>() {
            break h2;
        }
        source = s.source();
    };
    let reason = h2
        .reason()
        .map_or_else(|| "no reason".to_owned(), |r| format!("{r:?}"));
    Some(if h2.is_library() && h2.is_reset() {
        Failure::unreachable(
            ErrorKind::Http,
            format!(
                "the HTTP/2 response head is larger than {} KiB or is not valid HTTP/2 (stream reset: {reason})",
                MAX_HEAD_BYTES / 1024
            ),
        )
    } else if h2.is_remote() && (h2.is_reset() || h2.is_go_away()) {
        Failure::unreachable(
            ErrorKind::Reset,
            format!("the server reset the HTTP/2 stream ({reason})"),
        )
    } else {
        Failure::unreachable(ErrorKind::Http, format!("HTTP/2 error: {h2}"))
    })
}

/// `HTTP/1.1` and friends, as reported on the wire.
pub fn version_name(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2",
        Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
}
