//! What the page keeps in `localStorage`: the list as typed, the settings and
//! the last results (shown greyed as stale after a reload).
//! Saved on every edit, restored on load, so a reload or a crashed run never
//! loses a list. Storage may be missing or full (private mode, quota): then
//! the page works without it.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::rc::Rc;
use upcheck_core::{CheckResult, Outcome, Row};

use crate::model::Settings;

/// A result kept from an earlier visit, with the site's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Saved {
    /// The last result.
    pub(crate) result: CheckResult,
    /// The outcome history.
    #[serde(default)]
    pub(crate) history: Vec<Outcome>,
}

// static/start.js reads this key too, to show the saved list in the static
// page's list box before the wasm arrives.
const LIST_KEY: &str = "upcheck.list.v1";
const PREVIOUS_LIST_KEY: &str = "upcheck.list.previous.v1";
const SETTINGS_KEY: &str = "upcheck.settings.v1";
// v2 nests the one result type; v1's flat copy of its fields is dropped (its
// greyed results are only a convenience, and reading both would cost the page
// serde's buffering code for little).
const RESULTS_KEY: &str = "upcheck.results.v2";
const OLD_RESULTS_KEY: &str = "upcheck.results.v1";

/// Sites whose results are kept; past this a list's results are not saved
/// (localStorage holds about 5 MB per origin).
const MAX_SAVED: usize = 20_000;

/// The saved list, or an empty one.
pub(crate) fn load_list() -> String {
    LocalStorage::get(LIST_KEY).unwrap_or_default()
}

/// Saves the list; failures (quota, disabled storage) are ignored on purpose.
pub(crate) fn save_list(text: &str) {
    let _ = LocalStorage::set(LIST_KEY, text);
}

/// Keeps a list a shared link replaced, so it can be brought back.
pub(crate) fn save_previous_list(text: &str) {
    let _ = LocalStorage::set(PREVIOUS_LIST_KEY, text);
}

/// The list a shared link last replaced, if any.
pub(crate) fn load_previous_list() -> Option<String> {
    LocalStorage::get(PREVIOUS_LIST_KEY).ok()
}

/// The saved settings, or the defaults (also when saved ones no longer parse).
pub(crate) fn load_settings() -> Settings {
    LocalStorage::get(SETTINGS_KEY).unwrap_or_default()
}

/// Saves the settings.
pub(crate) fn save_settings(settings: &Settings) {
    let _ = LocalStorage::set(SETTINGS_KEY, settings);
}

/// Results of the last run, by normalised URL.
pub(crate) fn load_results() -> HashMap<String, Saved> {
    LocalStorage::get(RESULTS_KEY).unwrap_or_default()
}

/// Keeps every finished row's result for the next visit.
pub(crate) fn save_results(rows: &[Rc<Row>]) {
    if rows.len() > MAX_SAVED {
        LocalStorage::delete(RESULTS_KEY);
        return;
    }
    let saved: HashMap<&str, Saved> = rows
        .iter()
        .filter(|r| r.outcome() != Outcome::Invalid)
        .filter_map(|r| {
            let saved = Saved {
                result: r.result()?.clone(),
                history: r.history.clone(),
            };
            Some((r.url.as_str(), saved))
        })
        .collect();
    let _ = LocalStorage::set(RESULTS_KEY, saved);
    LocalStorage::delete(OLD_RESULTS_KEY);
}
