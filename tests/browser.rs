//! Browser tests: the real page (the `App` component) mounted in headless
//! Chromium, driven through its DOM like a person would, checking URLs on the
//! loopback fixture server that `./test` starts (ports passed in at build time).
//!
//! Run by `./test`; by hand: start `upcheck-fixture`, export
//! `UPCHECK_FIXTURE_PORTS` and `UPCHECK_FIXTURE_CLOSED`, then
//! `cargo test --target wasm32-unknown-unknown -p upcheck`.

#![cfg(target_arch = "wasm32")]

use std::collections::HashMap;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

// `./test` sets these when it runs the tests; lint and build steps run without
// them, so a missing value must be a clear run-time failure, not a build error.
#[allow(clippy::option_env_unwrap)]
fn fixture_ports() -> Vec<u16> {
    let ports = option_env!("UPCHECK_FIXTURE_PORTS")
        .expect("UPCHECK_FIXTURE_PORTS is not set: run the browser tests through ./test");
    ports.split(',').map(|p| p.parse().unwrap()).collect()
}

#[allow(clippy::option_env_unwrap)]
fn closed_port() -> u16 {
    option_env!("UPCHECK_FIXTURE_CLOSED")
        .expect("UPCHECK_FIXTURE_CLOSED is not set: run the browser tests through ./test")
        .parse()
        .unwrap()
}

fn url(i: usize, path: &str) -> String {
    let ports = fixture_ports();
    format!("http://127.0.0.1:{}{path}", ports[i % ports.len()])
}

/// A freshly mounted page; unmounted (its element removed) on drop.
struct Page {
    root: Element,
}

impl Page {
    /// Mounts the app and waits for its first render (Yew renders asynchronously).
    async fn mount() -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        yew::Renderer::<upcheck::App>::with_root(root.clone()).render();
        let page = Page { root };
        page.settle().await;
        page
    }

    fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    async fn settle(&self) {
        yew::platform::time::sleep(Duration::from_millis(30)).await;
    }

    /// Types into a field the way a browser reports typing: value, then `input`.
    async fn type_into(&self, selector: &str, text: &str) {
        let el = self.find(selector);
        if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
            area.set_value(text);
        } else {
            el.dyn_ref::<HtmlInputElement>().unwrap().set_value(text);
        }
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
        el.dispatch_event(&event).unwrap();
        self.settle().await;
    }

    async fn click(&self, selector: &str) {
        self.find(selector)
            .dyn_ref::<HtmlElement>()
            .unwrap()
            .click();
        self.settle().await;
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector).text_content().unwrap_or_default()
    }

    /// `data-url` → (`data-state`, row text) for every result row.
    fn rows(&self) -> HashMap<String, (String, String)> {
        let list = self.root.query_selector_all("#results li.row").unwrap();
        (0..list.length())
            .map(|i| list.get(i).unwrap().dyn_into::<Element>().unwrap())
            .map(|el| {
                (
                    el.get_attribute("data-url").unwrap(),
                    (
                        el.get_attribute("data-state").unwrap(),
                        el.text_content().unwrap_or_default(),
                    ),
                )
            })
            .collect()
    }

    /// Waits until the summary reports the run finished; returns its wall time.
    async fn wait_done(&self, limit: Duration) -> f64 {
        let start = js_sys::Date::now();
        loop {
            if let Some(wall) = self
                .root
                .query_selector("#summary")
                .unwrap()
                .and_then(|s| s.get_attribute("data-wall-ms"))
            {
                return wall.parse().unwrap();
            }
            assert!(
                js_sys::Date::now() - start < limit.as_secs_f64() * 1_000.0,
                "the run did not finish within {limit:?}; rows: {:?}",
                self.rows()
            );
            yew::platform::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn state_of<'a>(rows: &'a HashMap<String, (String, String)>, url: &str) -> &'a str {
    &rows
        .get(url)
        .unwrap_or_else(|| panic!("no row for {url}; rows: {rows:?}"))
        .0
}

#[wasm_bindgen_test]
async fn a_mixed_list_gets_one_honest_row_per_site() {
    let page = Page::mount().await;
    let ok_a = url(0, "/cors/status/200");
    let ok_b = url(1, "/cors/status/204");
    let not_found = url(2, "/cors/status/404");
    let no_cors = url(3, "/status/200");
    let no_cors_500 = url(3, "/status/500");
    let closed = format!("http://127.0.0.1:{}/", closed_port());
    let list = format!(
        "# a comment\n{ok_a}\n{ok_b}, {not_found}\n\n{no_cors}\n{no_cors_500}\n{closed}\n\
         ftp://example.com/\n{ok_a}\n"
    );
    page.type_into("#list", &list).await;
    assert!(page.text("#line-count").starts_with("9 lines"));
    page.click("#check").await;
    page.wait_done(Duration::from_secs(20)).await;

    let rows = page.rows();
    assert_eq!(
        rows.len(),
        7,
        "duplicate merged, comment and blank skipped: {rows:?}"
    );
    assert_eq!(state_of(&rows, &ok_a), "up");
    assert_eq!(state_of(&rows, &ok_b), "up");
    assert_eq!(state_of(&rows, &not_found), "down");
    assert!(rows[&not_found].1.contains("404"), "{:?}", rows[&not_found]);
    // Without CORS the browser hides the status: reachable, never up or down.
    assert_eq!(state_of(&rows, &no_cors), "reachable");
    assert_eq!(state_of(&rows, &no_cors_500), "reachable");
    assert!(rows[&no_cors].1.contains("status hidden by the browser"));
    assert_eq!(state_of(&rows, &closed), "unreachable");
    let invalid = &rows["ftp://example.com/"];
    assert_eq!(invalid.0, "invalid");
    assert!(invalid.1.contains("line 8"), "{invalid:?}");

    let summary = page.text("#summary");
    assert!(summary.contains("up 2"), "{summary}");
    assert!(summary.contains("1 duplicates merged"), "{summary}");
    assert!(summary.contains("wall time"), "{summary}");
}

#[wasm_bindgen_test]
async fn thirty_slow_sites_cost_about_two_waves_not_the_sum() {
    let page = Page::mount().await;
    let urls: Vec<String> = (0..30)
        .map(|i| url(i, &format!("/cors/delay/500?n={i}")))
        .collect();
    page.type_into("#list", &urls.join("\n")).await;
    page.type_into("#concurrency", "16").await;
    page.click("#check").await;
    let wall = page.wait_done(Duration::from_secs(30)).await;
    let rows = page.rows();
    assert!(urls.iter().all(|u| state_of(&rows, u) == "up"), "{rows:?}");
    let sum: f64 = page
        .find("#summary")
        .get_attribute("data-sum-ms")
        .unwrap()
        .parse()
        .unwrap();
    web_sys::console::log_1(
        &format!("30 × 500 ms at concurrency 16: wall {wall:.0} ms, sum {sum:.0} ms").into(),
    );
    // One at a time would take the sum (≥ 15 s); 16 at once, two waves (~1 s).
    assert!(sum >= 15_000.0, "sum {sum}");
    assert!(sum / wall > 5.0, "wall {wall} ms vs sum {sum} ms");
    assert!(page.text("#summary").contains("the speed of one at a time"));
}

#[wasm_bindgen_test]
async fn bad_settings_are_named_and_nothing_runs() {
    let page = Page::mount().await;
    page.type_into("#list", &url(0, "/cors/status/200")).await;
    page.type_into("#concurrency", "0").await;
    assert!(page.text("#settings-errors").contains("Concurrency: '0'"));
    page.click("#check").await;
    assert!(page.text("#run-errors").contains("Concurrency"));
    assert!(page.rows().is_empty());
}
