//! Benchmarks of direct mode: the release page in headless Chromium checking
//! loopback fixture sites, measured the way a person would experience it.
//! Run by `./bench` (never by `./test`); prints a Markdown table of ratios.
//!
//! For each case: wall time, the browser's ideal (ceil(N / slots) × delay, where
//! slots = min(concurrency, 256 sockets, 6 per host:port × ports)), their ratio,
//! time to the first finished row, and the longest main-thread task (Long
//! Tasks API: tasks of 50 ms or more; 0 means none that long).
//!
//! `UPCHECK_BENCH_CASES=issue3` (default `all`) picks the cases whose name contains it.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
mod e2e {
    pub mod driver;
    pub mod page;
    pub mod site;
}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(e) = direct::run().await {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod direct {
    use super::e2e::driver::Browser;
    use super::e2e::page::{Failure, Page};
    use super::e2e::site::Site;
    use serde_json::Value;
    use std::time::Duration;
    use upcheck_fixture::Fixture;

    /// Loopback ports the fixture listens on: 50 × 6 sockets > Chromium's 256.
    const PORTS: usize = 50;

    struct Case {
        name: &'static str,
        sites: usize,
        delay_ms: u64,
        concurrency: u32,
        sequential: bool,
    }

    const CASES: &[Case] = &[
        Case {
            name: "issue3 concurrent",
            sites: 200,
            delay_ms: 500,
            concurrency: 64,
            sequential: false,
        },
        Case {
            name: "issue3 sequential",
            sites: 200,
            delay_ms: 500,
            concurrency: 1,
            sequential: true,
        },
        Case {
            name: "issue3 rows",
            sites: 10_000,
            delay_ms: 0,
            concurrency: 64,
            sequential: false,
        },
        Case {
            name: "n100",
            sites: 100,
            delay_ms: 500,
            concurrency: 256,
            sequential: false,
        },
        Case {
            name: "n1000",
            sites: 1_000,
            delay_ms: 500,
            concurrency: 256,
            sequential: false,
        },
        Case {
            name: "n10000",
            sites: 10_000,
            delay_ms: 500,
            concurrency: 256,
            sequential: false,
        },
    ];

    const OBSERVE_JS: &str = "
        window.__bench = { longest: 0, first: null, t0: null };
        new PerformanceObserver(list => {
            for (const e of list.getEntries())
                window.__bench.longest = Math.max(window.__bench.longest, e.duration);
        }).observe({ type: 'longtask' });
        document.querySelector('#check').addEventListener('click',
            () => { window.__bench.t0 = performance.now(); }, { capture: true });
        new MutationObserver(() => {
            if (window.__bench.first === null &&
                document.querySelector('li.row[data-state=up], li.row[data-state=down]'))
                window.__bench.first = performance.now();
        }).observe(document.body, { subtree: true, attributes: true, childList: true,
                                    attributeFilter: ['data-state'] });
        return true;";

    pub async fn run() -> Result<(), Failure> {
        let pick = std::env::var("UPCHECK_BENCH_CASES").unwrap_or_else(|_| "all".into());
        let fixture = Fixture::start(PORTS)
            .await
            .map_err(|e| Failure::new(Browser::Chromium, "starting the fixture", &e))?;
        let site = Site::start().await;
        println!("| direct mode (Chromium) | N | delay | concurrency | wall | ideal | wall/ideal | sum/wall | first row | longest task | list read |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for case in CASES
            .iter()
            .filter(|c| pick == "all" || c.name.contains(&pick))
        {
            let page = Page::open(Browser::Chromium, &site).await?;
            let m = measure(&page, &fixture, case).await?;
            page.close().await?;
            let slots = (case.concurrency as usize).min(256).min(6 * PORTS);
            let ideal = (case.sites.div_ceil(slots) as u64 * case.delay_ms) as f64;
            let ratio = if ideal > 0.0 {
                format!("{:.2}", m.wall / ideal)
            } else {
                "–".into()
            };
            println!(
                "| {} | {} | {} ms | {} | {:.0} ms | {:.0} ms | {ratio} | {:.1} | {:.0} ms | {:.0} ms | {:.0} ms |",
                if case.sequential { "one at a time" } else { "concurrent" },
                case.sites, case.delay_ms, case.concurrency, m.wall, ideal,
                m.sum / m.wall.max(1.0), m.first, m.longest, m.read,
            );
        }
        Ok(())
    }

    struct Measured {
        wall: f64,
        sum: f64,
        first: f64,
        longest: f64,
        read: f64,
    }

    async fn measure(page: &Page, fixture: &Fixture, case: &Case) -> Result<Measured, Failure> {
        let path = if case.delay_ms > 0 {
            format!("/cors/delay/{}", case.delay_ms)
        } else {
            "/cors/status/200".to_owned()
        };
        let list: Vec<String> = (0..case.sites)
            .map(|i| fixture.url(i, &format!("{path}?n={i}")))
            .collect();
        page.select(
            "#mode",
            if case.sequential {
                "sequential"
            } else {
                "concurrent"
            },
        )
        .await?;
        if !case.sequential {
            page.set_field("#concurrency", &case.concurrency.to_string())
                .await?;
        }
        page.set_field("#timeout", "60").await?;
        page.paste_list(&list.join("\n")).await?;
        page.eval("installing observers", OBSERVE_JS, vec![])
            .await?;
        page.click("#check").await?;
        let limit = Duration::from_millis(case.sites as u64 * case.delay_ms + 120_000);
        let summary = page.wait_until_done(limit).await?;
        let seen = page
            .eval("reading the observers", "return window.__bench;", vec![])
            .await?;
        let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
        Ok(Measured {
            wall: summary.wall_ms.unwrap_or(f64::NAN),
            sum: summary.sum_ms,
            first: num(&seen["first"]) - num(&seen["t0"]),
            longest: num(&seen["longest"]),
            read: summary.read_ms.unwrap_or(f64::NAN),
        })
    }
}
