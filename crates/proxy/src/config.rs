//! What the proxy needs to know at start-up, with the defaults it runs with.

use rustls::pki_types::CertificateDer;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::check::dns::Resolve;
use upcheck_core::defaults;

/// Checks in flight at once across all batches unless configured otherwise.
pub const GLOBAL_CONCURRENCY: usize = 1024;
/// Largest `POST /api/check` body unless configured otherwise: room for
/// [`defaults::PROXY_MAX_URLS`] URLs of a few hundred characters each.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Check requests per minute per client unless configured otherwise.
pub const RATE_PER_MINUTE: u32 = 60;
/// Check requests a client may send back to back before the rate applies.
pub const RATE_BURST: u32 = 10;
/// Open client connections at once unless configured otherwise.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long a client may take to send a request head, and then its body,
/// unless configured otherwise.
pub const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything the proxy needs to know at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The built page to serve at `/`; `None` serves the API only.
    pub dist: Option<PathBuf>,
    /// The address the proxy itself listens on: checks aimed at it are refused.
    pub listen: Option<SocketAddr>,
    /// Origins besides the proxy's own that may call the API (CORS); e.g.
    /// `https://upcheck.example`. Empty means same origin only.
    pub allow_origins: Vec<String>,
    /// Most URLs in one check request.
    pub max_urls: usize,
    /// Largest check request body, in bytes.
    pub max_body_bytes: usize,
    /// Checks in flight at once within one batch.
    pub concurrency: usize,
    /// Checks in flight at once to one target `host:port`.
    pub per_host: usize,
    /// Checks in flight at once across all batches.
    pub global_concurrency: usize,
    /// Check requests per minute per client; `None` turns rate limiting off.
    pub rate_per_minute: Option<u32>,
    /// Check requests a client may send back to back.
    pub rate_burst: u32,
    /// Take the client address for rate limiting from `X-Forwarded-For` (the
    /// entry the reverse proxy in front appended). Only behind such a proxy.
    pub trust_forwarded: bool,
    /// TEST ONLY: allow targets on 127.0.0.0/8 and `::1` (every other denied
    /// range stays denied), so tests and benchmarks can check loopback servers.
    pub insecure_allow_loopback: bool,
    /// TEST ONLY: trust these root certificates besides the public web roots,
    /// so tests can check TLS servers with a certificate from a test CA.
    pub extra_root_certs: Vec<CertificateDer<'static>>,
    /// Name resolution; `None` uses the system's DNS configuration (hickory).
    pub resolver: Option<Arc<dyn Resolve>>,
    /// Host names (`NAME` or `NAME:PORT`, as browsers send them in `Host`)
    /// the API answers for besides the listen address and, on loopback, the
    /// loopback names. See [`crate::host`].
    pub public_hosts: Vec<String>,
    /// Open client connections at once; more wait until one closes.
    pub max_connections: usize,
    /// How long a client may take to send a request head (hyper closes the
    /// connection) and, separately, a request body (answered with 408).
    pub request_read_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dist: None,
            listen: None,
            allow_origins: Vec::new(),
            max_urls: defaults::PROXY_MAX_URLS,
            max_body_bytes: MAX_BODY_BYTES,
            concurrency: defaults::PROXY_BATCH_CONCURRENCY,
            per_host: defaults::PROXY_PER_HOST,
            global_concurrency: GLOBAL_CONCURRENCY,
            rate_per_minute: Some(RATE_PER_MINUTE),
            rate_burst: RATE_BURST,
            trust_forwarded: false,
            insecure_allow_loopback: false,
            extra_root_certs: Vec::new(),
            resolver: None,
            public_hosts: Vec::new(),
            max_connections: MAX_CONNECTIONS,
            request_read_timeout: REQUEST_READ_TIMEOUT,
        }
    }
}
