//! The page as the tests read it, shared by both page drivers: the in-page
//! browser tests (`tests/browser.rs`, wasm-bindgen-test) and the WebDriver
//! end-to-end tests (`tests/e2e/page.rs`). The same JavaScript reads the rows
//! and the summary in both, into the same types, so the two layers can never
//! disagree on what a row says. The attributes it reads (`data-url`,
//! `data-state`, `data-line`, `data-tries`, `data-flaky`, `#summary[data-*]`) are the page's contract for
//! scripts and tests (README, "What it is").

use serde::Deserialize;

/// Every result row: `{url, state, line, tries, flaky, text}` in list order.
pub const ROWS_JS: &str = "return Array.from(document.querySelectorAll('#results li.row'), r => ({
    url: r.dataset.url, state: r.dataset.state, line: Number(r.dataset.line),
    tries: r.dataset.tries === undefined ? null : Number(r.dataset.tries),
    flaky: r.dataset.flaky === 'true', text: r.innerText }));";

/// The summary bar, or `null` before the first run.
pub const SUMMARY_JS: &str = "const s = document.querySelector('#summary');
    if (!s || s.dataset.total === undefined) return null;
    const d = s.dataset;
    return { done: Number(d.done), total: Number(d.total), sum_ms: Number(d.sumMs),
             flaky: d.flaky === undefined ? 0 : Number(d.flaky),
             wall_ms: d.wallMs === undefined ? null : Number(d.wallMs),
             read_ms: d.readMs === undefined ? null : Number(d.readMs), text: s.innerText };";

/// One result row: `li.row`.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// `data-url`: the normalised URL (the text as written for invalid lines).
    pub url: String,
    /// `data-state`: the outcome.
    pub state: String,
    /// `data-line`: the list line it came from.
    pub line: usize,
    /// `data-tries`: tries the finished check made (absent until it finished).
    pub tries: Option<u32>,
    /// `data-flaky="true"`: it answered, but only after a retry.
    pub flaky: bool,
    /// The row's visible text.
    pub text: String,
}

/// The summary bar: `#summary`.
#[derive(Debug, Clone, Deserialize)]
pub struct Summary {
    /// `data-done`.
    pub done: usize,
    /// `data-total`.
    pub total: usize,
    /// `data-sum-ms`: the sum of every check's time.
    pub sum_ms: f64,
    /// `data-flaky`: rows that passed only after a retry.
    pub flaky: usize,
    /// `data-wall-ms`: present once the run finished.
    pub wall_ms: Option<f64>,
    /// `data-read-ms`: how long reading the list took.
    pub read_ms: Option<f64>,
    /// The bar's visible text.
    pub text: String,
}

/// The row for `url`; panics naming every row when there is none.
pub fn row<'a>(rows: &'a [Row], url: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.url == url)
        .unwrap_or_else(|| panic!("no row for {url}; rows: {rows:#?}"))
}

/// The outcome shown for `url`, or `(no row)`: a test's assertion then says
/// which page (and browser) lacked it.
pub fn state_of<'a>(rows: &'a [Row], url: &str) -> &'a str {
    rows.iter()
        .find(|r| r.url == url)
        .map_or("(no row)", |r| r.state.as_str())
}
