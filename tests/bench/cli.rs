//! The CLI against lychee (`cli`): the release `upcheck check` and lychee
//! 0.24.2 on the same list file, each URL answering after 500 ms, at
//! [`CLI_SIZES`]. Both get the same concurrency [`CLI_CONCURRENCY`] and a
//! per-host limit that does not bind: Upcheck's 6 per `host:port` over the
//! fixture's 256 ports is 1,536 slots; lychee counts every port of
//! `127.0.0.1` as one host, so its `--host-concurrency` is the concurrency
//! itself (see [`run_lychee`]). Each checker runs [`CLI_RUNS`] times,
//! alternating; a row is the median wall time, with every run's in the notes.
//! Peak RSS and CPU time are the child's own, from `wait4`.

use super::baselines::run_lychee;
use super::common::{
    ideal_ms, measured, mib, ms, run_measured, stderr_tail, up_lines, Row, CLI, LYCHEE,
};
use super::PER_HOST;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use upcheck_fixture::Fixture;

/// List sizes of the comparison.
pub const CLI_SIZES: [usize; 2] = [1_000, 10_000];
/// Checks in flight at once, for both.
pub const CLI_CONCURRENCY: usize = 1024;
/// Runs of each checker per size (the median is reported).
pub const CLI_RUNS: usize = 3;

/// The release CLI on `list`: `--format jsonl`, `"outcome":"up"` lines counted.
pub async fn run_cli(
    bin: &Path,
    n: usize,
    list: &Path,
    dir: &Path,
    concurrency: usize,
) -> Result<Row, String> {
    let out = dir.join(format!("cli-{n}.jsonl"));
    let mut cmd = Command::new(bin);
    cmd.args([
        "check",
        "--format",
        "jsonl",
        "--no-progress",
        "--allow-private",
    ])
    .args(["--timeout", "5s"])
    .args(["--concurrency", &concurrency.to_string()])
    .args(["--per-host", &PER_HOST.to_string()])
    .arg(list);
    let limit = Duration::from_millis(4 * ideal_ms(n, concurrency) as u64 + 60_000);
    let run = run_measured(cmd, &out, limit).await?;
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let mut row = Row::new(n, CLI);
    row.wall_ms = Some(run.wall_ms);
    row.rss_kib = Some(run.rss_kib);
    row.cpu_ms = Some(run.cpu_ms);
    row.concurrency = format!("{concurrency} (--concurrency, --per-host {PER_HOST})");
    row.ideal_ms = Some(ideal_ms(n, concurrency));
    row.up = Some(up_lines(&text));
    let lines = text.lines().count();
    let mut notes = Vec::new();
    if lines != n {
        notes.push(format!("{lines} lines for {n} URLs"));
    }
    if !run.status.success() {
        notes.push(format!("{}: {}", run.status, stderr_tail(&out, 2)));
    }
    row.note = notes.join("; ");
    Ok(row)
}

/// Both checkers at `n`, [`CLI_RUNS`] times each, alternating; the median
/// run of each (by wall time).
pub async fn compare(
    fixture: &Fixture,
    cli: &Path,
    lychee: Option<&Path>,
    n: usize,
    list: &Path,
    dir: &Path,
) -> Vec<Row> {
    let c = CLI_CONCURRENCY;
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut errors = (None, None);
    for _ in 0..CLI_RUNS {
        match measured(fixture, run_cli(cli, n, list, dir, c).await) {
            Ok(row) => ours.push(row),
            Err(e) => errors.0 = Some(e),
        }
        if let Some(bin) = lychee {
            match measured(fixture, run_lychee(bin, n, list, dir, c).await) {
                Ok(row) => theirs.push(row),
                Err(e) => errors.1 = Some(e),
            }
        }
    }
    let why_lychee = if lychee.is_none() {
        std::env::var("UPCHECK_LYCHEE_WHY")
            .ok()
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "not installed (UPCHECK_LYCHEE unset, not on PATH)".into())
    } else {
        errors.1.unwrap_or_default()
    };
    vec![
        median(n, CLI, ours, errors.0.unwrap_or_default()),
        median(n, LYCHEE, theirs, why_lychee),
    ]
}

fn median(n: usize, checker: &str, mut runs: Vec<Row>, why: String) -> Row {
    if runs.is_empty() {
        return Row::not_run(n, checker, &why);
    }
    runs.sort_by(|a, b| a.wall_ms.partial_cmp(&b.wall_ms).unwrap());
    let all: Vec<String> = runs
        .iter()
        .map(|r| format!("{} / {}", ms(r.wall_ms), mib(r.rss_kib)))
        .collect();
    let mut row = runs.swap_remove(runs.len() / 2);
    let mut notes = vec![format!("runs (wall / RSS): {}", all.join(", "))];
    if !row.note.is_empty() {
        notes.push(row.note.clone());
    }
    if !why.is_empty() {
        notes.push(format!("a run failed: {why}"));
    }
    row.note = notes.join("; ");
    row
}

/// The comparison as Markdown: one row per checker and size, then the ratios.
pub fn table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| N | checker | in flight at once | wall (median) | ideal | wall/ideal | peak RSS | CPU (user+sys) | fixture peak in flight | up | notes |\n\
         |---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} |",
            r.leading_cells(),
            mib(r.rss_kib),
            ms(r.cpu_ms),
            r.trailing_cells(),
        );
    }
    t.push_str("\n| N | upcheck ÷ lychee: wall | peak RSS | CPU |\n|---:|---:|---:|---:|\n");
    let mut ns: Vec<usize> = rows.iter().map(|r| r.n).collect();
    ns.dedup();
    for n in ns {
        let get = |checker: &str| rows.iter().find(|r| r.n == n && r.checker == checker);
        let (Some(a), Some(b)) = (get(CLI), get(LYCHEE)) else {
            continue;
        };
        let ratio = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) if y > 0.0 => format!("**{:.2}**", x / y),
            _ => "–".into(),
        };
        let kib = |r: &Row| r.rss_kib.map(|k| k as f64);
        let _ = writeln!(
            t,
            "| {n} | {} | {} | {} |",
            ratio(a.wall_ms, b.wall_ms),
            ratio(kib(a), kib(b)),
            ratio(a.cpu_ms, b.cpu_ms),
        );
    }
    t
}
