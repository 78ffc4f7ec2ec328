//! Shared plumbing: the results row every measurement fills in, the line it
//! prints as it lands and the ideal it is held against; the fixture's peak
//! in-flight count, taken per measurement; child processes, killed when
//! dropped and bounded in time (the proxy's throughput client and the Python
//! baselines run through the same runner); and what the report and the run
//! need to know about the machine.

use super::DELAY_MS;
use serde_json::Value;
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use upcheck_fixture::Fixture;

pub type Error = Box<dyn std::error::Error>;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// One line of the results table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub n: usize,
    pub checker: String,
    /// How many checks can be in flight at once, as stated for the ideal.
    pub concurrency: String,
    pub wall_ms: Option<f64>,
    pub ideal_ms: Option<f64>,
    pub first_ms: Option<f64>,
    pub longest_task_ms: Option<f64>,
    pub rss_kib: Option<u64>,
    pub fixture_peak: Option<usize>,
    pub up: Option<usize>,
    /// CPU time (user + system) of the measured process, when it was read.
    pub cpu_ms: Option<f64>,
    pub note: String,
}

impl Row {
    pub fn new(n: usize, checker: &str) -> Row {
        Row {
            n,
            checker: checker.to_owned(),
            ..Row::default()
        }
    }

    pub fn not_run(n: usize, checker: &str, why: &str) -> Row {
        Row {
            note: why.to_owned(),
            ..Row::new(n, checker)
        }
    }

    pub fn ratio(&self) -> Option<f64> {
        Some(self.wall_ms? / self.ideal_ms?)
    }

    /// The cells every results table starts with: `N | checker | in flight
    /// at once | wall | ideal | wall/ideal`.
    pub fn leading_cells(&self) -> String {
        format!(
            "{} | {} | {} | {} | {} | {}",
            self.n,
            self.checker,
            if self.concurrency.is_empty() {
                "–"
            } else {
                &self.concurrency
            },
            ms(self.wall_ms),
            ms(self.ideal_ms),
            self.ratio().map_or("–".into(), |x| format!("**{x:.2}**")),
        )
    }

    /// The cells every results table ends with: `fixture peak in flight |
    /// up | notes`.
    pub fn trailing_cells(&self) -> String {
        format!(
            "{} | {} | {}",
            self.fixture_peak.map_or("–".into(), |p| p.to_string()),
            self.up.map_or("–".into(), |u| format!("{u}/{}", self.n)),
            self.note.replace('|', "/"),
        )
    }
}

pub const PROXY: &str = "proxy";
pub const DIRECT: &str = "direct (Chromium)";
pub const FLOOR: &str = "Chromium floor (plain-JS fetch pool)";
pub const THREADS: &str = "Python thread per URL";
pub const LOOP: &str = "Python for loop";
pub const LYCHEE: &str = "lychee";
pub const CLI: &str = "upcheck CLI";

/// Adds the fixture's peak in-flight count to a finished measurement and
/// resets it: measurements run one at a time, so the peak since the last
/// reset is this one's.
pub fn measured(fixture: &Fixture, row: Result<Row, String>) -> Result<Row, String> {
    let stats = fixture.stats();
    let peak = stats.peak_in_flight.swap(0, Ordering::SeqCst);
    row.map(|mut r| {
        r.fixture_peak = Some(peak);
        r
    })
}

pub fn show(row: Row) -> Row {
    println!(
        "{:>6} {:<24} {:<28} wall {:>9} ideal {:>9} ratio {:>6} first {:>8} task {:>7} rss {:>8} peak {:>6} up {:>6} {}",
        row.n,
        row.checker,
        row.concurrency,
        ms(row.wall_ms),
        ms(row.ideal_ms),
        row.ratio().map_or("–".into(), |r| format!("{r:.2}")),
        ms(row.first_ms),
        ms(row.longest_task_ms),
        mib(row.rss_kib),
        row.fixture_peak.map_or("–".into(), |p| p.to_string()),
        row.up.map_or("–".into(), |u| u.to_string()),
        row.note,
    );
    row
}

pub fn ms(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.0} ms"),
        _ => "–".into(),
    }
}

pub fn mib(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

pub fn ideal_ms(n: usize, slots: usize) -> f64 {
    (n.div_ceil(slots.max(1)) as u64 * DELAY_MS) as f64
}

// ---------------------------------------------------------------- processes

/// A child process killed (with its group) when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` with stdout into `out` and at most `limit`; returns the last
/// line of stdout as JSON.
pub async fn run_bounded(mut cmd: Command, out: &Path, limit: Duration) -> Result<Value, String> {
    let file = File::create(out).map_err(|e| e.to_string())?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {cmd:?}: {e}"))?;
    let mut child = Process(child);
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                return Err(format!("still running after {limit:?}: killed"));
            }
            Ok(None) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut stderr = String::new();
    if let Some(mut err) = child.0.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut stderr);
    }
    let text = std::fs::read_to_string(out).map_err(|e| e.to_string())?;
    let last = text.lines().rev().find(|l| !l.trim().is_empty());
    match (status.success(), last.map(serde_json::from_str::<Value>)) {
        (true, Some(Ok(v))) => Ok(v),
        _ => {
            let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
            Err(format!("exited with {status}: {}", tail.join(" / ")))
        }
    }
}

/// How a child run by [`run_measured`] ended, from `wait4`'s `rusage`: its
/// own peak RSS (`ru_maxrss`, the kernel's high-water mark, as `VmHWM`) and
/// CPU time, exactly, whatever ran before it in this process.
#[derive(Debug)]
pub struct Finished {
    pub status: std::process::ExitStatus,
    pub wall_ms: f64,
    pub rss_kib: u64,
    pub cpu_ms: f64,
}

/// Runs `cmd` (stdout into `out`, stderr into `out` + `.stderr`), killed
/// after `limit`; reaped by `wait4` so its `rusage` is its own.
pub async fn run_measured(
    mut cmd: Command,
    out: &Path,
    limit: Duration,
) -> Result<Finished, String> {
    let stdout = File::create(out).map_err(|e| e.to_string())?;
    let stderr = File::create(out.with_extension("stderr")).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("starting {cmd:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    // Only this thread reaps the child (std's `Child` never waits unless
    // asked), so the pid stays ours until `wait4` returns and `kill` below
    // cannot reach another process.
    let reap = tokio::task::spawn_blocking(move || {
        let mut status = 0;
        // SAFETY: rusage is plain data; wait4 fills it and `status`.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        (r, status, usage, started.elapsed())
    });
    tokio::pin!(reap);
    let (reaped, timed_out) = tokio::select! {
        reaped = &mut reap => (reaped, false),
        _ = tokio::time::sleep(limit) => {
            // SAFETY: sends a signal to our own unreaped child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            (reap.await, true)
        }
    };
    let (r, status, usage, wall) = reaped.map_err(|e| e.to_string())?;
    drop(child);
    if r != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if timed_out {
        return Err(format!("still running after {limit:?}: killed"));
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    use std::os::unix::process::ExitStatusExt;
    Ok(Finished {
        status: std::process::ExitStatus::from_raw(status),
        wall_ms: wall.as_secs_f64() * 1000.0,
        rss_kib: usage.ru_maxrss as u64,
        cpu_ms: tv(usage.ru_utime) + tv(usage.ru_stime),
    })
}

/// How many of the proxy's JSON lines in `text` say `up`.
pub fn up_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| l.contains("\"outcome\":\"up\""))
        .count()
}

/// The last lines of what a [`run_measured`] child wrote on stderr.
pub fn stderr_tail(out: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(out.with_extension("stderr")).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(lines).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
}

/// A running process's peak RSS (`VmHWM`, KiB).
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A running process's CPU time so far (user + system, ms), from
/// `/proc/PID/stat`.
pub fn cpu_ms_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is the first, utime and stime the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some(ticks * 1000.0 / hz)
}

/// This process's own CPU time so far (user + system, ms): the harness, i.e.
/// the fixture it serves.
pub fn own_cpu_ms() -> f64 {
    // SAFETY: getrusage only fills the struct passed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

// ---------------------------------------------------------------- machine

pub fn output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| format!("({cmd} unavailable)"))
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// lychee: `UPCHECK_LYCHEE` (`ensure_lychee` in scripts/setup.sh exports it;
/// empty when it could not be installed), else `lychee` on PATH.
pub fn lychee() -> Option<PathBuf> {
    match std::env::var_os("UPCHECK_LYCHEE") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        _ => which("lychee"),
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Thread per URL at 10,000 holds 10,000 sockets, and so does the fixture
/// serving it: lift the soft limit on open files to the hard one (the
/// children inherit it).
pub fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
