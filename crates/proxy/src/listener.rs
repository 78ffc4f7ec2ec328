//! Accepting connections as a shared service: at most `max_connections` open
//! at once, and a bound on how long a client may take to send a request head.
//!
//! `axum::serve` does neither: it accepts without limit and builds hyper
//! without a timer, so hyper's head timeout is off and a client that never
//! finishes its head (or idles between requests) holds its connection
//! forever. This loop is axum's with those two additions: hyper's HTTP/1
//! server with a tokio timer and `header_read_timeout`, which also closes a
//! kept-alive connection idle for that long, and a semaphore slot per open
//! connection. Over the cap, the proxy stops accepting: new connections wait
//! in the kernel's backlog until a slot frees, and are then served.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// How often reaching the connection cap may be logged.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The connection-level limits.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Open connections at once.
    pub max_connections: usize,
    /// Time allowed for a request head, and for idling between requests.
    pub head_timeout: Duration,
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves,
/// then stops accepting and lets open requests (streams included) finish.
/// Each request carries its peer address as `ConnectInfo<SocketAddr>`.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    // At most one warning a minute: a proxy held at its cap would otherwise
    // log once per connection.
    let mut warned: Option<Instant> = None;
    loop {
        if slots.available_permits() == 0 && warned.is_none_or(|at| at.elapsed() > WARN_EVERY) {
            tracing::warn!(
                max = limits.max_connections,
                "connection limit reached; new connections wait until one closes"
            );
            warned = Some(Instant::now());
        }
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                // Never closed while this loop holds it.
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            // Cloning a Router is cloning an Arc.
            router.clone().call(req)
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Like axum's: errors of one connection are skipped; others (out of file
/// descriptors, say) pause accepting for a moment instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionAborted
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionRefused => {}
        _ => {
            tracing::error!("accept error: {e}");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
