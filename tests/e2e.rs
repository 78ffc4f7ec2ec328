//! End-to-end tests: the release build of the page (`dist/`), served by the real
//! proxy on loopback, driven in a real headless browser through WebDriver the
//! way a person uses it — type the list, press Check, read the rows — against
//! the loopback fixture server.
//!
//! `./test` runs them after `trunk build --release`; by hand:
//! `trunk build --release && cargo test -p upcheck --test e2e`.
//! The mixed run's screenshot lands in `target/e2e/mixed-run-<browser>.png`.
//!
//! Each scenario is written once, as a function of the [`Browser`]; the
//! `scenarios_in!` lines at the bottom run every scenario in every browser
//! (Chromium, Firefox, WebKit). `UPCHECK_BROWSERS=chromium,firefox` runs a
//! subset; the others' tests pass with a "skipped" line.

#![cfg(not(target_arch = "wasm32"))]

// The harness, in tests/e2e/ (an inline module, so its files are not test targets).
// The benchmark target (tests/bench.rs) shares it; each uses only part of it.
#[allow(dead_code)]
mod e2e {
    #[path = "../common/contract.rs"]
    pub mod contract;
    pub mod driver;
    pub mod page;
    pub mod site;
}

use e2e::contract::state_of;
use e2e::driver::{Browser, Theme};
use e2e::page::{Failure, Page, Row, Summary};
use e2e::site::{Gate, Relay, Site};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;
use upcheck_fixture::Fixture;

/// Whatever a run in these tests needs, with room on a busy 2-core machine.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// Where a scenario's checks run: the `#via` setting.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    /// From the browser (`direct`).
    Browser,
    /// Through the proxy that serves the page (`proxy`).
    Proxy,
}

impl Via {
    fn id(self) -> &'static str {
        match self {
            Via::Browser => "direct",
            Via::Proxy => "proxy",
        }
    }
}

/// The fixture, the served page and a browser on it, checking `via`.
async fn start(
    browser: Browser,
    fixture_ports: usize,
    via: Via,
) -> Result<(Fixture, Site, Page), Failure> {
    let fixture = Fixture::start(fixture_ports)
        .await
        .map_err(|e| Failure::new(browser, "starting the fixture server", &e))?;
    let site = Site::start().await;
    let page = Page::open(browser, &site).await?;
    match via {
        Via::Browser => page.select("#via", "direct").await?,
        Via::Proxy => {
            page.select("#via", "proxy").await?;
            let found = "document.querySelector('#proxy-status').innerText.includes('proxy found')";
            page.wait_for("waiting for the page to find the proxy", RUN_LIMIT, found)
                .await?;
        }
    }
    Ok((fixture, site, page))
}

/// How many times the page asked its own server's `/api/health` so far. One
/// per load: static/start.js asks while the wasm loads, and the app takes that
/// answer rather than asking again (`early_answer` in src/services/proxy.rs).
async fn health_requests(page: &Page) -> Result<u64, Failure> {
    let count = page
        .eval(
            "counting the page's /api/health requests",
            "return performance.getEntriesByType('resource')
                 .filter(e => new URL(e.name).pathname === '/api/health').length;",
            vec![],
        )
        .await?;
    Ok(count.as_u64().unwrap_or(u64::MAX))
}

/// `target/e2e/NAME`, beside the build folder's `tmp/`.
fn artifact(name: &str) -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("e2e").join(name)
}

fn describe(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| format!("  line {} {} {}: {}", r.line, r.state, r.url, r.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Types `lines`, presses Check and waits for the run to finish: the summary
/// and the rows it ended with.
async fn check_list(page: &Page, lines: &[String]) -> Result<(Summary, Vec<Row>), Failure> {
    page.type_list(lines).await?;
    page.click("#check").await?;
    let summary = page.wait_until_done(RUN_LIMIT).await?;
    Ok((summary, page.rows().await?))
}

/// The page ran under the proxy's Content-Security-Policy without the browser
/// blocking anything (the page counts `securitypolicyviolation` events on
/// `<html data-csp-violations>`).
async fn assert_no_policy_violations(browser: Browser, page: &Page) -> Result<(), Failure> {
    let seen = page
        .eval(
            "reading CSP violations",
            "const e = document.documentElement; \
             return [e.dataset.cspViolations || '0', e.dataset.cspLast || ''];",
            vec![],
        )
        .await?;
    assert_eq!(
        seen[0].as_str(),
        Some("0"),
        "{browser}: the page's CSP blocked something (last: {})",
        seen[1]
    );
    Ok(())
}

/// One row per expected `(data-url, data-state, text)`, in list order, line N
/// for the N-th; the text is matched case-insensitively.
fn assert_rows(browser: Browser, rows: &[Row], expected: &[(String, &str, &str)]) {
    let shown = describe(rows);
    assert_eq!(rows.len(), expected.len(), "{browser}: rows:\n{shown}");
    for (i, (row, (url, state, text))) in rows.iter().zip(expected).enumerate() {
        assert_eq!(&row.url, url, "{browser}: row {i}:\n{shown}");
        assert_eq!(row.state, *state, "{browser}: {url}:\n{shown}");
        assert_eq!(row.line, i + 1, "{browser}: {url}:\n{shown}");
        assert!(
            row.text.to_lowercase().contains(&text.to_lowercase()),
            "{browser}: {url} should say {text:?}:\n{shown}"
        );
    }
}

/// Every outcome a page in direct mode can reach, one row each: what a person
/// sees for each kind of site, and a screenshot of it.
async fn mixed_list_in_direct_mode(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 5, Via::Browser).await?;
    let closed = format!("http://127.0.0.1:{}/", fixture.closed_port());
    // (line as typed = data-url, data-state, text the row must show)
    let expected: Vec<(String, &str, &str)> = vec![
        (fixture.url(0, "/cors/status/200"), "up", "HTTP 200"),
        (fixture.url(1, "/cors/status/404"), "down", "HTTP 404"),
        // Without CORS the browser hides the status: 200 and 500 look alike.
        (fixture.url(2, "/status/200"), "reachable", "status hidden"),
        (fixture.url(3, "/status/500"), "reachable", "status hidden"),
        (closed, "unreachable", "no HTTP response"),
        (
            fixture.url(4, "/hang"),
            "timeout",
            "no response within 1.00 s",
        ),
        (
            "http://127.0.0.1:25/".into(),
            "blocked",
            "port 25 is forbidden",
        ),
        ("ftp://127.0.0.1/file".into(), "invalid", "line 8"),
    ];
    let lines: Vec<String> = expected.iter().map(|(url, ..)| url.clone()).collect();

    page.set_field("#timeout", "1").await?;
    let (summary, rows) = check_list(&page, &lines).await?;

    assert_rows(browser, &rows, &expected);
    assert_eq!(
        (summary.done, summary.total),
        (8, 8),
        "{browser}: {summary:?}"
    );
    assert!(summary.text.contains("Done in"), "{browser}: {summary:?}");

    let shot = artifact(&format!("mixed-run-{}.png", browser.id()));
    page.screenshot(&shot).await?;
    eprintln!("{browser}: screenshot of the mixed run: {}", shot.display());
    assert_no_policy_violations(browser, &page).await?;
    page.close().await
}

/// Lines that cannot be checked become `invalid` rows that name their line;
/// comments and blank lines make no row but still count as lines.
async fn invalid_lines_show_their_line_numbers(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 2, Via::Browser).await?;
    let lines: Vec<String> = vec![
        "# my sites".into(),
        fixture.url(0, "/cors/status/200"),
        String::new(),
        "ftp://example.com/".into(),
        "http://".into(),
        fixture.url(1, "/cors/status/204"),
        "javascript:alert(1)".into(),
        "https://a..b.com".into(),
    ];
    let (_, rows) = check_list(&page, &lines).await?;

    let shown = describe(&rows);
    let seen: Vec<(usize, &str)> = rows.iter().map(|r| (r.line, r.state.as_str())).collect();
    assert_eq!(
        seen,
        [
            (2, "up"),
            (4, "invalid"),
            (5, "invalid"),
            (6, "up"),
            (7, "invalid"),
            (8, "invalid")
        ],
        "{browser}:\n{shown}"
    );
    for row in rows.iter().filter(|r| r.state == "invalid") {
        let line = format!("line {}", row.line);
        assert!(
            row.text.contains(&line),
            "{browser}: should say {line:?}:\n{shown}"
        );
        assert_eq!(
            row.url,
            lines[row.line - 1],
            "{browser}: shown as written:\n{shown}"
        );
    }
    assert!(
        rows[1].text.contains("'ftp:' cannot be checked"),
        "{browser}:\n{shown}"
    );
    page.close().await
}

/// 30 half-second checks at concurrency 16 overlap: the wall time is a small
/// part of the sum of check times, and the fixture never sees more than 16 at
/// once. A functional check of the pool, not a speed target.
async fn concurrent_checks_overlap(browser: Browser) -> Result<(), Failure> {
    // Eight ports: a browser opens at most 6 connections per host:port.
    let (fixture, _site, page) = start(browser, 8, Via::Browser).await?;
    // Distinct URLs (the query), or the browser's cache lock serialises them.
    let lines: Vec<String> = (0..30)
        .map(|i| fixture.url(i, &format!("/cors/delay/500?n={i}")))
        .collect();
    page.select("#mode", "concurrent").await?;
    page.set_field("#concurrency", "16").await?;
    let (summary, rows) = check_list(&page, &lines).await?;

    let shown = describe(&rows);
    assert_eq!(rows.len(), 30, "{browser}:\n{shown}");
    assert!(rows.iter().all(|r| r.state == "up"), "{browser}:\n{shown}");
    let wall = summary.wall_ms.unwrap_or(f64::INFINITY);
    let ratio = summary.sum_ms / wall;
    eprintln!(
        "{browser}: 30 x 500 ms at concurrency 16: wall {wall:.0} ms, sum {:.0} ms, ratio {ratio:.1}",
        summary.sum_ms
    );
    assert!(summary.sum_ms >= 30.0 * 500.0, "{browser}: {summary:?}");
    assert!(ratio > 5.0, "{browser}: sum/wall = {ratio:.1}: {summary:?}");
    let peak = fixture.stats().peak_in_flight.load(Ordering::SeqCst);
    assert!(
        (8..=16).contains(&peak),
        "{browser}: {peak} requests in flight at most"
    );
    page.close().await
}

/// Stop mid-run: what is in flight ends `cancelled`, what finished stays.
async fn stop_mid_run(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 4, Via::Browser).await?;
    let quick = fixture.url(0, "/cors/status/200");
    let hanging: Vec<String> = (1..4)
        .map(|i| fixture.url(i, &format!("/cors/hang?n={i}")))
        .collect();
    let mut lines = vec![quick.clone()];
    lines.extend(hanging.iter().cloned());
    page.type_list(&lines).await?;
    page.click("#check").await?;
    let quick_up =
        format!("document.querySelector(\"li.row[data-url='{quick}']\")?.dataset.state === 'up'");
    page.wait_for("waiting for the quick site", RUN_LIMIT, &quick_up)
        .await?;
    page.click("#stop").await?;
    page.wait_until_done(RUN_LIMIT).await?;
    let rows = page.rows().await?;
    let shown = describe(&rows);
    assert_eq!(state_of(&rows, &quick), "up", "{browser}:\n{shown}");
    for url in &hanging {
        assert_eq!(state_of(&rows, url), "cancelled", "{browser}:\n{shown}");
    }
    page.close().await
}

/// Re-check one row, then the failed ones: only those run again.
async fn recheck_rows(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 2, Via::Browser).await?;
    let ok = fixture.url(0, "/cors/status/200");
    let missing = fixture.url(1, "/cors/status/404");
    page.type_list(&[ok.clone(), missing.clone()]).await?;
    page.click("#check").await?;
    page.wait_until_done(RUN_LIMIT).await?;
    let before = fixture.stats().requests.load(Ordering::SeqCst);

    page.click(&format!("li.row[data-url='{missing}'] button.recheck"))
        .await?;
    let rechecked = |n: usize| {
        format!(
            "document.querySelector('#timing').innerText.includes('Done re-checking {n}') \
             && document.querySelector('#summary').dataset.wallMs !== undefined"
        )
    };
    page.wait_for("waiting for the re-check", RUN_LIMIT, &rechecked(1))
        .await?;
    let after_one = fixture.stats().requests.load(Ordering::SeqCst);
    assert_eq!(after_one - before, 1, "{browser}: one row, one request");

    page.click("#recheck-failed").await?;
    page.wait_for("waiting for re-check failed", RUN_LIMIT, &rechecked(1))
        .await?;
    let rows = page.rows().await?;
    let shown = describe(&rows);
    assert_eq!(state_of(&rows, &ok), "up", "{browser}:\n{shown}");
    assert_eq!(state_of(&rows, &missing), "down", "{browser}:\n{shown}");
    let after_failed = fixture.stats().requests.load(Ordering::SeqCst);
    assert_eq!(
        after_failed - after_one,
        1,
        "{browser}: only the failed row ran again"
    );
    page.close().await
}

/// On a slow connection the page is usable before its checker arrives: the
/// static list box takes a paste even before the page's script has run, Check
/// is offered once a press can be remembered (never a button that silently
/// does nothing), and once the wasm is let through, the app keeps the typed
/// list and runs it.
async fn usable_before_the_checker_arrives(browser: Browser) -> Result<(), Failure> {
    let fixture = Fixture::start(1)
        .await
        .map_err(|e| Failure::new(browser, "starting the fixture server", &e))?;
    let site = Site::start().await;
    let gate = Gate::start(site.addr(), &["start.js", ".wasm"]).await;
    let page = Page::loading(browser, &gate.url("/")).await?;
    let early = "document.querySelector('#check.early') && document.querySelector('#list')";
    page.wait_for("waiting for the static page", RUN_LIMIT, early)
        .await?;
    // Typed while the page's script is still on its way.
    let url = fixture.url(0, "/cors/status/200");
    page.type_list(std::slice::from_ref(&url)).await?;
    let disabled = page
        .eval(
            "reading the early Check",
            "return document.querySelector('#check.early').disabled;",
            vec![],
        )
        .await?;
    assert_eq!(
        disabled,
        serde_json::Value::Bool(true),
        "{browser}: Check is offered before a press can be remembered"
    );

    gate.open("start.js");
    page.wait_for(
        "waiting for the early Check to be offered",
        RUN_LIMIT,
        "document.querySelector('#check.early:not(:disabled)')",
    )
    .await?;
    page.click("#check").await?;
    let pressed = "document.querySelector('#early-status').innerText.includes('Check pressed')";
    page.wait_for(
        "waiting for the early Check to be taken",
        RUN_LIMIT,
        pressed,
    )
    .await?;
    // Still the static page: the checker is held back, no run has started.
    assert!(
        page.rows().await?.is_empty(),
        "{browser}: rows before the checker arrived"
    );

    gate.open(".wasm");
    page.wait_for_app().await?;
    let summary = page.wait_until_done(RUN_LIMIT).await?;
    let rows = page.rows().await?;
    assert_eq!(
        state_of(&rows, &url),
        "up",
        "{browser}: {}",
        describe(&rows)
    );
    assert_eq!(
        (summary.done, summary.total),
        (1, 1),
        "{browser}: {summary:?}"
    );
    assert_eq!(
        page.value("#list").await?.trim(),
        url,
        "{browser}: the typed list was lost"
    );
    page.close().await
}

/// The list and settings survive a reload, also one in the middle of a run.
async fn list_and_settings_survive_a_reload(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 2, Via::Browser).await?;
    let lines = vec![
        fixture.url(0, "/cors/delay/3000"),
        "# kept as typed".to_owned(),
        fixture.url(1, "/cors/status/200"),
    ];
    page.set_field("#concurrency", "7").await?;
    page.set_field("#timeout", "2.5").await?;
    page.set_field("#accept", "200-299,401").await?;
    page.type_list(&lines).await?;
    page.click("#check").await?;
    // Reload while the slow site is still being checked.
    page.reload().await?;
    assert_eq!(
        page.value("#list").await?.replace("\r\n", "\n"),
        lines.join("\n"),
        "{browser}"
    );
    assert_eq!(page.value("#concurrency").await?, "7", "{browser}");
    assert_eq!(page.value("#timeout").await?, "2.5", "{browser}");
    assert_eq!(page.value("#accept").await?, "200-299,401", "{browser}");
    page.select("#mode", "sequential").await?;
    page.reload().await?;
    assert_eq!(page.value("#mode").await?, "sequential", "{browser}");
    page.close().await
}

/// The same kinds of site through the proxy: statuses hidden from a browser
/// are visible, redirect chains and timings are shown, private addresses are
/// refused without a connection.
async fn mixed_list_through_the_proxy(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 4, Via::Proxy).await?;
    let closed = format!("http://127.0.0.1:{}/", fixture.closed_port());
    let chain = fixture.url(2, "/redirect/3/status/200");
    let expected: Vec<(String, &str, &str)> = vec![
        // No CORS header, yet the status is known: the proxy is not a browser.
        (fixture.url(0, "/status/200"), "up", "HTTP 200"),
        (fixture.url(1, "/status/500"), "down", "HTTP 500"),
        (chain.clone(), "up", "after 3 redirects"),
        (closed, "unreachable", "refused"),
        (fixture.url(3, "/hang"), "timeout", "did not finish within"),
        // Only loopback is allowed for tests; a private address stays refused.
        ("http://10.0.0.1/".into(), "blocked", "private"),
        ("ftp://127.0.0.1/file".into(), "invalid", "line 7"),
    ];
    let lines: Vec<String> = expected.iter().map(|(url, ..)| url.clone()).collect();
    page.set_field("#timeout", "1").await?;
    let (summary, rows) = check_list(&page, &lines).await?;
    assert_rows(browser, &rows, &expected);
    assert!(
        summary.text.contains("through the proxy"),
        "{browser}: {summary:?}"
    );
    let asked = health_requests(&page).await?;
    assert_eq!(asked, 1, "{browser}: /api/health asked {asked} times");

    // The redirect row's details: the chain, the address, the HTTP version.
    page.click(&format!("li.row[data-url='{chain}'] details.more summary"))
        .await?;
    let details = page
        .eval(
            "reading the details",
            "return document.querySelector(`li.row[data-url='${arguments[0]}'] details.more`).innerText;",
            vec![chain.clone().into()],
        )
        .await?;
    let details = details.as_str().unwrap_or_default();
    for want in [
        "302 → ",
        "/redirect/1/status/200",
        "127.0.0.1",
        "HTTP/1.1",
        "total",
    ] {
        assert!(
            details.contains(want),
            "{browser}: details lack {want:?}: {details}"
        );
    }
    // The timing bar is drawn with style attributes: the policy allows them.
    let width = page
        .eval(
            "measuring the timing bar",
            "const bar = document.querySelector(`li.row[data-url='${arguments[0]}'] .timing-bar`); \
             return bar ? Math.round(Array.from(bar.children).reduce((w, p) => w + p.getBoundingClientRect().width, 0)) : -1;",
            vec![chain.clone().into()],
        )
        .await?;
    assert!(
        width.as_i64().unwrap_or(0) > 0,
        "{browser}: the timing bar has no width ({width}): style attributes blocked?"
    );
    assert_no_policy_violations(browser, &page).await?;
    let shot = artifact(&format!("proxy-run-{}.png", browser.id()));
    page.screenshot(&shot).await?;
    page.close().await
}

/// The release build copied under `/upcheck/` and served by a plain static
/// server (Python's http.server): relative asset paths load, there is no
/// proxy there, and checks run from the browser.
async fn served_from_a_sub_path_by_a_plain_static_server(browser: Browser) -> Result<(), Failure> {
    let fixture = Fixture::start(1)
        .await
        .map_err(|e| Failure::new(browser, "starting the fixture server", &e))?;
    let server = StaticServer::start(browser)?;
    let page = Page::open_url(browser, &server.url("/upcheck/")).await?;
    let no_proxy = "document.querySelector('#proxy-status').innerText.includes('no proxy at')";
    page.wait_for("waiting for the proxy probe", RUN_LIMIT, no_proxy)
        .await?;
    // The early request's 404 is the app's answer too: asked once.
    let asked = health_requests(&page).await?;
    assert_eq!(asked, 1, "{browser}: /api/health asked {asked} times");
    let ok = fixture.url(0, "/cors/status/200");
    let (summary, rows) = check_list(&page, std::slice::from_ref(&ok)).await?;
    assert_eq!(
        state_of(&rows, &ok),
        "up",
        "{browser}:\n{}",
        describe(&rows)
    );
    assert!(
        !summary.text.contains("through the proxy"),
        "{browser}: {summary:?}"
    );
    page.close().await
}

/// `python3 -m http.server` over a copy of `dist/` at `upcheck/`; killed on drop.
struct StaticServer {
    child: std::process::Child,
    port: u16,
    _root: PathBuf,
}

impl StaticServer {
    fn start(browser: Browser) -> Result<StaticServer, Failure> {
        let fail = |what: &str, e: &dyn std::fmt::Display| Failure::new(browser, what, e);
        let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "static-{}-{}",
            browser.id(),
            std::process::id()
        ));
        let dir = root.join("upcheck");
        std::fs::create_dir_all(&dir).map_err(|e| fail("making the site folder", &e))?;
        for entry in std::fs::read_dir(&dist).map_err(|e| fail("reading dist/", &e))? {
            let entry = entry.map_err(|e| fail("reading dist/", &e))?;
            std::fs::copy(entry.path(), dir.join(entry.file_name()))
                .map_err(|e| fail("copying dist/", &e))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| fail("finding a free port", &e))?
            .port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(&root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| fail("starting python3 -m http.server", &e))?;
        let server = StaticServer {
            child,
            port,
            _root: root,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(fail(
            "starting python3 -m http.server",
            &"not listening after 5 s",
        ))
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._root);
    }
}

/// Watch mode over a site that goes down and comes back: the row follows it,
/// keeps a history strip and the tab title counts it while it is down. The
/// screenshot is of a watched list (dark theme in Chromium).
async fn a_watched_site_goes_down_and_comes_back(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 3, Via::Browser).await?;
    let flapping = fixture.url(0, "/cors/sequence/200-503-503-200");
    let steady = fixture.url(1, "/cors/status/200");
    let missing = fixture.url(2, "/cors/status/404");
    page.set_field("#watch-every", "1").await?;
    page.click("#watch").await?;
    page.type_list(&[flapping.clone(), steady, missing]).await?;
    page.click("#check").await?;
    let state = |want: &str| {
        format!(
            "document.querySelector(\"li.row[data-url='{flapping}']\")?.dataset.state === '{want}'"
        )
    };
    page.wait_for("waiting for the site to go down", RUN_LIMIT, &state("down"))
        .await?;
    // The title follows the page's render, so wait for it rather than read once.
    let title = "document.title.startsWith('(2 down)')";
    page.wait_for(
        "waiting for the tab title to count the failing sites",
        RUN_LIMIT,
        title,
    )
    .await?;
    page.wait_for("waiting for the site to come back", RUN_LIMIT, &state("up"))
        .await?;
    let rows = page.rows().await?;
    let row = rows.iter().find(|r| r.url == flapping).expect("the row");
    assert!(row.text.contains("uptime 50%"), "{browser}: {}", row.text);
    let shot = artifact(&format!("watched-{}.png", browser.id()));
    page.screenshot(&shot).await?;
    page.click("#watch").await?;
    page.close().await
}

/// The list that shows every verdict beyond the status, one site each, with
/// its options written after the URL: `(line as typed, data-url, data-state,
/// text the row must show)`. `via` changes what the browser can see: without
/// CORS it cannot read a body, the proxy can.
fn verdict_list(fixture: &Fixture, via: Via) -> Vec<(String, String, &'static str, &'static str)> {
    let site = |port: usize, path: &str, options: &str, state, text| {
        let url = fixture.url(port, path);
        let typed = format!("{url} {options}").trim_end().to_owned();
        (typed, url, state, text)
    };
    let cart = "/cors/filler/40960/text/Add%20to%20cart";
    let mut list = vec![
        site(
            0,
            "/cors/delay/400",
            "slow=100ms",
            "slow",
            "over the 100 ms threshold",
        ),
        site(1, cart, r#"contains="Add to cart""#, "up", "HTTP 200"),
        site(
            2,
            &format!("{cart}?within=16"),
            r#"contains="Add to cart" within=16KB"#,
            "down",
            "expected text not found",
        ),
        site(
            3,
            "/cors/sequence/503-200",
            "retries=2",
            "up",
            "up on try 2 of 3",
        ),
        // Asked to come back in a second, and it honours it.
        site(
            5,
            "/cors/sequence/429-200/retry-after/1",
            "retries=1",
            "up",
            "up on try 2 of 2",
        ),
        site(
            4,
            "/cors/status/429/retry-after/30",
            "",
            "limited",
            "retry after 30",
        ),
        site(
            0,
            "/cors/challenge/cloudflare",
            "",
            "challenged",
            "bot wall answered (cloudflare)",
        ),
        // 64 MiB once decoded: only the first 64 KB are ever read. Not the
        // 1 GiB bomb of the proxy's and Chromium's tests: WebKit's network
        // process goes on decoding a body after the page cancels its read,
        // and a gigabyte of it stalled WebKit's other fetches for seconds
        // (docs/ARCHITECTURE.md, "Direct mode").
        site(
            1,
            "/cors/gzip-bomb/64",
            "contains=needle",
            "down",
            "expected text not found",
        ),
        site(
            2,
            "/cors/encode/br/text/hello",
            "contains=hello",
            "up",
            "HTTP 200",
        ),
    ];
    list.push(match via {
        Via::Browser => site(
            3,
            "/status/200",
            "contains=200",
            "reachable",
            "cannot read the body",
        ),
        Via::Proxy => site(3, "/status/200", "contains=200", "up", "HTTP 200"),
    });
    // A bad option: the site's row is `invalid`, naming the option.
    list.push(site(
        0,
        "/cors/status/200",
        "slow=soon",
        "invalid",
        "option 'slow'",
    ));
    list
}

/// Slow, content, retries, rate limits and bot walls, written in the list
/// itself and checked `via` the browser or the proxy.
async fn verdicts(browser: Browser, via: Via) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 6, via).await?;
    let list = verdict_list(&fixture, via);
    let lines: Vec<String> = list.iter().map(|(typed, ..)| typed.clone()).collect();
    page.set_field("#timeout", "5").await?;
    let (summary, rows) = check_list(&page, &lines).await?;
    let shown = describe(&rows);
    assert_eq!(rows.len(), list.len(), "{browser}: rows:\n{shown}");
    for (typed, url, state, text) in &list {
        let Some(row) = rows.iter().find(|r| r.url == *url || r.url == *typed) else {
            panic!("{browser}: no row for {typed}:\n{shown}");
        };
        assert_eq!(row.state, *state, "{browser}: {typed}:\n{shown}");
        assert!(
            row.text.to_lowercase().contains(&text.to_lowercase()),
            "{browser}: {typed} should say {text:?}:\n{shown}"
        );
    }
    // The tally names the new outcomes and the flaky passes.
    for want in ["slow", "limited", "challenged", "flaky"] {
        assert!(
            summary.text.to_lowercase().contains(want),
            "{browser}: the summary lacks {want:?}: {summary:?}"
        );
    }
    assert_no_policy_violations(browser, &page).await?;
    let shot = artifact(&format!("verdicts-{}-{}.png", via.id(), browser.id()));
    page.screenshot(&shot).await?;
    page.close().await
}

async fn verdicts_in_direct_mode(browser: Browser) -> Result<(), Failure> {
    verdicts(browser, Via::Browser).await
}

async fn verdicts_through_the_proxy(browser: Browser) -> Result<(), Failure> {
    verdicts(browser, Via::Proxy).await
}

/// The waterfall's bars as drawn: `[row id, start ms, end ms, phases drawn]`.
const WATERFALL_JS: &str = "return [...document.querySelectorAll('#waterfall-chart g.bar')].map(g => \
    [+g.dataset.id, +g.dataset.startMs, +g.dataset.endMs, g.querySelectorAll('rect.phase').length]);";

/// After a run, the waterfall draws one bar per checked row with no more in
/// flight at once than the limit, and clicking a bar brings its row into view,
/// marked. Through the proxy the bars carry the proxy's phases.
async fn waterfall(browser: Browser, via: Via) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 8, via).await?;
    // Distinct URLs (the query), or the browser's cache lock serialises them.
    let lines: Vec<String> = (0..9)
        .map(|i| fixture.url(i, &format!("/cors/delay/300?n={i}")))
        .collect();
    page.select("#mode", "concurrent").await?;
    page.set_field("#concurrency", "3").await?;
    let (_, rows) = check_list(&page, &lines).await?;
    let shown = describe(&rows);
    assert!(rows.iter().all(|r| r.state == "up"), "{browser}:\n{shown}");
    let bars = drawn_bars(browser, &page).await?;
    assert_eq!(
        bars.len(),
        rows.len(),
        "{browser}: one bar per row: {bars:?}"
    );
    let ids: Vec<usize> = bars.iter().map(|b| b.0).collect();
    assert_eq!(ids, (0..9).collect::<Vec<_>>(), "{browser}: in list order");
    let most = most_at_once(&bars);
    match via {
        // The page's own limit holds, and it was used.
        Via::Browser => assert!(
            (2..=3).contains(&most),
            "{browser}: {most} bars overlap at most: {bars:?}"
        ),
        // The proxy's start is an estimate; its phases are measured. The
        // limit drawn is the proxy's own (from /api/health), not the page's
        // field of 3.
        Via::Proxy => {
            assert!(
                bars.iter().all(|b| b.3 > 0),
                "{browser}: every bar shows the proxy's phases: {bars:?}"
            );
            let limit = page
                .eval(
                    "reading the waterfall's limit",
                    "return document.querySelector('#waterfall-chart').dataset.limit;",
                    vec![],
                )
                .await?;
            let limit: usize = limit.as_str().unwrap_or("").parse().unwrap_or(0);
            assert!(
                limit > 3 && most as usize <= limit,
                "{browser}: the proxy's limit {limit}, {most} at once: {bars:?}"
            );
        }
    }
    // A bar leads to its row: scrolled into view and marked.
    page.click("#waterfall-chart g.bar[data-id='7'] rect.span")
        .await?;
    let row = lines[7].clone();
    let seen = format!(
        "(() => {{ const r = document.querySelector(\"li.row[data-url='{row}']\"); \
         if (!r || !r.classList.contains('selected')) return false; \
         const b = r.getBoundingClientRect(); \
         return b.top >= 0 && b.bottom <= window.innerHeight; }})()"
    );
    page.wait_for("waiting for the bar's row to be shown", RUN_LIMIT, &seen)
        .await?;
    let caption = page
        .eval(
            "reading the waterfall's summary",
            "return document.querySelector('#waterfall-summary').innerText;",
            vec![],
        )
        .await?;
    assert!(
        caption.as_str().unwrap_or("").starts_with("9 checks over"),
        "{browser}: {caption}"
    );
    assert_no_policy_violations(browser, &page).await?;
    let shot = artifact(&format!("waterfall-{}-{}.png", via.id(), browser.id()));
    page.screenshot(&shot).await?;
    page.close().await
}

/// Most bars in flight at once, from `[_, start, end, _]` as drawn (a bar
/// that ends as another starts handed its slot over).
fn most_at_once(bars: &[(usize, f64, f64, usize)]) -> i32 {
    let mut events: Vec<(f64, i32)> = bars.iter().flat_map(|b| [(b.1, 1), (b.2, -1)]).collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0, 0);
    for (_, step) in events {
        now += step;
        most = most.max(now);
    }
    most
}

async fn drawn_bars(
    browser: Browser,
    page: &Page,
) -> Result<Vec<(usize, f64, f64, usize)>, Failure> {
    let value = page
        .eval("reading the waterfall", WATERFALL_JS, vec![])
        .await?;
    serde_json::from_value(value).map_err(|e| page_failure(browser, &e))
}

/// The same 30 sites, each answering after 500 ms, one at a time and then
/// ten at a time: read from the drawn bars, the first run is a staircase
/// (no two bars overlap) and the second a wall (overlapping, never more
/// than ten at once); the comparison draws both on one time scale. Its
/// screenshot is the README's picture of the waterfall.
async fn staircase_and_wall(browser: Browser) -> Result<(), Failure> {
    let (fixture, _site, page) = start(browser, 8, Via::Browser).await?;
    let lines: Vec<String> = (0..30)
        .map(|i| fixture.url(i, &format!("/cors/delay/500?wall={i}")))
        .collect();
    page.select("#mode", "sequential").await?;
    // Pasted: typing 1,500 keys is not what this test is about, and WebKit
    // under a loaded machine takes longer than a command's limit for it.
    page.paste_list(&lines.join("\n")).await?;
    page.click("#check").await?;
    page.wait_until_done(RUN_LIMIT).await?;
    let rows = page.rows().await?;
    let shown = describe(&rows);
    assert!(rows.iter().all(|r| r.state == "up"), "{browser}:\n{shown}");
    let mut staircase = drawn_bars(browser, &page).await?;
    assert_eq!(staircase.len(), 30, "{browser}: {staircase:?}");
    staircase.sort_by(|a, b| a.1.total_cmp(&b.1));
    for pair in staircase.windows(2) {
        assert!(
            pair[1].1 >= pair[0].2,
            "{browser}: one at a time, each bar starts after the last ended: {pair:?}"
        );
        assert!(
            pair[0].2 - pair[0].1 >= 450.0,
            "{browser}: a 500 ms check: {pair:?}"
        );
    }

    page.select("#mode", "concurrent").await?;
    page.set_field("#concurrency", "10").await?;
    page.click("#check").await?;
    page.wait_until_done(RUN_LIMIT).await?;
    let wall = drawn_bars(browser, &page).await?;
    assert_eq!(wall.len(), 30, "{browser}: {wall:?}");
    let most = most_at_once(&wall);
    assert!(
        (5..=10).contains(&most),
        "{browser}: ten at a time overlap, never more than ten: {most} at once in {wall:?}"
    );
    // Side by side on one scale: the concurrent run ends far left of the
    // sequential one, and each chart says how many overlapped.
    let figures = page
        .eval(
            "reading the comparison",
            "return [...document.querySelectorAll('#compare-charts figure')].map(f => { \
               const s = f.querySelector('svg'); \
               const right = Math.max(...[...s.querySelectorAll('rect.bar')] \
                 .map(r => +r.getAttribute('x') + +r.getAttribute('width'))); \
               return [f.dataset.mode, +s.dataset.maxOverlap, right]; });",
            vec![],
        )
        .await?;
    let figures: Vec<(String, usize, f64)> =
        serde_json::from_value(figures).map_err(|e| page_failure(browser, &e))?;
    assert_eq!(figures.len(), 2, "{browser}: {figures:?}");
    assert_eq!(
        (figures[0].0.as_str(), figures[0].1),
        ("sequential", 1),
        "{browser}"
    );
    assert_eq!(figures[1].0, "concurrent", "{browser}");
    assert!((5..=10).contains(&figures[1].1), "{browser}: {figures:?}");
    assert!(
        figures[1].2 < figures[0].2 * 0.4,
        "{browser}: one scale, the wall ends far left of the staircase: {figures:?}"
    );
    assert_no_policy_violations(browser, &page).await?;
    let shot = artifact(&format!("waterfall-comparison-{}.png", browser.id()));
    page.screenshot_at("#compare", &shot).await?;
    eprintln!(
        "{browser}: screenshot of the comparison: {}",
        shot.display()
    );
    page.close().await
}

fn page_failure(browser: Browser, e: &dyn std::fmt::Display) -> Failure {
    Failure::new(browser, "reading the waterfall", e)
}

async fn waterfall_after_a_concurrent_run(browser: Browser) -> Result<(), Failure> {
    waterfall(browser, Via::Browser).await
}

async fn waterfall_through_the_proxy(browser: Browser) -> Result<(), Failure> {
    waterfall(browser, Via::Proxy).await
}

/// An HTTP/2 site over TLS (the fixture with a CA made here, which the
/// proxy is told to trust), with every security header, checked through the
/// proxy: its row's details show HTTP/2, the TLS session, the certificate,
/// the grade, and the address families of `localhost` (127.0.0.1 and ::1).
async fn protocol_details_of_an_h2_site(browser: Browser) -> Result<(), Failure> {
    use upcheck_fixture::tls::{TestCa, TlsFixture};
    let ca = TestCa::new("Upcheck E2E CA");
    let (chain, key) = ca.leaf_for_days(&["localhost", "127.0.0.1"], 200);
    let tls = TlsFixture::start(chain, key)
        .await
        .map_err(|e| Failure::new(browser, "starting the TLS fixture", &e))?;
    let trusted = ca.cert.clone();
    let site = Site::start_with(|c| c.extra_root_certs.push(trusted)).await;
    let page = Page::open(browser, &site).await?;
    page.select("#via", "proxy").await?;
    let found = "document.querySelector('#proxy-status').innerText.includes('proxy found')";
    page.wait_for("waiting for the page to find the proxy", RUN_LIMIT, found)
        .await?;
    let headers =
        "/header/strict-transport-security/max-age%3D63072000%3B%20includeSubDomains%3B%20preload\
        /header/content-security-policy/default-src%20%27self%27/header/x-frame-options/DENY\
        /header/x-content-type-options/nosniff/header/referrer-policy/no-referrer";
    let url = format!("https://localhost:{}{headers}", tls.port());
    let (_, rows) = check_list(&page, std::slice::from_ref(&url)).await?;
    assert_eq!(rows.len(), 1, "{browser}: {}", describe(&rows));
    assert_eq!(rows[0].state, "up", "{browser}: {}", describe(&rows));
    page.click("li.row details.more summary").await?;
    let details = page
        .eval(
            "reading the details",
            "return document.querySelector('li.row details.more').innerText;",
            vec![],
        )
        .await?;
    let details = details.as_str().unwrap_or_default();
    for want in [
        "HTTP/2",
        "TLS 1.3",
        "TLS13_",
        "1 certificate sent",
        "CN=Upcheck E2E CA",
        "for localhost, 127.0.0.1",
        "verified",
        "A+ (100/100)",
        "HSTS max-age=63072000; includeSubDomains; preload",
    ] {
        assert!(
            details.contains(want),
            "{browser}: details lack {want:?}: {details}"
        );
    }
    // localhost has both families; the fixture's TLS port listens on
    // 127.0.0.1 only, so IPv6 is reported as refused, and the row warns.
    assert!(
        details.contains("IPv4 ✓ 127.0.0.1") && details.contains("IPv6 ✗"),
        "{browser}: {details}"
    );
    assert!(
        rows[0].text.contains("IPv6 unreachable"),
        "{browser}: {}",
        describe(&rows)
    );
    let shot = artifact(&format!("h2-details-{}.png", browser.id()));
    page.screenshot(&shot).await?;
    page.close().await
}

/// `./run`'s case: the proxy refuses loopback (as any real one does), the
/// page is on "proxy if one answers", and the list is local sites. The
/// proxy refuses them as private; the page checks them from this browser
/// instead, and each row says which vantage point checked it and why.
async fn local_sites_are_checked_from_the_browser(browser: Browser) -> Result<(), Failure> {
    let fixture = Fixture::start(3)
        .await
        .map_err(|e| Failure::new(browser, "starting the fixture server", &e))?;
    let site = Site::start_with(|c| c.insecure_allow_loopback = false).await;
    let page = Page::open(browser, &site).await?;
    page.select("#via", "auto").await?;
    let found = "document.querySelector('#proxy-status').innerText.includes('proxy found')";
    page.wait_for("waiting for the page to find the proxy", RUN_LIMIT, found)
        .await?;
    let expected: Vec<(String, &str, &str)> = vec![
        (
            fixture.url(0, "/cors/status/200"),
            "up",
            "checked from this browser",
        ),
        (fixture.url(1, "/cors/status/404"), "down", "HTTP 404"),
        (
            fixture.url(2, "/status/200"),
            "reachable",
            "the proxy refuses private addresses",
        ),
    ];
    let lines: Vec<String> = expected.iter().map(|(url, ..)| url.clone()).collect();
    let (_, rows) = check_list(&page, &lines).await?;
    assert_rows(browser, &rows, &expected);
    assert!(
        rows.iter()
            .all(|r| r.text.contains("checked from this browser")),
        "{browser}: {}",
        describe(&rows)
    );
    page.close().await
}

/// Each result row with its vantage cells: `(data-url, data-state,
/// data-reach, detail text, [(vantage, cell state, cell text)])`.
type VantageRow = (
    String,
    String,
    String,
    String,
    Vec<(String, String, String)>,
);

const VANTAGE_ROWS_JS: &str = "return Array.from(document.querySelectorAll('li.row')).map(li => [
    li.dataset.url, li.dataset.state, li.dataset.reach || '',
    li.querySelector('.detail').innerText,
    Array.from(li.querySelectorAll('.cells .cell')).map(c =>
        [c.dataset.vantage, c.dataset.state, c.innerText])]);";

async fn vantage_rows(page: &Page) -> Result<Vec<VantageRow>, Failure> {
    let rows = page
        .eval("reading the rows' cells", VANTAGE_ROWS_JS, vec![])
        .await?;
    Ok(serde_json::from_value(rows).unwrap_or_default())
}

/// Every site from every vantage point at once: this browser (127.0.0.1)
/// and two remote proxies checking from 127.0.0.2 (`home`) and 127.0.0.3
/// (`fra-1`, behind a relay that the test cuts mid-run), against fixture
/// sites that answer everyone, no one, only one address, or hide their
/// status from the browser; then watch mode from two of them.
async fn every_vantage_point_in_one_row(browser: Browser) -> Result<(), Failure> {
    let fixture = Fixture::start(4)
        .await
        .map_err(|e| Failure::new(browser, "starting the fixture server", &e))?;
    let site = Site::start().await;
    let home = site.remote("home", Ipv4Addr::new(127, 0, 0, 2)).await;
    let fra = site.remote("fra-1", Ipv4Addr::new(127, 0, 0, 3)).await;
    let relay = Relay::start(fra.addr()).await;
    let page = Page::open(browser, &site).await?;
    page.select("#via", "everywhere").await?;
    // Exactly the three vantage points of the issue: not the page's own proxy.
    page.click("#vantage-own").await?;
    for (label, url) in [("home", home.url("")), ("fra-1", relay.url())] {
        page.set_field("#vantage-label", label).await?;
        page.set_field("#vantage-url", &url).await?;
        page.click("#vantage-add").await?;
        let found = format!(
            "document.querySelector(\"li.vantage[data-label='{label}']\")?.dataset.state === 'found'"
        );
        page.wait_for(
            &format!("waiting for {label}'s /api/health"),
            RUN_LIMIT,
            &found,
        )
        .await?;
    }
    let note = page
        .eval(
            "reading home's line",
            "return document.querySelector(\"li.vantage[data-label='home']\").innerText;",
            vec![],
        )
        .await?;
    assert!(
        note.as_str()
            .unwrap_or_default()
            .contains("home: upcheck-proxy"),
        "{browser}: /api/health's label is not shown: {note}"
    );

    let everywhere = fixture.url(0, "/cors/status/200");
    let differs = fixture.url(1, "/cors/sequence/502-503-504");
    let only_home = fixture.url(2, "/only-from/127.0.0.2/cors/status/200");
    let hidden = fixture.url(3, "/status/503");
    let lines = vec![
        everywhere.clone(),
        differs.clone(),
        only_home.clone(),
        hidden.clone(),
    ];
    page.set_field("#timeout", "3").await?;
    page.type_list(&lines).await?;
    page.click("#check").await?;
    page.wait_until_done(RUN_LIMIT).await?;
    let rows = vantage_rows(&page).await?;
    let shown = format!("{rows:#?}");
    let row = |url: &str| {
        rows.iter()
            .find(|r| r.0 == url)
            .unwrap_or_else(|| panic!("{browser}: no row for {url}: {shown}"))
    };
    let cell = |r: &VantageRow, vantage: &str| {
        r.4.iter()
            .find(|c| c.0 == vantage)
            .map(|c| c.1.clone())
            .unwrap_or_else(|| panic!("{browser}: no {vantage} cell in {r:?}"))
    };
    for r in &rows {
        let labels: Vec<&str> = r.4.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            labels,
            ["this browser", "home", "fra-1"],
            "{browser}: {shown}"
        );
    }
    let r = row(&everywhere);
    assert_eq!(
        (r.1.as_str(), r.2.as_str()),
        ("up", "everywhere"),
        "{browser}: {shown}"
    );
    assert!(
        r.3.contains("up from all 3 vantage points"),
        "{browser}: {shown}"
    );
    let r = row(&differs);
    assert_eq!(
        (r.1.as_str(), r.2.as_str()),
        ("down", "nowhere"),
        "{browser}: {shown}"
    );
    assert!(
        r.3.contains("not the same everywhere"),
        "{browser}: {shown}"
    );
    for status in ["502", "503", "504"] {
        assert!(
            r.4.iter().any(|c| c.2.contains(status)),
            "{browser}: {status}: {shown}"
        );
    }
    let r = row(&only_home);
    assert_eq!(
        (r.1.as_str(), r.2.as_str()),
        ("up", "split"),
        "{browser}: {shown}"
    );
    assert_eq!(cell(r, "home"), "up", "{browser}: {shown}");
    assert_eq!(cell(r, "this browser"), "unreachable", "{browser}: {shown}");
    assert_eq!(cell(r, "fra-1"), "unreachable", "{browser}: {shown}");
    assert!(r.3.contains("only from home"), "{browser}: {shown}");
    let r = row(&hidden);
    assert_eq!(
        (r.1.as_str(), r.2.as_str()),
        ("down", "nowhere"),
        "{browser}: {shown}"
    );
    assert_eq!(cell(r, "this browser"), "reachable", "{browser}: {shown}");
    assert!(
        r.3.contains("HTTP 503") && r.3.contains("cannot see the status (CORS)"),
        "{browser}: {shown}"
    );
    // Searching the reach finds the split row only.
    page.set_field("#search", "split").await?;
    let one = format!(
        "(() => {{ const r = document.querySelectorAll('li.row'); \
         return r.length === 1 && r[0].dataset.url === '{only_home}'; }})()"
    );
    page.wait_for("searching for split rows", RUN_LIMIT, &one)
        .await?;
    // (Typing, not clearing: a cleared field fires no input event.)
    page.set_field("#search", "127.0.0.1").await?;
    // The tally counts the combined verdicts: two up, two down.
    let summary = page.wait_until_done(RUN_LIMIT).await?;
    assert_eq!(summary.done, 4, "{browser}: {summary:?}");
    // Each vantage point's detail side by side, the proxies' with their own.
    page.click(&format!(
        "li.row[data-url='{only_home}'] details.vantages-more summary"
    ))
    .await?;
    page.click(&format!(
        "li.row[data-url='{only_home}'] .vantage-detail[data-vantage='home'] details.more summary"
    ))
    .await?;
    let details = page
        .eval(
            "reading the side-by-side details",
            "return Array.from(document.querySelectorAll(`li.row[data-url='${arguments[0]}'] .vantage-detail`)).map(d => d.innerText);",
            vec![only_home.clone().into()],
        )
        .await?;
    let details: Vec<String> = serde_json::from_value(details).unwrap_or_default();
    assert_eq!(details.len(), 3, "{browser}: {details:?}");
    assert!(
        details[1].contains("127.0.0.1"),
        "{browser}: home's address: {details:?}"
    );
    let shot = artifact(&format!("vantages-{}.png", browser.id()));
    page.screenshot(&shot).await?;

    // fra-1 goes away mid-run: its cells say so, the others' results stand.
    let slow: Vec<String> = (0..3)
        .map(|i| fixture.url(i, &format!("/cors/delay/1500/status/200?n={i}")))
        .collect();
    page.type_list(&slow).await?;
    page.click("#check").await?;
    let checking = "document.querySelectorAll(\"li.row .cell[data-vantage='fra-1'][data-state='checking']\").length === 3";
    page.wait_for("waiting for fra-1 to start checking", RUN_LIMIT, checking)
        .await?;
    relay.cut();
    page.wait_until_done(RUN_LIMIT).await?;
    let rows = vantage_rows(&page).await?;
    let shown = format!("{rows:#?}");
    for r in &rows {
        assert_eq!(
            (r.1.as_str(), r.2.as_str()),
            ("up", "everywhere"),
            "{browser}: {shown}"
        );
        assert_eq!(cell(r, "fra-1"), "cancelled", "{browser}: {shown}");
        assert!(
            r.3.contains("could not check from fra-1"),
            "{browser}: {shown}"
        );
    }

    // Watch mode from two vantage points: fra-1 turned off with a click.
    page.click("li.vantage[data-label='fra-1'] input.vantage-on")
        .await?;
    page.set_field("#watch-every", "1").await?;
    page.click("#watch").await?;
    let twice = format!(
        "(() => {{ const li = document.querySelector(\"li.row[data-url='{}']\"); \
         return li && li.querySelectorAll('.history .tick').length >= 3 \
             && li.querySelectorAll('.cells .cell').length === 2 \
             && li.dataset.reach === 'everywhere'; }})()",
        slow[0]
    );
    page.wait_for(
        "waiting for watch mode to re-check from two vantage points",
        RUN_LIMIT,
        &twice,
    )
    .await?;
    page.click("#watch").await?;

    // A share link carries the remote vantage points, which a fresh browser
    // adds off: a link cannot send someone's list to a proxy they did not choose.
    page.click("#share").await?;
    let made = "document.querySelector('#share-link')";
    page.wait_for("waiting for the share link", RUN_LIMIT, made)
        .await?;
    let link = page.value("#share-link").await?;
    assert!(link.contains("&vantages=home~"), "{browser}: {link}");
    page.close().await?;
    let fresh = Page::open_url(browser, &link).await?;
    fresh.select("#via", "everywhere").await?;
    let off = "(() => { const h = document.querySelector(\"li.vantage[data-label='home']\"); \
               const f = document.querySelector(\"li.vantage[data-label='fra-1']\"); \
               return h && f && h.dataset.on === 'false' && f.dataset.on === 'false'; })()";
    fresh
        .wait_for("waiting for the shared vantage points, off", RUN_LIMIT, off)
        .await?;
    let list = fresh.value("#list").await?;
    assert!(
        list.contains(&slow[0]),
        "{browser}: the shared list: {list}"
    );
    fresh.close().await
}

/// Runs every scenario in one browser, as `<module>::<scenario>` tests.
/// axe-core's serious and critical violations on the page as it stands:
/// `(rule, impact, help, first nodes)`, or the error axe gave.
const AXE_RUN: &str = "const done = arguments[arguments.length - 1];
    axe.run(document, { resultTypes: ['violations'] }).then(
        r => done(r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => [v.id, v.impact, v.help,
                       v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' +
                           (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240))])),
        e => done('axe failed: ' + e));";

/// Injects axe-core (npm's, `UPCHECK_AXE`; `./test` installs it) into the
/// page once, then runs it; fails naming every serious or critical violation.
async fn assert_accessible(browser: Browser, page: &Page, state: &str) -> Result<(), Failure> {
    let injected = page
        .eval("looking for axe", "return typeof axe === 'object';", vec![])
        .await?;
    if injected != serde_json::Value::Bool(true) {
        let path = std::env::var("UPCHECK_AXE").unwrap_or_default();
        let source = std::fs::read_to_string(&path).map_err(|e| {
            Failure::new(
                browser,
                "reading axe-core",
                &format!("UPCHECK_AXE={path:?}: {e} (./test installs it: ensure_axe)"),
            )
        })?;
        // The script is the body WebDriver runs, not an `eval` inside the
        // page, so the page's CSP (no 'unsafe-eval') does not stand in the way.
        page.eval(
            "injecting axe-core",
            &format!("{source}\n;return true;"),
            vec![],
        )
        .await?;
    }
    let found = page.eval_async("running axe-core", AXE_RUN, vec![]).await?;
    let violations = found
        .as_array()
        .ok_or_else(|| Failure::new(browser, &format!("running axe-core ({state})"), &found))?;
    assert!(
        violations.is_empty(),
        "{browser}, {state}: serious or critical accessibility violations:\n{}",
        violations
            .iter()
            .map(|v| format!("  {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(())
}

/// No serious or critical axe-core violation, in the light and the dark
/// theme: on the empty page (whose polite live region is already there, so a
/// screen reader hears the first progress message), after a run through the
/// proxy, and with a row's details open.
async fn accessible_in_light_and_dark(browser: Browser) -> Result<(), Failure> {
    let fixture = Fixture::start(3)
        .await
        .map_err(|e| Failure::new(browser, "starting the fixture server", &e))?;
    let site = Site::start().await;
    let chain = fixture.url(2, "/redirect/2/status/200");
    let lines = vec![
        fixture.url(0, "/status/200"),
        fixture.url(1, "/status/503"),
        chain.clone(),
        "ftp://127.0.0.1/file".into(),
    ];
    for (theme, dark) in [(Theme::Light, false), (Theme::Dark, true)] {
        let name = if dark { "dark" } else { "light" };
        let page = Page::open_in(browser, &site.url("/"), theme).await?;
        let seen = page
            .eval(
                "reading the colour scheme",
                "return matchMedia('(prefers-color-scheme: dark)').matches;",
                vec![],
            )
            .await?;
        assert_eq!(
            seen,
            serde_json::Value::Bool(dark),
            "{browser}: asked for {name}"
        );
        let region = page
            .eval(
                "looking for the live region",
                "const r = document.querySelector('[aria-live=polite]'); return r ? r.id : null;",
                vec![],
            )
            .await?;
        assert_eq!(
            region, "announce",
            "{browser}: no polite live region before a run"
        );
        assert_accessible(browser, &page, &format!("{name}, empty page")).await?;

        page.select("#via", "proxy").await?;
        let found = "document.querySelector('#proxy-status').innerText.includes('proxy found')";
        page.wait_for("waiting for the page to find the proxy", RUN_LIMIT, found)
            .await?;
        let (summary, rows) = check_list(&page, &lines).await?;
        assert_eq!(
            (summary.done, summary.total),
            (4, 4),
            "{browser}: {summary:?}"
        );
        assert_eq!(rows.len(), 4, "{browser}: {}", describe(&rows));
        assert_accessible(browser, &page, &format!("{name}, after a run")).await?;

        page.click(&format!("li.row[data-url='{chain}'] details.more summary"))
            .await?;
        page.wait_for(
            "waiting for the details to open",
            RUN_LIMIT,
            &format!("document.querySelector(\"li.row[data-url='{chain}'] details.more\").open"),
        )
        .await?;
        assert_accessible(browser, &page, &format!("{name}, a row's details open")).await?;
        page.close().await?;
    }
    Ok(())
}

macro_rules! scenarios_in {
    ($module:ident, $browser:expr) => {
        mod $module {
            use super::*;
            scenario_tests!(
                $browser,
                mixed_list_in_direct_mode,
                invalid_lines_show_their_line_numbers,
                concurrent_checks_overlap,
                stop_mid_run,
                recheck_rows,
                list_and_settings_survive_a_reload,
                usable_before_the_checker_arrives,
                mixed_list_through_the_proxy,
                served_from_a_sub_path_by_a_plain_static_server,
                a_watched_site_goes_down_and_comes_back,
                verdicts_in_direct_mode,
                verdicts_through_the_proxy,
                waterfall_after_a_concurrent_run,
                staircase_and_wall,
                waterfall_through_the_proxy,
                protocol_details_of_an_h2_site,
                local_sites_are_checked_from_the_browser,
                accessible_in_light_and_dark,
                every_vantage_point_in_one_row,
            );
        }
    };
}

macro_rules! scenario_tests {
    ($browser:expr, $($scenario:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() -> Result<(), Failure> {
                if $browser.skip(stringify!($scenario)) {
                    return Ok(());
                }
                super::$scenario($browser).await
            }
        )+
    };
}

scenarios_in!(chromium, Browser::Chromium);
scenarios_in!(firefox, Browser::Firefox);
scenarios_in!(webkit, Browser::Webkit);
