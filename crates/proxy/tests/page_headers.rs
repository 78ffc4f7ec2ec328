//! The served page carries its security headers: a Content-Security-Policy
//! with no inline script but trunk's loader (by hash), nosniff, no referrer;
//! `index.html` is revalidated, hashed assets are cached for good. The dist
//! folder is made here the way trunk lays it out.

use aws_lc_rs::digest::{digest, SHA256};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use std::path::PathBuf;
use tower::ServiceExt;
use upcheck_proxy::{app, Config};

const HASH: &str = "5e0c1b2a9d8f7e6d";

/// What trunk 0.21 writes between `<script type="module">` and `</script>`.
fn loader() -> String {
    format!(
        "\nimport init, * as bindings from './upcheck-{HASH}.js';\n\
         const wasm = await init({{ module_or_path: './upcheck-{HASH}_bg.wasm' }});\n\n\
         window.wasmBindings = bindings;\n\n\
         dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {{detail: {{wasm}}}}));\n\n"
    )
}

struct Dist(PathBuf);

impl Dist {
    fn new(tag: &str) -> Dist {
        let dir = std::env::temp_dir().join(format!("upcheck-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let index = format!(
            "<!DOCTYPE html><html><head><title>Upcheck</title>\
             <link rel=\"stylesheet\" href=\"./style-0a1b2c3d4e5f6071.css\" />\
             <link rel=\"modulepreload\" href=\"./upcheck-{HASH}.js\" crossorigin=\"anonymous\" />\
             </head><body><main id=\"app\"></main>\
             <script type=\"module\">{}</script></body></html>",
            loader()
        );
        for (name, content) in [
            ("index.html".to_owned(), index),
            (format!("upcheck-{HASH}.js"), "export default 1;".to_owned()),
            (format!("upcheck-{HASH}_bg.wasm"), "\0asm".to_owned()),
            ("style-0a1b2c3d4e5f6071.css".to_owned(), "main{}".to_owned()),
            ("favicon.svg".to_owned(), "<svg/>".to_owned()),
        ] {
            std::fs::write(dir.join(name), content).unwrap();
        }
        Dist(dir)
    }

    fn router(&self) -> Router {
        app(Config {
            dist: Some(self.0.clone()),
            ..Config::default()
        })
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn get(router: &Router, path: &str) -> (StatusCode, HeaderMap, String) {
    let req = Request::get(path).body(Body::empty()).unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name}: {headers:?}"))
}

/// The directives of a policy, by name.
fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
}

fn assert_common(path: &str, headers: &HeaderMap) {
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{path}"
    );
    assert_eq!(header(headers, "referrer-policy"), "no-referrer", "{path}");
    let policy = header(headers, "content-security-policy");
    let script = directive(policy, "script-src");
    assert!(
        script.starts_with("script-src 'self' 'wasm-unsafe-eval'"),
        "{script}"
    );
    for unsafe_source in ["'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:"] {
        assert!(!script.split(' ').any(|s| s == unsafe_source), "{script}");
    }
    for wanted in [
        "default-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' http: https:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ] {
        let name = wanted.split(' ').next().unwrap();
        assert_eq!(directive(policy, name), wanted, "{path}");
    }
}

#[tokio::test]
async fn the_page_and_its_deep_links_allow_only_trunks_loader() {
    let dist = Dist::new("csp");
    let router = dist.router();
    let hash =
        base64::engine::general_purpose::STANDARD.encode(digest(&SHA256, loader().as_bytes()));
    for path in [
        "/",
        "/index.html",
        "/some/deep/link",
        "/upcheck-ffffffffffffffff.js",
    ] {
        let (status, headers, body) = get(&router, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("<main id=\"app\">"), "{path}: {body}");
        assert_common(path, &headers);
        let policy = header(&headers, "content-security-policy");
        assert_eq!(
            directive(policy, "script-src"),
            format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{hash}'"),
            "{path}"
        );
        assert!(header(&headers, "content-type").starts_with("text/html"));
        // Names the current build's assets: always revalidated, even where a
        // missing asset's path fell back to it.
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn a_rebuilt_page_gets_a_fresh_hash_without_a_restart() {
    let dist = Dist::new("rebuild");
    let router = dist.router();
    let (_, before, _) = get(&router, "/").await;
    std::fs::write(
        dist.0.join("index.html"),
        "<html><body><script type=\"module\">import './other.js';</script></body></html>",
    )
    .unwrap();
    let (_, after, _) = get(&router, "/").await;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(digest(&SHA256, b"import './other.js';"));
    assert_ne!(
        header(&before, "content-security-policy"),
        header(&after, "content-security-policy")
    );
    assert!(header(&after, "content-security-policy").contains(&format!("'sha256-{hash}'")));
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_other_files_revalidated() {
    let dist = Dist::new("cache");
    let router = dist.router();
    for (path, kind) in [
        (format!("/upcheck-{HASH}.js"), "javascript"),
        (format!("/upcheck-{HASH}_bg.wasm"), "application/wasm"),
        ("/style-0a1b2c3d4e5f6071.css".to_owned(), "text/css"),
    ] {
        let (status, headers, _) = get(&router, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_common(&path, &headers);
        assert!(header(&headers, "content-type").contains(kind), "{path}");
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
    }
    let (status, headers, _) = get(&router, "/favicon.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert_common("/favicon.svg", &headers);
    assert_eq!(header(&headers, "cache-control"), "no-cache");
}

#[tokio::test]
async fn a_page_started_from_a_file_gets_exactly_self_and_wasm() {
    // How Upcheck's own build starts (Trunk.toml's pattern_script): no inline
    // script, so no hash, so the policy a static host can copy as is.
    let dist = Dist::new("start-file");
    let index = format!(
        "<!DOCTYPE html><html><head><title>Upcheck</title>\
         <script type=\"module\" src=\"./start.js\" data-js=\"./upcheck-{HASH}.js\" \
         data-wasm=\"./upcheck-{HASH}_bg.wasm\"></script></head>\
         <body><main id=\"app\"></main></body></html>"
    );
    std::fs::write(dist.0.join("index.html"), index).unwrap();
    std::fs::write(dist.0.join("start.js"), "await import('./x.js');").unwrap();
    let (status, headers, _) = get(&dist.router(), "/").await;
    assert_eq!(status, StatusCode::OK);
    let policy = header(&headers, "content-security-policy");
    assert_eq!(
        directive(policy, "script-src"),
        "script-src 'self' 'wasm-unsafe-eval'"
    );
    let (_, headers, _) = get(&dist.router(), "/start.js").await;
    assert_eq!(header(&headers, "cache-control"), "no-cache");
}

#[tokio::test]
async fn assets_go_precompressed_to_browsers_that_accept_it() {
    let dist = Dist::new("precompressed");
    let wasm = format!("upcheck-{HASH}_bg.wasm");
    // What build_page writes beside each asset (the bytes only need to differ).
    std::fs::write(dist.0.join(format!("{wasm}.br")), "BROTLI").unwrap();
    std::fs::write(dist.0.join(format!("{wasm}.gz")), "GZIP").unwrap();
    let router = dist.router();
    let path = format!("/{wasm}");
    for (accept, encoding, body) in [
        (Some("gzip, deflate, br"), Some("br"), "BROTLI"),
        (Some("gzip"), Some("gzip"), "GZIP"),
        (None, None, "\0asm"),
    ] {
        let mut req = Request::get(&path);
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        let resp = router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{accept:?}");
        let headers = resp.headers().clone();
        assert_eq!(
            headers
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            encoding,
            "{accept:?}"
        );
        // Still the wasm's type, its security headers and its cache lifetime.
        assert!(header(&headers, "content-type").contains("application/wasm"));
        assert_common(&path, &headers);
        assert_eq!(
            header(&headers, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&headers, "vary"), "accept-encoding", "{accept:?}");
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], body.as_bytes(), "{accept:?}");
    }
}
