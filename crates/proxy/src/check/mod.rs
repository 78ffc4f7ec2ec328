//! Checks, as the proxy runs them: the engine ([`upcheck_engine`], re-exported
//! here whole) plus what only a server needs — admitting a client's batch
//! ([`clients`]) and streaming it to a reader that may be slow or gone
//! ([`batch`]).

pub use upcheck_engine::*;

pub mod batch;
pub mod clients;
