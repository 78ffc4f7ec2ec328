//! The page's I/O: checking sites from the browser or through the proxy,
//! running the pool, share links (compressed by the browser), and keeping the
//! list and settings in local storage.

pub(crate) mod browser;
pub(crate) mod check;
pub(crate) mod engine;
pub(crate) mod pattern;
pub(crate) mod proxy;
pub(crate) mod share;
pub(crate) mod slice;
pub(crate) mod storage;
