//! First usable time (`first-load`): the release page, served by the proxy
//! library as a deployment serves it (precompressed brotli), opened in
//! headless Chromium with the browser cache off and the conditions of
//! Lighthouse's mobile profile applied through the DevTools protocol: 1.6
//! Mbit/s down, 750 kbit/s up, 150 ms added to every request's round trip,
//! and the CPU slowed 4×. Measured from navigation start (the page's
//! `performance.timeOrigin`):
//!
//! - first contentful paint (the static header and list box);
//! - **list box takes input**: the static page's list box and Check
//!   (index.html) are in the page and painted, before any wasm;
//! - **usable**: the app has mounted — Check works from here on, and a Check
//!   pressed on the static page starts its run now — seen by a
//!   `MutationObserver` installed before any of the page's own scripts run;
//! - **first answer**: one URL is typed into the static list box and Check
//!   pressed the moment the box takes input; when its row says `up`;
//! - when the wasm file finished arriving, and the bytes transferred.
//!
//! [`RUNS`] loads, each in a fresh browser; the median
//! is reported against [`GOAL_MS`].

use super::common::ms;
use crate::e2e::driver::Browser;
use crate::e2e::page::Page;
use crate::e2e::site::Site;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::time::Duration;
use upcheck_fixture::Fixture;

/// Loads measured (the median is reported).
pub const RUNS: usize = 3;
/// The goal for first usable time, in milliseconds.
pub const GOAL_MS: f64 = 1500.0;
/// 1.6 Mbit/s in bytes per second (DevTools takes bytes).
const DOWN_BPS: f64 = 1_600_000.0 / 8.0;
/// 750 kbit/s.
const UP_BPS: f64 = 750_000.0 / 8.0;
/// Added to each request's round trip, ms.
const LATENCY_MS: f64 = 150.0;
/// CPU slowdown.
const CPU_RATE: f64 = 4.0;
/// The longest a throttled load may take before it counts as failed.
const LOAD_LIMIT: Duration = Duration::from_secs(60);

/// Installed before the page's own scripts on every new document.
const OBSERVE_JS: &str = "
    window.__fu = { input: null, usable: null, answered: null };
    const seen = (key, selector) => {
        if (window.__fu[key] === null && document.querySelector(selector)) {
            window.__fu[key] = performance.now();
        }
    };
    new MutationObserver((_, obs) => {
        seen('input', '#list');
        seen('usable', '#check:not(.early)');
        seen('answered', 'li.row[data-state=\"up\"]');
        if (window.__fu.answered !== null) obs.disconnect();
    }).observe(document, { childList: true, subtree: true, attributes: true });";

/// What the load cost, once the early Check has its answer.
const READ_JS: &str = "
    if (window.__fu.answered === null) return null;
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const wasm = res.find(r => r.name.endsWith('.wasm'));
    const bytes = res.reduce((s, r) => s + r.transferSize, nav ? nav.transferSize : 0);
    return { input: window.__fu.input, usable: window.__fu.usable,
             answered: window.__fu.answered, fcp: paint ? paint.startTime : null,
             wasm_end: wasm ? wasm.responseEnd : null,
             wasm_bytes: wasm ? wasm.transferSize : null,
             wasm_encoding: wasm && wasm.encodedBodySize < wasm.decodedBodySize ? 'compressed' : 'identity',
             bytes, requests: res.length + 1 };";

/// One throttled load.
#[derive(Debug, Clone)]
pub struct Load {
    pub input_ms: Option<f64>,
    pub usable_ms: f64,
    pub answered_ms: Option<f64>,
    pub fcp_ms: Option<f64>,
    pub wasm_end_ms: Option<f64>,
    pub wasm_bytes: Option<f64>,
    pub bytes: f64,
    pub requests: u64,
    pub compressed: bool,
}

/// One load in a fresh Chromium, throttled; then one check through the page.
async fn load_once(site: &Site, fixture: &Fixture) -> Result<Load, String> {
    // Page load strategy "none": the list box is typed into while the page
    // is still loading.
    let page = Page::unopened_loading(Browser::Chromium, &site.url("/"))
        .await
        .map_err(|e| e.to_string())?;
    let result = async {
        page.cdp("Network.enable", json!({})).await?;
        page.cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
            .await?;
        page.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": LATENCY_MS,
                    "downloadThroughput": DOWN_BPS, "uploadThroughput": UP_BPS }),
        )
        .await?;
        page.cdp(
            "Emulation.setCPUThrottlingRate",
            json!({ "rate": CPU_RATE }),
        )
        .await?;
        page.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": OBSERVE_JS }),
        )
        .await?;
        page.navigate().await?;
        let input = "document.querySelector('#list')";
        page.wait_for("waiting for the list box", LOAD_LIMIT, input)
            .await?;
        page.type_list(&[fixture.url(0, "/cors/status/200")])
            .await?;
        // The static Check is offered once start.js can remember a press.
        let check = "document.querySelector('#check:not(:disabled)')";
        page.wait_for("waiting for Check", LOAD_LIMIT, check)
            .await?;
        page.click("#check").await?;
        let seen = page
            .poll_js("waiting for the early Check's answer", LOAD_LIMIT, READ_JS)
            .await?;
        Ok::<Value, crate::e2e::page::Failure>(seen)
    }
    .await;
    let _ = page.close().await;
    let seen = result.map_err(|e| e.to_string())?;
    let num = |k: &str| seen[k].as_f64();
    Ok(Load {
        // In the page is not yet on the screen: the box takes input once
        // it is both.
        input_ms: num("input").zip(num("fcp")).map(|(i, f)| i.max(f)),
        usable_ms: num("usable").ok_or("no usable time")?,
        answered_ms: num("answered"),
        fcp_ms: num("fcp"),
        wasm_end_ms: num("wasm_end"),
        wasm_bytes: num("wasm_bytes"),
        bytes: num("bytes").unwrap_or(0.0),
        requests: seen["requests"].as_u64().unwrap_or(0),
        compressed: seen["wasm_encoding"] == "compressed",
    })
}

/// [`RUNS`] loads; the Markdown section with the median and every run.
pub async fn first_load(site: &Site, fixture: &Fixture) -> Result<String, String> {
    let mut loads = Vec::new();
    for i in 0..RUNS {
        let load = load_once(site, fixture).await?;
        println!(
            "  load {}: list box {}, usable {}, first answer {} (fcp {}, wasm arrived {}), \
             {:.0} KB in {} requests",
            i + 1,
            ms(load.input_ms),
            ms(Some(load.usable_ms)),
            ms(load.answered_ms),
            ms(load.fcp_ms),
            ms(load.wasm_end_ms),
            load.bytes / 1000.0,
            load.requests
        );
        loads.push(load);
    }
    loads.sort_by(|a, b| a.usable_ms.total_cmp(&b.usable_ms));
    let median = loads[loads.len() / 2].clone();
    let mut t = String::from(
        "| | first contentful paint | list box takes input | wasm arrived | **usable** (Check works) | goal | a Check pressed at once: first answer | transferred | wasm transferred |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let row = |t: &mut String, name: &str, l: &Load| {
        let _ = writeln!(
            t,
            "| {name} | {} | {} | {} | **{}** | {} | {} | {:.1} KB in {} requests | {} |",
            ms(l.fcp_ms),
            ms(l.input_ms),
            ms(l.wasm_end_ms),
            ms(Some(l.usable_ms)),
            if l.usable_ms <= GOAL_MS {
                format!("≤ {GOAL_MS:.0} ms: met")
            } else {
                format!("≤ {GOAL_MS:.0} ms: **{:.2}× over**", l.usable_ms / GOAL_MS)
            },
            ms(l.answered_ms),
            l.bytes / 1000.0,
            l.requests,
            l.wasm_bytes.map_or("–".into(), |b| format!(
                "{:.1} KB{}",
                b / 1000.0,
                if l.compressed {
                    ""
                } else {
                    " (not compressed!)"
                }
            )),
        );
    };
    row(&mut t, "median", &median);
    for (i, l) in loads.iter().enumerate() {
        row(&mut t, &format!("load {} (sorted)", i + 1), l);
    }
    let _ = writeln!(
        t,
        "\nThrottling (DevTools protocol): {:.1} Mbit/s down, {:.0} kbit/s up, {LATENCY_MS:.0} ms \
         latency per request, CPU {CPU_RATE:.0}× slower; cache disabled; a fresh headless Chromium \
         per load; times from navigation start.",
        DOWN_BPS * 8.0 / 1e6,
        UP_BPS * 8.0 / 1e3,
    );
    Ok(t)
}
