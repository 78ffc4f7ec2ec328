//! Per-client rate limit on check requests: a token bucket (GCRA, via
//! tower_governor) keyed by [`client_key`]: the peer address, or the entry
//! our own reverse proxy appended to `X-Forwarded-For` when told it sits
//! behind one.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap, Request};
use axum::response::{IntoResponse, Response};
use governor::middleware::NoOpMiddleware;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use crate::error::AppError;

/// The address a request is counted against: the peer, or with
/// `trust_forwarded` the rightmost `X-Forwarded-For` entry, which is the one
/// the operator's own reverse proxy appended. Every earlier entry is whatever
/// the client claimed, so none is ever used, not even when the rightmost one
/// is unreadable: then the peer (the reverse proxy) is the key, which limits
/// too much rather than letting a forged entry through.
///
/// IPv6 clients are keyed by their /64, the smallest block a site is usually
/// given, so one client cannot mint fresh buckets from its own prefix;
/// IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
pub fn client_key(peer: IpAddr, headers: &HeaderMap, trust_forwarded: bool) -> IpAddr {
    let claimed = if trust_forwarded {
        rightmost_forwarded(headers)
    } else {
        None
    };
    match claimed.unwrap_or(peer).to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !(u128::MAX >> 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

/// The last entry of the last `X-Forwarded-For` line, if it is an address
/// (bare, or with a port as some proxies write it).
fn rightmost_forwarded(headers: &HeaderMap) -> Option<IpAddr> {
    let last_line = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last_line.to_str().ok()?.rsplit(',').next()?.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
}

/// [`client_key`] for a request: its peer address from the connection. Without
/// one (a router driven in-process) every caller is one client, sharing one
/// bucket and one set of caps rather than escaping them. The rate limit and
/// the per-client caps both count clients with this.
pub fn request_client(
    extensions: &Extensions,
    headers: &HeaderMap,
    trust_forwarded: bool,
) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    client_key(peer, headers, trust_forwarded)
}

/// [`client_key`] as tower_governor's key extractor.
#[derive(Debug, Clone, Copy)]
pub struct ClientKey {
    /// Use the last `X-Forwarded-For` entry: the one our reverse proxy added.
    pub trust_forwarded: bool,
}

impl KeyExtractor for ClientKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(request_client(
            req.extensions(),
            req.headers(),
            self.trust_forwarded,
        ))
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
        // Our key extractor never fails, so these cannot happen; if one ever
        // does, the caller still gets a JSON error.
        GovernorError::UnableToExtractKey | GovernorError::Other { .. } => {
            AppError::Internal.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    #[test]
    fn ipv6_callers_share_their_64() {
        let none = HeaderMap::new();
        let key = |s| client_key(ip(s), &none, false);
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2:abcd::9"), ip("2001:db8:1:2::"));
        // IPv4 keeps its full address, mapped or not.
        assert_eq!(key("::ffff:203.0.113.7"), ip("203.0.113.7"));
        assert_ne!(key("203.0.113.7"), key("203.0.113.8"));
    }

    #[test]
    fn only_the_rightmost_forwarded_entry_counts() {
        let peer = ip("10.0.0.1");
        let key = |lines: &[&str]| client_key(peer, &forwarded(lines), true);
        assert_eq!(key(&["198.51.100.1, 203.0.113.5"]), ip("203.0.113.5"));
        assert_eq!(key(&["198.51.100.1", "203.0.113.5"]), ip("203.0.113.5"));
        assert_eq!(key(&["203.0.113.5:4711"]), ip("203.0.113.5"));
        assert_eq!(key(&["[2001:db8::1]:4711"]), ip("2001:db8::"));
        assert_eq!(key(&["::ffff:203.0.113.5"]), ip("203.0.113.5"));
        // A forged left entry cannot pick the key…
        assert_eq!(
            key(&["1.2.3.4, 203.0.113.5"]),
            key(&["5.6.7.8, 203.0.113.5"])
        );
        // …nor slip through behind a garbage right entry: the peer is used.
        for garbage in [
            "203.0.113.9, nonsense",
            "203.0.113.9,",
            "203.0.113.9, unknown",
        ] {
            assert_eq!(key(&[garbage]), peer, "{garbage}");
        }
        assert_eq!(key(&["203.0.113.9", "garbage"]), peer);
        // Not trusted: the header is ignored altogether.
        assert_eq!(client_key(peer, &forwarded(&["203.0.113.5"]), false), peer);
    }
}
