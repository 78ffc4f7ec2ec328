//! What the page keeps in `localStorage`: the list as typed, the settings and
//! the last results (shown greyed as stale after a reload).
//! Saved on every edit, restored on load, so a reload or a crashed run never
//! loses a list. Storage may be missing or full (private mode, quota): then
//! the page works without it.

use gloo_storage::{LocalStorage, Storage};
use std::collections::HashMap;
use std::rc::Rc;
use upcheck_core::Outcome;

use crate::components::Settings;
use crate::state::{Row, SavedResult};

const LIST_KEY: &str = "upcheck.list.v1";
const SETTINGS_KEY: &str = "upcheck.settings.v1";
const RESULTS_KEY: &str = "upcheck.results.v1";

/// Sites whose results are kept; past this a list's results are not saved
/// (localStorage holds about 5 MB per origin).
const MAX_SAVED: usize = 20_000;

/// The saved list, or an empty one.
pub fn load_list() -> String {
    LocalStorage::get(LIST_KEY).unwrap_or_default()
}

/// Saves the list; failures (quota, disabled storage) are ignored on purpose.
pub fn save_list(text: &str) {
    let _ = LocalStorage::set(LIST_KEY, text);
}

/// The saved settings, or the defaults (also when saved ones no longer parse).
pub fn load_settings() -> Settings {
    LocalStorage::get(SETTINGS_KEY).unwrap_or_default()
}

/// Saves the settings.
pub fn save_settings(settings: &Settings) {
    let _ = LocalStorage::set(SETTINGS_KEY, settings);
}

/// Results of the last run, by normalised URL.
pub fn load_results() -> HashMap<String, SavedResult> {
    LocalStorage::get(RESULTS_KEY).unwrap_or_default()
}

/// Keeps every finished row's result for the next visit.
pub fn save_results(rows: &[Rc<Row>]) {
    if rows.len() > MAX_SAVED {
        LocalStorage::delete(RESULTS_KEY);
        return;
    }
    let saved: HashMap<&str, SavedResult> = rows
        .iter()
        .filter(|r| r.outcome.is_final() && r.outcome != Outcome::Invalid)
        .map(|r| {
            let result = SavedResult {
                outcome: r.outcome,
                status: r.status,
                latency_ms: r.latency_ms,
                detail: r.detail.clone(),
                history: r.history.clone(),
            };
            (r.url.as_str(), result)
        })
        .collect();
    let _ = LocalStorage::set(RESULTS_KEY, saved);
}
