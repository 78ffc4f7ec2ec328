//! The page's I/O: checking sites from the browser and running the pool.

pub mod check;
pub mod engine;
