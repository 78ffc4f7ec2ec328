//! One HTTP/1.1 exchange on an established connection: send the request, wait
//! for the response head, and stop. The body is never read, so an endless or
//! compressed body costs nothing and nothing is relayed. The head itself is
//! bounded too ([`MAX_HEAD_BYTES`], [`MAX_HEADERS`]), so a server cannot make
//! the proxy buffer megabytes of headers.

use bytes::Bytes;
use http_body_util::Empty;
use hyper::header::{HeaderValue, ACCEPT, ACCEPT_ENCODING, CONNECTION, HOST, LOCATION, USER_AGENT};
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::TokioIo;
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

/// Aborts the connection task when the exchange is over or abandoned.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends `method url` on `io` and waits for the response head.
pub async fn exchange<S>(
    io: S,
    url: &Url,
    method: Method,
    deadline: &Deadline,
) -> Result<Head, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let request = build_request(url, method)?;
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_header_size(MAX_HEAD_BYTES)
        // The read buffer never needs more than the head: the body is not read.
        .max_buf_size(MAX_HEAD_BYTES + 8 * 1024)
        .max_headers(MAX_HEADERS)
        .handshake::<_, Empty<Bytes>>(TokioIo::new(io))
        .await
        .map_err(|e| exchange_failure(&e))?;
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let sent = Instant::now();
    let attempt = async {
        sender
            .send_request(request)
            .await
            .map_err(|e| exchange_failure(&e))
    };
    let response = deadline.run(Phase::Response, attempt).await?;
    let ttfb = sent.elapsed();
    let location = response.headers().get(LOCATION).cloned();
    Ok(Head {
        status: response.status(),
        version: response.version(),
        location,
        ttfb,
    })
    // `response` (and its unread body) and the connection are dropped here.
}

fn build_request(url: &Url, method: Method) -> Result<Request<Empty<Bytes>>, Failure> {
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
        .header(ACCEPT_ENCODING, "identity")
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
    if reset {
        Failure::unreachable(ErrorKind::Reset, "the server reset the connection".into())
    } else if e.is_incomplete_message() {
        Failure::unreachable(
            ErrorKind::Reset,
            "the server closed the connection without answering".into(),
        )
    } else if e.is_parse_too_large() {
        Failure::unreachable(
            ErrorKind::Http,
            format!(
                "the response head is larger than {} KiB or has more than {MAX_HEADERS} headers",
                MAX_HEAD_BYTES / 1024
            ),
        )
    } else if e.is_parse() {
        Failure::unreachable(
            ErrorKind::Http,
            format!("the answer is not valid HTTP: {e}"),
        )
    } else {
        Failure::unreachable(ErrorKind::Http, format!("HTTP exchange failed: {e}"))
    }
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
