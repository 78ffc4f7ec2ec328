//! The Upcheck page in a real browser, driven the way a person uses it: type
//! into the list, set fields, press buttons, read what the rows and summary say.
//!
//! Every WebDriver command and every wait has a deadline; a failure says which
//! browser, what it was doing, and what the page showed.

use fantoccini::{Client, Locator};
use serde_json::Value;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use std::time::Instant;

use super::driver::{settled, Browser, Driver, Theme, Unsettled, WINDOW};
use super::site::Site;

/// What [`Page::describe`] adds to the summary and rows.
const CONTEXT_JS: &str = "const q = (s) => document.querySelector(s);
    const text = (e) => (e.innerText || '').trim();
    return {
      visibility: document.visibilityState, focused: document.hasFocus(),
      check: q('#check') ? { disabled: q('#check').disabled, text: text(q('#check')) } : null,
      list_chars: q('#list') ? q('#list').value.length : null,
      shown: [...document.querySelectorAll('.errors, .notice, [role=alert], [role=status]')]
        .map(text).filter((t) => t.length > 0),
    };";

/// One WebDriver command (a click, a script, a screenshot) may take this long.
const COMMAND: Duration = Duration::from_secs(20);
/// Loading the page and its wasm.
const LOAD: Duration = Duration::from_secs(20);
/// The tallest full-page screenshot: a long list is virtualised anyway.
const SHOT_MAX_HEIGHT: u32 = 3000;

/// A test failure that names the browser and the step. `Debug` prints the
/// message as is, because that is what a failing test shows.
pub struct Failure(String);

impl Failure {
    /// "`browser`: `what`: `err`".
    pub fn new(browser: Browser, what: &str, err: &dyn fmt::Display) -> Failure {
        Failure(format!("{browser}: {what}: {err}"))
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub use super::contract::{Row, Summary};
use super::contract::{ROWS_JS, SUMMARY_JS};

/// A browser session on the served page. Call [`Page::close`] at the end; if a
/// test fails first, dropping the driver kills the browser anyway.
pub struct Page {
    browser: Browser,
    client: Client,
    url: String,
    // Dropped last: it kills the browser's whole process group.
    driver: Driver,
}

impl Page {
    /// Starts `browser`, opens the page `site` serves and waits until the app
    /// has replaced the loading placeholder.
    pub async fn open(browser: Browser, site: &Site) -> Result<Page, Failure> {
        Page::open_url(browser, &site.url("/")).await
    }

    /// Starts `browser` on the page at `url` (served by anything) and waits
    /// until the app has mounted.
    pub async fn open_url(browser: Browser, url: &str) -> Result<Page, Failure> {
        Page::open_in(browser, url, Theme::Usual).await
    }

    /// As [`Page::open_url`], with the page told the system prefers `theme`.
    pub async fn open_in(browser: Browser, url: &str, theme: Theme) -> Result<Page, Failure> {
        let driver = Driver::start(browser).await?;
        let client = driver.session_in(theme).await?;
        let page = Page {
            browser,
            client,
            url: url.to_owned(),
            driver,
        };
        page.cmd("opening the page", page.client.goto(&page.url))
            .await?;
        page.wait_for_app().await?;
        Ok(page)
    }

    /// Starts `browser` without opening anything yet, for a caller that sets
    /// the browser up first (throttling, a script for every new document);
    /// [`Page::navigate`] opens `url` then.
    pub async fn unopened(browser: Browser, url: &str) -> Result<Page, Failure> {
        Page::unopened_with(browser, url, "normal").await
    }

    /// Starts `browser` and opens `url` without waiting for it to load
    /// (WebDriver's page load strategy "none"): for a page whose wasm is held
    /// back ([`super::site::Gate`]).
    pub async fn loading(browser: Browser, url: &str) -> Result<Page, Failure> {
        let page = Page::unopened_loading(browser, url).await?;
        page.navigate().await?;
        Ok(page)
    }

    /// As [`Page::unopened`], with [`Page::navigate`] not waiting for the
    /// page to load (as in [`Page::loading`]).
    pub async fn unopened_loading(browser: Browser, url: &str) -> Result<Page, Failure> {
        Page::unopened_with(browser, url, "none").await
    }

    /// A browser with WebDriver's `pageLoadStrategy` set to `page_load`, on
    /// no page yet.
    async fn unopened_with(browser: Browser, url: &str, page_load: &str) -> Result<Page, Failure> {
        let driver = Driver::start(browser).await?;
        let client = driver.session_loading(page_load).await?;
        Ok(Page {
            browser,
            client,
            url: url.to_owned(),
            driver,
        })
    }

    /// Opens the page's URL and returns once the browser's load event fired,
    /// without waiting for the app.
    pub async fn navigate(&self) -> Result<(), Failure> {
        self.cmd("opening the page", self.client.goto(&self.url))
            .await
    }

    /// Sends a Chrome DevTools Protocol command through chromedriver
    /// (`goog/cdp/execute`) to the page's target; Chromium only.
    pub async fn cdp(&self, command: &str, params: Value) -> Result<Value, Failure> {
        let cmd = Cdp {
            command: command.to_owned(),
            params,
        };
        self.cmd(&format!("CDP {command}"), self.client.issue_cmd(cmd))
            .await
    }

    /// Reloads the page (what survives is up to the page) and waits for the app.
    pub async fn reload(&self) -> Result<(), Failure> {
        self.cmd("reloading the page", self.client.refresh())
            .await?;
        self.wait_for_app().await
    }

    /// Waits for the app to mount (over the static page, if it was shown).
    pub async fn wait_for_app(&self) -> Result<(), Failure> {
        self.poll_js(
            "waiting for the app to mount",
            LOAD,
            // Not the static page's early list box and Check (index.html):
            // the app's own, once it has mounted.
            "return document.querySelector('#check:not(.early)') ? true : null;",
        )
        .await
        .map(drop)
    }

    /// Types `lines` into the list box, replacing what was there.
    pub async fn type_list(&self, lines: &[String]) -> Result<(), Failure> {
        let text = lines.join(self.browser.line_break());
        self.type_into("#list", &text).await?;
        let typed = self.value("#list").await?;
        if typed.replace("\r\n", "\n") != lines.join("\n") {
            return Err(self.fail("typing the list", &format!("the box holds {typed:?}")));
        }
        Ok(())
    }

    /// Puts `text` into the list box the way a paste does (value, then an
    /// `input` event): typing 10,000 lines key by key would take minutes.
    pub async fn paste_list(&self, text: &str) -> Result<(), Failure> {
        let script = "const box = document.querySelector('#list'); box.value = arguments[0];
            box.dispatchEvent(new Event('input', { bubbles: true })); return true;";
        self.eval("pasting the list", script, vec![Value::from(text)])
            .await
            .map(drop)
    }

    /// Runs a script in the page and returns what it returns.
    pub async fn eval(&self, what: &str, script: &str, args: Vec<Value>) -> Result<Value, Failure> {
        self.cmd(what, self.client.execute(script, args)).await
    }

    /// Runs an asynchronous script (its last argument is the callback that
    /// ends it) and returns what it passed on.
    pub async fn eval_async(
        &self,
        what: &str,
        script: &str,
        args: Vec<Value>,
    ) -> Result<Value, Failure> {
        self.cmd(what, self.client.execute_async(script, args))
            .await
    }

    /// Clears an input and types `text`, then checks the field shows it.
    pub async fn set_field(&self, selector: &str, text: &str) -> Result<(), Failure> {
        self.type_into(selector, text).await?;
        let value = self.value(selector).await?;
        if value != text {
            return Err(self.fail(
                &format!("typing into {selector}"),
                &format!("it shows {value:?}"),
            ));
        }
        Ok(())
    }

    async fn type_into(&self, selector: &str, text: &str) -> Result<(), Failure> {
        let what = format!("typing into {selector}");
        let el = self.find(selector).await?;
        self.cmd(&what, el.clear()).await?;
        self.cmd(&what, el.send_keys(text)).await
    }

    /// Picks the option with `value` in a `<select>`.
    pub async fn select(&self, selector: &str, value: &str) -> Result<(), Failure> {
        let el = self.find(selector).await?;
        self.cmd(
            &format!("choosing {value} in {selector}"),
            el.select_by_value(value),
        )
        .await
    }

    /// Clicks the element `selector` names.
    pub async fn click(&self, selector: &str) -> Result<(), Failure> {
        let el = self.find(selector).await?;
        self.cmd(&format!("clicking {selector}"), el.click()).await
    }

    /// The current `value` of a form field.
    pub async fn value(&self, selector: &str) -> Result<String, Failure> {
        let el = self.find(selector).await?;
        let value = self
            .cmd(&format!("reading {selector}"), el.prop("value"))
            .await?;
        Ok(value.unwrap_or_default())
    }

    async fn find(&self, selector: &str) -> Result<fantoccini::elements::Element, Failure> {
        self.cmd(
            &format!("finding {selector}"),
            self.client.find(Locator::Css(selector)),
        )
        .await
    }

    /// Every result row, in page order.
    pub async fn rows(&self) -> Result<Vec<Row>, Failure> {
        let rows = self
            .cmd("reading the rows", self.client.execute(ROWS_JS, vec![]))
            .await?;
        serde_json::from_value(rows).map_err(|e| self.fail("reading the rows", &e))
    }

    /// Waits until the JavaScript expression `condition` is true.
    pub async fn wait_for(
        &self,
        what: &str,
        limit: Duration,
        condition: &str,
    ) -> Result<(), Failure> {
        let script = format!("return ({condition}) ? true : null;");
        self.poll_js(what, limit, &script).await.map(drop)
    }

    /// Waits until the run finished: every row final and `data-wall-ms` set.
    pub async fn wait_until_done(&self, limit: Duration) -> Result<Summary, Failure> {
        let script = format!(
            "const f = (function() {{ {SUMMARY_JS} }})();
             return f && f.wall_ms !== null && f.done === f.total ? f : null;"
        );
        let summary = self
            .poll_js("waiting for the run to finish", limit, &script)
            .await?;
        serde_json::from_value(summary).map_err(|e| self.fail("reading the summary", &e))
    }

    /// Saves a PNG of the whole page to `path`, creating its folder.
    ///
    /// WebDriver shoots the viewport only (and element screenshots come out
    /// black in WebKit), so the viewport grows to the page's height for the
    /// shot and returns to [`WINDOW`] after it: the same in every engine.
    pub async fn screenshot(&self, path: &Path) -> Result<(), Failure> {
        let height = self
            .eval(
                "measuring the page",
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .await?;
        let height = height.as_u64().unwrap_or(0).min(u64::from(SHOT_MAX_HEIGHT)) as u32;
        let tall = height > WINDOW.1;
        if tall {
            self.driver
                .fit_viewport(&self.client, (WINDOW.0, height))
                .await?;
        }
        let png = self
            .cmd("taking a screenshot", self.client.screenshot())
            .await;
        if tall {
            self.driver.fit_viewport(&self.client, WINDOW).await?;
        }
        let png = png?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.fail("creating the folder", &e))?;
        }
        std::fs::write(path, png).map_err(|e| self.fail("saving the screenshot", &e))
    }

    /// A screenshot of what is in the window now, `selector` scrolled to
    /// its top: one part of the page at the size a visitor sees it.
    pub async fn screenshot_at(&self, selector: &str, path: &Path) -> Result<(), Failure> {
        let script = format!(
            "const e = document.querySelector({selector:?}); \
             if (!e) return false; e.scrollIntoView({{ block: 'start' }}); return true;"
        );
        let found = self.eval("scrolling to the shot", &script, vec![]).await?;
        if found != Value::Bool(true) {
            return Err(self.fail(
                "scrolling to the shot",
                &format!("no {selector} on the page"),
            ));
        }
        let png = self
            .cmd("taking a screenshot", self.client.screenshot())
            .await?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.fail("creating the folder", &e))?;
        }
        std::fs::write(path, png).map_err(|e| self.fail("saving the screenshot", &e))
    }

    /// Ends the session, letting the browser shut down cleanly.
    pub async fn close(self) -> Result<(), Failure> {
        let browser = self.browser;
        match tokio::time::timeout(COMMAND, self.client.close()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failure::new(browser, "closing the session", &e)),
            Err(_) => Err(Failure::new(browser, "closing the session", &"no answer")),
        }
    }

    /// Runs `script` until it returns something other than `null`.
    pub async fn poll_js(
        &self,
        what: &str,
        limit: Duration,
        script: &str,
    ) -> Result<Value, Failure> {
        // The document a script runs in can go away under it (a page opened
        // without waiting for its load): `settled` then asks the new one.
        let deadline = Instant::now() + limit;
        match settled(&self.client, script, deadline, COMMAND, |v| !v.is_null()).await {
            Ok(value) => Ok(value),
            Err(Unsettled::Late) => {
                let shown = self.describe().await;
                let limit = format!("not within {limit:?}; the page shows:\n{shown}");
                Err(self.fail(what, &limit))
            }
            Err(e) => Err(self.fail(what, &e)),
        }
    }

    /// The summary and rows as text, for failure messages, with what else
    /// could explain a run that never started: messages and errors on the
    /// page, the Check button, the list box, whether the page is visible
    /// (hidden pages get their timers throttled) and has the focus.
    async fn describe(&self) -> String {
        let summary = self.client.execute(SUMMARY_JS, vec![]).await;
        let rows = self.client.execute(ROWS_JS, vec![]).await;
        let context = self.client.execute(CONTEXT_JS, vec![]).await;
        match (summary, rows, context) {
            (Ok(summary), Ok(rows), Ok(context)) => {
                format!("summary {summary}\nrows {rows:#}\npage {context}")
            }
            (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => format!("(unreadable: {e})"),
        }
    }

    /// One WebDriver command under the [`COMMAND`] deadline.
    async fn cmd<T, E: fmt::Display>(
        &self,
        what: &str,
        command: impl Future<Output = Result<T, E>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(COMMAND, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.fail(what, &e)),
            Err(_) => Err(self.fail(what, &format!("no answer within {COMMAND:?}"))),
        }
    }

    fn fail(&self, what: &str, err: &dyn fmt::Display) -> Failure {
        Failure::new(self.browser, what, err)
    }
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: a DevTools Protocol
/// command, for what WebDriver has no command for (network and CPU
/// throttling).
#[derive(Debug)]
struct Cdp {
    command: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.command, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}
