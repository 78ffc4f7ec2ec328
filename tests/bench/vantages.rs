//! Every vantage point at once against each alone (`./bench --only
//! vantages`): the release page in headless Chromium checks one list of
//! 1,000 sites (each answering after 500 ms) from this browser alone, from
//! each of two remote proxies alone (`home` checking from 127.0.0.2, `fra-1`
//! from 127.0.0.3), then from all three side by side. The vantage points run
//! concurrently, each with its own pool, so the three together should take
//! about as long as the slowest alone, not the sum. Three runs each; the
//! median wall time as the page reports it.

use super::common::Error;
use crate::e2e::driver::Browser;
use crate::e2e::page::Page;
use crate::e2e::site::Site;
use std::net::Ipv4Addr;
use std::time::Duration;
use upcheck_fixture::Fixture;

/// Sites in the list.
const N: usize = 1_000;
/// Runs of each configuration.
const RUNS: usize = 3;

/// Up count from the summary's chip (rows over 100 are virtualised).
const UP_JS: &str = "const chip = document.querySelector('#summary .chip[data-outcome=up]');
    return chip ? Number(chip.innerText.trim().split(/\\s+/).pop()) : 0;";

/// Where one configuration checks from.
enum From<'a> {
    /// This browser alone (`#via` direct).
    Browser,
    /// One proxy alone (`#via` proxy, `#proxy-url`).
    Proxy(&'a str),
    /// Every vantage point that is on.
    Everywhere,
}

/// The median of `RUNS` wall times for one configuration, checking that
/// every site came back `up`.
async fn measure(page: &Page, from: &From<'_>, list: &str) -> Result<f64, String> {
    let fail = |e: crate::e2e::page::Failure| e.to_string();
    match from {
        From::Browser => page.select("#via", "direct").await.map_err(fail)?,
        From::Proxy(url) => {
            page.select("#via", "proxy").await.map_err(fail)?;
            page.set_field("#proxy-url", url).await.map_err(fail)?;
            let found = "document.querySelector('#proxy-status').innerText.includes('proxy found')";
            page.wait_for("finding the proxy", Duration::from_secs(30), found)
                .await
                .map_err(fail)?;
        }
        From::Everywhere => {
            page.set_field("#proxy-url", "").await.map_err(fail)?;
            page.select("#via", "everywhere").await.map_err(fail)?;
        }
    }
    page.paste_list(list).await.map_err(fail)?;
    let mut walls = Vec::new();
    for _ in 0..RUNS {
        page.click("#check").await.map_err(fail)?;
        let summary = page
            .wait_until_done(Duration::from_secs(180))
            .await
            .map_err(fail)?;
        let up = page
            .eval("reading the tally", UP_JS, vec![])
            .await
            .map_err(fail)?;
        if up.as_u64() != Some(N as u64) {
            return Err(format!("{up} of {N} sites up"));
        }
        walls.push(summary.wall_ms.unwrap_or(f64::NAN));
    }
    walls.sort_by(f64::total_cmp);
    Ok(walls[RUNS / 2])
}

/// Runs the case; its table and conclusion in Markdown.
pub async fn vantages(fixture: &Fixture) -> Result<String, Error> {
    let site = Site::start().await;
    let home = site.remote("home", Ipv4Addr::new(127, 0, 0, 2)).await;
    let fra = site.remote("fra-1", Ipv4Addr::new(127, 0, 0, 3)).await;
    let list: Vec<String> = (0..N)
        .map(|i| fixture.url(i, &format!("/cors/delay/500?n={i}")))
        .collect();
    let list = list.join("\n");
    let page = Page::open(Browser::Chromium, &site)
        .await
        .map_err(|e| e.to_string())?;
    page.set_field("#concurrency", "256")
        .await
        .map_err(|e| e.to_string())?;
    page.set_field("#timeout", "60")
        .await
        .map_err(|e| e.to_string())?;
    // The vantage points of "every vantage point": this browser, home and
    // fra-1 (not the page's own proxy).
    page.select("#via", "everywhere")
        .await
        .map_err(|e| e.to_string())?;
    page.click("#vantage-own")
        .await
        .map_err(|e| e.to_string())?;
    for (label, url) in [("home", home.url("")), ("fra-1", fra.url(""))] {
        page.set_field("#vantage-label", label)
            .await
            .map_err(|e| e.to_string())?;
        page.set_field("#vantage-url", &url)
            .await
            .map_err(|e| e.to_string())?;
        page.click("#vantage-add")
            .await
            .map_err(|e| e.to_string())?;
    }
    let (home_url, fra_url) = (home.url(""), fra.url(""));
    let configs = [
        ("this browser alone", From::Browser),
        ("home alone (proxy, 127.0.0.2)", From::Proxy(&home_url)),
        ("fra-1 alone (proxy, 127.0.0.3)", From::Proxy(&fra_url)),
        ("all three side by side", From::Everywhere),
    ];
    let mut walls = Vec::new();
    for (what, from) in &configs {
        let wall = measure(&page, from, &list).await?;
        println!("{what}: {wall:.0} ms");
        walls.push(wall);
    }
    let _ = page.close().await;
    let slowest = walls[..3].iter().copied().fold(0.0_f64, f64::max);
    let sum: f64 = walls[..3].iter().sum();
    let mut md = format!(
        "{N} sites, each answering after 500 ms, \
         median of {RUNS} runs, page concurrency 256 in Chromium:\n\n\
         | checked from | wall | against the slowest alone |\n|---|---:|---:|\n"
    );
    for ((what, _), wall) in configs.iter().zip(&walls) {
        md.push_str(&format!(
            "| {what} | {wall:.0} ms | {:.2}× |\n",
            wall / slowest
        ));
    }
    md.push_str(&format!(
        "\nAll three side by side took {:.2}× the slowest single vantage point \
         ({slowest:.0} ms) and {:.2}× the sum of the three alone ({sum:.0} ms).\n",
        walls[3] / slowest,
        walls[3] / sum
    ));
    Ok(md)
}
