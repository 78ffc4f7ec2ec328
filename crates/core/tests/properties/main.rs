//! Property tests for core's input-facing code: the list parser and URL
//! normaliser, the share-link codec, the NDJSON line reader and the proxy's
//! deny-list. Each property runs on thousands of generated inputs; the
//! generators lean towards the awkward (unicode, control characters, numeric
//! hosts, chunk boundaries) rather than the typical.
//!
//! `cargo test` runs each property [`DEFAULT_CASES`] times (a few seconds for
//! the whole file in a debug build). `PROPTEST_CASES` overrides that for a long
//! run, one target (module) at a time:
//!
//! ```text
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- share::
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- ndjson::
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- net::
//! PROPTEST_CASES=200000  cargo test --release -p upcheck-core --test properties -- parse::
//! ```
//!
//! A failure is shrunk and printed, and its seed saved under the target
//! directory (`target/tmp/proptest-regressions/`), never in the source tree:
//! the next local run replays it first. A real bug found this way gets a named
//! unit test beside the code it fixes, which is what keeps it fixed in CI.

use proptest::string::{string_regex, RegexGeneratorStrategy};
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm};

mod ndjson;
mod net;
mod parse;
mod share;
mod urls;

/// Cases per property when `PROPTEST_CASES` is not set.
pub const DEFAULT_CASES: u32 = 3_000;

/// The runner configuration every property here uses, with `cases` as the
/// default count (for the few properties whose single case is expensive).
pub fn config_with(cases: u32) -> Config {
    // `Config::default()` has already read the PROPTEST_* variables.
    let from_env = Config::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        from_env.cases
    } else {
        cases
    };
    Config {
        cases,
        // Rejected cases are counted over the whole run, and the generators
        // that filter (public addresses, URLs the `url` crate accepts) reject
        // well under half: allow as many as there are cases, or a long run
        // aborts for want of rejects rather than for a failure.
        max_local_rejects: from_env.max_local_rejects.max(cases),
        // ChaCha, the default, is most of a debug run's time; these tests need
        // varied inputs, not unpredictable ones.
        rng_algorithm: if std::env::var_os("PROPTEST_RNG_ALGORITHM").is_some() {
            from_env.rng_algorithm
        } else {
            RngAlgorithm::XorShift
        },
        // None when PROPTEST_DISABLE_FAILURE_PERSISTENCE is set.
        failure_persistence: from_env.failure_persistence.map(|_| {
            Box::new(FileFailurePersistence::Direct(concat!(
                env!("CARGO_TARGET_TMPDIR"),
                "/proptest-regressions/properties.txt"
            ))) as _
        }),
        ..from_env
    }
}

/// [`config_with`] the default count.
pub fn config() -> Config {
    config_with(DEFAULT_CASES)
}

/// A string strategy from a regex, compiled once. (A bare `&str` strategy
/// recompiles its regex for every value, which triples a debug run.)
pub fn re(pattern: &str) -> RegexGeneratorStrategy<String> {
    string_regex(pattern).expect("a valid regex")
}
