//! Who may call the API: the page's own origin always, other origins only when
//! named (`--allow-origin`). Browsers send `Origin` on every POST, same-origin
//! included; a caller without one (curl, scripts) is not a browser page and is
//! not subject to the origin check.
//!
//! "Own origin" is only trusted for a `Host` the proxy is known by
//! ([`crate::host`]): a DNS-rebinding page is same-origin with whatever name
//! it re-pointed. A named origin needs no such check (a browser never lets a
//! page claim another page's origin), so `--allow-origin` deployments keep
//! working behind any name.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::AppError;
use crate::host::{request_host, Hosts};

/// The origins allowed besides the proxy's own.
#[derive(Debug, Clone, Default)]
pub struct Origins(pub Arc<Vec<String>>);

impl Origins {
    /// True when `origin` was named with `--allow-origin`.
    pub fn named(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.0
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }

    /// CORS headers for the named origins (none when only same origin is allowed).
    pub fn cors(&self) -> Option<CorsLayer> {
        let values: Vec<HeaderValue> = self
            .0
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
            .collect();
        (!values.is_empty()).then(|| {
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(values))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE])
        })
    }
}

/// True when `origin` is the page served from `host` itself.
fn same_origin(origin: &str, host: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    ["http://", "https://"]
        .iter()
        .any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{host}")))
}

/// What the API guard checks: named origins and known hosts.
#[derive(Debug, Clone)]
pub struct Access {
    /// Origins named with `--allow-origin`.
    pub origins: Origins,
    /// `Host` names the proxy is known by.
    pub hosts: Hosts,
}

/// Middleware: a named origin passes; anything else needs a known `Host`
/// (421 otherwise) and, from a browser page, to be that host's own page (403
/// otherwise).
pub async fn guard(State(access): State<Access>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .map(|o| String::from_utf8_lossy(o.as_bytes()).into_owned());
    if origin.as_deref().is_some_and(|o| access.origins.named(o)) {
        return next.run(req).await;
    }
    // Bounded, as it goes into the log and the answer.
    let host: String = request_host(&req)
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    if !access.hosts.knows(&host) {
        tracing::info!(host = %host, "refused a request for an unknown host name");
        return AppError::UnknownHost(host).into_response();
    }
    if let Some(origin) = origin {
        if !same_origin(&origin, &host) {
            tracing::info!(origin = %origin, "refused a cross-origin caller");
            return AppError::OriginNotAllowed(origin).into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_and_named_origins_only() {
        let origins = Origins(Arc::new(vec!["https://ok.example/".into()]));
        let host = "127.0.0.1:8080";
        let allows = |o: &str| origins.named(o) || same_origin(o, host);
        assert!(allows("http://127.0.0.1:8080"));
        assert!(allows("https://ok.example"));
        assert!(!allows("https://evil.example"));
        assert!(!allows("null"));
        assert!(!allows("http://127.0.0.1:8080.evil"));
    }
}
