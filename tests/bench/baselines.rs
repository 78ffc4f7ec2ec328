//! The baselines Upcheck is held against, on the same list:
//! `benchmarks/thread_per_url.py` (one `threading.Thread` per URL,
//! `requests.get(url, timeout=5)`: the simple script someone would write
//! instead), `benchmarks/for_loop.py` (one URL at a time, so only at
//! N ≤ `LOOP_MAX_N`: its wall time is the sum), and lychee, an established link
//! checker (`UPCHECK_LYCHEE`, else on PATH), tuned as [`run_lychee`] says.

use super::common::{ideal_ms, root, run_bounded, run_measured, stderr_tail, Row, LYCHEE};
use super::DELAY_MS;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub async fn baseline(
    python: &str,
    script: &str,
    label: &str,
    n: usize,
    list: &Path,
    dir: &Path,
) -> Result<Row, String> {
    let mut cmd = Command::new(python);
    cmd.arg(root().join("benchmarks").join(script)).arg(list);
    let sequential = script == "for_loop.py";
    let limit = if sequential {
        Duration::from_millis(n as u64 * DELAY_MS * 2 + 60_000)
    } else {
        Duration::from_secs(300)
    };
    let out = dir.join(format!("{script}.json"));
    let json = run_bounded(cmd, &out, limit).await?;
    let mut row = Row::new(n, label);
    row.wall_ms = json["wall_ms"].as_f64();
    let slots = if sequential { 1 } else { n };
    row.concurrency = if sequential {
        "1".into()
    } else {
        format!("{n} (a thread each)")
    };
    row.ideal_ms = Some(ideal_ms(n, slots));
    row.rss_kib = json["peak_rss_kib"].as_u64();
    row.up = json["up"].as_u64().map(|u| u as usize);
    let mut notes = Vec::new();
    if let Some(failed) = json["failed"].as_object().filter(|f| !f.is_empty()) {
        notes.push(format!("failed: {}", Value::Object(failed.clone())));
    }
    if let Some(why) = json["not_started"].as_str() {
        notes.push(why.to_owned());
    }
    row.note = notes.join("; ");
    Ok(row)
}

/// lychee on the list, `concurrency` requests at once, tuned so nothing but
/// that bounds it: lychee keys its per-host limit by host name without the
/// port, so all the fixture's ports are one host (`127.0.0.1`) to it, and
/// `--host-concurrency` is set to the same `concurrency`; no pause between
/// requests to a host (`--host-request-interval 0s`, default 50 ms), no
/// retries (Upcheck's default too), a 5 s timeout. Loopback is not excluded
/// by default in 0.24 (`--exclude-loopback` is off).
pub async fn run_lychee(
    bin: &Path,
    n: usize,
    list: &Path,
    dir: &Path,
    concurrency: usize,
) -> Result<Row, String> {
    let out = dir.join(format!("lychee-{n}.json"));
    let c = concurrency.to_string();
    let mut cmd = Command::new(bin);
    cmd.args(["--no-progress", "--format", "json", "--timeout", "5"])
        .args(["--max-concurrency", &c, "--host-concurrency", &c])
        .args(["--host-request-interval", "0s", "--max-retries", "0"])
        .arg("--output")
        .arg(&out)
        .arg(list);
    let stdout = dir.join(format!("lychee-{n}.stdout"));
    let _ = std::fs::remove_file(&out);
    let limit = Duration::from_millis(4 * ideal_ms(n, concurrency) as u64 + 60_000);
    let run = run_measured(cmd, &stdout, limit).await?;
    let mut row = Row::new(n, LYCHEE);
    row.wall_ms = Some(run.wall_ms);
    row.rss_kib = Some(run.rss_kib);
    row.cpu_ms = Some(run.cpu_ms);
    row.concurrency = format!("{concurrency} (--max-concurrency, --host-concurrency {c})");
    row.ideal_ms = Some(ideal_ms(n, concurrency));
    let json: Value = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    row.up = json["successful"].as_u64().map(|u| u as usize);
    let mut notes = Vec::new();
    if !run.status.success() {
        notes.push(format!("{}: {}", run.status, stderr_tail(&stdout, 2)));
    }
    for key in ["errors", "timeouts", "excludes"] {
        if let Some(k) = json[key].as_u64().filter(|&k| k > 0) {
            notes.push(format!("{k} {key}"));
        }
    }
    row.note = notes.join("; ");
    Ok(row)
}
