//! What the page keeps in `localStorage`: the list as typed and the settings.
//! Saved on every edit, restored on load, so a reload or a crashed run never
//! loses a list. Storage may be missing or full (private mode, quota): then
//! the page works without it.

use gloo_storage::{LocalStorage, Storage};

use crate::components::Settings;

const LIST_KEY: &str = "upcheck.list.v1";
const SETTINGS_KEY: &str = "upcheck.settings.v1";

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
