//! Property tests for core's input-facing code: the list parser and URL
//! normaliser, the share-link format, the NDJSON line reader and the proxy's
//! deny-list. Each property runs on thousands of generated inputs; the
//! generators lean towards the awkward (unicode, control characters, numeric
//! hosts, chunk boundaries) rather than the typical.
//!
//! `cargo test` runs each property [`DEFAULT_CASES`] times (2,000 for the
//! share-link ones): about 15 s of CPU for the whole file in a debug build.
//! `PROPTEST_CASES` overrides the count for a long run, best one target
//! (module) at a time, in release:
//!
//! ```text
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- net::
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- urls::
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- parse::
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- share::
//! PROPTEST_CASES=1000000 cargo test --release -p upcheck-core --test properties -- ndjson::
//! ```
//!
//! Measured in release on a shared 2-core machine: the `net` properties run
//! 0.15-1.3 million cases a second; the single-URL ones (`urls`, `parse`'s
//! fixed point and errors) and the reader's small streams 25,000-40,000; the
//! whole-list, share round-trip and 64 KiB-line ones 5,000-9,000, so a
//! million of one of those is a few minutes. Add `--test-threads=1` to leave
//! the other core free.
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
