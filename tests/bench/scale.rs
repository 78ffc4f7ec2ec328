//! Scale-out through nginx (`scale`): [`SCALE_N`] URLs checked by one
//! `upcheck check --via` through nginx running the shipped
//! `deploy/nginx/upcheck.conf` (its marked lines rewritten by
//! `upcheck_fixture::nginx`, as for `crates/cli/tests/nginx.rs`) in front of k = [`SCALE_KS`] release
//! `upcheck-proxy` replicas, each a process of its own so its peak RSS
//! (`VmHWM`) and CPU time can be read, each with the same global concurrency
//! S ([`SCALE_S`]).
//!
//! So that S, and nothing else, bounds a replica: its batch concurrency and
//! its per-client check cap are S too (every batch comes from one client,
//! nginx's 127.0.0.1, with `--trust-forwarded`), per-host 6 over the
//! fixture's 256 ports is 1,536 ≥ S, and the rate limit is off. The CLI cuts
//! the list into batches of min(`--max-urls`, 4 × S) and sends k at once
//! (`--batches-per-proxy k`): nginx's `least_conn` gives each new batch to
//! the replica that just finished one. Ideal: ceil(N / (k × S)) × 500 ms.
//! Each replica's batches are counted from nginx's access log (`upstream=`).
//!
//! The CLI, nginx, the replicas and the fixture (in this process) share the
//! machine's cores: each one's CPU time is reported, so a run that is CPU
//! bound shows it.

use super::common::{
    cpu_ms_of, env_or, free_port, ideal_ms, loadavg, mib, ms, own_cpu_ms, root, run_measured,
    stderr_tail, up_lines, vm_hwm_kib, Process,
};
use super::proxy::wait_listening;
use super::{DELAY_MS, PER_HOST};
use std::fmt::Write as _;
use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use upcheck_fixture::nginx::Nginx;
use upcheck_fixture::Fixture;

/// URLs in the scale-out run (`UPCHECK_BENCH_SCALE_N` overrides it).
pub const SCALE_N: usize = 100_000;
/// Replica counts measured (`UPCHECK_BENCH_SCALE_KS` overrides them).
pub const SCALE_KS: [usize; 3] = [1, 2, 4];
/// Each replica's `--global-concurrency` (`UPCHECK_BENCH_SCALE_S`).
pub const SCALE_S: usize = 1024;
/// nginx's `worker_connections`: far more than k batches and their upstreams.
const WORKER_CONNECTIONS: usize = 4096;
/// Largest batch a replica takes (`--max-urls`, the default).
const MAX_URLS: usize = 10_000;

/// One k's measurement.
pub struct ScaleRow {
    pub k: usize,
    pub s: usize,
    pub n: usize,
    pub wall_ms: Option<f64>,
    pub ideal_ms: f64,
    pub up: usize,
    pub lines: usize,
    /// Per replica: (batches served, peak RSS KiB, CPU ms).
    pub replicas: Vec<(usize, Option<u64>, Option<f64>)>,
    pub cli_rss_kib: Option<u64>,
    pub cli_cpu_ms: Option<f64>,
    pub nginx_cpu_ms: Option<f64>,
    pub fixture_cpu_ms: f64,
    pub fixture_peak: usize,
    pub batches: usize,
    pub load: (String, String),
    pub note: String,
}

impl ScaleRow {
    fn ratio(&self) -> Option<f64> {
        Some(self.wall_ms? / self.ideal_ms)
    }

    /// CPU time of everything in the run, over the wall time × cores.
    fn busy(&self) -> Option<f64> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let replicas: f64 = self.replicas.iter().filter_map(|r| r.2).sum();
        let total = replicas
            + self.cli_cpu_ms.unwrap_or(0.0)
            + self.nginx_cpu_ms.unwrap_or(0.0)
            + self.fixture_cpu_ms;
        Some(total / (self.wall_ms? * cores))
    }
}

pub struct Settings {
    pub n: usize,
    pub ks: Vec<usize>,
    pub s: usize,
}

impl Settings {
    pub fn from_env() -> Result<Settings, String> {
        let num = |name: &str, default: usize| -> Result<usize, String> {
            env_or(name, &default.to_string())
                .trim()
                .parse()
                .map_err(|e| format!("{name}: {e}"))
        };
        let ks = env_or(
            "UPCHECK_BENCH_SCALE_KS",
            &SCALE_KS.map(|k| k.to_string()).join(","),
        )
        .split(',')
        .map(|k| {
            k.trim()
                .parse::<usize>()
                .map_err(|e| format!("UPCHECK_BENCH_SCALE_KS: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            n: num("UPCHECK_BENCH_SCALE_N", SCALE_N)?.max(1),
            ks,
            s: num("UPCHECK_BENCH_SCALE_S", SCALE_S)?.max(1),
        })
    }
}

/// One replica process, as deployed behind nginx.
fn replica(port: u16, nginx_port: u16, s: usize, log: &Path) -> Result<Process, String> {
    let bin = env_or("UPCHECK_BENCH_PROXY", "target/release/upcheck-proxy");
    let s = s.to_string();
    let log = File::create(log).map_err(|e| e.to_string())?;
    let child = Command::new(root().join(&bin))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--insecure-allow-loopback", "--trust-forwarded"])
        .args(["--public-host", &format!("127.0.0.1:{nginx_port}")])
        .args(["--rate", "0"])
        .args(["--global-concurrency", &s, "--concurrency", &s])
        .args(["--max-checks-per-client", &s])
        // k batches at once from the one client, nginx: never a 429 even
        // if least_conn sends two to one replica.
        .args(["--max-batches-per-client", "8"])
        .args(["--per-host", &PER_HOST.to_string()])
        .args(["--max-urls", &MAX_URLS.to_string()])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("starting {bin}: {e} (./bench builds it)"))?;
    Ok(Process(child))
}

/// Batches each replica served, from the access log's `upstream=` fields.
fn batches_per_replica(log: &str, ports: &[u16]) -> (Vec<usize>, usize) {
    let mut counts = vec![0; ports.len()];
    let mut total = 0;
    for line in log.lines().filter(|l| l.contains("\"POST /api/check ")) {
        total += 1;
        let Some(up) = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("upstream="))
        else {
            continue;
        };
        // The last replica tried is the one that answered.
        let last = up.rsplit(',').next().unwrap_or(up).trim();
        if let Some(i) = ports.iter().position(|p| last == format!("127.0.0.1:{p}")) {
            counts[i] += 1;
        }
    }
    (counts, total)
}

/// The scale-out run for one k.
pub async fn scale(
    fixture: &Fixture,
    cli: &Path,
    list: &Path,
    settings: &Settings,
    k: usize,
    dir: &Path,
) -> Result<ScaleRow, String> {
    let (n, s) = (settings.n, settings.s);
    let nginx_port = free_port().map_err(|e| e.to_string())?;
    let mut ports = Vec::new();
    let mut replicas = Vec::new();
    for i in 0..k {
        let port = free_port().map_err(|e| e.to_string())?;
        let log = dir.join(format!("scale-replica-{i}.log"));
        replicas.push(replica(port, nginx_port, s, &log)?);
        ports.push(port);
    }
    for &port in &ports {
        wait_listening(port, Duration::from_secs(10)).await?;
    }
    let upstreams: Vec<SocketAddr> = ports.iter().map(|&p| ([127, 0, 0, 1], p).into()).collect();
    let nginx = Nginx::start(nginx_port, &upstreams, WORKER_CONNECTIONS).await?;

    let load_before = loadavg();
    fixture.stats().peak_in_flight.store(0, Ordering::SeqCst);
    let fixture_cpu = own_cpu_ms();
    let out = dir.join(format!("scale-{k}.jsonl"));
    let mut cmd = Command::new(cli);
    cmd.args([
        "check",
        "--format",
        "jsonl",
        "--no-progress",
        "--timeout",
        "5s",
    ])
    .args(["--via", &format!("http://127.0.0.1:{nginx_port}/")])
    .args(["--batches-per-proxy", &k.to_string()])
    .arg(list);
    let ideal = ideal_ms(n, k * s);
    let limit = Duration::from_millis(4 * ideal as u64 + 120_000);
    let run = run_measured(cmd, &out, limit).await;
    let fixture_cpu_ms = own_cpu_ms() - fixture_cpu;
    let fixture_peak = fixture.stats().peak_in_flight.swap(0, Ordering::SeqCst);
    let load_after = loadavg();

    // nginx logs a batch once its answer is sent: give it a moment.
    let batch = MAX_URLS.min(4 * s);
    let expected = n.div_ceil(batch);
    let deadline = Instant::now() + Duration::from_secs(5);
    let (counts, batches) = loop {
        let (counts, total) = batches_per_replica(&nginx.access_log(), &ports);
        if total >= expected || Instant::now() > deadline {
            break (counts, total);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let per_replica = replicas
        .iter()
        .zip(&counts)
        .map(|(p, &c)| (c, vm_hwm_kib(p.0.id()), cpu_ms_of(p.0.id())))
        .collect();
    let nginx_cpu_ms = cpu_ms_of(nginx.pid());
    drop(nginx);
    drop(replicas);

    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let mut row = ScaleRow {
        k,
        s,
        n,
        wall_ms: None,
        ideal_ms: ideal,
        up: up_lines(&text),
        lines: text.lines().count(),
        replicas: per_replica,
        cli_rss_kib: None,
        cli_cpu_ms: None,
        nginx_cpu_ms,
        fixture_cpu_ms,
        fixture_peak,
        batches,
        load: (load_before, load_after),
        note: String::new(),
    };
    let mut notes = Vec::new();
    match run {
        Ok(run) => {
            row.wall_ms = Some(run.wall_ms);
            row.cli_rss_kib = Some(run.rss_kib);
            row.cli_cpu_ms = Some(run.cpu_ms);
            if !run.status.success() {
                notes.push(format!("CLI {}: {}", run.status, stderr_tail(&out, 2)));
            }
        }
        Err(e) => notes.push(format!("CLI: {e}")),
    }
    if row.lines != n {
        notes.push(format!("{} lines for {n} URLs", row.lines));
    }
    if batches != expected {
        notes.push(format!(
            "{batches} batches logged, {expected} expected of {batch}"
        ));
    }
    row.note = notes.join("; ");
    Ok(row)
}

pub fn show(r: &ScaleRow) {
    println!(
        "  k={} S={} N={}: wall {} ideal {} ratio {} up {}/{} batches {:?} rss {:?} busy {} load {} -> {} {}",
        r.k,
        r.s,
        r.n,
        ms(r.wall_ms),
        ms(Some(r.ideal_ms)),
        r.ratio().map_or("–".into(), |x| format!("{x:.2}")),
        r.up,
        r.n,
        r.replicas.iter().map(|x| x.0).collect::<Vec<_>>(),
        r.replicas.iter().map(|x| mib(x.1)).collect::<Vec<_>>(),
        r.busy().map_or("–".into(), |b| format!("{:.0} %", b * 100.0)),
        r.load.0,
        r.load.1,
        r.note,
    );
}

/// The scale-out results as Markdown.
pub fn table(rows: &[ScaleRow]) -> String {
    let base = rows.iter().find(|r| r.k == 1).and_then(|r| r.wall_ms);
    let mut t = String::from(
        "| k replicas | S each (in flight) | wall | ideal | wall/ideal | speed-up vs k = 1 (ideal) | batches per replica | peak RSS per replica | CLI peak RSS | CPU: CLI / nginx / replicas / fixture | CPU busy (of all cores) | load before → after | up | notes |\n\
         |---:|---|---:|---:|---:|---:|---|---|---:|---|---:|---|---:|---|\n",
    );
    for r in rows {
        let speedup = match (base, r.wall_ms) {
            (Some(b), Some(w)) => format!(
                "**{:.2}×** ({:.2}×)",
                b / w,
                rows.iter()
                    .find(|x| x.k == 1)
                    .map_or(r.k as f64, |x| x.ideal_ms / r.ideal_ms)
            ),
            _ => "–".into(),
        };
        let replicas_cpu: f64 = r.replicas.iter().filter_map(|x| x.2).sum();
        let _ = writeln!(
            t,
            "| {} | {} ({}) | {} | {} | {} | {speedup} | {} | {} | {} | {} / {} / {} / {} | {} | {} → {} | {}/{} | {} |",
            r.k,
            r.s,
            r.k * r.s,
            ms(r.wall_ms),
            ms(Some(r.ideal_ms)),
            r.ratio().map_or("–".into(), |x| format!("**{x:.2}**")),
            r.replicas
                .iter()
                .map(|x| x.0.to_string())
                .collect::<Vec<_>>()
                .join(" / "),
            r.replicas
                .iter()
                .map(|x| mib(x.1))
                .collect::<Vec<_>>()
                .join(" / "),
            mib(r.cli_rss_kib),
            secs(r.cli_cpu_ms),
            secs(r.nginx_cpu_ms),
            secs(Some(replicas_cpu)),
            secs(Some(r.fixture_cpu_ms)),
            r.busy().map_or("–".into(), |b| format!("{:.0} %", b * 100.0)),
            r.load.0,
            r.load.1,
            r.up,
            r.n,
            if r.fixture_peak > 0 {
                format!(
                    "fixture peak in flight {}; {} batches{}",
                    r.fixture_peak,
                    r.batches,
                    if r.note.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", r.note.replace('|', "/"))
                    }
                )
            } else {
                r.note.replace('|', "/")
            },
        );
    }
    t
}

fn secs(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1} s", v / 1000.0))
}

/// What the table rests on, for the report.
pub fn setup(settings: &Settings) -> String {
    let s = settings.s;
    let batch = MAX_URLS.min(4 * s);
    format!(
        "N = {n} URLs `/cors/delay/{DELAY_MS}` over the fixture's ports; `upcheck check --via \
         http://127.0.0.1:NGINX/ --batches-per-proxy k --format jsonl --no-progress --timeout 5s`; \
         nginx 1 worker, `worker_connections {WORKER_CONNECTIONS}`, the shipped \
         `deploy/nginx/upcheck.conf`; each replica `upcheck-proxy --trust-forwarded --public-host \
         127.0.0.1:NGINX --insecure-allow-loopback --rate 0 --global-concurrency {s} \
         --concurrency {s} --max-checks-per-client {s} --max-batches-per-client 8 --per-host \
         {PER_HOST} --max-urls {MAX_URLS}`; batches of {batch} (the CLI's min(max_urls, 4 × \
         in flight)), {count} of them; ideal = ceil(N / (k × {s})) × {DELAY_MS} ms.\n",
        n = settings.n,
        count = settings.n.div_ceil(batch),
    )
}
