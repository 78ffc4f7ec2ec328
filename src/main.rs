//! Entry point: mount the app on the page's `<main id="app">`.

fn main() {
    upcheck::mount();
}
