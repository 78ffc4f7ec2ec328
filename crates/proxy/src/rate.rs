//! Per-client rate limit on check requests: a token bucket (GCRA, via
//! tower_governor) keyed by the peer address, or by `X-Forwarded-For` only when
//! the proxy is told it sits behind a reverse proxy that sets it.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use governor::middleware::NoOpMiddleware;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use crate::error::AppError;

/// Picks the client address a request is counted against.
#[derive(Debug, Clone, Copy)]
pub struct ClientKey {
    /// Use the last `X-Forwarded-For` entry: the one our reverse proxy added.
    /// Earlier entries are whatever the client claimed, so never those.
    pub trust_forwarded: bool,
}

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        if self.trust_forwarded {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
                .next_back();
            if let Some(ip) = forwarded {
                return Ok(ip);
            }
        }
        // Without a peer address (a router driven in-process), every caller
        // shares one bucket rather than escaping the limit.
        Ok(req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_canonical())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }
}

/// The rate-limit layer type used on `POST /api/check`.
pub type RateLayer = GovernorLayer<ClientKey, NoOpMiddleware, Body>;

/// `per_minute` sustained with bursts of `burst`; `None` if either is zero.
pub fn layer(per_minute: u32, burst: u32, trust_forwarded: bool) -> Option<RateLayer> {
    if per_minute == 0 || burst == 0 {
        return None;
    }
    let period = Duration::from_secs(60) / per_minute;
    let config = GovernorConfigBuilder::default()
        .period(period.max(Duration::from_nanos(1)))
        .burst_size(burst)
        .key_extractor(ClientKey { trust_forwarded })
        .finish()?;
    let config = Arc::new(config);
    // Forget idle clients now and then so the table does not grow forever;
    // the sweeper ends once the router (and so the config) is dropped.
    let sweep = Arc::downgrade(&config);
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(config) = sweep.upgrade() else {
                    return;
                };
                config.limiter().retain_recent();
            }
        });
    }
    Some(GovernorLayer::new(config).error_handler(too_many))
}

fn too_many(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => AppError::RateLimited {
            retry_after: wait_time.max(1),
        }
        .into_response(),
        _ => AppError::Internal.into_response(),
    }
}
