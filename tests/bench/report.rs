//! The report: the results table (with each checker's speed-up over thread per
//! URL), the targets and whether this run met them, the machine, load
//! and software it ran on, and the page weight. `run` prints it, and with
//! `UPCHECK_BENCH_OUT` writes it into that Markdown file (BENCHMARKS.md from
//! `./bench`) between the bench markers, keeping the rest of the file.

use super::common::{cpu_model, env_or, mem_total, mib, ms, output, Error, Row};
use super::common::{DIRECT, FLOOR, PROXY, THREADS};
use super::weight::Weight;
use super::{DELAY_MS, PORTS, PROXY_CONCURRENCIES};
use std::fmt::Write as _;
use std::path::Path;

pub fn results_table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| N | checker | in flight at once (ideal's concurrency) | wall | ideal | wall/ideal | speed-up vs thread per URL | first result | longest main-thread task | peak RSS | fixture peak in flight | up | notes |\n\
         |---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let threads = rows
            .iter()
            .find(|t| t.n == r.n && t.checker == THREADS)
            .and_then(|t| t.wall_ms);
        let vs = match (threads, r.wall_ms) {
            (Some(t), Some(w)) if r.checker != THREADS => format!("{:.2}×", t / w),
            _ => "–".into(),
        };
        let _ = writeln!(
            t,
            "| {} | {vs} | {} | {} | {} | {} |",
            r.leading_cells(),
            ms(r.first_ms),
            ms(r.longest_task_ms),
            mib(r.rss_kib),
            r.trailing_cells(),
        );
    }
    t
}

/// The targets, each with where it stands in this run.
pub fn targets(rows: &[Row]) -> String {
    let find = |n: usize, checker: &str, c: &str| {
        rows.iter()
            .find(|r| r.n == n && r.checker == checker && r.concurrency.contains(c))
    };
    let mut t = String::from("| target | this run | |\n|---|---|---|\n");
    let mut line = |what: &str, got: String, met: Option<bool>| {
        let mark = match met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "not measured",
        };
        let _ = writeln!(t, "| {what} | {got} | {mark} |");
    };
    for c in PROXY_CONCURRENCIES {
        let tag = format!("--concurrency {c},");
        let r = find(10_000, PROXY, &tag);
        let ratio = r.and_then(Row::ratio);
        let rss = r.and_then(|r| r.rss_kib);
        line(
            &format!("proxy ({tag} …) ≤ 1.1× ideal at 10,000, peak RSS < 64 MiB"),
            format!(
                "{} × ideal, {}",
                ratio.map_or("–".into(), |x| format!("{x:.2}")),
                mib(rss)
            ),
            ratio.zip(rss).map(|(x, k)| x <= 1.1 && k < 64 * 1024),
        );
    }
    let r = find(1_000, DIRECT, "");
    let ratio = r.and_then(Row::ratio);
    let floor = find(1_000, FLOOR, "").and_then(Row::ratio);
    line(
        "direct mode ≤ 1.15× the browser's ideal at 1,000",
        format!(
            "{} × ideal (plain-JS fetch pool in the same browser: {} × ideal)",
            ratio.map_or("–".into(), |x| format!("{x:.2}")),
            floor.map_or("–".into(), |x| format!("{x:.2}")),
        ),
        ratio.map(|x| x <= 1.15),
    );
    let mut ns: Vec<usize> = rows.iter().map(|r| r.n).filter(|&n| n >= 100).collect();
    ns.dedup();
    for (label, checker, c) in [
        (
            "proxy (--concurrency 256, default)",
            PROXY,
            "--concurrency 256,",
        ),
        ("proxy (--concurrency 1024)", PROXY, "--concurrency 1024,"),
        ("direct mode", DIRECT, ""),
    ] {
        for &n in &ns {
            let wall = find(n, checker, c).and_then(|r| r.wall_ms);
            let threads = find(n, THREADS, "").and_then(|r| r.wall_ms);
            line(
                &format!("{label} faster than thread per URL at N = {n}"),
                match (wall, threads) {
                    (Some(w), Some(p)) => format!("{} vs {}", ms(Some(w)), ms(Some(p))),
                    _ => "–".into(),
                },
                wall.zip(threads).map(|(w, p)| w < p),
            );
        }
    }
    t
}

pub struct Report<'a> {
    pub weight: &'a Weight,
    pub sizes_md: &'a str,
    pub results: &'a str,
    pub targets: &'a str,
    pub load: (&'a str, &'a str),
    pub python: &'a str,
    pub lychee: Option<&'a Path>,
    /// The HTTP/2-against-HTTP/1.1 table, when it was measured.
    pub protocol: &'a str,
}

pub fn report(r: &Report) -> String {
    let command = env_or(
        "UPCHECK_BENCH_COMMAND",
        "cargo test -p upcheck --test bench",
    );
    let python = if r.python.is_empty() {
        "not available".to_owned()
    } else {
        output(
            r.python,
            &[
                "-c",
                "import sys, requests; print(sys.version.split()[0], 'requests', requests.__version__)",
            ],
        )
    };
    format!(
        "## Latest run\n\n\
         - date: {date}\n\
         - command: `{command}`\n\
         - machine: {cpus} CPUs ({model}), {mem} memory; {kernel}\n\
         - load average (1/5/15 min) before: {before}; after: {after}\n\
         - software: {rustc}; {chromium}; Python {python}; lychee: {lychee}\n\
         - fixture: {PORTS} loopback ports, every URL `/cors/delay/{DELAY_MS}`; \
         ideal = ceil(N / in flight) × {DELAY_MS} ms\n\n\
         ### Speed\n\n{results}\n### Targets\n\n{targets}\n{protocol}\n\
         ### Page weight (`trunk build --release`, wasm-opt -Oz)\n\n{weight}\n\
         ### What makes the wasm big\n\n{sizes}",
        date = output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        cpus = std::thread::available_parallelism().map_or(0, |n| n.get()),
        model = cpu_model(),
        mem = mem_total(),
        kernel = output("uname", &["-sr"]),
        before = r.load.0,
        after = r.load.1,
        rustc = output("rustc", &["--version"]),
        chromium = output("chromium", &["--version"]),
        lychee = r.lychee.map_or("not installed".to_owned(), |p| output(
            &p.to_string_lossy(),
            &["--version"]
        )),
        results = r.results,
        targets = r.targets,
        protocol = if r.protocol.is_empty() {
            String::new()
        } else {
            format!("### HTTP/2 and HTTP/1.1\n\n{}", r.protocol)
        },
        weight = r.weight.table(),
        sizes = r.sizes_md,
    )
}

const BEGIN: &str = "<!-- bench:begin (written by ./bench; edit outside these markers) -->";
const END: &str = "<!-- bench:end -->";

pub fn write_between_markers(path: &Path, report: &str) -> Result<(), Error> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{report}\n{END}");
    let new = match (old.find("<!-- bench:begin"), old.find(END)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{block}{}", &old[..a], &old[b + END.len()..])
        }
        _ => format!("# Benchmarks\n\n{block}\n{old}"),
    };
    std::fs::write(path, new)?;
    Ok(())
}

/// Writes `md` into `path` between `<!-- bench:NAME:begin -->` and
/// `<!-- bench:NAME:end -->`, keeping the rest of the file: the cases that
/// have a section of their own (`cli`, `scale`) replace only it, so a run of
/// just those leaves the latest full run's block alone. A file without the
/// markers gets the section appended.
pub fn write_section(path: &Path, name: &str, md: &str) -> Result<(), Error> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let begin = format!("<!-- bench:{name}:begin (written by ./bench --only {name}) -->");
    let end = format!("<!-- bench:{name}:end -->");
    let block = format!("{begin}\n{md}\n{end}");
    let new = match (
        old.find(&format!("<!-- bench:{name}:begin")),
        old.find(&end),
    ) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{block}{}", &old[..a], &old[b + end.len()..])
        }
        _ => format!("{}\n{block}\n", old.trim_end()),
    };
    std::fs::write(path, new)?;
    Ok(())
}
