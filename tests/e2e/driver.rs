//! Browsers and their WebDriver servers: which binary, which capabilities, and a
//! driver process that cannot outlive the test.
//!
//! Engine differences the tests must know about live in one place: the
//! "Engine differences" block of `impl Browser` below.

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

use super::page::Failure;

/// How long a WebDriver server (and, for WebKit, its X display) may take to
/// accept connections.
const DRIVER_START: Duration = Duration::from_secs(15);
/// How long a new browser session may take (measured: 0.5–1 s for Chromium,
/// 3–4 s for Firefox), with room on a busy 2-core machine.
const SESSION_START: Duration = Duration::from_secs(45);
/// How often [`settled`] asks the page again.
const POLL: Duration = Duration::from_millis(25);
/// The viewport every test sees, so screenshots show the whole results table.
pub const WINDOW: (u32, u32) = (1280, 900);
/// The environment variable that picks browsers: `chromium,firefox,webkit`.
pub const SELECT_VAR: &str = "UPCHECK_BROWSERS";

/// A browser engine the end-to-end tests can drive. Test bodies take one of
/// these and never look at which it is, so a new engine is one variant here
/// plus one line in `e2e.rs`. All three are verified on these machines
/// (docs/TOOLCHAIN.md, "Other browsers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Debian's Chromium through chromedriver.
    Chromium,
    /// Debian's Firefox ESR through geckodriver, truly headless.
    Firefox,
    /// WebKitGTK's MiniBrowser through WebKitWebDriver, on an Xvfb display the
    /// harness starts (WebKitGTK has no headless mode).
    Webkit,
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Browser::Chromium => "Chromium",
            Browser::Firefox => "Firefox",
            Browser::Webkit => "WebKit",
        })
    }
}

impl Browser {
    /// Every engine, in the order `./test` runs them.
    pub const ALL: [Browser; 3] = [Browser::Chromium, Browser::Firefox, Browser::Webkit];

    /// The lower-case name `UPCHECK_BROWSERS` and file names use.
    pub fn id(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
            Browser::Webkit => "webkit",
        }
    }

    /// Whether `UPCHECK_BROWSERS` (a comma-separated list of [`Browser::id`]s)
    /// picks this browser; unset or empty picks all of them.
    ///
    /// Panics on a name it does not know: a typo must not quietly skip every test.
    pub fn selected(self) -> bool {
        let Ok(list) = std::env::var(SELECT_VAR) else {
            return true;
        };
        let names: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        for name in &names {
            assert!(
                Browser::ALL.iter().any(|b| b.id() == *name),
                "{SELECT_VAR}={list:?}: unknown browser {name:?} (chromium, firefox, webkit)"
            );
        }
        names.is_empty() || names.contains(&self.id())
    }

    /// Prints, past the test harness's output capture, that this browser's
    /// test `name` is skipped, and returns whether it is.
    pub fn skip(self, name: &str) -> bool {
        if self.selected() {
            return false;
        }
        let list = std::env::var(SELECT_VAR).unwrap_or_default();
        // Straight to the stream: `eprintln!` output of a passing test is hidden.
        let _ = writeln!(
            std::io::stderr(),
            "skipped {}::{name}: {SELECT_VAR}={list}",
            self.id()
        );
        true
    }

    /// Capabilities for a headless session whose profile lives in `profile`,
    /// in `theme`.
    fn capabilities(self, profile: &Path, theme: Theme) -> Capabilities {
        let dark = theme.dark(self);
        let caps = match self {
            Browser::Chromium => {
                let binary = env_or("CHROMIUM", "/usr/bin/chromium");
                let mut caps = json!({
                    "goog:chromeOptions": {
                        "binary": binary,
                        // --no-sandbox: the tests run as root, where the sandbox
                        // refuses to start (docs/TOOLCHAIN.md).
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-first-run",
                            // The system theme is dark for Chromium and light for
                            // Firefox and WebKit, so the screenshots show both.
                            "--force-dark-mode",
                            format!("--user-data-dir={}", profile.display()),
                        ],
                    }
                });
                if !dark {
                    let args = &mut caps["goog:chromeOptions"]["args"];
                    if let Some(args) = args.as_array_mut() {
                        args.retain(|a| a != "--force-dark-mode");
                    }
                }
                caps
            }
            // geckodriver makes a fresh profile per session in its TMPDIR (the
            // run folder); without -headless Firefox exits ("no DISPLAY").
            Browser::Firefox => json!({
                "moz:firefoxOptions": {
                    "binary": env_or("FIREFOX", "/usr/bin/firefox-esr"),
                    "args": ["-headless"],
                    // No network here but loopback: nothing in the background.
                    "prefs": {
                        "app.update.enabled": false,
                        "browser.safebrowsing.malware.enabled": false,
                        "browser.safebrowsing.phishing.enabled": false,
                        "network.captive-portal-service.enabled": false,
                        "network.connectivity-service.enabled": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        "toolkit.telemetry.enabled": false,
                        // What `prefers-color-scheme` says to pages: 0 dark,
                        // 1 light.
                        "layout.css.prefers-color-scheme.content-override": if dark { 0 } else { 1 },
                    },
                }
            }),
            // --automation: MiniBrowser uses an ephemeral profile and accepts
            // the driver's control.
            Browser::Webkit => json!({
                "webkitgtk:browserOptions": {
                    "binary": env_or(
                        "MINIBROWSER",
                        "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                    ),
                    // --dark-mode: MiniBrowser asks GTK for the dark
                    // variant, which WebKit reports as the page's scheme.
                    "args": if dark { json!(["--automation", "--dark-mode"]) } else { json!(["--automation"]) },
                }
            }),
        };
        match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("capabilities are a JSON object literal"),
        }
    }

    // Engine differences. Everything a test must do differently per engine is
    // here, so test bodies stay one per scenario and the page is held to the
    // same outcome in every engine. Found while running the suite in all three:
    //
    // - Typing: WebKitWebDriver drops "\n" in a textarea (`line_break` below).
    // - Error texts: a refused fetch rejects with "Failed to fetch" (Chromium),
    //   "NetworkError when attempting to fetch resource." (Firefox) or "Load
    //   failed" (WebKit). The page maps all three to `unreachable` with the
    //   same "no HTTP response" text and appends the engine's words in
    //   parentheses, so tests assert the shared part only.
    // - Painting: after a window resize WebKit reports the new size at once but
    //   paints later; `Driver::fit_viewport` waits two animation frames in
    //   every engine, which is harmless where it is not needed.
    // - Window chrome: MiniBrowser has a 38 px toolbar, headless Chromium and
    //   Firefox none; `Driver::fit_viewport` measures instead of assuming.
    // - Timing: WebKit's first CORS fetches take 100-170 ms against 20-30 ms in
    //   the others, and 30 x 500 ms at concurrency 16 overlapped 12.9x against
    //   14.4x; every timing bound in the scenarios holds for all three.

    /// What to type between two lines of a textarea. Chromium and Firefox take
    /// `"\n"`; WebKitWebDriver drops it, so WebKit gets the Enter key
    /// (`"\u{e007}"`), which the textarea turns into the same line break.
    pub fn line_break(self) -> &'static str {
        match self {
            Browser::Chromium | Browser::Firefox => "\n",
            Browser::Webkit => "\u{e007}",
        }
    }
}

/// `$var` if set (`./scripts/setup.sh` exports where it installed each tool),
/// else `default` (a name on PATH or Debian's path).
fn env_or(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// The colour scheme a session's pages are told the system prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Each engine's usual one in these tests: dark for Chromium, light for
    /// Firefox and WebKit, so the screenshots show both.
    Usual,
    /// Dark in every engine.
    Dark,
    /// Light in every engine.
    Light,
}

impl Theme {
    fn dark(self, browser: Browser) -> bool {
        match self {
            Theme::Usual => browser == Browser::Chromium,
            Theme::Dark => true,
            Theme::Light => false,
        }
    }
}

/// A running WebDriver server (for WebKit, with the Xvfb display it draws on)
/// in its own process group, with a per-run folder that holds its `TMPDIR`,
/// the browser profile and the logs. Dropping it kills the whole group, so a
/// failed test leaks no browser processes, then removes the folder.
pub struct Driver {
    browser: Browser,
    /// What this driver started, the group leader first.
    children: Vec<Child>,
    port: u16,
    dir: PathBuf,
    /// The X display number of our Xvfb (WebKit only).
    display: Option<u32>,
}

impl Driver {
    /// Starts the browser's WebDriver server on a free loopback port (WebKit:
    /// on a new Xvfb display first) and waits until it accepts connections.
    pub async fn start(browser: Browser) -> Result<Driver, Failure> {
        let fail = |what: &str, err: &dyn fmt::Display| Failure::new(browser, what, err);
        let dir = run_dir(browser);
        fs::create_dir_all(dir.join("tmp")).map_err(|e| fail("creating the run folder", &e))?;
        let port = free_port().map_err(|e| fail("finding a free port", &e))?;
        // From here on, dropping `driver` cleans up whatever was started.
        let mut driver = Driver {
            browser,
            children: Vec::new(),
            port,
            dir,
            display: None,
        };
        let server = match browser {
            Browser::Chromium => {
                let mut cmd = Command::new(env_or("CHROMEDRIVER", "chromedriver"));
                cmd.arg(format!("--port={port}"));
                cmd
            }
            Browser::Firefox => {
                // geckodriver's BiDi websocket takes 9222 unless told otherwise,
                // and two geckodrivers (or a debugging Chromium) would collide.
                let ws = free_port().map_err(|e| fail("finding a free port", &e))?;
                let mut cmd = Command::new(env_or("GECKODRIVER", "geckodriver"));
                cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--websocket-port", &ws.to_string()]);
                cmd
            }
            Browser::Webkit => {
                let display = driver.start_xvfb().await?;
                let mut cmd = Command::new(env_or("WEBKITWEBDRIVER", "WebKitWebDriver"));
                cmd.args([format!("--port={port}"), "--host=127.0.0.1".into()])
                    .env("DISPLAY", format!(":{display}"));
                cmd
            }
        };
        let what = "starting its WebDriver server (is it installed? ./test installs it)";
        driver.spawn(server, "driver.log", what)?;
        driver.wait_until_listening().await?;
        Ok(driver)
    }

    /// Starts `cmd` in the driver's process group (a new one for the first),
    /// with its output in `log` inside the run folder.
    fn spawn(&mut self, mut cmd: Command, log: &str, what: &str) -> Result<(), Failure> {
        let fail = |e: &dyn fmt::Display| Failure::new(self.browser, what, e);
        let path = self.dir.join(log);
        let out = OpenOptions::new().create(true).append(true).open(&path);
        let out = out.map_err(|e| fail(&e))?;
        let err = out.try_clone().map_err(|e| fail(&e))?;
        let group = self.children.first().map_or(0, |c| c.id() as i32);
        let child = cmd
            // The browser's own temporary folders (Chromium's, geckodriver's
            // fresh profile) then stay inside the run folder.
            .env("TMPDIR", self.dir.join("tmp"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(group)
            .spawn()
            .map_err(|e| fail(&e))?;
        self.children.push(child);
        Ok(())
    }

    /// Starts `Xvfb :N` on a display number nobody uses and waits for its
    /// socket. WebKitGTK has no headless mode, and without a display its
    /// session creation hangs silently (docs/TOOLCHAIN.md).
    async fn start_xvfb(&mut self) -> Result<u32, Failure> {
        // Distinct numbers for drivers started at the same moment by this
        // process; other processes' displays show as a socket or a lock file.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        for _ in 0..20 {
            let n = 90 + (NEXT.fetch_add(1, Ordering::Relaxed) % 400) as u32;
            let (socket, lock) = x_files(n);
            if socket.exists() || lock.exists() {
                continue;
            }
            let mut cmd = Command::new(env_or("XVFB", "Xvfb"));
            cmd.arg(format!(":{n}"))
                .args(["-screen", "0", "1600x3200x24", "-nolisten", "tcp"]);
            self.spawn(
                cmd,
                "xvfb.log",
                "starting Xvfb (is it installed? ./test installs it)",
            )?;
            let deadline = Instant::now() + DRIVER_START;
            loop {
                let xvfb = self.children.last_mut().expect("Xvfb was just started");
                // The lock file holds the server's pid: the display is ours only
                // if our Xvfb wrote it, even if another server raced us to :n.
                let ours =
                    fs::read_to_string(&lock).is_ok_and(|pid| pid.trim() == xvfb.id().to_string());
                if ours && socket.exists() {
                    self.display = Some(n);
                    return Ok(n);
                }
                if let Ok(Some(_)) = xvfb.try_wait() {
                    // Another server took :n in the meantime: try the next one.
                    self.children.pop();
                    break;
                }
                if Instant::now() > deadline {
                    let err = format!("no display :{n} within {DRIVER_START:?}");
                    return Err(self.failure_in("xvfb.log", "starting Xvfb", &err));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Err(self.failure_in(
            "xvfb.log",
            "starting Xvfb",
            &"no free display after 20 tries",
        ))
    }

    async fn wait_until_listening(&mut self) -> Result<(), Failure> {
        let deadline = Instant::now() + DRIVER_START;
        loop {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            for child in &mut self.children {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(self.failure("its WebDriver server exited", &status));
                }
            }
            if Instant::now() > deadline {
                let err = format!("not within {DRIVER_START:?}");
                return Err(self.failure("its WebDriver server did not listen", &err));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A new headless session with a fresh profile and the standard window size.
    pub async fn session(&self) -> Result<Client, Failure> {
        self.session_in(Theme::Usual).await
    }

    /// As [`Driver::session`], with pages told the system prefers `theme`.
    pub async fn session_in(&self, theme: Theme) -> Result<Client, Failure> {
        self.session_with(theme, "normal").await
    }

    /// As [`Driver::session`] (which is "normal"), with WebDriver's
    /// `pageLoadStrategy`: "none" returns from a navigation at once, for a
    /// test that looks at a page whose load is being held back.
    pub async fn session_loading(&self, page_load: &str) -> Result<Client, Failure> {
        self.session_with(Theme::Usual, page_load).await
    }

    async fn session_with(&self, theme: Theme, page_load: &str) -> Result<Client, Failure> {
        let profile = self.dir.join("profile");
        let mut builder = ClientBuilder::new(HttpConnector::new());
        let mut caps = self.browser.capabilities(&profile, theme);
        caps.insert("pageLoadStrategy".into(), page_load.into());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{}", self.port);
        // WebKit without a display hangs here with no error: always a deadline.
        let client = match tokio::time::timeout(SESSION_START, builder.connect(&url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => return Err(self.failure("creating a session", &e)),
            Err(_) => {
                let err = format!("no session within {SESSION_START:?}");
                return Err(self.failure("creating a session", &err));
            }
        };
        self.fit_viewport(&client, WINDOW).await?;
        Ok(client)
    }

    /// Sizes the window so the page itself gets `want` (width, height): a
    /// window size includes the browser's own bars, which would cut the
    /// screenshot short.
    pub async fn fit_viewport(&self, client: &Client, want: (u32, u32)) -> Result<(), Failure> {
        let fail = |e: &dyn fmt::Display| self.failure("setting the window size", e);
        let script = "return [window.innerWidth, window.innerHeight];";
        let deadline = Instant::now() + SESSION_START;
        let mut size = want;
        // Twice at most: the second try corrects for the bars measured in the first.
        for _ in 0..2 {
            let resize = client.set_window_size(size.0, size.1);
            let resize = tokio::time::timeout(SESSION_START, resize).await;
            resize.map_err(|e| fail(&e))?.map_err(|e| fail(&e))?;
            let inner = settled(client, script, deadline, SESSION_START, |v| !v.is_null())
                .await
                .map_err(|e| fail(&e))?;
            let (Some(iw), Some(ih)) = (inner[0].as_u64(), inner[1].as_u64()) else {
                return Err(fail(&format!("unexpected viewport {inner}")));
            };
            if (iw, ih) == (u64::from(want.0), u64::from(want.1)) {
                break;
            }
            let fit = |want: u32, now: u32, got: u64| {
                (u64::from(want) + u64::from(now)).saturating_sub(got) as u32
            };
            size = (fit(want.0, size.0, iw), fit(want.1, size.1, ih));
        }
        // WebKit reports the new size at once but paints it later: a
        // screenshot right after a resize shows the new area black. Two
        // animation frames later the page has been painted at the new size.
        // A window WebKit takes for hidden (a new one under Xvfb, now and
        // then, on a cold machine) gets no animation frames at all: then a
        // second is waited instead.
        //
        // A flag the frames set, polled, rather than an asynchronous script:
        // in a session that does not wait for page loads, a new browser may
        // still be replacing its first blank document, and a callback given
        // to the old one is never called (chromedriver: "script timeout").
        // Each call has its own key, so a later resize waits for its own
        // frames; a replaced document gets the flag set up again.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let key = NEXT.fetch_add(1, Ordering::Relaxed);
        let painted = format!(
            "const seen = window.__upcheckPainted || (window.__upcheckPainted = {{}});
             if (!({key} in seen)) {{
                 seen[{key}] = false;
                 const done = () => {{ seen[{key}] = true; }};
                 setTimeout(done, 1000);
                 requestAnimationFrame(() => requestAnimationFrame(done));
             }}
             return seen[{key}];"
        );
        settled(client, &painted, deadline, SESSION_START, |v| {
            v == &json!(true)
        })
        .await
        .map_err(|e| fail(&e))?;
        Ok(())
    }

    /// A failure naming the browser, with the end of the driver's log.
    fn failure(&self, what: &str, err: &dyn fmt::Display) -> Failure {
        self.failure_in("driver.log", what, err)
    }

    /// A failure naming the browser, with the last lines of `log`.
    fn failure_in(&self, log: &str, what: &str, err: &dyn fmt::Display) -> Failure {
        let text = fs::read_to_string(self.dir.join(log)).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Failure::new(
            self.browser,
            what,
            &format!("{err}\n--- {log} (last lines) ---\n{}", tail.join("\n")),
        )
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(leader) = self.children.first() {
            let pgid = leader.id() as libc::pid_t;
            // SAFETY: kill(2) only sends a signal. A negative pid means the
            // process group, which is the driver's own (the leader was started
            // with process_group(0), the rest joined it); Linux does not hand
            // out a group's id again while any member (a browser process)
            // lives, so this reaches what we started and nothing else.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
        // A killed X server leaves its lock and socket behind; they are ours
        // (its pid was in the lock).
        if let Some(n) = self.display {
            let (socket, lock) = x_files(n);
            let _ = fs::remove_file(socket);
            let _ = fs::remove_file(lock);
        }
        // Best effort: a browser process killed a moment ago may still be
        // closing files in the profile.
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The socket and the lock file of X display `:n`.
fn x_files(n: u32) -> (PathBuf, PathBuf) {
    (
        PathBuf::from(format!("/tmp/.X11-unix/X{n}")),
        PathBuf::from(format!("/tmp/.X{n}-lock")),
    )
}

/// `target/tmp/e2e-<browser>-<pid>-<n>`: unique per driver, inside the build
/// folder so `cargo clean` removes anything left behind.
fn run_dir(browser: Browser) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("e2e-{browser}-{}-{n}", std::process::id()).to_lowercase();
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// A loopback port that was free a moment ago (the driver binds it next).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Runs `script` until its value passes `done` or `deadline` passes, asking
/// again when the document it ran in was being replaced (see
/// [`interrupted_by_navigation`]); any other error ends the wait, as does a
/// command that gets no answer within `command`.
pub async fn settled(
    client: &Client,
    script: &str,
    deadline: Instant,
    command: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> Result<serde_json::Value, Unsettled> {
    loop {
        match tokio::time::timeout(command, client.execute(script, vec![])).await {
            Ok(Ok(value)) if done(&value) => return Ok(value),
            Ok(Ok(_)) => {}
            Ok(Err(e)) if interrupted_by_navigation(&e) => {}
            Ok(Err(e)) => return Err(Unsettled::Failed(e)),
            Err(_) => return Err(Unsettled::NoAnswer(command)),
        }
        if Instant::now() >= deadline {
            return Err(Unsettled::Late);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Why [`settled`] gave up.
#[derive(Debug)]
pub enum Unsettled {
    /// The deadline passed with every answer refused.
    Late,
    /// One command got no answer in time.
    NoAnswer(Duration),
    /// The driver reported an error other than a page being replaced.
    Failed(fantoccini::error::CmdError),
}

impl fmt::Display for Unsettled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsettled::Late => f.write_str("not settled in time"),
            Unsettled::NoAnswer(wait) => write!(f, "no answer within {wait:?}"),
            Unsettled::Failed(e) => e.fmt(f),
        }
    }
}

/// Whether a script command failed only because the document it ran in was
/// being replaced: each driver says so in its own words. WebKit's: "Callback
/// was not called before the unload event"; Firefox's: "Document was
/// unloaded"; chromedriver's: "Execution context was destroyed", "Cannot find
/// context with specified id" or "Inspected target navigated or closed". Any
/// other error is a real one.
fn interrupted_by_navigation(e: &fantoccini::error::CmdError) -> bool {
    const SAID: [&str; 5] = [
        "before the unload event",
        "Document was unloaded",
        "Execution context was destroyed",
        "Cannot find context with specified id",
        "target navigated or closed",
    ];
    match e {
        fantoccini::error::CmdError::Standard(wd) => {
            SAID.iter().any(|said| wd.message.contains(said))
        }
        _ => false,
    }
}
