//! Serving the built page (`dist/`) with security headers.
//!
//! The Content-Security-Policy allows scripts from the page's own origin and
//! WebAssembly compilation, and no inline script. Upcheck's own build has
//! none (the wasm is started by `static/start.js`, see `Trunk.toml`), so its
//! policy is exactly `script-src 'self' 'wasm-unsafe-eval'`. A `dist/` built
//! with trunk's default inline loader still works: the hash of each inline
//! script goes into `script-src`, computed from the very `index.html` bytes
//! each response carries, so a rebuilt page never meets a stale policy and a
//! script injected into the DOM later matches no hash.
//!
//! Compression: the assets are compressed once, at build time (brotli and
//! gzip files beside each, see `scripts/setup.sh`), and served by what the
//! browser accepts; `index.html` is small and sent as is.
//!
//! Caching: `index.html` (and the deep-link fallback to it) must be revalidated,
//! since it names the current build's assets; files trunk named with a content
//! hash (`name-<hex>.js`, `name-<hex>_bg.wasm`, …) never change, so browsers
//! may keep them for a year.

use aws_lc_rs::digest::{digest, SHA256};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;

use crate::error::AppError;

/// The policy for every page response, before the loader's hash. Each part:
/// scripts only from here (plus the loader's hash) and wasm compilation;
/// styles only from the stylesheet, except `style` attributes, which Yew sets
/// for the timing bars and the virtual list's padding; `connect-src` allows
/// any http(s) site because direct mode fetches the sites being checked and
/// the *Proxy* field may name another origin; no plugins, no `<base>`
/// rewriting, and no framing (clickjacking).
const POLICY_SCRIPT: &str = "script-src 'self' 'wasm-unsafe-eval'";
const POLICY_REST: &str = "default-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data:; \
     connect-src 'self' http: https:; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// The page's routes: `index.html` at `/`, the files of `dist/`, and
/// `index.html` again for any other path, so deep links work.
pub fn router(dist: &Path) -> Router {
    let dist = Arc::new(dist.to_path_buf());
    let index = get(index).with_state(dist.clone());
    Router::new()
        .route_service("/", index.clone())
        .route_service("/index.html", index.clone())
        .fallback_service(
            ServeDir::new(dist.as_ref())
                .append_index_html_on_directories(false)
                // `build_page` writes `.br` and `.gz` beside each asset: a
                // browser that accepts one gets it (`Vary: accept-encoding`),
                // with no compression work per request.
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index),
        )
        .layer(middleware::from_fn(headers))
}

/// `index.html` with a policy naming the hashes of its inline scripts.
async fn index(State(dist): State<Arc<PathBuf>>) -> Response {
    let html = match tokio::fs::read(dist.join("index.html")).await {
        Ok(html) => html,
        Err(e) => {
            tracing::error!("cannot read {}/index.html: {e}", dist.display());
            return AppError::Internal.into_response();
        }
    };
    let policy = HeaderValue::from_str(&policy(&String::from_utf8_lossy(&html)));
    let mut resp = (StatusCode::OK, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(policy) = policy {
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    resp
}

/// The Content-Security-Policy for a page whose HTML is `html`.
pub fn policy(html: &str) -> String {
    let mut script = POLICY_SCRIPT.to_owned();
    // Browsers hash the script as parsed, after HTML's newline normalisation.
    let html = html.replace("\r\n", "\n").replace('\r', "\n");
    for body in inline_scripts(&html) {
        let hash = BASE64.encode(digest(&SHA256, body.as_bytes()));
        script.push_str(&format!(" 'sha256-{hash}'"));
    }
    format!("{POLICY_REST}; {script}")
}

/// The text of each non-empty inline `<script>` element, exactly as the
/// browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    // ASCII lowercasing keeps every byte offset, so positions found in
    // `lower` slice `html`.
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = lower[at..].find("<script").map(|i| at + i) {
        let after_name = open + "<script".len();
        let Some(tag_end) = lower[after_name..].find('>').map(|i| after_name + i) else {
            break;
        };
        let is_script = lower[after_name..]
            .starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/');
        let body_start = tag_end + 1;
        let Some(close) = lower[body_start..].find("</script").map(|i| body_start + i) else {
            break;
        };
        if is_script && !html[body_start..close].is_empty() {
            found.push(&html[body_start..close]);
        }
        at = close;
    }
    found
}

/// Middleware for every page response: the common security headers, the
/// policy without hashes where no handler set one (a directly opened SVG
/// cannot run script either), and the cache lifetime.
async fn headers(req: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path());
    let mut resp = next.run(req).await;
    let ok = resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED;
    set_security_headers(resp.headers_mut());
    let h = resp.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        let cache = if hashed && ok {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    resp
}

fn set_security_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(policy) = HeaderValue::from_str(&format!("{POLICY_REST}; {POLICY_SCRIPT}")) {
            h.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
}

/// True for a file trunk named with a content hash: `stem-<hex>.ext` or
/// `stem-<hex>_bg.wasm`, the hash a 64-bit number in hex (leading zeros
/// dropped, so at least 8 digits is all but certain).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_name, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html = "<head><script type=\"module\" src=\"./a.js\"></script>\
             <SCRIPT type=\"module\">\nimport init from './x-1.js';\n</SCRIPT>\
             <scripts>no</scripts><script>b()</script></head>";
        assert_eq!(
            inline_scripts(html),
            ["\nimport init from './x-1.js';\n", "b()"]
        );
        assert!(inline_scripts("<script>unterminated").is_empty());
    }

    #[test]
    fn hash_matches_the_csp_spec_example() {
        // The example in CSP Level 3, "hash-source": alert('Hello, world.');
        assert!(policy("<script>alert('Hello, world.');</script>")
            .contains("'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"));
        // A file saved with CRLF is hashed as the browser parses it.
        assert_eq!(
            policy("<script>\r\na();\rb();\n</script>"),
            policy("<script>\na();\nb();\n</script>")
        );
    }

    #[test]
    fn hashed_asset_names() {
        for hashed in [
            "/upcheck-5e0c1b2a9d8f7e6d.js",
            "/upcheck-5e0c1b2a9d8f7e6d_bg.wasm",
            "/style-0a1b2c3d4e5f6071.css",
        ] {
            assert!(is_hashed_asset(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/favicon.svg",
            "/index.html",
            "/some-page.js",
            "/a-b/c",
        ] {
            assert!(!is_hashed_asset(plain), "{plain}");
        }
    }
}
