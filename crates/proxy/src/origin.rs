//! Who may call the API: the page's own origin always, other origins only when
//! named (`--allow-origin`). Browsers send `Origin` on every POST, same-origin
//! included; a caller without one (curl, scripts) is not a browser page and is
//! not subject to this check.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::AppError;

/// The origins allowed besides the proxy's own.
#[derive(Debug, Clone, Default)]
pub struct Origins(pub Arc<Vec<String>>);

impl Origins {
    /// True when a request carrying `origin` may use the API.
    pub fn allows(&self, origin: &str, headers: &HeaderMap) -> bool {
        let origin = origin.trim_end_matches('/');
        if self
            .0
            .iter()
            .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
        {
            return true;
        }
        // Same origin: the page was loaded from this very host.
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        ["http://", "https://"]
            .iter()
            .any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{host}")))
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

/// Middleware: 403 for a browser page on an origin that is not allowed.
pub async fn guard(State(origins): State<Origins>, req: Request, next: Next) -> Response {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let text = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        if !origins.allows(&text, req.headers()) {
            tracing::info!(origin = %text, "refused a cross-origin caller");
            return AppError::OriginNotAllowed(text).into_response();
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
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(origins.allows("http://127.0.0.1:8080", &headers));
        assert!(origins.allows("https://ok.example", &headers));
        assert!(!origins.allows("https://evil.example", &headers));
        assert!(!origins.allows("null", &headers));
        assert!(!origins.allows("http://127.0.0.1:8080.evil", &headers));
    }
}
