//! What the proxy needs to know at start-up, with the defaults it runs with.

use rustls::pki_types::CertificateDer;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::dns::Resolve;
use upcheck_core::defaults;
use upcheck_engine::{EngineConfig, Reach};

pub use upcheck_engine::config::{BODY_MEMORY_MIB, GLOBAL_CONCURRENCY, SLOT_WAIT};
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
/// Batches one client may have streaming at once unless configured otherwise.
pub const MAX_BATCHES_PER_CLIENT: usize = 4;
/// Checks one client may have in flight at once, over all its batches.
pub const MAX_CHECKS_PER_CLIENT: usize = 256;
/// How long a batch may wait for its reader to take the next line.
pub const WRITE_STALL: Duration = Duration::from_secs(30);

/// Everything the proxy needs to know at start-up.
///
/// The defaults are the ones a public deployment should run with; what they
/// guard against:
/// - `max_batches_per_client` 4 and `max_checks_per_client` 256: one client
///   (a peer address, an IPv6 /64) cannot take the whole `global_concurrency`
///   (1024) or open batches without end; the 5th concurrent batch is answered
///   429 `too_many_batches`.
/// - `per_host` 6, applied to the target name *and* to each resolved address:
///   many names pointing at one victim address still open at most 6
///   connections to it at once from this proxy.
/// - `slot_wait` 60 s: no check waits longer than this for a slot; one that
///   would ends `cancelled` with `busy`.
/// - `write_stall` 30 s: a batch whose reader has taken nothing for this long
///   is ended and its checks stopped, so a client that stops reading holds no
///   shared capacity.
/// - `body_memory_mib` 256: every body read (only for body assertions or a
///   bot wall's page) reserves its cap and its decoder's worst case from
///   this budget first, so 256 checks of a brotli bomb hold 256 MiB, not
///   4 GiB.
/// - `rate_per_minute` 60 with `rate_burst` 10 per client, and
///   `insecure_allow_loopback` off. Ports on the fetch standard's bad-port
///   list are refused whatever the settings.
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
    /// Batches one client (peer address; IPv6 by /64) may have streaming at
    /// once; one more is refused with 429.
    pub max_batches_per_client: usize,
    /// Checks one client may have in flight at once, over all its batches.
    pub max_checks_per_client: usize,
    /// The longest a check waits for a slot (per name, per address, global)
    /// before it ends `cancelled`/`busy`.
    pub slot_wait: Duration,
    /// How long a batch may wait for its reader to take the next line before
    /// the stream is cut off and its remaining checks stopped.
    pub write_stall: Duration,
    /// MiB all body reads together may hold; a read waits for its share.
    pub body_memory_mib: usize,
    /// Take the client address for rate limiting from `X-Forwarded-For` (the
    /// entry the reverse proxy in front appended). Only behind such a proxy.
    pub trust_forwarded: bool,
    /// TEST ONLY: allow targets on 127.0.0.0/8 and `::1` (every other denied
    /// range stays denied), so tests and benchmarks can check loopback servers.
    pub insecure_allow_loopback: bool,
    /// Root certificates to trust besides the public web roots (`--ca-cert`:
    /// an intranet's CA; tests: a CA made for the run).
    pub extra_root_certs: Vec<CertificateDer<'static>>,
    /// Name resolution; `None` uses the system's DNS configuration (hickory).
    pub resolver: Option<Arc<dyn Resolve>>,
    /// The operator's name for this proxy as a vantage point, reported by
    /// `/api/health` (checked by [`check_label`]).
    pub label: Option<String>,
    /// The local address every outgoing check connects from (on a host
    /// with several); `None` lets the system choose. Targets of the other
    /// address family cannot be reached from it.
    pub source_address: Option<std::net::IpAddr>,
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

impl Config {
    /// What the check engine is made with: this proxy's limits and policy.
    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            per_host: self.per_host,
            global_concurrency: self.global_concurrency,
            slot_wait: self.slot_wait,
            body_memory_mib: self.body_memory_mib,
            reach: if self.insecure_allow_loopback {
                Reach::Loopback
            } else {
                Reach::Public
            },
            own_address: self.listen,
            extra_root_certs: self.extra_root_certs.clone(),
            resolver: self.resolver.clone(),
            source_address: self.source_address,
        }
    }
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
            max_batches_per_client: MAX_BATCHES_PER_CLIENT,
            max_checks_per_client: MAX_CHECKS_PER_CLIENT,
            slot_wait: SLOT_WAIT,
            write_stall: WRITE_STALL,
            body_memory_mib: BODY_MEMORY_MIB,
            trust_forwarded: false,
            insecure_allow_loopback: false,
            extra_root_certs: Vec::new(),
            resolver: None,
            label: None,
            source_address: None,
            public_hosts: Vec::new(),
            max_connections: MAX_CONNECTIONS,
            request_read_timeout: REQUEST_READ_TIMEOUT,
        }
    }
}

/// The most characters in a `--label`.
pub const MAX_LABEL_CHARS: usize = 32;

/// A label is 1–32 letters, digits, `.`, `_` or `-`: short enough for a
/// table column, plain enough to put in a share link unescaped.
pub fn check_label(label: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        return Err(format!("--label must be 1 to {MAX_LABEL_CHARS} characters"));
    }
    match label.chars().find(|&c| !ok(c)) {
        Some(c) => Err(format!(
            "--label may hold letters, digits, '.', '_' and '-' only, not {c:?}"
        )),
        None => Ok(()),
    }
}
