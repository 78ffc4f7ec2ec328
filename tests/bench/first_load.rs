//! First usable time (`first-load`): the release page, served by the proxy
//! library as a deployment serves it (precompressed brotli), opened in
//! headless Chromium with the browser cache off and the conditions of
//! Lighthouse's mobile profile applied through the DevTools protocol: 1.6
//! Mbit/s down, 750 kbit/s up, 150 ms added to every request's round trip,
//! and the CPU slowed 4×. Measured from navigation start (the page's
//! `performance.timeOrigin`):
//!
//! - first contentful paint (the static header and "Loading the checker…");
//! - **usable**: the app has mounted, i.e. the list box (`#list`) and Check
//!   (`#check`) are in the page with their handlers, seen by a
//!   `MutationObserver` installed before any of the page's own scripts run;
//! - when the wasm file finished arriving, and the bytes transferred.
//!
//! After each load the run is proven to work: one URL typed, Check pressed,
//! its row must finish. [`RUNS`] loads, each in a fresh browser; the median
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
    window.__fu = { usable: null };
    new MutationObserver((_, obs) => {
        if (document.getElementById('check') && document.getElementById('list')) {
            window.__fu.usable = performance.now();
            obs.disconnect();
        }
    }).observe(document, { childList: true, subtree: true });";

/// What the load cost, once the app is usable.
const READ_JS: &str = "
    if (window.__fu.usable === null) return null;
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const wasm = res.find(r => r.name.endsWith('.wasm'));
    const bytes = res.reduce((s, r) => s + r.transferSize, nav ? nav.transferSize : 0);
    return { usable: window.__fu.usable, fcp: paint ? paint.startTime : null,
             wasm_end: wasm ? wasm.responseEnd : null,
             wasm_bytes: wasm ? wasm.transferSize : null,
             wasm_encoding: wasm && wasm.encodedBodySize < wasm.decodedBodySize ? 'compressed' : 'identity',
             bytes, requests: res.length + 1 };";

/// One throttled load.
#[derive(Debug, Clone)]
pub struct Load {
    pub usable_ms: f64,
    pub fcp_ms: Option<f64>,
    pub wasm_end_ms: Option<f64>,
    pub wasm_bytes: Option<f64>,
    pub bytes: f64,
    pub requests: u64,
    pub compressed: bool,
}

/// One load in a fresh Chromium, throttled; then one check through the page.
async fn load_once(site: &Site, fixture: &Fixture) -> Result<Load, String> {
    let page = Page::unopened(Browser::Chromium, &site.url("/"))
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
        let seen = page
            .poll_js("waiting for the app to be usable", LOAD_LIMIT, READ_JS)
            .await?;
        // Usable means usable: a check runs from the freshly loaded page.
        page.type_list(&[fixture.url(0, "/cors/status/200")])
            .await?;
        page.click("#check").await?;
        page.wait_until_done(LOAD_LIMIT).await?;
        Ok::<Value, crate::e2e::page::Failure>(seen)
    }
    .await;
    let _ = page.close().await;
    let seen = result.map_err(|e| e.to_string())?;
    let num = |k: &str| seen[k].as_f64();
    Ok(Load {
        usable_ms: num("usable").ok_or("no usable time")?,
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
            "  load {}: usable {} (fcp {}, wasm arrived {}), {:.0} KB in {} requests",
            i + 1,
            ms(Some(load.usable_ms)),
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
        "| | first contentful paint | wasm arrived | **usable** (list box and Check) | goal | transferred | wasm transferred |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    let row = |t: &mut String, name: &str, l: &Load| {
        let _ = writeln!(
            t,
            "| {name} | {} | {} | **{}** | {} | {:.1} KB in {} requests | {} |",
            ms(l.fcp_ms),
            ms(l.wasm_end_ms),
            ms(Some(l.usable_ms)),
            if l.usable_ms <= GOAL_MS {
                format!("≤ {GOAL_MS:.0} ms: met")
            } else {
                format!("≤ {GOAL_MS:.0} ms: **{:.2}× over**", l.usable_ms / GOAL_MS)
            },
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
