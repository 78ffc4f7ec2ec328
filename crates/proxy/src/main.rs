//! `upcheck-proxy` binary: flags, logging, listening, graceful shutdown.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

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
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    if let Some(dist) = &args.dist {
        if !dist.join("index.html").is_file() {
            eprintln!(
                "upcheck-proxy: {} has no index.html; build the page first (trunk build)",
                dist.display()
            );
            std::process::exit(2);
        }
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("upcheck-proxy: cannot listen on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    let app = upcheck_proxy::app(upcheck_proxy::Config { dist: args.dist });
    tracing::info!("Upcheck is at http://{}/", args.listen);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        eprintln!("upcheck-proxy: {e}");
        std::process::exit(1);
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
    tracing::info!("shutting down");
}
