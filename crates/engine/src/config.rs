//! What a [`crate::Checker`] needs to know when it is made, with the defaults
//! a shared proxy runs with. Front ends (the proxy's flags, the CLI's) fill it
//! in; the engine never reads flags or the environment itself.

use rustls::pki_types::CertificateDer;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::dns::Resolve;
use upcheck_core::defaults;
use upcheck_core::net::Denial;

/// Checks in flight at once across everything one checker runs, unless
/// configured otherwise.
pub const GLOBAL_CONCURRENCY: usize = 1024;
/// The longest a check waits for any one slot before it ends `busy`.
pub const SLOT_WAIT: Duration = Duration::from_secs(60);
/// MiB all body reads together may hold (see `body.rs`).
pub const BODY_MEMORY_MIB: usize = 256;

/// Which addresses besides public ones a checker may connect to. The
/// deny-list ([`upcheck_core::net`]) is always consulted; a reach only
/// widens it for the ranges it names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reach {
    /// Globally reachable unicast addresses only: what a checker that takes
    /// its targets from other people must do (the proxy; the CLI by default).
    #[default]
    Public,
    /// Public and plain loopback (127.0.0.0/8, `::1`): the proxy's test
    /// switch (`--insecure-allow-loopback`), so tests can check local servers.
    Loopback,
    /// Public and every local network ([`Denial::is_local_network`]): the CLI
    /// on one's own machine told to check an intranet (`--allow-private`).
    LocalNetworks,
}

impl Reach {
    /// Whether this reach admits an address the deny-list refused.
    pub fn admits(self, denial: &Denial) -> bool {
        match self {
            Reach::Public => false,
            Reach::Loopback => denial.is_plain_loopback(),
            Reach::LocalNetworks => denial.is_local_network(),
        }
    }

    /// The end of the refusal message: what this checker does check.
    pub fn refusal(self) -> &'static str {
        match self {
            Reach::Public => "only public addresses are checked",
            Reach::Loopback => "only public and loopback addresses are checked",
            Reach::LocalNetworks => "only public addresses and local networks are checked",
        }
    }
}

/// Everything one checker is made with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Checks in flight at once to one target `host:port`, and to each
    /// resolved address.
    pub per_host: usize,
    /// Checks in flight at once across everything this checker runs.
    pub global_concurrency: usize,
    /// The longest a check waits for a slot before it ends `cancelled`/`busy`.
    pub slot_wait: Duration,
    /// MiB all body reads together may hold; a read waits for its share.
    pub body_memory_mib: usize,
    /// Which non-public addresses may be checked.
    pub reach: Reach,
    /// The address the checker's own server listens on (the proxy's): checks
    /// aimed at it are refused, so it cannot be made to call itself.
    pub own_address: Option<SocketAddr>,
    /// Root certificates to trust besides the public web roots.
    pub extra_root_certs: Vec<CertificateDer<'static>>,
    /// Name resolution; `None` uses the system's DNS configuration (hickory).
    pub resolver: Option<Arc<dyn Resolve>>,
    /// The local address every outgoing check connects from; `None` lets the
    /// system choose. Targets of the other address family cannot be reached.
    pub source_address: Option<IpAddr>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            per_host: defaults::PROXY_PER_HOST,
            global_concurrency: GLOBAL_CONCURRENCY,
            slot_wait: SLOT_WAIT,
            body_memory_mib: BODY_MEMORY_MIB,
            reach: Reach::Public,
            own_address: None,
            extra_root_certs: Vec::new(),
            resolver: None,
            source_address: None,
        }
    }
}

/// Every certificate in the `--ca-cert` files, or what is wrong with one.
pub fn read_ca_certs(
    paths: &[std::path::PathBuf],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let mut out = Vec::new();
    for path in paths {
        let shown = path.display();
        let pem = std::fs::read(path).map_err(|e| format!("--ca-cert {shown}: {e}"))?;
        let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("--ca-cert {shown}: not PEM certificates: {e}"))?;
        if certs.is_empty() {
            return Err(format!("--ca-cert {shown}: no PEM certificate in it"));
        }
        for (i, cert) in certs.iter().enumerate() {
            rustls::RootCertStore::empty()
                .add(cert.clone())
                .map_err(|e| format!("--ca-cert {shown}: certificate {}: {e}", i + 1))?;
        }
        out.extend(certs);
    }
    Ok(out)
}
