//! The baselines Upcheck is held against, on the same list:
//! `benchmarks/thread_per_url.py` (one `threading.Thread` per URL,
//! `requests.get(url, timeout=5)`: the simple script someone would write
//! instead), `benchmarks/for_loop.py` (one URL at a time, so only at
//! N ≤ `LOOP_MAX_N`: its wall time is the sum), and lychee, an established link
//! checker, if it is on PATH.

use super::common::{ideal_ms, root, run_bounded, Row, LYCHEE};
use super::DELAY_MS;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

pub async fn run_lychee(bin: &Path, n: usize, list: &Path, dir: &Path) -> Result<Row, String> {
    let out = dir.join("lychee.json");
    let started = Instant::now();
    let status = Command::new(bin)
        .args(["--no-progress", "--format", "json", "--timeout", "5"])
        .args(["--max-concurrency", "256", "--output"])
        .arg(&out)
        .arg(list)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let mut row = Row::new(n, LYCHEE);
    row.wall_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    row.concurrency = "256 (--max-concurrency)".into();
    row.ideal_ms = Some(ideal_ms(n, 256));
    let json: Value = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    row.up = json["successful"].as_u64().map(|u| u as usize);
    row.note = format!("exit {status}");
    Ok(row)
}
