//! Upcheck's web page: a Yew app (client-side rendered, compiled to wasm).
//!
//! Its modules depend one way, each only on those before it:
//! `upcheck_core` ← `model` ← `services` ← `state` ← `components` ← `app`.
//!
//! - `model`: what the person chooses (settings and their validation, the
//!   sort/filter/search view, export formats), pure;
//! - `services`: the I/O (direct checks, the proxy reader, the bounded pool,
//!   local storage, the rest of the browser), reporting through callbacks;
//! - `state`: the page's state and the one path that changes it (an `Action`
//!   handled in `reduce`);
//! - `components`: render and dispatch, no I/O;
//! - `app`: the root component and its hooks (the list, the run controls,
//!   exports, watch mode…).
//!
//! [`App`] is public so browser tests can mount it on a test page; everything
//! else is `pub(crate)`, so the compiler reports what nothing uses.

mod app;
mod components;
mod model;
mod services;
mod state;

pub use app::App;

/// Mounts the app on `#app` (falls back to `<body>`), replacing the static
/// page `index.html` shows before the wasm arrives. What was typed into that
/// page's list box is kept (see [`adopt_early_input`]).
pub fn mount() {
    let document = document();
    count_policy_violations(&document);
    match document.get_element_by_id("app") {
        Some(root) => {
            adopt_early_input(&document);
            root.set_inner_html("");
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

/// Before the wasm arrives, `index.html`'s static list box takes input
/// (static/start.js fills it with the saved list and marks it
/// `data-edited` once typed in). An edited list is saved, so the app starts
/// with it; whether the box had the focus, and where its caret was, goes on
/// `<html>` as `data-early-caret` for the app to put back. A Check pressed
/// meanwhile is already there as `data-early-check` (the app starts that run
/// once mounted: `app::use_early_check`).
fn adopt_early_input(document: &web_sys::Document) {
    use wasm_bindgen::JsCast;
    let Some(area) = document
        .get_element_by_id("list")
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    else {
        return;
    };
    if area.get_attribute("data-edited").is_some() {
        services::storage::save_list(&area.value());
    }
    let focused = document.active_element().is_some_and(|e| e.id() == "list");
    if let (true, Some(root)) = (focused, document.document_element()) {
        let caret = area.selection_end().ok().flatten().unwrap_or(0);
        let _ = root.set_attribute("data-early-caret", &caret.to_string());
    }
}

/// Counts Content-Security-Policy violations on `<html>` as
/// `data-csp-violations`, with the last one in `data-csp-last`. A violation is
/// otherwise only a console line; this lets the end-to-end suite prove the
/// page runs under the proxy's policy in every browser, and shows anyone
/// hosting it elsewhere what their policy blocked.
fn count_policy_violations(document: &web_sys::Document) {
    let Some(root) = document.document_element() else {
        return;
    };
    let listener =
        gloo_events::EventListener::new(document, "securitypolicyviolation", move |event| {
            let field = |name: &str| {
                js_sys::Reflect::get(event, &name.into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            let count = root
                .get_attribute("data-csp-violations")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0);
            let _ = root.set_attribute("data-csp-violations", &(count + 1).to_string());
            let last = format!("{} {}", field("violatedDirective"), field("blockedURI"));
            let _ = root.set_attribute("data-csp-last", &last);
        });
    // The page lives as long as the document: so does the listener.
    listener.forget();
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a page always has a document")
}
