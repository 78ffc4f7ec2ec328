//! upcheck-proxy: the optional server beside the page.
//!
//! It serves the built page (`dist/`) and, on the same origin, the check API
//! (docs/API.md): `GET /api/health` and a streamed
//! `POST /api/check` that resolves, connects, handshakes and asks each site
//! itself, so it can report status, redirects, timings and certificates that a
//! browser hides. It refuses non-public addresses (SSRF) unless a test switch
//! allows loopback. [`app`] builds the whole [`Router`] from a [`Config`], so
//! tests drive it without a socket; [`serve`] runs it on a listener.
//!
//! Modules: [`config`] (start-up settings), [`api`] (handlers), [`check`] (the
//! check engine, `upcheck-engine`: tries and pacing, dns, guard, connect, tls,
//! http, a bounded body prefix, redirects, limits; and the server's own part,
//! admitting and streaming batches), [`origin`] and
//! [`host`] (who may call, under which name), [`rate`] (per-client rate
//! limit), [`body`] (request body deadline), [`listener`] (connection cap and
//! head timeout), [`page`] (the static page and its security headers),
//! [`error`] (the API's error type).

pub mod api;
pub mod body;
pub mod check;
pub mod config;
pub mod error;
pub mod host;
pub mod listener;
pub mod origin;
pub mod page;
pub mod rate;

/// Name resolution (the engine's), part of the proxy's [`Config`].
pub use upcheck_engine::dns;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use error::AppError;

/// The whole application: API routes plus the static page.
pub fn app(config: Config) -> Router {
    if config.insecure_allow_loopback {
        tracing::warn!(
            "INSECURE: --insecure-allow-loopback is on: loopback targets (127.0.0.0/8, ::1) \
             will be checked. This is a test switch; never run a shared proxy like this."
        );
    }
    let state = Arc::new(api::AppState {
        checker: Arc::new(check::Checker::new(&config.engine())),
        clients: check::clients::Clients::new(
            config.max_batches_per_client,
            config.max_checks_per_client,
        ),
        trust_forwarded: config.trust_forwarded,
        write_stall: config.write_stall,
        limits: api::limits(&config),
        label: config.label.clone(),
    });
    let origins = origin::Origins(Arc::new(config.allow_origins.clone()));
    let access = origin::Access {
        origins: origins.clone(),
        hosts: host::Hosts::new(config.listen, &config.public_hosts),
    };
    let body_limits = body::BodyLimits {
        timeout: config.request_read_timeout,
        max_bytes: config.max_body_bytes,
    };

    let mut check_route = post(api::check)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            body_limits,
            body::read_whole,
        ));
    if let Some(rate) = config
        .rate_per_minute
        .and_then(|per_minute| rate::layer(per_minute, config.rate_burst, config.trust_forwarded))
    {
        check_route = check_route.layer(rate);
    }
    let mut api = Router::new()
        .route("/api/health", get(api::health))
        .route("/api/check", check_route)
        .route_layer(middleware::from_fn_with_state(access, origin::guard))
        .with_state(state);
    if let Some(cors) = origins.cors() {
        api = api.layer(cors);
    }
    let router = match &config.dist {
        Some(dist) => api.fallback_service(page::router(dist)),
        None => api,
    };
    router.layer(TraceLayer::new_for_http())
}

/// Serves [`app`] on `listener` until `shutdown` resolves, then lets open
/// requests (streams included) finish. The peer address is made available for
/// rate limiting; `config.listen` is filled in from the listener so checks
/// aimed at the proxy itself are refused and the API knows its own `Host`.
/// At most `config.max_connections` are open at once, and a request head
/// must arrive within `config.request_read_timeout` ([`listener`]).
pub async fn serve(
    listener: TcpListener,
    mut config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if config.listen.is_none() {
        config.listen = listener.local_addr().ok();
    }
    let limits = listener::ConnLimits {
        max_connections: config.max_connections,
        head_timeout: config.request_read_timeout,
    };
    listener::run(listener, app(config), limits, shutdown).await
}
