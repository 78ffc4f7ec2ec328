//! `upcheck-proxy` binary: flags, logging, listening, graceful shutdown.
//! Everything else is in the library (`upcheck_proxy::app`).

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tracing_subscriber::EnvFilter;
use upcheck_core::defaults;
use upcheck_proxy::config::{self, Config};

/// Upcheck's check proxy; also serves the built page.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "UPCHECK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built page (trunk's dist/) to serve at /.
    #[arg(long, env = "UPCHECK_DIST")]
    dist: Option<PathBuf>,
    /// Another origin allowed to call the API, e.g. https://upcheck.example
    /// (repeatable; comma-separated in the env var). Default: same origin only.
    #[arg(
        long = "allow-origin",
        env = "UPCHECK_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    allow_origins: Vec<String>,
    /// Most URLs in one check request.
    #[arg(long, env = "UPCHECK_MAX_URLS", default_value_t = defaults::PROXY_MAX_URLS)]
    max_urls: usize,
    /// Checks in flight at once within one batch.
    #[arg(long, env = "UPCHECK_CONCURRENCY", default_value_t = defaults::PROXY_BATCH_CONCURRENCY)]
    concurrency: usize,
    /// Checks in flight at once to one target host:port.
    #[arg(long, env = "UPCHECK_PER_HOST", default_value_t = defaults::PROXY_PER_HOST)]
    per_host: usize,
    /// Checks in flight at once across all batches.
    #[arg(long, env = "UPCHECK_GLOBAL_CONCURRENCY", default_value_t = config::GLOBAL_CONCURRENCY)]
    global_concurrency: usize,
    /// Check requests per minute per client (0 = no limit).
    #[arg(long, env = "UPCHECK_RATE", default_value_t = config::RATE_PER_MINUTE)]
    rate: u32,
    /// Check requests a client may send back to back.
    #[arg(long, env = "UPCHECK_BURST", default_value_t = config::RATE_BURST)]
    burst: u32,
    /// Check batches one client (peer address; IPv6 by /64) may have
    /// streaming at once; one more gets 429.
    #[arg(long, env = "UPCHECK_MAX_BATCHES_PER_CLIENT", default_value_t = config::MAX_BATCHES_PER_CLIENT)]
    max_batches_per_client: usize,
    /// Checks one client may have in flight at once, over all its batches.
    #[arg(long, env = "UPCHECK_MAX_CHECKS_PER_CLIENT", default_value_t = config::MAX_CHECKS_PER_CLIENT)]
    max_checks_per_client: usize,
    /// Seconds a check may wait for a free slot before it ends cancelled (busy).
    #[arg(long, env = "UPCHECK_SLOT_WAIT_SECS", default_value_t = config::SLOT_WAIT.as_secs())]
    slot_wait_secs: u64,
    /// Seconds a batch may wait for its reader to take data before it is cut off.
    #[arg(long, env = "UPCHECK_WRITE_STALL_SECS", default_value_t = config::WRITE_STALL.as_secs())]
    write_stall_secs: u64,
    /// MiB all body reads together may hold (body assertions, bot-wall
    /// pages); a read waits for its share.
    #[arg(long, env = "UPCHECK_BODY_MEMORY_MIB", default_value_t = config::BODY_MEMORY_MIB)]
    body_memory_mib: usize,
    /// Count clients by the last X-Forwarded-For entry (only behind a reverse
    /// proxy that sets it).
    #[arg(long, env = "UPCHECK_TRUST_FORWARDED")]
    trust_forwarded: bool,
    /// A name the proxy is reached by, as in the browser's address bar
    /// (NAME or NAME:PORT), e.g. upcheck.example behind a reverse proxy
    /// (repeatable; comma-separated in the env var). The API refuses other
    /// Host names, so a DNS-rebinding page cannot use it. Default: the listen
    /// address, plus localhost/127.0.0.1/[::1] when listening on loopback.
    #[arg(
        long = "public-host",
        env = "UPCHECK_PUBLIC_HOST",
        value_delimiter = ','
    )]
    public_hosts: Vec<String>,
    /// Open client connections at once; more wait until one closes.
    #[arg(long, env = "UPCHECK_MAX_CONNECTIONS", default_value_t = config::MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a client may take to send a request head, and then its body.
    #[arg(long, env = "UPCHECK_REQUEST_READ_TIMEOUT", default_value_t = config::REQUEST_READ_TIMEOUT.as_secs())]
    request_read_timeout: u64,
    /// TEST ONLY: allow checking 127.0.0.0/8 and ::1 (all other private ranges
    /// stay refused). Never on a proxy others can reach. A command-line flag
    /// only, never an environment variable, so no deployment can inherit it.
    #[arg(long)]
    insecure_allow_loopback: bool,
    /// This proxy's name as a vantage point (e.g. home, fra-1), shown by the
    /// page beside its results and reported by /api/health: 1-32 letters,
    /// digits, '.', '_' or '-'.
    #[arg(long, env = "UPCHECK_LABEL")]
    label: Option<String>,
    /// The local address outgoing checks connect from, on a host with
    /// several (targets of the other IP family are then unreachable).
    #[arg(long = "source-address", env = "UPCHECK_SOURCE_ADDRESS")]
    source_address: Option<std::net::IpAddr>,
    /// A PEM file of CA certificates to trust besides the public web roots,
    /// e.g. an intranet's own CA (repeatable; comma-separated in the env var).
    #[arg(long = "ca-cert", env = "UPCHECK_CA_CERT", value_delimiter = ',')]
    ca_certs: Vec<std::path::PathBuf>,
}

/// How long in-flight streams may run on after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    if std::env::var_os("UPCHECK_INSECURE_ALLOW_LOOPBACK").is_some() {
        tracing::warn!(
            "UPCHECK_INSECURE_ALLOW_LOOPBACK is ignored: the loopback test switch is the \
             --insecure-allow-loopback flag only"
        );
    }
    if let Some(dist) = &args.dist {
        if !dist.join("index.html").is_file() {
            eprintln!(
                "upcheck-proxy: {} has no index.html; build the page first (trunk build)",
                dist.display()
            );
            std::process::exit(2);
        }
    }
    if let Some(label) = &args.label {
        if let Err(e) = upcheck_proxy::config::check_label(label) {
            eprintln!("upcheck-proxy: {e}");
            std::process::exit(2);
        }
    }
    if let Some(ip) = args.source_address {
        // Fail at start, not on every check: the address must be this host's.
        if let Err(e) = std::net::TcpListener::bind((ip, 0)) {
            eprintln!("upcheck-proxy: --source-address {ip} is not an address of this host: {e}");
            std::process::exit(2);
        }
    }
    let extra_root_certs = match upcheck_engine::config::read_ca_certs(&args.ca_certs) {
        Ok(certs) => certs,
        Err(e) => {
            eprintln!("upcheck-proxy: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("upcheck-proxy: cannot listen on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    let listen = listener.local_addr().unwrap_or(args.listen);
    let config = Config {
        dist: args.dist,
        listen: Some(listen),
        allow_origins: args.allow_origins,
        max_urls: args.max_urls,
        concurrency: args.concurrency,
        per_host: args.per_host,
        global_concurrency: args.global_concurrency,
        rate_per_minute: (args.rate > 0).then_some(args.rate),
        rate_burst: args.burst,
        trust_forwarded: args.trust_forwarded,
        max_batches_per_client: args.max_batches_per_client,
        max_checks_per_client: args.max_checks_per_client,
        slot_wait: Duration::from_secs(args.slot_wait_secs.max(1)),
        write_stall: Duration::from_secs(args.write_stall_secs.max(1)),
        body_memory_mib: args.body_memory_mib.max(1),
        insecure_allow_loopback: args.insecure_allow_loopback,
        label: args.label,
        extra_root_certs,
        source_address: args.source_address,
        public_hosts: args.public_hosts,
        max_connections: args.max_connections,
        request_read_timeout: Duration::from_secs(args.request_read_timeout.max(1)),
        ..Config::default()
    };
    tracing::info!("Upcheck is at http://{listen}/");
    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let shutdown = {
        let mut on_signal = on_signal.clone();
        async move {
            let _ = on_signal.wait_for(|&s| s).await;
        }
    };
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = signalled.send(true);
    });
    let served = upcheck_proxy::serve(listener, config, shutdown);
    let grace_over = async {
        let _ = on_signal.wait_for(|&s| s).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = served => {
            if let Err(e) = result {
                eprintln!("upcheck-proxy: {e}");
                std::process::exit(1);
            }
        }
        _ = grace_over => {
            tracing::warn!("streams still open after {SHUTDOWN_GRACE:?}; closing them");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing open check streams");
}
