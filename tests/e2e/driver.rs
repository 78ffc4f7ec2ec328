//! Browsers and their WebDriver servers: which binary, which capabilities, and a
//! driver process that cannot outlive the test.

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::fmt;
use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

use super::page::Failure;

/// How long a WebDriver server may take to accept connections.
const DRIVER_START: Duration = Duration::from_secs(10);
/// How long a new browser session may take (measured: 0.5–1 s for Chromium).
const SESSION_START: Duration = Duration::from_secs(30);
/// The viewport every test sees, so screenshots show the whole results table.
pub const WINDOW: (u32, u32) = (1280, 900);

/// A browser engine the end-to-end tests can drive. Test bodies take one of
/// these and never look at which it is, so a new engine is one variant here
/// plus one line in `e2e.rs`.
///
/// Firefox (geckodriver, `-headless`) and WebKit (WebKitWebDriver under Xvfb)
/// are verified on these machines (TOOLCHAIN.md "Other browsers") and come in a
/// later issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Debian's Chromium through chromedriver.
    Chromium,
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Browser::Chromium => "Chromium",
        })
    }
}

impl Browser {
    /// The WebDriver server's command line, listening on `port`.
    fn driver_command(self, port: u16) -> Command {
        match self {
            Browser::Chromium => {
                // ./scripts/setup.sh exports CHROMEDRIVER; by hand it is on PATH.
                let bin = std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| "chromedriver".into());
                let mut cmd = Command::new(bin);
                cmd.arg(format!("--port={port}"));
                cmd
            }
        }
    }

    /// Capabilities for a headless session whose profile lives in `profile`.
    fn capabilities(self, profile: &Path) -> Capabilities {
        let caps = match self {
            Browser::Chromium => {
                let binary =
                    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
                json!({
                    "goog:chromeOptions": {
                        "binary": binary,
                        // --no-sandbox: the tests run as root, where the sandbox
                        // refuses to start (TOOLCHAIN.md).
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-first-run",
                            format!("--user-data-dir={}", profile.display()),
                        ],
                    }
                })
            }
        };
        match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("capabilities are a JSON object literal"),
        }
    }

    /// What to type between two lines of a textarea. Chromium takes `"\n"`;
    /// WebKit drops it and needs the Enter key (`"\u{e007}"`).
    pub fn line_break(self) -> &'static str {
        match self {
            Browser::Chromium => "\n",
        }
    }
}

/// A running WebDriver server in its own process group, with a per-run folder
/// that holds its `TMPDIR` and the browser profile. Dropping it kills the whole
/// group, so a failed test leaks no browser processes, then removes the folder.
pub struct Driver {
    browser: Browser,
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Driver {
    /// Starts the browser's WebDriver server on a free loopback port and waits
    /// until it accepts connections.
    pub async fn start(browser: Browser) -> Result<Driver, Failure> {
        let fail = |what: &str, err: &dyn fmt::Display| Failure::new(browser, what, err);
        let dir = run_dir(browser);
        fs::create_dir_all(dir.join("tmp")).map_err(|e| fail("creating the run folder", &e))?;
        let port = free_port().map_err(|e| fail("finding a free port", &e))?;
        let log = File::create(dir.join("driver.log")).map_err(|e| fail("creating the log", &e))?;
        let log2 = log.try_clone().map_err(|e| fail("creating the log", &e))?;
        let child = browser
            .driver_command(port)
            // Chromium's own temporary folders then stay inside the run folder.
            .env("TMPDIR", dir.join("tmp"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .process_group(0)
            .spawn()
            .map_err(|e| fail("starting its WebDriver server (is it installed?)", &e))?;
        let mut driver = Driver {
            browser,
            child,
            port,
            dir,
        };
        driver.wait_until_listening().await?;
        Ok(driver)
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
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(self.failure("its WebDriver server exited", &status));
            }
            if Instant::now() > deadline {
                return Err(self.failure("its WebDriver server did not listen", &"within 10 s"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A new headless session with a fresh profile and the standard window size.
    pub async fn session(&self) -> Result<Client, Failure> {
        let profile = self.dir.join("profile");
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(self.browser.capabilities(&profile));
        let url = format!("http://127.0.0.1:{}", self.port);
        // WebKit without a display hangs here with no error: always a deadline.
        let client = match tokio::time::timeout(SESSION_START, builder.connect(&url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => return Err(self.failure("creating a session", &e)),
            Err(_) => return Err(self.failure("creating a session", &"no answer within 30 s")),
        };
        self.fit_viewport(&client).await?;
        Ok(client)
    }

    /// Sizes the window so the page itself gets [`WINDOW`]: a window size
    /// includes the browser's own bars, which would cut the screenshot short.
    async fn fit_viewport(&self, client: &Client) -> Result<(), Failure> {
        let fail = |e: &dyn fmt::Display| self.failure("setting the window size", e);
        let script = "return [window.innerWidth, window.innerHeight];";
        let mut size = WINDOW;
        // Twice at most: the second try corrects for the bars measured in the first.
        for _ in 0..2 {
            let resize = client.set_window_size(size.0, size.1);
            let resize = tokio::time::timeout(SESSION_START, resize).await;
            resize.map_err(|e| fail(&e))?.map_err(|e| fail(&e))?;
            let inner = client.execute(script, vec![]);
            let inner = tokio::time::timeout(SESSION_START, inner).await;
            let inner = inner.map_err(|e| fail(&e))?.map_err(|e| fail(&e))?;
            let (Some(iw), Some(ih)) = (inner[0].as_u64(), inner[1].as_u64()) else {
                return Err(fail(&format!("unexpected viewport {inner}")));
            };
            if (iw, ih) == (u64::from(WINDOW.0), u64::from(WINDOW.1)) {
                break;
            }
            let fit = |want: u32, now: u32, got: u64| {
                (u64::from(want) + u64::from(now)).saturating_sub(got) as u32
            };
            size = (fit(WINDOW.0, size.0, iw), fit(WINDOW.1, size.1, ih));
        }
        Ok(())
    }

    /// A failure naming the browser, with the end of the driver's log.
    fn failure(&self, what: &str, err: &dyn fmt::Display) -> Failure {
        let log = fs::read_to_string(self.dir.join("driver.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Failure::new(
            self.browser,
            what,
            &format!(
                "{err}\n--- driver log (last lines) ---\n{}",
                tail.join("\n")
            ),
        )
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) only sends a signal. A negative pid means the process
        // group, which is the driver's own (process_group(0) above); Linux does
        // not hand out a group's id again while any member (a browser process)
        // lives, so this reaches the driver and its browser and nothing else.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        // Best effort: a browser process killed a moment ago may still be
        // closing files in the profile.
        let _ = fs::remove_dir_all(&self.dir);
    }
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
