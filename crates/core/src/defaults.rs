//! Defaults shared by every front end, so the page and the proxy agree.
//! (The request's default method is `wire::Method::default()`.)

/// Checks in flight at once in the page unless the person changes it.
pub const CONCURRENCY: u32 = 16;
/// Smallest concurrency the page accepts (1 = sequential).
pub const MIN_CONCURRENCY: u32 = 1;
/// Largest concurrency the page accepts; Chromium caps sockets at 256 anyway.
pub const MAX_CONCURRENCY: u32 = 256;
/// Per-check deadline in milliseconds.
pub const TIMEOUT_MS: u32 = 10_000;
/// Shortest per-check deadline accepted.
pub const MIN_TIMEOUT_MS: u32 = 100;
/// Longest per-check deadline accepted.
pub const MAX_TIMEOUT_MS: u32 = 120_000;
/// Longest URL accepted from a pasted list; longer lines are almost always garbage.
pub const MAX_URL_LEN: usize = 4096;

/// Redirects the proxy follows when a check request does not say.
pub const MAX_REDIRECTS: u32 = 10;
/// Most redirects a check request may ask the proxy to follow.
pub const MAX_REDIRECTS_CAP: u32 = 20;
/// Most URLs in one `POST /api/check` unless the proxy is configured otherwise;
/// matches the largest paste the page is built for.
pub const PROXY_MAX_URLS: usize = 10_000;
/// Checks in flight at once within one batch on the proxy (Chromium's socket cap).
pub const PROXY_BATCH_CONCURRENCY: usize = 256;
/// Checks in flight at once to one target `host:port` (a browser's per-host cap).
pub const PROXY_PER_HOST: usize = 6;
/// Certificates closer to expiry than this many days get a warning.
pub const CERT_WARN_DAYS: i64 = 14;
