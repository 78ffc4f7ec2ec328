//! upcheck-proxy: the optional server beside the page.
//!
//! It serves the built page (`dist/`) and, on the same origin, the check API
//! (DESIGN.md "Proxy mode — API v1"). [`app`] builds the whole [`Router`] from a
//! [`Config`], so tests drive it without a socket.

use axum::{routing::get, Json, Router};
use serde::Serialize;
use std::path::PathBuf;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

/// Everything the proxy needs to know at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The built page to serve at `/`; `None` serves the API only.
    pub dist: Option<PathBuf>,
}

/// `GET /api/health` body.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `upcheck-proxy`, so the page can tell it found one.
    pub name: &'static str,
    /// The proxy's version.
    pub version: &'static str,
    /// Limits in force.
    pub limits: serde_json::Value,
}

/// The whole application: API routes plus the static page.
pub fn app(config: Config) -> Router {
    let api = Router::new().route("/api/health", get(health));
    let router = match &config.dist {
        Some(dist) => {
            // Unknown paths fall back to index.html so the page works from deep links.
            let index = ServeFile::new(dist.join("index.html"));
            api.fallback_service(ServeDir::new(dist).fallback(index))
        }
        None => api,
    };
    router.layer(TraceLayer::new_for_http())
}

async fn health() -> Json<Health> {
    Json(Health {
        name: "upcheck-proxy",
        version: env!("CARGO_PKG_VERSION"),
        limits: serde_json::json!({}),
    })
}
