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

use super::slice::Slice;

use crate::model::Settings;

/// A result kept from an earlier visit, with the site's history, as read
/// back (`save_results` writes the same JSON from borrowed rows).
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

/// Keeps every finished row's result for the next visit. A long list's
/// JSON is megabytes: it is written a slice at a time, handing the main
/// thread back every few milliseconds (like the pool and the list reader),
/// and stored in one piece at the end unless `still_wanted` says a later
/// save has begun since.
pub(crate) async fn save_results(rows: Vec<Rc<Row>>, still_wanted: impl Fn() -> bool) {
    /// The same JSON as [`Saved`], borrowed.
    #[derive(Serialize)]
    struct SavedRef<'a> {
        result: &'a CheckResult,
        history: &'a [Outcome],
    }
    if rows.len() > MAX_SAVED {
        LocalStorage::delete(RESULTS_KEY);
        return;
    }
    let mut json = String::from("{");
    let slice = Slice::new();
    for row in rows.iter().filter(|r| r.outcome() != Outcome::Invalid) {
        let Some(result) = row.result() else { continue };
        let saved = SavedRef {
            result,
            history: &row.history,
        };
        let (Ok(url), Ok(saved)) = (
            serde_json::to_string(&row.url),
            serde_json::to_string(&saved),
        ) else {
            continue;
        };
        if json.len() > 1 {
            json.push(',');
        }
        json.push_str(&url);
        json.push(':');
        json.push_str(&saved);
        slice.turn().await;
    }
    json.push('}');
    if still_wanted() {
        // Failures (quota, disabled storage) are ignored, as for the list.
        let _ = LocalStorage::raw().set_item(RESULTS_KEY, &json);
        LocalStorage::delete(OLD_RESULTS_KEY);
    }
}
