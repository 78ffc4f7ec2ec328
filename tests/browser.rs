//! Browser tests: the real page (the `App` component) mounted in headless
//! Chromium, driven through its DOM like a person would, checking URLs on the
//! loopback fixture server that `./test` starts (ports passed in at build time).
//!
//! Run by `./test`; by hand: start `upcheck-fixture`, export
//! `UPCHECK_FIXTURE_PORTS` and `UPCHECK_FIXTURE_CLOSED`, then
//! `cargo test --target wasm32-unknown-unknown -p upcheck`.

#![cfg(target_arch = "wasm32")]

// What a row and the summary say, read by the same JavaScript as the
// end-to-end driver uses (each driver reads only part of it).
#[allow(dead_code)]
#[path = "common/contract.rs"]
mod contract;

use contract::{row, state_of, Row, Summary, ROWS_JS, SUMMARY_JS};
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

/// A mounted page; destroyed (and its element removed) on drop.
struct Page {
    root: Element,
    app: Option<yew::AppHandle<upcheck::App>>,
}

impl Page {
    /// Mounts the app with nothing saved from earlier tests.
    async fn mount() -> Page {
        web_sys::window()
            .unwrap()
            .local_storage()
            .unwrap()
            .unwrap()
            .clear()
            .unwrap();
        Page::mount_keeping_storage().await
    }

    /// Mounts the app as a reload would: with whatever local storage holds.
    /// Waits for the first render (Yew renders asynchronously).
    async fn mount_keeping_storage() -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        // A test that failed left its page behind (a panic in wasm does not
        // unwind, so `Drop` never ran): clear it, so each test sees only its own.
        let left = document.query_selector_all(".test-root").unwrap();
        for i in 0..left.length() {
            if let Some(node) = left.get(i) {
                node.dyn_into::<Element>().unwrap().remove();
            }
        }
        let root = document.create_element("div").unwrap();
        root.set_class_name("test-root");
        document.body().unwrap().append_child(&root).unwrap();
        let app = yew::Renderer::<upcheck::App>::with_root(root.clone()).render();
        let page = Page {
            root,
            app: Some(app),
        };
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

    /// Picks an option of a `<select>` and fires `change`.
    async fn choose(&self, selector: &str, value: &str) {
        let el = self.find(selector);
        el.dyn_ref::<web_sys::HtmlSelectElement>()
            .unwrap()
            .set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
        el.dispatch_event(&event).unwrap();
        self.settle().await;
    }

    fn value(&self, selector: &str) -> String {
        let el = self.find(selector);
        match el.dyn_ref::<HtmlTextAreaElement>() {
            Some(area) => area.value(),
            None => el.dyn_ref::<HtmlInputElement>().unwrap().value(),
        }
    }

    fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.find(selector).get_attribute(name)
    }

    /// Checks `list` and waits for the run to finish; returns the wall time.
    async fn check(&self, list: &str) -> f64 {
        self.type_into("#list", list).await;
        self.click("#check").await;
        self.wait_done(Duration::from_secs(30)).await
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

    /// Every result row, as the shared contract reads it.
    fn rows(&self) -> Vec<Row> {
        read(ROWS_JS)
    }

    /// The summary bar, as the shared contract reads it.
    fn summary(&self) -> Option<Summary> {
        read(SUMMARY_JS)
    }

    /// Waits until the summary reports the run finished; returns its wall time.
    async fn wait_done(&self, limit: Duration) -> f64 {
        let start = js_sys::Date::now();
        loop {
            let summary = self.summary();
            if let Some(wall) = summary.as_ref().and_then(|s| s.wall_ms) {
                return wall;
            }
            assert!(
                js_sys::Date::now() - start < limit.as_secs_f64() * 1_000.0,
                "the run did not finish within {limit:?}: {summary:?}; first rows: {:?}",
                self.rows().into_iter().take(5).collect::<Vec<_>>()
            );
            yew::platform::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Runs one of the contract's scripts in this page and reads its answer.
fn read<T: serde::de::DeserializeOwned>(script: &str) -> T {
    let value = js_sys::Function::new_no_args(script)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
    let json = String::from(js_sys::JSON::stringify(&value).unwrap());
    serde_json::from_str(&json).unwrap()
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
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
    assert!(
        row(&rows, &not_found).text.contains("404"),
        "{:?}",
        row(&rows, &not_found)
    );
    // Without CORS the browser hides the status: reachable, never up or down.
    assert_eq!(state_of(&rows, &no_cors), "reachable");
    assert_eq!(state_of(&rows, &no_cors_500), "reachable");
    assert!(row(&rows, &no_cors)
        .text
        .contains("status hidden by the browser"));
    assert_eq!(state_of(&rows, &closed), "unreachable");
    let invalid = row(&rows, "ftp://example.com/");
    assert_eq!((invalid.state.as_str(), invalid.line), ("invalid", 8));
    assert!(invalid.text.contains("line 8"), "{invalid:?}");

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

#[wasm_bindgen_test]
async fn the_progress_announcer_is_listening_before_the_first_run() {
    let page = Page::mount().await;
    // Screen readers often skip a live region mounted with its first message:
    // it must be in the page, empty, before anything runs.
    let before = page.find("#announce");
    assert_eq!(before.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(before.text_content().unwrap_or_default(), "");
    page.check(&url(0, "/cors/status/200")).await;
    let after = page.find("#announce");
    assert!(after.is_same_node(Some(&before)), "the region was replaced");
    assert!(
        after
            .text_content()
            .unwrap_or_default()
            .starts_with("Done: 1 of 1"),
        "{:?}",
        after.text_content()
    );
}

fn sum_ms(page: &Page) -> f64 {
    page.summary().expect("a run has a summary").sum_ms
}

/// What `#proxy-status` says once the page has finished looking for its proxy.
async fn proxy_status(page: &Page) -> String {
    for _ in 0..250 {
        let said = page.text("#proxy-status");
        if !said.starts_with("looking for a proxy") {
            return said;
        }
        yew::platform::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("still looking for a proxy after 5 s");
}

/// Leaves an answer to this page's `/api/health` where static/start.js leaves
/// the one it asks for while the wasm loads.
fn early_health(answer: &str) {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    js_sys::eval(&format!(
        "window.upcheckHealth = {{ url: '{origin}/api/health', answer: {answer} }};
         window.upcheckHealth.answer.catch(() => {{}});"
    ))
    .unwrap();
}

#[wasm_bindgen_test]
async fn the_health_answer_asked_for_before_the_wasm_is_taken_once() {
    // The test runner's own server has no /api/health: only the answer left
    // by the early script can say a proxy is there.
    let limits = r#"{max_urls: 100, max_body_bytes: 1000, concurrency: 8, per_host: 4,
        global_concurrency: 64, rate_per_minute: null, rate_burst: 5, max_redirects: 10,
        min_timeout_ms: 100, max_timeout_ms: 120000, insecure_allow_loopback: false,
        honours_accept: true, site_options: true}"#;
    early_health(&format!(
        "Promise.resolve(new Response(JSON.stringify({{name: 'upcheck-proxy', \
         version: 'early', limits: {limits}}})))"
    ));
    let page = Page::mount().await;
    let said = proxy_status(&page).await;
    assert!(
        said.contains("proxy found at") && said.contains("upcheck-proxy early, 8 checks"),
        "{said}"
    );
    let left = js_sys::Reflect::get(&web_sys::window().unwrap(), &"upcheckHealth".into()).unwrap();
    assert!(left.is_undefined(), "the early answer was not taken");
    drop(page);

    // Taken once: the next look asks the server itself, which has no proxy.
    let page = Page::mount().await;
    let said = proxy_status(&page).await;
    assert!(
        said.starts_with("no proxy at") && said.contains("HTTP 404"),
        "{said}"
    );
    drop(page);

    // An early request that failed is this page's answer too, in the same words.
    early_health("Promise.reject(new TypeError('Failed to fetch'))");
    let page = Page::mount().await;
    let said = proxy_status(&page).await;
    assert!(
        said.contains("(no answer (TypeError: Failed to fetch))"),
        "{said}"
    );
}

#[wasm_bindgen_test]
async fn a_site_that_never_answers_times_out_at_the_deadline() {
    let page = Page::mount().await;
    page.type_into("#timeout", "1").await;
    let hang = url(0, "/cors/hang");
    page.check(&hang).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &hang), "timeout");
    assert!(
        row(&rows, &hang).text.contains("no response within 1.00 s"),
        "{:?}",
        row(&rows, &hang)
    );
    // The deadline holds: the check let go of its slot at ~1 s, not later.
    let held = sum_ms(&page);
    assert!((950.0..1_800.0).contains(&held), "held the slot {held} ms");
}

#[wasm_bindgen_test]
async fn redirects_show_where_they_ended_and_endless_bodies_stop_at_headers() {
    let page = Page::mount().await;
    let chain = url(1, "/cors/redirect/3/status/200");
    let endless = url(2, "/cors/endless");
    page.type_into("#timeout", "5").await;
    page.check(&format!("{chain}\n{endless}")).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &chain), "up");
    assert!(
        row(&rows, &chain).text.contains("after redirects → ")
            && row(&rows, &chain).text.contains("/redirect/0/"),
        "{:?}",
        row(&rows, &chain)
    );
    // Had the body been downloaded, this would run into the 5 s deadline.
    assert_eq!(state_of(&rows, &endless), "up");
    assert!(sum_ms(&page) < 2_000.0, "sum {}", sum_ms(&page));
}

#[wasm_bindgen_test]
async fn forbidden_ports_are_blocked_with_the_reason_before_any_fetch() {
    let page = Page::mount().await;
    let smtp = "http://127.0.0.1:25/".to_owned();
    page.check(&smtp).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &smtp), "blocked");
    assert!(
        row(&rows, &smtp).text.contains("port 25 is forbidden"),
        "{:?}",
        row(&rows, &smtp)
    );
}

// The wasm carries no Unicode tables (the page's lockfile pins the
// ASCII-only IDNA back end): a host name that UTS-46 maps is mapped by the
// browser's own URL parser. Fullwidth digits map to the loopback address, so
// this stays on the machine.
#[wasm_bindgen_test]
async fn unicode_host_names_are_mapped_by_the_browser_and_checked() {
    let page = Page::mount().await;
    let port = fixture_ports()[0];
    let typed = format!(
        "http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}:{port}/cors/status/200"
    );
    page.check(&typed).await;
    let rows = page.rows();
    let mapped = format!("http://127.0.0.1:{port}/cors/status/200");
    assert_eq!(state_of(&rows, &mapped), "up", "{rows:?}");
}

#[wasm_bindgen_test]
async fn a_custom_status_rule_decides_up_and_down() {
    let page = Page::mount().await;
    page.type_into("#accept", "200-299,401").await;
    let unauthorized = url(0, "/cors/status/401");
    let moved = url(1, "/cors/status/304");
    page.check(&format!("{unauthorized}\n{moved}")).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &unauthorized), "up");
    assert_eq!(state_of(&rows, &moved), "down");
}

/// A setting changed after a run counts for the next re-check: the row's ↻,
/// "re-check failed" and "re-check all" each run with the status rule as it
/// is now, not as it was when the list was first checked.
#[wasm_bindgen_test]
async fn rechecks_use_the_settings_as_they_are_now() {
    let page = Page::mount().await;
    let unauthorized = url(0, "/cors/status/401");
    let missing = url(1, "/cors/status/404");
    page.check(&format!("{unauthorized}\n{missing}")).await;
    assert_eq!(state_of(&page.rows(), &unauthorized), "down");

    page.type_into("#accept", "200-299,401").await;
    let button = page.find(&format!("li.row[data-url='{unauthorized}'] button.recheck"));
    button.dyn_ref::<HtmlElement>().unwrap().click();
    page.settle().await;
    page.wait_done(Duration::from_secs(10)).await;
    assert_eq!(state_of(&page.rows(), &unauthorized), "up", "the row's ↻");

    page.type_into("#accept", "200-299,404").await;
    page.click("#recheck-failed").await;
    page.wait_done(Duration::from_secs(10)).await;
    assert_eq!(state_of(&page.rows(), &missing), "up", "re-check failed");

    page.type_into("#accept", "200-299").await;
    page.click("#recheck-all").await;
    page.wait_done(Duration::from_secs(10)).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &unauthorized), "down", "re-check all");
    assert_eq!(state_of(&rows, &missing), "down", "re-check all");
}

#[wasm_bindgen_test]
async fn stop_cancels_what_is_in_flight_and_keeps_what_finished() {
    let page = Page::mount().await;
    let quick = url(0, "/cors/status/200");
    let hanging: Vec<String> = (0..3)
        .map(|i| url(i + 1, &format!("/cors/hang?n={i}")))
        .collect();
    page.type_into("#list", &format!("{quick}\n{}", hanging.join("\n")))
        .await;
    page.click("#check").await;
    // Wait until the quick one is in, then stop.
    let start = js_sys::Date::now();
    while page
        .rows()
        .iter()
        .find(|r| r.url == quick)
        .map(|r| r.state.as_str())
        != Some("up")
    {
        assert!(js_sys::Date::now() - start < 5_000.0, "{:?}", page.rows());
        yew::platform::time::sleep(Duration::from_millis(20)).await;
    }
    page.click("#stop").await;
    page.wait_done(Duration::from_secs(3)).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &quick), "up");
    for h in &hanging {
        assert_eq!(state_of(&rows, h), "cancelled");
    }
}

#[wasm_bindgen_test]
async fn rechecks_run_again_only_what_was_asked() {
    let page = Page::mount().await;
    let ok = url(0, "/cors/status/200");
    let missing = url(1, "/cors/status/404");
    let closed = format!("http://127.0.0.1:{}/", closed_port());
    page.check(&format!("{ok}\n{missing}\n{closed}")).await;

    page.click("#recheck-failed").await;
    assert!(
        page.text("#timing").contains("re-checking 2"),
        "{}",
        page.text("#timing")
    );
    page.wait_done(Duration::from_secs(10)).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &ok), "up");
    assert_eq!(state_of(&rows, &missing), "down");
    assert_eq!(state_of(&rows, &closed), "unreachable");

    let row = page.find(&format!("li.row[data-url='{missing}'] button.recheck"));
    row.dyn_ref::<HtmlElement>().unwrap().click();
    page.settle().await;
    assert!(
        page.text("#timing").contains("re-checking 1"),
        "{}",
        page.text("#timing")
    );
    page.wait_done(Duration::from_secs(10)).await;

    page.click("#recheck-all").await;
    assert!(
        page.text("#timing").contains("re-checking 3"),
        "{}",
        page.text("#timing")
    );
    page.wait_done(Duration::from_secs(10)).await;
    assert_eq!(page.rows().len(), 3);
}

#[wasm_bindgen_test]
async fn one_at_a_time_and_concurrent_runs_are_compared_side_by_side() {
    let page = Page::mount().await;
    let list: Vec<String> = (0..6)
        .map(|i| url(i, &format!("/cors/delay/200?n={i}")))
        .collect();
    page.choose("#mode", "sequential").await;
    let seq_wall = page.check(&list.join("\n")).await;
    assert!(page.text("#timing").contains("one at a time"));
    assert!(
        seq_wall >= 1_200.0,
        "sequential took {seq_wall} ms for 6 × 200 ms"
    );
    page.choose("#mode", "concurrent").await;
    page.click("#check").await;
    let conc_wall = page.wait_done(Duration::from_secs(10)).await;
    let table = page.text("#compare");
    assert!(
        table.contains("one at a time") && table.contains("concurrency 16"),
        "{table}"
    );
    assert!(
        seq_wall > 3.0 * conc_wall,
        "sequential {seq_wall} ms vs concurrent {conc_wall} ms"
    );
}

#[wasm_bindgen_test]
async fn the_list_and_settings_survive_a_reload() {
    let list = format!("{}\nexample.com", url(0, "/cors/status/200"));
    {
        let page = Page::mount().await;
        page.type_into("#list", &list).await;
        page.type_into("#concurrency", "7").await;
        page.type_into("#timeout", "2.5").await;
        page.choose("#mode", "sequential").await;
    }
    let page = Page::mount_keeping_storage().await;
    assert_eq!(page.value("#list"), list);
    assert_eq!(page.value("#concurrency"), "7");
    assert_eq!(page.value("#timeout"), "2.5");
    let mode = page.find("#mode");
    assert_eq!(
        mode.dyn_ref::<web_sys::HtmlSelectElement>()
            .unwrap()
            .value(),
        "sequential"
    );
}

/// A 10,000-site run finishes and renders only the rows in view. How long its
/// main-thread tasks are is measured on the release build by `./bench`.
#[wasm_bindgen_test]
async fn ten_thousand_rows_render_only_what_is_in_view() {
    let page = Page::mount().await;
    page.type_into("#concurrency", "64").await;
    let list: Vec<String> = (0..10_000)
        .map(|i| url(i, &format!("/cors/status/200?n={i}")))
        .collect();
    page.type_into("#list", &list.join("\n")).await;
    page.click("#check").await;
    page.wait_done(Duration::from_secs(120)).await;
    let rendered = page
        .root
        .query_selector_all("#results li.row")
        .unwrap()
        .length();
    assert_eq!(page.attr("#results", "data-rows").as_deref(), Some("10000"));
    assert!(
        rendered < 200,
        "a virtual list renders only what is in view: {rendered}"
    );
    assert_eq!(page.attr("#summary", "data-done").as_deref(), Some("10000"));
    assert!(
        page.text("#summary").contains("up 10000"),
        "{}",
        page.text("#summary")
    );
    assert!(page.attr("#summary", "data-read-ms").is_some());
}

/// Picks `content` as the file `name` in the file input, as a person would.
async fn pick_file(page: &Page, name: &str, content: &str) {
    let before = page
        .root
        .query_selector("#notice")
        .unwrap()
        .and_then(|n| n.text_content());
    let parts = js_sys::Array::of1(&content.into());
    let options = web_sys::FilePropertyBag::new();
    options.set_type("text/csv");
    let file = web_sys::File::new_with_str_sequence_and_options(&parts, name, &options).unwrap();
    let transfer = web_sys::DataTransfer::new().unwrap();
    transfer.items().add_with_file(&file).unwrap();
    let input: HtmlInputElement = page.find("#file").dyn_into().unwrap();
    input.set_files(transfer.files().as_ref());
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    // Reading a file is asynchronous: wait for the notice to change.
    let start = js_sys::Date::now();
    while page
        .root
        .query_selector("#notice")
        .unwrap()
        .and_then(|n| n.text_content())
        == before
    {
        assert!(
            js_sys::Date::now() - start < 5_000.0,
            "the import said nothing"
        );
        yew::platform::time::sleep(Duration::from_millis(20)).await;
    }
}

#[wasm_bindgen_test]
async fn a_csv_file_with_bad_lines_imports_and_names_its_lines() {
    let page = Page::mount().await;
    let ok = url(0, "/cors/status/200");
    let csv = format!(
        "name,url,owner\nhome,{ok},me\n\"shop, old\",ftp://shop.example,you\nbad,http://,x\n"
    );
    pick_file(&page, "sites.csv", &csv).await;
    assert_eq!(
        page.text("#notice"),
        "Imported sites.csv: 3 rows from column 'url'"
    );
    assert!(page.value("#list").contains(&ok));
    page.click("#check").await;
    page.wait_done(Duration::from_secs(10)).await;
    let rows = page.rows();
    assert_eq!(state_of(&rows, &ok), "up");
    assert!(
        row(&rows, "ftp://shop.example").text.contains("line 3"),
        "{rows:?}"
    );
    assert!(row(&rows, "http://").text.contains("line 4"), "{rows:?}");
    // A file of another kind is refused by name.
    pick_file(&page, "photo.png", "x").await;
    assert!(page
        .text("#notice")
        .contains("photo.png: only .txt and .csv"));
    // A file over the 10 MB cap is refused by its size, and the list stays.
    let before = page.value("#list");
    let huge = "https://a.example/\n".repeat(600_000); // 11.4 MB
    pick_file(&page, "huge.txt", &huge).await;
    assert!(
        page.text("#notice")
            .contains("huge.txt: 11.4 MB is over the 10.0 MB a list file may have"),
        "{}",
        page.text("#notice")
    );
    assert_eq!(page.value("#list"), before);
}

#[wasm_bindgen_test]
async fn a_share_link_of_500_urls_opens_the_same_list() {
    let list: String = (0..500)
        .map(|i| format!("https://site{i}.example.com/health\n"))
        .collect();
    let link = {
        let page = Page::mount().await;
        page.type_into("#list", &list).await;
        page.click("#share").await;
        // The browser deflates the list (CompressionStream): a moment later.
        wait_for(&page, "#share-link").await;
        let link = page.value("#share-link");
        web_sys::console::log_1(
            &format!("share link for 500 URLs: {} characters", link.len()).into(),
        );
        assert!(link.len() < 8_000, "{} characters", link.len());
        link
    };
    // Open it: a fresh page whose address carries the fragment.
    let fragment = &link[link.find('#').unwrap()..];
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
        .unwrap();
    let page = Page::mount().await;
    // Reading the fragment happens after the first render.
    wait_for(&page, "#notice").await;
    let notice = page
        .root
        .query_selector("#notice")
        .unwrap()
        .and_then(|n| n.text_content());
    assert!(
        page.value("#list") == list,
        "the list did not come through; notice: {notice:?}"
    );
    assert!(page
        .text("#notice")
        .contains("Opened a shared list of 500 lines"));
    // The fragment is dropped so a reload keeps later edits.
    assert_eq!(web_sys::window().unwrap().location().hash().unwrap(), "");
}

async fn wait_for(page: &Page, selector: &str) {
    for _ in 0..100 {
        if page.root.query_selector(selector).unwrap().is_some() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{selector} never appeared");
}

#[wasm_bindgen_test]
async fn a_share_link_never_silently_replaces_a_different_list() {
    let mine = "https://mine.example/\nhttps://also-mine.example/";
    let theirs = "https://theirs.example/";
    // A person with their own list saved opens someone's link.
    drop(Page::mount().await);
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item("upcheck.list.v1", &serde_json::to_string(mine).unwrap())
        .unwrap();
    let page = open_share_link(theirs).await;
    wait_for(&page, "#share-choice").await;
    assert_eq!(
        page.value("#list"),
        mine,
        "the saved list was replaced unasked"
    );
    assert!(page
        .text("#share-choice")
        .contains("shared list of 1 lines"));
    assert!(page
        .text("#share-choice")
        .contains("list of 2 lines is different"));

    // Keeping mine drops the offer.
    page.click("#keep-mine").await;
    assert!(page.root.query_selector("#share-choice").unwrap().is_none());
    assert_eq!(page.value("#list"), mine);
    drop(page);

    // Opening the shared list keeps mine, one click away.
    let page = open_share_link(theirs).await;
    wait_for(&page, "#share-choice").await;
    page.click("#open-shared").await;
    assert_eq!(page.value("#list"), theirs);
    assert!(page
        .text("#notice")
        .contains("Your list of 2 lines is kept"));
    page.click("#restore-previous").await;
    assert_eq!(page.value("#list"), mine);
    // Still there after a reload.
    drop(page);
    let page = Page::mount_keeping_storage().await;
    assert_eq!(page.value("#list"), mine);
}

/// A visit to a share link carrying `list`, with what local storage holds.
/// The link is made the way links were before the page left deflating to
/// the browser (miniz_oxide, level 9): those keep opening.
async fn open_share_link(list: &str) -> Page {
    open_fragment(&upcheck_core::share::pack(
        &miniz_oxide::deflate::compress_to_vec(list.as_bytes(), 9),
    ))
    .await
}

/// A visit to a page whose address carries `#fragment`.
async fn open_fragment(fragment: &str) -> Page {
    let fragment = format!("#{fragment}");
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment))
        .unwrap();
    Page::mount_keeping_storage().await
}

// The browser inflates a link, and stops at 4 MB: a link that would expand
// past that, or is not DEFLATE at all, says so and leaves the list alone.
#[wasm_bindgen_test]
async fn bombs_and_damaged_share_links_are_refused() {
    let bomb = vec![b'a'; upcheck_core::share::MAX_LIST_BYTES + 1];
    let fragment = upcheck_core::share::pack(&miniz_oxide::deflate::compress_to_vec(&bomb, 9));
    assert!(fragment.len() < 20_000, "{} characters", fragment.len());
    drop(Page::mount().await); // nothing saved from earlier tests
    let page = open_fragment(&fragment).await;
    wait_for(&page, "#notice").await;
    assert!(
        page.text("#notice").contains("larger than 4 MB"),
        "{}",
        page.text("#notice")
    );
    assert_eq!(page.value("#list"), "");
    drop(page);

    let damaged = upcheck_core::share::pack(b"not deflate data at all");
    let page = open_fragment(&damaged).await;
    wait_for(&page, "#notice").await;
    assert!(
        page.text("#notice").contains("damaged"),
        "{}",
        page.text("#notice")
    );
}

#[wasm_bindgen_test]
async fn results_come_back_greyed_after_a_reload() {
    let ok = url(0, "/cors/status/200");
    let missing = url(1, "/cors/status/404");
    {
        let page = Page::mount().await;
        page.check(&format!("{ok}\n{missing}")).await;
    }
    let page = Page::mount_keeping_storage().await;
    page.settle().await;
    let row = page.find(&format!("li.row[data-url='{missing}']"));
    assert_eq!(row.get_attribute("data-state").as_deref(), Some("down"));
    assert_eq!(row.get_attribute("data-stale").as_deref(), Some("true"));
    assert!(page.text("#summary").contains("earlier visit"));
    page.click("#check").await;
    page.wait_done(Duration::from_secs(10)).await;
    let row = page.find(&format!("li.row[data-url='{missing}']"));
    assert_eq!(row.get_attribute("data-stale"), None);
}

fn shown_urls(page: &Page) -> Vec<String> {
    let list = page.root.query_selector_all("#results li.row").unwrap();
    (0..list.length())
        .map(|i| {
            list.get(i)
                .unwrap()
                .dyn_into::<Element>()
                .unwrap()
                .get_attribute("data-url")
                .unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn rows_sort_filter_and_search() {
    let page = Page::mount().await;
    let slow = url(0, "/cors/delay/300/status/200");
    let missing = url(1, "/cors/status/404");
    let fast = url(2, "/cors/status/200");
    page.check(&format!("{slow}\n{missing}\n{fast}\nftp://x.example/"))
        .await;
    let ftp = "ftp://x.example/".to_owned();
    assert_eq!(shown_urls(&page), [&*slow, &*missing, &*fast, &*ftp]);

    page.choose("#sort", "latency").await;
    assert_eq!(shown_urls(&page)[0], slow, "slowest first");
    page.choose("#sort", "outcome").await;
    assert_eq!(shown_urls(&page), [&*slow, &*fast, &*missing, &*ftp]);

    page.click("button.chip[data-outcome=down]").await;
    assert_eq!(shown_urls(&page), [&*missing]);
    assert_eq!(
        page.attr("button.chip[data-outcome=down]", "aria-pressed")
            .as_deref(),
        Some("true")
    );
    page.click("button.chip[data-outcome=down]").await;
    assert_eq!(shown_urls(&page).len(), 4);

    page.type_into("#search", "FTP").await;
    assert_eq!(shown_urls(&page), [ftp]);
    assert!(page.text("#shown-count").contains("showing 1 of 4"));
}

#[wasm_bindgen_test]
async fn every_export_format_reads_back() {
    let page = Page::mount().await;
    let ok = url(0, "/cors/status/200");
    let hidden = url(1, "/status/200");
    page.check(&format!("{ok} slow=5s\n{hidden}\nftp://x.example/"))
        .await;

    page.click("#export-csv").await;
    let csv_text = page.value("#export-text");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3, "{csv_text}");
    // line, url, options, outcome, status, …
    assert_eq!(
        (
            &records[0][1],
            &records[0][2],
            &records[0][3],
            &records[0][4]
        ),
        (ok.as_str(), "slow=5s", "up", "200")
    );
    assert_eq!(&records[1][3], "reachable");
    assert_eq!(&records[2][3], "invalid");

    page.click("#export-json").await;
    let lines: Vec<upcheck_core::wire::CheckLine> = page
        .value("#export-text")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].status, Some(200));
    assert_eq!(lines[1].outcome, upcheck_core::Outcome::Reachable);
    assert_eq!(
        lines[1].status, None,
        "the browser hid it, so the export does too"
    );

    page.click("#export-md").await;
    let md = page.value("#export-text");
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 2 + 3, "{md}");
    assert!(table[2].contains(&ok) && table[2].contains("up"));
}

#[wasm_bindgen_test]
async fn watch_mode_sees_a_site_go_down_and_come_back() {
    let page = Page::mount().await;
    // A fresh URL each run: the fixture counts requests per URL.
    let flapping = url(
        0,
        &format!("/cors/sequence/200-503-200?watch={}", js_sys::Date::now()),
    );
    page.type_into("#watch-every", "1").await;
    page.click("#watch").await;
    assert!(page
        .text("#watch-note")
        .contains("only while this tab is open"));
    page.check(&flapping).await;
    let row_state = |page: &Page| state_of(&page.rows(), &flapping).to_owned();
    assert_eq!(row_state(&page), "up");
    // The next checks come by themselves: down, then up again.
    let mut seen = vec![row_state(&page)];
    let start = js_sys::Date::now();
    while seen.len() < 3 {
        assert!(
            js_sys::Date::now() - start < 15_000.0,
            "watch saw only {seen:?}"
        );
        yew::platform::time::sleep(Duration::from_millis(50)).await;
        if page.attr("#summary", "data-wall-ms").is_some() {
            let now = row_state(&page);
            if seen.last() != Some(&now) {
                if now == "down" {
                    let title = web_sys::window().unwrap().document().unwrap().title();
                    assert_eq!(title, "(1 down) Upcheck");
                }
                seen.push(now);
            }
        }
    }
    assert_eq!(seen, ["up", "down", "up"]);
    let row = page.find(&format!("li.row[data-url='{flapping}']"));
    assert!(
        row.text_content().unwrap().contains("uptime 67%"),
        "{:?}",
        row.text_content()
    );
    page.click("#watch").await; // off: no timer left behind
}

// Verdicts beyond up and down: per-site options, retries, rate limits, bot
// walls. Each run paces a host that answered 429 for the rest of that run,
// so a site that is rate-limited gets a fixture port of its own.

/// Waits for the run to finish and returns the rows.
async fn check_rows(page: &Page, list: &str) -> Vec<Row> {
    page.check(list).await;
    page.rows()
}

/// The row for `url`, asserting its outcome and that its text holds `says`.
fn expect_row(rows: &[Row], url: &str, state: &str, says: &str) {
    let r = row(rows, url);
    assert_eq!(r.state, state, "{r:?}");
    assert!(r.text.contains(says), "expected {says:?} in {r:?}");
}

#[wasm_bindgen_test]
async fn slow_answers_are_slow_by_the_lines_threshold_or_the_lists() {
    let page = Page::mount().await;
    let by_line = url(0, "/cors/delay/300?n=line");
    let by_list = url(1, "/cors/delay/300?n=list");
    let lenient = url(2, "/cors/delay/300?n=lenient");
    let fast = url(3, "/cors/status/200?n=fast");
    // A bad list-wide threshold is named and stops the run.
    page.type_into("#slow", "soon").await;
    assert!(
        page.text("#settings-errors").contains("Slow after: 'soon'"),
        "{}",
        page.text("#settings-errors")
    );
    page.type_into("#retries", "6").await;
    assert!(page.text("#settings-errors").contains("Retries: '6'"));
    page.type_into("#retries", "0").await;
    page.type_into("#slow", "200ms").await;
    let rows = check_rows(
        &page,
        &format!("{by_line} slow=100ms\n{by_list}\n{lenient} slow=5s\n{fast}"),
    )
    .await;
    expect_row(&rows, &by_line, "slow", "over the 100 ms threshold");
    assert!(row(&rows, &by_line).text.starts_with("◔"), "{rows:?}");
    expect_row(&rows, &by_list, "slow", "over the 200 ms threshold");
    expect_row(&rows, &lenient, "up", "HTTP 200 OK");
    expect_row(&rows, &fast, "up", "HTTP 200 OK");
    assert!(page.text("#summary").contains("slow 2"));
    // The options show beside the URL.
    assert!(row(&rows, &by_line).text.contains("slow=100ms"));
    // Slow is not down: the tab title does not count it.
    let title = web_sys::window().unwrap().document().unwrap().title();
    assert!(!title.contains("down"), "{title}");
}

#[wasm_bindgen_test]
async fn body_options_read_the_decoded_body_up_to_within() {
    let page = Page::mount().await;
    let filler = "/cors/filler/40960/text/Add%20to%20cart";
    let found = url(0, &format!("{filler}?n=found"));
    let too_far = url(1, &format!("{filler}?n=within"));
    let gzip = url(2, "/cors/encode/gzip/text/hello");
    let brotli = url(3, "/cors/encode/br/filler/20000/text/hello?n=br");
    let unwanted = url(4, "/cors/text/Out%20of%20stock");
    let price = url(5, "/cors/text/Price%3A%2042");
    let no_price = url(6, "/cors/text/Price%3A%20soon");
    let list = format!(
        "{found} contains=\"Add to cart\"\n\
         {too_far} contains=\"Add to cart\" within=16KB\n\
         {gzip} contains=hello\n\
         {brotli} contains=hello\n\
         {unwanted} not-contains=\"Out of stock\"\n\
         {price} matches=(?i)price:\\s*\\d+\n\
         {no_price} matches=Price:\\s*\\d+\n"
    );
    let rows = check_rows(&page, &list).await;
    expect_row(&rows, &found, "up", "HTTP 200 OK");
    expect_row(
        &rows,
        &too_far,
        "down",
        "expected text not found: contains=\"Add to cart\" (first 16 KB)",
    );
    expect_row(&rows, &gzip, "up", "HTTP 200 OK");
    expect_row(&rows, &brotli, "up", "HTTP 200 OK");
    expect_row(
        &rows,
        &unwanted,
        "down",
        "unwanted text found: not-contains=\"Out of stock\"",
    );
    expect_row(&rows, &price, "up", "HTTP 200 OK");
    expect_row(
        &rows,
        &no_price,
        "down",
        "expected text not found: matches=",
    );
}

/// Bytes of this wasm instance's linear memory, and Chromium's JS heap in
/// use (`performance.memory`, non-standard; 0 elsewhere).
fn memory_now() -> (f64, f64) {
    let wasm = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .unwrap()
        .buffer()
        .dyn_into::<js_sys::ArrayBuffer>()
        .unwrap()
        .byte_length() as f64;
    let perf = web_sys::window().unwrap().performance().unwrap();
    let heap = js_sys::Reflect::get(&perf, &"memory".into())
        .ok()
        .filter(|m| !m.is_undefined())
        .and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    (wasm, heap)
}

#[wasm_bindgen_test]
async fn a_gzip_bomb_costs_only_what_within_allows() {
    let page = Page::mount().await;
    let bomb = url(0, "/cors/gzip-bomb/1024");
    page.type_into("#list", &format!("{bomb} contains=x within=64KB"))
        .await;
    let (wasm_before, heap_before) = memory_now();
    let start = js_sys::Date::now();
    page.click("#check").await;
    page.wait_done(Duration::from_secs(20)).await;
    let took = js_sys::Date::now() - start;
    let (wasm_after, heap_after) = memory_now();
    let rows = page.rows();
    expect_row(
        &rows,
        &bomb,
        "down",
        "expected text not found: contains=x (first 64 KB)",
    );
    let mib = |b: f64| b / 1_048_576.0;
    console_log!(
        "gzip bomb (1 GiB of zeros) with within=64KB: {took:.0} ms; wasm memory \
         {:.2} → {:.2} MiB; JS heap in use {:.2} → {:.2} MiB",
        mib(wasm_before),
        mib(wasm_after),
        mib(heap_before),
        mib(heap_after)
    );
    assert!(took < 5_000.0, "took {took} ms");
    // 1 GiB decoded would show; 64 KiB read (and a chunk or two) does not.
    assert!(
        wasm_after - wasm_before < 16.0 * 1_048_576.0,
        "wasm memory grew {} MiB",
        mib(wasm_after - wasm_before)
    );
}

#[wasm_bindgen_test]
async fn flaky_sites_pass_on_a_later_try_and_say_so() {
    let page = Page::mount().await;
    let n = js_sys::Date::now();
    let flaky = url(0, &format!("/cors/sequence/503-200?n=flaky{n}"));
    let strict = url(1, &format!("/cors/sequence/503-200?n=strict{n}"));
    let later = url(
        2,
        &format!("/cors/sequence/429-200/retry-after/1?n=later{n}"),
    );
    let list = format!("{flaky} retries=2\n{strict} retries=0\n{later} retries=1");
    let rows = check_rows(&page, &list).await;
    expect_row(&rows, &flaky, "up", "up on try 2 of 3 (flaky)");
    let r = row(&rows, &flaky);
    assert_eq!((r.tries, r.flaky), (Some(2), true), "{r:?}");
    assert!(
        page.root
            .query_selector(&format!("li.row[data-url='{flaky}'] .flaky-badge"))
            .unwrap()
            .is_some(),
        "no flaky badge"
    );
    expect_row(&rows, &strict, "down", "HTTP 503");
    assert_eq!(
        (row(&rows, &strict).tries, row(&rows, &strict).flaky),
        (Some(1), false)
    );
    // The 429's Retry-After (1 s) is waited out, then the second try is up.
    expect_row(&rows, &later, "up", "up on try 2 of 2 (flaky)");
    let summary = page.summary().unwrap();
    assert_eq!(summary.flaky, 2, "{summary:?}");
    assert!(
        page.text("#flaky").contains("flaky 2"),
        "{}",
        page.text("#flaky")
    );
    assert!(
        summary.sum_ms >= 1_000.0,
        "Retry-After not waited: {summary:?}"
    );

    // The list-wide Retries setting applies to lines without retries=.
    let again = url(3, &format!("/cors/sequence/503-200?n=again{n}"));
    page.type_into("#retries", "1").await;
    let rows = check_rows(&page, &again).await;
    expect_row(&rows, &again, "up", "up on try 2 of 2 (flaky)");
    // And a site that keeps failing says how often it was tried.
    let dead = url(4, &format!("/cors/status/500?n=dead{n}"));
    let rows = check_rows(&page, &dead).await;
    expect_row(&rows, &dead, "down", "failed 2 tries");
    assert_eq!(page.summary().unwrap().flaky, 0);
}

#[wasm_bindgen_test]
async fn rate_limits_and_bot_walls_have_their_own_words() {
    let page = Page::mount().await;
    let limited = url(0, "/cors/status/429/retry-after/30");
    let cloudflare = url(1, "/cors/challenge/cloudflare");
    let aws = url(2, "/cors/challenge/aws");
    let vercel = url(3, "/cors/challenge/vercel");
    let maintenance = url(4, "/cors/status/503/retry-after/5");
    let rows = check_rows(
        &page,
        &format!("{limited}\n{cloudflare}\n{aws}\n{vercel}\n{maintenance}"),
    )
    .await;
    expect_row(
        &rows,
        &limited,
        "limited",
        "rate-limited, retry after 30.00 s",
    );
    expect_row(
        &rows,
        &cloudflare,
        "challenged",
        "bot wall answered (Cloudflare)",
    );
    expect_row(&rows, &aws, "challenged", "(AWS WAF)");
    // A wall's 429 is the wall, not a rate limit.
    expect_row(&rows, &vercel, "challenged", "(Vercel)");
    expect_row(
        &rows,
        &maintenance,
        "limited",
        "rate-limited or down for maintenance, retry after 5.00 s",
    );
    for outcome in ["limited", "challenged"] {
        let chip = format!("button.chip[data-outcome={outcome}]");
        assert!(page.text(&chip).contains(outcome), "{}", page.text(&chip));
    }
    page.click("button.chip[data-outcome=challenged]").await;
    assert_eq!(shown_urls(&page), [&*cloudflare, &*aws, &*vercel]);
    // Neither is the site failing: the tab title says nothing is down.
    let title = web_sys::window().unwrap().document().unwrap().title();
    assert!(!title.contains("down"), "{title}");
}

#[wasm_bindgen_test]
async fn an_unreadable_body_is_never_guessed() {
    let page = Page::mount().await;
    let opaque = url(0, "/text/hello");
    let rows = check_rows(&page, &format!("{opaque} contains=hello")).await;
    expect_row(
        &rows,
        &opaque,
        "reachable",
        "the browser cannot read the body (CORS), so contains=hello was not checked",
    );
}

#[wasm_bindgen_test]
async fn a_bad_option_makes_its_line_invalid_naming_the_option() {
    let page = Page::mount().await;
    let ok = url(0, "/cors/status/200");
    let slow = url(1, "/cors/status/200?n=slow");
    let regex = url(2, "/cors/status/200?n=regex");
    let list = format!("{ok}\n{slow} slow=soon\n{regex} matches=\"a(\"\nretries=2\n");
    let rows = check_rows(&page, &list).await;
    assert_eq!(state_of(&rows, &ok), "up");
    let bad = rows.iter().find(|r| r.line == 2).unwrap();
    assert_eq!(bad.state, "invalid");
    assert!(
        bad.text
            .contains("line 2: option 'slow': 'soon' is not a duration"),
        "{bad:?}"
    );
    // The browser's own RegExp reads the pattern when the list is read, and
    // its own words say what is wrong (each engine words it differently:
    // "Invalid regular expression: … Unterminated group", "unterminated
    // parenthetical").
    let bad = rows.iter().find(|r| r.line == 3).unwrap();
    assert_eq!(bad.state, "invalid");
    let why = bad
        .text
        .split("line 3: option 'matches': ")
        .nth(1)
        .unwrap_or_else(|| panic!("{bad:?}"));
    assert!(
        why.to_lowercase().contains("unterminated"),
        "the engine's reason: {bad:?}"
    );
    let bad = rows.iter().find(|r| r.line == 4).unwrap();
    assert!(bad.text.contains("options without a site"), "{bad:?}");
    assert!(page.text("#summary").contains("invalid 3"));
}

#[wasm_bindgen_test]
async fn a_share_link_carries_each_lines_options() {
    let found = url(0, "/cors/text/Add%20to%20cart?n=share");
    let slow = url(1, "/cors/delay/300?n=share");
    let list = format!(
        "# shop\n{found} contains=\"Add to cart\" not-contains=\"Out of stock\"\n\
         {slow} slow=100ms retries=1 within=8KB\n"
    );
    let link = {
        let page = Page::mount().await;
        page.type_into("#list", &list).await;
        page.click("#share").await;
        page.value("#share-link")
    };
    let fragment = &link[link.find('#').unwrap()..];
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
        .unwrap();
    let page = Page::mount().await;
    wait_for(&page, "#notice").await;
    assert_eq!(page.value("#list"), list);
    page.click("#check").await;
    page.wait_done(Duration::from_secs(10)).await;
    let rows = page.rows();
    expect_row(&rows, &found, "up", "HTTP 200 OK");
    expect_row(&rows, &slow, "slow", "over the 100 ms threshold");
}

// The waterfall: one bar per check on the run's clock.

/// A bar of the waterfall as the page draws it.
#[derive(Debug, serde::Deserialize)]
struct WfBar {
    id: usize,
    start: f64,
    end: f64,
    outcome: String,
    count: usize,
    title: String,
}

const BARS_JS: &str =
    "return [...document.querySelectorAll('#waterfall-chart g.bar')].map(g => ({ \
    id: +g.dataset.id, start: +g.dataset.startMs, end: +g.dataset.endMs, \
    outcome: g.dataset.outcome, count: +g.dataset.count, \
    title: g.querySelector('title').textContent }));";

fn bars() -> Vec<WfBar> {
    read(BARS_JS)
}

/// Most bars in flight at once, counted from what is drawn (a bar that ends
/// as another starts handed its slot over).
fn most_at_once(bars: &[WfBar]) -> usize {
    let mut events: Vec<(f64, i32)> = bars
        .iter()
        .flat_map(|b| [(b.start, 1), (b.end, -1)])
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0, 0);
    for (_, step) in events {
        now += step;
        most = most.max(now);
    }
    most as usize
}

/// Runs a script in the page for its side effects.
fn run_js(script: &str) {
    js_sys::Function::new_no_args(script)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
}

#[wasm_bindgen_test]
async fn waterfall_of_a_concurrent_run_never_overlaps_past_the_limit() {
    let page = Page::mount().await;
    let list: Vec<String> = (0..6)
        .map(|i| url(i, &format!("/cors/delay/300?n={i}")))
        .collect();
    page.type_into("#concurrency", "2").await;
    page.check(&list.join("\n")).await;
    let drawn = bars();
    assert_eq!(
        drawn.iter().map(|b| b.id).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5],
        "one bar per site, in list order: {drawn:?}"
    );
    assert_eq!(
        most_at_once(&drawn),
        2,
        "two at a time, never more: {drawn:?}"
    );
    assert_eq!(
        page.attr("#waterfall-chart", "data-max-overlap").as_deref(),
        Some("2")
    );
    assert_eq!(
        page.attr("#waterfall-chart", "data-limit").as_deref(),
        Some("2")
    );
    for (bar, site) in drawn.iter().zip(&list) {
        assert!(bar.end - bar.start >= 250.0, "a 300 ms check: {bar:?}");
        assert!(
            bar.title.starts_with(&format!("{site}: up")),
            "the title names the site and its outcome: {bar:?}"
        );
    }
    let summary = page.text("#waterfall-summary");
    assert!(
        summary.contains("at most 2 in flight at once (limit 2)"),
        "{summary}"
    );
}

#[wasm_bindgen_test]
async fn waterfall_grows_while_checks_are_in_flight() {
    let page = Page::mount().await;
    let list: Vec<String> = (0..3)
        .map(|i| url(i, &format!("/cors/delay/1500?live={i}")))
        .collect();
    page.type_into("#concurrency", "2").await;
    page.type_into("#list", &list.join("\n")).await;
    page.click("#check").await;
    // Before any answer: the checks holding the two slots are drawn, from
    // their start to now, and they grow with the run's clock.
    wait_for(&page, "#waterfall-chart g.bar[data-outcome=checking]").await;
    let early = bars();
    assert!(
        early.iter().all(|b| b.outcome == "checking") && early.len() == 2,
        "two in flight, none finished yet: {early:?}"
    );
    yew::platform::time::sleep(Duration::from_millis(600)).await;
    let later = bars();
    assert!(
        later
            .iter()
            .zip(&early)
            .all(|(l, e)| l.end >= e.end + 300.0),
        "the in-flight bars grew: {early:?} then {later:?}"
    );
    page.wait_done(Duration::from_secs(10)).await;
    let done = bars();
    assert_eq!(done.len(), 3, "{done:?}");
    assert!(done.iter().all(|b| b.outcome == "up"), "{done:?}");
    assert_eq!(most_at_once(&done), 2, "{done:?}");
}

#[wasm_bindgen_test]
async fn waterfall_of_one_at_a_time_is_a_staircase_beside_the_wall() {
    let page = Page::mount().await;
    let list: Vec<String> = (0..4)
        .map(|i| url(i, &format!("/cors/delay/150?n={i}")))
        .collect();
    page.choose("#mode", "sequential").await;
    page.check(&list.join("\n")).await;
    let mut drawn = bars();
    assert_eq!(drawn.len(), 4, "{drawn:?}");
    drawn.sort_by(|a, b| a.start.total_cmp(&b.start));
    for pair in drawn.windows(2) {
        assert!(
            pair[1].start >= pair[0].end,
            "one at a time: each starts after the last ended: {drawn:?}"
        );
    }
    assert_eq!(most_at_once(&drawn), 1);

    page.choose("#mode", "concurrent").await;
    page.click("#check").await;
    page.wait_done(Duration::from_secs(10)).await;
    let figures = read::<Vec<(String, String, usize)>>(
        "return [...document.querySelectorAll('#compare-charts figure')].map(f => \
         [f.dataset.mode, f.querySelector('svg').dataset.maxOverlap, \
          f.querySelectorAll('rect.bar').length]);",
    );
    assert_eq!(
        figures,
        [
            ("sequential".to_owned(), "1".to_owned(), 4),
            ("concurrent".to_owned(), "4".to_owned(), 4),
        ],
        "the staircase beside the wall"
    );
    // One time scale: the concurrent run's last bar ends far left of the
    // sequential run's.
    let ends = read::<Vec<f64>>(
        "return [...document.querySelectorAll('#compare-charts svg')].map(s => \
         Math.max(...[...s.querySelectorAll('rect.bar')].map(r => +r.getAttribute('x') + +r.getAttribute('width'))));",
    );
    assert!(ends[1] < ends[0] * 0.6, "right edges {ends:?}");
}

#[wasm_bindgen_test]
async fn waterfall_follows_the_lists_filter_and_sort() {
    let page = Page::mount().await;
    let b = url(0, "/cors/status/200?b");
    let missing = url(1, "/cors/status/404");
    let a = url(2, "/cors/status/200?a");
    page.check(&format!("{b}\n{missing}\n{a}\nftp://x.example/"))
        .await;
    let titles = || -> Vec<String> {
        bars()
            .into_iter()
            .map(|b| b.title.split(": ").next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(),
        [&*b, &*missing, &*a],
        "the invalid line was never timed"
    );

    page.click("button.chip[data-outcome=down]").await;
    let drawn = bars();
    assert_eq!(drawn.len(), 1, "{drawn:?}");
    assert_eq!(drawn[0].outcome, "down");
    assert!(
        page.text("#waterfall-summary")
            .contains("1 of 3 checks shown"),
        "{}",
        page.text("#waterfall-summary")
    );
    page.click("button.chip[data-outcome=down]").await;

    page.choose("#sort", "url").await;
    let order: Vec<String> = shown_urls(&page)
        .into_iter()
        .filter(|u| u.starts_with("http"))
        .collect();
    assert_eq!(titles(), order, "bars in the list's order");
}

#[wasm_bindgen_test]
async fn waterfall_bars_are_read_and_lead_to_their_rows() {
    let page = Page::mount().await;
    let list: Vec<String> = (0..3)
        .map(|i| url(i, &format!("/cors/status/200?n={i}")))
        .collect();
    page.check(&list.join("\n")).await;
    // Focus names the site visibly, beyond the SVG title.
    run_js("document.querySelector('#waterfall-chart g.bar').focus();");
    page.settle().await;
    let caption = page.text("#waterfall-caption");
    assert!(
        caption.starts_with(&format!("{}: up", list[0])),
        "{caption}"
    );
    // Arrow keys move between bars; only the current one is in the tab order.
    run_js(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', \
         { key: 'ArrowDown', bubbles: true }));",
    );
    page.settle().await;
    let focused = read::<Option<String>>(
        "return document.activeElement && document.activeElement.dataset.id || null;",
    );
    assert_eq!(focused.as_deref(), Some("1"));
    assert!(page.text("#waterfall-caption").starts_with(&list[1]));
    let tabbable = read::<usize>(
        "return document.querySelectorAll('#waterfall-chart g.bar[tabindex=\"0\"]').length;",
    );
    assert_eq!(tabbable, 1);
    // Enter shows the bar's row: marked, and focused for the keyboard.
    run_js(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', \
         { key: 'Enter', bubbles: true }));",
    );
    page.settle().await;
    page.settle().await;
    let chosen = page.find(&format!("li.row[data-url='{}']", list[1]));
    assert!(chosen.class_name().split(' ').any(|c| c == "selected"));
    assert_eq!(
        chosen.get_attribute("aria-current").as_deref(),
        Some("true")
    );
    let active = read::<Option<String>>(
        "return document.activeElement && document.activeElement.dataset.url || null;",
    );
    assert_eq!(active.as_deref(), Some(list[1].as_str()));
    // A click does the same.
    run_js(
        "document.querySelector('#waterfall-chart g.bar[data-id=\"2\"]')\
         .dispatchEvent(new MouseEvent('click', { bubbles: true }));",
    );
    page.settle().await;
    page.settle().await;
    assert!(page
        .find(&format!("li.row[data-url='{}']", list[2]))
        .class_name()
        .split(' ')
        .any(|c| c == "selected"));
}

#[wasm_bindgen_test]
async fn waterfall_exports_a_standalone_svg_with_one_rect_per_site() {
    let page = Page::mount().await;
    let list: Vec<String> = (0..5)
        .map(|i| url(i, &format!("/cors/status/200?n={i}")))
        .collect();
    page.check(&format!(
        "{}\n{}",
        list.join("\n"),
        url(0, "/cors/status/503")
    ))
    .await;
    // Keep what the page offers for download instead of saving it.
    run_js(
        "window.__saved = []; const make = URL.createObjectURL; \
         URL.createObjectURL = b => { window.__saved.push(b); return make.call(URL, b); };",
    );
    page.click("#export-waterfall").await;
    let text = wasm_bindgen_futures::JsFuture::from(
        js_sys::Function::new_no_args("return window.__saved[0].text();")
            .call0(&wasm_bindgen::JsValue::NULL)
            .unwrap()
            .dyn_into::<js_sys::Promise>()
            .unwrap(),
    )
    .await
    .unwrap()
    .as_string()
    .unwrap();
    run_js("delete URL.createObjectURL;");
    assert!(
        text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{text}"
    );
    assert_eq!(text.matches("<rect class=\"bar ").count(), 6, "{text}");
    assert!(text.contains("<rect class=\"bar down\""), "{text}");
    assert!(!text.contains("var(--"), "styles inline: {text}");
    let broken = js_sys::Function::new_with_args(
        "t",
        "return !!new DOMParser().parseFromString(t, 'image/svg+xml').querySelector('parsererror');",
    )
    .call1(&wasm_bindgen::JsValue::NULL, &text.clone().into())
    .unwrap();
    assert_eq!(broken.as_bool(), Some(false), "well-formed XML: {text}");
}

#[wasm_bindgen_test]
async fn waterfall_of_a_thousand_sites_draws_a_bounded_number_of_lanes() {
    let page = Page::mount().await;
    page.type_into("#concurrency", "32").await;
    let list: Vec<String> = (0..1_000)
        .map(|i| url(i, &format!("/cors/status/200?n={i}")))
        .collect();
    page.type_into("#list", &list.join("\n")).await;
    page.click("#check").await;
    page.wait_done(Duration::from_secs(120)).await;
    let drawn = bars();
    assert_eq!(
        page.attr("#waterfall-chart", "data-bars").as_deref(),
        Some("1000")
    );
    assert!(drawn.len() <= 120, "{} lanes", drawn.len());
    assert_eq!(drawn.iter().map(|b| b.count).sum::<usize>(), 1_000);
    assert!(most_at_once(&drawn) >= 1);
    let overlap: usize = page
        .attr("#waterfall-chart", "data-max-overlap")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=32).contains(&overlap), "{overlap}");
}
