//! The page's I/O: checking sites from the browser, running the pool, and
//! keeping the list and settings in local storage.

pub mod check;
pub mod engine;
pub mod storage;
