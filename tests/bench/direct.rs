//! Direct mode in Chromium: the release page (`dist/`, served by the proxy
//! library) in headless Chromium through chromedriver (`tests/e2e/`), checking
//! from the browser as a visitor would: the wall time as the page reports it
//! (`#summary[data-wall-ms]`), the time to the first finished row
//! (MutationObserver), the longest main-thread task (Long Tasks API), and where
//! the browser's time went (Resource Timing). Then the Chromium floor: the same
//! fetches from a dozen lines of plain JavaScript on a fresh page, the
//! browser's own cost, so what the page itself adds is the difference.

use super::common::{ideal_ms, measured, Row, DIRECT, FLOOR};
use super::{BROWSER_SOCKETS, PAGE_CONCURRENCY, PER_HOST};
use crate::e2e::driver::Browser;
use crate::e2e::page::Page;
use crate::e2e::site::Site;
use serde_json::Value;
use std::time::Duration;
use upcheck_fixture::Fixture;

const OBSERVE_JS: &str = "
    window.__bench = { longest: 0, longest_at: null, first: null, t0: null, next_paint: null };
    performance.clearResourceTimings();
    performance.setResourceTimingBufferSize(100000);
    new PerformanceObserver(list => {
        for (const e of list.getEntries())
            if (e.duration > window.__bench.longest) {
                window.__bench.longest = e.duration;
                window.__bench.longest_at = e.startTime;
            }
    }).observe({ type: 'longtask' });
    // On window, capturing: before Yew's own delegated listener starts the run.
    // Click to next paint, as Interaction to Next Paint counts it: the frame
    // after the click's task (its handlers and their microtasks: the list
    // read, the first render) calls this rAF before it lays out and paints;
    // a message posted there runs once that frame is drawn. What a person
    // waits before the page answers the click, even under 50 ms.
    window.addEventListener('click', e => {
        if (window.__bench.t0 === null && e.target.closest('#check')) {
            window.__bench.t0 = performance.now();
            requestAnimationFrame(() => {
                const after = new MessageChannel();
                after.port1.onmessage = () => {
                    window.__bench.next_paint = performance.now() - window.__bench.t0;
                };
                after.port2.postMessage(null);
            });
        }
    }, { capture: true });
    new MutationObserver(() => {
        if (window.__bench.first === null &&
            document.querySelector('li.row[data-state=up], li.row[data-state=down]'))
            window.__bench.first = performance.now();
    }).observe(document.body, { subtree: true, attributes: true, childList: true,
                                attributeFilter: ['data-state'] });
    return true;";

/// The summary's `up` chip (" up 1000"): rows over 100 are virtualised, so
/// counting rows in the DOM would see only those in view. Also the run's
/// mode as the summary states it, to be sure it was not the proxy.
const TALLY_JS: &str = "const chip = document.querySelector('#summary .chip[data-outcome=up]');
    const timing = document.querySelector('#timing');
    return { up: chip ? Number(chip.innerText.trim().split(/\\s+/).pop()) : 0,
             timing: timing ? timing.innerText : '' };";

/// Where the browser's time went, from Resource Timing (the fixture sends
/// `Timing-Allow-Origin`): when the page called fetch relative to the
/// click, how long requests waited in the browser before being sent, how
/// long the server took, and how late the last answer came.
const TIMING_JS: &str = "const t0 = window.__bench.t0;
    const e = performance.getEntriesByType('resource').filter(r => r.initiatorType === 'fetch');
    if (!e.length) return null;
    const q = e.map(r => r.requestStart - r.startTime).sort((a, b) => a - b);
    const srv = e.map(r => r.responseStart - r.requestStart).sort((a, b) => a - b);
    const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
    const stall = e.map(r => r.connectStart - r.startTime).sort((a, b) => a - b);
    const conn = e.filter(r => r.connectEnd > r.connectStart);
    return { fetches: e.length,
             first_start: Math.min(...e.map(r => r.startTime)) - t0,
             last_start: Math.max(...e.map(r => r.startTime)) - t0,
             last_response: Math.max(...e.map(r => r.responseStart)) - t0,
             queued_p50: pct(q, 0.5), queued_p90: pct(q, 0.9),
             stall_p50: pct(stall, 0.5), new_connections: conn.length,
             server_p50: pct(srv, 0.5), server_p90: pct(srv, 0.9) };";

/// The page's concurrency field: 256 (its maximum), or
/// `UPCHECK_BENCH_PAGE_CONCURRENCY` to see how the browser behaves below
/// its socket cap.
fn page_concurrency() -> usize {
    std::env::var("UPCHECK_BENCH_PAGE_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|c| (1..=PAGE_CONCURRENCY).contains(c))
        .unwrap_or(PAGE_CONCURRENCY)
}

/// The browser's floor: the same fetches (cors, no-store, aborted once the
/// headers are in) from a dozen lines of plain JavaScript, `concurrency`
/// workers pulling from the list. What the page adds is the difference.
const FLOOR_JS: &str = "const urls = arguments[0], c = arguments[1];
    window.__floor = null;
    let next = 0, up = 0;
    const t0 = performance.now();
    async function worker() {
        while (next < urls.length) {
            const ctl = new AbortController();
            try {
                const r = await fetch(urls[next++], { mode: 'cors', cache: 'no-store', signal: ctl.signal });
                if (r.ok) up++;
            } catch (e) {}
            ctl.abort();
        }
    }
    Promise.all(Array.from({ length: c }, worker))
        .then(() => { window.__floor = { wall: performance.now() - t0, up }; });
    return true;";

/// Direct mode through the page, then the browser's floor on a fresh
/// page: two rows.
pub async fn direct(
    n: usize,
    list: &[String],
    hosts: usize,
    site: &Site,
    fixture: &Fixture,
) -> Result<(Row, Result<Row, String>), String> {
    let page = Page::open(Browser::Chromium, site)
        .await
        .map_err(|e| e.to_string())?;
    let through_page = direct_on(&page, n, list, hosts).await;
    let _ = page.close().await;
    let row = measured(fixture, through_page.map_err(|e| e.to_string()))?;
    let floor = match Page::open(Browser::Chromium, site).await {
        Ok(page) => {
            let floor = floor_on(&page, n, list, hosts).await;
            let _ = page.close().await;
            floor.map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    Ok((row, measured(fixture, floor)))
}

async fn floor_on(
    page: &Page,
    n: usize,
    list: &[String],
    hosts: usize,
) -> Result<Row, crate::e2e::page::Failure> {
    let concurrency = page_concurrency();
    let urls = Value::from(list.to_vec());
    page.eval(
        "starting the plain-JS fetch pool",
        FLOOR_JS,
        vec![urls, Value::from(concurrency)],
    )
    .await?;
    let slots = concurrency.min(BROWSER_SOCKETS).min(PER_HOST * hosts);
    let ideal = ideal_ms(n, slots);
    let limit = Duration::from_millis(4 * ideal as u64 + 60_000);
    page.wait_for("the plain-JS pool", limit, "window.__floor")
        .await?;
    let got = page
        .eval("reading the floor", "return window.__floor;", vec![])
        .await?;
    let mut row = Row::new(n, FLOOR);
    row.concurrency = format!("{slots} (256 sockets, 6/host, {concurrency} workers)");
    row.wall_ms = got["wall"].as_f64();
    row.ideal_ms = Some(ideal);
    row.up = got["up"].as_u64().map(|u| u as usize);
    row.note = "no page: the browser's own cost per fetch".into();
    Ok(row)
}

async fn direct_on(
    page: &Page,
    n: usize,
    list: &[String],
    hosts: usize,
) -> Result<Row, crate::e2e::page::Failure> {
    page.select("#mode", "concurrent").await?;
    let concurrency = page_concurrency();
    page.set_field("#concurrency", &concurrency.to_string())
        .await?;
    page.set_field("#timeout", "60").await?;
    // The page is served by the proxy: make sure it checks from the browser.
    page.select("#via", "direct").await?;
    page.paste_list(&list.join("\n")).await?;
    page.eval("installing observers", OBSERVE_JS, vec![])
        .await?;
    let profile = std::env::var_os("UPCHECK_BENCH_PROFILE")
        .map(|dir| std::path::PathBuf::from(dir).join(format!("direct-{n}.cpuprofile")));
    if profile.is_some() {
        start_profile(page).await?;
    }
    page.click("#check").await?;
    let slots = concurrency.min(BROWSER_SOCKETS).min(PER_HOST * hosts);
    let ideal = ideal_ms(n, slots);
    let limit = Duration::from_millis(4 * ideal as u64 + 60_000);
    let summary = page.wait_until_done(limit).await?;
    // What the page does once the run is done (saving the results for the
    // next visit, the last renders) counts too: give it time to happen.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    if let Some(path) = &profile {
        save_profile(page, path).await?;
    }
    let seen = page
        .eval("reading the observers", "return window.__bench;", vec![])
        .await?;
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let tally = page.eval("reading the tally", TALLY_JS, vec![]).await?;
    let timing = tally["timing"].as_str().unwrap_or_default();
    if timing.contains("proxy") {
        return Err(crate::e2e::page::Failure::new(
            Browser::Chromium,
            "checking in direct mode",
            &format!("the run went through the proxy: {timing}"),
        ));
    }
    let timing = page
        .eval("reading resource timing", TIMING_JS, vec![])
        .await?;
    let mut row = Row::new(n, DIRECT);
    row.concurrency = format!("{slots} (256 sockets, 6/host, page {concurrency})");
    row.wall_ms = summary.wall_ms;
    row.ideal_ms = Some(ideal);
    row.first_ms = Some(num(&seen["first"]) - num(&seen["t0"]));
    row.longest_task_ms = Some(num(&seen["longest"]));
    row.up = tally["up"].as_u64().map(|u| u as usize);
    let t = |k: &str| timing[k].as_f64().unwrap_or(f64::NAN);
    // Where the longest task began, from the click: before it (negative)
    // is the paste's and the settings' rendering, not the run.
    let longest_at = num(&seen["longest_at"]) - num(&seen["t0"]);
    let longest_at = if longest_at.is_nan() {
        String::new()
    } else {
        format!("longest task began {longest_at:+.0} ms from the click; ")
    };
    let next_paint = num(&seen["next_paint"]);
    row.note = format!(
        "{longest_at}click to next paint {next_paint:.0} ms; list read in {:.0} ms; {} fetches: first sent {:.0} ms after the click, \
         last answer at {:.0} ms; waiting in the browser p50 {:.0} / p90 {:.0} ms, \
         server p50 {:.0} / p90 {:.0} ms; before connect p50 {:.0} ms; {} new connections",
        summary.read_ms.unwrap_or(f64::NAN),
        timing["fetches"],
        t("first_start"),
        t("last_response"),
        t("queued_p50"),
        t("queued_p90"),
        t("server_p50"),
        t("server_p90"),
        t("stall_p50"),
        timing["new_connections"],
    );
    Ok(row)
}

/// Starts the DevTools CPU profiler (0.1 ms samples) for
/// `UPCHECK_BENCH_PROFILE`: where a long task's time goes, by function.
async fn start_profile(page: &Page) -> Result<(), crate::e2e::page::Failure> {
    page.cdp("Profiler.enable", serde_json::json!({})).await?;
    page.cdp(
        "Profiler.setSamplingInterval",
        serde_json::json!({ "interval": 100 }),
    )
    .await?;
    page.cdp("Profiler.start", serde_json::json!({})).await?;
    Ok(())
}

/// Stops the profiler and writes its profile where DevTools can open it,
/// with the time origin of `performance.now()` beside it so a long task's
/// start (`longest_at`) can be found among the samples.
async fn save_profile(
    page: &Page,
    path: &std::path::Path,
) -> Result<(), crate::e2e::page::Failure> {
    let stopped = page.cdp("Profiler.stop", serde_json::json!({})).await?;
    let fail = |e: &dyn std::fmt::Display| {
        crate::e2e::page::Failure::new(Browser::Chromium, "saving the CPU profile", e)
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    }
    std::fs::write(path, stopped["profile"].to_string()).map_err(|e| fail(&e))?;
    eprintln!("CPU profile: {}", path.display());
    Ok(())
}
