//! The page's I/O: checking sites from the browser or through the proxy,
//! running the pool, and keeping the list and settings in local storage.

pub mod browser;
pub mod check;
pub mod engine;
pub mod proxy;
pub mod storage;
