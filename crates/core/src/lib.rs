//! Upcheck's core: the pure logic shared by the web page and the proxy.
//!
//! Nothing here does I/O, so it builds for `wasm32-unknown-unknown` and for the
//! host alike. It is the one place for
//! - [`parse`]: turning a pasted list into normalised URLs or per-line errors,
//! - [`outcome`]: the outcome vocabulary every front end shows,
//! - [`result`]: the one result type and the one verdict rule,
//! - [`options`]: per-site options written in the list (`slow=800ms` …),
//! - [`retry`]: retry backoff, `Retry-After`, pacing a host that said 429,
//! - [`wall`]: recognising bot walls,
//! - [`row`]: one site of a list, as every front end holds it,
//! - [`summary`]: run statistics (counts, wall time, sum of latencies, speed-up),
//! - [`status`]: which HTTP statuses count as `up`,
//! - [`policy`]: what a browser will refuse to fetch, decided before fetching,
//! - [`defaults`]: the defaults every front end uses,
//! - [`wire`]: the proxy's request, NDJSON line and health types,
//! - [`net`]: the proxy's deny-list of non-public IP addresses,
//! - [`ndjson`]: splitting a chunked NDJSON stream into lines,
//! - [`vantage`]: vantage points and the combined verdict over them.

pub mod decimal;
pub mod defaults;
pub mod export;
pub mod headers;
pub mod import;
pub mod ndjson;
pub mod net;
pub mod options;
pub mod outcome;
pub mod parse;
pub mod policy;
pub mod result;
pub mod retry;
pub mod row;
pub mod share;
pub mod status;
pub mod summary;
pub mod vantage;
pub mod wall;
pub mod wire;

pub use options::{Expect, SiteOptions};
pub use outcome::Outcome;
pub use parse::{parse_list, Entry, InputError, ListParser, ParsedList};
pub use result::{Answer, BodyCheck, CheckResult, Seen, Span};
pub use row::{Progress, Row};
pub use status::StatusRule;
pub use summary::Tally;
pub use vantage::{Reach, Vantage, Verdict};
