//! The rest of the browser the page talks to: files, the clipboard, downloads,
//! the address bar's fragment, notifications and the tab title. Every call
//! degrades to a message when the browser says no.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Notification, NotificationOptions};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// A file's text; a file over the import cap is refused before it is read.
pub(crate) async fn read_file(file: &File) -> Result<String, String> {
    upcheck_core::import::check_size(&file.name(), file.size() as u64)
        .map_err(|e| e.to_string())?;
    let text = JsFuture::from(file.text())
        .await
        .map_err(|_| format!("{}: the browser could not read this file", file.name()))?;
    text.as_string()
        .ok_or_else(|| format!("{}: not a text file", file.name()))
}

/// `url` with its host name in ASCII (punycode), by the browser's own URL
/// parser: the WHATWG parser the `url` crate also implements, with the
/// browser's UTS-46 tables, so the wasm ships none (the page's lockfile pins
/// the ASCII-only `idna` back end; see Cargo.toml).
pub(crate) fn host_to_ascii(url: &str) -> Result<String, String> {
    web_sys::Url::new(url)
        .map(|u| u.href())
        .map_err(|_| "not a valid URL (the browser's URL parser refused it)".to_owned())
}

/// Takes (reads and removes) the `data-NAME` attribute `<html>` carries from
/// the static page before the app mounted (src/lib.rs, `adopt_early_input`).
pub(crate) fn take_early(name: &str) -> Option<String> {
    let root = window()?.document()?.document_element()?;
    let attribute = format!("data-{name}");
    let value = root.get_attribute(&attribute)?;
    let _ = root.remove_attribute(&attribute);
    Some(value)
}

/// Offers `text` as a download named `name`.
pub(crate) fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |_| format!("the browser refused to save {name}");
    let parts = js_sys::Array::of1(&text.into());
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let link: HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Copies `text` to the clipboard.
pub(crate) async fn copy(text: &str) -> Result<(), String> {
    let clipboard = window().ok_or("no window")?.navigator().clipboard();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(drop)
        .map_err(|_| "the browser did not allow copying (try the download instead)".to_owned())
}

/// The page's address without its fragment.
pub(crate) fn page_address() -> String {
    let href = window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_owned()
}

/// The fragment (with `#`), if any.
pub(crate) fn fragment() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Drops the fragment from the address bar without reloading, so a reload
/// keeps the person's edits instead of reopening the shared list.
pub(crate) fn clear_fragment() {
    if let Some(history) = window().and_then(|w| w.history().ok()) {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page_address()));
    }
}

/// Sets the tab's title.
pub(crate) fn set_title(title: &str) {
    if let Some(document) = window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

/// Asks once for permission to notify; true when granted.
pub(crate) async fn allow_notifications() -> bool {
    if Notification::permission() == web_sys::NotificationPermission::Granted {
        return true;
    }
    let Ok(promise) = Notification::request_permission() else {
        return false;
    };
    matches!(
        JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .as_deref(),
        Some("granted")
    )
}

/// Shows a notification if permission was granted; silently nothing otherwise.
pub(crate) fn notify(title: &str, body: &str) {
    if Notification::permission() != web_sys::NotificationPermission::Granted {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    let _ = Notification::new_with_options(title, &options);
}
