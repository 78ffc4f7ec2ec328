//! Upcheck's web page: a Yew app (client-side rendered, compiled to wasm).
//!
//! - [`state`] holds the page's state and the one path that changes it
//!   (an [`state::Action`] handled in `reduce`);
//! - [`services`] does the I/O (fetch checks, the bounded pool) and reports
//!   back through callbacks; no component fetches anything itself;
//! - [`view`] turns rows into what is shown (sort, filter, search);
//! - [`components`] renders.
//!
//! [`App`] is public so browser tests can mount it on a test page.

pub mod app;
pub mod components;
pub mod services;
pub mod state;
pub mod view;

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
