//! Defaults shared by every front end, so the page and the proxy agree.

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
