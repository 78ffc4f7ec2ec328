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
/// "loading" placeholder `index.html` shows before the wasm arrives.
pub fn mount() {
    let document = document();
    match document.get_element_by_id("app") {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a page always has a document")
}
